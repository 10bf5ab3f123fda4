"""A stand-in for the EFRAG taxonomies, for validating the inline XBRL offline.

The EFRAG ESRS and VSME taxonomies are not shipped (and cannot be fetched offline). This builds a
taxonomy package whose schema has the official namespace and entry point and declares, for each
element the document uses, the data type the EFRAG element lists give it (../shared/reference-data/
disclosure/*.tsv); axes and members are declared as dimensions and domain members. Arelle then
checks the inline XBRL 1.1 rules, the contexts, the units against the Units Registry for each data
type, and the fact values, against these declarations. What the stand-in cannot check: the real
taxonomy's hypercubes (which axis and member an element may carry), its calculation and formula
rules, and its labels.
"""

from __future__ import annotations

import csv
import zipfile
from pathlib import Path

DTR = "http://www.xbrl.org/dtr/type/2024-01-31"
DTR_URL = "https://www.xbrl.org/dtr/type/2024-01-31/types.xsd"
# The ESRS element list gives short type names; the taxonomy's types are these.
ESRS_TYPES = {
    "energy": "dtr-types:energyItemType",
    "ghgEmissions": "dtr-types:ghgEmissionsItemType",
    "percent": "dtr-types:percentItemType",
    "monetary": "xbrli:monetaryItemType",
    "decimal": "xbrli:decimalItemType",
    "ghgEmissionsPerMonetary": "dtr-types:ghgEmissionsPerMonetaryItemType",
    "energyPerMonetary": "dtr-types:energyPerMonetaryItemType",
    "gYear": "xbrli:gYearItemType",
}


def esrs_types(tsv: Path) -> dict[str, str]:
    with tsv.open(encoding="utf-8") as handle:
        rows = list(csv.reader(handle, delimiter="\t"))[1:]
    return {row[0].split(":")[1]: ESRS_TYPES.get(row[1], "") for row in rows if row and row[0].startswith("esrs:")}


def vsme_types(tsv: Path) -> dict[str, str]:
    with tsv.open(encoding="utf-8") as handle:
        rows = list(csv.reader(handle, delimiter="\t"))[1:]
    return {row[1].split(":")[1]: row[2] for row in rows if row and row[1].startswith("vsme:")}


def schema(namespace: str, prefix: str, elements: dict[str, str], axes: set[str], members: set[str]) -> str:
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<xsd:schema xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xbrli="http://www.xbrl.org/2003/instance" '
        f'xmlns:xbrldt="http://xbrl.org/2005/xbrldt" xmlns:dtr-types="{DTR}" xmlns:{prefix}="{namespace}" '
        f'targetNamespace="{namespace}" elementFormDefault="qualified">',
        '<xsd:import namespace="http://www.xbrl.org/2003/instance" '
        'schemaLocation="http://www.xbrl.org/2003/xbrl-instance-2003-12-31.xsd"/>',
        '<xsd:import namespace="http://xbrl.org/2005/xbrldt" schemaLocation="http://www.xbrl.org/2005/xbrldt-2005.xsd"/>',
        f'<xsd:import namespace="{DTR}" schemaLocation="{DTR_URL}"/>',
    ]
    for name, type_ in sorted(elements.items()):
        lines.append(
            f'<xsd:element name="{name}" id="{prefix}_{name}" type="{type_}" substitutionGroup="xbrli:item" '
            'xbrli:periodType="duration" nillable="true"/>'
        )
    for name in sorted(axes):
        lines.append(
            f'<xsd:element name="{name}" id="{prefix}_{name}" type="xbrli:stringItemType" abstract="true" '
            'substitutionGroup="xbrldt:dimensionItem" xbrli:periodType="duration" nillable="true"/>'
        )
    for name in sorted(members):
        lines.append(
            f'<xsd:element name="{name}" id="{prefix}_{name}" type="dtr-types:domainItemType" abstract="true" '
            'substitutionGroup="xbrli:item" xbrli:periodType="duration" nillable="true"/>'
        )
    lines.append("</xsd:schema>")
    return "\n".join(lines)


def package(path: Path, entry_point: str, schema_text: str) -> Path:
    """A taxonomy package (zip) whose catalog maps the entry point's folder onto the stand-in."""
    folder, _, file_name = entry_point.rpartition("/")
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(
            "stub/META-INF/taxonomyPackage.xml",
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<tp:taxonomyPackage xmlns:tp="http://xbrl.org/2016/taxonomy-package" xml:lang="en">'
            f"<tp:identifier>urn:reporter-test:{file_name}</tp:identifier><tp:name>stand-in</tp:name>"
            "<tp:version>1</tp:version>"
            f"<tp:entryPoints><tp:entryPoint><tp:name>all</tp:name><tp:entryPointDocument href=\"{entry_point}\"/>"
            "</tp:entryPoint></tp:entryPoints></tp:taxonomyPackage>",
        )
        archive.writestr(
            "stub/META-INF/catalog.xml",
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<catalog xmlns="urn:oasis:names:tc:entity:xmlns:xml:catalog">'
            f'<rewriteURI uriStartString="{folder}/" rewritePrefix="../taxonomy/"/></catalog>',
        )
        archive.writestr(f"stub/taxonomy/{file_name}", schema_text)
    return path
