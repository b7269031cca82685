"""The service in a real browser: Chromium (Debian's, driven by Playwright) signs a student in,
uploads a file through the page and waits for the report, while an instructor's class page,
open beside it, updates itself with the new result.

Skipped, with the reason, where Playwright or Chromium is missing; a failure under $CI
(.ci/run installs both). Set GRADER_SCREENSHOT_DIR to keep the screenshots.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from .conftest import REPO, Server

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def _chromium() -> str:
    binary = shutil.which("chromium") or ("/usr/bin/chromium" if os.access("/usr/bin/chromium", os.X_OK) else None)
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        binary = None
    if binary is None:
        reason = "Playwright (pip install playwright) or Debian's chromium (apt-get install chromium) is missing"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; $CI is set, so this is a failure", pytrace=False)
        pytest.skip(reason)
    return binary


@pytest.mark.parametrize("server", ["sqlite"], indirect=True)
def test_student_uploads_in_the_browser_and_the_class_page_updates(server: Server, tmp_path: Path) -> None:
    binary = _chromium()
    from playwright.sync_api import expect, sync_playwright

    shots = Path(os.environ.get("GRADER_SCREENSHOT_DIR") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    work = tmp_path / "bp.py"
    work.write_bytes((REPO / "submissions" / "bp-manual" / "correct" / "bp.py").read_bytes())
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=binary, args=CHROMIUM_ARGS)
        try:
            instructor = browser.new_context().new_page()
            _sign_in(instructor, server, "prof")
            instructor.goto(f"{server.url}/class/bp-manual")
            expect(instructor.locator("text=0 graded")).to_be_visible()

            student = browser.new_context().new_page()
            _sign_in(student, server, "s001")
            student.set_input_files("input[type=file]", str(work))
            student.click("button:has-text('Upload')")
            expect(student.locator("#status")).to_have_text("graded", timeout=120_000)
            expect(student.locator("#score")).to_have_text("4 / 4")
            report = student.frame_locator("iframe[title=report]")
            expect(report.locator("text=Forward pass on the given network").first).to_be_visible(timeout=30_000)
            student.screenshot(path=str(shots / "serve-student-report.png"), full_page=True)

            expect(instructor.locator("td", has_text="s001")).to_be_visible(timeout=30_000)   # its page refreshed itself
            expect(instructor.locator("text=1 graded")).to_be_visible()
            instructor.screenshot(path=str(shots / "serve-class.png"), full_page=True)
        finally:
            browser.close()
    assert (shots / "serve-student-report.png").stat().st_size > 10_000


def _sign_in(page: object, server: Server, who: str) -> None:
    page.goto(f"{server.url}/login")                        # type: ignore[attr-defined]
    page.fill("input[name=token]", server.tokens[who])      # type: ignore[attr-defined]
    page.click("button[type=submit]")                      # type: ignore[attr-defined]
    page.wait_for_url(f"{server.url}/")                      # type: ignore[attr-defined]
