"""Monthly close: compute a month, store it in the history, restate it with a reason.

Closing the same month again with the same lineage (inputs, factors, settings and results) is a
no-op; with a different lineage it is refused unless it is a restatement, which stores a new
version and keeps the old one (ESRS: old figure, new figure, difference, reason).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from reporter import __version__
from reporter.core.period import Period
from reporter.history import CURRENT, ClosedMonth, HistoryError, HistoryStore, now
from reporter.render import staged_outputs
from reporter.report import Report
from reporter.report.model import plain
from reporter.report.provider_reported import month_versions


@dataclass(frozen=True)
class CloseOutcome:
    action: str  # "closed", "unchanged" or "restated"
    record: ClosedMonth
    previous: ClosedMonth | None
    files: list[Path]


def factor_data_version() -> str:
    """Short sha256 over the vendored factor tables."""
    digest = hashlib.sha256()
    folder = resources.files("reporter.data.factors")
    for name in sorted(p.name for p in folder.iterdir() if p.name.endswith(".csv")):
        digest.update(name.encode())
        digest.update(folder.joinpath(name).read_bytes())
    return digest.hexdigest()[:16]


def lineage(report: Report) -> dict[str, Any]:
    """What a month's figures depend on: inputs, factors, settings, code — and the results."""
    return {
        "inputs": [{"path": i.path, "sha256": i.sha256, "format": i.format} for i in report.inputs],
        "factor_data_version": factor_data_version(),
        "factors": [{"id": f.id, "value": f.value} for f in report.factors],
        "methodology": plain(report.methodology),
        "code_version": __version__,
        "totals": plain(report.totals),
    }


def digest(data: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def close_month(
    report: Report,
    store: HistoryStore,
    out_dir: Path,
    formats: list[str],
    *,
    restate: bool = False,
    reason: str | None = None,
) -> CloseOutcome:
    month = report.period.label
    store.create()
    existing = store.current(month)
    data = lineage(report)
    key = digest(data)
    if existing is not None and existing.lineage_digest == key:
        return CloseOutcome("unchanged", existing, None, [])
    if existing is not None and not restate:
        raise HistoryError(
            f"{month} is already closed (version {existing.version}, "
            f"{existing.location_based_tco2e:.6g} tCO2e) and these inputs, factors or results differ; "
            'to store a new version run again with --restate --reason "…"'
        )
    if restate and existing is None:
        raise HistoryError(f"{month} has not been closed yet, so there is nothing to restate")
    if restate and not (reason and reason.strip()):
        raise HistoryError('a restatement needs --reason "…" saying why the figures changed')
    with staged_outputs(report, out_dir, formats) as staged:
        record = ClosedMonth(
            month=month,
            version=0,  # numbered by the store, in the transaction that stores it
            status=CURRENT,
            lineage_digest=key,
            energy_kwh=report.totals.energy_kwh,
            location_based_tco2e=report.totals.location_based_tco2e,
            document={
                "lineage": data,
                "by_month": plain(report.by_month),
                "breakdowns": plain(report.breakdowns),
                "data_quality": plain(report.data_quality),
                "provider_model_versions": _model_versions(report),
            },
            files={target.name: _sha256(temp) for temp, target in staged.files},
            reason=reason.strip() if restate and reason else None,
            restates_version=existing.version if existing is not None else None,
            closed_at=now(),
        )
        stored = store.store(record)  # a close that lost a race stops here, its files not in place
        files = staged.commit()
    return CloseOutcome("restated" if existing else "closed", stored, existing, files)


def _model_versions(report: Report) -> dict[str, str | None]:
    """The providers' carbon model versions of the closed month's figures ({provider: version})."""
    if report.provider_reported is None:
        return {}
    return month_versions(report.provider_reported.model_versions).get(report.period.label, {})


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def history_view(store: HistoryStore | None, period: Period, baseline: Any) -> dict[str, Any]:
    """Closed months before the report period (its year and the year before) and restatements."""
    year = period.end.year
    first = period.start.strftime("%Y-%m")
    closed = store.current_months() if store is not None else {}
    shown = {m: c for m, c in closed.items() if m < first and m[:4] in (str(year), str(year - 1))}
    versions = store.versions() if store is not None else []
    restatements = []
    for record in versions:
        if record.restates_version is None or record.month not in shown:
            continue
        old = next(v for v in versions if v.month == record.month and v.version == record.restates_version)
        restatements.append(
            {
                "month": record.month,
                "old_version": old.version,
                "new_version": record.version,
                "old_tco2e": old.location_based_tco2e,
                "new_tco2e": record.location_based_tco2e,
                "difference_tco2e": record.location_based_tco2e - old.location_based_tco2e,
                "reason": record.reason,
            }
        )
    months = [
        {"month": m, "version": c.version, "energy_kwh": c.energy_kwh, "location_based_tco2e": c.location_based_tco2e}
        for m, c in sorted(shown.items())
    ]
    previous = [m for m in months if str(m["month"]).startswith(str(year - 1))]
    return {
        "closed_months": months,
        "previous_year": {
            "year": year - 1,
            "months_closed": len(previous),
            "location_based_tco2e": sum(m["location_based_tco2e"] for m in previous) if previous else None,
            "energy_kwh": sum(m["energy_kwh"] for m in previous) if previous else None,
        },
        "base_year": (
            {"year": baseline.year, "location_based_tco2e": baseline.location_based_tco2e}
            if baseline is not None
            else None
        ),
        "restatements": restatements,
        # Every current closed month's provider model versions (reporter.report.provider_reported).
        "provider_model_versions": {
            m: {"version": c.version, "models": c.document.get("provider_model_versions", {})}
            for m, c in sorted(closed.items())
            if c.document.get("provider_model_versions")
        },
    }
