"""Every route x every role, and with no session: who is let in, who is refused, and that a
refused request changes nothing.

The routes are read from ``create_app()`` itself, so a route added tomorrow is in the matrix
(and a route without a role check fails ``test_every_route_needs_a_role``). Path parameters
are filled with ids of real rows in a crafted world; state-changing requests carry the
session's valid CSRF token, so a refusal is the role's, not the CSRF check's.
"""

from __future__ import annotations

import enum
import types
import typing
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi import Depends, FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine
from starlette.routing import Mount

from goodwill.auth.service import may
from goodwill.db import session_scope
from goodwill.models import Channel, Role, Touch
from goodwill.models.types import utcnow
from goodwill.web.deps import DbSession, Needs, required_role
from tests.web.conftest import Client, Shop

# Routes anyone may open: the front door and signing in (and the static files, a Mount).
OPEN_ROUTES = {("GET", "/"), ("GET", "/signin"), ("POST", "/signin")}
SAFE = {"GET", "HEAD", "OPTIONS"}
ROLES = [Role.MEMBER, Role.MANAGER, Role.ADMIN]
# A path parameter ``<name>_id`` is an id of a row of table ``<name>``, but for these.
TABLE_OF = {
    "item": "plan_item",
    "order": "sales_order",
    "token": "api_token",
    "target": "program_target",
    "response": "program_response",
    "health": "health_week",
}


@dataclass(frozen=True)
class Call:
    """One route, ready to call: its method, concrete URL and the role it needs."""

    method: str
    template: str
    url: str
    role: Role
    form: dict[str, str]
    files: dict[str, tuple[str, bytes, str]]
    json: dict[str, Any] | None

    @property
    def api(self) -> bool:
        return self.template.startswith("/api/")

    def __str__(self) -> str:
        return f"{self.method} {self.template}"


def _routes(app: FastAPI) -> Iterator[tuple[str, str, Any]]:
    """(method, path, dependant) of every route but the static files and the OpenAPI doc."""
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, Mount) and route.path == "/static":
            continue
        if context.path == app.openapi_url:
            continue
        assert isinstance(route, APIRoute), f"{context.path}: not a FastAPI route, cannot check"
        dependant = getattr(context, "dependant", None) or route.dependant
        for method in sorted(context.methods or ()):
            if method != "HEAD":
                yield method, str(context.path), dependant


