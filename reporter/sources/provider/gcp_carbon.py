"""Google Cloud Carbon Footprint export (BigQuery table saved as CSV or Parquet).

Monthly (`usage_month`) × project (`project.id`) × service (`service.description`) × region
(`location.region`), in kgCO2e: totals location- and market-based
(`carbon_footprint_total_kgCO2e.location_based` / `.market_based`) and per scope
(`carbon_footprint_kgCO2e.scope1`, `.scope2.location_based`, `.scope2.market_based`,
`.scope3`), with `carbon_model_version`. Nested names may be written with dots or underscores.
"""

from __future__ import annotations

from typing import ClassVar

from reporter.records import frame_from_rows
from reporter.sources.base import InputFile, ReadResult, split_header
from reporter.sources.provider.columns import ExportLayout, normalised, provider_frame, read_export, read_table

TOTAL_LBM = "carbon_footprint_total_kgco2e_location_based"
TOTAL_MBM = "carbon_footprint_total_kgco2e_market_based"
LAYOUT = ExportLayout(
    provider="gcp",
    month="usage_month",
    total=TOTAL_LBM,
    basis="location_based",
    keys={"account": "project_id", "region": "location_region", "service": "service_description"},
    figures={
        "market_based_co2e_kg": TOTAL_MBM,
        "scope1_co2e_kg": "carbon_footprint_kgco2e_scope1",
        "scope2_location_co2e_kg": "carbon_footprint_kgco2e_scope2_location_based",
        "scope2_market_co2e_kg": "carbon_footprint_kgco2e_scope2_market_based",
        "scope3_co2e_kg": "carbon_footprint_kgco2e_scope3",
    },
    model_version="carbon_model_version",
)


class GcpCarbonReader:
    name: ClassVar[str] = "gcp_carbon"
    label: ClassVar[str] = "Google Cloud Carbon Footprint export"

    def sniff(self, source: InputFile) -> float:
        header = {normalised(c) for c in split_header(source.first_line)}
        return 1.0 if TOTAL_LBM in header and "usage_month" in header else 0.0

    def read(self, source: InputFile) -> ReadResult:
        frame = read_table(source)
        rows = read_export(frame, source.path, LAYOUT)
        notes = ["Google Cloud Carbon Footprint export: kgCO2e per month, project, service and region"]
        return ReadResult(
            frame_from_rows([]), rows_read=len(frame), notes=notes, provider_emissions=provider_frame(rows)
        )
