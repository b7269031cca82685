"""The service's JSON API against a real server on loopback: sign-in, upload, the queue,
history, who may see what, hidden-result release, instructor overrides and the gradebook."""

from __future__ import annotations

import io
import zipfile

from .conftest import REPO, Server, wait_graded

CORRECT = (REPO / "submissions" / "bp-manual" / "correct" / "bp.py").read_bytes()
SIGN_ERROR = (REPO / "submissions" / "bp-manual" / "update-sign-error" / "bp.py").read_bytes()


def upload(server: Server, who: str, data: bytes, name: str = "bp.py") -> dict:
    response = server.client(who).post("/api/assignments/bp-manual/submissions", files={"file": (name, data)})
    assert response.status_code == 202, response.text
    return response.json()


def test_health_needs_no_sign_in_and_everything_else_does(server: Server) -> None:
    anonymous = server.client()
    assert anonymous.get("/api/health").json() == {"ok": True}
    for method, path in [("GET", "/api/me"), ("GET", "/api/assignments"), ("GET", "/api/submissions"),
                         ("POST", "/api/assignments/bp-manual/submissions"), ("GET", "/api/submissions/x"),
                         ("GET", "/api/assignments/bp-manual/starter"), ("POST", "/api/assignments/bp-manual/release")]:
        response = anonymous.request(method, path)
        assert response.status_code == 401, (method, path)
        assert "token" in response.json()["detail"]
    bad = server.client()
    bad.headers["Authorization"] = "Bearer 0123456789abcdef.not-the-secret"
    assert bad.get("/api/me").status_code == 401
    assert server.client("s001").get("/api/me").json() == {"id": "s001", "name": "Zhang San", "instructor": False}


def test_upload_is_queued_then_graded_and_shows_public_checks_only(server: Server) -> None:
    queued = upload(server, "s001", CORRECT)
    assert queued["status"] == "queued" and len(queued["id"]) == 32
    graded = wait_graded(server.client("s001"), queued["id"])
    assert graded["status"] == "graded"
    checks = graded["result"]["checks"]
    assert checks and all(c["visibility"] == "public" for c in checks)
    assert (graded["score"], graded["max_score"]) == (4.0, 4.0)     # the public checks' points
    assert graded["hidden_points_pending"] == 6.0
    history = server.client("s001").get("/api/submissions").json()
    assert [h["id"] for h in history] == [queued["id"]] and history[0]["score"] == 4.0


def test_a_student_reaches_only_their_own_submissions(server: Server) -> None:
    mine = upload(server, "s001", CORRECT)
    wait_graded(server.client("s001"), mine["id"])
    other = server.client("s002")
    for path in (f"/api/submissions/{mine['id']}", f"/api/submissions/{mine['id']}/report"):
        assert other.get(path).status_code == 404
    # walking ids: neighbours of a real id, and made-up ones, all answer the same 404
    for guess in (mine["id"][:-1] + "0", "1", "../" + mine["id"], "0" * 32):
        assert other.get(f"/api/submissions/{guess}").status_code == 404
    assert other.get("/api/submissions").json() == []
    assert other.post(f"/api/submissions/{mine['id']}/regrade").status_code == 403
    assert other.post("/api/assignments/bp-manual/release").status_code == 403
    assert other.get("/api/assignments/bp-manual/gradebook.csv").status_code == 403


def test_hidden_results_stay_hidden_until_released(server: Server) -> None:
    sub = upload(server, "s001", SIGN_ERROR)
    before = wait_graded(server.client("s001"), sub["id"])
    assert all(c["visibility"] == "public" for c in before["result"]["checks"])
    report = server.client("s001").get(f"/api/submissions/{sub['id']}/report").text
    assert "update-hidden" not in report and "gradients-hidden" not in report
    prof = server.client("prof")
    full = prof.get(f"/api/submissions/{sub['id']}").json()
    assert {c["id"] for c in full["result"]["checks"]} >= {"update-hidden", "train-hidden"}
    assert prof.post("/api/assignments/bp-manual/release").json()["released"] is True
    after = server.client("s001").get(f"/api/submissions/{sub['id']}").json()
    assert after["score"] == full["score"] and after["max_score"] == 10.0
    hidden = [c for c in after["result"]["checks"] if c["visibility"] == "hidden"]
    assert hidden and all("expected" not in str(c["details"]) for c in hidden)


