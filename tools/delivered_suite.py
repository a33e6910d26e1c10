"""The delivered suite of a stored request: its files as persistence wrote them, and whether it may leave.

Everything comes from storage: TestCase rows (code, imports, verdict) and the request's support files. The
zip download and the exports to GitHub and GitLab deliver the same files under the same rule.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from storage.models import Request, RequestStatus, TestCase
from tools.runner import render_module
from tools.suite_analysis import DELIVERED
from vocabulary.artefacts import GeneratedTest


def suite_files(rows: Sequence[TestCase], support_files: Mapping[str, str]) -> dict[str, str]:
    """File name → content, as persistence writes the suite: delivered tests grouped by module, in order."""
    modules: dict[str, list[GeneratedTest]] = {}
    for row in rows:
        if row.validation_status not in DELIVERED:
            continue
        test = GeneratedTest(test_id=f"{row.module}::{row.test_name}", name=row.test_name, module=row.module,
                             code=row.test_code, test_type=row.test_type, category=row.category,  # type: ignore[arg-type]
                             imports=list(row.imports), code_hash=row.code_hash)
        modules.setdefault(row.module, []).append(test)
    return {**support_files, **{module: render_module(tests) for module, tests in modules.items()}}


def undeliverable_reason(request: Request) -> str | None:
    """Why the request's suite cannot be delivered (not completed, or rejected by its reviewer), else None."""
    request_id = request.request_id
    if request.status is not RequestStatus.COMPLETED:
        return f"request {request_id} is {request.status.value}: its suite is delivered once it has completed"
    review = (request.result_summary or {}).get("review")
    if review and not review.get("approved"):
        return f"request {request_id}: the reviewer rejected its suite; none was delivered"
    return None
