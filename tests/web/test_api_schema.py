"""schemathesis against the app's own OpenAPI document: no server error, and every response
conforms to the document (status code, content type, headers, body schema).

Authenticated as the admin of a small seeded world (so every operation is allowed), with a
bounded, derandomized run: 10 examples per operation, the same ones on every run. Revoking
tokens is left out (it would revoke the token the run itself uses); every other operation,
state-changing ones and the outreach programs' included, is exercised on both engines.
"""

from __future__ import annotations

import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import checks

from tests.web.api_world import ApiWorld, world

__all__ = ["world"]  # fixture

CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_headers_conformance,
    checks.response_schema_conformance,
]


def test_the_api_has_no_server_error_and_keeps_to_its_document(
    app: FastAPI, world: ApiWorld
) -> None:
    # schemathesis' pytest plugin (from_fixture) does not work with pytest 9, so each
    # operation runs as a hypothesis test of its own here, inside one test per engine.
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app).exclude(method="DELETE")
    headers = {"authorization": f"Bearer {world.tokens['admin']}"}
    ran = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(
            max_examples=10,
            derandomize=True,
            deadline=None,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def exercise(case: schemathesis.Case) -> None:
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            exercise()
        except Exception as exc:
            exc.add_note(f"in {operation.label}")
            raise
        ran.append(operation.label)
    assert len(ran) >= 30, ran
    assert "POST /api/v1/accounts/{account_id}/touches" in ran
    assert "GET /api/v1/programs/{program_id}/report" in ran
    assert "POST /api/v1/imports/{kind}" in ran
    assert "PUT /api/v1/settings/{name}" in ran