def _plain(annotation: Any) -> Any:
    """``X | None`` and ``Annotated[X, ...]`` as ``X``."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _plain(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return _plain(args[0])
    return annotation


class World:
    """Ids of real rows, by table, for the path parameters and form fields."""

    def __init__(self, engine: Engine, shop: Shop) -> None:
        self.shop = shop
        self.engine = engine
        self.tables = sorted(inspect(engine).get_table_names())
        inspector = inspect(engine)
        with_id = [t for t in self.tables if "id" in {c["name"] for c in inspector.get_columns(t)}]
        self.first: dict[str, int | None] = {}
        with engine.connect() as c:
            for table in with_id:
                self.first[table] = c.scalar(text(f"SELECT min(id) FROM {table}"))
            # The member's own plan item: doing someone else's is refused by the service.
            self.item = c.scalar(
                text("SELECT min(id) FROM plan_item WHERE member_id = :m"),
                {"m": shop.member},
            )
            # A program target in the member's plan: others' are refused by the service.
            self.target = c.scalar(
                text("SELECT min(id) FROM program_target WHERE member_id = :m"),
                {"m": shop.member},
            )

    def id_for(self, name: str) -> int:
        """A real id for a parameter called ``name`` (``account_id``, ``item_id``...)."""
        special = {
            "account_id": self.shop.acme,
            "contact_id": self.shop.pat,
            "promise_id": self.shop.promise,
            "quote_id": self.shop.quote,
            # Not one of the three who sign in: a route changing "a member" (role,
            # deactivation) must not lock the matrix's own callers out half way.
            "member_id": self.shop.spare,
            "item_id": self.item,
            "target_id": self.target,
        }
        if special.get(name) is not None:
            return int(special[name])
        stem = name.removesuffix("_id")
        table = TABLE_OF.get(stem, stem)
        assert table in self.first, f"cannot fill {{{name}}}: no table {table!r} (see TABLE_OF)"
        found = self.first[table]
        assert found is not None, f"cannot fill {{{name}}}: table {table} is empty; seed a row"
        return found

    def value_for(self, name: str, annotation: Any) -> str:
        """A plausible value for a path parameter or form field."""
        kind = _plain(annotation)
        if name.endswith("_id") or name == "id":
            return str(self.id_for(name))
        if isinstance(kind, type) and issubclass(kind, enum.Enum):
            return str(next(iter(kind)).value)
        if kind is date:
            return (self.shop.day + timedelta(days=7)).isoformat()
        if kind is bool:
            return "true"
        if kind is int:
            return "0"
        if kind is float:
            return "1.0"
        if kind is str:
            return "role matrix check"
        raise AssertionError(f"no value for {name}: {annotation!r}; teach World.value_for")

    def call(self, method: str, path: str, dependant: Any) -> Call:
        """The route with its path filled and its required form fields given."""
        url = path
        for param in dependant.path_params:
            value = self.value_for(param.name, param.field_info.annotation)
            url = url.replace("{" + param.name + "}", value)
        form: dict[str, str] = {}
        files: dict[str, tuple[str, bytes, str]] = {}
        json: dict[str, Any] | None = None
        for field in dependant.body_params:
            kind = type(field.field_info).__name__
            annotation = _plain(field.field_info.annotation)
            if kind == "File" or getattr(annotation, "__name__", "") == "UploadFile":
                files[field.alias] = ("accounts.csv", b"name\nRole Matrix Ltd\n", "text/csv")
            elif kind == "Form":
                if field.field_info.is_required():
                    form[field.alias] = self.value_for(field.name, annotation)
            else:
                json = {}  # a JSON body: an empty one is enough to pass the role check
        role = required_role(dependant)
        assert role is not None, f"{method} {path} has no role check"
        return Call(method, path, url, role, form, files, json)

    def counts(self) -> dict[str, int]:
        """Rows in every table (the audit log's among them)."""
        query = " UNION ALL ".join(
            f"SELECT '{t}', count(*) FROM {t}" for t in self.tables if t != "alembic_version"
        )
        with self.engine.connect() as c:
            return {str(t): int(n) for t, n in c.execute(text(query))}


def _send(client: Client, call: Call, token: str | None = None) -> Any:
    headers = {"x-csrf-token": client.csrf} if client.csrf else {}
    if token is not None:
        headers = {"authorization": f"Bearer {token}"}
    form = {"csrf_token": client.csrf, **call.form} if client.csrf and call.form else call.form
    kwargs: dict[str, Any] = {"headers": headers, "follow_redirects": False}
    if call.json is not None:
        kwargs["json"] = call.json
    elif call.files:
        kwargs["files"] = call.files
        kwargs["data"] = form
    elif call.method not in SAFE:
        kwargs["data"] = form
    return client.request(call.method, call.url, **kwargs)


def _matrix(
    app: FastAPI,
    engine: Engine,
    shop: Shop,
    client: Client,
    client_as: Callable[[str], Client],
    sample: Callable[[list[Call]], list[Call]] = lambda calls: calls,
) -> tuple[list[tuple[str, str, int]], list[str]]:
    world = World(engine, shop)
    calls = [
        world.call(method, path, dependant)
        for method, path, dependant in _routes(app)
        if (method, path) not in OPEN_ROUTES
    ]
    # Signing out ends the session the rest of the matrix calls with: last.
    calls = sample(sorted(calls, key=lambda c: c.template == "/signout"))
    callers: list[tuple[str, Client, Role | None, str | None]] = [
        ("no session", client, None, None)
    ]
    callers += [(role.value, client_as(role.value), role, None) for role in ROLES]
    # The API also with each one's API token, from a client without a session.
    callers += [(f"{role.value} token", client, role, shop.tokens[role.value]) for role in ROLES]
    problems: list[str] = []
    seen: list[tuple[str, str, int]] = []
    known: dict[str, int] | None = None  # the row counts, while no allowed call ran since
    for call in calls:
        for who, caller, role, token in callers:
            if token is not None and not call.api:
                continue
            refused = role is None or not may(role, call.role)
            before = (known or world.counts()) if refused else {}
            response = _send(caller, call, token)
            status = response.status_code
            seen.append((str(call), who, status))
            where = f"{call} as {who}: {status}"
            if role is None:
                if call.api:
                    ok = status == 401
                else:
                    location = response.headers.get("location", "")
                    ok = status == 303 and location.startswith("/signin")
            elif refused:
                ok = status == 403
            else:
                ok = status not in (401, 403) and status < 500
            if not ok:
                problems.append(f"{where} (needs {call.role.value}) {response.text[:200]!r}")
            if refused:
                known = world.counts()
                changed = {t: (n, known[t]) for t, n in before.items() if n != known[t]}
                if changed:
                    problems.append(f"{where} was refused but changed rows: {changed}")
            else:
                known = None
    return seen, problems


def test_every_route_with_every_role_and_none(
    app: FastAPI,
    engine: Engine,
    shop: Shop,
    client: Client,
    client_as: Callable[[str], Client],
) -> None:
    # PostgreSQL gets every route too: the whole matrix takes a few seconds on each engine.
    seen, problems = _matrix(app, engine, shop, client, client_as)
    assert len(seen) >= 4 * 10, f"only {len(seen)} calls: the routes were not found"
    assert problems == [], "\n".join(problems)


SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


@SQLITE_ONLY  # reads the routes only: one engine is enough
def test_every_route_needs_a_role(app: FastAPI) -> None:
    routes = list(_routes(app))
    assert {(m, p) for m, p, _ in routes} >= OPEN_ROUTES, "an open route is gone: update the list"
    missing = [
        f"{method} {path}"
        for method, path, dependant in routes
        if (method, path) not in OPEN_ROUTES and required_role(dependant) is None
    ]
    assert missing == [], f"routes without a role check (Depends on Needs(role)): {missing}"


@SQLITE_ONLY
def test_the_open_routes_are_open(client: Client, shop: Shop) -> None:
    assert client.get("/", follow_redirects=False).status_code == 303
    assert client.get("/signin").status_code == 200
    # A sign-in with a wrong password is refused by the password, not by a role check.
    assert client.post(
        "/signin", data={"email": "x@y.z", "password": "p", "csrf_token": "stale"}
    ).status_code in (401, 403)


def _probe(app: FastAPI, account_id: int, role: Role, *, leaky: bool) -> None:
    """A route needing ``role`` that logs a touch; a leaky one commits it before the check
    (in a transaction of its own, so the request's rollback cannot undo it)."""

    def touch() -> Touch:
        return Touch(account_id=account_id, channel=Channel.CALL, happened_at=utcnow(), summary="x")

    def leak() -> None:
        with session_scope(actor="probe") as own:
            own.add(touch())

    needs = [Depends(leak), Depends(Needs(role))] if leaky else [Depends(Needs(role))]

    @app.post(f"/probe/{'leaky' if leaky else 'sound'}", dependencies=needs)
    def probe(session: DbSession) -> dict[str, str]:
        session.add(touch())
        return {"ok": "yes"}


@SQLITE_ONLY
def test_the_matrix_sees_refusals_and_a_refusal_that_changed_rows(
    app: FastAPI,
    engine: Engine,
    shop: Shop,
    client: Client,
    client_as: Callable[[str], Client],
) -> None:
    """The checker itself: an admin route refuses the others with 403 and changes nothing;
    a route that writes before its role check is reported."""
    _probe(app, shop.acme, Role.ADMIN, leaky=False)
    _probe(app, shop.acme, Role.ADMIN, leaky=True)
    seen, problems = _matrix(
        app, engine, shop, client, client_as, lambda calls: [c for c in calls if "probe" in c.url]
    )
    sound = {who: status for call, who, status in seen if call == "POST /probe/sound"}
    assert sound == {"no session": 303, "member": 403, "manager": 403, "admin": 200}
    leaks = [p for p in problems if p.startswith("POST /probe/leaky")]
    assert leaks, "a refused request that wrote a row went unnoticed"
    assert all("changed rows" in p and "'touch'" in p for p in leaks), leaks
    # The leak runs before the check, so even the caller without a session leaked.
    assert {p.split(" as ")[1].split(":")[0] for p in leaks} == {"no session", "member", "manager"}
    assert len(seen) == 2 * 4
    assert [p for p in problems if not p.startswith("POST /probe/leaky")] == []
