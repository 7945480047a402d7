"""The web app: pages for people, the REST API for programs, over the same services.

``create_app`` builds it; ``goodwill serve`` runs it with uvicorn. Errors take one code
path with two renderings: problem details (RFC 9457) for the API, a page or an HTMX partial
for people.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from goodwill import schema
from goodwill.auth.service import secret_key
from goodwill.columnar import start_reader
from goodwill.config import get_settings
from goodwill.db import get_engine
from goodwill.errors import Conflict, Forbidden, GoodwillError, Invalid, NotFound
from goodwill.transfer.problems import ImportFailed
from goodwill.web.deps import CsrfFailed, NotSignedIn
from goodwill.web.middleware import FrontDoor
from goodwill.web.templating import from_htmx, is_htmx, render

log = logging.getLogger("goodwill.web")

STATIC = Path(__file__).parent / "static"

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
    "cross-origin-opener-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
}

STATUS = {NotFound: 404, Conflict: 409, Invalid: 422, Forbidden: 403}
TITLES = {
    400: "Bad request",
    401: "Not signed in",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    422: "Not accepted",
    429: "Too many tries",
    503: "Busy",
    500: "Something went wrong",
}


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def problem(request: Request, status: int, detail: str, **extra: Any) -> Response:
    """The error as problem details (API), an error partial (HTMX) or an error page."""
    title = TITLES.get(status, "Error")
    if _wants_json(request):
        body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
        body.update(extra)
        return JSONResponse(body, status_code=status, media_type="application/problem+json")
    if from_htmx(request):
        # An inline action or a boosted form: the message goes at the top of the page,
        # which stays as it was (what was typed in the form is kept).
        response = render(
            request, "partials/error.html", {"title": title, "detail": detail}, status
        )
        response.headers["HX-Retarget"] = "#flash"
        response.headers["HX-Reswap"] = "innerHTML"
        response.headers["HX-Push-Url"] = "false"  # a boosted form stays where it was
        return response
    return render(request, "error.html", {"title": title, "detail": detail}, status)


def _install_error_handlers(app: FastAPI) -> None:
    async def goodwill_error(request: Request, exc: Exception) -> Response:
        status = next((code for cls, code in STATUS.items() if isinstance(exc, cls)), 400)
        if isinstance(exc, ImportFailed):  # every problem of the file, where and why
            errors = [
                {
                    "where": p.where(),
                    "reason": (f"value {p.value!r}: " if p.value is not None else "") + p.reason,
                }
                for p in exc.problems
            ]
            return problem(request, status, str(exc), errors=errors, total=exc.total)
        return problem(request, status, str(exc))

    async def not_signed_in(request: Request, _exc: Exception) -> Response:
        if _wants_json(request):
            response = problem(request, 401, "sign in, or send an API token as a Bearer token")
            response.headers["www-authenticate"] = 'Bearer realm="goodwill"'
            return response
        target = "/signin?next=" + quote(request.url.path, safe="/")
        if is_htmx(request):
            return Response(status_code=204, headers={"HX-Redirect": target})
        return RedirectResponse(target, status_code=303)

    async def csrf_failed(request: Request, _exc: Exception) -> Response:
        return problem(request, 403, "the form was stale or forged (CSRF check): reload the page")

    async def validation(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        errors = [
            {"where": ".".join(str(p) for p in e.get("loc", ())), "reason": e.get("msg", "")}
            for e in exc.errors()
        ]
        if _wants_json(request):
            said = [f"{e['where']}: {e['reason']}" for e in errors]
        else:  # a page's form: the field's name, not where FastAPI found it ("body.")
            said = [
                ".".join(str(p) for p in e.get("loc", ())[1:] or e.get("loc", ()))
                + f": {str(e.get('msg', '')).lower()}"
                for e in exc.errors()
            ]
        detail = "; ".join(said) or "invalid input"
        return problem(request, 422, detail, errors=errors)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        response = problem(request, exc.status_code, str(exc.detail))
        for name, value in (exc.headers or {}).items():
            response.headers[name] = value
        return response

    async def database_busy(request: Request, exc: Exception) -> Response:
        # SQLite's write lock stayed taken past the busy timeout, or the server is down:
        # nothing was changed (the transaction rolled back); the member may simply retry.
        log.warning("database unavailable on %s %s: %s", request.method, request.url.path, exc)
        response = problem(request, 503, "the database is busy or unavailable: try again")
        response.headers["retry-after"] = "2"
        return response

    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return problem(request, 500, "an unexpected error; it was logged for the team")

    app.add_exception_handler(GoodwillError, goodwill_error)
    app.add_exception_handler(NotSignedIn, not_signed_in)
    app.add_exception_handler(CsrfFailed, csrf_failed)
    app.add_exception_handler(RequestValidationError, validation)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(OperationalError, database_busy)
    app.add_exception_handler(Exception, unexpected)


@asynccontextmanager
async def _lifespan(_app: FastAPI) -> AsyncIterator[None]:
    engine = get_engine()
    if not schema.is_current(engine):
        schema.upgrade(engine)
    start_reader(engine)  # the morning's first Today reads a million rows through it
    # What the app loaded to start lives as long as the worker: keep it out of the garbage
    # collector's full passes, which otherwise walk it all and stall a request ~100 ms
    # (measured at 100k accounts; about 10 ms after this).
    gc.freeze()
    yield


def create_app() -> FastAPI:
    """The Goodwill web app on the configured database.

    Refuses (Invalid) to start in production mode without a secret key of its own.
    """
    secret_key()  # fail now, not at the first sign-in
    app = FastAPI(
        title="Goodwill",
        version="1",
        summary="Relationship-first CRM: who to contact today, why, how, and what to bring.",
        lifespan=_lifespan,
        docs_url=None,  # Swagger UI would load script from a CDN; the document is enough
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
    )

    app.add_middleware(
        FrontDoor,
        limit=get_settings().web_concurrency,
        headers=SECURITY_HEADERS,
        static_prefix="/static/",
    )
    _install_error_handlers(app)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    from goodwill.web.api import router as api_router
    from goodwill.web.pages import router as pages_router

    app.include_router(api_router, prefix="/api/v1")
    app.include_router(pages_router)
    return app
