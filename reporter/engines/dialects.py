"""The portable bill query (DuckDB's SQL) in another engine's SQL, by SQLGlot plus a few rewrites.

SQLGlot translates most of the query (casts, date truncation, lambdas, aggregates with FILTER,
`arg_min`). What it leaves as DuckDB's own functions is rewritten here on the syntax tree before
the query is written out:

* `isfinite(x)` becomes `(x - x) = 0` (false for NaN and infinities in every engine);
* `regexp_full_match` becomes an anchored regular-expression match; `regexp_replace`'s 'i' option
  an inline `(?i)`;
* `try_strptime(text, [formats])` becomes the first timestamp any format parses (Spark:
  `try_to_timestamp` with the formats in Java's pattern letters);
* JSON: validity, type (object or array), values by key, and the keys and values of an object or
  of a list of {key, value} objects, in each engine's JSON functions;
* a list's element at a position found by `list_position` (DuckDB: NULL when absent) keeps that
  meaning (Spark: `element_at` of `NULLIF(array_position(...), 0)`);
* DuckDB's TIMESTAMP (without zone) is Spark's session-zone TIMESTAMP (the session runs in UTC).

Spark and Databricks are rewritten completely: the tests execute the Spark query. Athena and Trino,
BigQuery and Snowflake get the same rewrites where their functions are known here; their queries
are checked to parse in their dialect, not executed (no such warehouse is reachable from the tests).
"""

from __future__ import annotations

import re
from collections.abc import Callable

import sqlglot
from sqlglot import exp

from reporter.errors import ConfigError

# The names `reporter query --dialect` takes, and SQLGlot's name for each.
DIALECTS = {
    "duckdb": "duckdb",
    "spark": "spark",
    "databricks": "databricks",
    "athena": "athena",
    "trino": "trino",
    "bigquery": "bigquery",
    "snowflake": "snowflake",
}
SPARK_LIKE = ("spark", "databricks")
# strftime codes (as the bill readers write date formats) in Java's pattern letters, for parsing.
JAVA_PATTERN = {"%Y": "yyyy", "%y": "yy", "%m": "M", "%d": "d", "%H": "H", "%M": "m", "%S": "s", "%I": "h",
                "%p": "a"}
ENTRY_SCHEMA = "array<struct<key:string,value:string>>"


def transpile(sql: str, dialect: str, pretty: bool = True) -> str:
    """`sql` (the portable query, DuckDB's SQL) written for `dialect` (a key of DIALECTS)."""
    if dialect not in DIALECTS:
        raise ConfigError(f"unknown SQL dialect '{dialect}' (one of: {', '.join(DIALECTS)})")
    if dialect == "duckdb":
        return sql
    tree = _map_lookups(sqlglot.parse_one(sql, read="duckdb"))
    rewrite = _spark if dialect in SPARK_LIKE else _warehouse(dialect)
    for node in reversed(list(tree.dfs())):  # children before their parents
        new = rewrite(node)
        if new is not node:
            if node is tree:
                tree = new
            else:
                node.replace(new)
    return tree.sql(dialect=DIALECTS[dialect], pretty=pretty, unsupported_level=sqlglot.ErrorLevel.RAISE)


def _map_lookups(tree: exp.Expr) -> exp.Expr:
    """DuckDB's `MAP {'k': 'v', ...}[key]` (a lookup in a literal map; SQLGlot reads it as MAP
    applied to a struct's element) as `CASE key WHEN 'k' THEN 'v' ... END`, which every engine has."""
    for node in list(tree.find_all(exp.ToMap)):
        inner = node.this
        if not (isinstance(inner, exp.Bracket) and isinstance(inner.this, exp.Struct) and len(inner.expressions) == 1):
            continue
        pairs = [(item.this, item.expression) for item in inner.this.expressions if isinstance(item, exp.PropertyEQ)]
        case = exp.Case(this=inner.expressions[0].copy(),
                        ifs=[exp.If(this=key.copy(), true=value.copy()) for key, value in pairs])
        if node is tree:
            return case
        node.replace(case)
    return tree


