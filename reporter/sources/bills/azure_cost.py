"""Azure cost details: EA and MCA usage-details / cost-details exports (actual or amortised; CSV,
gzip CSV or Parquet). Column names are matched without regard to case (EA writes `MeterCategory`,
MCA `meterCategory`).

ChargeType "Usage" rows are usage; Purchase, Refund, Tax, UnusedReservation, UnusedSavingsPlan,
RoundingAdjustment and any other charge type are left out with the type as the reason. A file
without ChargeType (older usage details) is all usage.

Columns used: Date, else UsageDate / UsageDateTime (ISO, month-first 9/2/2023, or 20230902; the
day's usage, so a reading spans that day); Quantity with UnitOfMeasure kept AS BILLED ("1 Hour",
"10 Hours", "1 GB/Month", "10K": the energy model reads the multiplier); CostInBillingCurrency,
else Cost / PreTaxCost, with BillingCurrencyCode / BillingCurrency; BillingAccountId;
SubscriptionId (sub-account); MeterCategory (service); ServiceFamily (service category);
MeterSubCategory and MeterName (usage type, "Dv2/DSv2 Series | D3 v2/DS3 v2"); ResourceLocation,
else MeterRegion, as a region id without spaces ("East US" -> "eastus"; the older names of
pay-as-you-go exports by their table, "US East 2" -> "eastus2"). AdditionalInfo (JSON):
VMSize, or ServiceType on Virtual Machines rows, is the instance type ("Standard_D2s_v3"); VCPUs or
vCores the vCPUs. A Virtual Machines hour row whose AdditionalInfo names no size gets one from the
meter name ("D3 v2/DS3 v2" -> "Standard_D3_v2", "DS4 v2 Spot" -> "Standard_DS4_v2"), flagged.
Tags: JSON, or EA's key list written without braces.

Older pay-as-you-go usage details (SubscriptionGuid, UsageDateTime, UsageQuantity, PreTaxCost) are
read with the same columns; a localised export ("Verbrauchte Menge (UsageQuantity)") is read by
the English names its headers give in parentheses (reporter.sources.bills.layout).
"""

from __future__ import annotations

from typing import ClassVar

from reporter.sources.base import InputFile, ReadResult
from reporter.sources.bills import engine, sql

DATES = ("Date", "UsageDate", "UsageDateTime")
QUANTITIES = ("Quantity", "UsageQuantity")
# Location names of older usage details ("US East 2", "EU West", "JA East") -> region ids
LEGACY_LOCATIONS = {
    "us east": "eastus", "us east 2": "eastus2", "us west": "westus", "us west 2": "westus2",
    "us west 3": "westus3", "us central": "centralus", "us north central": "northcentralus",
    "us south central": "southcentralus", "us west central": "westcentralus", "eu west": "westeurope",
    "eu north": "northeurope", "ap east": "eastasia", "ap southeast": "southeastasia", "ja east": "japaneast",
    "ja west": "japanwest", "br south": "brazilsouth", "ca central": "canadacentral", "ca east": "canadaeast",
    "au east": "australiaeast", "au southeast": "australiasoutheast", "au central": "australiacentral",
    "in central": "centralindia", "in south": "southindia", "in west": "westindia", "kr central": "koreacentral",
    "kr south": "koreasouth", "fr central": "francecentral", "fr south": "francesouth",
    "de west central": "germanywestcentral", "de north": "germanynorth", "za north": "southafricanorth",
    "za west": "southafricawest", "ae north": "uaenorth", "ae central": "uaecentral",
    "ch north": "switzerlandnorth", "ch west": "switzerlandwest", "no east": "norwayeast", "no west": "norwaywest",
}
METER_FLAG = "instance_type_from_meter"


class AzureCostReader:
    name: ClassVar[str] = "azure_cost"
    keeps_resource_ids: ClassVar[bool] = True  # the links' ids and trackers' hosts (reporter.read_order)
    label: ClassVar[str] = "Azure cost details (EA / MCA usage details; CSV, CSV.gz or Parquet)"

    def sniff(self, source: InputFile) -> float:
        header = engine.header_names(source)
        if "metercategory" not in header or not header & {q.lower() for q in QUANTITIES}:
            return 0.0
        if "unitofmeasure" in header and header & {d.lower() for d in DATES}:
            return 1.0
        return 0.6

    def read(self, source: InputFile) -> ReadResult:
        return engine.read_bill(source, self.name, _mapping)


