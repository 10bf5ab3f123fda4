"""Energy-tracker logs: CodeCarbon, carbontracker and eco2ai, read row by row into canonical readings."""