def _snippet(template: str, dialect: str, *args: exp.Expr) -> exp.Expr:
    """An expression in `dialect`'s SQL with `_0`, `_1`, ... standing for `args`."""
    tree = sqlglot.parse_one(template, read=dialect)
    for column in list(tree.find_all(exp.Column)):
        found = re.fullmatch(r"_(\d)", column.name)
        if found and not column.table:
            column.replace(args[int(found.group(1))].copy())
    return tree


def _name(node: exp.Expr) -> str:
    return node.name.lower() if isinstance(node, exp.Anonymous) else ""


def _finite(value: exp.Expr) -> exp.Expr:
    return exp.EQ(this=exp.paren(exp.Sub(this=value.copy(), expression=value.copy())), expression=exp.Literal.number(0))


def _full_match(node: exp.Expr) -> exp.Expr:
    text, pattern = (node.this, node.expression) if isinstance(node, exp.RegexpFullMatch) else node.expressions[:2]
    return exp.RegexpLike(this=text, expression=exp.Literal.string(f"^(?:{pattern.name})$"))


def _regexp_replace(node: exp.RegexpReplace) -> exp.Expr:
    modifiers = node.args.get("modifiers")
    pattern = node.expression.name
    if modifiers is not None and "i" in modifiers.name:
        pattern = "(?i)" + pattern
    return exp.RegexpReplace(this=node.this, expression=exp.Literal.string(pattern),
                             replacement=node.args.get("replacement"))


def _formats(node: exp.Anonymous) -> list[str]:
    given = node.expressions[1]
    items = given.expressions if isinstance(given, exp.Array) else [given]
    return [item.name for item in items]


def _java(fmt: str) -> str:
    out = []
    for part in re.split(r"(%[A-Za-z])", fmt):
        if part.startswith("%"):
            out.append(JAVA_PATTERN[part])
        elif part:
            out.append(re.sub(r"([A-Za-z]+)", r"'\1'", part))
    return "".join(out)


def _json_path(node: exp.JSONExtractScalar) -> tuple[str, str | None]:
    """('key', name), ('object values', None) or ('list field', name) for the paths the readers use."""
    path = node.expression
    parts = path.expressions if isinstance(path, exp.JSONPath) else []
    if len(parts) == 2 and isinstance(parts[1], exp.JSONPathKey):
        key = parts[1].this
        return ("object values", None) if isinstance(key, exp.JSONPathWildcard) else ("key", str(key))
    if len(parts) == 3 and isinstance(parts[1], exp.JSONPathSubscript | exp.JSONPathSelector):
        return "list field", str(parts[2].this)
    raise ConfigError(f"a JSON path the SQL dialects cannot translate: {path.sql('duckdb')}")


