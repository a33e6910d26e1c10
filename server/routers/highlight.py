"""Python source as highlighted HTML, by Pygments, for the review page: browsers highlight nothing."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from server.deps import require_api_key
from server.highlighting import highlight_python
from server.routers.responses import errors
from server.schemas import HighlightCreate, HighlightPublic

router = APIRouter(tags=["review"], dependencies=[Depends(require_api_key)], responses=errors(401, 429, 503))


@router.post("/highlight", responses=errors(400, 413, 422))
def highlight_sources(body: HighlightCreate) -> HighlightPublic:
    """Each source as a `<div class="highlight">` block, in order; colour it with `/review/highlight.css`."""
    return HighlightPublic(html=[highlight_python(source) for source in body.sources])
