"""The pages people use, server-rendered with HTMX for inline actions."""

from fastapi import APIRouter

from goodwill.web.pages import accounts, auth, today

router = APIRouter(include_in_schema=False)
router.include_router(auth.router)
router.include_router(today.router)
router.include_router(accounts.router)
