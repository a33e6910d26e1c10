"""The delivered suite of a completed request as a zip: its test modules, rendered, and support files.

Everything comes from storage: TestCase rows (code, imports, verdict) and the request's support files.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping, Sequence

from server.errors import ConflictError
from storage.models import Request, RequestStatus, TestCase
from tools.runner import render_module
from tools.suite_analysis import DELIVERED
from vocabulary.artefacts import GeneratedTest

# A fixed timestamp: the same suite gives the same bytes.
_EPOCH = (1980, 1, 1, 0, 0, 0)


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


def zip_bytes(files: Mapping[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=_EPOCH)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, files[name])
    return buffer.getvalue()


def suite_archive(request: Request, rows: Sequence[TestCase]) -> bytes:
    """The zip; 409 unless the request completed with its suite approved (or never reviewed)."""
    request_id = request.request_id
    if request.status is not RequestStatus.COMPLETED:
        raise ConflictError(f"request {request_id} is {request.status.value}: "
                            "its suite can be downloaded once it has completed")
    review = (request.result_summary or {}).get("review")
    if review and not review.get("approved"):
        raise ConflictError(f"request {request_id}: the reviewer rejected its suite; none was delivered")
    return zip_bytes(suite_files(rows, request.support_files or {}))
