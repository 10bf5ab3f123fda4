"""Exclusions grouped by reason: the kind of each reason, its text without per-row detail, counts.

Readers and pipeline stages leave rows out with a free-text reason (`records.Exclusion`,
`records.ExclusionGroup`). Every output shows them grouped: one entry per file, kind and reason
label (the reason without the row's own values), with how many rows and the first example rows.

The kind says whether the exclusion is normal accounting (superseded tracker rows, rows outside
the period, bill rows that are not usage, unfinished runs) or a row problem (a row that cannot be
parsed or is implausible), which `--strict` turns into an error. A reason whose kind is not given
is classified by its text; any text not known as accounting is a row problem.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from reporter.errors import InputError
from reporter.records import EXAMPLE_ROWS, Exclusion, ExclusionGroup, ExclusionKind

ACCOUNTING_KINDS = frozenset(
    {
        ExclusionKind.SUPERSEDED,
        ExclusionKind.OUTSIDE_PERIOD,
        ExclusionKind.NOT_USAGE,
        ExclusionKind.UNFINISHED,
        ExclusionKind.OVERLAP,
    }
)

# Reason texts by their start: the kind of the exclusions the readers and stages emit.
_PREFIXES: tuple[tuple[str, ExclusionKind], ...] = (
    ("superseded", ExclusionKind.SUPERSEDED),
    ("overlap:", ExclusionKind.OVERLAP),
    ("outside the reporting period", ExclusionKind.OUTSIDE_PERIOD),
    ("line item type '", ExclusionKind.NOT_USAGE),
    ("chargetype '", ExclusionKind.NOT_USAGE),
    ("chargecategory '", ExclusionKind.NOT_USAGE),
    ("chargeclass 'correction'", ExclusionKind.NOT_USAGE),
    ("commitmentdiscountstatus 'unused'", ExclusionKind.NOT_USAGE),
    ("cost_type '", ExclusionKind.NOT_USAGE),
    ("not usage", ExclusionKind.NOT_USAGE),
    ("no 'actual consumption' block", ExclusionKind.UNFINISHED),
    ("run did not finish", ExclusionKind.UNFINISHED),
    # A refund of usage billed outside the file or period: bookkeeping, not a bad row.
    ("a correction with no usage to offset", ExclusionKind.NOT_USAGE),
    # The same bill line twice: counted once, like a superseded tracker row.
    ("repeated line item id", ExclusionKind.SUPERSEDED),
)

_SUPERSEDED = re.compile(
    r"superseded: run (?P<run>.*?) has a longer cumulative row \((?P<where>[^)]*)\)(?P<rest>.*)", re.S
)
_PARENTHESISED = re.compile(r"\s*\([^()]*\)")
_QUOTED_VALUE = re.compile(r"(?:^|(?<=: ))('[^']*'|\"[^\"]*\")")
_NUMBER = re.compile(r"(?<![\w.'\-])[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?(?![\w.'\-])")
PLACEHOLDER = "…"
LABEL_CHARS = 300  # a reason label longer than this is cut (the detail keeps the rest)
LABELS_PER_KIND = 20  # distinct reasons of one kind shown per input; the others form one group
OTHER_REASONS = "other reasons of this kind (each example row's reason is its detail)"


@dataclass(frozen=True)
class ExcludedRows:
    """Rows of one input left out for the same reason: kind, reason label, count and examples.

    `example_rows` are the first row numbers (at most EXAMPLE_ROWS); `example_details` the
    per-row detail of those rows, in the same order ("" where a row has none; empty for a group
    a reader made, which has no per-row detail)."""

    kind: str
    reason: str
    rows: int
    example_rows: tuple[int | str, ...] = ()  # row numbers, or `Sheet!7` for a workbook's sheets
    example_details: tuple[str, ...] = ()

    @property
    def accounting(self) -> bool:
        return self.kind in ACCOUNTING_KINDS


def exclusion_kind(reason: str, kind: str = "") -> str:
    """The kind given, or the kind of the reason's text (a row problem when the text is not known)."""
    if kind:
        return kind
    start = reason.lstrip().lower()
    return next((k.value for prefix, k in _PREFIXES if start.startswith(prefix)), ExclusionKind.ROW_PROBLEM.value)


