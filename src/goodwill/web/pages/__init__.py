"""The pages people use, server-rendered with HTMX for inline actions."""

from fastapi import APIRouter

from goodwill.web.pages import (
    accounts,
    auth,
    export,
    imports,
    programs,
    promises,
    quotes,
    settings,
    team,
    today,
    top,
)

router = APIRouter(include_in_schema=False)
router.include_router(auth.router)
router.include_router(today.router)
router.include_router(accounts.router)
router.include_router(top.router)
router.include_router(quotes.router)
router.include_router(promises.router)
router.include_router(team.router)
router.include_router(imports.router)
router.include_router(export.router)
router.include_router(settings.router)
router.include_router(programs.router)
