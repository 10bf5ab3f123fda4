"""The one registry of labels and plain-English meanings of the codes every report shows: flags
(reporter.records.Flag), methods, scopes, estimate statuses, location statuses and usage categories."""

from __future__ import annotations

from reporter.records import EstimateStatus, Method, Scope

FLAG_MEANINGS = {
    "shifted_fields": (
        "The row has fewer fields than the file's header, written by the append bug of "
        "CodeCarbon 3.2.9 and 3.3.0. Energy and the tracker's emissions were recovered by their "
        "position; the fields between the country code and the RAM size (such as region, cloud "
        "and hardware) could not be recovered and are left empty."
    ),
    "pue_assumed_default": (
        "The tracker did not record the PUE it applied, so its documented default was assumed "
        "(1.0 for eco2ai; 1.58 for carbontracker when its standard log is missing). Set "
        "tracker_pue for the input if the runs used another value."
    ),
    "pue_not_recorded": (
        "The CodeCarbon file has a PUE column but this row leaves it empty; a PUE of 1.0, "
        "CodeCarbon's default, was assumed."
    ),
    "location_fallback": (
        "No grid factor could be matched to the run's location (none was recorded, or it is not "
        "in the factor data), so the configured fallback factor was used."
    ),
    "unknown_country": (
        "The tracker recorded a country code that is not in the country list; the run was "
        "treated as having no known country."
    ),
    "unknown_cloud_region": (
        "The tracker recorded a cloud region that is not in the region list; the factor was "
        "resolved from the country, if known, or else the fallback."
    ),
    "location_from_config": (
        "The tracker recorded no location; the country comes from the input's country option "
        "in the report configuration."
    ),
    "interrupted": (
        "The tracker's log says the run was interrupted before it finished; the energy measured "
        "up to the interruption is counted."
    ),
}

# Flags of billed cloud usage (energy estimated by the cloud model).
FLAG_MEANINGS.update(
    {
        "instance_type_from_description": (
            "The bill gives no instance type in a structured column; it was read from the charge "
            "description text."
        ),
        "region_derived": (
            "The bill line names no region (no region column or availability zone); it was derived "
            "from the location name or from the region code that prefixes the usage type."
        ),
        "instance_type_from_meter": (
            "The bill gives no virtual machine size; it was derived from the Azure meter name."
        ),
        "instance_type_unknown": (
            "The instance type is not in the instance table; with no vCPU count on the bill the line "
            "could not be estimated and is shown as unclassified."
        ),
        "instance_from_ccf_table": (
            "The instance type is not in the current instance table; its vCPUs, memory, GPUs and "
            "processor come from Cloud Carbon Footprint's older AWS instance table."
        ),
        "cpu_architecture_unknown": (
            "The processor generation is unknown; the provider's fleet-average watts per vCPU were used."
        ),
        "gpu_power_assumed": (
            "No power figure is published for this accelerator; the assumption stated in the line's "
            "estimate basis was used."
        ),
        "burstable_baseline": (
            "Burstable instance: its baseline CPU share was taken as the central utilisation."
        ),
        "embodied_unknown": (
            "No manufacturing (embodied) emissions figure exists for this hardware; embodied emissions "
            "for the line are counted as zero."
        ),
        "negative_quantity": (
            "The bill line has a negative usage quantity (a correction of usage billed earlier); its "
            "estimate is negative and reduces the total, as the bill does."
        ),
        "provider_unsupported": (
            "The energy model has no coefficients for this cloud provider; its usage is shown as "
            "unclassified with its cost, never given a default."
        ),
        "unit_unknown": (
            "The line's billed unit could not be turned into energy (requests, operations, packs such as "
            "'10K', or GB with no sign of whether data was stored or moved); the line is shown as "
            "unclassified with its cost."
        ),
        "vcpus_from_meter": (
            "The bill gives no instance type or vCPU count; the vCore count named by the meter "
            "(such as '2 vCore') was used."
        ),
        "storage_gb_as_gb_month": (
            "Stored data billed in plain GB was read as GB-months, the unit the provider prices "
            "storage in."
        ),
        "storage_class_assumed": (
            "The bill does not name the storage class; the provider's standard class (for Amazon S3, "
            "S3 Standard on hard disks, with S3's replication) was assumed."
        ),
        "non_finite_guarded": "A calculation produced no finite number; the line's energy is counted as zero.",
        "cost_based_estimate": (
            "Energy was estimated from cost (Cloud Carbon Footprint's ratio for unknown usage, ccf mode "
            "only), not from a physical quantity."
        ),
    }
)

