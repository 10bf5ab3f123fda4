"""The page header and footer of a PDF report in a language other than English (reporter.i18n), and
Korean line breaking.

Korean is broken between words (at spaces), as Korean typesetting does; the typesetter (WeasyPrint
70 and Pango) has no `word-break: keep-all` and would break a line between any two Hangul
syllables. So each word with Hangul in it is wrapped in a span that does not break inside
(`keep_words`); lines still break at the spaces between words.
"""

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
    keep = " span.kw { white-space: nowrap; }" if lang.code in KEEP_WORDS else ""
    return (
        f"@page {{ @top-right {{ content: {title} string(period); font: {PAGE_FONT}; }}"
        f" @top-left {{ font: {PAGE_FONT}; }} @bottom-left {{ font: {PAGE_FONT}; }}"
        f" @bottom-right {{ content: {footer}; font: {PAGE_FONT}; }} }}"
        f" @page :first {{ @top-right {{ content: none; }} }}{keep}"
    )


KEEP_WORDS = ("ko",)  # languages broken between words, never inside one
_SKIPPED = re.compile(r"(<head>.*?</head>|<svg\b.*?</svg>|<[^>]*>)", re.S)  # markup and drawings stay as they are
_WORD = re.compile(r"[^\s<>]*[\u1100-\u11ff\u3130-\u318f\uac00-\ud7a3][^\s<>]*")


def keep_words(html: str) -> str:
    """`html` with each word that has Hangul in it (outside tags, the head and SVG drawings) in a
    `<span class="kw">`, so that a line breaks between words only."""
    parts = _SKIPPED.split(html)
    for index in range(0, len(parts), 2):  # the text between the pieces of markup
        parts[index] = _WORD.sub(lambda m: f'<span class="kw">{m.group(0)}</span>', parts[index])
    return "".join(parts)


def _css_text(text: str) -> str:
    """`text` as a CSS string literal."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'
