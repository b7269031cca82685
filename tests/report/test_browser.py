"""Reports opened in a real browser (headless Chromium from disk): they load, run only the
grader's own script, log nothing to the console, and look like a report (screenshots).

Skipped, with the reason, where Chromium is not installed (``apt-get install chromium``).
Set GRADER_SCREENSHOT_DIR to keep the screenshots.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from grader import report

from .html_tree import parse
from .samples import XSS_SCRIPT, as_result, full_result, hostile_result

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--enable-logging=stderr", "--v=0", "--hide-scrollbars"]
WIDTH, HEIGHT = 1200, 1600


def chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if os.access("/usr/bin/chromium", os.X_OK) else None


@pytest.fixture(scope="module")
def browser_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[subprocess.CompletedProcess[str], Path]]:
    binary = chromium()
    if binary is None:
        reason = "headless Chromium is not installed (apt-get install chromium), so no report was opened in a browser"
        if os.environ.get("CI"):   # .ci/run installs it: missing there is a failure, not a skip
            pytest.fail(f"{reason}; $CI is set, so this is a failure", pytrace=False)
        pytest.skip(reason)
    root = tmp_path_factory.mktemp("pages")
    pages = {"report": as_result(full_result("alice")), "hostile": as_result(hostile_result("mallory"))}
    for data in pages.values():
        (root / data.submission).mkdir()
        (root / data.submission / "report.html").write_text(report.render_result(data), encoding="utf-8")
    (root / "index.html").write_text(report.render_index(list(pages.values()), "mlp-scratch"), encoding="utf-8")
    # One browser run per page: a screenshot and the DOM as the browser built it (--dump-dom).
    jobs = {"report": root / "alice" / "report.html", "hostile": root / "mallory" / "report.html",
            "index": root / "index.html"}
    done = {}
    for name, page in jobs.items():   # one after another: Chromium is multi-process already
        out = root / f"{name}.png"
        command = [binary, *CHROMIUM_FLAGS, f"--user-data-dir={root / f'profile-{name}'}", f"--screenshot={out}",
                   "--dump-dom", f"--window-size={WIDTH},{HEIGHT}", page.as_uri()]
        try:
            run = subprocess.run(command, capture_output=True, text=True, timeout=90,
                                 env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(root)})
        except subprocess.TimeoutExpired as exc:
            pytest.fail(f"Chromium did not finish rendering {page.name} within 90 s: {exc.stderr!r:.500}")
        done[name] = (run, out)
    keep = os.environ.get("GRADER_SCREENSHOT_DIR")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        for _, out in done.values():
            if out.is_file():
                shutil.copy(out, Path(keep) / out.name)
    return done


def console_lines(run: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in run.stderr.splitlines() if ":CONSOLE" in line or "Uncaught" in line]


@pytest.mark.parametrize("name", ["report", "hostile", "index"])
def test_page_loads_without_console_errors_and_draws_a_screenshot(browser_runs, name: str) -> None:
    run, png = browser_runs[name]
    assert run.returncode == 0, run.stderr[-2000:]
    assert console_lines(run) == []          # no script error, no CSP violation, no blocked fetch
    from PIL import Image

    with Image.open(png) as image:
        assert image.size == (WIDTH, HEIGHT)
        rgb = image.convert("RGB")
        colours = rgb.getcolors(maxcolors=1 << 20) or []
        assert len(colours) > 50, "the page rendered (almost) blank"
        # Something was drawn in the header area (title and score), not just background.
        header = rgb.crop((0, 0, WIDTH, 160)).getcolors(maxcolors=1 << 16) or []
        assert len(header) > 10


def test_the_index_script_runs_under_the_pages_csp(browser_runs) -> None:
    run, _ = browser_runs["index"]
    assert run.returncode == 0 and console_lines(run) == []
    dom = parse(run.stdout)
    table = dom.find("table", id="submissions")
    assert "sortable-ready" in table.attrs["class"]
    sorts = [th.attrs.get("aria-sort") for th in table.find("thead").find_all("th")]
    assert sorts == ["ascending", "none", "none", "none", "none", None]
    assert all("disabled" not in b.attrs for b in table.find("thead").find_all("button"))


def test_the_browser_finds_no_element_from_hostile_strings(browser_runs) -> None:
    run, _ = browser_runs["hostile"]
    assert run.returncode == 0 and console_lines(run) == []
    dom = parse(run.stdout)
    assert not dom.find_all("script") and not dom.find_all("img")
    assert not [n for n in dom.iter() if any(a.startswith("on") for a in n.attrs)]
    assert XSS_SCRIPT in dom.find("pre", id="stdout").text()