# Flags of a manual-entry workbook's Compute usage rows (reporter.workbook.compute).
FLAG_MEANINGS.update(
    {
        "accelerator_type_unknown": (
            "The GPU-hours row names an accelerator that is not in the accelerator table; its energy "
            "could not be estimated and is shown as zero, unclassified."
        ),
        "host_share_from_instance": (
            "GPU-hours: the host's CPU and memory power per GPU was taken from a cloud instance that "
            "carries the same accelerator, named in the estimate basis."
        ),
        "host_power_unknown": (
            "GPU-hours: no instance in the tables carries this accelerator, so the host's CPU and memory "
            "are not in the estimate (the accelerator's power only)."
        ),
        "pue_colocation_default": (
            "No PUE was given for the site; the colocation default stated in the estimate basis was "
            "assumed."
        ),
    }
)

# Flags of GPU power logs (nvidia-smi).
FLAG_MEANINGS.update(
    {
        "gpu_power_only": (
            "Energy integrated from the GPU boards' power samples (nvidia-smi): the host's CPU, memory "
            "and the facility overhead are not in it; a facility PUE in the configuration applies."
        ),
        "power_log_gap": (
            "The power log has a gap between samples longer than the GPU's usual interval; the time in "
            "the gap is not bridged, so its energy is missing from the figure."
        ),
    }
)

# Flags of counters and of measurements that overlap (reporter.core.overlap).
FLAG_MEANINGS.update(
    {
        "counter_reset": (
            "An energy counter (DCGM, Kepler) went down between two scrapes: it restarted from zero "
            "(driver reload, exporter restart), so the later value is taken as the energy since the reset."
        ),
        "overlap_set_aside": (
            "Part of this measurement's hours on its host is also measured by a source of higher rank "
            "(power log or energy counter > tracker > estimate); the energy of those hours is set aside "
            "so it counts once."
        ),
    }
)

# Flags of linked tracker runs and bill lines (reporter.core.link).
FLAG_MEANINGS.update(
    {
        "linked_to_bill": (
            "A tracker run on a billed cloud machine ([[links]]): its measured IT energy, at the provider's "
            "PUE, replaces the estimate for the hours it covers."
        ),
        "replaced_by_measurement": (
            "A bill line whose estimate is partly or wholly replaced by tracker runs measured on the same "
            "machines; it keeps the estimate of the hours no run covered."
        ),
    }
)

# Flags of the market-based stage (reporter.core.market).
FLAG_MEANINGS["market_fallback_location"] = (
    "The market-based figure uses the location-based factor: for own operations, no instrument, "
    "supplier rate or residual mix covers the usage's market; for cloud usage, no provider "
    "market-based figure is available, so the location-based estimate stands in."
)

METHOD_MEANINGS = {
    "metered": (
        "energy metered at the hardware or the site (a GPU power log integrated over time, or an electricity meter)"
    ),
    "measured": "energy measured by a tracker during the run",
    "estimated": "energy estimated from hardware power and run time",
    "provider_reported": "energy reported by the cloud or hosting provider",
}

LOCATION_STATUS_MEANINGS = {
    "cloud_region": "factor for the cloud region itself",
    "cloud_region_state": "factor for the US state of the cloud region",
    "cloud_region_country": "factor for the country of the cloud region",
    "us_state": "factor for the US state recorded by the tracker",
    "country": "factor for the country recorded by the tracker",
    "override": "factor given in the report configuration",
    "fallback": "location not resolved; fallback factor used",
}

LOCATION_STATUS_LABELS = {
    "cloud_region": "Cloud region's own factor",
    "cloud_region_state": "US state of the cloud region",
    "cloud_region_country": "Country of the cloud region",
    "us_state": "US state",
    "country": "Country",
    "override": "Factor set in the configuration",
    "fallback": "Fallback factor",
}


# Labels of the codes, as every report shows them (renderers take them from here).
METHOD_LABELS: dict[str, str] = {
    Method.METERED: "Metered (power log or electricity meter)",
    Method.MEASURED: "Measured by an energy tracker",
    Method.ESTIMATED: "Estimated from cloud bills",
    Method.PROVIDER_REPORTED: "Reported by the cloud provider",
}

STATUS_LABELS: dict[str, str] = {
    EstimateStatus.UNCLASSIFIED: "Unclassified",
    EstimateStatus.UNSUPPORTED: "Not supported",
}

USAGE_CATEGORY_LABELS: dict[str, str] = {
    "measured": "Measured by trackers",
    "compute": "Compute",
    "storage_ssd": "Storage, SSD",
    "storage_hdd": "Storage, HDD",
    "memory": "Memory",
    "networking": "Networking",
    "unclassified": "Unclassified",
    "unsupported": "Not supported",
}

SCOPE_LABELS: dict[str, str] = {
    Scope.SCOPE2: "Scope 2: electricity of own or colocated hardware (ESRS E1-5 energy, own operations)",
    Scope.SCOPE3_CLOUD: (
        "Scope 3 category 1: cloud computing and data centre services (energy outside the organisation)"
    ),
}
