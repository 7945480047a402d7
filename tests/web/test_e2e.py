"""End to end in a real browser (Debian's Chromium through Playwright) against the app served
by uvicorn: a member's day (sign in, Today, do an item by logging a call, the account with
its new touch and health, a promise), a manager's review of the top accounts, and an admin's
import of a CSV with an error and the Export page. Every page visited is saved in
artifacts/screenshots/.

SQLite only: these tests test the pages (HTML, HTMX, forms, the browser's view of them);
the engines are covered by the rest of the suite, the route x role matrix among it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from goodwill.models import HealthWeek, PlanItem, PlanStatus, Promise, Touch
from tests.web.conftest import Person, Shop, browser_sign_in, screenshot

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)

CALL_NOTE = "Called Birch about the racking quote: they decide on Friday"
PROMISE = "Send Birch the installation schedule"


def _health(engine: Engine, account_id: int) -> HealthWeek:
    """The account's newest stored health row."""
    with Session(engine) as s:
        row = s.scalars(
            select(HealthWeek)
            .where(HealthWeek.account_id == account_id)
            .order_by(HealthWeek.week_on.desc())
            .limit(1)
        ).one()
        s.expunge(row)
        return row


def _item_of(engine: Engine, member_id: int, account_id: int) -> PlanItem:
    with Session(engine) as s:
        item = s.scalars(
            select(PlanItem).where(
                PlanItem.member_id == member_id, PlanItem.account_id == account_id
            )
        ).one()
        s.expunge(item)
        return item


def test_a_members_day(
    shop: Shop, team: dict[str, Person], live_server: str, page: Any, engine: Engine
) -> None:
    base = live_server
    page.goto(f"{base}/today")  # not signed in: sent to the sign-in form
    expect(page).to_have_url(f"{base}/signin?next=/today")
    screenshot(page, "e2e-01-signin")
    browser_sign_in(page, base, team["member"])

    # Today: the plan, with the reasons and whom to reach.
    plan = page.locator("article.item")
    expect(plan).to_have_count(3)  # Acme's promise, Birch's quote, Dune's thank-you note
    expect(page.locator("#plan-summary")).to_contain_text("3 to do, 0 done")
    expect(page.locator(".plan")).to_contain_text("Acme Tools")
    expect(page.locator(".plan")).to_contain_text("Birch Supply")
    expect(page.locator(".plan")).to_contain_text("Reach Pat Lee")
    screenshot(page, "e2e-02-today")

    # Do Birch's item by logging the call, inline: the card settles, the page stays.
    item = _item_of(engine, shop.member, shop.birch)
    assert item.rule == "quote-follow-up"
    before = _health(engine, shop.birch)
    card = page.locator(f"#item-{item.id}")
    page.evaluate("window.__same_page = 42")
    card.get_by_text("Done: log it").click()
    card.locator("textarea[name=summary]").fill(CALL_NOTE)
    card.locator("select[name=channel]").select_option("call")
    card.locator("select[name=value]").select_option("information")
    card.get_by_role("button", name="Log and mark done").click()
    expect(page.locator(f"#item-{item.id} .badge.good")).to_have_text("done")
    assert page.evaluate("window.__same_page") == 42, "the page was reloaded"
    expect(page.locator(f"#item-{item.id} form")).to_have_count(0)
    expect(page.locator("article.item .badge.good")).to_have_count(1)  # the others still open
    # The counts at the top follow without a reload; Birch is a customer: the act is done.
    expect(page.locator("#plan-summary")).to_contain_text("2 to do, 1 done")
    expect(page.locator("#plan-summary .badge.good")).to_have_text("done")
    screenshot(page, "e2e-03-today-item-done")
    with Session(engine) as s:
        assert s.get(PlanItem, item.id).status == PlanStatus.DONE  # type: ignore[union-attr]
        touch = s.scalars(select(Touch).where(Touch.summary == CALL_NOTE)).one()
        assert touch.account_id == shop.birch
        assert touch.member_id == shop.member

    # The account: the new touch in the timeline and the health as stored now.
    page.locator(f"#item-{item.id} h3 a").click()
    expect(page).to_have_url(f"{base}/accounts/{shop.birch}")
    expect(page.locator("#timeline")).to_contain_text(CALL_NOTE)
    after = _health(engine, shop.birch)
    expect(page.locator("#health .score .big").first).to_have_text(f"{after.health:.0f}")
    # Logging the touch rescored the account (scoring.service.rescore_accounts): its row of
    # the week was replaced with one that knows of today's call and the value it brought.
    assert after.week_on == before.week_on
    assert before.days_since_value == 6
    assert after.days_since_value == 0
    assert after.health != before.health
    screenshot(page, "e2e-04-account")

    # A promise that says nothing is refused in sight, and what was typed stays typed.
    due = (shop.day + timedelta(days=20)).isoformat()
    page.locator("#promise-form input[name=what]").fill("   ")
    page.locator("#promise-form input[name=due_on]").fill(due)
    page.get_by_role("button", name="Add promise").click()
    expect(page.locator("#flash")).to_contain_text("promise must say what was promised")
    expect(page.locator("#flash")).to_be_in_viewport()
    expect(page.locator("#promise-form input[name=due_on]")).to_have_value(due)
    expect(page).to_have_url(f"{base}/accounts/{shop.birch}")
    screenshot(page, "e2e-05a-account-promise-refused")
    # A promise made on the account page is listed with the open ones.
    page.locator("#promise-form input[name=what]").fill(PROMISE)
    page.get_by_role("button", name="Add promise").click()
    expect(page).to_have_url(f"{base}/accounts/{shop.birch}#promises")
    expect(page.locator("#promises")).to_contain_text(PROMISE)
    screenshot(page, "e2e-05-account-promise")
    with Session(engine) as s:
        promise = s.scalars(select(Promise).where(Promise.what == PROMISE)).one()
        assert promise.account_id == shop.birch
        assert promise.member_id == shop.member


