"""Google Cloud Carbon Footprint export (BigQuery table saved as CSV or Parquet).

Monthly (`usage_month`) × project (`project.id`) × service (`service.description`) × region
(`location.region`), in kgCO2e: totals location- and market-based
(`carbon_footprint_total_kgCO2e.location_based` / `.market_based`) and per scope
(`carbon_footprint_kgCO2e.scope1`, `.scope2.location_based`, `.scope2.market_based`,
`.scope3`), with `carbon_model_version`. Nested names may be written with dots or underscores.
"""

from __future__ import annotations

from typing import ClassVar

import pandas as pd

from reporter.errors import InputFormatError
from reporter.records import frame_from_rows
from reporter.sources.base import InputFile, ReadResult, split_header
from reporter.sources.provider.columns import cell, kg, normalised, provider_frame, read_table, require

TOTAL_LBM = "carbon_footprint_total_kgco2e_location_based"
TOTAL_MBM = "carbon_footprint_total_kgco2e_market_based"
SCOPES = {
    "scope1_co2e_kg": "carbon_footprint_kgco2e_scope1",
    "scope2_location_co2e_kg": "carbon_footprint_kgco2e_scope2_location_based",
    "scope2_market_co2e_kg": "carbon_footprint_kgco2e_scope2_market_based",
    "scope3_co2e_kg": "carbon_footprint_kgco2e_scope3",
}


class GcpCarbonReader:
    name: ClassVar[str] = "gcp_carbon"
    label: ClassVar[str] = "Google Cloud Carbon Footprint export"

    def sniff(self, source: InputFile) -> float:
        header = {normalised(c) for c in split_header(source.first_line)}
        return 1.0 if TOTAL_LBM in header and "usage_month" in header else 0.0

    def read(self, source: InputFile) -> ReadResult:
        path = source.path
        frame = read_table(source)
        require(frame, path, "usage_month", TOTAL_LBM)
        rows = []
        for index in range(len(frame)):
            row = index + 2
            month = pd.to_datetime(cell(frame, "usage_month", index), errors="coerce")
            if pd.isna(month):
                raise InputFormatError("not a date", path, row, "usage_month")
            values = {
                target: kg(cell(frame, column, index) or "", path, row, column) for target, column in SCOPES.items()
            }
            lbm = kg(frame.iloc[index][TOTAL_LBM], path, row, TOTAL_LBM)
            rows.append(
                {
                    "source_file": str(path),
                    "source_row": row,
                    "provider": "gcp",
                    "month": f"{month:%Y-%m}",
                    "account": cell(frame, "project_id", index),
                    "region": cell(frame, "location_region", index),
                    "service": cell(frame, "service_description", index),
                    "total_co2e_kg": lbm,
                    "location_based_co2e_kg": lbm,
                    "market_based_co2e_kg": kg(cell(frame, TOTAL_MBM, index) or "", path, row, TOTAL_MBM),
                    **values,
                    "basis": "location_based",
                    "model_version": cell(frame, "carbon_model_version", index),
                }
            )
        notes = ["Google Cloud Carbon Footprint export: kgCO2e per month, project, service and region"]
        return ReadResult(
            frame_from_rows([]), rows_read=len(frame), notes=notes, provider_emissions=provider_frame(rows)
        )
