"""Telling an .xlsx workbook's sheets, and the manual-entry workbook, from its parts alone (no openpyxl)."""

from __future__ import annotations

import html
import re
import zipfile
from pathlib import Path

from reporter.workbook import schema


def sheet_names(path: Path) -> list[str]:
    """The workbook's sheet names in order, from its workbook part ([] if it is not an .xlsx)."""
    try:
        with zipfile.ZipFile(path) as archive:
            xml = archive.read("xl/workbook.xml").decode("utf-8", errors="replace")
    except (OSError, zipfile.BadZipFile, KeyError, ValueError):
        return []
    return [html.unescape(name) for name in re.findall(r'<(?:\w+:)?sheet\b[^>]*?\bname="([^"]*)"', xml)]


def is_manual_workbook(path: Path) -> bool:
    """A workbook written by `reporter template`: its Instructions sheet and one of its kinds' sheets."""
    names = sheet_names(path)
    return schema.INSTRUCTIONS in names and any(name in schema.BY_NAME for name in names)
