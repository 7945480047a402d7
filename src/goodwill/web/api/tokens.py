"""The caller's own API tokens: list, make one (shown once), revoke."""

from __future__ import annotations

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from goodwill.auth import service as auth
from goodwill.auth.schemas import ApiTokenOut, NewApiTokenOut
from goodwill.web.api.common import Page, Pages, PathId
from goodwill.web.deps import AnyMember, DbSession

router = APIRouter(prefix="/tokens", tags=["tokens"])


class NewToken(BaseModel):
    """What the token is for, e.g. "ERP sync"."""

    name: str = Field(max_length=100)


@router.get("", summary="List your API tokens", response_model=Page[ApiTokenOut])
def tokens_list(session: DbSession, caller: AnyMember, pages: Pages) -> Page[ApiTokenOut]:
    """The caller's API tokens, newest first (revoked ones too)."""
    return pages.cut(auth.list_api_tokens(session, caller.member))


@router.post(
    "", summary="Make an API token (shown once)", response_model=NewApiTokenOut, status_code=201
)
def token_add(session: DbSession, caller: AnyMember, body: NewToken) -> NewApiTokenOut:
    """A new API token for the caller: the response is the only time it can be read."""
    token, row = auth.create_api_token(session, caller.member, body.name)
    return NewApiTokenOut(**ApiTokenOut.model_validate(row).model_dump(), token=token)


@router.delete(
    "/{token_id}", summary="Revoke an API token", status_code=204, response_class=Response
)
def token_revoke(session: DbSession, caller: AnyMember, token_id: PathId) -> Response:
    """Revoke one of the caller's API tokens (an admin may revoke anyone's)."""
    auth.revoke_api_token(session, caller.member, token_id)
    return Response(status_code=204)
