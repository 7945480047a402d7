"""The REST API, ``/api/v1``: every record, Today, scores and briefs, as JSON."""

from fastapi import APIRouter

router = APIRouter()
