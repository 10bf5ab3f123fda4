"""Google Cloud billing export (the BigQuery detailed or standard export, saved as CSV, gzip CSV or
Parquet), and the older, deprecated file export (Account ID, Line Item, Start Time, Measurement1
Total Consumption, Measurement1 Units, Cost, Project ID, Description).

A Parquet file keeps BigQuery's records (`service.description` is a field of the `service` struct,
`system_labels` a list of {key, value} structs); a CSV export has them flattened (`service.description`
or `service_description`) with list columns written as JSON text. Both are read.

Rows with cost_type "regular" (or none) are usage; "tax", "adjustment" and "rounding_error" rows are
left out with their cost type as the reason.

Columns used: billing_account_id; project.id (sub-account); service.description (service);
sku.description (usage type, e.g. "N2 Instance Core running in Americas"); location.region, else
location.location (region); usage.amount and usage.unit (seconds, byte-seconds, bytes, requests;
kept as billed); cost (before credits: the credits column is not subtracted) and currency;
usage_start_time and usage_end_time. From system_labels:
compute.googleapis.com/machine_spec (instance type, e.g. n2-standard-8),
compute.googleapis.com/cores (vCPUs) and compute.googleapis.com/memory (MiB, recorded in GiB). Tags:
labels, else project.labels.
"""

from __future__ import annotations

from typing import ClassVar

from reporter.sources.base import InputFile, ReadResult
from reporter.sources.bills import engine, sql

MACHINE_SPEC = "compute.googleapis.com/machine_spec"
CORES = "compute.googleapis.com/cores"
MEMORY = "compute.googleapis.com/memory"
REASONS = {
    "tax": "cost_type 'tax': a tax, not usage",
    "adjustment": "cost_type 'adjustment': a billing adjustment, not usage",
    "rounding_error": "cost_type 'rounding_error': a rounding correction, not usage",
}


def _names(*dotted: str) -> tuple[str, ...]:
    """Each dotted name and its underscore-flattened spelling."""
    return tuple(name for item in dotted for name in (item, item.replace(".", "_")))


AMOUNT = _names("usage.amount")
SKU = _names("sku.description")
# GCP's older file export (deprecated; "Account ID", "Line Item", "Measurement1 ...")
FILE_EXPORT = {"line item", "start time", "measurement1 total consumption", "measurement1 units"}
SERVICES = {"compute-engine": "Compute Engine", "logging": "Cloud Logging", "cloud-storage": "Cloud Storage"}


class GcpBillingReader:
    name: ClassVar[str] = "gcp_billing"
    keeps_resource_ids: ClassVar[bool] = True  # the links' ids and trackers' hosts (reporter.read_order)
    label: ClassVar[str] = "Google Cloud billing export (BigQuery export as CSV, CSV.gz or Parquet)"

    def sniff(self, source: InputFile) -> float:
        header = engine.header_names(source)
        if header >= FILE_EXPORT:
            return 1.0
        has_amount = bool(header & set(AMOUNT))
        has_sku = bool(header & set(SKU))
        has_start = "usage_start_time" in header
        if has_amount and has_sku and has_start and "cost" in header:
            return 1.0
        return 0.6 if has_start and (has_amount or has_sku) else 0.0

    def read(self, source: InputFile) -> ReadResult:
        return engine.read_bill(source, self.name, _either)


def _either(columns: sql.Columns, tag_keys: list[str]) -> sql.BillMapping:
    if columns.get("Measurement1 Total Consumption") is not None and columns.get(*AMOUNT) is None:
        return _file_export(columns, tag_keys)
    return _mapping(columns, tag_keys)


