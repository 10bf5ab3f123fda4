"""Azure Carbon optimization exports: the monthly emission trend (`Month`, `TotalEmissions`,
`Scope1`, `Scope2`, `Scope3`, `CarbonIntensity`, in kgCO2e, "May 2024" months).

The export does not say whether its figures are location- or market-based, so the total is kept
with its basis "not stated" and compared as such. The per-subscription export ("latest" and
"previous" month, no date) cannot be placed in a month and is refused with that reason.
"""

from __future__ import annotations

from typing import ClassVar

import pandas as pd

from reporter.errors import InputFormatError
from reporter.records import frame_from_rows
from reporter.sources.base import InputFile, ReadResult, split_header
from reporter.sources.provider.columns import cell, kg, normalised, provider_frame, read_table, require

TREND = {"month", "totalemissions", "scope1", "scope2", "scope3"}
UNDATED = "latest_month_emissions_kgco2e"


class AzureCarbonReader:
    name: ClassVar[str] = "azure_carbon"
    label: ClassVar[str] = "Azure Carbon optimization export"

    def sniff(self, source: InputFile) -> float:
        header = {normalised(c) for c in split_header(source.first_line)}
        if UNDATED in header:
            return 0.9
        return 1.0 if header >= TREND and "carbonintensity" in header else 0.0

    def read(self, source: InputFile) -> ReadResult:
        path = source.path
        frame = read_table(source)
        if UNDATED in frame.columns:
            raise InputFormatError(
                "this Azure carbon export gives the latest and previous month's emissions without "
                "saying which months they are; export the monthly emission trend instead",
                path,
            )
        require(frame, path, "month", "totalemissions")
        rows = []
        for index in range(len(frame)):
            row = index + 2
            month = pd.to_datetime(cell(frame, "month", index), format="%b %Y", errors="coerce")
            if pd.isna(month):
                raise InputFormatError(
                    f"'{cell(frame, 'month', index)}' is not a month like 'May 2024'", path, row, "Month"
                )
            total = kg(frame.iloc[index]["totalemissions"], path, row, "TotalEmissions")
            rows.append(
                {
                    "source_file": str(path),
                    "source_row": row,
                    "provider": "azure",
                    "month": f"{month:%Y-%m}",
                    "total_co2e_kg": total,
                    "scope1_co2e_kg": kg(cell(frame, "scope1", index) or "", path, row, "Scope1"),
                    "scope2_location_co2e_kg": float("nan"),
                    "scope3_co2e_kg": kg(cell(frame, "scope3", index) or "", path, row, "Scope3"),
                    "basis": "not stated",
                }
            )
        notes = [
            "Azure Carbon optimization emission trend: kgCO2e per month for the whole scope of the export "
            "(no account or region); Azure does not state whether the figures are location- or market-based"
        ]
        return ReadResult(
            frame_from_rows([]), rows_read=len(frame), notes=notes, provider_emissions=provider_frame(rows)
        )
