"""Providers' own carbon exports (AWS, Google Cloud, Azure): control totals beside our estimates."""
