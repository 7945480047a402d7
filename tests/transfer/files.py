"""Plain functions that write import files and seed what they refer to."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from goodwill.models import Account, Member, Role


def write(folder: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    """A file with exactly this text (newlines as given)."""
    path = folder / name
    path.write_bytes(text.encode(encoding))
    return path


def seed(session: Session) -> dict[str, int]:
    """Two accounts (A-1, B-2), one without an external id, and two members; their ids."""
    ann = Member(name="Ann Smith", email="ann@example.com", role=Role.MEMBER)
    bob = Member(name="Bob Jones", email="bob@example.com", role=Role.MANAGER)
    acme = Account(name="Acme Tools", external_id="A-1")
    globex = Account(name="Globex", external_id="B-2")
    loose = Account(name="No Id Yet")
    session.add_all([ann, bob, acme, globex, loose])
    session.commit()
    return {"ann": ann.id, "bob": bob.id, "A-1": acme.id, "B-2": globex.id, "loose": loose.id}