def test_a_manager_reviews_the_top_accounts(
    shop: Shop, team: dict[str, Person], live_server: str, page: Any, engine: Engine
) -> None:
    browser_sign_in(page, live_server, team["manager"])
    page.goto(f"{live_server}/top?member=team")
    expect(page.locator("h1")).to_have_text("Top accounts of the team")
    rows = page.locator("table.top tbody tr")
    expect(rows).to_have_count(4)
    # Sorted by value, with health, arrow and the reason; Cedar and Dune flagged neglected.
    first = _health(engine, shop.acme)
    expect(rows.first).to_contain_text("Acme Tools")
    expect(rows.first).to_contain_text(f"{first.health:.0f}")
    expect(page.locator("table.top")).to_contain_text("neglected")
    screenshot(page, "e2e-06-top-team")
    # The picker: one member's top accounts.
    page.select_option("select[name=member]", str(shop.member))
    expect(page.locator("h1")).to_have_text("Top accounts of Mia Member")
    expect(rows).to_have_count(3)  # Acme, Birch and Dune; Cedar is the manager's
    expect(page.locator("table.top")).not_to_contain_text("Cedar Works")
    screenshot(page, "e2e-07-top-member")


BAD_CSV = "external_id,name,kind\nE-1,Elm Hardware,customer\nE-2,Fir Metals,planet\n"


def test_an_admin_imports_a_csv_with_an_error(
    shop: Shop, team: dict[str, Person], live_server: str, page: Any, engine: Engine
) -> None:
    browser_sign_in(page, live_server, team["admin"])
    page.get_by_role("link", name="Import").click()
    expect(page).to_have_url(f"{live_server}/import")
    screenshot(page, "e2e-08-import")
    page.select_option("select[name=kind]", "accounts")
    page.set_input_files(
        "input[name=file]",
        files=[{"name": "erp-accounts.csv", "mimeType": "text/csv", "buffer": BAD_CSV.encode()}],
    )
    page.get_by_role("button", name="Upload and check").click()
    problems = page.locator("#problems")
    expect(problems).to_contain_text("nothing was imported")
    row = problems.locator("tbody tr")
    expect(row).to_have_count(1)
    cells = row.first.locator("td")
    expect(cells.nth(0)).to_have_text("erp-accounts.csv")
    expect(cells.nth(1)).to_have_text("3")  # the header is line 1
    expect(cells.nth(2)).to_have_text("kind")
    expect(cells.nth(3)).to_have_text("planet")
    screenshot(page, "e2e-09-import-problems")
    with Session(engine) as s:
        from goodwill.models import Account

        names = set(s.scalars(select(Account.name)))
        assert "Elm Hardware" not in names  # a file with a bad row imports nothing
    # The Export page's counts arrive after it, each from its own request.
    page.get_by_role("link", name="Export").click()
    expect(page.locator("#count-accounts")).to_have_text(f"{len(names):,}")
    expect(page.locator("#count-orders")).not_to_contain_text("counting")
    screenshot(page, "e2e-10-export")


