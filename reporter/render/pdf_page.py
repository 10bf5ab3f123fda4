"""The page header and footer of a PDF report in a language other than English (reporter.i18n)."""

from __future__ import annotations

import re

from reporter.i18n import Language

TITLE = "AI energy and emissions report"
PAGE_FONT = '7.5pt "NanumGothic", "Noto Sans CJK KR", "DejaVu Sans", sans-serif'


def page_css(lang: Language) -> str:
    """The page header and footer of a report not in English: the title and "Page N of M" in `lang`."""
    title = _css_text(lang.gettext(TITLE) + " · ")
    parts = re.split(r"(%\((?:page|pages)\)s)", lang.gettext("Page %(page)s of %(pages)s"))
    counters = {"%(page)s": "counter(page)", "%(pages)s": "counter(pages)"}
    footer = " ".join(counters.get(part) or _css_text(part) for part in parts if part)
    return (
        f"@page {{ @top-right {{ content: {title} string(period); font: {PAGE_FONT}; }}"
        f" @top-left {{ font: {PAGE_FONT}; }} @bottom-left {{ font: {PAGE_FONT}; }}"
        f" @bottom-right {{ content: {footer}; font: {PAGE_FONT}; }} }}"
        f" @page :first {{ @top-right {{ content: none; }} }}"
    )


def _css_text(text: str) -> str:
    """`text` as a CSS string literal."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'
