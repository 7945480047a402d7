"""Team members: adding (valid, unique e-mail) and listing, by service and command."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from goodwill.errors import Conflict, Invalid, NotFound
from goodwill.members.service import acting_member, add_member, find_member, list_members
from goodwill.models import Member, Role
from tests.accounts.commands import as_json, failure, ok


def test_add_normalises_the_email_and_refuses_a_duplicate(session: Session) -> None:
    ann = add_member(session, "Ann Smith", "Ann@Example.COM", Role.MANAGER)
    assert (ann.email, ann.role) == ("ann@example.com", Role.MANAGER)
    with pytest.raises(Conflict, match=r"a member with e-mail ann@example\.com already exists"):
        add_member(session, "Another Ann", "ANN@example.com")
    with pytest.raises(Invalid, match="'not-an-email' is not a valid e-mail address"):
        add_member(session, "Bob", "not-an-email")
    assert [m.name for m in list_members(session)] == ["Ann Smith"]


def test_find_member_by_email_or_name_and_the_acting_member(session: Session) -> None:
    add_member(session, "Ann Smith", "ann@example.com")
    assert find_member(session, "ANN@example.com").name == "Ann Smith"
    assert find_member(session, "ann smith").email == "ann@example.com"
    with pytest.raises(NotFound):
        find_member(session, "Zed")
    with pytest.raises(Invalid, match="no member is acting"):
        acting_member(session, None)
    with pytest.raises(NotFound, match=r"no member with e-mail 'bob@example\.com'"):
        acting_member(session, "bob@example.com")


def test_member_commands(configured: str, engine: Engine) -> None:
    assert "Added Ann Smith <ann@example.com> as admin" in (
        ok("member", "add", "Ann Smith", "ann@example.com", "--role", "admin").stdout
    )
    ok("member", "add", "Bob Jones", "bob@example.com")
    listed = as_json("member", "list")
    assert [(m["name"], m["email"], m["role"], m["active"]) for m in listed] == [
        ("Ann Smith", "ann@example.com", "admin", True),
        ("Bob Jones", "bob@example.com", "member", True),
    ]
    assert "already exists" in failure("member", "add", "Ann Again", "ANN@example.com")
    assert "is not a valid e-mail address" in failure("member", "add", "X", "x@")
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(Member)) == 2
