"""Inline XBRL (iXBRL 1.1, XHTML) for the ESRS E1 datapoints, or the VSME B3/C3 datapoints.

The document follows the EFRAG sample ESRS E1 report: official element names from the mapping,
`utr:MWh`, `utr:tCO2e`, `xbrli:pure` and `iso4217:EUR` units (tCO2e/EUR as a divide unit), an
entity identified by its LEI (scheme http://standards.iso.org/iso/17442), duration contexts for the
report period (and the base and target years of target values), explicit dimension members (the
Scope 3 category, baseline and milestone years), and `ix:nonFraction` facts with
`format="ixt4:num-dot-decimal"`, `decimals` and `scale`: percentages are stored as fractions and
shown in percent (scale -2), intensities per EUR are shown per EUR million (scale -6). Only
datapoints with a value are tagged; the others are listed with the reason in the text.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from html import escape
from pathlib import Path

from reporter.errors import RenderError
from reporter.filing.datapoints import DatapointRow, boundary_statement, datapoint_rows, load_mapping
from reporter.report import Report

NAMESPACES = {
    "xbrli": "http://www.xbrl.org/2003/instance",
    "iso4217": "http://www.xbrl.org/2003/iso4217",
    "xbrldi": "http://xbrl.org/2006/xbrldi",
    "link": "http://www.xbrl.org/2003/linkbase",
    "xlink": "http://www.w3.org/1999/xlink",
    "ix": "http://www.xbrl.org/2013/inlineXBRL",
    "ixt4": "http://www.xbrl.org/inlineXBRL/transformation/2020-02-12",
    "utr": "http://www.xbrl.org/2009/utr",
}
MEASURES = {"MWh": ("utr:MWh",), "tCO2e": ("utr:tCO2e",), "pure": ("xbrli:pure",), "EUR": ("iso4217:EUR",),
            "tCO2e/EUR": ("utr:tCO2e", "iso4217:EUR"), "MWh/EUR": ("utr:MWh", "iso4217:EUR")}
SCALES = {"pure": -2, "tCO2e/EUR": -6, "MWh/EUR": -6}  # shown in percent, per EUR million
SHOWN_UNIT = {"pure": "%", "tCO2e/EUR": "tCO2e per EUR million", "MWh/EUR": "MWh per EUR million"}
FRAMEWORKS = {"esrs": ("ESRS E1", "esrs"), "vsme": ("VSME", "vsme")}


@dataclass(frozen=True)
class Context:
    id: str
    start: date
    end: date
    dimensions: tuple[tuple[str, str], ...]


def render_esrs(report: Report, path: Path) -> Path:
    return render_ixbrl(report, path, "esrs")


def render_vsme(report: Report, path: Path) -> Path:
    return render_ixbrl(report, path, "vsme")


def render_ixbrl(report: Report, path: Path, framework: str) -> Path:
    """Write the inline XBRL document of one framework ("esrs" or "vsme") to `path`."""
    lei = report.organization_figures.lei
    if not lei:
        raise RenderError("inline XBRL needs the entity's LEI: give [organization] lei in the configuration")
    path.write_text(document(report, framework, lei), encoding="utf-8")
    return path


def document(report: Report, framework: str, lei: str) -> str:
    name, prefix = FRAMEWORKS[framework]
    meta = load_mapping().meta
    rows = datapoint_rows(report, name)
    tagged = [row for row in rows if row.xbrl]
    contexts = _contexts(tagged)
    units = sorted({row.unit for row in tagged if row.unit in MEASURES})
    namespaces = {**NAMESPACES, prefix: meta[f"{prefix}_namespace"]}
    xmlns = " ".join(f'xmlns:{key}="{value}"' for key, value in namespaces.items())
    title = f"{name} datapoints: {report.organization.name}, {report.period.start} to {report.period.end}"
    header = "\n".join(
        [
            '<div style="display:none"><ix:header><ix:references>',
            f'<link:schemaRef xlink:type="simple" xlink:href="{meta[f"{prefix}_entry_point"]}"/>',
            "</ix:references><ix:resources>",
            *(_context_xml(context, meta["lei_scheme"], lei) for context in contexts.values()),
            *(_unit_xml(unit) for unit in units),
            "</ix:resources></ix:header></div>",
        ]
    )
    body = "\n".join(_table(rows, contexts))
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<html xmlns="http://www.w3.org/1999/xhtml" {xmlns} xml:lang="en">\n'
        f"<head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=UTF-8\"/><title>{escape(title)}</title>"
        "</head>\n<body>\n"
        f"{header}\n<h1>{escape(title)}</h1>\n<p>{escape(boundary_statement(report))}</p>\n{body}\n"
        f"<p>Entity: {escape(report.organization.name)}, LEI {escape(lei)}. Written by {escape(report.tool.name)} "
        f"{escape(report.tool.version)}.</p>\n</body>\n</html>\n"
    )


def _contexts(rows: list[DatapointRow]) -> dict[tuple[date, date, tuple[tuple[str, str], ...]], Context]:
    contexts: dict[tuple[date, date, tuple[tuple[str, str], ...]], Context] = {}
    for row in rows:
        key = _context_key(row)
        if key not in contexts:
            contexts[key] = Context(f"c-{len(contexts) + 1}", *key)
    return contexts


def _context_key(row: DatapointRow) -> tuple[date, date, tuple[tuple[str, str], ...]]:
    assert row.period_start and row.period_end
    return row.period_start, row.period_end, tuple(sorted(row.dimensions.items()))


def _context_xml(context: Context, scheme: str, lei: str) -> str:
    scenario = ""
    if context.dimensions:
        members = "".join(
            f'<xbrldi:explicitMember dimension="{axis}">{member}</xbrldi:explicitMember>'
            for axis, member in context.dimensions
        )
        scenario = f"<xbrli:scenario>{members}</xbrli:scenario>"
    return (
        f'<xbrli:context id="{context.id}"><xbrli:entity><xbrli:identifier scheme="{scheme}">{escape(lei)}'
        f"</xbrli:identifier></xbrli:entity><xbrli:period><xbrli:startDate>{context.start.isoformat()}"
        f"</xbrli:startDate><xbrli:endDate>{context.end.isoformat()}</xbrli:endDate></xbrli:period>"
        f"{scenario}</xbrli:context>"
    )


def unit_id(unit: str) -> str:
    return "u-" + unit.replace("/", "-per-")


def _unit_xml(unit: str) -> str:
    measures = MEASURES[unit]
    if len(measures) == 1:
        inner = f"<xbrli:measure>{measures[0]}</xbrli:measure>"
    else:
        inner = (
            f"<xbrli:divide><xbrli:unitNumerator><xbrli:measure>{measures[0]}</xbrli:measure></xbrli:unitNumerator>"
            f"<xbrli:unitDenominator><xbrli:measure>{measures[1]}</xbrli:measure></xbrli:unitDenominator>"
            "</xbrli:divide>"
        )
    return f'<xbrli:unit id="{unit_id(unit)}">{inner}</xbrli:unit>'


def _table(rows: tuple[DatapointRow, ...], contexts: dict) -> Iterator[str]:
    yield "<table><thead><tr><th>Datapoint</th><th>Paragraph</th><th>Label</th><th>Value</th><th>Unit</th>" \
          "<th>Period</th><th>Note</th></tr></thead><tbody>"
    for number, row in enumerate(rows, start=1):
        if row.xbrl:
            context = contexts[_context_key(row)]
            value = _fact(row, context.id, f"f-{number}")
            period = f"{row.period_start} to {row.period_end}"
        else:
            value, period = escape(f"not reported: {row.note}" if row.note else "not reported"), ""
        cells = (row.id, row.paragraph, row.label, None, SHOWN_UNIT.get(row.unit, row.unit), period,
                 row.note if row.xbrl else "")
        shown = [value if cell is None else escape(str(cell)) for cell in cells]
        yield "<tr>" + "".join(f"<td>{cell}</td>" for cell in shown) + "</tr>"
    yield "</tbody></table>"


def _fact(row: DatapointRow, context: str, fact_id: str) -> str:
    if row.unit == "year":
        return (
            f'<ix:nonNumeric name="{row.element}" id="{fact_id}" contextRef="{context}">'
            f"{int(row.value or 0)}</ix:nonNumeric>"
        )
    decimals = row.decimals if row.decimals is not None else 6
    scale = SCALES.get(row.unit, 0)
    shown = f"{float(row.value or 0) * 10 ** -scale:.{max(decimals + scale, 0)}f}"
    return (
        f'<ix:nonFraction name="{row.element}" id="{fact_id}" format="ixt4:num-dot-decimal" contextRef="{context}" '
        f'unitRef="{unit_id(row.unit)}" decimals="{decimals}" scale="{scale}">{shown}</ix:nonFraction>'
    )
