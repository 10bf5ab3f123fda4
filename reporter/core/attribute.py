"""Attribution stage: scope and ownership of each line item.

Scope: usage on a cloud provider's hardware (billed, or measured by a tracker on a cloud VM) is
the organisation's Scope 3 category 1 ("cloud computing and data centre services", ESRS E1
AR 51); everything else measured on own or colocated hardware is Scope 2 electricity.
Ownership: team / project / model come from the tracker or input options, else from the bill's
tags under the configured tag keys. Pure: frames in, frame out.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from reporter.records import Method, Scope

SCOPE2 = Scope.SCOPE2.value
SCOPE3_CLOUD = Scope.SCOPE3_CLOUD.value


def assign_scope(items: pd.DataFrame) -> pd.DataFrame:
    frame = items.copy(deep=False)
    on_cloud = (frame["cloud_provider"].notna() | (frame["method"] == Method.ESTIMATED.value)).to_numpy(dtype=bool)
    frame["scope"] = np.where(on_cloud, SCOPE3_CLOUD, SCOPE2).astype(object)
    return frame


def tag_columns(items: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """One `tag:<key>` column per tag key (each distinct tags JSON is parsed once)."""
    frame = items.copy(deep=False)
    codes, uniques = pd.factorize(frame["tags"].astype(object), use_na_sentinel=True)
    parsed = [json.loads(t) if isinstance(t, str) and t else {} for t in uniques.tolist()] + [{}]
    for key in dict.fromkeys(keys):
        values = np.empty(len(parsed), dtype=object)
        values[:] = [tags.get(key) for tags in parsed]
        frame[f"tag:{key}"] = pd.Series(values[codes], index=frame.index, dtype=object)
    return frame


def owners_from_tags(items: pd.DataFrame, tag_for: dict[str, str]) -> pd.DataFrame:
    """Fill team/project/model from the `tag:<key>` columns where the item has none (column → tag key)."""
    frame = items.copy(deep=False)
    for column, key in tag_for.items():
        frame[column] = frame[column].where(frame[column].notna(), frame[f"tag:{key}"])
    return frame
