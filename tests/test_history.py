"""Monthly close, restatement, history listing and year-to-date from the store; two closes of one
month at once (threads and processes) leave exactly one current version."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from reporter.cli import main
from reporter.closing import close_month
from reporter.history import CURRENT, HistoryError, HistoryStore
from reporter.report import Report
from tests.conftest import SAMPLES, TRACKERS, context_for

PLATFORM = SAMPLES / "synthetic-acme" / "platform"
CODECARBON = TRACKERS / "codecarbon" / "emissions.csv"


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    shutil.copytree(PLATFORM / "dublin-onprem", tmp_path / "data" / "dublin")
    (tmp_path / "report.toml").write_text(
        '[organization]\nname = "Acme AI"\n[period]\nmonth = "2026-10"\n'
        '[[inputs]]\npath = "data"\nteam = "platform"\n'
        "[baseline]\nyear = 2022\nlocation_based_tco2e = 5.0\n"
        '[[targets]]\nname = "SBTi near-term"\nkind = "absolute_reduction"\ntarget_year = 2030\nreduction_pct = 42.0\n'
        '[[credits]]\nyear = 2026\ntco2e = 1.5\ntype = "removal"\nregistry_id = "R-1"\n'
        '[output]\ndir = "out"\nformats = ["json", "xlsx"]\n',
        encoding="utf-8",
    )
    return tmp_path


def cli(folder: Path, *args: str):
    old = Path.cwd()
    os.chdir(folder)
    try:
        return CliRunner().invoke(main, list(args), catch_exceptions=False)
    finally:
        os.chdir(old)


def test_close_is_idempotent_and_refuses_changed_inputs(workspace: Path) -> None:
    first = cli(workspace, "close", "2026-09", "--config", "report.toml")
    assert first.exit_code == 0, first.output
    assert "closed 2026-09 (version 1)" in first.output
    assert (workspace / "reporter.db").exists()
    again = cli(workspace, "close", "2026-09", "--config", "report.toml")
    assert again.exit_code == 0
    assert again.output.strip() == (
        "2026-09 is already closed (version 1) with the same inputs and factors; nothing changed"
    )
    with (workspace / "data" / "dublin" / "emissions.csv").open("a") as handle:
        handle.write(
            "2026-09-15T12:00:00,inference-late,late-run-1,e,3600.0,0.5,0.0001,0,0,0,0,0,0,1.0,0.0,"
            "Ireland,IRL,,,,Linux,3.11,3.3.2,8,cpu,0,,,,64,machine,50,0,10,5,N,1.0,0.0\n"
        )
    refused = cli(workspace, "close", "2026-09", "--config", "report.toml")
    assert refused.exit_code == 2
    assert "2026-09 is already closed (version 1" in refused.stderr
    assert "--restate --reason" in refused.stderr
    no_reason = cli(workspace, "close", "2026-09", "--config", "report.toml", "--restate")
    assert no_reason.exit_code == 2 and "needs --reason" in no_reason.stderr


def test_restatement_keeps_old_version_with_difference_and_reason(workspace: Path) -> None:
    assert cli(workspace, "close", "2026-09", "--config", "report.toml").exit_code == 0
    store = HistoryStore(f"sqlite:///{workspace / 'reporter.db'}")
    old = store.current("2026-09")
    assert old is not None
    config = workspace / "report.toml"
    config.write_text(config.read_text().replace("[factors]\n", "") + "[factors.location_based]\nIRL = 500.0\n")
    restated = cli(workspace, "close", "2026-09", "--config", "report.toml", "--restate", "--reason", "new IE factor")
    assert restated.exit_code == 0, restated.output
    new = store.current("2026-09")
    assert new is not None and new.version == 2 and new.restates_version == 1
    assert [v.status for v in store.versions("2026-09")] == ["superseded", "current"]
    assert new.location_based_tco2e == pytest.approx(old.location_based_tco2e * 500.0 / 279.79, rel=1e-9)
    assert "restated 2026-09: version 2 replaces version 1" in restated.output
    assert "reason: new IE factor" in restated.output
    listing = cli(workspace, "history", "--config", "report.toml")
    lines = listing.output.splitlines()
    assert lines[1].startswith("2026-09    1 superseded") and lines[2].startswith("2026-09    2 current")
    assert lines[2].endswith("new IE factor")
    october = cli(workspace, "report", "--config", "report.toml", "--only", "json")
    assert october.exit_code == 0
    document = json.loads((workspace / "out" / "acme-ai-2026-10.json").read_text())
    restatement = document["history"]["restatements"][0]
    assert restatement["month"] == "2026-09" and restatement["reason"] == "new IE factor"
    assert restatement["difference_tco2e"] == pytest.approx(new.location_based_tco2e - old.location_based_tco2e)
    ytd = {m["month"]: m for m in document["year_to_date"]["months"]}
    assert ytd["2026-09"]["source"] == "closed (version 2)"
    assert ytd["2026-10"]["source"] == "this report"
    assert document["year_to_date"]["location_based_tco2e"] == pytest.approx(
        new.location_based_tco2e + document["totals"]["location_based_tco2e"]
    )


def test_rerunning_a_closed_month_gives_identical_json_and_xlsx(workspace: Path) -> None:
    assert cli(workspace, "close", "2026-08", "--config", "report.toml").exit_code == 0
    assert cli(workspace, "close", "2026-09", "--config", "report.toml").exit_code == 0
    closed = {p.name: p.read_bytes() for p in (workspace / "out").iterdir() if "2026-08" in p.name}
    shutil.rmtree(workspace / "out")
    rerun = cli(workspace, "report", "--config", "report.toml", "--period", "2026-08")
    assert rerun.exit_code == 0
    for name, content in closed.items():
        assert (workspace / "out" / name).read_bytes() == content, name
    store = HistoryStore(f"sqlite:///{workspace / 'reporter.db'}")
    import hashlib

    record = store.current("2026-08")
    assert record is not None
    assert record.files == {n: hashlib.sha256(c).hexdigest() for n, c in closed.items()}


def test_credits_are_never_netted(workspace: Path) -> None:
    with_credits = cli(workspace, "report", "--config", "report.toml", "--only", "json")
    assert with_credits.exit_code == 0
    document = json.loads((workspace / "out" / "acme-ai-2026-10.json").read_text())
    config = workspace / "report.toml"
    config.write_text(config.read_text().split("[[credits]]")[0] + '[output]\ndir = "out2"\nformats = ["json"]\n')
    assert cli(workspace, "report", "--config", "report.toml").exit_code == 0
    without = json.loads((workspace / "out2" / "acme-ai-2026-10.json").read_text())
    assert document["totals"] == without["totals"]
    assert document["credits"][0]["registry_id"] == "R-1" and without["credits"] == []
    target = document["targets"][0]
    assert target["actual_tco2e"] == document["totals"]["location_based_tco2e"]


@pytest.mark.skipif(not os.environ.get("REPORTER_TEST_POSTGRES_URL"), reason="no PostgreSQL server for the tests")
def test_postgresql_store(workspace: Path) -> None:
    url = os.environ["REPORTER_TEST_POSTGRES_URL"]
    from sqlalchemy import create_engine, text

    with create_engine(url).begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS closed_months"))
    assert cli(workspace, "close", "2026-09", "--config", "report.toml", "--db", url).exit_code == 0
    again = cli(workspace, "close", "2026-09", "--config", "report.toml", "--db", url)
    assert "nothing changed" in again.output
    listing = cli(workspace, "history", "--db", url)
    assert listing.output.splitlines()[1].startswith("2026-09    1 current")


def test_a_month_that_has_not_ended_cannot_be_closed(workspace: Path) -> None:
    result = cli(workspace, "close", "2999-01", "--config", "report.toml")
    assert result.exit_code == 2
    assert result.stderr.strip() == "error: 2999-01 has not ended yet (it ends 2999-01-31); close it once it is over"
    assert not (workspace / "reporter.db").exists()


# --- two closes of one month at once ---------------------------------------------------------------


@pytest.fixture(scope="module")
def context() -> Report:
    return context_for([str(CODECARBON)], period="2026-11")


def _race(store_url: str, report: Report, out: Path, monkeypatch: pytest.MonkeyPatch,
          **options: Any) -> list[Any]:
    """Two closes of the same month, both past their check before either stores."""
    barrier = threading.Barrier(2, timeout=30)
    real = HistoryStore.current
    waited: set[str] = set()

    def current(self: HistoryStore, month: str) -> Any:
        found = real(self, month)
        name = threading.current_thread().name
        if name.startswith("close-") and name not in waited:  # each close's check, once
            waited.add(name)
            barrier.wait()
        return found

    monkeypatch.setattr(HistoryStore, "current", current)
    outcomes: list[Any] = [None, None]

    def close(index: int) -> None:
        try:
            outcomes[index] = close_month(report, HistoryStore(store_url), out / str(index), ["json"], **options)
        except HistoryError as exc:
            outcomes[index] = exc

    threads = [threading.Thread(target=close, args=(i,), name=f"close-{i}") for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    monkeypatch.setattr(HistoryStore, "current", real)
    return outcomes


def _store_urls(tmp_path: Path) -> list[str]:
    urls = [f"sqlite:///{(tmp_path / 'h.db').as_posix()}"]
    if os.environ.get("REPORTER_TEST_POSTGRES_URL"):
        urls.append(os.environ["REPORTER_TEST_POSTGRES_URL"])
    return urls


def _fresh(url: str) -> None:
    if url.startswith("postgresql"):
        from sqlalchemy import create_engine, text

        with create_engine(url).begin() as connection:
            connection.execute(text("DROP TABLE IF EXISTS closed_months"))


def test_two_closes_of_one_month_at_once_store_one_current_version(
    context: Report, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for number, url in enumerate(_store_urls(tmp_path)):
        _fresh(url)
        out = tmp_path / f"out{number}"
        outcomes = _race(url, context, out, monkeypatch)
        refused = [o for o in outcomes if isinstance(o, HistoryError)]
        closed = [o for o in outcomes if not isinstance(o, HistoryError)]
        assert len(refused) == 1 and len(closed) == 1, outcomes
        assert "is already closed (version 1)" in str(refused[0]) and "--restate" in str(refused[0])
        versions = HistoryStore(url).versions(context.period.label)
        assert [(v.version, v.status) for v in versions] == [(1, CURRENT)]
        loser = outcomes.index(refused[0])
        assert not (out / str(loser)).exists() or not any((out / str(loser)).iterdir())  # no files in place


def test_two_restatements_at_once_store_one_new_version(
    context: Report, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    changed = dataclasses.replace(context, totals=dataclasses.replace(context.totals, location_based_tco2e=9.0))
    for url in _store_urls(tmp_path):
        _fresh(url)
        close_month(context, HistoryStore(url), tmp_path / "first", ["json"])
        outcomes = _race(url, changed, tmp_path / "out", monkeypatch, restate=True, reason="late bill")
        refused = [o for o in outcomes if isinstance(o, HistoryError)]
        assert len(refused) == 1, outcomes
        assert "changed while this restatement ran" in str(refused[0])
        versions = HistoryStore(url).versions(context.period.label)
        assert [(v.version, v.status) for v in versions] == [(1, "superseded"), (2, CURRENT)]
        assert versions[1].restates_version == 1


def test_two_close_processes_at_once_leave_one_current_version(tmp_path: Path) -> None:
    shutil.copy(CODECARBON, tmp_path / "emissions.csv")
    reporter = Path(sys.executable).parent / "reporter"
    command = [str(reporter), "close", "2026-11", "-q", "--org", "Acme", "--config", "c.toml", "emissions.csv"]
    (tmp_path / "c.toml").write_text('[output]\nformats = ["json"]\n', encoding="utf-8")
    processes = [
        subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    results = [(p.wait(120), *p.communicate()) for p in processes]
    codes = sorted(code for code, _, _ in results)
    assert codes in ([0, 0], [0, 2]), results
    for code, out, err in results:
        if code == 2:  # lost the race: refused in one line
            assert err.startswith("error: 2026-11 is already closed (version 1)") and "--restate" in err
        else:  # closed it, or found it closed with the same figures
            assert out.startswith(("wrote ", "2026-11 is already closed (version 1) with the same inputs")), out
    versions = HistoryStore(f"sqlite:///{(tmp_path / 'reporter.db').as_posix()}").versions("2026-11")
    assert [(v.version, v.status) for v in versions] == [(1, CURRENT)]
