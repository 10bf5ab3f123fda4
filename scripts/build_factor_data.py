"""Build the vendored factor tables in reporter/data/factors/ from the upstream reference files.

Usage: python3 scripts/build_factor_data.py [REFERENCE_DATA_DIR]

The output is deterministic: rows are sorted, line endings are "\\n" and upstream numbers are
copied as written. Only the eGRID lb/MWh -> g/kWh conversion and the energy-mix shares are
computed.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "reporter" / "data" / "factors"
LB_PER_MWH_TO_G_PER_KWH = 0.45359237  # 1 lb/MWh = 453.59237 g / 1000 kWh

GRID_COLUMNS = [
    "factor_id", "key", "key_kind", "name", "value", "unit", "year",
    "basis", "source", "source_detail", "licence",
]
EMBER = {
    "basis": "location-based; grid average; lifecycle; production-based",
    "source": "Ember yearly electricity data (via co2.js)",
    "source_detail": "co2.js data/output/average-intensities.json @27cbe83",
    "licence": "CC-BY-4.0 (Ember; verify: co2.js states CC BY-SA 4.0)",
}
EGRID = {
    "basis": "location-based; grid average; direct combustion; production-based",
    "source": "US EPA eGRID2023 (via codecarbon 3.3.2)",
    "source_detail": "codecarbon 3.3.2 data/private_infra/2023/usa_emissions.json, field STC2ERTA",
    "licence": "Public domain (US Government work); MIT packaging",
}
GOOGLE = {
    "basis": "location-based; grid average; operational; hourly-averaged",
    "source": "Google Cloud region carbon data",
    "source_detail": "GoogleCloudPlatform/region-carbon-info data/yearly/2024.csv @49f3f26",
    "licence": "Apache-2.0",
}
GOOGLE_GRID_COLUMN = "Grid carbon intensity (gCO2eq / kWh)"
MIX_SOURCE = "Our World in Data energy data (Ember, Energy Institute), via codecarbon 3.3.2"
MIX_LICENCE = "CC-BY-4.0 (OWID); MIT packaging"

# ISO 3166-1 pairs missing from the carbontracker table (Kosovo has no ISO code and is left out).
EXTRA_ALPHA2 = {"NAM": "NA"}

# Physical location of cloud regions, from the providers' region documentation.
# Format: "<ISO alpha-3> <US state or -> <location> | <provider>:<region> ...".
# Regions whose location is not documented precisely enough are deliberately absent.
CLOUD_REGIONS = """
ARE - UAE | aws:me-central-1
ARE - United Arab Emirates | azure:uae
ARE - Abu Dhabi | azure:uaecentral
ARE - Dubai | azure:uaenorth
AUS - Sydney | aws:ap-southeast-2 gcp:australia-southeast1
AUS - Melbourne | aws:ap-southeast-4 gcp:australia-southeast2
AUS - Australia | azure:australia
AUS - Canberra | azure:australiacentral azure:australiacentral2
AUS - New South Wales | azure:australiaeast
AUS - Victoria | azure:australiasoutheast
BEL - St. Ghislain | gcp:europe-west1
BHR - Bahrain | aws:me-south-1
BRA - São Paulo | aws:sa-east-1 azure:brazilsouth
BRA - Osasco (São Paulo) | gcp:southamerica-east1
BRA - Brazil | azure:brazil
BRA - Rio de Janeiro | azure:brazilsoutheast
CAN - Canada (Central) | aws:ca-central-1
CAN - Calgary | aws:ca-west-1
CAN - Montréal | gcp:northamerica-northeast1
CAN - Toronto | gcp:northamerica-northeast2 azure:canadacentral
CAN - Canada | azure:canada
CAN - Quebec City | azure:canadaeast
CHE - Zurich | aws:eu-central-2 gcp:europe-west6 azure:switzerlandnorth
CHE - Switzerland | azure:switzerland
CHE - Geneva | azure:switzerlandwest
CHL - Santiago | gcp:southamerica-west1
CHN - Beijing | aws:cn-north-1 azure:chinanorth azure:chinanorth2
CHN - Ningxia | aws:cn-northwest-1
CHN - Shanghai | azure:chinaeast azure:chinaeast2
DEU - Frankfurt | aws:eu-central-1 gcp:europe-west3 azure:germanywestcentral
DEU - Berlin | gcp:europe-west10 azure:germanynorth
DEU - Germany | azure:germany
ESP - Spain (Aragon) | aws:eu-south-2
ESP - Madrid | gcp:europe-southwest1 azure:spaincentral
FIN - Hamina | gcp:europe-north1
FRA - Paris | aws:eu-west-3 gcp:europe-west9 azure:francecentral
FRA - France | azure:france
FRA - Marseille | azure:francesouth
GBR - London | aws:eu-west-2 gcp:europe-west2 azure:uksouth
GBR - United Kingdom | azure:uk
GBR - Cardiff | azure:ukwest
HKG - Hong Kong | aws:ap-east-1 gcp:asia-east2 azure:eastasia
IDN - Jakarta | aws:ap-southeast-3 gcp:asia-southeast2
IND - Mumbai | aws:ap-south-1 gcp:asia-south1 azure:westindia
IND - Hyderabad | aws:ap-south-2
IND - Delhi | gcp:asia-south2
IND - India | azure:india
IND - Pune | azure:centralindia
IND - Chennai | azure:southindia
IND - Nagpur | azure:jioindiacentral
IND - Jamnagar | azure:jioindiawest
IRL - Ireland | aws:eu-west-1 azure:northeurope
ISR - Tel Aviv | aws:il-central-1 gcp:me-west1
ISR - Israel | azure:israelcentral
ITA - Milan | aws:eu-south-1 gcp:europe-west8 azure:italynorth
ITA - Turin | gcp:europe-west12
JPN - Tokyo | aws:ap-northeast-1 gcp:asia-northeast1
JPN - Osaka | aws:ap-northeast-3 gcp:asia-northeast2 azure:japanwest
JPN - Tokyo and Osaka (dual-region) | gcp:asia1
JPN - Japan | azure:japan
JPN - Tokyo, Saitama | azure:japaneast
KOR - Seoul | aws:ap-northeast-2 gcp:asia-northeast3 azure:koreacentral
KOR - Korea | azure:korea
KOR - Busan | azure:koreasouth
MEX - Mexico (Central) | aws:mx-central-1
MEX - Querétaro | gcp:northamerica-south1 azure:mexicocentral
MYS - Malaysia | aws:ap-southeast-5
NLD - Eemshaven | gcp:europe-west4
NLD - Netherlands | azure:westeurope
NOR - Norway | azure:norway
NOR - Oslo | azure:norwayeast
NOR - Stavanger | azure:norwaywest
NZL - New Zealand | aws:ap-southeast-6
NZL - Auckland | azure:newzealandnorth
POL - Warsaw | gcp:europe-central2 azure:polandcentral
QAT - Doha | gcp:me-central1 azure:qatarcentral
SAU - Dammam | gcp:me-central2
SGP - Singapore | aws:ap-southeast-1 azure:southeastasia
SGP - Jurong West | gcp:asia-southeast1
SWE - Stockholm | aws:eu-north-1 gcp:europe-north2
SWE - Gävle | azure:swedencentral
THA - Thailand | aws:ap-southeast-7
TWN - Taipei | aws:ap-east-2
TWN - Changhua County | gcp:asia-east1
USA VA Northern Virginia | aws:us-east-1 gcp:us-east4
USA VA Virginia | azure:eastus azure:eastus2 azure:eastus2euap azure:usgovvirginia
USA OH Ohio | aws:us-east-2
USA OH Columbus | gcp:us-east5
USA CA Northern California | aws:us-west-1
USA CA Los Angeles | gcp:us-west2
USA CA California | azure:westus
USA OR Oregon | aws:us-west-2
USA OR The Dalles | gcp:us-west1
USA IA Council Bluffs | gcp:us-central1
USA IA Iowa | azure:centralus azure:centraluseuap
USA OK Oklahoma | gcp:us-central2
USA SC Moncks Corner | gcp:us-east1
USA GA Georgia | gcp:us-east2
USA TX Dallas | gcp:us-south1
USA TX Texas | azure:southcentralus azure:usgovtexas
USA UT Salt Lake City | gcp:us-west3
USA NV Las Vegas | gcp:us-west4
USA IL Illinois | azure:northcentralus
USA WY Wyoming | azure:westcentralus
USA WA Washington | azure:westus2
USA AZ Arizona | azure:westus3 azure:usgovarizona
USA - AWS GovCloud (US-East), state not published | aws:us-gov-east-1
USA - AWS GovCloud (US-West), state not published | aws:us-gov-west-1
USA - United States (multi-region) | gcp:us
USA - Iowa and South Carolina (dual-region) | gcp:nam4
USA - United States | azure:unitedstates azure:unitedstateseuap
ZAF - Cape Town | aws:af-south-1 azure:southafricawest
ZAF - Johannesburg | gcp:africa-south1 azure:southafricanorth
ZAF - South Africa | azure:southafrica
"""


def check(ok: bool, message: str) -> None:
    if not ok:
        raise SystemExit(f"build_factor_data: {message}")


def load_json(path: Path) -> Any:
    # Numbers stay as the upstream text so values are copied exactly.
    with path.open(encoding="utf-8") as f:
        return json.load(f, parse_float=str, parse_int=str)


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def write_csv(name: str, header: list[str], rows: list[list[str]], key: int = 0) -> int:
    ordered = sorted(rows, key=lambda r: [r[key], *r])
    with (OUT / name).open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(ordered)
    return len(rows)


def grid_rows(ref: Path) -> list[list[str]]:
    rows: list[list[str]] = []

    def add(fid: str, key: str, kind: str, name: str, value: str, year: str,
            meta: dict[str, str]) -> None:
        rows.append([fid, key, kind, name, value, "gCO2e/kWh", year, *meta.values()])

    for entry in load_json(ref / "co2js" / "ember_average-intensities.json").values():
        code, year = entry["country_code"], entry["year"]
        value, name = entry["emissions_intensity_gco2_per_kwh"], entry["country_or_region"]
        if len(code) == 3:
            add(f"ember-{year}-{code}", code, "country", name, value, year, EMBER)
        elif name == "World":
            add(f"ember-{year}-WORLD", "WORLD", "world", name, value, year, EMBER)
    for state, entry in load_json(ref / "codecarbon_3.3.2" / "usa_emissions.json").items():
        code = entry.get("regionCode", "") if not state.startswith("_") else ""
        if len(code) != 2 or not code.isupper():
            continue  # metadata and the national "usa" total
        name = " ".join(w if w == "of" else w.capitalize() for w in state.split())
        value = repr(float(entry["emissions"]) * LB_PER_MWH_TO_G_PER_KWH)
        add(f"egrid2023-US-{code}", f"US-{code}", "us_state", name, value, "2023", EGRID)
    for row in read_csv(ref / "google_region_carbon_info" / "2024.csv"):
        region = row["Google Cloud Region"]
        value = row[GOOGLE_GRID_COLUMN]
        add(f"google-2024-{region}", f"gcp:{region}", "cloud_region", row["Location"], value,
            "2024", GOOGLE)
    return rows


def country_rows(ref: Path, grid: list[list[str]]) -> list[list[str]]:
    pairs: dict[str, list[str]] = {}
    for row in read_csv(ref / "carbontracker_2.4.7" / "carbon-intensities.csv"):
        if row["alpha-2"] and row["Code"]:
            pairs[row["Code"]] = [row["alpha-2"], row["Code"], row["Entity"]]
    names = {r[1]: r[3] for r in grid if r[2] == "country"}
    for alpha3, alpha2 in EXTRA_ALPHA2.items():
        pairs.setdefault(alpha3, [alpha2, alpha3, names[alpha3]])
    for alpha3 in sorted(set(names) - set(pairs)):
        print(f"  note: no ISO alpha-2 for {alpha3} ({names[alpha3]})")
    return list(pairs.values())


def cloud_rows(ref: Path, alpha3s: set[str]) -> list[list[str]]:
    rows: list[list[str]] = []
    for line in CLOUD_REGIONS.strip().splitlines():
        head, regions = line.split(" | ")
        country, state, location = head.split(" ", 2)
        check(country in alpha3s, f"no country code row for {country}")
        for item in regions.split():
            provider, region = item.split(":")
            rows.append([provider, region, country, "" if state == "-" else state, location])
    keys = [(r[0], r[1]) for r in rows]
    check(len(keys) == len(set(keys)), "duplicate cloud region")
    ccf = read_csv(ref / "ccf" / "ccf_region_factors.csv")
    google = read_csv(ref / "google_region_carbon_info" / "2024.csv")
    wanted = {(r["provider"], r["region_lower"]) for r in ccf}
    wanted |= {("gcp", r["Google Cloud Region"]) for r in google}
    left_out = sorted(k for k in wanted - set(keys) if k[1] != "unknown")
    print(f"  left out (location not certain or not a single place): {len(left_out)}")
    for provider, region in left_out:
        print(f"    {provider} {region}")
    return rows


def mix_rows(ref: Path) -> list[list[str]]:
    rows: list[list[str]] = []
    for alpha3, e in load_json(ref / "codecarbon_3.3.2" / "global_energy_mix.json").items():
        total = e.get("total_TWh")
        if total is None or float(total) == 0:
            continue
        parts = [e["fossil_TWh"], e["nuclear_TWh"], e["renewables_TWh"]]
        shares = [repr(float(p) / float(total)) for p in parts]
        rows.append([alpha3, e["country_name"], e["year"], total, *parts, *shares,
                     MIX_SOURCE, MIX_LICENCE])
    return rows


def main() -> None:
    ref = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / ".." / "shared" / "reference-data"
    ref = ref.resolve()
    check(ref.is_dir(), f"reference data directory not found: {ref}")
    OUT.mkdir(parents=True, exist_ok=True)
    grid = grid_rows(ref)
    by_key = {r[1]: r for r in grid}
    check(by_key["KOR"][4:7:2] == ["415.65", "2024"], f"unexpected KOR row {by_key['KOR']}")
    check(by_key["FRA"][4] == "44.18", f"unexpected FRA row {by_key['FRA']}")
    codes = country_rows(ref, grid)
    counts = {
        "location_grid.csv": write_csv("location_grid.csv", GRID_COLUMNS, grid),
        "country_codes.csv": write_csv(
            "country_codes.csv", ["alpha2", "alpha3", "name"], codes, key=1),
        "cloud_regions.csv": write_csv(
            "cloud_regions.csv", ["provider", "region", "country_alpha3", "us_state", "location"],
            cloud_rows(ref, {r[1] for r in codes})),
        "energy_mix.csv": write_csv("energy_mix.csv", [
            "alpha3", "name", "year", "total_twh", "fossil_twh", "nuclear_twh", "renewables_twh",
            "fossil_share", "nuclear_share", "renewable_share", "source", "licence",
        ], mix_rows(ref)),
    }
    for name, count in counts.items():
        print(f"{name}: {count} rows")
    for key in ("KOR", "FRA", "WORLD", "US-VA", "gcp:europe-west1"):
        print(f"  {key}: {by_key[key][4]} {by_key[key][5]} ({by_key[key][6]})")


if __name__ == "__main__":
    main()
