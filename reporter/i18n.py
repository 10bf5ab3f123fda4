"""Report languages: message catalogs and the dates of each language.

The report's text is written in English in the templates and renderers; that English text is the
message id (gettext's convention), so English needs no catalog and stays the default. Other
languages have a gettext catalog in the package, `reporter/data/locale/<lang>.po`, read with
Babel when a report in that language is first written. A message a catalog does not translate
(or marks fuzzy) is shown in English. `reporter/data/locale/reporter.pot` lists the messages to
translate (regenerate it with `pybabel extract -F babel.cfg -o reporter/data/locale/reporter.pot .`).

Texts made in code with their values filled in (a reader's exclusion reason, "19.8% above the base
year") are translated by `Language.translate`: a catalog message with `%(name)s` placeholders is
also a pattern when the catalog marks it so (an extracted comment "pattern: ..."), so
"%(share)s above the base year" matches the English text, and the Korean is
filled with the values it matched (each value itself translated when the catalog has it).

Numbers keep the same form in both languages (Korean reports also group thousands with commas and
use a decimal point); dates follow the language: "November 2026" / "2026년 11월",
"30 November 2026" / "2026년 11월 30일".
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from importlib import resources

from babel.dates import format_date, format_skeleton
from babel.messages.pofile import read_po

from reporter.errors import RenderError
from reporter.render import formatting

LANGUAGES = ("en", "ko")
DEFAULT = "en"
RANGE = {"en": " – ", "ko": " ~ "}


@dataclass(frozen=True)
class Language:
    """One report language: its translations and its dates."""

    code: str
    messages: dict[str, str | tuple[str, ...]] = field(default_factory=dict)
    patterns: frozenset[str] = frozenset()  # the messages marked "pattern" in the catalog (see translate)

    def gettext(self, message: str) -> str:
        text = self.messages.get(message)
        if not (isinstance(text, str) and text) and "%%" in message:
            # a template's {% trans %} block without variables: its % signs are doubled at run time
            # (newstyle gettext formats every message) but extracted single
            single = self.messages.get(message.replace("%%", "%"))
            return single.replace("%", "%%") if isinstance(single, str) and single else message
        return text if isinstance(text, str) and text else message

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        forms = self.messages.get(singular)
        if isinstance(forms, tuple) and forms and all(forms):
            return forms[0] if len(forms) == 1 else forms[0 if n == 1 else 1]
        return singular if n == 1 else plural

    def month_long(self, month: str) -> str:
        """'2026-11' → 'November 2026' / '2026년 11월'."""
        if self.code == DEFAULT:
            return formatting.month_long(month)
        return format_skeleton("yMMMM", date(int(month[:4]), int(month[5:7]), 1), locale=self.code)

    def month_short(self, month: str) -> str:
        """'2026-11' → 'Nov' / '11월' (a chart's month labels)."""
        if self.code == DEFAULT:
            return formatting.month_short(month)
        return format_skeleton("MMM", date(int(month[:4]), int(month[5:7]), 1), locale=self.code)

    def day(self, iso: str | date) -> str:
        """'2026-11-05' → '5 November 2026' / '2026년 11월 5일'."""
        if self.code == DEFAULT:
            return formatting.day(iso)
        value = iso if isinstance(iso, date) else date.fromisoformat(iso)
        return format_date(value, "long", locale=self.code)

    def period_label(self, start: str | date, end: str | date) -> str:
        """The reporting period in words (see formatting.period_label for the English forms)."""
        if self.code == DEFAULT:
            return formatting.period_label(start, end)
        first = start if isinstance(start, date) else date.fromisoformat(start)
        last = end if isinstance(end, date) else date.fromisoformat(end)
        dash = RANGE[self.code]
        if first.day != 1 or date.fromordinal(last.toordinal() + 1).month == last.month:
            return self.day(first) if first == last else f"{self.day(first)}{dash}{self.day(last)}"
        start_month, end_month = first.isoformat()[:7], last.isoformat()[:7]
        if start_month == end_month:
            return self.month_long(start_month)
        if first.year == last.year:
            month = format_skeleton("MMMM", first, locale=self.code)
            return f"{format_skeleton('y', first, locale=self.code)} {month}{dash}" + format_skeleton(
                "MMMM", last, locale=self.code
            )
        return f"{self.month_long(start_month)}{dash}{self.month_long(end_month)}"

    def translator(self) -> Callable[[str], str]:
        return self.gettext

    def translate(self, text: object) -> str:
        """A text held in the model or made in code, in this language: the catalog's translation, or
        the first pattern (a message with placeholders) it matches filled with the matched values;
        otherwise the text as it is. Never %-formatted."""
        value = "" if text is None else str(text)
        if self.code == DEFAULT or not value:
            return value
        return _translate(self, value, 0)


def N_(message: str) -> str:  # noqa: N802 (gettext's name for a message marked, not yet translated)
    """Mark `message` for the catalogs; it is translated where it is shown."""
    return message


@cache
def language(code: str) -> Language:
    """The language `code` ("en", "ko") with its catalog read from the package."""
    if code not in LANGUAGES:
        raise RenderError(f"unknown report language '{code}' (use one of {', '.join(LANGUAGES)})")
    if code == DEFAULT:
        return Language(code)
    messages, patterns = _catalog(code)
    return Language(code, messages, patterns)


def _catalog(code: str) -> tuple[dict[str, str | tuple[str, ...]], frozenset[str]]:
    """The translated messages of `<code>.po` (fuzzy and untranslated ones left out), and those whose
    extracted comment starts with "pattern" (texts made in code, matched by `Language.translate`)."""
    try:
        with resources.files("reporter.data").joinpath(f"locale/{code}.po").open("rb") as handle:
            catalog = read_po(handle, locale=code)
    except (OSError, ValueError) as exc:
        raise RenderError(f"cannot read the '{code}' message catalog ({exc})") from None
    messages: dict[str, str | tuple[str, ...]] = {}
    patterns: set[str] = set()
    for message in catalog:
        if not message.id or message.fuzzy or not message.string:
            continue
        if isinstance(message.id, tuple | list):
            messages[str(message.id[0])] = tuple(str(s) for s in message.string)
        else:
            messages[str(message.id)] = str(message.string)
            if any(comment.startswith("pattern") for comment in message.auto_comments):
                patterns.add(str(message.id))
    return messages, frozenset(patterns)


PLACEHOLDER = re.compile(r"%\((\w+)\)s")
MAX_DEPTH = 3  # how deep a matched value is translated in turn
_patterns: dict[str, list[tuple[re.Pattern[str], str]]] = {}
_translated: dict[tuple[str, str], str] = {}


def _translate(lang: Language, text: str, depth: int) -> str:
    key = (lang.code, text)
    if key in _translated:
        return _translated[key]
    found = lang.messages.get(text)
    result = found if isinstance(found, str) and found else text
    if result is text and depth < MAX_DEPTH:
        for pattern, korean in _compiled(lang):
            match = pattern.fullmatch(text)
            if match:
                values = {name: _translate(lang, value, depth + 1) for name, value in match.groupdict().items()}
                result = _fill(korean, values)
                break
    if len(_translated) < 100_000:
        _translated[key] = result
    return result


def _fill(text: str, values: dict[str, str]) -> str:
    """`text` with each %(name)s placeholder replaced by its value (no other % formatting)."""
    return PLACEHOLDER.sub(lambda match: values[match.group(1)], text)


def _compiled(lang: Language) -> list[tuple[re.Pattern[str], str]]:
    """The catalog's messages with placeholders as patterns, the most literal text first."""
    if lang.code not in _patterns:
        found = []
        for message in lang.patterns:
            text = lang.messages.get(message)
            if not isinstance(text, str) or not text or "%(" not in message:
                continue
            parts = PLACEHOLDER.split(message.replace("%%", "%"))
            names = parts[1::2]
            if len(set(names)) != len(names):
                continue
            regex = "".join(
                re.escape(part) if index % 2 == 0 else f"(?P<{part}>.+?)" for index, part in enumerate(parts)
            )
            literal = sum(len(part) for part in parts[::2])
            found.append((literal, re.compile(regex, re.DOTALL), text.replace("%%", "%")))
        found.sort(key=lambda item: -item[0])
        _patterns[lang.code] = [(pattern, text) for _, pattern, text in found]
    return _patterns[lang.code]
