"""Spreadsheets in: the manual-entry workbook (`template`, `reader`, `merge`) and Excel copies of
the tabular inputs (`excel`)."""
