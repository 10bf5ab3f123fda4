"""FOCUS cost-and-usage exports, versions 1.0 to 1.3 (CSV, gzip CSV or Parquet).

Only ChargeCategory "Usage" rows consume resources; Purchase, Tax, Credit and Adjustment rows are
left out with their category as the reason, as are corrections of earlier billing periods
(ChargeClass "Correction") and unused commitments (CommitmentDiscountStatus "Unused").

Columns used: ServiceProviderName (1.3), else ProviderName (1.0-1.2), as a provider id (aws, azure,
gcp, oracle, else the lower-cased name); BillingAccountId; SubAccountId; ServiceName;
ServiceCategory; RegionId; ConsumedQuantity and ConsumedUnit (the unit kept as billed);
BilledCost and BillingCurrency; ChargePeriodStart/End; Tags (JSON). The usage type is SkuMeter
(1.1+; for AWS the usage type such as "EUW2-BoxUsage:t3.xlarge"), else ChargeDescription. The
instance type comes from SkuPriceDetails.InstanceType (1.2+), else Microsoft's x_SkuDetails, else
the instance named in SkuMeter, else one named in ChargeDescription ("$0.34 per On Demand Linux
c5.2xlarge Instance Hour", flagged). vCPUs, GPUs and memory (GiB) come from SkuPriceDetails
CoreCount, GpuCount and MemorySize, vCPUs also from x_SkuDetails VCPUs.
"""

from __future__ import annotations

from typing import ClassVar

from reporter.sources.base import InputFile, ReadResult
from reporter.sources.bills import engine, sql

SIGNATURE = {"chargecategory", "chargeperiodstart", "billedcost"}
DESCRIPTION_FLAG = "instance_type_from_description"


class FocusReader:
    name: ClassVar[str] = "focus"
    keeps_resource_ids: ClassVar[bool] = True  # the links' ids and trackers' hosts (reporter.read_order)
    label: ClassVar[str] = "FOCUS cost and usage export (1.0-1.3; CSV, CSV.gz or Parquet)"

    def sniff(self, source: InputFile) -> float:
        header = engine.header_names(source)
        if not header >= SIGNATURE:
            return 0.0
        if "consumedquantity" in header and header & {"serviceprovidername", "providername"}:
            return 1.0
        return 0.7

    def read(self, source: InputFile) -> ReadResult:
        return engine.read_bill(source, self.name, _mapping)


def _mapping(columns: sql.Columns, tag_keys: list[str]) -> sql.BillMapping:
    mapping = sql.BillMapping(
        reason=_reason(columns),
        quantity=columns.require("ConsumedQuantity"),
        start=columns.require("ChargePeriodStart"),
        end=columns.get("ChargePeriodEnd"),
        cost=columns.get("BilledCost"),
    )

    spd = mapping.document(columns.get("SkuPriceDetails"), "spd")
    xsku = mapping.document(columns.get("x_SkuDetails"), "xsku")
    meter = columns.get("SkuMeter")
    description = columns.get("ChargeDescription")

    declared = sql.coalesce(
        sql.json_value(spd, "InstanceType", "x_InstanceType"),
        _vm_size(xsku, columns.get("ServiceCategory")) if xsku else "NULL",
        sql.instance_in(sql.text(meter), after_colon=True) if meter else "NULL",
    )
    described = sql.instance_in(sql.text(description)) if description else "NULL"
    instance = sql.coalesce(declared, described)
    flag = (
        f"CASE WHEN {declared} IS NULL AND {described} IS NOT NULL THEN '{DESCRIPTION_FLAG}' END"
        if described != "NULL"
        else "NULL"
    )
    provider = sql.first_text(*columns.present("ServiceProviderName", "ProviderName"))
    mapping.dimensions = {
        "provider": sql.provider_id(provider),
        "billing_account_id": sql.text(columns.get("BillingAccountId")),
        "sub_account_id": sql.text(columns.get("SubAccountId")),
        "service_name": sql.text(columns.get("ServiceName")),
        "service_category": sql.text(columns.get("ServiceCategory")),
        "region": sql.region_id(sql.text(columns.get("RegionId"))),
        "usage_type": sql.first_text(meter, description),
        "instance_type": instance,
        "unit": sql.text(columns.get("ConsumedUnit")),
        "currency": sql.text(columns.get("BillingCurrency")),
        "vcpus": sql.coalesce(
            sql.number(sql.json_value(spd, "CoreCount", "x_CoreCount")),
            sql.number(sql.json_value(xsku, "VCPUs", "vCores")),
        ),
        "gpus": sql.number(sql.json_value(spd, "GpuCount", "x_GpuCount")),
        "memory_gb": sql.number(sql.json_value(spd, "MemorySize", "x_MemorySize")),
        "flags": flag,
    }
    engine.keep_tags(mapping, columns.get("Tags"), tag_keys)
    mapping.keep_resource(columns, "ResourceId")
    mapping.flag_notes[DESCRIPTION_FLAG] = (
        "some instance types were read from ChargeDescription (the file has no SkuPriceDetails "
        "instance type or SkuMeter for them); such readings are flagged"
    )
    return mapping


def _reason(columns: sql.Columns) -> str:
    """Why a row is not usage: a charge category other than usage, a correction, an unused commitment."""
    category = columns.require("ChargeCategory")
    charge_class = columns.get("ChargeClass")
    commitment = columns.get("CommitmentDiscountStatus")
    reasons = [
        f"WHEN lower(trim({category.sql})) IS DISTINCT FROM 'usage' THEN 'ChargeCategory ''' || "
        f"coalesce(trim({category.sql}), '(empty)') || ''': not a usage charge, no resource consumed'"
    ]
    if charge_class is not None:
        reasons.append(
            f"WHEN lower(trim({charge_class.sql})) = 'correction' THEN 'ChargeClass ''Correction'': "
            "corrects a previously invoiced billing period, not new usage'"
        )
    if commitment is not None:
        reasons.append(
            f"WHEN lower(trim({commitment.sql})) = 'unused' THEN 'CommitmentDiscountStatus ''Unused'': "
            "a commitment paid for but not used, no resource consumed'"
        )
    return f"CASE {' '.join(reasons)} END"


def _vm_size(document: str, category: sql.Column | None) -> str:
    """Microsoft's x_SkuDetails: VMSize, or ServiceType on Compute rows (elsewhere it can name a
    storage tier such as Standard_LRS)."""
    service_type = sql.json_value(document, "ServiceType")
    if category is not None:
        service_type = f"CASE WHEN lower({sql.text(category)}) = 'compute' THEN {service_type} END"
    return sql.coalesce(sql.json_value(document, "VMSize"), service_type)