def _spark(node: exp.Expr) -> exp.Expr:
    name = _name(node)
    args = node.expressions if isinstance(node, exp.Anonymous) else []
    if name == "isfinite":
        return _finite(args[0])
    if name == "regexp_full_match" or isinstance(node, exp.RegexpFullMatch):
        return _full_match(node)
    if name == "try_strptime":
        parts = [exp.Anonymous(this="TRY_TO_TIMESTAMP", expressions=[args[0].copy(), exp.Literal.string(_java(f))])
                 for f in _formats(node)]  # type: ignore[arg-type]
        return parts[0] if len(parts) == 1 else exp.Coalesce(this=parts[0], expressions=parts[1:])
    if name == "json_valid":
        # Spark's parser stops after the first value ('"a": 1, "b": 2' would pass): only a whole
        # object or list counts, which is all the readers look into (a scalar document has no keys)
        return _snippet("TRY_PARSE_JSON(_0) IS NOT NULL AND (TRIM(_0) LIKE '{%}' OR TRIM(_0) LIKE '[%]')",
                        "spark", args[0])
    if name == "list_position":
        return _snippet("CAST(NULLIF(ARRAY_POSITION(_0, _1), 0) AS INT)", "spark", *args)
    if isinstance(node, exp.JSONType):
        return _snippet("CASE WHEN LTRIM(_0) LIKE '{%' THEN 'OBJECT' WHEN LTRIM(_0) LIKE '[%' THEN 'ARRAY' END",
                        "spark", node.this)
    if isinstance(node, exp.JSONKeys):
        return _snippet("MAP_KEYS(FROM_JSON(_0, 'map<string,string>'))", "spark", node.this)
    if isinstance(node, exp.JSONExtractScalar):
        kind, key = _json_path(node)
        if kind == "object values":
            return _snippet("MAP_VALUES(FROM_JSON(_0, 'map<string,string>'))", "spark", node.this)
        if kind == "list field":
            return _snippet(f"TRANSFORM(FROM_JSON(_0, '{ENTRY_SCHEMA}'), e -> e.{key})", "spark", node.this)
        return exp.Anonymous(this="GET_JSON_OBJECT", expressions=[node.this, exp.Literal.string(_bracket_path(key))])
    if isinstance(node, exp.Bracket) and len(node.expressions) == 1:
        return exp.Anonymous(this="ELEMENT_AT", expressions=[node.this, node.expressions[0]])
    if isinstance(node, exp.RegexpReplace):
        return _regexp_replace(node)
    if isinstance(node, exp.DataType) and node.this == exp.DataType.Type.TIMESTAMPNTZ:
        return exp.DataType.build("TIMESTAMPTZ")
    return node


def _bracket_path(key: str | None) -> str:
    return "$['" + str(key).replace("'", "\\'") + "']"


# Per warehouse: SQL snippets for what DuckDB says in its own functions (_0, _1: the arguments).
WAREHOUSE = {
    "trino": {
        "isfinite": "IS_FINITE(_0)",
        "json_valid": "TRY(JSON_PARSE(_0)) IS NOT NULL",
        "list_position": "NULLIF(ARRAY_POSITION(_0, _1), 0)",
        "json_keys": "MAP_KEYS(CAST(JSON_PARSE(_0) AS MAP(VARCHAR, JSON)))",
        "object values": "TRANSFORM(MAP_VALUES(CAST(JSON_PARSE(_0) AS MAP(VARCHAR, JSON))), "
                         "v -> COALESCE(TRY(CAST(v AS VARCHAR)), JSON_FORMAT(v)))",
        "list field": "TRANSFORM(CAST(JSON_PARSE(_0) AS ARRAY(MAP(VARCHAR, JSON))), "
                      "e -> COALESCE(TRY(CAST(e['{key}'] AS VARCHAR)), JSON_FORMAT(e['{key}'])))",
        "key": "JSON_EXTRACT_SCALAR(_0, '{path}')",
        "element": "ELEMENT_AT(_0, _1)",
        "strptime": "TRY(DATE_PARSE(_0, '{fmt}'))",
    },
    "bigquery": {
        "isfinite": "IS_INF(_0) = FALSE AND IS_NAN(_0) = FALSE",
        "json_valid": "SAFE.PARSE_JSON(_0) IS NOT NULL",
        "list_position": "(SELECT MIN(o + 1) FROM UNNEST(_0) AS x WITH OFFSET AS o WHERE x = _1)",
        "json_keys": "JSON_KEYS(SAFE.PARSE_JSON(_0), 1)",
        "object values": "ARRAY(SELECT JSON_VALUE(SAFE.PARSE_JSON(_0), CONCAT('$.\"', k, '\"')) "
                         "FROM UNNEST(JSON_KEYS(SAFE.PARSE_JSON(_0), 1)) AS k WITH OFFSET AS o ORDER BY o)",
        "list field": "ARRAY(SELECT JSON_VALUE(e, '$.{key}') FROM UNNEST(JSON_QUERY_ARRAY(_0)) AS e "
                      "WITH OFFSET AS o ORDER BY o)",
        "key": "JSON_VALUE(_0, '{path}')",
        "element": "_0[SAFE_ORDINAL(_1)]",
        "strptime": "SAFE.PARSE_TIMESTAMP('{fmt}', _0)",
    },
    "snowflake": {
        "isfinite": "(_0 - _0) = 0",
        "json_valid": "TRY_PARSE_JSON(_0) IS NOT NULL",
        "list_position": "ARRAY_POSITION(_1::VARIANT, _0) + 1",
        "json_keys": "OBJECT_KEYS(TRY_PARSE_JSON(_0))",
        "object values": "TRANSFORM(OBJECT_KEYS(TRY_PARSE_JSON(_0)), k -> TRY_PARSE_JSON(_0)[k]::VARCHAR)",
        "list field": "TRANSFORM(TRY_PARSE_JSON(_0)::ARRAY, e -> e:{key}::VARCHAR)",
        "key": "JSON_EXTRACT_PATH_TEXT(_0, '\"{name}\"')",
        "element": "GET(_0, _1 - 1)",
        "strptime": "TRY_TO_TIMESTAMP(_0, '{fmt}')",
    },
}
WAREHOUSE["athena"] = WAREHOUSE["trino"]


