"""`reporter serve` end to end in a real browser: Playwright driving Debian's Chromium.

The server runs as `reporter serve` in a subprocess. The browser uploads the sample configuration
and sample input files, waits for each file's check, presses Generate, waits for the report,
downloads the PDF and reads its text; then closes a month. A screenshot of the page is taken at
each step (in REPORTER_SCREENSHOTS if set, else in the test's temporary folder), and the time
from the upload to the downloaded PDF is printed.

Chromium is installed with apt-get when it is missing (as root); the test is skipped, saying
why, only where that cannot be done.
"""

from __future__ import annotations

import io
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

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
        if not _has_template():  # until the workbook template is built in, the page says so
            page.click("#template")
            expect(page.locator("#template-status")).to_contain_text("workbook template not in this build")

        started = time.monotonic()
        page.set_input_files("#files", [str(p) for p in INPUTS])
        expect(page.locator("#upload-status")).to_have_text(f"{len(INPUTS)} file(s) uploaded and checked",
                                                            timeout=120_000)
        rows = page.locator("#uploads tbody tr")
        expect(rows).to_have_count(len(INPUTS))
        bill = rows.filter(has_text="aws-cur2-2026.parquet")
        expect(bill.locator("td").nth(3)).to_have_text("aws_cur")
        expect(bill.locator("td").nth(5)).to_have_text("2026-01-01 … 2026-11-21")
        codecarbon = rows.filter(has_text="emissions.csv")
        expect(codecarbon.locator("td").nth(4)).to_have_text("7 / 6 / 1")
        page.screenshot(path=shots / "2-files-checked.png", full_page=True)

        page.click("#generate")
        expect(page.locator("#job-result")).to_be_visible(timeout=300_000)
        expect(page.locator("#job-summary")).to_contain_text("Acme AI, 2026-01..2026-12")
        page.screenshot(path=shots / "3-report-ready.png", full_page=True)
        link = page.locator("#downloads a", has_text=".pdf")
        with page.expect_download() as event:
            link.click()
        pdf_path = tmp_path / "report.pdf"
        event.value.save_as(pdf_path)
        seconds = time.monotonic() - started
        print(f"upload to downloaded PDF: {seconds:.1f} s for {len(INPUTS)} files")

        page.fill("#close-month", "2026-11")
        page.click("#close-form button[type=submit]")
        expect(page.locator("#close-status")).to_contain_text("closed 2026-11: version 1", timeout=300_000)
        expect(page.locator("#versions tbody tr")).to_have_count(1)
        page.screenshot(path=shots / "4-month-closed.png", full_page=True)
        browser.close()

    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf_path.read_bytes())).pages)
    assert "Acme AI" in text
    for name in ("emissions.csv", "aws-cur2-2026.parquet", "gcp-billing-export-2026.csv"):
        assert name in text, name


def _has_template() -> bool:
    try:
        from reporter.workbook.template import write_template  # type: ignore[import-not-found]  # noqa: F401
    except ImportError:
        return False
    return True
