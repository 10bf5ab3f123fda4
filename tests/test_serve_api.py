"""`reporter serve`: the JSON API through an HTTP client (FastAPI's TestClient over httpx).

Uploads of the sample inputs are checked as `reporter validate` checks them, a report is written
and its PDF read back with pypdf; figures are worked out here from the CSV itself. Also: names
that try to leave the workspace, an upload over the size limit (with and without a length),
types told by content, the token, requests from another site, and a failed report after which
the workspace still works.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import random
import socket
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader

from reporter.web.app import TEMPLATE_MISSING, create_app

ROOT = Path(__file__).resolve().parent.parent
CODECARBON = ROOT / "sample_inputs" / "trackers" / "codecarbon" / "emissions.csv"
BILL = ROOT / "sample_inputs" / "synthetic-acme" / "cloud-bills" / "aws-cur2-2026.parquet"
CARBONTRACKER = ROOT / "sample_inputs" / "trackers" / "carbontracker"
LOCAL = "http://127.0.0.1"


def client(workspace: Path, limit_mb: int = 50, token: str | None = None, loopback: bool = True) -> TestClient:
    return TestClient(create_app(workspace, limit_mb << 20, token, loopback), base_url=LOCAL)


@pytest.fixture
def api(tmp_path: Path) -> TestClient:
    return client(tmp_path / "ws")


def upload(api: TestClient, *files: tuple[str, bytes]) -> Any:
    answer = api.post("/api/uploads", files=[("files", (name, data)) for name, data in files])
    return answer


def form(api: TestClient, period: str = "2026-11") -> None:
    answer = api.post("/api/config/form", json={"organization": "Serve Test Org", "period": period})
    assert answer.status_code == 200, answer.text


def wait(api: TestClient, job: dict[str, Any], seconds: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    while job["state"] in ("queued", "running"):
        assert time.monotonic() < deadline, job
        time.sleep(0.2)
        job = api.get(f"/api/jobs/{job['id']}").json()
    return job


def codecarbon_runs() -> tuple[int, float]:
    """Rows in the CodeCarbon file, and its energy: each run's longest (last cumulative) row."""
    with CODECARBON.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    longest: dict[str, dict[str, str]] = {}
    for row in rows:
        if row["run_id"] not in longest or float(row["duration"]) > float(longest[row["run_id"]]["duration"]):
            longest[row["run_id"]] = row
    return len(rows), sum(float(row["energy_consumed"]) for row in longest.values())


def test_upload_validate_report_download(api: TestClient) -> None:
    rows, energy_kwh = codecarbon_runs()
    form(api)
    answer = upload(api, ("trackers/codecarbon/emissions.csv", CODECARBON.read_bytes()))
    assert answer.status_code == 201, answer.text
    [stored] = answer.json()
    assert (stored["name"], stored["kind"], stored["size"]) == (
        "trackers/codecarbon/emissions.csv", "csv", CODECARBON.stat().st_size)
    check = api.post(f"/api/uploads/{stored['id']}/validate").json()["check"]
    assert check["format"] == "codecarbon"
    assert check["rows_read"] == rows
    assert check["rows_used"] + check["rows_excluded"] == rows
    assert check["rows_excluded"] == rows - 6  # the file's two runs flushed 7 rows; one is superseded
    assert check["period"] == {"start": "2026-11-22", "end": "2026-11-22"}  # timestamps in the file
    assert any("superseded" in problem for problem in check["problems"])

    job = wait(api, api.post("/api/report", json={}).json())
    assert job["state"] == "done", job["error"]
    assert job["summary"]["energy_kwh"] == pytest.approx(energy_kwh, rel=1e-9)
    # the datapoint file is the csv
    assert {name.rsplit(".", 1)[-1] for name in job["files"]} == {"pdf", "xlsx", "json", "parquet", "csv"}
    pdf_name = next(name for name in job["files"] if name.endswith(".pdf"))
    pdf = api.get(f"/api/jobs/{job['id']}/files/{pdf_name}")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Serve Test Org" in text and "November 2026" in text
    assert "trackers/codecarbon/emissions.csv" in text
    json_name = next(name for name in job["files"] if name.endswith(".json"))
    document = api.get(f"/api/jobs/{job['id']}/files/{json_name}").json()
    assert json.dumps(document).count("emissions.csv") >= 1
    for name in ("status.json", "..%2Fstatus.json", "%2E%2E%2F%2E%2E%2Fconfig.toml"):
        assert api.get(f"/api/jobs/{job['id']}/files/{name}").status_code == 404


