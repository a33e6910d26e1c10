"""The review page: static HTML, CSS and JS served by the app itself (no build step, no CDN)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse, Response
from fastapi.staticfiles import StaticFiles

from server.highlighting import stylesheet

ASSETS_DIR = Path(__file__).resolve().parent.parent / "static"
# The page runs only its own script and styles and talks only to this origin; highlighted code is inserted as
# HTML, so no inline script may ever run. No referrer: the event stream's URL carries a token.
PAGE_HEADERS = {
    "Content-Security-Policy": "; ".join([
        "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:",
        "connect-src 'self'", "form-action 'none'", "base-uri 'none'", "frame-ancestors 'none'",
    ]),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}

router = APIRouter(prefix="/review", include_in_schema=False)


@router.get("")
def review_page() -> FileResponse:
    """Start a request, follow it, read and discuss its suite, approve it, download it."""
    return FileResponse(ASSETS_DIR / "review.html", media_type="text/html", headers=PAGE_HEADERS)


@router.get("/highlight.css")
def highlight_stylesheet() -> Response:
    """The colours of the blocks `POST /api/v1/highlight` returns, made by the same Pygments formatter."""
    return Response(stylesheet(), media_type="text/css", headers={"X-Content-Type-Options": "nosniff"})


def install_review_page(app: FastAPI) -> None:
    """The page at /review, its script and stylesheet under /review/assets."""
    app.include_router(router)
    app.mount("/review/assets", StaticFiles(directory=ASSETS_DIR), name="review-assets")