def _mapping(columns: sql.Columns, tag_keys: list[str]) -> sql.BillMapping:
    quantity = columns.require(*QUANTITIES)
    start = columns.require(*DATES)
    charge_type = columns.get("ChargeType")
    reason = "NULL"
    if charge_type is not None:
        reason = (
            f"CASE WHEN lower(trim({charge_type.sql})) = 'usage' THEN NULL "
            f"ELSE 'ChargeType ''' || coalesce(trim({charge_type.sql}), '(empty)') || ''': not usage, "
            "no resource consumed' END"
        )
    mapping = sql.BillMapping(
        reason=reason,
        quantity=quantity,
        start=start,
        end=None,
        cost=columns.get("CostInBillingCurrency", "Cost", "PreTaxCost"),
    )
    category = sql.text(columns.get("MeterCategory"))
    sub_category = sql.text(columns.get("MeterSubCategory"))
    meter = sql.text(columns.get("MeterName"))
    unit = sql.text(columns.get("UnitOfMeasure"))
    document = mapping.document(columns.get("AdditionalInfo"), "info")
    is_vm = f"coalesce(lower({category}) LIKE '%virtual machines%', false)"
    declared = (
        sql.coalesce(
            sql.json_value(document, "VMSize"),
            f"CASE WHEN {is_vm} THEN {sql.json_value(document, 'ServiceType')} END",
        )
        if document
        else "NULL"
    )
    derived = _size_from_meter(meter, is_vm, unit)
    flag = f"CASE WHEN {declared} IS NULL AND {derived} IS NOT NULL THEN '{METER_FLAG}' END"
    location = sql.first_text(*columns.present("ResourceLocation", "MeterRegion"))
    mapping.dimensions = {
        "provider": "'azure'",
        "billing_account_id": sql.text(columns.get("BillingAccountId")),
        "sub_account_id": sql.text(columns.get("SubscriptionId", "SubscriptionGuid")),
        "service_name": category,
        "service_category": sql.text(columns.get("ServiceFamily")),
        "region": _region(location),
        "usage_type": f"NULLIF(concat_ws(' | ', {sub_category}, {meter}), '')",
        "instance_type": sql.coalesce(declared, derived),
        "unit": unit,
        "currency": sql.text(columns.get("BillingCurrencyCode", "BillingCurrency", "Currency")),
        "vcpus": sql.number(sql.json_value(document, "VCPUs", "vCores")),
        "flags": flag,
    }
    engine.keep_tags(mapping, columns.get("Tags"), tag_keys)
    mapping.keep_resource(columns, "ResourceId", "InstanceId")
    mapping.flag_notes[METER_FLAG] = (
        "some virtual machine sizes were derived from the meter name (AdditionalInfo names none); "
        "such readings are flagged"
    )
    return mapping


def _region(location: str) -> str:
    """A region id: an older location name by LEGACY_LOCATIONS, any other without spaces ("East US" -> eastus)."""
    if location == "NULL":
        return "NULL"
    cases = " ".join(f"WHEN {sql.literal(k)} THEN {sql.literal(v)}" for k, v in LEGACY_LOCATIONS.items())
    return f"coalesce(CASE lower(trim({location})) {cases} END, {sql.region_id(location)})"


def _size_from_meter(meter: str, is_vm: str, unit: str) -> str:
    """An ARM size name from a VM meter name: first alternative, without Spot / Low Priority."""
    if meter == "NULL":
        return "NULL"
    first = f"trim(split_part({meter}, '/', 1))"
    bare = f"trim(regexp_replace({first}, '\\s+(Spot|Low Priority)$', '', 'i'))"
    size = f"'Standard_' || regexp_replace({bare}, '\\s+', '_', 'g')"
    hourly = f"coalesce(lower({unit}) LIKE '%hour%', false)" if unit != "NULL" else "false"
    return f"CASE WHEN {is_vm} AND {hourly} AND {bare} <> '' THEN {size} END"
