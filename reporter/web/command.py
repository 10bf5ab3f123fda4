"""`reporter serve`: the upload page and its JSON API on a local web server."""

from __future__ import annotations

import os
from pathlib import Path

import click


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="Port to listen on.")
@click.option("--max-upload-mb", default=2048, show_default=True, type=click.IntRange(1),
              help="Largest upload request accepted, in MB.")
@click.option("--workspace", type=click.Path(path_type=Path, file_okay=False), default=Path("reporter-workspace"),
              show_default=True, help="Folder for uploads, configuration, reports and the history of closed months.")
def serve(host: str, port: int, max_upload_mb: int, workspace: Path) -> None:
    """Serve the upload page: pick the configuration, drop input files, check them, write the
    report, download it, and close months. A JSON API for scripts is under /api/ (see /openapi.json).

    Bound to an address other than loopback, every request needs a token: REPORTER_TOKEN, or one
    generated and printed here.
    """
    import uvicorn

    from reporter.web.app import create_app
    from reporter.web.security import is_loopback, new_token

    loopback = is_loopback(host)
    token = os.environ.get("REPORTER_TOKEN") or (None if loopback else new_token())
    app = create_app(workspace, max_upload_mb << 20, token, loopback)
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"workspace: {app.state.workspace.root}")
    if token and not os.environ.get("REPORTER_TOKEN"):
        click.echo(f"token (generated): {token}")
    query = f"/?token={token}" if token and not os.environ.get("REPORTER_TOKEN") else ""
    click.echo(f"upload page: http://{shown}:{port}{query}")
    uvicorn.run(app, host=host, port=port, log_level="warning")
