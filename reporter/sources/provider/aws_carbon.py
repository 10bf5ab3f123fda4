"""AWS Data Exports "Carbon emissions" table (CSV or Parquet).

Monthly (`usage_period_start`) × usage account × region (`region_code`) × product
(`product_code`), in metric tonnes CO2e (`total_*_emissions_unit` = "MTCO2e"): location-based
(`total_lbm_emissions_value`) and market-based (`total_mbm_emissions_value`), with the model
version. Scope 2 location-based alone is kept when the export has it.
"""

from __future__ import annotations

from typing import ClassVar

import pandas as pd

from reporter.errors import InputFormatError
from reporter.records import frame_from_rows
from reporter.sources.base import InputFile, ReadResult, split_header
from reporter.sources.provider.columns import KG_PER_TONNE, cell, kg, normalised, provider_frame, read_table, require

LBM = "total_lbm_emissions_value"
MBM = "total_mbm_emissions_value"


class AwsCarbonReader:
    name: ClassVar[str] = "aws_carbon"
    label: ClassVar[str] = "AWS Data Exports carbon emissions"

    def sniff(self, source: InputFile) -> float:
        header = {normalised(c) for c in split_header(source.first_line)}
        return 1.0 if LBM in header or MBM in header else 0.0

    def read(self, source: InputFile) -> ReadResult:
        path = source.path
        frame = read_table(source)
        require(frame, path, "usage_period_start", LBM)
        rows = []
        for index in range(len(frame)):
            row = index + 2
            unit = (cell(frame, "total_lbm_emissions_unit", index) or "MTCO2e").replace(" ", "").lower()
            if unit not in ("mtco2e", "tco2e"):
                raise InputFormatError(f"unit '{unit}' is not MTCO2e", path, row, "total_lbm_emissions_unit")
            start = pd.to_datetime(cell(frame, "usage_period_start", index), errors="coerce", utc=True)
            if pd.isna(start):
                raise InputFormatError("not a date", path, row, "usage_period_start")
            lbm = kg(frame.iloc[index][LBM], path, row, LBM, KG_PER_TONNE)
            mbm = kg(cell(frame, MBM, index) or "", path, row, MBM, KG_PER_TONNE)
            scope2 = kg(
                cell(frame, "total_scope_2_lbm_emissions_value", index) or "",
                path,
                row,
                "total_scope_2_lbm_emissions_value",
                KG_PER_TONNE,
            )
            rows.append(
                {
                    "source_file": str(path),
                    "source_row": row,
                    "provider": "aws",
                    "month": f"{start:%Y-%m}",
                    "account": cell(frame, "usage_account_id", index),
                    "region": cell(frame, "region_code", index),
                    "service": cell(frame, "product_code", index),
                    "total_co2e_kg": lbm,
                    "location_based_co2e_kg": lbm,
                    "market_based_co2e_kg": mbm,
                    "scope2_location_co2e_kg": scope2,
                    "basis": "location_based",
                    "model_version": cell(frame, "model_version", index),
                }
            )
        notes = [
            "AWS carbon emissions export: location- and market-based MTCO2e per month, account, region and product"
        ]
        return ReadResult(
            frame_from_rows([]), rows_read=len(frame), notes=notes, provider_emissions=provider_frame(rows)
        )
