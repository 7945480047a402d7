"""Signing in and out.

The sign-in form has no session yet, so its CSRF token is a signed random value that is
also set as a cookie (a signed double submit). Signing in always starts a new session
(the token rotates), and ends any session the browser had.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from goodwill.auth import service as auth
from goodwill.config import get_settings
from goodwill.errors import Forbidden
from goodwill.web.deps import (
    SESSION_COOKIE,
    SIGNIN_COOKIE,
    AnyMember,
    DbSession,
    optional_caller,
)
from goodwill.web.templating import local_path, render

router = APIRouter()


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path on this site only, never another host."""
    return local_path(target, "/today")


def _signin_page(
    request: Request, next_path: str, error: str | None = None, status_code: int = 200
) -> HTMLResponse:
    token = auth.signed(auth.secret_key(), secrets.token_urlsafe(16))
    response = render(
        request,
        "signin.html",
        {"signin_token": token, "next": safe_next(next_path), "error": error},
        status_code,
    )
    response.set_cookie(
        SIGNIN_COOKIE,
        token,
        httponly=True,
        secure=get_settings().cookie_secure,
        samesite="lax",
        max_age=3600,
    )
    return response


@router.get("/")
def home() -> RedirectResponse:
    """The front door: Today."""
    return RedirectResponse("/today", status_code=303)


@router.get("/signin", response_class=HTMLResponse)
def signin_form(request: Request, session: DbSession, next: str = "/today") -> Response:
    """The sign-in form (or straight on, if already signed in)."""
    if optional_caller(request, session) is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return _signin_page(request, next)


@router.post("/signin", response_class=HTMLResponse)
def signin(
    request: Request,
    session: DbSession,
    email: Annotated[str, Form(max_length=320)],
    password: Annotated[str, Form(max_length=1024)],
    csrf_token: Annotated[str, Form(max_length=200)],
    next: Annotated[str, Form(max_length=2000)] = "/today",
) -> Response:
    """Check the password, start a new session and go where the member was heading."""
    cookie = request.cookies.get(SIGNIN_COOKIE, "")
    if (
        not cookie
        or not hmac.compare_digest(cookie, csrf_token)
        or auth.check_signed(auth.secret_key(), csrf_token) is None
    ):
        return _signin_page(request, next, "The form was stale: please sign in again.", 403)
    address = request.client.host if request.client else "unknown"
    old = request.cookies.get(SESSION_COOKIE)
    if old:
        auth.sign_out(session, old)
    try:
        signed_in = auth.sign_in(session, email, password, address)
    except Forbidden as exc:  # throttled
        return _signin_page(request, next, str(exc), 429)
    if signed_in is None:
        # The failed try is kept (it counts towards the throttle): no exception, a 401 page.
        return _signin_page(request, next, "That e-mail and password do not match.", 401)
    settings = get_settings()
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        signed_in.token,
        httponly=True,
        secure=settings.cookie_secure,
        samesite="lax",
        max_age=settings.session_max_hours * 3600,
    )
    response.delete_cookie(SIGNIN_COOKIE)
    return response


@router.post("/signout")
def signout(request: Request, session: DbSession, caller: AnyMember) -> Response:
    """End this browser's session."""
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        auth.sign_out(session, token)
    response: Response = RedirectResponse("/signin", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    if request.headers.get("hx-request") == "true":
        response = Response(status_code=204, headers={"HX-Redirect": "/signin"})
        response.delete_cookie(SESSION_COOKIE)
    return response
