"""Inline XBRL: the ESRS E1 and VSME documents validated with Arelle, offline.

Arelle checks well-formedness, the inline XBRL 1.1 rules, contexts and units (against the Units
Registry for each element's data type), against a stand-in for the EFRAG taxonomies built from the
official element lists (tests/filing/taxonomy_stub.py says what that cannot check). Every fact
Arelle reads back must equal the report JSON's figure at the fact's stated precision.
"""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from tests.filing.taxonomy_stub import esrs_types, package, schema, vsme_types
from tests.test_filing import CAT1_OTHER, CAT6, DISCLOSURE, LEI, REVENUE, SCOPE1
from tests.test_filing import report as report  # noqa: F401 (fixtures)
from tests.test_filing import written as written  # noqa: F401

pytest.importorskip("arelle")
ESRS_LIST = DISCLOSURE / "esrs_e1_xbrl_elements.tsv"
VSME_LIST = DISCLOSURE / "vsme_b3_c3_xbrl_elements.tsv"
if not (ESRS_LIST.exists() and VSME_LIST.exists()):
    pytest.skip("the EFRAG element lists are not in ../shared/reference-data/disclosure", allow_module_level=True)


def stand_in(document: Path, prefix: str, folder: Path) -> Path:
    text = document.read_text(encoding="utf-8")
    namespace = re.search(f'xmlns:{prefix}="([^"]+)"', text)
    entry = re.search(r'<link:schemaRef[^>]*xlink:href="([^"]+)"', text)
    assert namespace and entry
    names = set(re.findall(f'name="{prefix}:(\\w+)"', text))
    types = esrs_types(ESRS_LIST) if prefix == "esrs" else vsme_types(VSME_LIST)
    assert names <= set(types), names - set(types)  # every element is in the official list
    axes = set(re.findall(f'dimension="{prefix}:(\\w+)"', text))
    members = set(re.findall(f">{prefix}:(\\w+)</xbrldi:explicitMember>", text))
    declared = schema(namespace.group(1), prefix, {name: types[name] for name in names}, axes, members)
    return package(folder / f"{prefix}-stand-in.zip", entry.group(1), declared)


def arelle(document: Path, taxonomy: Path, folder: Path) -> tuple[list[str], list[dict[str, str]]]:
    """Arelle's messages (other than information) and the facts it read."""
    log, facts = folder / "arelle.log", folder / "facts.csv"
    command = [
        sys.executable, "-m", "arelle.CntlrCmdLine", "--file", str(document), "--packages", str(taxonomy),
        "--validate", "--utr", "--internetConnectivity", "offline", "--logFile", str(log),
        "--facts", str(facts), "--factListCols", "Name,Value,contextRef,unitRef,Dec,Period,Dimensions",
    ]
    subprocess.run(command, check=True, capture_output=True, timeout=300, cwd=folder)
    messages = [line for line in log.read_text(encoding="utf-8").splitlines() if not line.startswith("[info]")]
    with facts.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    header = rows[0][:7]
    return messages, [dict(zip(header, row[:7], strict=True)) | {"dims": ",".join(row[7:])} for row in rows[1:]]


def _json(written: dict[str, Path]) -> dict[str, Any]:  # noqa: F811
    return json.loads(written["json"].read_text(encoding="utf-8"))


def test_esrs_document_validates_and_every_fact_equals_the_json(
    written: dict[str, Path], tmp_path: Path  # noqa: F811
) -> None:
    document = written["esrs-e1.xhtml"]
    messages, facts = arelle(document, stand_in(document, "esrs", tmp_path), tmp_path)
    assert messages == []
    doc = _json(written)
    scopes = {row["scope"]: row for row in doc["by_scope"]}
    months_lb = sum(month["location_based_tco2e"] for month in doc["by_month"])
    months_mb = sum(month["market_based_tco2e"] for month in doc["by_month"])
    cloud = scopes["scope3_cat1"]["location_based_tco2e"]
    total_lb = SCOPE1 + months_lb + CAT1_OTHER + CAT6
    cat = "esrs:Scope3GHGEmissionsCategoryGHGProtocolAxis,"
    milestone = "esrs:CurrentlyStatedBaselineMilestonesOrTargetYearsAxis,"
    expected = {
        ("esrs:EnergyConsumptionRelatedToOwnOperations", ""): doc["totals"]["own_operations_energy_kwh"] / 1000,
        ("esrs:GrossScope1GreenhouseGasEmissions", ""): SCOPE1,
        ("esrs:GrossLocationBasedScope2GreenhouseGasEmissions", ""): scopes["scope2"]["location_based_tco2e"],
        ("esrs:GrossMarketBasedScope2GreenhouseGasEmissions", ""): doc["totals"]["market_based_tco2e"],
        ("esrs:GrossScope3GreenhouseGasEmissions", ""): cloud + CAT1_OTHER + CAT6,
        ("esrs:GrossScope3GreenhouseGasEmissions", cat + "esrs:Category1PurchasedGoodsAndServicesMember"):
            cloud + CAT1_OTHER,
        ("esrs:GrossScope3GreenhouseGasEmissions", cat + "esrs:Category11CloudComputingAndDataCentreServicesMember"):
            cloud,
        ("esrs:LocationBasedGreenhouseGasEmissions", ""): total_lb,
        ("esrs:MarketBasedGreenhouseGasEmissions", ""): SCOPE1 + months_mb + CAT1_OTHER + CAT6,
        ("esrs:PercentageOfContractualInstrumentsScope2GHGEmissions", ""): doc["totals"]["instrument_coverage_share"],
        ("esrs:GHGEmissionsIntensityLocationbasedTotalGHGEmissionsPerNetRevenue", ""): total_lb / REVENUE,
        ("esrs:NetRevenueUsedToCalculateGHGIntensity", ""): REVENUE,
        ("esrs:LocationBasedGreenhouseGasEmissions", milestone + "esrs:BaselineYearMember"): 45.0,
        ("esrs:LocationBasedGreenhouseGasEmissions", milestone + "esrs:Milestone2030YearMember"): 45.0 * 0.58,
        ("esrs:AmountOfCarbonCreditsOutsideValueChainThatAreVerifiedAgainstRecognisedQualityStandardsAndCancelled",
         ""): 25.0,
    }
    read = {(fact["Name"], fact["dims"]): fact for fact in facts}
    for key, value in expected.items():
        fact = read[key]
        decimals = int(fact["Dec"])
        assert abs(float(fact["Value"]) - value) <= 0.5 * 10**-decimals, key
    baseline = read[("esrs:LocationBasedGreenhouseGasEmissions", milestone + "esrs:BaselineYearMember")]
    assert (baseline["Start"], baseline["End/Instant"]) == ("2023-01-01", "2023-12-31")
    assert (read[("esrs:GrossScope1GreenhouseGasEmissions", "")]["Start"], read[(
        "esrs:GrossScope1GreenhouseGasEmissions", "")]["End/Instant"]) == ("2026-01-01", "2026-12-31")
    units = {fact["Name"]: fact["unitRef"] for fact in facts}
    assert units["esrs:EnergyConsumptionRelatedToOwnOperations"] == "u-MWh"
    assert units["esrs:GrossScope1GreenhouseGasEmissions"] == "u-tCO2e"
    assert units["esrs:PercentageOfContractualInstrumentsScope2GHGEmissions"] == "u-pure"


