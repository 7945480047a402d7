"""The REST API, ``/api/v1``: every record, Today, scores and briefs, as JSON.

Callers send an API token (``Authorization: Bearer gw_...``, made with ``goodwill token add``
or ``POST /api/v1/tokens``); a signed-in browser's session cookie works too (with the CSRF
header on changes). Errors are problem details (RFC 9457), made by the app's handlers.

Outreach programs (``programs.py``), import and export (``transfer.py``) and the team's
settings (``settings.py``) are here too.
"""

from fastapi import APIRouter, Depends
from fastapi.security import HTTPBearer

from goodwill.web.api import (
    accounts,
    contacts,
    members,
    programs,
    promises,
    quotes,
    scores,
    settings,
    today,
    tokens,
    touches,
    transfer,
)
from goodwill.web.api.common import PROBLEMS, storable_text

# Only for the OpenAPI document (the security scheme); deps.Needs does the checking, and a
# missing header must not fail here because a browser session may call the API too.
bearer = HTTPBearer(
    auto_error=False,
    scheme_name="apiToken",
    description="An API token: `goodwill token add NAME` or POST /api/v1/tokens.",
)

router = APIRouter(dependencies=[Depends(bearer), Depends(storable_text)], responses=PROBLEMS)
for part in (today, accounts, contacts, touches, quotes, promises, scores, members, tokens):
    router.include_router(part.router)
for part in (transfer, settings):
    router.include_router(part.router)
router.include_router(programs.router)