def test_several_files_and_companions(api: TestClient) -> None:
    """A carbontracker trio is read as one run because the files keep their names beside each other."""
    form(api, "2026")
    trio = [(f"ct/{p.name}", p.read_bytes()) for p in sorted(CARBONTRACKER.iterdir()) if p.name.startswith("train-a")]
    answer = upload(api, *trio, ("bill.parquet", BILL.read_bytes()))
    assert answer.status_code == 201
    kinds = {u["name"]: u["kind"] for u in answer.json()}
    assert kinds["bill.parquet"] == "parquet" and all(kinds[name] == "csv" for name, _ in trio)
    checked = {u["name"]: u["check"] for u in api.post("/api/validate").json()}
    assert checked["bill.parquet"]["format"] == "aws_cur"
    output = next(name for name in checked if name.endswith("_output.log"))
    assert checked[output]["format"] == "carbontracker" and checked[output]["rows_read"] == 1


def test_names_cannot_leave_the_workspace(tmp_path: Path) -> None:
    api = client(tmp_path / "ws")
    data = CODECARBON.read_bytes()
    answer = upload(api, ("../../../escaped.csv", data), ("..\\..\\win.csv", data), ("/etc/passwd", data),
                    ("<img src=x onerror=alert(1)>.csv", data))
    assert answer.status_code == 201
    names = sorted(u["name"] for u in answer.json())
    assert names == ["_img_src_x_onerror_alert_1_.csv", "escaped.csv", "etc/passwd", "win.csv"]
    stored = sorted(p.name for p in (tmp_path / "ws" / "uploads").iterdir())
    assert all(len(name.split(".")[0]) == 16 for name in stored)  # the server's names, not the user's
    assert not (tmp_path / "escaped.csv").exists() and not (tmp_path / "win.csv").exists()
    for bad in ("..%2F..%2Fescaped", "%2E%2E", "%2Fetc%2Fpasswd", "0123456789ABCDEF", "0123456789abcdef0"):
        assert api.post(f"/api/uploads/{bad}/validate").status_code == 404
        assert api.delete(f"/api/uploads/{bad}").status_code == 404
        assert api.get(f"/api/jobs/{bad}").status_code == 404


@pytest.mark.parametrize("with_length", [True, False])
def test_upload_over_the_limit(tmp_path: Path, with_length: bool) -> None:
    api = client(tmp_path / "ws", limit_mb=1)
    boundary = "limit-test-boundary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"big.csv\"\r\n\r\n".encode()
            + b"a,b\n" + b"1,2\n" * (400 * 1024) + f"\r\n--{boundary}--\r\n".encode())

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(body), 64 * 1024):
            yield body[start:start + 64 * 1024]

    answer = api.post("/api/uploads", content=body if with_length else chunks(),
                      headers={"content-type": f"multipart/form-data; boundary={boundary}"})
    assert answer.status_code == 413
    assert "1 MB" in answer.json()["detail"]
    assert list((tmp_path / "ws" / "uploads").iterdir()) == []
    assert list((tmp_path / "ws" / "tmp").iterdir()) == []


def test_malformed_and_empty_uploads(tmp_path: Path) -> None:
    api = client(tmp_path / "ws")
    boundary = "b0undary"
    broken = f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"a.csv\"\r\n\r\na,b\n"
    answer = api.post("/api/uploads", content=broken.encode() + b"\r\n--wrong--\r\n",
                      headers={"content-type": f"multipart/form-data; boundary={boundary}"})
    assert answer.status_code == 400 and "closing boundary" in answer.json()["detail"]
    answer = api.post("/api/uploads", content=b"no parts at all",
                      headers={"content-type": f"multipart/form-data; boundary={boundary}"})
    assert answer.status_code == 400 and "multipart" in answer.json()["detail"]
    field_only = f"--{boundary}\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nno file\r\n--{boundary}--\r\n"
    answer = api.post("/api/uploads", content=field_only.encode(),
                      headers={"content-type": f"multipart/form-data; boundary={boundary}"})
    assert answer.status_code == 400 and "no file" in answer.json()["detail"]
    assert api.post("/api/uploads", content=b"a,b\n1,2\n", headers={"content-type": "text/csv"}).status_code == 415
    assert list((tmp_path / "ws" / "uploads").iterdir()) == []
    assert list((tmp_path / "ws" / "tmp").iterdir()) == []