def test_esrs_document_structure_follows_the_efrag_sample(written: dict[str, Path]) -> None:  # noqa: F811
    tree = etree.parse(str(written["esrs-e1.xhtml"]))
    ns = {"xbrli": "http://www.xbrl.org/2003/instance", "ix": "http://www.xbrl.org/2013/inlineXBRL",
          "link": "http://www.xbrl.org/2003/linkbase", "xlink": "http://www.w3.org/1999/xlink"}
    identifiers = tree.findall(".//xbrli:identifier", ns)
    assert identifiers and {(i.get("scheme"), i.text) for i in identifiers} == {
        ("http://standards.iso.org/iso/17442", LEI)}
    assert tree.find(".//link:schemaRef", ns).get("{http://www.w3.org/1999/xlink}href") == (
        "https://xbrl.efrag.org/taxonomy/esrs/2023-12-22/esrs_all.xsd")
    measures = {m.text for m in tree.findall(".//xbrli:unit//xbrli:measure", ns)}
    assert {"utr:MWh", "utr:tCO2e", "xbrli:pure", "iso4217:EUR"} <= measures
    assert tree.findall(".//xbrli:instant", ns) == []  # duration contexts only
    for fact in tree.findall(".//ix:nonFraction", ns):
        assert fact.get("format") == "ixt4:num-dot-decimal" and fact.get("decimals") is not None


def test_vsme_document_validates_and_every_fact_equals_the_json(
    written: dict[str, Path], tmp_path: Path  # noqa: F811
) -> None:
    document = written["vsme.xhtml"]
    messages, facts = arelle(document, stand_in(document, "vsme", tmp_path), tmp_path)
    assert messages == []
    doc = _json(written)
    scopes = {row["scope"]: row for row in doc["by_scope"]}
    s2_lb = scopes["scope2"]["location_based_tco2e"]
    stated = "vsme:ReportingScopesAxis,vsme:CurrentlyStatedMember"
    expected = {
        ("vsme:TotalEnergyConsumption", ""): doc["totals"]["own_operations_energy_kwh"] / 1000,
        ("vsme:GrossScope1GreenhouseGasEmissions", stated): SCOPE1,
        ("vsme:GrossLocationBasedScope2GreenhouseGasEmissions", stated): s2_lb,
        ("vsme:TotalGrossLocationBasedScope1AndScope2GHGEmissions", stated): SCOPE1 + s2_lb,
        ("vsme:Scope1AndScope2GreenhouseGasEmissionsIntensityValueLocationBased", ""): (SCOPE1 + s2_lb) / REVENUE,
        ("vsme:TotalGrossLocationBasedGHGEmissions", "vsme:ReportingScopesAxis,vsme:BaselineYearMember"): 45.0,
        ("vsme:GreenhouseGasEmissionReductionTargetBaseYear", ""): 2023,
        ("vsme:GreenhouseGasEmissionReductionTargetYear", ""): 2030,
    }
    read = {(fact["Name"], fact["dims"]): fact for fact in facts}
    for key, value in expected.items():
        fact = read[key]
        tolerance = 0.5 * 10 ** -int(fact["Dec"]) if fact["Dec"] else 0
        assert abs(float(fact["Value"]) - value) <= tolerance, key


def test_arelle_reports_a_unit_that_does_not_fit_the_element(
    written: dict[str, Path], tmp_path: Path  # noqa: F811
) -> None:
    """The validation can fail: energy tagged in tCO2e breaks the Units Registry rule for energy."""
    text = written["esrs-e1.xhtml"].read_text(encoding="utf-8")
    broken = re.sub(r'(name="esrs:EnergyConsumptionRelatedToOwnOperations"[^>]*unitRef=")u-MWh', r"\1u-tCO2e", text)
    assert broken != text
    document = tmp_path / "broken.xhtml"
    document.write_text(broken, encoding="utf-8")
    messages, _ = arelle(document, stand_in(document, "esrs", tmp_path), tmp_path)
    assert any("utre:" in message for message in messages), messages
