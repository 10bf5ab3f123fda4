"""Golden JSON reports: the demo and every real bill sample, each pinned as a whole document.

The JSON carries every aggregate the PDF and the workbook lay out, so pinning it pins what all
three renderers show. Regenerate after an intended change with `REGEN_GOLDEN=1 make test` and
review the diff; the hand-worked figures in the other tests guard the numbers independently.
The lineage file's sha256 and the tool's version are left out (they change with the Parquet
writer and with releases, not with the figures).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from reporter.config import build_config, load_config
from reporter.pipeline import run
from reporter.render import write_outputs
from reporter.report import build_report
from tests.conftest import ROOT, SAMPLES, SHARED_SAMPLES
from tests.test_golden import close

GOLDEN = Path(__file__).resolve().parent / "golden" / "reports"
PUBLIC = ROOT.parent / "shared" / "samples" / "public"
BILLS = {  # case: (file, reporting period covering its usage)
    "aws-legacy-cur": (SHARED_SAMPLES / "aws_cur" / "legacy-cur-anonymized.csv", "2023-11"),
    "azure-ea-cost-details": (SHARED_SAMPLES / "azure" / "ea-cost-details-anonymized.csv", "2023-09"),
    "focus-1.0-sample": (SHARED_SAMPLES / "focus" / "focus-1.0-sample.csv", "2024-09"),
    "public-koku-nise-cur": (PUBLIC / "aws_cur" / "koku-local-1_nise.csv.gz", "2018-06..2018-08"),
    "public-koku-legacy-cur": (PUBLIC / "aws_cur" / "koku_2023-06-01_legacy-cur.csv", "2023-06"),
    "public-koku-cur2": (PUBLIC / "cur2" / "koku_2022-07-01_alt-columns_snake-case.csv", "2022-07"),
    "public-finops-ea-actual": (PUBLIC / "azure" / "finops-toolkit_EA_ActualCost_Small.csv", "2023-09"),
    "public-finops-ea-amortized": (PUBLIC / "azure" / "finops-toolkit_EA_AmortizedCost_Small.csv", "2023-09"),
    "public-koku-azure-v2": (PUBLIC / "azure" / "koku_azure_version_2.csv", "2020-09"),
    "public-focus-ai-per-token": (PUBLIC / "focus" / "focus-spec_ai-billing-per-token.csv", "2025-05"),
    "public-focus-savings-plan": (PUBLIC / "focus" / "focus-spec_aws-savings-plan-partial-upfront-100pct.csv",
                                  "2026-02"),
    "public-focus-cdf": (PUBLIC / "focus" / "focus-spec_cdf-100pct-2-resources.csv", "2023-01"),
    "public-gcp-credits": (PUBLIC / "gcp" / "koku_gcp_202011_credits.csv", "2020-11"),
    "public-gcp-2022-08": (PUBLIC / "gcp" / "koku_gcp_2022-08-01_5.csv", "2022-08"),
    "public-gcp-tmp-example": (PUBLIC / "gcp" / "koku_gcp_tmp_example.csv", "2020-10"),
}


def document(context: Any, folder: Path) -> dict[str, Any]:
    written = write_outputs(context, folder, ["json"])
    data = json.loads(next(p for p in written if p.suffix == ".json").read_text(encoding="utf-8"))
    data["tool"].pop("version", None)
    if isinstance(data.get("lineage"), dict):
        data["lineage"].pop("sha256", None)
    return data


def check(case: str, actual: dict[str, Any]) -> None:
    path = GOLDEN / f"{case}.json"
    if os.environ.get("REGEN_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(actual, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    expected = json.loads(path.read_text(encoding="utf-8"))
    assert close(actual, expected), f"{case} differs from {path.name}; regenerate and review if intended"


@pytest.mark.parametrize("case", sorted(BILLS))
def test_bill_sample_report(case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path, period = BILLS[case]
    if not path.exists():
        pytest.skip(f"{path.name} is not beside the project")
    monkeypatch.chdir(path.parent)
    data = {"organization": {"name": "Golden"}, "period": {"month": period}, "inputs": [{"path": path.name}],
            "base_dir": str(path.parent)}
    config = build_config(data, {}, origin="test")
    check(case, document(build_report(run(config)), tmp_path))


def test_demo_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    check("demo", document(build_report(run(load_config(SAMPLES / "report.toml"))), tmp_path))
