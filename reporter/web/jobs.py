"""Report and close jobs: run one at a time in a background thread, their status polled by the page.

A job's folder holds status.json (kept up to date), inputs/ (links to the uploads it read) and
out/ (its report files). A job that fails records the error and leaves the uploads, the
configuration and the history as they were: the next job starts from the same workspace.
Every upload is named as an input (as files named on the command line are): a file that cannot be
read fails the job with the error naming it, rather than being skipped.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from reporter import progress
from reporter.config import parse_period
from reporter.errors import ReporterError
from reporter.web.checks import config_for, load_settings
from reporter.web.workspace import ID_PATTERN, Workspace, WorkspaceError, new_id

log = logging.getLogger("reporter.web")
STAGES = {"preparing": (0.0, 0.05), "reading": (0.05, 0.7), "building": (0.7, 0.75), "writing": (0.75, 1.0)}


@dataclass
class Job:
    id: str
    kind: str  # "report" or "close"
    request: dict[str, Any]
    state: str = "queued"  # queued, running, done, failed
    stage: str = "queued"
    fraction: float = 0.0
    detail: str = ""
    error: str | None = None
    files: list[str] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)
    created: str = field(default_factory=lambda: _stamp())
    started: str | None = None
    finished: str | None = None
    seconds: float | None = None

    def public(self) -> dict[str, Any]:
        return asdict(self)


class Jobs:
    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self.lock = threading.Lock()
        self.jobs: dict[str, Job] = {}
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="reporter-job")
        self._load()

    def _load(self) -> None:
        for status in sorted(self.workspace.jobs.glob("*/status.json")):
            if not ID_PATTERN.fullmatch(status.parent.name):
                continue
            try:
                job = Job(**json.loads(status.read_text(encoding="utf-8")))
            except (OSError, ValueError, TypeError):
                continue
            if job.state in ("queued", "running"):
                job.state, job.error = "failed", "the server stopped before this job finished"
            self.jobs[job.id] = job

    def submit(self, kind: str, request: dict[str, Any]) -> Job:
        job = Job(new_id(), kind, request)
        self.workspace.job_folder(job.id).mkdir()
        with self.lock:
            self.jobs[job.id] = job
        self._save(job)
        self.pool.submit(self._run, job)
        return job

    def get(self, job_id: str) -> Job:
        self.workspace.job_folder(job_id)  # checks the id
        with self.lock:
            job = self.jobs.get(job_id)
        if job is None:
            raise WorkspaceError(f"no job '{job_id}'", 404)
        return job

    def all(self) -> list[Job]:
        with self.lock:
            return sorted(self.jobs.values(), key=lambda j: j.created, reverse=True)

    def file(self, job_id: str, name: str) -> Path:
        """A report file of a finished job, by its name as listed in the job (nothing else is served)."""
        job = self.get(job_id)
        if name not in job.files:
            raise WorkspaceError(f"job {job_id} has no file '{name[:80]}'", 404)
        return self.workspace.job_folder(job_id) / "out" / name

    def _save(self, job: Job) -> None:
        target = self.workspace.job_folder(job.id) / "status.json"
        temp = target.with_suffix(".partial")
        temp.write_text(json.dumps(job.public(), indent=1, default=str), encoding="utf-8")
        os.replace(temp, target)

    def _update(self, job: Job, stage: str, fraction: float = 0.0, detail: str = "") -> None:
        low, high = STAGES[stage]
        job.stage, job.detail = stage, detail
        job.fraction = max(job.fraction, low + (high - low) * max(0.0, min(fraction, 1.0)))
        self._save(job)

    def _run(self, job: Job) -> None:
        clock = time.monotonic()
        job.state, job.started = "running", _stamp()
        try:
            self._update(job, "preparing")
            work = run_report if job.kind == "report" else run_close
            work(self, job)
            job.state, job.stage, job.fraction = "done", "done", 1.0
        except (ReporterError, WorkspaceError) as exc:
            job.state, job.error = "failed", str(exc)
        except Exception as exc:  # a bug must not stop the worker: the job says what happened
            log.exception("job %s failed", job.id)
            job.state, job.error = "failed", f"internal error: {type(exc).__name__}: {exc}"
        job.finished, job.seconds = _stamp(), round(time.monotonic() - clock, 3)
        self._save(job)

    def listener(self, job: Job) -> progress.Listener:
        def heard(label: str, fraction: float) -> None:
            self._update(job, "writing" if label == "writing" else "reading", fraction, label)

        return heard


def _report(jobs: Jobs, job: Job, period: str | None) -> tuple[Any, Any]:
    """The job's report (and its configuration) from the workspace's uploads and configuration."""
    from reporter.closing import history_view
    from reporter.history import HistoryStore
    from reporter.pipeline import run
    from reporter.report import build_report

    workspace = jobs.workspace
    settings = load_settings(workspace)
    if settings is None:
        raise WorkspaceError("no configuration yet: upload one or fill in the form")
    chosen = job.request.get("uploads") or [u.id for u in workspace.all_uploads()]
    uploads = [workspace.upload(upload_id) for upload_id in chosen]
    if not uploads:
        raise WorkspaceError("no input files yet: upload at least one")
    folder = workspace.job_folder(job.id) / "inputs"
    with workspace.linked(uploads, folder) as (_, paths):
        named = [{"path": str(paths[upload.id])} for upload in uploads]  # each named, as on the command line
    config = config_for(settings, folder, named, period, workspace.history_url)
    with progress.listening(jobs.listener(job)):
        jobs._update(job, "reading", 0.0, "reading the inputs")
        result = run(config)
        jobs._update(job, "building", 0.0, "building the report")
        store = HistoryStore.existing(workspace.history_url)
        report = build_report(result, history_view(store, result.period, config.baseline))
    job.summary = _summary(report, result)
    return report, config


def run_report(jobs: Jobs, job: Job) -> None:
    from reporter.render import write_outputs

    report, config = _report(jobs, job, job.request.get("period"))
    formats = job.request.get("formats") or list(config.output.formats)
    with progress.listening(jobs.listener(job)):
        written = write_outputs(report, jobs.workspace.job_folder(job.id) / "out", formats)
    job.files = [path.name for path in written]


def run_close(jobs: Jobs, job: Job) -> None:
    from reporter.closing import close_month
    from reporter.history import HistoryError, HistoryStore

    month = str(job.request["month"])
    last_day = parse_period(month).end
    if last_day >= datetime.now(UTC).date():
        raise HistoryError(f"{month} has not ended yet (it ends {last_day}); close it once it is over")
    report, config = _report(jobs, job, month)
    store = HistoryStore(jobs.workspace.history_url)
    with progress.listening(jobs.listener(job)):
        outcome = close_month(
            report, store, jobs.workspace.job_folder(job.id) / "out", list(config.output.formats),
            restate=bool(job.request.get("restate")), reason=job.request.get("reason"),
        )
    job.files = [path.name for path in outcome.files]
    record = outcome.record
    job.summary.update(action=outcome.action, version=record.version,
                       previous_version=outcome.previous.version if outcome.previous else None,
                       previous_tco2e=outcome.previous.location_based_tco2e if outcome.previous else None)


def _summary(report: Any, result: Any) -> dict[str, Any]:
    totals, quality = report.totals, report.data_quality
    return {
        "organization": report.organization.name,
        "period": report.period.label,
        "energy_kwh": totals.energy_kwh,
        "location_based_tco2e": totals.location_based_tco2e,
        "rows_read": quality.rows_read,
        "rows_used": quality.rows_used,
        "inputs": [{"path": g.path, "format": g.format, "rows_read": g.rows_read, "rows_used": g.rows_used}
                   for g in result.ledgers],
        "skipped": [{"path": path, "reason": reason} for path, reason in result.skipped],
    }


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")

