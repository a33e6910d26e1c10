"""A request's stored tests, and its delivered suite as a zip."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from server.deps import RequestDep, SessionDep, require_api_key
from server.routers.responses import errors
from server.schemas import TestCasePublic
from server.suite import suite_archive
from storage.repository import list_test_cases

router = APIRouter(prefix="/requests", tags=["tests"], dependencies=[Depends(require_api_key)],
                   responses=errors(401, 429, 503))


@router.get("/{request_id}/tests", responses=errors(404, 422))
def list_tests(request: RequestDep, session: SessionDep) -> list[TestCasePublic]:
    """Every stored test of the request in suite order, with its verdict (broken ones included)."""
    return [TestCasePublic.model_validate(row) for row in list_test_cases(session, request.request_id)]


@router.get(
    "/{request_id}/tests.zip",
    response_class=Response,
    responses={200: {"content": {"application/zip": {}}, "description": "The suite, ready for pytest."},
               **errors(404, 409, 422)},
)
def download_suite(request: RequestDep, session: SessionDep) -> Response:
    """The delivered suite: test modules and support files; run it with pytest."""
    archive = suite_archive(request, list_test_cases(session, request.request_id))
    disposition = f'attachment; filename="testops-{request.request_id}.zip"'
    return Response(archive, media_type="application/zip", headers={"Content-Disposition": disposition})