def test_instructor_override_changes_the_score_without_regrading(server: Server) -> None:
    sub = upload(server, "s002", SIGN_ERROR)
    graded = wait_graded(server.client("s002"), sub["id"])
    prof = server.client("prof")
    before = prof.get(f"/api/submissions/{sub['id']}").json()["score"]
    answer = prof.post(f"/api/submissions/{sub['id']}/overrides",
                       json={"check": "update-given", "points": 0.5, "comment": "sign slip only"}).json()
    assert answer["applied"] is True and answer["score"] == before + 0.5
    check = next(c for c in prof.get(f"/api/submissions/{sub['id']}").json()["result"]["checks"] if c["id"] == "update-given")
    assert check["score"] == 0.5 and check["override"]["comment"] == "sign slip only"
    assert "update-given" in (server.course / ".grader" / "overrides" / "bp-manual.csv").read_text()
    refused = prof.post(f"/api/submissions/{sub['id']}/overrides", json={"check": "update-given", "points": 7})
    assert refused.status_code == 400 and "from 0 to 0.5" in refused.json()["detail"]
    assert graded["status"] == "graded"


def test_gradebook_has_one_row_per_student_with_the_latest_result(server: Server) -> None:
    first = upload(server, "s001", SIGN_ERROR)
    wait_graded(server.client("s001"), first["id"])
    second = upload(server, "s001", CORRECT)
    wait_graded(server.client("s001"), second["id"])
    lines = server.client("prof").get("/api/assignments/bp-manual/gradebook.csv").text.splitlines()
    assert lines[0].startswith("submission,score,max_score")
    assert [line.split(",")[:2] for line in lines[1:]] == [["s001", "10.0"]]


def test_identical_resubmission_reuses_the_result(server: Server) -> None:
    one = upload(server, "s001", CORRECT)
    wait_graded(server.client("s001"), one["id"])
    two = upload(server, "s003", CORRECT)
    graded = wait_graded(server.client("s003"), two["id"])
    assert graded["status"] == "graded" and graded["result"]["submission"] == two["id"]
    prof = server.client("prof").get(f"/api/submissions/{two['id']}").json()
    assert prof["score"] == 10.0 and prof["student"] == "s003"


def test_bad_uploads_are_refused_with_one_sentence(server: Server) -> None:
    client = server.client("s001")
    wrong_kind = client.post("/api/assignments/bp-manual/submissions", files={"file": ("bp.txt", b"x")})
    assert wrong_kind.status_code == 400 and ".py, .ipynb or .zip" in wrong_kind.json()["detail"]
    unknown = client.post("/api/assignments/bp-manul/submissions", files={"file": ("bp.py", CORRECT)})
    assert unknown.status_code == 404 and "did you mean 'bp-manual'" in unknown.json()["detail"]
    big = client.post("/api/assignments/bp-manual/submissions", files={"file": ("bp.py", b"#" * (2 << 20))})
    assert big.status_code == 413
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("bp.py", CORRECT)
        archive.writestr("bp.py/x.py", b"")
    clash = client.post("/api/assignments/bp-manual/submissions", files={"file": ("work.zip", buffer.getvalue())})
    assert clash.status_code == 400 and "cannot be unpacked" in clash.json()["detail"]
    assert client.get("/api/submissions").json() == []


def test_starter_download(server: Server) -> None:
    response = server.client("s001").get("/api/assignments/bp-manual/starter")
    assert response.status_code == 200
    names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    assert names == ["bp-manual/bp.py"]


def test_the_late_policy_uses_the_servers_clock(tmp_path) -> None:
    """SQLite hands stored times back without a zone; the late policy needs them in UTC (a crash before)."""
    from .conftest import make_course, run_server

    course = make_course(tmp_path / "course")
    spec = course / "assignments" / "bp-manual" / "assignment.yaml"
    spec.write_text(spec.read_text() + "\nlate:\n  due: 2026-01-01T00:00:00Z\n  per_day: 0.01\n  max_penalty: 0.5\n")
    servers = run_server(course)
    server = next(servers)
    try:
        sub = upload(server, "s001", CORRECT)
        graded = wait_graded(server.client("s001"), sub["id"])
        assert graded["status"] == "graded"
        late = graded["result"]["late"]
        assert late["source"] == "server"
        assert late["days_late"] > 300 and late["penalty"] == 0.5
    finally:
        servers.close()
