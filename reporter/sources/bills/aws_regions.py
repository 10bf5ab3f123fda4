"""AWS regions as legacy bills name them: the region code, the short code that prefixes usage types
("USW2-EBS:VolumeUsage", "EU-BoxUsage:m5.large") and the location name of `product/location`
("US West (Oregon)"). From AWS's published table of Region billing codes; locations written
"EU (…)" in older bills and "Europe (…)" in newer ones are both matched.
"""

from __future__ import annotations

from reporter.sources.bills.sql import literal

REGIONS = (  # (region, usage-type short code, location)
    ("us-east-1", "USE1", "US East (N. Virginia)"),
    ("us-east-2", "USE2", "US East (Ohio)"),
    ("us-west-1", "USW1", "US West (N. California)"),
    ("us-west-2", "USW2", "US West (Oregon)"),
    ("ca-central-1", "CAN1", "Canada (Central)"),
    ("ca-west-1", "CAN2", "Canada West (Calgary)"),
    ("mx-central-1", "MXC1", "Mexico (Central)"),
    ("af-south-1", "AFS1", "Africa (Cape Town)"),
    ("ap-east-1", "APE1", "Asia Pacific (Hong Kong)"),
    ("ap-east-2", "APE2", "Asia Pacific (Taipei)"),
    ("ap-northeast-1", "APN1", "Asia Pacific (Tokyo)"),
    ("ap-northeast-2", "APN2", "Asia Pacific (Seoul)"),
    ("ap-northeast-3", "APN3", "Asia Pacific (Osaka)"),
    ("ap-southeast-1", "APS1", "Asia Pacific (Singapore)"),
    ("ap-southeast-2", "APS2", "Asia Pacific (Sydney)"),
    ("ap-south-1", "APS3", "Asia Pacific (Mumbai)"),
    ("ap-southeast-3", "APS4", "Asia Pacific (Jakarta)"),
    ("ap-south-2", "APS5", "Asia Pacific (Hyderabad)"),
    ("ap-southeast-4", "APS6", "Asia Pacific (Melbourne)"),
    ("ap-southeast-5", "APS7", "Asia Pacific (Malaysia)"),
    ("ap-southeast-6", "APS8", "Asia Pacific (New Zealand)"),
    ("ap-southeast-7", "APS9", "Asia Pacific (Thailand)"),
    ("eu-west-1", "EU", "Europe (Ireland)"),
    ("eu-west-2", "EUW2", "Europe (London)"),
    ("eu-west-3", "EUW3", "Europe (Paris)"),
    ("eu-central-1", "EUC1", "Europe (Frankfurt)"),
    ("eu-central-2", "EUC2", "Europe (Zurich)"),
    ("eu-north-1", "EUN1", "Europe (Stockholm)"),
    ("eu-south-1", "EUS1", "Europe (Milan)"),
    ("eu-south-2", "EUS2", "Europe (Spain)"),
    ("il-central-1", "ILC1", "Israel (Tel Aviv)"),
    ("me-central-1", "MEC1", "Middle East (UAE)"),
    ("me-south-1", "MES1", "Middle East (Bahrain)"),
    ("sa-east-1", "SAE1", "South America (Sao Paulo)"),
    ("cn-north-1", "CNN1", "China (Beijing)"),
    ("cn-northwest-1", "CNW1", "China (Ningxia)"),
    ("us-gov-east-1", "UGE1", "AWS GovCloud (US-East)"),
    ("us-gov-west-1", "UGW1", "AWS GovCloud (US-West)"),
)
EXTRA_LOCATIONS = {"aws govcloud (us)": "us-gov-west-1", "south america (são paulo)": "sa-east-1"}


def _location_key(sql: str) -> str:
    """A location name compared loosely: lower case, 'EU (' as 'Europe ('."""
    return f"regexp_replace(lower(trim({sql})), '^eu \\(', 'europe (')"


def region_from_location(sql: str) -> str:
    """The region code of a `product/location` name; NULL for names not in the table."""
    pairs = {location.lower(): region for region, _, location in REGIONS} | EXTRA_LOCATIONS
    return f"{_lookup(pairs)}[{_location_key(sql)}]"


def region_from_usage_type(sql: str) -> str:
    """The region code of a usage type's short-code prefix ('USW2-EBS:VolumeUsage' -> us-west-2);
    NULL without a known prefix. A usage type without a prefix names no region."""
    prefix = f"regexp_extract({sql}, '^([A-Z]{{2,3}}[0-9]?)-', 1)"
    return f"{_lookup({code: region for region, code, _ in REGIONS})}[{prefix}]"


def _lookup(pairs: dict[str, str]) -> str:
    """A DuckDB map literal: `map[key]` is the value, NULL for a key not in it. (A `CASE key WHEN
    ...` list would evaluate the key's expression once per branch.)"""
    return "MAP {" + ", ".join(f"{literal(key)}: {literal(value)}" for key, value in pairs.items()) + "}"
