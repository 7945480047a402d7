"""Jinja2 templates (named *.html, so everything is escaped) and the filters they use."""

from __future__ import annotations

import functools
import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from goodwill.agenda.playbook import PROMISE_RULES
from goodwill.config import get_settings
from goodwill.models import Channel, Value
from goodwill.words import written_day

TEMPLATES = Path(__file__).parent / "templates"

CHANNEL_WORDS = {
    Channel.CALL: "call",
    Channel.VISIT: "visit",
    Channel.SIT_DOWN: "sit-down meeting",
    Channel.NOTE: "handwritten note",
    Channel.EMAIL: "e-mail",
    Channel.EVENT: "event",
    Channel.OTHER: "other",
}
VALUE_WORDS = {
    Value.NONE: "nothing in particular",
    Value.INFORMATION: "useful information",
    Value.INTRODUCTION: "an introduction",
    Value.EXTRA_MILE: "an extra mile",
    Value.THANKS: "thanks",
}
NONE = "\u2013"  # an en dash stands for "no value"
ARROWS = {"up": "↑", "down": "↓", "flat": "→"}


def money(minor: int | None, currency: str | None = None) -> str:
    """Minor units as an amount with thousands separators and the currency code."""
    if minor is None:
        return NONE
    code = currency or get_settings().currency
    return f"{Decimal(minor).scaleb(-2):,.2f} {code}"


def short_money(minor: int | None) -> str:
    """An amount rounded for tables: 12.3k, 1.2M."""
    if minor is None:
        return NONE
    units = minor / 100
    for limit, suffix in ((1e6, "M"), (1e3, "k")):
        if abs(units) >= limit:
            return f"{units / limit:,.1f}{suffix}"
    return f"{units:,.0f}"


def day(value: date | datetime | None) -> str:
    """A day as people write it: 3 Dec 2026."""
    if value is None:
        return NONE
    return written_day(value)


def moment(value: datetime | None) -> str:
    """A moment, in UTC: 3 Dec 2026 14:05."""
    if value is None:
        return NONE
    return f"{value.day} {value:%b %Y %H:%M}"


def percent(value: float | None, digits: int = 0) -> str:
    """A share as a percentage."""
    if value is None:
        return NONE
    return f"{value * 100:.{digits}f}%"


def json_script(value: Any) -> Markup:
    """JSON safe to put in a ``<script type="application/json">`` element."""
    text = json.dumps(value, default=str)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)


templates = Jinja2Templates(directory=str(TEMPLATES))


@functools.lru_cache(maxsize=4096)
def phone(number: str | None) -> str:
    """A stored number (E.164, ``+13304068639``) as people read it (``+1 330-406-8639``);
    anything that is not a valid number stays as it is."""
    if not number:
        return ""
    import phonenumbers  # its metadata loads on first use

    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return number
    if not phonenumbers.is_valid_number(parsed):
        return number  # reformatting a number it does not know would only garble it
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


templates.env.filters.update(
    money=money,
    short_money=short_money,
    day=day,
    moment=moment,
    percent=percent,
    json_script=json_script,
    channel=lambda c: CHANNEL_WORDS.get(c, str(c)),
    value_words=lambda v: VALUE_WORDS.get(v, str(v)),
    arrow=lambda a: ARROWS.get(a, a),
    phone=phone,
)
templates.env.globals.update(
    channels=list(Channel), values=list(Value), ARROWS=ARROWS, promise_rules=PROMISE_RULES
)


def from_htmx(request: Request) -> bool:
    """Whether HTMX sent the request (an inline action, or a boosted link or form)."""
    return request.headers.get("hx-request") == "true"


def is_htmx(request: Request) -> bool:
    """Whether HTMX asked for a piece of a page (a boosted link wants the whole page)."""
    return from_htmx(request) and not request.headers.get("hx-boosted")


def local_path(target: str | None, default: str) -> str:
    """``target`` when it is a path on this site, else ``default``: never another host
    (``//host``, ``/\\host`` and ``https://host`` are refused)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


def see_other(request: Request, url: str) -> Response:
    """After a form's POST, go to ``url``: a 303 for a plain form; for a boosted one
    (HTMX), ``HX-Redirect`` and ``HX-Refresh``, so that the browser loads it whole, its
    ``#part`` included, even when only the ``#part`` differs from where it is."""
    if from_htmx(request):
        return Response(status_code=200, headers={"HX-Redirect": url, "HX-Refresh": "true"})
    return RedirectResponse(url, status_code=303)


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> HTMLResponse:
    """The template ``name`` rendered for this request (with the caller, for the menu)."""
    full = {"caller": getattr(request.state, "caller", None), **(context or {})}
    return templates.TemplateResponse(request, name, full, status_code=status_code)
