"""``grader serve``, ``grader token`` and ``grader submit``: the grading service and its clients."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import click

from grader.cli_common import ExitCode, data_dir_option, insecure_option, print_checks, read_secret
from grader.errors import GraderError
from grader.results import Result

COURSE = click.Path(exists=True, file_okay=False, path_type=Path)


@click.command()
@click.argument("course", type=COURSE)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (0.0.0.0: every interface).")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--db", "db_url", metavar="URL", default=None,
              help="Database URL; default: SQLite in COURSE/.grader/grader.db. PostgreSQL: postgresql://user:pw@host/db")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(0, 64),
              help="Grading threads in this process, each with warm engines (0: serve pages and the API only).")
@click.option("--worker-only", is_flag=True, help="Grade queued uploads from the database; serve nothing (PostgreSQL).")
@click.option("--max-upload-mb", default=8, show_default=True, type=click.IntRange(1, 1024))
@click.option("--uploads-per-minute", default=10, show_default=True, type=click.IntRange(1, 10_000),
              help="Per person; more are refused with 429.")
@click.option("--max-submissions", default=None, type=click.IntRange(1), help="Per student and assignment (default: no limit).")
@click.option("--secure-cookies", is_flag=True, help="Send the session cookie over HTTPS only (behind a TLS proxy).")
@click.option("--secret-file", "secret_file", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              metavar="FILE", help="The course secret that draws the hidden inputs, as for grade (first line of FILE).")
@data_dir_option
@insecure_option
def serve(course: Path, host: str, port: int, db_url: str | None, workers: int, worker_only: bool, max_upload_mb: int,
          uploads_per_minute: int, max_submissions: int | None, secure_cookies: bool, secret_file: Path | None,
          data_dir: Path | None, insecure: bool) -> ExitCode:
    """Run the grading service for the course folder COURSE.

    COURSE holds assignments/<name>/assignment.yaml and roster.csv (columns
    student_id,name,email; re-read when it changes). The database and the stored
    uploads live under COURSE/.grader/. Students sign in with a token
    (grader token COURSE STUDENT_ID), upload in the browser or with grader submit,
    and see their public results in seconds; instructors watch /class/<assignment>.

    \b
    grader serve course/                       # http://127.0.0.1:8000
    grader token course/ s001                  # a student's token
    grader token course/ prof --instructor     # an instructor's
    """
    import uvicorn

    from grader.serve.app import create_app
    from grader.serve.service import Config, Limits

    limits = Limits(max_upload_mb << 20, uploads_per_minute, max_submissions)
    config = Config(course, db_url, workers, limits, secure_cookies, read_secret(secret_file), insecure, data_dir)
    if worker_only:
        return _worker_only(config)
    app = create_app(config)
    click.echo(f"grader serve: http://{host}:{port}/ (course {course.resolve()}); Ctrl-C stops", err=True)
    uvicorn.run(app, host=host, port=port, log_level="warning")
    return ExitCode.OK


def _worker_only(config: Any) -> ExitCode:
    from grader.serve.service import Service

    if config.workers < 1:
        raise click.UsageError("--worker-only needs at least one grading thread (--workers 1)")
    service = Service(config)
    if service.database.dialect.name == "sqlite":
        raise click.UsageError("--worker-only shares a database with a server: give --db postgresql://…")
    service.start()
    click.echo("grader serve --worker-only: grading queued uploads; Ctrl-C stops", err=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        return ExitCode.INTERRUPTED
    finally:
        service.close()


@click.command()
@click.argument("course", type=COURSE)
@click.argument("person")
@click.option("--instructor", is_flag=True, help="An instructor's token (the account is made if it is new).")
@click.option("--db", "db_url", metavar="URL", default=None, help="The service's database (as for serve).")
def token(course: Path, person: str, instructor: bool, db_url: str | None) -> ExitCode:
    """Print a new API token for PERSON (a student_id from COURSE/roster.csv).

    Each call issues a new token; earlier ones keep working. Give it to the
    student: they paste it on the sign-in page, or set GRADER_TOKEN for grader submit.
    """
    from grader.serve import db, people

    root = course.resolve()
    (root / ".grader").mkdir(exist_ok=True)
    url = db.database_url(root, db_url)
    db.migrate(url)
    database = db.connect(url)
    try:
        people.Roster(root / "roster.csv", database).refresh()
        click.echo(people.issue_token(database, person, instructor=instructor))
    finally:
        database.dispose()
    return ExitCode.OK


@click.command()
@click.argument("assignment")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--server", required=True, metavar="URL", help="The service, e.g. http://127.0.0.1:8000")
@click.option("--timeout", default=600, show_default=True, type=click.IntRange(1), help="Seconds to wait for the result.")
@click.option("--json", "as_json", is_flag=True, help="Print the service's JSON answer instead of text.")
def submit(assignment: str, path: Path, server: str, timeout: int, as_json: bool) -> ExitCode:
    """Upload PATH (a .py, .ipynb, .zip, or a folder, zipped for you) to ASSIGNMENT on the service.

    The token comes from $GRADER_TOKEN, else ~/.config/grader/token. Waits until it is
    graded and prints the public result as grader check does; exit status 0 when it was graded.
    """
    import httpx

    name, data = _payload(path)
    headers = {"Authorization": f"Bearer {_token()}"}
    with httpx.Client(base_url=server.rstrip("/"), headers=headers, timeout=60) as client:
        answer = _ok(client.post(f"/api/assignments/{assignment}/submissions", files={"file": (name, data)}))
        click.echo(f"uploaded {name}: {answer['status']} (submission {answer['id']})", err=True)
        deadline = time.monotonic() + timeout
        while answer["status"] in ("queued", "running"):
            if time.monotonic() > deadline:
                raise GraderError(f"not graded within {timeout} s; it stays queued: grader submit prints it when "
                                  f"you run it again, or see {server}/submissions/{answer['id']}")
            time.sleep(0.3)
            answer = _ok(client.get(f"/api/submissions/{answer['id']}"))
    if as_json:
        click.echo(json.dumps(answer, indent=2, ensure_ascii=False))
    elif answer["status"] == "graded":
        print_checks(Result.from_dict(answer["result"]))
        pending = answer.get("hidden_points_pending") or 0
        click.echo(f"\n{answer['score']:g} / {answer['max_score']:g}"
                   + (f" ({pending:g} hidden points not released yet)" if pending else ""))
    else:
        click.echo(f"could not grade: {answer.get('error', 'unknown error')}", err=True)
    return ExitCode.OK if answer["status"] == "graded" else ExitCode.GRADER_ERROR


def _token() -> str:
    token = os.environ.get("GRADER_TOKEN", "").strip()
    config = Path(os.environ.get("XDG_CONFIG_HOME", Path.home() / ".config")) / "grader" / "token"
    if not token and config.is_file():
        token = config.read_text().strip()
    if not token:
        raise click.UsageError("no token: set GRADER_TOKEN (your instructor gives you one) or write it to "
                               f"{config}")
    return token


def _payload(path: Path) -> tuple[str, bytes]:
    if path.is_dir():
        import io
        import zipfile

        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for file in sorted(p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
                archive.write(file, file.relative_to(path).as_posix())
        return f"{path.resolve().name}.zip", buffer.getvalue()
    return path.name, path.read_bytes()


def _ok(response: Any) -> dict[str, Any]:
    if response.status_code >= 400:
        try:
            detail = response.json().get("detail", response.text)
        except ValueError:
            detail = response.text
        raise GraderError(f"the service answered {response.status_code}: {detail}")
    data: dict[str, Any] = response.json()
    return data


COMMANDS = [serve, token, submit]
