"""JSON output: the report context as a stable, full-precision document."""

from __future__ import annotations

import json
from pathlib import Path

from reporter.render.context import ReportContext

SCHEMA_VERSION = "1"


def render_json(context: ReportContext, path: Path) -> Path:
    document = {"schema_version": SCHEMA_VERSION, **context.to_dict()}
    path.write_text(
        json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False) + "\n", encoding="utf-8"
    )
    return path
