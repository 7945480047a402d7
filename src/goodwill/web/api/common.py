"""What every API route shares: pages of lists, allow-listed filters, problem responses, ids.

Lists answer one page at a time ({"items", "total", "limit", "offset"}), and a list refuses
query parameters it does not know (422), so a misspelt filter cannot silently list everything.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Path, Query, Request
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import AfterValidator, AwareDatetime, BaseModel, Field

T = TypeVar("T")

MAX_LIMIT = 500
MAX_ID = 2**31 - 1  # ids are 32-bit in PostgreSQL; larger ones are simply not there


class Page(BaseModel, Generic[T]):
    """One page of a list: its items, how many there are in all, and where the page starts."""

    items: list[T]
    total: int
    limit: int
    offset: int


class FieldProblem(BaseModel):
    """Where a request was not acceptable, and why."""

    where: str
    reason: str


class Problem(BaseModel):
    """An error as problem details (RFC 9457); ``errors`` lists each invalid field."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    errors: list[FieldProblem] | None = None
    total: int | None = Field(
        default=None, description="a failed import: how many problems in all (errors lists 50)"
    )


PROBLEM_REF = "#/components/schemas/Problem"


def _problem(description: str) -> dict[str, Any]:
    return {
        "model": Problem,
        "description": description,
        "content": {
            "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
        },
    }


PROBLEMS: dict[int | str, dict[str, Any]] = {
    401: _problem("Not signed in: send an API token as `Authorization: Bearer gw_...`"),
    403: _problem("The caller's role does not allow this"),
    404: _problem("The record does not exist"),
    409: _problem("The change clashes with what is stored"),
    422: _problem("The request is not acceptable; `errors` says where and why"),
}


def _in_range(day: date) -> date:
    if not date(1900, 1, 1) <= day <= date(2999, 12, 31):
        raise ValueError("must be a day from 1900-01-01 to 2999-12-31")
    return day


def _moment_in_range(moment: datetime) -> datetime:
    _in_range(moment.date())
    return moment


Day = Annotated[date, AfterValidator(_in_range)]
"""A calendar day within reason (so date arithmetic never overflows)."""

Moment = Annotated[AwareDatetime, AfterValidator(_moment_in_range)]
"""A moment with its time zone, within reason."""

Id = Annotated[int, Field(ge=1, le=MAX_ID)]
"""The id of a record in a request body."""

PathId = Annotated[int, Path(ge=1, le=MAX_ID)]
"""The id of a record in the path."""

QueryId = Annotated[int | None, Query(ge=1, le=MAX_ID)]
"""The id of a record as a filter (None: not filtered by it)."""


def now() -> datetime:
    """This moment, in UTC."""
    return datetime.now(UTC)


def _unstorable(value: Any, where: str) -> str | None:
    """Where a JSON value holds text no database can store (NUL, a lone surrogate)."""
    if isinstance(value, str):
        if "\x00" in value:
            return where
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return where
        return None
    if isinstance(value, dict):
        items: Any = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return None
    for key, item in items:
        found = _unstorable(key, where) or _unstorable(item, f"{where}.{key}")
        if found:
            return found
    return None


async def storable_text(request: Request) -> None:
    """422 for text a database cannot store (PostgreSQL refuses NUL), before any route runs."""
    found = _unstorable(dict(request.query_params), "query")
    if found is None and request.headers.get("content-type", "").startswith("application/json"):
        try:
            found = _unstorable(json.loads(await request.body()), "body")
        except ValueError:
            return  # not JSON: the route's own validation says so
    if found is not None:
        raise RequestValidationError(
            [
                {
                    "type": "string_type",
                    "loc": tuple(found.split(".")),
                    "msg": "holds a NUL character or a lone surrogate, which cannot be stored",
                    "input": None,
                }
            ]
        )


def _query_names(dependant: Dependant) -> set[str]:
    names = {p.alias for p in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


def _allowed(route: APIRoute) -> frozenset[str]:
    # A walk over a handful of dependencies: cheaper than any cache keyed by route.
    return frozenset(_query_names(route.dependant))


def only_allowed_parameters(request: Request) -> None:
    """422 (RequestValidationError) for a query parameter the route does not declare."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    allowed = _allowed(route)
    unknown = sorted(set(request.query_params) - allowed)
    if unknown:
        listed = ", ".join(sorted(allowed)) or "none"
        raise RequestValidationError(
            [
                {
                    "type": "extra_forbidden",
                    "loc": ("query", name),
                    "msg": f"not a parameter of this list (allowed: {listed})",
                    "input": request.query_params[name],
                }
                for name in unknown
            ]
        )


@dataclass(frozen=True)
class Paging:
    """Which page of a list was asked for."""

    limit: int
    offset: int

    def page(self, items: list[T], total: int) -> Page[T]:
        """This page, from items the service already cut to it."""
        return Page(items=items, total=total, limit=self.limit, offset=self.offset)

    def cut(self, every: list[T]) -> Page[T]:
        """This page of a short list the service gave in full (members, people, plan items)."""
        return self.page(every[self.offset : self.offset + self.limit], len(every))


def paging(
    request: Request,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page.")] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_ID, description="Items to skip.")] = 0,
) -> Paging:
    """The page asked for; refuses query parameters the list does not allow."""
    only_allowed_parameters(request)
    return Paging(limit=limit, offset=offset)


Pages = Annotated[Paging, Depends(paging)]

Strict = Annotated[None, Depends(only_allowed_parameters)]
"""For a report that is not a list: it too refuses query parameters it does not know."""


def twelve_months_to(end: date) -> date:
    """The first day of the month eleven months before ``end``'s: twelve whole months."""
    months = end.year * 12 + end.month - 1 - 11
    return date(months // 12, months % 12 + 1, 1)
