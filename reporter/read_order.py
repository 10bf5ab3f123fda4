"""The order inputs are read in: the bills last, so that they keep the resource ids of the machines
the other inputs measured on.

A bill keeps a line's resource id only when it is wanted (reporter.sources.bills.definition
.kept_resource): the ids the configuration's links name, and the hosts of the tracker runs, power
logs and counter scrapes of the same report, so that a run on a billed machine whose host is its
resource id is linked to it without configuration (reporter.core.link). Those hosts are known only
once the other inputs are read; a bill reader says it keeps ids with `keeps_resource_ids = True`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import pandas as pd

from reporter.inputs import PlannedInput

Read = TypeVar("Read", bound=tuple[Any, ...])


def keeps_resource_ids(planned: PlannedInput) -> bool:
    """Whether the input's reader keeps wanted resource ids (the cloud-bill readers)."""
    return bool(getattr(planned.reader, "keeps_resource_ids", False))


def read_in_order(planned: Sequence[PlannedInput], resource_ids: Sequence[str],
                  read: Callable[[PlannedInput], Read]) -> list[Read]:
    """`read(input)` of every input, in the plan's order; the inputs that keep resource ids are read
    after the others and told (option `resource_ids`) to keep `resource_ids` and every host found
    in the others' readings (`read`'s result holds the readings second)."""
    found: dict[int, Read] = {}
    hosts: dict[str, None] = {}
    for index in sorted(range(len(planned)), key=lambda i: keeps_resource_ids(planned[i])):
        entry = planned[index]
        if keeps_resource_ids(entry):
            entry.file.options["resource_ids"] = [*resource_ids, *hosts]
        found[index] = read(entry)
        readings = found[index][1]
        if not keeps_resource_ids(entry) and isinstance(readings, pd.DataFrame) and "host" in readings:
            hosts.update(dict.fromkeys(str(host) for host in readings["host"].dropna().unique()))
    return [found[index] for index in range(len(planned))]