def split_reason(reason: str, kind: str) -> tuple[str, str]:
    """A reason as (label, detail): the label is the same for every row left out for the same cause,
    the detail holds the row's own values (run ids, times, the bad value …)."""
    text = " ".join(reason.split())
    if kind == ExclusionKind.SUPERSEDED and (match := _SUPERSEDED.fullmatch(text)):
        label = "superseded: the run has a longer cumulative row" + match["rest"]
        return label, f"run {match['run']}; used: {match['where']}"
    details = [m.group(0).strip()[1:-1] for m in _PARENTHESISED.finditer(text)]
    label = _PARENTHESISED.sub("", text)
    if kind == ExclusionKind.OUTSIDE_PERIOD:
        return _cut(label), "; ".join(details)
    details += [m.group(0) for m in _QUOTED_VALUE.finditer(label)]
    label = _QUOTED_VALUE.sub(PLACEHOLDER, label)
    details += _NUMBER.findall(label)
    label = _NUMBER.sub(PLACEHOLDER, label)
    return _cut(label), "; ".join(details)


def _cut(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + PLACEHOLDER


def group_exclusions(exclusions: Iterable[Exclusion], groups: Iterable[ExclusionGroup]) -> tuple[ExcludedRows, ...]:
    """One input's exclusions grouped: reader groups as they are, single rows by kind and label;
    in order of each group's first row. A kind with more than LABELS_PER_KIND labels (reasons
    whose per-row detail the text rules do not find) keeps its first ones and puts the rest in
    one group of "other reasons", whose examples carry their full reason as the detail."""
    entries: dict[tuple[str, str], tuple[list[int | str], list[str]]] = {}
    counts: dict[tuple[str, str], int] = {}
    labels: dict[str, int] = {}
    for exclusion in sorted(exclusions, key=lambda e: e.row):
        kind = exclusion_kind(exclusion.reason, exclusion.kind)
        label, detail = split_reason(exclusion.reason, kind)
        if (kind, label) not in entries and labels.get(kind, 0) >= LABELS_PER_KIND:
            label, detail = OTHER_REASONS, " ".join(exclusion.reason.split())
        if (kind, label) not in entries:
            labels[kind] = labels.get(kind, 0) + 1
        rows, details = entries.setdefault((kind, label), ([], []))
        counts[(kind, label)] = counts.get((kind, label), 0) + 1
        if len(rows) < EXAMPLE_ROWS:
            rows.append(exclusion.ref)
            details.append(detail)
    result = [
        ExcludedRows(kind, label, counts[(kind, label)], tuple(rows), tuple(details))
        for (kind, label), (rows, details) in entries.items()
    ]
    result += [
        ExcludedRows(exclusion_kind(g.reason, g.kind), g.reason, g.rows, tuple(g.example_rows[:EXAMPLE_ROWS]))
        for g in groups
    ]
    return tuple(sorted(result, key=_first_row))


def _first_row(group: ExcludedRows) -> int:
    """The group's first row number, for ordering (a `Sheet!7` reference by its 7; groups of the same
    number keep their order: a workbook's sheets in the workbook's order)."""
    if not group.example_rows:
        return 0
    first = group.example_rows[0]
    return first if isinstance(first, int) else int(first.rpartition("!")[2])


def strict_problem(
    ledgers: Iterable[tuple[str, Iterable[Exclusion], Iterable[ExclusionGroup]]],
) -> InputError | None:
    """Under --strict: an error naming the first row left out for a problem (not for accounting) —
    its file, row and reason — and how many such rows there are in all; None when there is none."""
    first: tuple[str, int | None, str] | None = None
    count = 0
    for path, exclusions, groups in ledgers:
        problems = [
            (e.row, e.reason, 1) for e in exclusions if exclusion_kind(e.reason, e.kind) not in ACCOUNTING_KINDS
        ]
        problems += [
            (min(g.example_rows, default=0), g.reason, g.rows)
            for g in groups
            if exclusion_kind(g.reason, g.kind) not in ACCOUNTING_KINDS
        ]
        count += sum(rows for _, _, rows in problems)
        if problems and first is None:
            first_row, first_reason, _ = min(problems)
            first = (path, first_row or None, first_reason)
    if first is None:
        return None
    where, row, reason = first
    more = f"{count:,} rows left out for a problem in all" if count > 1 else "the only row left out for a problem"
    return InputError(f"{' '.join(reason.split())} (--strict: {more})", path=where, row=row)


def examples_text(group: ExcludedRows) -> str:
    """`row 7`, `rows 7, 8, 9` or `rows 7, 8, 9, 10, 11, …` (more rows than shown)."""
    numbers = ", ".join(str(r) for r in group.example_rows)
    more = ", …" if group.rows > len(group.example_rows) else ""
    return ("row " if group.rows == 1 else "rows ") + numbers + more if numbers else ""
