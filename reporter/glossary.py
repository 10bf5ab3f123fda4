"""Plain-English meanings of the codes that appear in every report (flags, methods, statuses)."""

from __future__ import annotations

FLAG_MEANINGS = {
    "shifted_fields": (
        "CodeCarbon 3.2.9/3.3.0 wrote the row with fewer fields than its header; energy and "
        "emissions were kept, the fields between country_iso_code and ram_total_size are lost"
    ),
    "pue_assumed_default": (
        "the tracker did not record the PUE it applied; its default PUE was assumed (set "
        "tracker_pue for the input if the runs used another)"
    ),
    "pue_not_recorded": "the CodeCarbon row has an empty pue field; PUE 1.0 was assumed",
    "location_fallback": (
        "the run's location could not be matched to a grid factor; the fallback factor was used"
    ),
    "unknown_country": "the country code the tracker recorded is not recognised",
    "unknown_cloud_region": "the cloud region the tracker recorded is not in the region table",
    "location_from_config": (
        "the tracker recorded no location; the country given for the input in the configuration "
        "was used"
    ),
    "interrupted": (
        "the run was interrupted before it finished; its energy covers only the part that ran"
    ),
}

METHOD_MEANINGS = {
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
