"""JSON output: the report context as a stable, full-precision document.

The sections are indented for reading; the line items, by far the largest part, are written one
compact object per line (json's fast encoder), which parses to the same document.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from reporter.render.context import ReportContext

SCHEMA_VERSION = "1"
INDENT = 2
ROW_SECTIONS = ("line_items",)
_PAD = " " * INDENT
_INDENTED = json.JSONEncoder(indent=INDENT, ensure_ascii=False, allow_nan=False)
_COMPACT = json.JSONEncoder(ensure_ascii=False, allow_nan=False)


def render_json(context: ReportContext, path: Path) -> Path:
    document = {"schema_version": SCHEMA_VERSION, **context.to_dict()}
    path.write_text("".join(document_chunks(document)), encoding="utf-8")
    return path


def document_chunks(document: dict[str, Any]) -> Iterator[str]:
    """`document` as indented JSON ending in a newline, the lists named in ROW_SECTIONS one element per line."""
    yield "{"
    for index, (key, value) in enumerate(document.items()):
        yield ("\n" if index == 0 else ",\n") + _PAD + _COMPACT.encode(key) + ": "
        if key in ROW_SECTIONS and isinstance(value, list) and value:
            yield from _row_chunks(value)
        else:
            yield _INDENTED.encode(value).replace("\n", "\n" + _PAD)
    yield "\n}\n" if document else "}\n"


def _row_chunks(rows: list[Any]) -> Iterator[str]:
    """A non-empty list as an array indented like the document, one compact value per line."""
    row_pad = _PAD * 2
    yield "["
    for index, row in enumerate(rows):
        yield ("\n" if index == 0 else ",\n") + row_pad
        yield _COMPACT.encode(row)
    yield "\n" + _PAD + "]"