def zipped(names: list[str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, "x")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "data", "status", "kind"),
    [
        ("report.csv", b"%PDF-1.7\n\x00\x01\x02binary", 415, None),
        ("photo.csv", bytes(range(256)) * 4, 415, None),
        ("bill.csv", zipped(["a.csv"]), 415, None),
        ("macro.xlsx", zipped(["xl/workbook.xml", "xl/vbaProject.bin"]), 415, None),
        ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, 415, None),
        ("cut.parquet", b"PAR1" + b"\x00" * 32, 415, None),
        ("empty.csv", b"", 415, None),
        ("book.csv", zipped(["xl/workbook.xml", "[Content_Types].xml"]), 201, "xlsx"),
        ("bill.csv", BILL.read_bytes(), 201, "parquet"),
        ("emissions", gzip.compress(CODECARBON.read_bytes()), 201, "csv.gz"),
    ],
)
def test_types_are_told_by_content(api: TestClient, name: str, data: bytes, status: int, kind: str | None) -> None:
    answer = upload(api, (name, data))
    assert answer.status_code == status, answer.text
    if kind is not None:
        [stored] = answer.json()
        assert stored["kind"] == kind and stored["name"].endswith(kind)


def test_token(tmp_path: Path) -> None:
    api = client(tmp_path / "ws", token="s3cret-token", loopback=False)
    assert api.get("/api/uploads").status_code == 401
    assert api.get("/").status_code == 401
    assert api.get("/openapi.json").status_code == 401
    assert api.get("/api/uploads", headers={"authorization": "Bearer wrong"}).status_code == 401
    assert api.get("/api/uploads", headers={"authorization": "Bearer s3cret-token"}).status_code == 200
    assert api.get("/?token=wrong", follow_redirects=False).status_code == 401
    opened = api.get("/?token=s3cret-token", follow_redirects=False)
    assert opened.status_code == 303 and "httponly" in opened.headers["set-cookie"].lower()
    assert api.get("/").status_code == 200  # the cookie from now on
    assert api.get("/api/uploads").status_code == 200


def test_other_hosts_and_sites_refused(api: TestClient) -> None:
    assert api.get("/api/uploads", headers={"host": "attacker.example"}).status_code == 421
    refused = api.post("/api/report", json={}, headers={"origin": "http://attacker.example"})
    assert refused.status_code == 403
    page = api.get("/")
    assert page.status_code == 200 and "unsafe-inline" not in page.headers["content-security-policy"]
    assert "default-src 'self'" in page.headers["content-security-policy"]


