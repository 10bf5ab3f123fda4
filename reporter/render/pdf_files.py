"""The PDF's files: the user's template folder, the shipped templates and stylesheet, and a URL
fetcher that never reaches the network."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

from reporter.errors import RenderError
from reporter.report import Report

TEMPLATE = "report.html.j2"


def own_templates(report: Report) -> Path | None:
    """The user's template folder (`--templates`, `[output] templates`), checked to exist."""
    if not report.output.templates:
        return None
    folder = Path(report.output.templates)
    if not folder.is_dir():
        raise RenderError(f"the templates folder {folder} does not exist")
    return folder


def read_template(name: str, own: Path | None = None) -> str:
    try:
        if own is not None and (own / name).is_file():
            return (own / name).read_text(encoding="utf-8")
        return resources.files("reporter.templates").joinpath(name).read_text(encoding="utf-8")
    except OSError as exc:
        raise RenderError(f"cannot read the report stylesheet {name} ({exc})") from exc


def base_url(name: str = TEMPLATE, own: Path | None = None) -> str:
    """Where relative URLs in `name` (images, fonts) resolve: the folder it was read from."""
    if own is not None and (own / name).is_file():
        return str(own.resolve()) + "/"
    return str(resources.files("reporter.templates")) + "/"


def offline_fetcher() -> Any:
    """A URL fetcher that resolves only packaged and embedded resources, never the network."""
    import weasyprint

    allowed = {"file", "data"}
    if hasattr(weasyprint, "URLFetcher"):  # WeasyPrint 66 and later
        return weasyprint.URLFetcher(allowed_protocols=allowed)

    def fetch(url: str, timeout: int = 10, ssl_context: Any = None) -> dict[str, Any]:
        if url.split(":", 1)[0].lower() not in allowed:
            raise ValueError(f"the PDF report may not load the remote resource {url}")
        return weasyprint.default_url_fetcher(url, timeout=timeout, ssl_context=ssl_context)

    return fetch
