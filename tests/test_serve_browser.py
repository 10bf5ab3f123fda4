"""`reporter serve` end to end in a real browser: Playwright driving Debian's Chromium.

The server runs as `reporter serve` in a subprocess. The browser uploads the sample configuration,
downloads the manual-entry workbook template with the page's button, and uploads the sample input
files together with that template filled in with openpyxl (one Electricity row); it waits for
each file's check, presses Generate, waits for the report, downloads the PDF and the JSON and
reads them; then closes a month. The same inputs without the workbook are reported through the
API, so the workbook's share of the totals is seen against a figure worked out by hand. A
screenshot of the page is taken at each step (in REPORTER_SCREENSHOTS if set, else in the test's
temporary folder), and the time from the upload to the downloaded PDF is printed.

Chromium is installed with apt-get when it is missing (as root); the test is skipped, saying
why, only where that cannot be done.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from pypdf import PdfReader

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_inputs"
CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
INPUTS = [
    SAMPLES / "trackers" / "codecarbon" / "emissions.csv",
    SAMPLES / "trackers" / "eco2ai" / "emission.csv",
    *sorted((SAMPLES / "trackers" / "carbontracker").iterdir()),
    SAMPLES / "synthetic-acme" / "cloud-bills" / "aws-cur2-2026.parquet",
    SAMPLES / "synthetic-acme" / "cloud-bills" / "gcp-billing-export-2026.csv",
]
WORKBOOK = "meter-readings.xlsx"
# One Electricity row of the filled template: a meter of IT equipment only in November 2026 (inside
# the configuration's period 2026-01-01..2026-12-31), with the facility's PUE.
METER = {"Site": "Frankfurt GPU room", "Country or grid region": "DE", "Month": "2026-11", "kWh": 2400,
         "Meter id": "M-7", "Own or colocated": "own", "PUE (IT-only meter)": 1.25,
         "Source document": "utility invoice 2026-11 no. 88"}
# Worked out by hand: an IT-only meter's energy is its kWh × its PUE (reporter.workbook.reader), so
# 2400 kWh × 1.25 = 3000 kWh, all Scope 2 own-operations energy and none of it cloud energy.
METERED_KWH = 3000.0


def chromium() -> Path:
    """Debian's Chromium, installed with apt-get if missing; skips the test only if it cannot be had."""
    if CHROMIUM.exists():
        return CHROMIUM
    if shutil.which("apt-get") is None or os.geteuid() != 0:
        pytest.skip("Chromium cannot be installed here (no apt-get, or not root): install the 'chromium' package")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "chromium"]):
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900)
        if done.returncode != 0:
            pytest.skip(f"Chromium cannot be installed with apt-get: {done.stderr.strip()[-300:]}")
    return CHROMIUM


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    port = free_port()
    command = [sys.executable, "-m", "reporter", "serve", "--port", str(port), "--workspace", str(tmp_path / "ws")]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert process.poll() is None, process.stdout.read() if process.stdout else ""
                assert time.monotonic() < deadline, "the server did not start in 60 s"
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_upload_generate_download_in_a_browser(server: str, tmp_path: Path) -> None:
    browser_path = chromium()
    from playwright.sync_api import expect, sync_playwright

    shots = Path(os.environ.get("REPORTER_SCREENSHOTS") or tmp_path / "screenshots")
    shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(browser_path), args=ARGS)
        page = browser.new_page(accept_downloads=True, viewport={"width": 1280, "height": 900})
        page.goto(server)
        expect(page.locator("#config-current")).to_have_text("No configuration yet.")
        page.screenshot(path=shots / "1-empty.png", full_page=True)

        hostile = '<img src=x onerror="window.pwned=1">Org & Co'  # shown as text, never as markup
        page.fill("#form-organization", hostile)
        page.fill("#form-period", "2026-11")
        page.click("#config-form button[type=submit]")
        expect(page.locator("#config-current")).to_contain_text(f"Configuration: {hostile}, period 2026-11-01..")
        assert page.locator("#config-current img").count() == 0
        assert page.evaluate("window.pwned") is None

        page.set_input_files("#config-file", str(SAMPLES / "report.toml"))
        page.click("#config-upload button[type=submit]")
        expect(page.locator("#config-current")).to_contain_text("Acme AI, period 2026-01-01..2026-12-31")
        with page.expect_download() as event:
            page.click("#template")
        assert event.value.suggested_filename == "reporter-template.xlsx"
        template = tmp_path / "reporter-template.xlsx"
        event.value.save_as(template)
        workbook = fill_template(template, tmp_path / WORKBOOK)
        expect(page.locator("#template-status")).to_have_text("")

        files = [*INPUTS, workbook]
        started = time.monotonic()
        page.set_input_files("#files", [str(p) for p in files])
        expect(page.locator("#upload-status")).to_have_text(f"{len(files)} file(s) uploaded and checked",
                                                            timeout=120_000)
        rows = page.locator("#uploads tbody tr")
        expect(rows).to_have_count(len(files))
        meters = rows.filter(has_text=WORKBOOK)
        expect(meters.locator("td").nth(1)).to_have_text("xlsx")
        expect(meters.locator("td").nth(3)).to_have_text("workbook")
        # The filled row, and the Compute usage example row left as it is (excluded, not usage).
        expect(meters.locator("td").nth(4)).to_have_text("2 / 1 / 1")
        # The period shown ends on the last day covered: the month's row ends at midnight on 1 December,
        # so its last day is 30 November.
        expect(meters.locator("td").nth(5)).to_have_text("2026-11-01 … 2026-11-30")
        expect(meters.locator("td").nth(6)).to_contain_text("rows filled per sheet: Electricity 1")
        meters.scroll_into_view_if_needed()
        page.screenshot(path=shots / "2b-workbook-checked.png", full_page=False)
        bill = rows.filter(has_text="aws-cur2-2026.parquet")
        expect(bill.locator("td").nth(3)).to_have_text("aws_cur")
        # Its last lines end at midnight on 21 November: the last day covered is the 20th.
        expect(bill.locator("td").nth(5)).to_have_text("2026-01-01 … 2026-11-20")
        codecarbon = rows.filter(has_text="emissions.csv")
        expect(codecarbon.locator("td").nth(4)).to_have_text("7 / 6 / 1")
        page.screenshot(path=shots / "2-files-checked.png", full_page=True)

        page.click("#generate")
        expect(page.locator("#job-result")).to_be_visible(timeout=300_000)
        expect(page.locator("#job-summary")).to_contain_text("Acme AI, 2026-01..2026-12")
        page.screenshot(path=shots / "3-report-ready.png", full_page=True)
        with page.expect_download() as event:
            page.locator("#downloads a", has_text=".pdf").click()
        pdf_path = tmp_path / "report.pdf"
        event.value.save_as(pdf_path)
        seconds = time.monotonic() - started
        print(f"upload to downloaded PDF: {seconds:.1f} s for {len(files)} files")
        with page.expect_download() as event:
            page.locator("#downloads a", has_text=".json").click()
        totals = json.loads(Path(event.value.path()).read_text(encoding="utf-8"))["totals"]
        without = totals_without(page, server, WORKBOOK)
        summary = f"Acme AI, 2026-01..2026-12: {(without['energy_kwh'] + METERED_KWH) / 1000:,.3f} MWh"
        expect(page.locator("#job-summary")).to_contain_text(summary)

        page.fill("#close-month", "2026-11")
        page.click("#close-form button[type=submit]")
        expect(page.locator("#close-status")).to_contain_text("closed 2026-11: version 1", timeout=300_000)
        expect(page.locator("#versions tbody tr")).to_have_count(1)
        page.screenshot(path=shots / "4-month-closed.png", full_page=True)
        browser.close()

    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf_path.read_bytes())).pages)
    assert "Acme AI" in text
    for name in ("emissions.csv", "aws-cur2-2026.parquet", "gcp-billing-export-2026.csv", WORKBOOK):
        assert name in text, name
    # The PDF's "By input format" table: the workbook's 3000 kWh as 3.00 MWh.
    assert re.search(r"\bworkbook 3\.00 ", text), "no 'workbook 3.00' row in the PDF"
    # The metered energy is added to the total and to own operations (Scope 2), and to nothing else.
    for key in ("energy_kwh", "energy_kwh_low", "energy_kwh_high", "own_operations_energy_kwh"):
        assert totals[key] - without[key] == pytest.approx(METERED_KWH, abs=1e-6), key
    assert totals["cloud_energy_kwh"] == pytest.approx(without["cloud_energy_kwh"], abs=1e-6)
    assert totals["line_items"] == without["line_items"] + 1


