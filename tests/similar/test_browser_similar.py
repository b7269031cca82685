"""The similarity page opened in headless Chromium (as tests/report/test_browser.py opens the reports):
it loads under its own content policy without a console error, the pair view shows both sides with
the matching regions numbered alike, and a screenshot is taken (GRADER_SCREENSHOT_DIR keeps it)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from grader import similar
from grader.similar import page

from .conftest import ASSIGNMENT

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--enable-logging=stderr", "--v=0", "--hide-scrollbars"]


def chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if os.access("/usr/bin/chromium", os.X_OK) else None


def test_pair_view_in_chromium(similar_results: Path, tmp_path: Path) -> None:
    binary = chromium()
    if binary is None:
        reason = "headless Chromium is not installed (apt-get install chromium), so the page was not opened"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; $CI is set, so this is a failure", pytrace=False)
        pytest.skip(reason)
    analysis = similar.analyse(similar_results, "similar-bp", ASSIGNMENT / "starter")
    target = tmp_path / "similar.html"
    page.write(analysis, target)
    shot = Path(os.environ.get("GRADER_SCREENSHOT_DIR") or tmp_path) / "similar-pair.png"
    shot.parent.mkdir(parents=True, exist_ok=True)
    run = subprocess.run([binary, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={shot}", "--dump-dom",
                          "--window-size=1400,2600", target.as_uri()],
                         capture_output=True, text=True, timeout=120,
                         env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path)})
    assert run.returncode == 0, run.stderr[-2000:]
    dom = run.stdout
    assert 'id="pair-1"' in dom and "li-wei ↔ zhang-hao" in dom
    assert dom.count('class="side"') >= 2
    # the first matching region is marked on both sides of the first pair view
    view = dom[dom.index('id="pair-1"'):dom.index('id="pair-2"')]
    assert view.count('<span class="r">1</span>') >= 2
    assert "Content Security Policy" not in run.stderr and "Uncaught" not in run.stderr
    assert shot.is_file() and shot.stat().st_size > 10_000
