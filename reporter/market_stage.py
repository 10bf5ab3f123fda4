"""The market-based and link stages' I/O side: the configuration's instruments and rates as the pure core
(`reporter.core.market`) takes them, their keys normalised like the location-based factors'."""

from __future__ import annotations

import numpy as np
import pandas as pd

from reporter.config import ReportConfig
from reporter.core.link import Link
from reporter.core.market import FALLBACK_BASES, FALLBACK_FLAG, Instrument, MarketResult, market_based
from reporter.errors import ConfigError
from reporter.factors import FactorTable
from reporter.records import join_flag_columns


def run_market_stage(config: ReportConfig, table: FactorTable, allocated: pd.DataFrame) -> MarketResult:
    """Market-based figures for every allocated row, from the configuration's market sections."""
    instruments = [
        Instrument(
            certificate_id=entry.certificate_id,
            type=entry.type,
            mwh=entry.mwh,
            region=_key(table, entry.region, f"instruments[{number}].region"),
            vintage=entry.vintage,
            start=entry.start,
            end=entry.end,
            supplier=entry.supplier,
            bundled=entry.bundled,
        )
        for number, entry in enumerate(config.instruments)
    ]
    supplier = {_key(table, k, f"factors.supplier.{k}"): v for k, v in config.factors.supplier.items()}
    residual = {_key(table, k, f"factors.residual_mix.{k}"): v for k, v in config.factors.residual_mix.items()}
    return market_based(allocated, instruments, supplier, residual)


def market_flags(items: pd.DataFrame, allocated: pd.DataFrame) -> pd.DataFrame:
    """Flag the line items whose market-based figure fell back to a location factor in any month."""
    flagged = allocated["flags"].str.contains(FALLBACK_FLAG, regex=False)
    fell_back = allocated.loc[allocated["market_basis"].isin(FALLBACK_BASES) & flagged, "record"].unique()
    if not len(fell_back):
        return items
    frame = items.copy(deep=False)
    new = np.where(frame.index.isin(fell_back), FALLBACK_FLAG, "")
    frame["flags"] = join_flag_columns(frame["flags"], new)
    return frame


def links_from(config: ReportConfig) -> list[Link]:
    """The configuration's links; a tag link's key must be one the bills keep."""
    links = []
    for number, entry in enumerate(config.links):
        tag = None
        if entry.tag is not None:
            key, _, value = entry.tag.partition("=")
            if key.strip() not in config.cloud.tag_keys:
                raise ConfigError(
                    f"links[{number}].tag: the key '{key.strip()}' is not in [cloud] tag_keys, so the bills do "
                    "not keep it"
                )
            tag = (key.strip(), value.strip())
        resource_id = entry.resource_id.strip() if entry.resource_id is not None else None
        links.append(
            Link(entry.tracker_project or "", tag, entry.account, entry.instance_type, entry.host, resource_id)
        )
    return links


def _key(table: FactorTable, raw: str, where: str) -> str:
    try:
        return table.normalise_key(raw)
    except ConfigError:
        raise ConfigError(
            f"{where}: '{raw}' is neither a known country code, a US state (US-VA) nor a grid or cloud region"
        ) from None
