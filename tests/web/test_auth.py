"""Signing in and out, sessions, CSRF and the security headers, through real HTTP requests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from goodwill.models import AuditEvent, SigninAttempt, WebSession
from goodwill.models.types import utcnow
from tests.web.conftest import Client, Person, Shop, csrf_of


def _post_signin(client: Client, email: str, password: str) -> object:
    form = client.get("/signin")
    return client.post(
        "/signin",
        data={"email": email, "password": password, "csrf_token": csrf_of(form.text)},
        follow_redirects=False,
    )


def test_pages_send_people_without_a_session_to_sign_in(client: Client) -> None:
    response = client.get("/today", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/signin?next=/today"


def test_signing_in_sets_a_safe_cookie_and_opens_today(
    client: Client, team: dict[str, Person]
) -> None:
    response = _post_signin(client, team["member"].email, team["member"].password)
    assert response.status_code == 303
    assert response.headers["location"] == "/today"
    cookie = next(
        h for h in response.headers.get_list("set-cookie") if h.startswith("goodwill_session=")
    )
    lowered = cookie.lower()
    assert "httponly" in lowered
    assert "secure" in lowered
    assert "samesite=lax" in lowered
    page = client.get("/today")
    assert page.status_code == 200
    assert "Mia Member" in page.text


def test_a_wrong_password_is_refused_and_kept_for_the_throttle(
    client: Client, team: dict[str, Person], engine: Engine
) -> None:
    response = _post_signin(client, team["member"].email, "not the password at all")
    assert response.status_code == 401
    assert "do not match" in response.text
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(SigninAttempt)) == 1
        assert s.scalar(select(func.count()).select_from(WebSession)) == 0


def test_an_unknown_email_reads_exactly_like_a_wrong_password(
    client: Client, team: dict[str, Person]
) -> None:
    unknown = _post_signin(client, "nobody@goodwill-test.com", "whatever it is here")
    wrong = _post_signin(client, team["member"].email, "whatever it is here")
    assert unknown.status_code == wrong.status_code == 401
    assert "do not match" in unknown.text


def test_sign_in_is_throttled_per_account_after_repeated_failures(
    client: Client, team: dict[str, Person]
) -> None:
    for _ in range(5):
        assert _post_signin(client, team["member"].email, "wrong password again").status_code == 401
    # Even the right password is refused now: the guesser cannot tell when they hit it.
    throttled = _post_signin(client, team["member"].email, team["member"].password)
    assert throttled.status_code == 429
    assert "too many failed sign-ins" in throttled.text
    # Another member is not locked out by it.
    assert _post_signin(client, team["manager"].email, team["manager"].password).status_code == 303


def test_the_sign_in_form_refuses_a_missing_or_forged_csrf_token(
    client: Client, team: dict[str, Person]
) -> None:
    client.get("/signin")
    forged = client.post(
        "/signin",
        data={
            "email": team["member"].email,
            "password": team["member"].password,
            "csrf_token": "forged.0000",
        },
        follow_redirects=False,
    )
    assert forged.status_code == 403
    assert "goodwill_session" not in client.cookies


def test_signing_in_rotates_the_session_and_signing_out_ends_it(
    client_as: Callable[[str], Client], client: Client, engine: Engine, team: dict[str, Person]
) -> None:
    first = client_as("member").cookies.get("goodwill_session")
    assert first
    # A browser holding that session signs in again (say, on a shared machine).
    form = client.get("/signin")
    client.cookies.set("goodwill_session", first, domain="testserver.local")
    response = client.post(
        "/signin",
        data={
            "email": team["member"].email,
            "password": team["member"].password,
            "csrf_token": csrf_of(form.text),
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    second = client.cookies.get("goodwill_session")
    assert second
    assert second != first
    with Session(engine) as s:
        ended = s.scalar(select(func.count()).where(WebSession.ended_at.is_not(None)))
        assert ended == 1  # the first session ended when the second began
    client.csrf = csrf_of(client.get("/today").text)
    out = client.form_post("/signout", follow_redirects=False)
    assert out.status_code == 303
    assert client.get("/today", follow_redirects=False).status_code == 303
    with Session(engine) as s:
        assert s.scalar(select(func.count()).where(WebSession.ended_at.is_(None))) == 0


def test_an_idle_session_ends(client_as: Callable[[str], Client], engine: Engine) -> None:
    c = client_as("member")
    with Session(engine) as s:
        s.execute(update(WebSession).values(last_seen_at=utcnow() - timedelta(minutes=61)))
        s.commit()
    assert c.get("/today", follow_redirects=False).status_code == 303


def test_a_session_ends_after_its_absolute_lifetime_however_busy(
    client_as: Callable[[str], Client], engine: Engine
) -> None:
    c = client_as("member")
    with Session(engine) as s:
        s.execute(update(WebSession).values(created_at=utcnow() - timedelta(hours=13)))
        s.commit()
    assert c.get("/today", follow_redirects=False).status_code == 303


def test_a_change_without_the_csrf_token_is_refused_and_changes_nothing(
    client_as: Callable[[str], Client], engine: Engine
) -> None:
    c = client_as("member")
    with Session(engine) as s:
        before = s.scalar(select(func.count()).select_from(AuditEvent))
    response = c.post("/signout", data={"csrf_token": "not-the-token"}, follow_redirects=False)
    assert response.status_code == 403
    assert c.get("/today", follow_redirects=False).status_code == 200  # still signed in
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(AuditEvent)) == before


def test_every_response_carries_the_security_headers(client: Client) -> None:
    response = client.get("/signin")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"
    assert response.headers["cache-control"] == "no-store"


def test_after_sign_in_only_local_paths_are_followed(
    client: Client, team: dict[str, Person]
) -> None:
    form = client.get("/signin?next=https://evil.example/")
    response = client.post(
        "/signin",
        data={
            "email": team["member"].email,
            "password": team["member"].password,
            "csrf_token": csrf_of(form.text),
            "next": "//evil.example/",
        },
        follow_redirects=False,
    )
    assert response.headers["location"] == "/today"


def test_production_refuses_to_start_without_a_secret_key_of_its_own(
    configured: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from goodwill.config import get_settings
    from goodwill.errors import Invalid
    from goodwill.web.app import create_app
    from tests.accounts.commands import invoke

    monkeypatch.setenv("GOODWILL_ENV", "production")
    monkeypatch.delenv("GOODWILL_SECRET_KEY", raising=False)
    get_settings.cache_clear()
    with pytest.raises(Invalid, match="GOODWILL_SECRET_KEY is not set"):
        create_app()
    served = invoke("serve", "--port", "1")
    assert served.exit_code != 0
    assert "GOODWILL_SECRET_KEY is not set" in str(served.exception)
    monkeypatch.setenv("GOODWILL_SECRET_KEY", "too short")
    get_settings.cache_clear()
    with pytest.raises(Invalid, match="at least 32 characters"):
        create_app()
    monkeypatch.setenv("GOODWILL_SECRET_KEY", "k" * 40)
    get_settings.cache_clear()
    assert create_app() is not None


def test_development_makes_a_random_key_once_and_keeps_it(
    configured: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from goodwill.auth.service import secret_key
    from goodwill.config import get_settings

    monkeypatch.delenv("GOODWILL_SECRET_KEY", raising=False)
    get_settings.cache_clear()
    first = secret_key()
    assert len(first) >= 32
    assert secret_key() == first
    path = get_settings().data_dir / "secret-key"
    assert path.stat().st_mode & 0o077 == 0  # readable by its owner only


@pytest.mark.parametrize(
    "back", ["https://evil.example/", "//evil.example/", "/\\evil.example/", "evil.example"]
)
def test_after_marking_a_promise_kept_only_local_paths_are_followed(
    shop: Shop, client_as: Callable[[str], Client], back: str
) -> None:
    response = client_as("member").form_post(
        f"/promises/{shop.promise}/kept", {"back": back}, follow_redirects=False
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/promises"
