"""Markup typed into Goodwill shows as text and never runs: an account name, a contact's name,
a touch summary and a profile fact holding script, on Today, the account page, the search
as you type and the meeting brief; and the Content-Security-Policy stops an inline script
that got into a page anyway.

Two views of the same pages: the raw HTML (the markup arrives escaped) and the real browser
(no script ran, no dialog opened). SQLite only: escaping is the templates' work, the same on
every engine, and the engines are covered by the rest of the suite.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from goodwill.models import Account, Channel, Contact, Fact, FactKind, Touch, Value
from goodwill.models.types import utcnow
from tests.web.conftest import Client, Person, Shop, browser_sign_in, screenshot

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)

SCRIPT = "<script>window.__xss=1</script>"
IMG = '<img src=x onerror="window.__xss=1">'
SVG = '"><svg onload="window.__xss=1;alert(1)">'

ACCOUNT = f"Acme {IMG} Tools"
CONTACT = f"Pat {SVG} Lee"
SUMMARY = f"Called them {SCRIPT} about racking"
FACT = f"wants a second plant {SVG} {IMG}"

# What the browser would run: an element the markup would have made.
LIVE = re.compile(r"<script>window\.__xss|<img src=x onerror|<svg onload", re.IGNORECASE)
ESCAPED = {
    SCRIPT: "&lt;script&gt;window.__xss=1&lt;/script&gt;",
    IMG: "&lt;img src=x onerror=",
    SVG: "&lt;svg onload=",
}


def _plant(engine: Engine, shop: Shop) -> None:
    """Markup in Acme's name, Pat's name, a touch summary and a fact (all Acme's)."""
    with Session(engine) as s:
        s.info["actor"] = "test"
        s.execute(update(Account).where(Account.id == shop.acme).values(name=ACCOUNT))
        s.execute(update(Contact).where(Contact.id == shop.pat).values(name=CONTACT))
        s.add(
            Touch(
                account_id=shop.acme,
                member_id=shop.member,
                channel=Channel.CALL,
                happened_at=utcnow(),
                summary=SUMMARY,
                value=Value.INFORMATION,
            )
        )
        s.add(
            Fact(
                account_id=shop.acme,
                kind=FactKind.GOAL,
                text=FACT,
                learned_on=shop.day,
            )
        )
        s.commit()


@pytest.fixture
def planted(engine: Engine, shop: Shop) -> Shop:
    _plant(engine, shop)
    return shop


def _pages(shop: Shop) -> dict[str, tuple[str, dict[str, str], list[str]]]:
    """Each page: its URL, request headers, and the markup it must show as text."""
    return {
        "today": ("/today", {}, [IMG, SVG]),  # the account and the person to reach
        "account": (f"/accounts/{shop.acme}", {}, [IMG, SVG, SCRIPT]),
        "search": ("/accounts?q=acme", {"hx-request": "true"}, [IMG]),
        "search-person": ("/accounts?q=Pat+Lee", {"hx-request": "true"}, [IMG, SVG]),
        "brief": (f"/accounts/{shop.acme}/brief", {}, [IMG, SVG, SCRIPT]),
    }


def test_markup_arrives_escaped_in_the_html(
    planted: Shop, client_as: Callable[[str], Client]
) -> None:
    member = client_as("member")
    for name, (url, headers, shown) in _pages(planted).items():
        response = member.get(url, headers=headers)
        assert response.status_code == 200, (name, response.text[:300])
        html = response.text
        live = LIVE.findall(html)
        assert live == [], f"{name}: markup went out as markup: {live}"
        for markup in shown:
            assert ESCAPED[markup] in html, f"{name}: {markup!r} is not shown escaped"


def test_every_page_sends_a_csp_that_forbids_inline_script(
    planted: Shop, client_as: Callable[[str], Client]
) -> None:
    member = client_as("member")
    for name, (url, headers, _shown) in _pages(planted).items():
        csp = member.get(url, headers=headers).headers["content-security-policy"]
        directives = dict(d.strip().split(" ", 1) for d in csp.split(";") if d.strip())
        assert directives["script-src"] == "'self'", name
        assert "unsafe-inline" not in csp
        assert "unsafe-eval" not in csp
        assert directives["object-src"] == "'none'", name


def _watch(tab: Any) -> list[str]:
    dialogs: list[str] = []

    def on_dialog(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    tab.on("dialog", on_dialog)
    return dialogs


def test_no_script_runs_in_the_browser(
    planted: Shop, team: dict[str, Person], live_server: str, page: Any
) -> None:
    dialogs = _watch(page)
    browser_sign_in(page, live_server, team["member"])
    shown: dict[str, str] = {}
    for name in ("today", "account", "brief"):
        url, _headers, _markup = _pages(planted)[name]
        page.goto(live_server + url)
        page.wait_for_load_state("networkidle")
        assert page.evaluate("typeof window.__xss") == "undefined", name
        shown[name] = page.inner_text("main")
        screenshot(page, f"xss-{name}")
    # The markup is there as text a person can read.
    assert "Acme " + IMG + " Tools" in shown["today"]
    assert CONTACT.replace("  ", " ") in shown["account"]
    assert SUMMARY in shown["account"]
    assert SCRIPT in shown["brief"]

    # The search, as you type: the rows come back through HTMX and are swapped in.
    page.goto(f"{live_server}/accounts")
    assert "Birch Supply" in page.inner_text("#rows")  # every account, before typing
    page.locator("#q").press_sequentially("Pat Lee", delay=30)
    # The answer to the whole query: Acme, found through its person (and only Acme).
    expect(page.locator("#rows")).to_contain_text("person:")
    expect(page.locator("#rows")).not_to_contain_text("Birch Supply")
    page.wait_for_load_state("networkidle")
    rows = page.inner_text("#rows")
    assert ACCOUNT in rows
    assert CONTACT in rows
    assert page.evaluate("typeof window.__xss") == "undefined"
    screenshot(page, "xss-search")
    assert dialogs == []


def _inject(route: Any, *, keep_csp: bool) -> None:
    """Serve the real page with an inline script slipped in (as a stored XSS would)."""
    response = route.fetch()
    body = response.text().replace("</main>", "<script>window.__inline_ran=1</script></main>")
    headers = dict(response.headers)
    if not keep_csp:
        headers.pop("content-security-policy", None)
    route.fulfill(response=response, body=body, headers=headers)


def test_the_csp_stops_an_inline_script_that_got_into_a_page(
    planted: Shop, team: dict[str, Person], live_server: str, page: Any
) -> None:
    refused: list[str] = []
    page.on("console", lambda msg: refused.append(msg.text) if msg.type == "error" else None)
    browser_sign_in(page, live_server, team["member"])
    # Without the header the injected script runs: the injection itself works...
    page.route(f"{live_server}/today", lambda route: _inject(route, keep_csp=False))
    page.goto(f"{live_server}/today")
    assert page.evaluate("window.__inline_ran") == 1
    page.unroute(f"{live_server}/today")
    # ...and with the app's own header it does not.
    page.route(f"{live_server}/today", lambda route: _inject(route, keep_csp=True))
    page.goto(f"{live_server}/today")
    page.wait_for_load_state("networkidle")
    assert page.evaluate("typeof window.__inline_ran") == "undefined"
    # Chromium says why: the policy refused the inline script.
    assert any("Content Security Policy" in m and "inline script" in m for m in refused), refused
    page.errors.clear()  # that violation was this test's point, not a fault of the page
