"""AWS Data Exports "Carbon emissions" table (CSV or Parquet).

Monthly (`usage_period_start`) × usage account × region (`region_code`) × product
(`product_code`), in metric tonnes CO2e (`total_*_emissions_unit` = "MTCO2e"): location-based
(`total_lbm_emissions_value`) and market-based (`total_mbm_emissions_value`), with the model
version. Scope 2 location-based alone is kept when the export has it.
"""

from __future__ import annotations

from typing import ClassVar

from reporter.records import frame_from_rows
from reporter.sources.base import InputFile, ReadResult, split_header
from reporter.sources.provider.columns import (
    KG_PER_TONNE,
    ExportLayout,
    normalised,
    provider_frame,
    read_export,
    read_table,
)

LBM = "total_lbm_emissions_value"
MBM = "total_mbm_emissions_value"
LAYOUT = ExportLayout(
    provider="aws",
    month="usage_period_start",
    total=LBM,
    basis="location_based",
    month_example="2026-01-01T00:00:00Z",
    keys={"account": "usage_account_id", "region": "region_code", "service": "product_code"},
    figures={"market_based_co2e_kg": MBM, "scope2_location_co2e_kg": "total_scope_2_lbm_emissions_value"},
    model_version="model_version",
    kg_per_unit=KG_PER_TONNE,
    unit_column="total_lbm_emissions_unit",
    units=("MTCO2e", "tCO2e"),
)


class AwsCarbonReader:
    name: ClassVar[str] = "aws_carbon"
    label: ClassVar[str] = "AWS Data Exports carbon emissions"

    def sniff(self, source: InputFile) -> float:
        header = {normalised(c) for c in split_header(source.first_line)}
        return 1.0 if LBM in header or MBM in header else 0.0

    def read(self, source: InputFile) -> ReadResult:
        frame = read_table(source)
        rows = read_export(frame, source.path, LAYOUT)
        notes = [
            "AWS carbon emissions export: location- and market-based MTCO2e per month, account, region and product"
        ]
        return ReadResult(
            frame_from_rows([]), rows_read=len(frame), notes=notes, provider_emissions=provider_frame(rows)
        )
