"""Running ``goodwill`` commands in-process, as the record-service CLI tests do."""

from __future__ import annotations

import json
from typing import Any

from typer.testing import CliRunner, Result

from goodwill.cli.main import app
from goodwill.errors import GoodwillError

runner = CliRunner()


def invoke(*args: str, member: str | None = None) -> Result:
    """Run the command (acting as ``member`` if given) and return its result."""
    prefix = ["--as", member] if member else []
    return runner.invoke(app, [*prefix, *args], env={"COLUMNS": "160"})


def ok(*args: str, member: str | None = None) -> Result:
    """Run the command and insist it succeeded."""
    result = invoke(*args, member=member)
    assert result.exit_code == 0, (result.output, result.exception)
    return result


def as_json(*args: str, member: str | None = None) -> Any:
    """Run a command with --json and parse what it printed."""
    return json.loads(ok(*args, "--json", member=member).stdout)


def failure(*args: str, member: str | None = None) -> str:
    """Run a command that must fail with a Goodwill error; returns the one-line message."""
    result = invoke(*args, member=member)
    assert result.exit_code != 0
    assert isinstance(result.exception, GoodwillError), result.exception
    message = str(result.exception)
    assert "\n" not in message
    return message
