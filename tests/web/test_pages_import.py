"""Import: upload, a dry-run preview with every problem, then confirm; admins only."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from goodwill.models import Account
from goodwill.web.pages import imports
from goodwill.web.pages.imports import parse_mapping, safe_name
from tests.web.conftest import Client, Person

GOOD = "Customer No,name,tier\nA-1,Acme <b>Tools</b>,A\nA-2,Birch Supply,B\n"
BAD = "external_id,name,kind\nA-1,Acme Tools,customer\nA-2,,customer\nA-3,Cedar,planet\n"


def _accounts(engine: Engine) -> int:
    with Session(engine) as s:
        return int(s.scalar(select(func.count()).select_from(Account)) or 0)


def _upload(client: Client, text: str, kind: str = "accounts", mapping: str = "") -> object:
    return client.post(
        "/import/preview",
        data={"csrf_token": client.csrf, "kind": kind, "mapping": mapping},
        files={"file": ("erp accounts.csv", text.encode(), "text/csv")},
    )


def _token(html: str) -> str:
    found = re.search(r'name="token" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


def test_only_admins_may_import(
    engine: Engine, team: dict[str, Person], client_as: Callable[[str], Client]
) -> None:
    for role in ("member", "manager"):
        client = client_as(role)
        assert client.get("/import").status_code == 403
        assert _upload(client, GOOD, mapping="Customer No=external_id").status_code == 403  # type: ignore[attr-defined]
    assert _accounts(engine) == 0
    assert client_as("admin").get("/import").status_code == 200


def test_preview_shows_the_mapping_and_rows_then_confirm_imports(
    engine: Engine, team: dict[str, Person], client_as: Callable[[str], Client], configured: str
) -> None:
    client = client_as("admin")
    preview = _upload(client, GOOD, mapping="Customer No=external_id")
    text = preview.text  # type: ignore[attr-defined]
    assert preview.status_code == 200  # type: ignore[attr-defined]
    assert "Customer No" in text
    assert "mapped" in text
    assert "Acme &lt;b&gt;Tools&lt;/b&gt;" in text
    assert "importing would add 2" in text
    assert _accounts(engine) == 0  # a dry run
    token = _token(text)
    kept = imports.uploads_dir() / token
    assert (kept / "erp accounts.csv").exists()
    done = client.form_post("/import/confirm", {"token": token})
    assert done.status_code == 200
    assert "2 new" in done.text
    assert _accounts(engine) == 2
    assert not kept.exists()
    again = client.form_post("/import/confirm", {"token": token})
    assert again.status_code == 404


def test_every_problem_is_named_and_nothing_is_imported(
    engine: Engine, team: dict[str, Person], client_as: Callable[[str], Client]
) -> None:
    client = client_as("admin")
    preview = _upload(client, BAD)
    text = preview.text  # type: ignore[attr-defined]
    assert "2 problems: nothing was imported" in text
    assert '<td class="num">3</td><td>name</td>' in text
    assert "planet" in text
    assert 'name="token"' not in text  # nothing to confirm
    assert _accounts(engine) == 0
    assert not any(imports.uploads_dir().iterdir())


def test_an_upload_is_bound_to_the_session_that_made_it(
    engine: Engine, team: dict[str, Person], client_as: Callable[[str], Client]
) -> None:
    first = client_as("admin")
    token = _token(_upload(first, GOOD, mapping="Customer No=external_id").text)  # type: ignore[attr-defined]
    second = client_as("admin")  # the same admin, another browser
    assert second.form_post("/import/confirm", {"token": token}).status_code == 404
    assert second.form_post("/import/confirm", {"token": "../../etc"}).status_code == 404
    assert _accounts(engine) == 0
    cancelled = first.form_post("/import/cancel", {"token": token})
    assert cancelled.status_code == 200
    assert not (imports.uploads_dir() / token).exists()


def test_a_too_large_upload_is_refused(
    engine: Engine,
    team: dict[str, Person],
    client_as: Callable[[str], Client],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(imports, "MAX_UPLOAD_BYTES", 100)
    client = client_as("admin")
    response = _upload(client, GOOD + "A-9,x,C\n" * 50, mapping="Customer No=external_id")
    assert response.status_code == 413  # type: ignore[attr-defined]
    assert "larger than" in response.text  # type: ignore[attr-defined]
    assert not any(imports.uploads_dir().iterdir())
    assert _accounts(engine) == 0


def test_mapping_and_names_are_read_safely() -> None:
    assert parse_mapping("Customer No=external_id\n\nOrder Date = ordered_on") == {
        "Customer No": "external_id",
        "Order Date": "ordered_on",
    }
    with pytest.raises(Exception, match="their_header=our_column"):
        parse_mapping("nonsense")
    assert safe_name("../../etc/passwd") == "passwd.csv"
    assert safe_name("C:\\x\\orders 2026.CSV") == "orders 2026.CSV"
    assert Path(safe_name(None)).suffix == ".csv"