def _warehouse(dialect: str) -> Callable[[exp.Expr], exp.Expr]:
    said = WAREHOUSE[dialect]
    read = "trino" if dialect in ("trino", "athena") else dialect

    def rewrite(node: exp.Expr) -> exp.Expr:
        name = _name(node)
        args = node.expressions if isinstance(node, exp.Anonymous) else []
        if name in ("isfinite", "json_valid", "list_position"):
            return _snippet(said[name], read, *args)
        if name == "regexp_full_match" or isinstance(node, exp.RegexpFullMatch):
            return _full_match(node)
        if name == "try_strptime":
            fmt = dialect_format(dialect)
            parts = [_snippet(said["strptime"].format(fmt=fmt(f)), read, args[0]) for f in _formats(node)]  # type: ignore[arg-type]
            return parts[0] if len(parts) == 1 else exp.Coalesce(this=parts[0], expressions=parts[1:])
        if isinstance(node, exp.JSONType):
            return _snippet("CASE WHEN LTRIM(_0) LIKE '{%' THEN 'OBJECT' WHEN LTRIM(_0) LIKE '[%' THEN 'ARRAY' END",
                            read, node.this)
        if isinstance(node, exp.JSONKeys):
            return _snippet(said["json_keys"], read, node.this)
        if isinstance(node, exp.JSONExtractScalar):
            kind, key = _json_path(node)
            if kind == "key":
                path = f'$["{key}"]' if dialect in ("trino", "athena") else f'$."{key}"'
                template = said["key"].format(path=path.replace("'", "''"), name=key)
                return _snippet(template, read, node.this)
            return _snippet(said[kind].format(key=key), read, node.this)
        if isinstance(node, exp.Bracket) and len(node.expressions) == 1:
            return _snippet(said["element"], read, node.this, node.expressions[0])
        if isinstance(node, exp.RegexpReplace):
            return _regexp_replace(node)
        return node

    return rewrite


def dialect_format(dialect: str) -> Callable[[str], str]:
    """A strftime format as `dialect`'s timestamp parser writes it."""
    if dialect in ("trino", "athena"):
        return lambda fmt: fmt.replace("%M", "%i").replace("%S", "%s").replace("%I", "%h")
    if dialect == "snowflake":
        table = {"%Y": "YYYY", "%y": "YY", "%m": "MM", "%d": "DD", "%H": "HH24", "%M": "MI", "%S": "SS",
                 "%I": "HH12", "%p": "AM"}
        return lambda fmt: re.sub(r"%[A-Za-z]", lambda m: table[m.group(0)], fmt).replace("T", '"T"')
    return lambda fmt: fmt
