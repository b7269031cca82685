"""The pages people use, through a real server: sign-in with a token, CSRF on every form,
upload through the browser form, the report in a sandboxed frame, the instructor's class page."""

from __future__ import annotations

import re

import httpx

from .conftest import REPO, Server, wait_graded

CORRECT = (REPO / "submissions" / "bp-manual" / "correct" / "bp.py").read_bytes()


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "the page has no CSRF field"
    return found.group(1)


def signed_in(server: Server, who: str) -> httpx.Client:
    browser = httpx.Client(base_url=server.url, timeout=60, follow_redirects=True)
    page = browser.get("/login")
    assert page.status_code == 200 and "Sign in" in page.text
    home = browser.post("/login", data={"token": server.tokens[who], "csrf": csrf_of(page.text)})
    assert home.status_code == 200 and str(home.url).endswith("/")
    return browser


def test_pages_need_a_session_and_the_cookie_is_http_only(server: Server) -> None:
    browser = httpx.Client(base_url=server.url, timeout=60)
    assert browser.get("/").status_code == 303
    login = browser.get("/login")
    response = browser.post("/login", data={"token": server.tokens["s001"], "csrf": csrf_of(login.text)})
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    wrong = httpx.Client(base_url=server.url, timeout=60)
    page = wrong.get("/login")
    refused = wrong.post("/login", data={"token": "0123456789abcdef.nope", "csrf": csrf_of(page.text)})
    assert refused.status_code == 401 and "not valid" in refused.text


def test_a_form_without_its_csrf_token_is_refused(server: Server) -> None:
    browser = signed_in(server, "s001")
    forged = browser.post("/assignments/bp-manual/upload", files={"file": ("bp.py", CORRECT)}, data={"csrf": "x"})
    assert forged.status_code == 403 and "expired" in forged.text
    assert browser.get("/api/submissions").status_code == 401    # the API takes tokens, never the cookie


def test_upload_through_the_page_then_the_report(server: Server) -> None:
    browser = signed_in(server, "s002")
    home = browser.get("/")
    page = browser.post("/assignments/bp-manual/upload", files={"file": ("bp.py", CORRECT)}, data={"csrf": csrf_of(home.text)})
    assert page.status_code == 200 and "/submissions/" in str(page.url)
    submission_id = str(page.url).rsplit("/", 1)[1]
    wait_graded(server.client("s002"), submission_id)
    shown = browser.get(f"/submissions/{submission_id}").text
    assert "4 / 4" in shown and "6 hidden points" in shown and 'sandbox="allow-scripts"' in shown
    report = browser.get(f"/submissions/{submission_id}/report").text
    assert "forward-given" in report and "gradients-hidden" not in report
    other = signed_in(server, "s003")
    assert other.get(f"/submissions/{submission_id}").status_code == 404
    assert other.get(f"/submissions/{submission_id}/report").status_code == 404


def test_the_class_page_lists_the_latest_work_and_releases(server: Server) -> None:
    sub = server.client("s001").post("/api/assignments/bp-manual/submissions", files={"file": ("bp.py", CORRECT)}).json()
    wait_graded(server.client("s001"), sub["id"])
    prof = signed_in(server, "prof")
    page = prof.get("/class/bp-manual")
    assert page.status_code == 200 and "s001" in page.text and "10 / 10" in page.text
    assert 'http-equiv="refresh"' in page.text
    released = prof.post("/class/bp-manual/release", data={"csrf": csrf_of(page.text)})
    assert "Hidden results released" in released.text
    assert "s001" in prof.get("/class/bp-manual/index.html").text
    assert signed_in(server, "s002").get("/class/bp-manual").status_code == 403
