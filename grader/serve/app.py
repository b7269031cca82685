"""The web application: the JSON API under ``/api`` (bearer tokens) and the pages (session cookies).

Every route but ``GET /api/health`` needs a signed-in person. A student reaches only
their own submissions; any other id answers 404, exactly as an id that does not exist,
so ids cannot be probed. API errors are JSON ``{"detail": "one sentence"}``.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from grader import summary
from grader.authoring.bundle import starter_files
from grader.serve import access, views
from grader.serve.course import UnknownAssignment
from grader.serve.grading import regrade
from grader.serve.pages import page_routes
from grader.serve.people import Identity
from grader.serve.service import Config, Refused, Service


class BodyLimit:
    """Refuses a request body over ``limit`` bytes with 413, whether or not it declares its length."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await _too_large(send, self.limit)
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                raise _TooLarge
            return message

        try:
            await self.app(scope, limited, send)
        except _TooLarge:
            await _too_large(send, self.limit)


class _TooLarge(Exception):
    pass


async def _too_large(send: Send, limit: int) -> None:
    body = json.dumps({"detail": f"the upload is larger than {limit >> 20} MiB"}).encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def create_app(config: Config, *, start_grading: bool = True) -> FastAPI:
    service = Service(config)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if start_grading:
            service.start()
        try:
            yield
        finally:
            service.close()

    app = FastAPI(title="grader", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.service = service
    app.add_middleware(SessionMiddleware, secret_key=service.session_key, session_cookie="grader_session",
                       https_only=config.secure_cookies, same_site="lax", max_age=14 * 24 * 3600)
    app.add_middleware(BodyLimit, limit=config.limits.max_upload_bytes)

    @app.exception_handler(Refused)
    async def _refused(request: Request, exc: Refused) -> Response:
        return JSONResponse({"detail": exc.message}, status_code=exc.status)

    @app.exception_handler(UnknownAssignment)
    async def _unknown(request: Request, exc: UnknownAssignment) -> Response:
        return JSONResponse({"detail": str(exc)}, status_code=404)

    _api_routes(app, service)
    page_routes(app, service)
    return app


def bearer(request: Request) -> Identity:
    """The person whose API token the request carries (401 without a valid one)."""
    service: Service = request.app.state.service
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    who = service.identify(token) if scheme.lower() == "bearer" and token else None
    if who is None:
        raise HTTPException(401, "sign in: send 'Authorization: Bearer <token>' (grader token COURSE_DIR STUDENT_ID)",
                            headers={"WWW-Authenticate": "Bearer"})
    return who


def instructor(who: Identity = Depends(bearer)) -> Identity:
    if not who.instructor:
        raise HTTPException(403, "only an instructor may do this")
    return who


Handler = Callable[..., Awaitable[Any]]


def _api_routes(app: FastAPI, service: Service) -> None:
    @app.get("/api/health")
    async def health() -> dict[str, bool]:
        return {"ok": True}

    @app.get("/api/me")
    async def me(who: Identity = Depends(bearer)) -> dict[str, Any]:
        return {"id": who.id, "name": who.name, "instructor": who.instructor}

    @app.get("/api/assignments")
    async def assignments(who: Identity = Depends(bearer)) -> list[dict[str, Any]]:
        return [{"name": a.name, "title": a.spec.title, "files": list(a.spec.files),
                 "released": service.released(a.name)} for a in service.course.assignments.values()]

    @app.get("/api/assignments/{name}/starter")
    async def starter(name: str, who: Identity = Depends(bearer)) -> Response:
        return access.starter_zip(name, starter_files(service.course.assignment(name)))

    @app.post("/api/assignments/{name}/submissions", status_code=202)
    async def upload(name: str, file: UploadFile, who: Identity = Depends(bearer)) -> dict[str, Any]:
        wait = service.allow_upload(who.id)
        if wait is not None:
            raise HTTPException(429, f"too many uploads; try again in {wait:.0f} s", headers={"Retry-After": f"{wait:.0f}"})
        row = service.accept(who, name, file.filename or "submission.py", await file.read())
        return views.summary(row, None, False, who.instructor)

    @app.get("/api/submissions")
    async def history(assignment: str | None = None, who: Identity = Depends(bearer)) -> list[dict[str, Any]]:
        rows = service.history(who, assignment)
        return [views.summary(r, None, False, who.instructor) | access.scores(service, r, who) for r in rows]

    @app.get("/api/submissions/{submission_id}")
    async def one(submission_id: str, who: Identity = Depends(bearer)) -> dict[str, Any]:
        row = access.visible(service, submission_id, who)
        return views.summary(row, service.result(row), service.released(row.assignment), who.instructor)

    @app.get("/api/submissions/{submission_id}/report", response_class=HTMLResponse)
    async def report_page(submission_id: str, who: Identity = Depends(bearer)) -> str:
        return access.report_html(service, access.visible(service, submission_id, who), who)

    _instructor_routes(app, service)


def _instructor_routes(app: FastAPI, service: Service) -> None:
    @app.post("/api/submissions/{submission_id}/regrade", status_code=202)
    async def regrade_one(submission_id: str, who: Identity = Depends(instructor)) -> dict[str, int]:
        access.visible(service, submission_id, who)
        queued = regrade(service.database, [submission_id])
        service.wake()
        return {"queued": queued}

    @app.post("/api/assignments/{name}/regrade", status_code=202)
    async def regrade_all(name: str, who: Identity = Depends(instructor)) -> dict[str, int]:
        service.course.assignment(name)
        queued = regrade(service.database, [r.id for r in service.history(who, name)])
        service.wake()
        return {"queued": queued}

    @app.post("/api/submissions/{submission_id}/overrides")
    async def override(submission_id: str, body: dict[str, Any], who: Identity = Depends(instructor)) -> dict[str, Any]:
        row = access.visible(service, submission_id, who)
        return service.override(row, str(body.get("check", "")), body.get("points"), str(body.get("comment", "")))

    @app.post("/api/assignments/{name}/release")
    async def release(name: str, who: Identity = Depends(instructor)) -> dict[str, Any]:
        service.release(name, who.id)
        return {"assignment": name, "released": True}

    @app.get("/api/assignments/{name}/gradebook.csv", response_class=PlainTextResponse)
    async def gradebook(name: str, who: Identity = Depends(instructor)) -> Response:
        """Each student's latest graded result, one row per student (``submission`` is the student id)."""
        collected = summary.collect(service.class_results(service.course.assignment(name).name))
        text = "".join(summary.csv_lines(summary.gradebook_records(collected)))
        return Response(text, media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}-gradebook.csv"'})


