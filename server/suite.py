"""The delivered suite of a completed request as a zip: its test modules, rendered, and support files.

Everything comes from storage, through `tools.delivered_suite`.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping, Sequence

from server.errors import ConflictError
from storage.models import Request, TestCase
from tools.delivered_suite import suite_files, undeliverable_reason

# A fixed timestamp: the same suite gives the same bytes.
_EPOCH = (1980, 1, 1, 0, 0, 0)


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
    reason = undeliverable_reason(request)
    if reason is not None:
        raise ConflictError(reason)
    return zip_bytes(suite_files(rows, request.support_files or {}))
