"""Cloud bills (AWS CUR, Azure cost details, FOCUS, GCP billing export), read by one DuckDB engine.

Each reader maps its format's columns to SQL expressions (`sql.BillMapping`); `engine.read_bill`
runs the aggregate query (`query.aggregate_sql`), reading a big plain CSV in pieces (`pieces`).
"""
