"""The bill query for a table in a warehouse or a Spark catalog, and the formats' usual table columns.

`reporter query FORMAT --dialect D` prints the portable query (reporter.engines.portable) over a
table, in D's SQL. The table's columns are those of a file given with `--columns` (any bill file
of the format, or a CSV of just its header), else the columns the format usually has where such
tables live (TABLES): AWS CUR 2.0 as Data Exports / Athena write it, FOCUS 1.2, Google's BigQuery
billing export (nested fields) and Azure cost details.

Rows are numbered in the warehouse by `row_number() OVER ()`: the order the engine scans the
table, which a warehouse does not promise to keep from one run to the next. The readings keep
that number as their first row, and the result names the table (`bill_meta`), which is the
lineage a warehouse query can give.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from reporter.engines.dialects import transpile
from reporter.engines.portable import Meta, portable_sql
from reporter.errors import ConfigError
from reporter.sources.base import InputFile
from reporter.sources.bills import aws_cur, azure_cost, definition, focus, gcp_billing
from reporter.sources.bills.scan import scan_columns
from reporter.sources.bills.sql import BillMapping, Column, Columns, ident, literal

BUILDERS: dict[str, Callable[[Columns, list[str]], BillMapping]] = {
    "aws_cur": aws_cur._mapping,
    "focus": focus._mapping,
    "gcp_billing": gcp_billing._either,
    "azure_cost": azure_cost._mapping,
}
WAREHOUSE_LINEAGE = "row numbers: row_number() OVER () in the order the warehouse scanned table {table}"
# Per format: (name, kind) of the usual table columns; "a.b" is field b of struct a.
TABLES: dict[str, tuple[tuple[str, str], ...]] = {
    "aws_cur": tuple(
        [(name, "text") for name in (
            "bill_payer_account_id", "line_item_usage_account_id", "line_item_line_item_type",
            "line_item_product_code", "line_item_usage_type", "line_item_availability_zone",
            "line_item_currency_code", "pricing_unit", "product_region_code", "product_instance_type",
            "product_product_family", "product_vcpu", "product_memory", "product_location",
            "identity_line_item_id", "identity_time_interval", "line_item_resource_id")]
        + [("line_item_usage_amount", "number"), ("line_item_unblended_cost", "number"),
           ("line_item_usage_start_date", "timestamp"), ("line_item_usage_end_date", "timestamp"),
           ("product", "map"), ("resource_tags", "map")]
    ),
    "focus": tuple(
        [(name, "text") for name in (
            "BillingAccountId", "SubAccountId", "ChargeCategory", "ChargeClass", "CommitmentDiscountStatus",
            "ServiceName", "ServiceCategory", "RegionId", "ConsumedUnit", "BillingCurrency", "ProviderName",
            "SkuMeter", "ChargeDescription", "SkuPriceDetails", "Tags", "ResourceId")]
        + [("ConsumedQuantity", "number"), ("BilledCost", "number"), ("ChargePeriodStart", "timestamp"),
           ("ChargePeriodEnd", "timestamp")]
    ),
    "gcp_billing": (
        ("billing_account_id", "text"), ("service", "struct"), ("service.id", "text"),
        ("service.description", "text"), ("sku", "struct"), ("sku.id", "text"), ("sku.description", "text"),
        ("usage_start_time", "timestamp"), ("usage_end_time", "timestamp"), ("project", "struct"),
        ("project.id", "text"), ("project.name", "text"), ("labels", "list"), ("system_labels", "list"),
        ("location", "struct"), ("location.location", "text"), ("location.region", "text"), ("cost", "number"),
        ("currency", "text"), ("usage", "struct"), ("usage.amount", "number"), ("usage.unit", "text"),
        ("cost_type", "text"), ("resource", "struct"), ("resource.name", "text"), ("resource.global_name", "text"),
    ),
    "azure_cost": tuple(
        [(name, "text") for name in (
            "BillingAccountId", "SubscriptionId", "ChargeType", "MeterCategory", "MeterSubCategory", "MeterName",
            "UnitOfMeasure", "ResourceLocation", "ServiceFamily", "BillingCurrencyCode", "AdditionalInfo", "Tags",
            "ProductName", "ConsumedService", "PricingModel", "ResourceId")]
        + [("Quantity", "number"), ("CostInBillingCurrency", "number"), ("Date", "timestamp")]
    ),
}


def table_columns(format_name: str, where: Path) -> Columns:
    """The usual columns of a format's table (TABLES), as the readers see columns."""
    found: list[Column] = []
    for name, kind in TABLES[format_name]:
        if "." in name:
            parent, child = name.split(".", 1)
            found.append(Column(name, f"struct_extract({ident(parent)}, {literal(child)})", kind))
        else:
            found.append(Column(name, ident(name), kind))
    return Columns(found, where)


def builder(format_name: str) -> Callable[[Columns, list[str]], BillMapping]:
    if format_name not in BUILDERS:
        raise ConfigError(f"no bill query for format '{format_name}' (one of: {', '.join(BUILDERS)})")
    return BUILDERS[format_name]


def warehouse_query(format_name: str, dialect: str, table: str, tag_keys: list[str], day_months: list[str],
                    columns_from: Path | None = None, resource_ids: Sequence[str] = ()) -> str:
    """The bill query over `table`, in `dialect`'s SQL, keeping the resource ids of `resource_ids`
    (written into the query as literals: every dialect runs it as printed, with no parameters to bind)."""
    build = builder(format_name)
    if columns_from is not None:
        source = InputFile.open(columns_from)
        scan, columns = scan_columns(source)
        mapping = build(columns, tag_keys)
        from reporter.sources.bills.engine import _learn_dates

        mapping.dates = _learn_dates(scan, columns, mapping)
    else:
        mapping = build(table_columns(format_name, Path(table)), tag_keys)
    note = definition.resource_note(mapping, resource_ids)
    if note:
        mapping.notes.append(note)
    meta = Meta.of(format_name, mapping, tag_keys, WAREHOUSE_LINEAGE.format(table=table), resource_ids)
    relation = f"(SELECT *, row_number() OVER () AS __row FROM {table}) AS b"
    return transpile(portable_sql(mapping, meta, day_months, relation=relation), dialect)
