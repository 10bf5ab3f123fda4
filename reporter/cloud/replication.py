"""Replication factors per provider and service: how many copies of its data a service keeps.

CCF's `replication.*` constants (coefficients.ccf_constant), chosen by service and usage type or
meter. Shared by both modes: ccf applies them as CCF does, default to the lines it estimates.
"""

from __future__ import annotations

from reporter.cloud import coefficients as cf
from reporter.cloud.classify import contains_any


def aws_replication(service: str, usage_type: str) -> float:
    c = cf.ccf_constant
    if service == "AmazonS3":
        if contains_any(("TimedStorage-ZIA", "EarlyDelete-ZIA", "TimedStorage-RRS"), usage_type):
            return c("aws", "replication.s3_one_zone_rrs")
        return c("aws", "replication.s3") if contains_any(("TimedStorage", "EarlyDelete"), usage_type) else 1.0
    if service == "AmazonEC2":
        if "VolumeUsage" in usage_type:
            return c("aws", "replication.ebs_volume")
        return c("aws", "replication.ebs_snapshot") if "SnapshotUsage" in usage_type else 1.0
    if service == "AmazonEFS":
        return c("aws", "replication.efs_one_zone") if "ZIA" in usage_type else c("aws", "replication.efs")
    if service == "AmazonRDS":
        for key, name in (("BackupUsage", "rds_backup"), ("Aurora", "rds_aurora"), ("Multi-AZ", "rds_multi_az")):
            if key in usage_type:
                return c("aws", f"replication.{name}")
        return 1.0
    if service == "AmazonDocDB":
        return c("aws", "replication.docdb_backup" if "BackupUsage" in usage_type else "replication.docdb_storage")
    if service == "AmazonDynamoDB":
        return c("aws", "replication.dynamodb")
    simple = {"AmazonECR": ("TimedStorage", "ecr_storage"), "AmazonElastiCache": ("BackupUsage", "elasticache_backup"),
              "AmazonSimpleDB": ("TimedStorage", "simpledb")}
    if service in simple and simple[service][0] in usage_type:
        return c("aws", f"replication.{simple[service][1]}")
    return 1.0


def gcp_replication(service: str, usage: str) -> float:
    c = cf.ccf_constant
    if service == "Cloud Storage":
        return c("gcp", "replication.cloud_storage")
    if service == "Compute Engine":
        if "Regional" in usage:
            return c("gcp", "replication.regional_disk")
        return c("gcp", "replication.cloud_storage") if contains_any(("Snapshot", "Image"), usage) else 1.0
    rules = {
        "Cloud Filestore": (lambda u: True, "filestore"),
        "Cloud SQL": (lambda u: "Regional - Standard storage" in u or "HA" in u, "cloud_sql_ha"),
        "Cloud Memorystore for Redis": (lambda u: "Standard" in u, "memorystore_redis"),
        "Cloud Spanner": (lambda u: "Regional" in u or "Multi-Region" in u, "spanner"),
        "Kubernetes Engine": (lambda u: "Clusters" in u and ("Regional" in u or "Autopilot" in u), "gke"),
        "Cloud Composer": (lambda u: "Storage" in u or "storage" in u, "cloud_storage"),
    }
    if service in rules and rules[service][0](usage):
        return c("gcp", f"replication.{rules[service][1]}")
    return 1.0


def azure_replication(service: str, meter: str) -> float:
    c = cf.ccf_constant
    if service == "Storage":
        for key, name in (("LRS", "storage_lrs"), ("GZRS", "storage_gzrs"), ("ZRS", "storage_zrs"),
                          ("GRS", "storage_grs"), ("Disks", "storage_disks")):
            if key in meter:
                return c("azure", f"replication.{name}")
        return 1.0
    fixed = {"Azure Database for MySQL": "mysql", "Redis Cache": "redis"}
    if service in fixed:
        return c("azure", f"replication.{fixed[service]}")
    if service == "Azure Cosmos DB" and "Data Stored" in meter:
        return c("azure", "replication.cosmos_db")
    if service == "SQL Database" and contains_any(("Data Stored", "vCore"), meter):
        return c("azure", "replication.sql_db")
    return 1.0
