"""The configuration the upload page runs with, and the checks shown for each uploaded file.

The configuration is the organisation's TOML file (uploaded) or one written from the page's form.
What only makes sense on the user's own machine is set by the server instead: the inputs are the
uploaded files, the history store and the output folder are the workspace's, and a templates
folder is not taken (it would name a folder on the server). Each such key is listed in `notes`.

A file's check is what `reporter validate` prints for it: its detected format, rows read / used /
excluded with the reasons, the period its rows cover, notes and flags; or the one error that stops it.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reporter.config import ReportConfig, build_config, parse_period
from reporter.errors import ConfigError, InputError, ReporterError
from reporter.web.workspace import Upload, Workspace, WorkspaceError

ALL_TIME = "1900..2999"
FORM_MODELS = ("default", "ccf")


@dataclass(frozen=True)
class Settings:
    data: dict[str, Any]  # the TOML document, without the keys the server sets
    name: str  # the file name it came from, or "form"
    notes: tuple[str, ...]

    def summary(self) -> dict[str, Any]:
        period = self.data.get("period", {})
        shown = period.get("month") or f"{period.get('start')}..{period.get('end')}"
        return {
            "source": self.name,
            "organization": self.data.get("organization", {}).get("name"),
            "period": shown,
            "sections": sorted(k for k in self.data if k not in ("organization", "period")),
            "notes": list(self.notes),
        }


def parse_settings(raw: bytes, name: str) -> Settings:
    """The configuration in `raw` (TOML), checked as the command line checks it; a WorkspaceError if wrong."""
    try:
        data = tomllib.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise WorkspaceError(f"{name}: the configuration is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise WorkspaceError(f"{name}: not valid TOML ({exc})") from None
    notes = []
    for internal in ("base_dir", "inputs_from"):
        if internal in data:
            raise WorkspaceError(f"{name}: unknown key '{internal}'")
    if data.pop("inputs", None) is not None:
        notes.append("[[inputs]] not used: the uploaded files are the inputs")
    if data.pop("history", None) is not None:
        notes.append("[history] not used: closed months are kept in this workspace's store")
    output = dict(data.get("output", {}))
    for key in ("dir", "templates"):
        if output.pop(key, None) is not None:
            notes.append(f"output.{key} not used: the report is written in this workspace with the shipped templates")
    if "output" in data:
        data["output"] = output
    settings = Settings(data, name, tuple(notes))
    config_for(settings, Path("."), [], None)  # the same validation as `reporter report --config`
    return settings


def form_settings(fields: dict[str, Any]) -> bytes:
    """A TOML configuration from the form: organisation, period, and the main settings."""
    name = str(fields.get("organization") or "").strip()
    if not name:
        raise WorkspaceError("give the organisation's name")
    try:
        period = parse_period(str(fields.get("period") or ""))
    except ConfigError as exc:
        raise WorkspaceError(str(exc)) from None
    lines = ["[organization]", f"name = {json.dumps(name)}", "", "[period]",
             f"start = {period.start.isoformat()}", f"end = {period.end.isoformat()}", ""]
    pue = fields.get("pue")
    if pue not in (None, ""):
        try:
            lines += ["[facility]", f"pue = {float(str(pue))!r}", ""]
        except ValueError:
            raise WorkspaceError(f"PUE '{pue}' is not a number") from None
    model = str(fields.get("energy_model") or "default")
    if model not in FORM_MODELS:
        raise WorkspaceError(f"energy model '{model}' is not one of {', '.join(FORM_MODELS)}")
    lines += ["[method]", f"energy_model = {json.dumps(model)}", ""]
    fallback = str(fields.get("fallback") or "WORLD").strip()
    lines += ["[factors]", f"fallback = {json.dumps(fallback)}", ""]
    return "\n".join(lines).encode()


def save_settings(workspace: Workspace, raw: bytes, name: str) -> Settings:
    settings = parse_settings(raw, name)
    temp = workspace.config_path.with_suffix(".toml.partial")
    temp.write_bytes(raw)
    temp.replace(workspace.config_path)
    (workspace.root / "config-name.txt").write_text(name, encoding="utf-8")
    return settings


def load_settings(workspace: Workspace) -> Settings | None:
    if not workspace.config_path.exists():
        return None
    name_file = workspace.root / "config-name.txt"
    name = name_file.read_text(encoding="utf-8") if name_file.exists() else "config.toml"
    return parse_settings(workspace.config_path.read_bytes(), name)


def config_for(settings: Settings, folder: Path, inputs: list[dict[str, Any]], period: str | None,
               history_url: str | None = None) -> ReportConfig:
    """The report configuration: the settings, the inputs in `folder`, and `period` if given."""
    data = {**settings.data, "base_dir": str(folder), "inputs": inputs}
    if history_url:
        data["history"] = {"url": history_url}
    try:
        return build_config(data, {"period": period} if period else {}, origin=settings.name)
    except ConfigError as exc:
        raise WorkspaceError(str(exc)) from None


def check_upload(workspace: Workspace, upload: Upload, settings: Settings | None) -> dict[str, Any]:
    """`reporter validate` for one uploaded file (its fellow uploads beside it, for readers that pair files)."""
    from reporter.pipeline import run

    base = settings or Settings({"organization": {"name": "validation"}, "period": {"month": "2026-01"}}, "check", ())
    with workspace.linked(workspace.all_uploads()) as (folder, paths):
        link = paths.get(upload.id)
        if link is None:
            raise WorkspaceError(f"no upload '{upload.id}'", 404)
        config = config_for(base, folder, [{"path": str(link)}], ALL_TIME)
        try:
            result = run(config)
        except InputError as exc:
            return {"format": None, "error": exc.message, "where": _where(exc), "problems": []}
        except ReporterError as exc:
            return {"format": None, "error": str(exc), "where": None, "problems": []}
    return _described(result)


def _where(exc: InputError) -> str | None:
    parts = [f"row {exc.row}" if exc.row is not None else "", f"column '{exc.column}'" if exc.column else ""]
    return ", ".join(p for p in parts if p) or None


def _described(result: Any) -> dict[str, Any]:
    from reporter.report.exclusions import examples_text, group_exclusions

    if not result.ledgers:
        reason = result.skipped[0][1] if result.skipped else "not read"
        return {"format": None, "error": reason, "where": None, "problems": []}
    ledger = result.ledgers[0]
    problems = []
    for group in group_exclusions(ledger.exclusions, ledger.exclusion_groups):
        examples = f" (e.g. {examples_text(group)})" if group.example_rows else ""
        detail = f"; row {group.example_rows[0]}: {group.example_details[0]}" if any(group.example_details[:1]) else ""
        problems.append(f"{group.rows} row(s) excluded{examples}: {group.reason}{detail}")
    problems += [f"note: {note}" for note in ledger.notes]
    items = result.items
    flags: dict[str, int] = {}
    for value in items["flags"]:
        for flag in filter(None, str(value).split(";")):
            flags[flag] = flags.get(flag, 0) + 1
    problems += [f"{count} line item(s) flagged {flag}" for flag, count in sorted(flags.items())]
    covered = None
    if len(items):
        start = items["start_time"].dropna().min() if items["start_time"].notna().any() else items["end_time"].min()
        import pandas as pd

        end = items["end_time"].max()
        # The last day covered: an end at midnight (a whole month's reading ends on the next month's
        # first instant) is the day before.
        last = end - pd.Timedelta(microseconds=1) if end > start else end
        covered = {"start": f"{start:%Y-%m-%d}", "end": f"{last:%Y-%m-%d}"}
    return {
        "format": ledger.format,
        "rows_read": ledger.rows_read,
        "rows_used": ledger.rows_used,
        "rows_excluded": ledger.rows_excluded,
        "period": covered,
        "problems": problems,
        "error": None,
        "where": None,
    }