def test_the_pages_the_browser_asks_for_answer(shop: Shop, engine: Engine, client_as: Any) -> None:
    """Two requests the browser makes that once failed: the search form sends its unset
    filters as "" (422 before), and a supplier has no health score (404 before)."""
    from goodwill.models import Account, AccountKind

    member = client_as("member")
    found = member.get(
        "/accounts?q=Pat+Lee&owner=&tier=&kind=&arrow=&flag=", headers={"hx-request": "true"}
    )
    assert found.status_code == 200
    assert "Acme Tools" in found.text
    assert "Birch Supply" not in found.text
    with Session(engine) as s:
        s.info["actor"] = "test"
        supplier = Account(name="Gum Packaging", kind=AccountKind.SUPPLIER)
        s.add(supplier)
        s.commit()
        supplier_id = supplier.id
    page = member.get(f"/accounts/{supplier_id}")
    assert page.status_code == 200, page.text[:300]
    assert "Gum Packaging" in page.text
    assert "Not scored yet" in page.text


def test_the_accounts_filters_survive_going_back(
    shop: Shop, team: dict[str, Person], live_server: str, page: Any
) -> None:
    browser_sign_in(page, live_server, team["member"])
    page.goto(f"{live_server}/accounts")
    page.select_option("select[name=tier]", "B")
    expect(page).to_have_url(f"{live_server}/accounts?q=&owner=&tier=B&kind=&arrow=&flag=")
    rows = page.locator("#rows tbody tr")
    expect(rows).to_have_count(2)  # Birch and Cedar
    page.select_option("select[name=kind]", "supplier")
    expect(page.locator("#rows")).not_to_contain_text("Birch Supply")
    # Back: HTMX restores the page it kept, and the fields show the filters of the address.
    page.go_back()
    expect(page).to_have_url(f"{live_server}/accounts?q=&owner=&tier=B&kind=&arrow=&flag=")
    expect(rows).to_have_count(2)
    expect(page.locator("select[name=tier]")).to_have_value("B")
    expect(page.locator("select[name=kind]")).to_have_value("")
    page.get_by_role("link", name="Birch Supply").click()
    expect(page).to_have_url(f"{live_server}/accounts/{shop.birch}")
    page.go_back()
    expect(rows).to_have_count(2)
    expect(page.locator("select[name=tier]")).to_have_value("B")
    screenshot(page, "e2e-11-accounts-back")


def test_on_a_phone_no_page_is_wider_than_the_screen(
    shop: Shop, team: dict[str, Person], live_server: str, page: Any
) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    browser_sign_in(page, live_server, team["manager"])
    for path in ("/today", "/accounts", f"/accounts/{shop.birch}", "/top", "/quotes", "/team"):
        page.goto(f"{live_server}{path}")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{path} is {width} px wide on a 390 px screen"
    screenshot(page, "e2e-12-phone-team")


def test_the_counts_at_the_top_follow_what_is_settled_inline(
    shop: Shop, team: dict[str, Person], live_server: str, page: Any
) -> None:
    browser_sign_in(page, live_server, team["member"])
    page.goto(f"{live_server}/quotes")
    line = page.locator("#quotes-line")
    expect(line).to_contain_text("1 open by you, 1 need a follow-up call")
    page.locator(f"#quote-{shop.quote}").get_by_role("button", name="won").click()
    expect(page.locator(f"#quote-{shop.quote}")).to_contain_text("won")
    expect(line).to_contain_text("0 open by you, 0 need a follow-up call")
    page.goto(f"{live_server}/promises")
    promises = page.locator("#promises-line")
    expect(promises).to_contain_text("1 open")
    page.locator(f"#promise-{shop.promise}").get_by_role("button", name="Kept").click()
    expect(promises).to_contain_text("0 open")
    screenshot(page, "e2e-13-promises-kept")
