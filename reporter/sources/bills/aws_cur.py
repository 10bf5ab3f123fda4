"""AWS Cost and Usage Reports: legacy CUR (`lineItem/UsageType` headers) and CUR 2.0 (snake_case,
with `resource_tags` and `product` maps), as CSV, gzip CSV or Parquet.

Usage rows are the line-item types Usage, DiscountedUsage (covered by a reservation) and
SavingsPlanCoveredUsage. Every other type (Tax, Credit, Refund, Fee, RIFee, SavingsPlanNegation,
SavingsPlanRecurringFee, SavingsPlanUpfrontFee, BundledDiscount, EdpDiscount, ...) is left out with
its type as the reason: it moves money, not resources.

Columns used (legacy / CUR 2.0): lineItem/LineItemType / line_item_line_item_type;
lineItem/UsageAmount / line_item_usage_amount with pricing/unit / pricing_unit (kept as billed,
e.g. Hrs, GB-Mo, GB); lineItem/UsageStartDate, lineItem/UsageEndDate / line_item_usage_start_date,
line_item_usage_end_date; lineItem/UnblendedCost / line_item_unblended_cost and
lineItem/CurrencyCode / line_item_currency_code; bill/PayerAccountId / bill_payer_account_id
(billing account); lineItem/UsageAccountId / line_item_usage_account_id (sub-account);
lineItem/ProductCode / line_item_product_code (service); product/productFamily /
product_product_family (service category); lineItem/UsageType / line_item_usage_type;
product/regionCode, product/region / product_region_code, product_region (else the `product` map's
region_code or region, else the availability zone's region); where none is given (older CURs have
no product/region), the region is derived from product/location ("US West (Oregon)"), else from
the usage type's region code ("USW2-EBS:VolumeUsage"), and the reading is flagged `region_derived`
(reporter.sources.bills.aws_regions). Instance type: product/instanceType /
product_instance_type (or the `product` map's instance_type), else the instance named after the
colon of the usage type ("USE1-BoxUsage:m5.large", "USE1-InstanceUsage:db.r5.large"). vCPUs, GPUs
and memory: product/vcpu, product/gpu, product/memory ("8 GiB") or their snake_case / map forms.
A line item repeated with the same identity/LineItemId and identity/TimeInterval
(identity_line_item_id, identity_time_interval) is counted once; the repeats are left out.
Tags: resourceTags/user:<key> columns (legacy), resource_tags_user_<key> columns (Athena), or the
`resource_tags` map (keys such as user_team); each is matched to the plain configured key.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from reporter.sources.base import InputFile, ReadResult
from reporter.sources.bills import aws_regions, engine, sql

REGION_FLAG = "region_derived"
REGION_NOTE = (
    "{rows} usage row(s) name no region (no product/region or availability zone): their region was "
    "derived from product/location, else from the usage type's region code (USW2-, EU-, ...); "
    "such readings are flagged"
)
LEGACY = {"lineitem/usagetype", "lineitem/lineitemtype", "lineitem/usageamount"}
CUR2 = {"line_item_usage_type", "line_item_line_item_type", "line_item_usage_amount"}
USAGE_TYPES = ("usage", "discountedusage", "savingsplancoveredusage")
WHY = {
    "tax": "a tax, not usage",
    "credit": "a credit, not usage",
    "refund": "a refund, not usage",
    "fee": "a one-time fee, not usage",
    "rifee": "a reservation fee; the usage it covers is counted from DiscountedUsage rows",
    "savingsplanrecurringfee": "a Savings Plan fee; covered usage is counted from SavingsPlanCoveredUsage rows",
    "savingsplanupfrontfee": "a Savings Plan fee; covered usage is counted from SavingsPlanCoveredUsage rows",
    "savingsplannegation": "offsets the cost of Savings Plan covered usage, which is counted once",
    "bundleddiscount": "a discount, not usage",
    "edpdiscount": "a discount, not usage",
    "privateratediscount": "a discount, not usage",
    "distributordiscount": "a discount, not usage",
}


class AwsCurReader:
    name: ClassVar[str] = "aws_cur"
    keeps_resource_ids: ClassVar[bool] = True  # the links' ids and trackers' hosts (reporter.read_order)
    label: ClassVar[str] = "AWS Cost and Usage Report (legacy CUR or CUR 2.0; CSV, CSV.gz or Parquet)"

    def sniff(self, source: InputFile) -> float:
        header = engine.header_names(source)
        best = max(len(LEGACY & header), len(CUR2 & header))
        if best == 3:
            return 1.0
        # Recognisably a CUR missing a needed column: read it, so the missing column is named.
        return 0.6 if best == 2 else 0.0

    def read(self, source: InputFile) -> ReadResult:
        return engine.read_bill(source, self.name, _mapping)


def _why(type_sql: str) -> str:
    cases = " ".join(f"WHEN {sql.literal(key)} THEN {sql.literal(text)}" for key, text in WHY.items())
    return f"coalesce(CASE lower(trim({type_sql})) {cases} END, 'not usage, no resource consumed')"


def _mapping(columns: sql.Columns, tag_keys: list[str]) -> sql.BillMapping:
    item_type = columns.require("lineItem/LineItemType", "line_item_line_item_type")
    quantity = columns.require("lineItem/UsageAmount", "line_item_usage_amount")
    start = columns.require("lineItem/UsageStartDate", "line_item_usage_start_date")
    usage_list = ", ".join(sql.literal(t) for t in USAGE_TYPES)
    reason = (
        f"CASE WHEN lower(trim({item_type.sql})) IN ({usage_list}) THEN NULL "
        f"ELSE 'line item type ''' || coalesce(trim({item_type.sql}), '(empty)') || ''': ' || {_why(item_type.sql)} END"
    )
    mapping = sql.BillMapping(
        reason=reason,
        quantity=quantity,
        start=start,
        end=columns.get("lineItem/UsageEndDate", "line_item_usage_end_date"),
        cost=columns.get("lineItem/UnblendedCost", "line_item_unblended_cost"),
    )
    product = columns.get("product")
    product_pairs = mapping.use(sql.entries(product, "product")) if product is not None else None

    def attribute(*names: str, keys: tuple[str, ...] = ()) -> str:
        flat = sql.first_text(*columns.present(*names))
        from_map = sql.entry(product_pairs, *keys) if product_pairs is not None and keys else "NULL"
        return sql.coalesce(flat, from_map)

    usage_type = sql.text(columns.get("lineItem/UsageType", "line_item_usage_type"))
    region, flag = _region(columns, attribute, usage_type)
    mapping.dimensions = {
        "provider": "'aws'",
        "billing_account_id": sql.text(columns.get("bill/PayerAccountId", "bill_payer_account_id")),
        "sub_account_id": sql.text(columns.get("lineItem/UsageAccountId", "line_item_usage_account_id")),
        "service_name": sql.text(columns.get("lineItem/ProductCode", "line_item_product_code")),
        "service_category": attribute("product/productFamily", "product_product_family", keys=("product_family",)),
        "region": region,
        "usage_type": usage_type,
        "instance_type": sql.coalesce(
            attribute("product/instanceType", "product_instance_type", keys=("instance_type",)),
            sql.instance_in(usage_type, after_colon=True) if usage_type != "NULL" else "NULL",
        ),
        "unit": sql.text(columns.get("pricing/unit", "pricing_unit")),
        "currency": sql.text(columns.get("lineItem/CurrencyCode", "line_item_currency_code")),
        "vcpus": sql.leading_number(attribute("product/vcpu", "product_vcpu", keys=("vcpu",))),
        "gpus": sql.leading_number(attribute("product/gpu", "product_gpu", keys=("gpu",))),
        "memory_gb": sql.leading_number(attribute("product/memory", "product_memory", keys=("memory",))),
        "flags": flag,
    }
    mapping.flag_notes[REGION_FLAG] = REGION_NOTE
    ids = columns.present("identity/LineItemId", "identity_line_item_id")[:1]
    if ids:  # a line item is its id within its time interval
        mapping.line_item_id = (*ids, *columns.present("identity/TimeInterval", "identity_time_interval")[:1])
    mapping.keep_resource(columns, "lineItem/ResourceId", "line_item_resource_id")
    if tag_keys:
        mapping.tags = _tags(columns, mapping, tag_keys)
    return mapping


def _region(columns: sql.Columns, attribute: Callable[..., str], usage_type: str) -> tuple[str, str]:
    """The region (SQL) and the flag of a region derived from the location or the usage type."""
    zone = sql.text(columns.get("lineItem/AvailabilityZone", "line_item_availability_zone"))
    zone_region = f"NULLIF(regexp_extract({zone}, '^([a-z]{{2}}(-gov)?-[a-z]+-[0-9]+)', 1), '')"
    declared = sql.coalesce(
        attribute(
            "product/regionCode",
            "product/region",
            "product_region_code",
            "product_region",
            keys=("region_code", "region"),
        ),
        zone_region if zone != "NULL" else "NULL",
    )
    location = attribute("product/location", "product_location", keys=("location",))
    derived = sql.coalesce(
        aws_regions.region_from_location(location) if location != "NULL" else "NULL",
        aws_regions.region_from_usage_type(usage_type) if usage_type != "NULL" else "NULL",
    )
    flag = f"CASE WHEN {declared} IS NULL AND {derived} IS NOT NULL THEN '{REGION_FLAG}' END"
    return sql.region_id(sql.coalesce(declared, derived)), flag


def _tags(columns: sql.Columns, mapping: sql.BillMapping, tag_keys: list[str]) -> dict[str, str]:
    """Tag values from per-tag columns (legacy / Athena) and the resource_tags map (CUR 2.0)."""
    flat: dict[str, list[sql.Column]] = {}
    for column in columns.all:
        low = column.name.lower()
        for prefix in ("resourcetags/", "resource_tags_"):
            if low.startswith(prefix) and len(low) > len(prefix):
                flat.setdefault(sql.normalise_key(low[len(prefix) :]), []).append(column)
    resource_tags = columns.get("resource_tags")
    pairs = mapping.use(sql.entries(resource_tags, "tags")) if resource_tags is not None else None
    tags: dict[str, str] = {}
    for key in tag_keys:
        spellings = dict.fromkeys(sql.normalise_key(c) for c in sql.tag_candidates(key))
        found = [column for spelling in spellings for column in flat.get(spelling, [])]
        parts = [sql.text(column) for column in found]
        if pairs is not None:
            parts.append(sql.tag_lookup(pairs, key))
        tags[key] = sql.coalesce(*parts)
    if not flat and pairs is None:
        mapping.notes.append("the file has no resource tag columns: no tag values kept")
    return tags