def _file_export(columns: sql.Columns, tag_keys: list[str]) -> sql.BillMapping:
    """The older file export: one row per project, line item and day; every row is usage (credits
    are columns of the row, not rows). It names no region and no machine type."""
    mapping = sql.BillMapping(
        reason="NULL",
        quantity=columns.require("Measurement1 Total Consumption"),
        start=columns.require("Start Time"),
        end=columns.get("End Time"),
        cost=columns.get("Cost"),
    )
    line_item = sql.text(columns.get("Line Item"))
    segment = f"NULLIF(regexp_extract({line_item}, 'services/([^/]+)/', 1), '')"
    known = " ".join(f"WHEN {sql.literal(k)} THEN {sql.literal(v)}" for k, v in SERVICES.items())
    mapping.dimensions = {
        "provider": "'gcp'",
        "billing_account_id": sql.text(columns.get("Account ID")),
        "sub_account_id": sql.first_text(*columns.present("Project ID", "Project")),
        "service_name": f"coalesce(CASE {segment} {known} END, replace({segment}, '-', ' '))",
        "usage_type": sql.first_text(*columns.present("Description", "Line Item")),
        "unit": sql.text(columns.get("Measurement1 Units")),
        "currency": sql.text(columns.get("Currency")),
    }
    mapping.notes.append(
        "GCP's older file export (deprecated): it names no region or machine type; the service is read "
        "from the Line Item ('com.google.cloud/services/compute-engine/...'), the usage type from Description"
    )
    mapping.keep_resource(columns, *_names("resource.name", "resource.global_name"))
    if tag_keys:
        mapping.notes.append("the file export has no labels: no tag values kept")
    return mapping


def _mapping(columns: sql.Columns, tag_keys: list[str]) -> sql.BillMapping:
    quantity = columns.require(*AMOUNT)
    start = columns.require("usage_start_time")
    cost_type = columns.get("cost_type")
    if cost_type is not None:
        low = f"lower(trim({cost_type.sql}))"
        known = " ".join(f"WHEN {sql.literal(k)} THEN {sql.literal(v)}" for k, v in REASONS.items())
        reason = (
            f"CASE WHEN {cost_type.sql} IS NULL OR {low} IN ('', 'regular') THEN NULL "
            f"ELSE coalesce(CASE {low} {known} END, "
            f"'cost_type ''' || trim({cost_type.sql}) || ''': not usage') END"
        )
    else:
        reason = "NULL"
    mapping = sql.BillMapping(
        reason=reason,
        quantity=quantity,
        start=start,
        end=columns.get("usage_end_time"),
        cost=columns.get("cost"),
    )
    system = columns.get("system_labels")
    system_pairs = mapping.use(sql.entries(system, "system")) if system is not None else None
    machine = sql.entry(system_pairs, MACHINE_SPEC) if system_pairs else "NULL"
    cores = sql.number(sql.entry(system_pairs, CORES)) if system_pairs else "NULL"
    memory = f"({sql.number(sql.entry(system_pairs, MEMORY))} / 1024.0)" if system_pairs else "NULL"
    mapping.dimensions = {
        "provider": "'gcp'",
        "billing_account_id": sql.text(columns.get("billing_account_id")),
        "sub_account_id": sql.text(columns.get(*_names("project.id"))),
        "service_name": sql.text(columns.get(*_names("service.description"))),
        "region": sql.region_id(
            sql.first_text(*columns.present(*_names("location.region", "location.location")))
        ),
        "usage_type": sql.text(columns.get(*SKU)),
        "instance_type": machine,
        "unit": sql.text(columns.get(*_names("usage.unit"))),
        "currency": sql.text(columns.get("currency")),
        "vcpus": cores,
        "memory_gb": memory,
    }
    mapping.keep_resource(columns, *_names("resource.name", "resource.global_name"))
    if tag_keys:
        sources = [columns.get("labels"), columns.get(*_names("project.labels"))]
        pairs = [mapping.use(sql.entries(c, f"labels{i}")) for i, c in enumerate(sources) if c is not None]
        if not pairs:
            mapping.notes.append("the file has no labels column: no tag values kept")
        mapping.tags = {key: sql.coalesce(*(sql.tag_lookup(p, key) for p in pairs)) for key in tag_keys}
    return mapping
