"""Energy counters as a Prometheus server returns them to a query: the HTTP API's JSON.

Accepted shape: the response of `/api/v1/query_range` (what `curl '…/api/v1/query_range?query=
DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION&start=…&end=…&step=60'` saves):

    {"status": "success", "data": {"resultType": "matrix", "result": [
        {"metric": {"__name__": "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION", "gpu": "0", …},
         "values": [[1793872800, "1000000"], [1793872860, "1060000"], …]}, …]}}

and that of an instant query `/api/v1/query` (`"resultType": "vector"`, one `"value"` pair per
series). Each `[time, "value"]` pair is one sample: time in seconds since 1970-01-01 UTC (a
fraction allowed), the value as text. A row is one sample, numbered 1, 2, … in the order the file
holds them (series after series); a failing sample is named by that row and its place in the JSON
(`data.result[2].values[5]`). A series must name its metric (`__name__`): a query that returns the
counter itself keeps it, while a function of it (`rate(…)`, `sum(…)`) drops it and is no energy
counter. The series then go through the same counter logic as the text scrapes
(reporter.sources.trackers.counters). A response whose status is not `success`, or whose result is
not a matrix or vector, fails the file with one line.
"""

from __future__ import annotations

import json
import math
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from reporter.errors import InputFormatError
from reporter.sources.trackers import fields
from reporter.sources.trackers.counters import READ, Parsed

OPENING = re.compile(r'^\s*\{\s*"(status|data|resultType|result)"')


def looks_like(head: str) -> bool:
    """Whether the file starts like a Prometheus API response."""
    return bool(OPENING.match(head))


def parse(path: Path) -> Parsed:
    data = _load(path)
    parsed = Parsed()
    for index, entry in enumerate(data["result"]):
        where = f"data.result[{index}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("metric"), dict):
            raise InputFormatError(f"{where} is not a series (an object with 'metric')", path, None, where)
        labels = {str(key): str(value) for key, value in entry["metric"].items()}
        metric = labels.pop("__name__", "")
        pairs, name = _pairs(entry, data["resultType"], path, where)
        if not metric:
            raise InputFormatError(
                f"{where} names no metric (__name__): query the counter itself, not a function of it "
                "(rate, sum, …), so its unit is known",
                path,
                None,
                where,
            )
        for place, pair in enumerate(pairs):
            parsed.rows_read += 1
            row, column = parsed.rows_read, f"{where}.{name}[{place}]" if name == "values" else f"{where}.value"
            if metric not in READ:
                parsed.others[metric].append(row)
                continue
            seconds, value = _sample(pair, path, row, column)
            parsed.add(metric, labels, value, seconds, row)
    return parsed


def _load(path: Path) -> dict[str, Any]:
    """The response's `data`, once it says it succeeded and holds a matrix or a vector."""
    try:
        with path.open(encoding="utf-8") as handle:
            response = json.load(handle)
    except json.JSONDecodeError as exc:
        raise InputFormatError(f"cannot be read as JSON ({exc.msg}, column {exc.colno})", path, exc.lineno) from None
    except UnicodeDecodeError:
        raise InputFormatError("cannot be read as JSON (the file is not UTF-8 text)", path) from None
    if not isinstance(response, dict):
        raise InputFormatError("is not a Prometheus API response (a JSON object with 'status' and 'data')", path)
    status = response.get("status")
    if status != "success":
        said = fields.shown(str(response.get("error") or ""))
        raise InputFormatError(f"the query did not succeed (status '{status}'{': ' + said if said else ''})", path)
    data = response.get("data")
    kind = data.get("resultType") if isinstance(data, dict) else None
    if kind not in ("matrix", "vector") or not isinstance(data.get("result"), list):  # type: ignore[union-attr]
        raise InputFormatError(
            f"the response holds a '{fields.shown(str(kind))}' result: a range query's matrix (or an instant "
            "query's vector) of counter samples is needed",
            path,
            None,
            "data.resultType",
        )
    return data  # type: ignore[return-value]


def _pairs(entry: dict[str, Any], kind: str, path: Path, where: str) -> tuple[list[Any], str]:
    name = "values" if kind == "matrix" else "value"
    pairs = entry.get(name)
    if kind == "vector" and pairs is not None:
        pairs = [pairs]
    if not isinstance(pairs, list):
        raise InputFormatError(f"{where} has no '{name}' list of [time, value] samples", path, None, f"{where}.{name}")
    return pairs, name


def _sample(pair: Any, path: Path, row: int, column: str) -> tuple[float, str]:
    """(time in seconds, value text) of one `[time, "value"]` pair; anything else fails the file."""
    if not isinstance(pair, list) or len(pair) != 2:
        raise InputFormatError(
            f"'{fields.shown(json.dumps(pair))}' is not a [time, \"value\"] sample", path, row, column
        )
    stamp, value = pair
    try:
        seconds = float(stamp)
        if not math.isfinite(seconds) or isinstance(stamp, bool):
            raise ValueError
        datetime.fromtimestamp(seconds, tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        raise InputFormatError(
            f"'{fields.shown(str(stamp))}' is not a time (seconds since 1970-01-01 UTC)", path, row, column
        ) from None
    return seconds, str(value)
