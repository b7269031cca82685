"""What a person may reach, shared by the API and the pages: a submission they may see, its scores and report."""

from __future__ import annotations

import io
import zipfile
from typing import Any

from fastapi import HTTPException
from fastapi.responses import Response

from grader import report
from grader.serve import views
from grader.serve.people import Identity
from grader.serve.service import Service


def starter_zip(name: str, files: dict[str, bytes]) -> Response:
    """The starter files as ``<name>-starter.zip`` (one folder named after the assignment)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, data in sorted(files.items()):
            archive.writestr(f"{name}/{path}", data)
    return Response(buffer.getvalue(), media_type="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="{name}-starter.zip"'})


def visible(service: Service, submission_id: str, who: Identity) -> Any:
    row = service.submission(submission_id, who)
    if row is None:
        raise HTTPException(404, "no such submission")
    return row


def scores(service: Service, row: Any, who: Identity) -> dict[str, Any]:
    result = service.result(row)
    if result is None:
        return {}
    shown = result if who.instructor else views.student_result(result, service.released(row.assignment))
    return {"score": shown.score, "max_score": shown.max_score}


def report_html(service: Service, row: Any, who: Identity) -> str:
    result = service.result(row)
    if result is None:
        raise HTTPException(409, f"submission {row.id} is {row.status}, not graded yet")
    if who.instructor:
        return report.render_result(result.model_copy(update={"submission": f"{row.person_id}: {row.filename}"}))
    released = service.released(row.assignment)
    shown = views.student_result(result, released).model_copy(update={"submission": row.filename})
    return report.render_result(shown, show_hidden=released)
