"""Who may sign in, from the command line: the first admin, members, passwords, roles."""

from __future__ import annotations

import re

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from goodwill.auth.service import sign_in
from goodwill.models import Member, Role
from tests.accounts.commands import failure, invoke, ok

PASSWORD = re.compile(r"[Pp]assword(?: for \S+)?: (\S+)")


def _password(output: str) -> str:
    found = PASSWORD.search(" ".join(output.split()))
    assert found is not None, output
    return found.group(1)


def test_init_makes_the_first_admin_with_a_random_password_once(
    configured: str, engine: Engine
) -> None:
    first = _password(
        ok("init", "--admin", "owner@goodwill-test.com", "--name", "Pat Owner").stdout
    )
    assert len(first) >= 12
    message = failure("init", "--admin", "other@goodwill-test.com")
    assert "there is an admin already" in message
    with Session(engine) as s:
        signed = sign_in(s, "owner@goodwill-test.com", first, "test")
        assert signed is not None
        assert signed.member.role == Role.ADMIN
        assert s.query(Member).count() == 1  # the refused second admin was not added


def test_adding_people_needs_an_admin_once_there_is_one(configured: str, engine: Engine) -> None:
    ok("init", "--admin", "owner@goodwill-test.com", "--name", "Pat Owner")
    added = ok(
        "user",
        "add",
        "rep@goodwill-test.com",
        "--name",
        "Riley Rep",
        member="owner@goodwill-test.com",
    ).stdout
    password = _password(added)
    refused = invoke(
        "user",
        "add",
        "next@goodwill-test.com",
        "--name",
        "Nico Next",
        member="rep@goodwill-test.com",
    )
    assert refused.exit_code != 0
    assert "needs the admin role" in str(refused.exception)
    renewed = _password(
        ok("user", "password", "rep@goodwill-test.com", member="rep@goodwill-test.com").stdout
    )
    assert renewed != password
    with Session(engine) as s:
        assert sign_in(s, "rep@goodwill-test.com", password, "test") is None
        assert sign_in(s, "rep@goodwill-test.com", renewed, "test") is not None
        assert {m.email for m in s.query(Member)} == {
            "owner@goodwill-test.com",
            "rep@goodwill-test.com",
        }
