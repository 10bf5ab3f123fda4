"""The FastAPI application: the upload page (static files) and the JSON API under /api/.

Every route is described in /openapi.json. Errors are JSON {"detail": "…"} with a 4xx status.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import FastAPI, Query, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field
from starlette.background import BackgroundTask

from reporter import __version__
from reporter.errors import ReporterError
from reporter.web import security
from reporter.web.checks import check_upload, form_settings, load_settings, save_settings
from reporter.web.jobs import Jobs
from reporter.web.receive import receive
from reporter.web.workspace import Workspace, WorkspaceError, new_id

MAX_CONFIG_BYTES = 1 << 20
MEDIA = {"pdf": "application/pdf", "json": "application/json", "parquet": "application/vnd.apache.parquet",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
TEMPLATE_LANG = ("Language of the instructions, help texts and column names: en or ko (Korean). Sheet names and "
                 "header keys stay English; a Korean workbook is read as an English one.")
TEMPLATE_MISSING = "workbook template not in this build (the reporter.workbook.template module is missing)"


class FormSettings(BaseModel):
    organization: str = Field(description="The organisation's name, shown in the report.")
    period: str = Field(description="Reporting period: 2026-10, 2026-01..2026-12 or 2026.")
    pue: float | None = Field(default=None, description="Facility PUE applied to tracker runs (optional).")
    energy_model: str = Field(default="default", description="Cloud energy model: default or ccf.")
    fallback: str = Field(default="WORLD", description="Grid factor for runs whose location is unknown.")


class ReportRequest(BaseModel):
    period: str | None = Field(default=None, description="Overrides the configuration's period.")
    uploads: list[str] | None = Field(default=None, description="Upload ids to read (default: all).")
    formats: list[str] | None = Field(default=None, description="pdf, xlsx, json, lineage (default: the config's).")


class CloseRequest(BaseModel):
    month: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="The month to close, YYYY-MM.")
    restate: bool = Field(default=False, description="Store a new version of a month already closed.")
    reason: str | None = Field(default=None, max_length=2000, description="Why it is restated (required then).")


def create_app(workspace: Path, max_upload_bytes: int, token: str | None = None, loopback: bool = True) -> FastAPI:
    space = Workspace(workspace)
    jobs = Jobs(space)
    app = FastAPI(title="reporter", version=__version__, docs_url=None, redoc_url=None,
                  description="Upload inputs, check them, write AI energy and emissions reports, close months.")
    app.state.workspace, app.state.jobs = space, jobs
    security.install(app, token, loopback)

    @app.exception_handler(WorkspaceError)
    async def _workspace_error(request: Request, exc: WorkspaceError) -> JSONResponse:
        return JSONResponse({"detail": exc.message}, status_code=exc.status)

    @app.exception_handler(ReporterError)
    async def _reporter_error(request: Request, exc: ReporterError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=400)

    static = resources.files("reporter.web") / "static"
    app.mount("/static", StaticFiles(directory=str(static)), name="static")

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def page() -> HTMLResponse:
        return HTMLResponse((static / "index.html").read_text(encoding="utf-8"))

    _config_routes(app, space)
    _upload_routes(app, space, max_upload_bytes)
    _job_routes(app, space, jobs)
    return app


def _config_routes(app: FastAPI, space: Workspace) -> None:
    @app.get("/api/config", summary="The configuration in use (null if none yet)")
    def get_config() -> dict[str, Any] | None:
        settings = load_settings(space)
        return settings.summary() if settings else None

    @app.post("/api/config", summary="Upload the organisation's TOML configuration")
    async def put_config(file: UploadFile) -> dict[str, Any]:
        raw = await file.read(MAX_CONFIG_BYTES + 1)
        if len(raw) > MAX_CONFIG_BYTES:
            raise WorkspaceError("a configuration file is at most 1 MB", 413)
        name = (file.filename or "config.toml").replace("\\", "/").rsplit("/", 1)[-1][:120]
        return save_settings(space, raw, name).summary()

    @app.post("/api/config/form", summary="Write the configuration from organisation, period and main settings")
    def put_form(form: FormSettings) -> dict[str, Any]:
        return save_settings(space, form_settings(form.model_dump()), "form").summary()

    @app.get("/api/template", summary="Download the manual-entry workbook template (.xlsx)",
             responses={501: {"description": "The workbook template is not in this build"}})
    def template(lang: Annotated[Literal["en", "ko"], Query(description=TEMPLATE_LANG)] = "en") -> Response:
        try:
            from reporter.workbook.template import write_template  # type: ignore[import-not-found]
        except ImportError:
            return JSONResponse({"detail": TEMPLATE_MISSING}, status_code=501)
        target = space.tmp / f"template-{new_id()}.xlsx"
        write_template(target, lang)
        name = "reporter-template.xlsx" if lang == "en" else f"reporter-template-{lang}.xlsx"
        return FileResponse(target, media_type=MEDIA["xlsx"], filename=name,
                            background=BackgroundTask(target.unlink, missing_ok=True))


def _upload_routes(app: FastAPI, space: Workspace, limit: int) -> None:
    @app.post("/api/uploads", status_code=201, summary="Upload input files (multipart/form-data, field 'files')",
              openapi_extra={"requestBody": {"content": {"multipart/form-data": {"schema": {
                  "type": "object", "properties": {"files": {"type": "array",
                                                             "items": {"type": "string", "format": "binary"}}}}}}}})
    async def upload(request: Request) -> list[dict[str, Any]]:
        stored = await receive(space, request.headers.get("content-type", ""),
                               request.headers.get("content-length"), request.stream(), limit)
        return [u.public() for u in stored]

    @app.get("/api/uploads", summary="The uploaded input files, with their last check")
    def uploads() -> list[dict[str, Any]]:
        return [u.public() for u in space.all_uploads()]

    @app.delete("/api/uploads/{upload_id}", status_code=204, summary="Remove an uploaded file")
    def remove(upload_id: str) -> Response:
        space.remove(upload_id)
        return Response(status_code=204)

    @app.post("/api/uploads/{upload_id}/validate", summary="Check one uploaded file as `reporter validate` does")
    def validate_one(upload_id: str) -> dict[str, Any]:
        upload = space.upload(upload_id)
        upload.check = check_upload(space, upload, load_settings(space))
        space.save(upload)
        return upload.public()

    @app.post("/api/validate", summary="Check every uploaded file")
    def validate_all() -> list[dict[str, Any]]:
        settings, checked = load_settings(space), []
        for upload in space.all_uploads():
            upload.check = check_upload(space, upload, settings)
            space.save(upload)
            checked.append(upload.public())
        return checked


def _job_routes(app: FastAPI, space: Workspace, jobs: Jobs) -> None:
    @app.post("/api/report", status_code=202, summary="Start writing the report; poll /api/jobs/{id}")
    def report(request: ReportRequest | None = None) -> dict[str, Any]:
        return jobs.submit("report", (request or ReportRequest()).model_dump()).public()

    @app.get("/api/jobs", summary="Every job, newest first")
    def all_jobs() -> list[dict[str, Any]]:
        return [job.public() for job in jobs.all()]

    @app.get("/api/jobs/{job_id}", summary="A job's status and progress")
    def status(job_id: str) -> dict[str, Any]:
        return jobs.get(job_id).public()

    @app.get("/api/jobs/{job_id}/files/{name}", summary="Download a report file of a finished job")
    def download(job_id: str, name: str) -> FileResponse:
        path = jobs.file(job_id, name)
        kind = "parquet" if name.endswith(".parquet") else name.rsplit(".", 1)[-1]
        return FileResponse(path, media_type=MEDIA.get(kind, "application/octet-stream"), filename=name)

    @app.get("/api/history", summary="Closed months and every version, with restatement reasons")
    def history() -> list[dict[str, Any]]:
        from reporter.history import HistoryStore

        store = HistoryStore.existing(space.history_url)
        if store is None:
            return []
        return [
            {"month": r.month, "version": r.version, "status": r.status, "energy_kwh": r.energy_kwh,
             "location_based_tco2e": r.location_based_tco2e, "closed_at": f"{r.closed_at:%Y-%m-%d %H:%M:%S}",
             "reason": r.reason, "restates_version": r.restates_version}
            for r in store.versions()
        ]

    @app.post("/api/close", status_code=202, summary="Close a month (restate it with a reason); poll the job")
    def close(request: CloseRequest) -> dict[str, Any]:
        return jobs.submit("close", request.model_dump()).public()
