"""The pages people use in a browser: sign in, upload, see a report; instructors watch the class.

Pages authenticate with a signed, HTTP-only session cookie opened by pasting a token;
every form carries the session's CSRF token, and a POST without it is refused (403).
Reports are shown in a sandboxed iframe, so the report's own script never runs with
the service's origin.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.datastructures import UploadFile

from grader import report, summary
from grader.authoring.bundle import starter_files
from grader.serve import access, views
from grader.serve.course import UnknownAssignment
from grader.serve.db import aware
from grader.serve.grading import regrade
from grader.serve.people import Identity, session_identity
from grader.serve.service import Refused, Service

_TEMPLATES = Environment(loader=FileSystemLoader(Path(__file__).with_name("templates")),
                         autoescape=select_autoescape(["j2"]))
_TEMPLATES.filters["points"] = lambda value: f"{value:g}"      # 4 / 10, never 4.0 / 10.0
_TEMPLATES.filters["when"] = lambda value: (aware(value) if isinstance(value, datetime) else datetime.fromisoformat(value)
                                            ).strftime("%Y-%m-%d %H:%M UTC")


def _csrf(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(24)
    return str(token)


def _page(request: Request, template: str, who: Identity | None, status: int = 200, **values: Any) -> HTMLResponse:
    html = _TEMPLATES.get_template(template).render(who=who, csrf=_csrf(request), **values)
    return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})


def _who(request: Request) -> Identity | None:
    service: Service = request.app.state.service
    person, key = request.session.get("person"), request.session.get("key")
    if not isinstance(person, str) or not isinstance(key, str):
        return None
    return session_identity(service.database, person, key)


async def _form(request: Request) -> Any:
    form = await request.form(max_files=1, max_fields=20)
    if not secrets.compare_digest(str(form.get("csrf", "")), str(request.session.get("csrf", ""))):
        raise HTTPException(403, "this form has expired; reload the page and try again")
    return form


def _signed_in(request: Request, *, instructor: bool = False) -> Identity:
    who = _who(request)
    if who is None:
        raise HTTPException(401, "sign in first")
    if instructor and not who.instructor:
        raise HTTPException(403, "only an instructor may do this")
    return who


def page_routes(app: FastAPI, service: Service) -> None:
    @app.exception_handler(HTTPException)
    async def _http_error(request: Request, exc: HTTPException) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)
        if exc.status_code == 401:
            return RedirectResponse("/login", status_code=303)
        return _page(request, "base.j2", _who(request), status=exc.status_code, title="error", message=exc.detail)

    @app.get("/login", response_class=HTMLResponse)
    async def login_form(request: Request) -> Response:
        return _page(request, "login.j2", None, title="sign in")

    @app.post("/login")
    async def login(request: Request) -> Response:
        form = await _form(request)
        token = str(form.get("token", ""))
        who = service.identify(token)
        if who is None:
            return _page(request, "login.j2", None, status=401, title="sign in",
                         message="That token is not valid; ask your instructor for a new one.")
        request.session.clear()
        request.session.update(person=who.id, key=token.partition(".")[0], csrf=secrets.token_urlsafe(24))
        return RedirectResponse("/", status_code=303)

    @app.post("/logout")
    async def logout(request: Request) -> Response:
        await _form(request)
        request.session.clear()
        return RedirectResponse("/login", status_code=303)

    @app.get("/", response_class=HTMLResponse)
    async def home(request: Request) -> Response:
        who = _signed_in(request)
        history: dict[str, list[dict[str, Any]]] = {}
        for row in service.history(who):
            history.setdefault(row.assignment, []).append(views.summary(row, None, False, who.instructor)
                                                          | access.scores(service, row, who))
        assignments = [{"name": a.name, "title": a.spec.title, "files": list(a.spec.files)}
                       for a in service.course.assignments.values()]
        return _page(request, "home.j2", who, title="home", assignments=assignments, history=history)

    _upload_routes(app, service)
    _class_routes(app, service)


def _upload_routes(app: FastAPI, service: Service) -> None:
    @app.get("/assignments/{name}/starter.zip")
    async def starter(name: str, request: Request) -> Response:
        _signed_in(request)
        return await _api_starter(app, name)

    @app.post("/assignments/{name}/upload")
    async def upload(name: str, request: Request) -> Response:
        who = _signed_in(request)
        form = await _form(request)
        file = form.get("file")
        if not isinstance(file, UploadFile):
            raise HTTPException(400, "choose a file to upload")
        wait = service.allow_upload(who.id)
        if wait is not None:
            raise HTTPException(429, f"too many uploads; try again in {wait:.0f} s")
        try:
            row = service.accept(who, name, file.filename or "submission.py", await file.read())
        except (Refused, UnknownAssignment) as exc:
            raise HTTPException(getattr(exc, "status", 404), str(exc)) from None
        return RedirectResponse(f"/submissions/{row.id}", status_code=303)

    @app.get("/submissions/{submission_id}", response_class=HTMLResponse)
    async def submission(submission_id: str, request: Request) -> Response:
        who = _signed_in(request)
        row = access.visible(service, submission_id, who)
        result = service.result(row)
        released = service.released(row.assignment)
        shown = None if result is None else result if who.instructor else views.student_result(result, released)
        checks = [{"id": c.id, "points": c.points} for c in service.course.assignment(row.assignment).checks]
        return _page(request, "submission.j2", who, title=row.filename, row=row, checks=checks,
                     refresh=2 if row.status in ("queued", "running") else None,
                     score=shown.score if shown else None, max_score=shown.max_score if shown else None,
                     pending=0 if result is None or who.instructor else views.hidden_pending(result, released))

    @app.get("/submissions/{submission_id}/report", response_class=HTMLResponse)
    async def report_page(submission_id: str, request: Request) -> Response:
        who = _signed_in(request)
        return HTMLResponse(access.report_html(service, access.visible(service, submission_id, who), who))

    @app.post("/submissions/{submission_id}/regrade")
    async def regrade_one(submission_id: str, request: Request) -> Response:
        who = _signed_in(request, instructor=True)
        await _form(request)
        access.visible(service, submission_id, who)
        regrade(service.database, [submission_id])
        service.wake()
        return RedirectResponse(f"/submissions/{submission_id}", status_code=303)

    @app.post("/submissions/{submission_id}/override")
    async def override(submission_id: str, request: Request) -> Response:
        who = _signed_in(request, instructor=True)
        form = await _form(request)
        row = access.visible(service, submission_id, who)
        try:
            service.override(row, str(form.get("check", "")), form.get("points"), str(form.get("comment", "")))
        except Refused as exc:
            raise HTTPException(exc.status, exc.message) from None
        return RedirectResponse(f"/submissions/{submission_id}", status_code=303)


def _class_routes(app: FastAPI, service: Service) -> None:
    @app.get("/class/{name}", response_class=HTMLResponse)
    async def class_page(name: str, request: Request) -> Response:
        who = _signed_in(request, instructor=True)
        _known(service, name)
        rows = service.history(who, name)
        latest: dict[str, Any] = {}
        for row in reversed(rows):
            latest[row.person_id] = row
        counts = {s: sum(1 for r in rows if r.status == s) for s in ("graded", "queued", "running", "error")}
        counts["queued"] += counts.pop("running")
        shown = [views.summary(r, None, False, True) | access.scores(service, r, who) for r in latest.values()]
        return _page(request, "class.j2", who, title=name, name=name, rows=sorted(shown, key=lambda r: r["student"]),
                     counts=counts, released=service.released(name), refresh=5)

    @app.get("/class/{name}/index.html", response_class=HTMLResponse)
    async def class_summary(name: str, request: Request) -> Response:
        _signed_in(request, instructor=True)
        _known(service, name)
        return HTMLResponse(report.render_index(service.class_results(name), name))

    @app.get("/class/{name}/{student}/report.html", response_class=HTMLResponse)
    async def student_report(name: str, student: str, request: Request) -> Response:
        _signed_in(request, instructor=True)
        for result in service.class_results(name):
            if result.submission == student:
                return HTMLResponse(report.render_result(result))
        raise HTTPException(404, "no graded submission from that student")

    @app.get("/class/{name}/gradebook.csv")
    async def gradebook(name: str, request: Request) -> Response:
        _signed_in(request, instructor=True)
        _known(service, name)
        text = "".join(summary.csv_lines(summary.gradebook_records(summary.collect(service.class_results(name)))))
        return Response(text, media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}-gradebook.csv"'})

    @app.post("/class/{name}/release")
    async def release(name: str, request: Request) -> Response:
        who = _signed_in(request, instructor=True)
        await _form(request)
        service.release(name, who.id)
        return RedirectResponse(f"/class/{name}", status_code=303)

    @app.post("/class/{name}/regrade")
    async def regrade_all(name: str, request: Request) -> Response:
        who = _signed_in(request, instructor=True)
        await _form(request)
        regrade(service.database, [r.id for r in service.history(who, _known(service, name))])
        service.wake()
        return RedirectResponse(f"/class/{name}", status_code=303)


def _known(service: Service, name: str) -> str:
    try:
        return service.course.assignment(name).name
    except UnknownAssignment as exc:
        raise HTTPException(404, str(exc)) from None


async def _api_starter(app: FastAPI, name: str) -> Response:
    service: Service = app.state.service
    try:
        return access.starter_zip(name, starter_files(service.course.assignment(name)))
    except UnknownAssignment as exc:
        raise HTTPException(404, str(exc)) from None