def fill_template(template: Path, target: Path) -> Path:
    """The downloaded template with its Electricity example row replaced by METER, saved as `target`."""
    book = openpyxl.load_workbook(template)
    assert "Instructions" in book.sheetnames and "Electricity" in book.sheetnames, book.sheetnames
    sheet = book["Electricity"]
    header = {cell.value: cell.column for cell in sheet[1] if cell.value is not None}
    assert set(METER) <= set(header), sorted(header)
    for column in header.values():
        sheet.cell(row=2, column=column).value = None
    for name, value in METER.items():
        sheet.cell(row=2, column=header[name]).value = value
    book.save(target)
    return target


def totals_without(page: Any, server: str, left_out: str) -> dict[str, Any]:
    """The JSON totals of a report on every upload but `left_out`, through the API."""
    uploads = page.request.get(f"{server}/api/uploads").json()
    ids = [u["id"] for u in uploads if u["name"] != left_out]
    assert len(ids) == len(uploads) - 1
    job = page.request.post(f"{server}/api/report", data={"uploads": ids, "formats": ["json"]}).json()
    deadline = time.monotonic() + 300
    while job["state"] in ("queued", "running"):
        assert time.monotonic() < deadline, "the report without the workbook took over 300 s"
        time.sleep(0.5)
        job = page.request.get(f"{server}/api/jobs/{job['id']}").json()
    assert job["state"] == "done", job.get("error")
    [name] = [n for n in job["files"] if n.endswith(".json")]
    document = page.request.get(f"{server}/api/jobs/{job['id']}/files/{name}").json()
    return dict(document["totals"])
