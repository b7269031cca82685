"""Reports in a real browser, driven by Playwright (headless Chromium from disk): what a person
sees of a training curve, an experiment plot, an import crash and the class summary on a phone.

The pages are drawn from results the grader wrote for real submissions
(``tests/report/data``: ``submissions/mlp/correct`` with its recorded training curves,
``submissions/activation-relu/correct`` with its learning-rate experiment, and the same
file with a line that crashes at import). Screenshots go to ``$GRADER_SCREENSHOT_DIR``
when it is set. Skipped, with the reason, without Playwright or Chromium (a failure under CI,
which installs both).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from grader import report
from grader.results import Result

from .samples import as_result, full_result
from .test_browser import chromium

DATA = Path(__file__).parent / "data"


def _missing(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; $CI is set, so this is a failure", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("Playwright is not installed (pip install 'grader[test]'), so no page was opened in a browser")
    binary = chromium()
    if binary is None:
        _missing("headless Chromium is not installed (apt-get install chromium), so no page was opened in a browser")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=binary, args=["--no-sandbox", "--disable-gpu"])
        yield launched
        launched.close()


def load(name: str) -> Result:
    return Result.from_dict(json.loads((DATA / f"{name}.result.json").read_text(encoding="utf-8")))


def open_page(browser: Any, path: Path, width: int = 1100, height: int = 900) -> tuple[Any, list[str]]:
    page = browser.new_page(viewport={"width": width, "height": height})
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type in ("error", "warning") else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(path.as_uri())
    return page, problems


def shot(page: Any, name: str, target: Any = None) -> None:
    keep = os.environ.get("GRADER_SCREENSHOT_DIR")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        (target or page).screenshot(path=str(Path(keep) / f"{name}.png"), **({} if target else {"full_page": True}))


def write(tmp_path: Path, result: Result) -> Path:
    folder = tmp_path / result.submission
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "report.html"
    path.write_text(report.render_result(result), encoding="utf-8")
    return path


def test_a_training_check_draws_its_curves_with_the_tiers(browser, tmp_path: Path) -> None:
    page, problems = open_page(browser, write(tmp_path, load("mlp-correct")))
    card = page.locator("section[data-check='train-scratch']")
    figure = card.locator("figure svg.chart")
    assert figure.count() == 1
    box = figure.bounding_box()
    assert box["width"] > 300 and box["height"] > 120          # drawn at a readable size
    text = figure.text_content()
    assert "training loss" in text and "training accuracy" in text and "test accuracy (graded)" in text
    assert "full credit" in text and "50% credit" in text       # the tiers as lines
    assert "epoch" in text
    assert "Recorded while your code trained" in card.locator("p.chart-note").text_content()
    page_text = page.locator("body").text_content()
    assert "/work/shared" not in page_text and "course's data folder" in page_text   # the data folder in words
    shot(page, "report-training-curve", card)
    page.set_viewport_size({"width": 400, "height": 900})      # a phone: the page and its charts shrink to fit
    assert page.evaluate("document.documentElement.scrollWidth") <= 400
    assert figure.bounding_box()["width"] <= 400
    shot(page, "report-400px")
    assert problems == []


def test_an_experiment_draws_its_outcome_per_configuration(browser, tmp_path: Path) -> None:
    page, problems = open_page(browser, write(tmp_path, load("relu-correct")))
    card = page.locator("section[data-check='learning-rates']")
    text = card.locator("figure svg.chart").text_content()
    assert all(config in text for config in ("tiny", "moderate", "huge")) and "losses" in text and "step" in text
    assert "0.01" in text and "mathdefault" not in text         # lr = 100's spike: a log axis, labelled in numbers
    shot(page, "report-experiment-plot", card)
    assert problems == []


def test_an_import_crash_is_one_banner(browser, tmp_path: Path) -> None:
    result = load("relu-crash")
    page, problems = open_page(browser, write(tmp_path, result))
    banner = page.locator("#import-error")
    assert banner.count() == 1 and banner.is_visible()
    assert "could not be imported" in banner.text_content() and "missing_data.csv" in banner.text_content()
    assert page.locator("#status").text_content() == "could not be imported"
    assert page.locator("#import-error pre").count() == 1       # one traceback on the page,
    assert page.locator("section.check pre").count() == 0       # none on the cards
    failed = [c for c in result.checks if c.details.get("step") == "import"]
    assert len(failed) >= 9
    assert page.get_by_text("Not run: your code could not be imported").count() == len(failed)
    assert "Error in cpuinfo" not in page.locator("body").text_content()
    shot(page, "report-import-crash")
    assert problems == []


def test_the_index_fits_400_px_and_filters(browser, tmp_path: Path) -> None:
    results = [load("relu-correct"), load("relu-crash"), as_result(full_result("alice")),
               as_result(full_result("a-student-with-a-rather-long-folder-name_2026"))]
    for result in results:
        write(tmp_path, result)
    index = tmp_path / "index.html"
    index.write_text(report.render_index(results, "activation-relu"), encoding="utf-8")
    page, problems = open_page(browser, index, width=400, height=800)
    assert page.evaluate("document.documentElement.scrollWidth") <= 400      # no sideways scroll
    row = page.locator("tr[data-submission='crash']")
    assert "could not be imported" in row.text_content()
    shot(page, "index-400px")
    page.fill("#filter", "import")
    assert page.locator("#submissions tbody tr:not([hidden])").count() == 1
    assert page.locator("#filter-count").text_content() == "1 of 4 shown"
    page.fill("#filter", "")
    assert page.locator("#submissions tbody tr:not([hidden])").count() == 4
    assert problems == []


def test_the_class_summary_draws_each_training_checks_accuracy(browser, tmp_path: Path) -> None:
    base = load("mlp-correct")
    results = []
    for name, accuracy in (("a", 0.84), ("b", 0.81), ("c", 0.72), ("d", 0.31)):
        checks = [c.model_copy(update={"details": {**c.details, "accuracy": accuracy}}) if c.kind == "train" else c
                  for c in base.checks]
        results.append(base.model_copy(update={"submission": name, "checks": checks}))
    index = tmp_path / "index.html"
    index.write_text(report.render_index(results, "mlp"), encoding="utf-8")
    page, problems = open_page(browser, index)
    figures = page.locator("figure.accuracy")
    assert figures.count() == 2                                  # train-scratch and train-concise
    text = figures.first.text_content()
    assert "test accuracy" in text and "full credit" in text and "80%" in text
    shot(page, "index-accuracy-histogram", figures.first)
    assert problems == []

