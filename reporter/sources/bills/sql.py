"""The SQL vocabulary of the cloud-bill readers: a bill's columns, expressions over them, and the
`BillMapping` in which each reader states how its format becomes the canonical billing fields.

Every function here returns SQL text for DuckDB; nothing runs a query.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from reporter.errors import InputFormatError
from reporter.sources.bills.dates import DateFormats, text_timestamp

# ISO 8601 text without a zone, or in UTC ('Z', ' UTC'): a plain TIMESTAMP cast reads it exactly as
# the zone-aware cast does (a plain cast ignores offsets, zone names and text after a space, so
# nothing else may pass).
PLAIN_ISO = r"[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?(Z| UTC)?)?"
# An instance type such as m5.large, g3.4xlarge, db.r5.large, ml.p3.2xlarge or r5.large.search.
INSTANCE_TYPE = (
    r"((?:[a-z]+\.)?[a-z][a-z0-9-]*\."
    r"(?:nano|micro|small|medium|large|[0-9]*xlarge|metal(?:-[0-9a-z]+)?)"
    r"(?:\.search|\.elasticsearch)?)"
)
INSTANCE_IN_TEXT = r"(?:^|[^a-z0-9.])" + INSTANCE_TYPE + r"(?:[^a-z0-9.]|$)"
INSTANCE_AFTER_COLON = ":" + INSTANCE_TYPE + "$"
DIMENSIONS = (
    "provider",
    "billing_account_id",
    "sub_account_id",
    "service_name",
    "service_category",
    "region",
    "usage_type",
    "instance_type",
    "unit",
    "currency",
    "vcpus",
    "gpus",
    "memory_gb",
    "flags",
)


# --------------------------------------------------------------------------------------------
# Columns as SQL


@dataclass(frozen=True)
class Column:
    """One column of the scanned file: its name there, a SQL expression and a kind.

    kind: 'text', 'number', 'timestamp', 'map', 'list', 'struct' or 'other'. `alias`: the English
    name a localised header gives in parentheses ("Verbrauchte Menge (ConsumedQuantity)").
    """

    name: str
    sql: str
    kind: str = "text"
    alias: str | None = None


class Columns:
    """The columns of a bill, found by name without regard to case."""

    def __init__(self, columns: Sequence[Column], path: Path) -> None:
        self.all = list(columns)
        self.path = path
        self._by_name: dict[str, Column] = {}
        for column in columns:
            self._by_name.setdefault(column.name.lower(), column)
        for column in columns:  # a localised header is also found by its English name
            if column.alias:
                self._by_name.setdefault(column.alias.lower(), column)

    def get(self, *names: str) -> Column | None:
        """The first of `names` the file has."""
        for name in names:
            column = self._by_name.get(name.lower())
            if column is not None:
                return column
        return None

    def present(self, *names: str) -> list[Column]:
        """Every one of `names` the file has, in the order given."""
        found = [self._by_name.get(name.lower()) for name in names]
        return [column for column in found if column is not None]

    def require(self, *names: str) -> Column:
        """The first of `names` the file has; an error naming the first when it has none."""
        column = self.get(*names)
        if column is None:
            raise InputFormatError(f"required column '{names[0]}' is missing from the header", self.path, 1, names[0])
        return column


def ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def text(column: Column | None) -> str:
    """A trimmed text value, NULL when empty."""
    if column is None:
        return "NULL"
    return f"NULLIF(trim(CAST({column.sql} AS VARCHAR)), '')"


def first_text(*columns: Column | None) -> str:
    """The first non-empty text among the columns."""
    return coalesce(*(text(column) for column in columns))


def number(sql: str) -> str:
    """A number from text or a numeric column; NULL when it is not one (or the SQL is NULL)."""
    return "NULL" if sql == "NULL" else f"TRY_CAST({sql} AS DOUBLE)"


def leading_number(sql: str) -> str:
    """The number at the start of a text such as '8 GiB' or '16'."""
    return f"TRY_CAST(NULLIF(regexp_extract(CAST({sql} AS VARCHAR), '^\\s*([0-9]+(\\.[0-9]+)?)', 1), '') AS DOUBLE)"


def coalesce(*parts: str) -> str:
    parts = tuple(part for part in parts if part != "NULL")
    if not parts:
        return "NULL"
    return parts[0] if len(parts) == 1 else f"coalesce({', '.join(parts)})"


def timestamp(column: Column, sql: str, formats: DateFormats | None = None) -> str:
    """A UTC timestamp from a timestamp column or from text (reporter.sources.bills.dates; slashed
    dates in the order `formats` learnt from the file)."""
    if column.kind == "timestamp":
        return f"CAST({sql} AS TIMESTAMP)"
    text_sql = text_timestamp(f"CAST({sql} AS VARCHAR)", formats or DateFormats())
    return f"coalesce({plain_timestamp(column, sql)}, {text_sql})"


def plain_timestamp(column: Column, sql: str) -> str:
    """`timestamp` for a timestamp column and for text in the usual ISO shapes (PLAIN_ISO), NULL
    for other text: a plain TIMESTAMP cast, several times faster than the zone-aware one."""
    if column.kind == "timestamp":
        return f"CAST({sql} AS TIMESTAMP)"
    value = f"CAST({sql} AS VARCHAR)"
    return f"CASE WHEN regexp_full_match({value}, {literal(PLAIN_ISO)}) THEN TRY_CAST({value} AS TIMESTAMP) END"


def provider_id(sql: str) -> str:
    """A provider name as a short lower-case id: aws, azure, gcp, oracle, else the name."""
    low = f"lower(trim({sql}))"
    return (
        f"CASE WHEN {sql} IS NULL THEN NULL "
        f"WHEN {low} LIKE '%amazon%' OR {low} = 'aws' OR {low} LIKE 'aws %' THEN 'aws' "
        f"WHEN {low} LIKE '%microsoft%' OR {low} LIKE '%azure%' THEN 'azure' "
        f"WHEN {low} LIKE '%google%' OR {low} = 'gcp' THEN 'gcp' "
        f"WHEN {low} LIKE '%oracle%' OR {low} = 'oci' THEN 'oracle' "
        f"ELSE {low} END"
    )


def region_id(sql: str) -> str:
    """A region as a lower-case id without spaces ('East US' -> 'eastus', 'us-east-1' unchanged)."""
    return f"NULLIF(replace(lower(trim({sql})), ' ', ''), '')"


def instance_in(sql: str, *, after_colon: bool = False) -> str:
    """An instance type named in a text: after the colon of a usage type, or anywhere in a description."""
    pattern = INSTANCE_AFTER_COLON if after_colon else INSTANCE_IN_TEXT
    return f"NULLIF(regexp_extract(lower(CAST({sql} AS VARCHAR)), {literal(pattern)}, 1), '')"


def json_document(sql: str) -> str:
    """A JSON text, repaired where exports bend JSON: a key list without braces, single quotes."""
    braced = f"'{{' || {sql} || '}}'"
    quoted = f"replace({sql}, '''', '\"')"
    return (
        f"CASE WHEN {sql} IS NULL THEN NULL WHEN json_valid({sql}) THEN {sql} "
        f"WHEN json_valid({braced}) THEN {braced} WHEN json_valid({quoted}) THEN {quoted} END"
    )


def json_of(column: Column) -> str:
    """A column as JSON text: nested Parquet values converted, text repaired (see json_document)."""
    if column.kind in ("map", "struct", "list"):
        return f"CAST(to_json({column.sql}) AS VARCHAR)"
    return json_document(text(column))


def json_value(document: str | None, *keys: str) -> str:
    """The text at the first of `keys` present in a JSON object (NULL when it is not an object, or
    when there is no document)."""
    if document is None:
        return "NULL"
    parts = [f"json_extract_string({document}, {literal('$.' + _json_key(key))})" for key in keys]
    return f"CASE WHEN json_type({document}) = 'OBJECT' THEN {coalesce(*parts)} END"


def _json_key(key: str) -> str:
    return '"' + key.replace('"', '\\"') + '"'


@dataclass(frozen=True)
class Entries:
    """Key/value pairs (tags, labels, product attributes) as aligned lists in helper columns.

    `keys`, `values` and `normalised` (the keys trimmed and in lower case) name columns that
    `derived` defines; `prepare` holds the columns those need first (the parsed JSON text).
    """

    keys: str
    values: str
    normalised: str
    prepare: dict[str, str] = field(default_factory=dict)
    derived: dict[str, str] = field(default_factory=dict)


def entries(column: Column, alias: str) -> Entries:
    """The pairs of a map column, a list of {key, value} structs, or a JSON text of either shape."""
    prepare: dict[str, str] = {}
    if column.kind == "map":
        keys = f"map_keys({column.sql})"
        values = f"CAST(map_values({column.sql}) AS VARCHAR[])"
    else:
        document = f"__json_{alias}"
        prepare[document] = json_of(column)
        keys = (
            f"CASE json_type({document}) WHEN 'OBJECT' THEN json_keys({document}) "
            f"WHEN 'ARRAY' THEN json_extract_string({document}, '$[*].key') END"
        )
        values = (
            f"CASE json_type({document}) WHEN 'OBJECT' THEN json_extract_string({document}, '$.*') "
            f"WHEN 'ARRAY' THEN json_extract_string({document}, '$[*].value') END"
        )
    normalised = "lower(trim(k))"
    names = (f"__keys_{alias}", f"__values_{alias}", f"__normalised_{alias}")
    derived = {
        names[0]: keys,
        names[1]: values,
        names[2]: f"list_transform({keys}, {lambda_sql('k', normalised)})",
    }
    return Entries(*names, prepare=prepare, derived=derived)


def entry(pairs: Entries, *keys: str) -> str:
    """The value of the first of `keys` (exact match) among the pairs."""
    parts = [f"NULLIF(trim({pairs.values}[list_position({pairs.keys}, {literal(key)})]), '')" for key in keys]
    return coalesce(*parts)


def normalise_key(key: str) -> str:
    """A tag key compared loosely: lower case, runs of other characters as one underscore."""
    return re.sub(r"[^a-z0-9]+", "_", key.lower()).strip("_")


def tag_candidates(key: str) -> list[str]:
    """The lower-case spellings a tag key may have in a bill: as configured, with punctuation as
    underscores (how AWS rewrites tag keys in column names), and with AWS's 'user:' / 'user_'
    prefix for user-defined tags."""
    plain = key.strip().lower()
    for prefix in ("user:", "user_"):
        if plain.startswith(prefix) and len(plain) > len(prefix):
            plain = plain[len(prefix) :]
    spellings = dict.fromkeys([plain, normalise_key(plain)])
    return list(dict.fromkeys(f"{prefix}{s}" for prefix in ("", "user:", "user_") for s in spellings))


def tag_lookup(pairs: Entries, key: str) -> str:
    """The value of a tag among the pairs, its key matched loosely (see `tag_candidates`)."""
    parts = [
        f"NULLIF(trim({pairs.values}[list_position({pairs.normalised}, {literal(c)})]), '')"
        for c in tag_candidates(key)
    ]
    return coalesce(*parts)


def lambda_sql(argument: str, body: str) -> str:
    """A DuckDB lambda (the `lambda x: …` syntax of DuckDB 1.3 and later)."""
    return f"lambda {argument}: {body}"


# --------------------------------------------------------------------------------------------
# The mapping


@dataclass
class BillMapping:
    """How one bill format's columns become the canonical billing fields (SQL over the file).

    `reason` is NULL for a usage row and otherwise says why the row is left out. `dimensions`
    maps names in DIMENSIONS to SQL (absent = NULL). `end` None means the usage day's end.
    """

    reason: str
    quantity: Column
    start: Column
    end: Column | None = None
    cost: Column | None = None
    dimensions: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    prepare: dict[str, str] = field(default_factory=dict)  # helper columns computed first
    derived: dict[str, str] = field(default_factory=dict)  # helper columns computed from those
    notes: list[str] = field(default_factory=list)
    flag_notes: dict[str, str] = field(default_factory=dict)  # flag -> note when any reading has it
    line_item_id: tuple[Column, ...] = ()  # columns that together identify a line item (repeats counted once)
    dates: DateFormats = field(default_factory=DateFormats)  # how the file writes slashed dates
    # The columns that name a line's resource (the first non-empty one counts), and the names the
    # format reads it from (for the note when the file has none). Only wanted ids are kept (definition).
    resource_id: tuple[Column, ...] = ()
    resource_names: tuple[str, ...] = ()

    def keep_resource(self, columns: Columns, *names: str) -> None:
        """Read a line's resource id from the first of `names` the file has (each non-empty one in turn)."""
        self.resource_id = tuple(columns.present(*names))
        self.resource_names = names

    def document(self, column: Column | None, alias: str) -> str | None:
        """Register a helper column holding `column` as JSON text (see json_of); its name, or None
        when the file has no such column."""
        if column is None:
            return None
        name = f"__json_{alias}"
        self.prepare[name] = json_of(column)
        return name

    def use(self, pairs: Entries) -> Entries:
        """Register the helper columns the pairs need, and return them."""
        self.prepare.update(pairs.prepare)
        self.derived.update(pairs.derived)
        return pairs
