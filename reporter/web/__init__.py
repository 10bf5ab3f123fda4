"""The upload page and its JSON API (`reporter serve`)."""
