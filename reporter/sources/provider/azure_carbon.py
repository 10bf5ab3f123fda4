"""Azure Carbon optimization exports: the monthly emission trend (`Month`, `TotalEmissions`,
`Scope1`, `Scope2`, `Scope3`, `CarbonIntensity`, in kgCO2e, "May 2024" months).

The export does not say whether its figures are location- or market-based, so the total is kept
with its basis "not stated" and compared as such. The per-subscription export ("latest" and
"previous" month, no date) cannot be placed in a month and is refused with that reason.
"""

from __future__ import annotations

from typing import ClassVar

from reporter.errors import InputFormatError
from reporter.records import frame_from_rows
from reporter.sources.base import InputFile, ReadResult, split_header
from reporter.sources.provider.columns import ExportLayout, normalised, provider_frame, read_export, read_table

TREND = {"month", "totalemissions", "scope1", "scope2", "scope3"}
UNDATED = "latest_month_emissions_kgco2e"
LAYOUT = ExportLayout(
    provider="azure",
    month="month",
    total="totalemissions",
    basis="not stated",
    month_format="%b %Y",
    month_example="May 2024",
    figures={"scope1_co2e_kg": "scope1", "scope3_co2e_kg": "scope3"},
)


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
        rows = read_export(frame, path, LAYOUT)
        notes = [
            "Azure Carbon optimization emission trend: kgCO2e per month for the whole scope of the export "
            "(no account or region); Azure does not state whether the figures are location- or market-based"
        ]
        return ReadResult(
            frame_from_rows([]), rows_read=len(frame), notes=notes, provider_emissions=provider_frame(rows)
        )