def damaged_gzip() -> bytes:
    """A CodeCarbon file of varied rows, gzip-compressed, its end cut off (the start still reads)."""
    lines = CODECARBON.read_text().splitlines()
    header, row = lines[0], lines[1].split(",")
    rng = random.Random(7)
    body = [header]
    for _ in range(6000):
        row[2] = f"{rng.getrandbits(128):032x}"
        row[4] = f"{rng.uniform(1, 99):.9f}"
        row[13] = f"{rng.uniform(0, 1):.12f}"
        body.append(",".join(row))
    packed = gzip.compress("\n".join(body).encode())
    return packed[: len(packed) * 2 // 3]


def test_failed_report_leaves_the_workspace_usable(api: TestClient, tmp_path: Path) -> None:
    form(api)
    good = upload(api, ("emissions.csv", CODECARBON.read_bytes())).json()[0]
    bad = upload(api, ("broken.csv.gz", damaged_gzip()))
    assert bad.status_code == 201, bad.text
    failed = wait(api, api.post("/api/report", json={}).json())
    assert failed["state"] == "failed" and "broken.csv.gz" in failed["error"]
    out = tmp_path / "ws" / "jobs" / failed["id"] / "out"
    assert not out.exists() or list(out.iterdir()) == []  # nothing half-written
    assert api.delete(f"/api/uploads/{bad.json()[0]['id']}").status_code == 204
    assert [u["id"] for u in api.get("/api/uploads").json()] == [good["id"]]
    done = wait(api, api.post("/api/report", json={}).json())
    assert done["state"] == "done", done["error"]
    assert done["summary"]["energy_kwh"] == pytest.approx(codecarbon_runs()[1], rel=1e-9)


def test_close_and_restate_a_month(api: TestClient) -> None:
    form(api)
    upload(api, ("emissions.csv", CODECARBON.read_bytes()))
    closed = wait(api, api.post("/api/close", json={"month": "2026-11"}).json())
    assert closed["state"] == "done", closed["error"]
    assert closed["summary"]["action"] == "closed"
    [version] = api.get("/api/history").json()
    assert (version["month"], version["version"], version["status"]) == ("2026-11", 1, "current")
    assert version["energy_kwh"] == pytest.approx(codecarbon_runs()[1], rel=1e-9)
    again = wait(api, api.post("/api/close", json={"month": "2026-11"}).json())
    assert again["summary"]["action"] == "unchanged"
    api.post("/api/config/form", json={"organization": "Serve Test Org", "period": "2026-11", "pue": 1.5})
    refused = wait(api, api.post("/api/close", json={"month": "2026-11"}).json())
    assert refused["state"] == "failed" and "--restate" in refused["error"]
    restated = wait(api, api.post("/api/close", json={"month": "2026-11", "restate": True,
                                                      "reason": "facility PUE now applied"}).json())
    assert restated["state"] == "done", restated["error"]
    versions = api.get("/api/history").json()
    assert [(v["version"], v["status"], v["reason"]) for v in versions] == [
        (1, "superseded", None), (2, "current", "facility PUE now applied")]
    assert api.post("/api/close", json={"month": "2026-13"}).status_code == 422


def test_template_download(api: TestClient) -> None:
    answer = api.get("/api/template")
    if answer.status_code == 501:
        assert answer.json()["detail"] == TEMPLATE_MISSING
        pytest.skip("workbook template not in this build")
    assert answer.status_code == 200
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(answer.content))
    assert "Electricity" in book.sheetnames


def test_openapi_lists_the_api(api: TestClient) -> None:
    paths = api.get("/openapi.json").json()["paths"]
    for path in ("/api/uploads", "/api/uploads/{upload_id}/validate", "/api/validate", "/api/report",
                 "/api/jobs/{job_id}", "/api/jobs/{job_id}/files/{name}", "/api/history", "/api/close",
                 "/api/config", "/api/template"):
        assert path in paths, path


def test_progress_reaches_a_listener_without_bars() -> None:
    """The page's jobs hear the same progress the terminal bars show, with bars off."""
    import duckdb

    from reporter import progress

    heard: list[tuple[str, float]] = []
    with progress.listening(lambda label, fraction: heard.append((label, fraction))):
        assert list(progress.steps(["pdf", "xlsx", "json", "lineage"], "writing")) == ["pdf", "xlsx", "json", "lineage"]
        assert heard == [("writing", 0.0), ("writing", 0.25), ("writing", 0.5), ("writing", 0.75), ("writing", 1.0)]
        heard.clear()
        con = duckdb.connect()
        con.execute("SET enable_progress_bar = true")  # as the bill engine's connections do
        con.execute("SET enable_progress_bar_print = false")
        with progress.query(con, "reading big.csv"):
            con.execute("SELECT count(DISTINCT hash(i * 7)) FROM range(30000000) t(i)").fetchall()
    assert not progress.enabled()
    assert heard and all(label == "reading big.csv" and 0.0 <= f <= 1.0 for label, f in heard)
    assert [f for _, f in heard] == sorted(f for _, f in heard)


def test_serve_command_prints_a_token_off_loopback(tmp_path: Path) -> None:
    """`reporter serve --host 0.0.0.0` without REPORTER_TOKEN makes a token, prints it, and requires it."""
    import httpx

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k != "REPORTER_TOKEN"}
    command = [sys.executable, "-m", "reporter", "serve", "--host", "0.0.0.0", "--port", str(port),
               "--workspace", str(tmp_path / "ws")]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(3)]
        token = next(line.split(": ", 1)[1].strip() for line in lines if line.startswith("token (generated): "))
        assert len(token) >= 32 and f"/?token={token}" in lines[2]
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                refused = httpx.get(f"{base}/api/uploads")
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline and process.poll() is None
                time.sleep(0.2)
        assert refused.status_code == 401
        allowed = httpx.get(f"{base}/api/uploads", headers={"authorization": f"Bearer {token}"})
        assert allowed.status_code == 200 and allowed.json() == []
    finally:
        process.terminate()
        process.wait(timeout=20)
