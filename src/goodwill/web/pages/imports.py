"""Import (admins): upload a CSV, preview it as a dry run with every problem, then import it.

Between the preview and the confirm the uploaded file is kept on the server, in
``<data folder>/uploads/<token>/<file name>``: the token is 32 random bytes (URL-safe), so
the folder cannot be guessed, and a ``pending.json`` beside the file binds it to the admin
and to their web session (a hash of the session's CSRF token) along with the options it
was previewed with, so the confirm imports exactly what was previewed, and only from the
browser that uploaded it. The folder is removed after the import, on cancel, and when it is
more than a day old (swept at every upload). Keeping it rather than asking for the file
again means the admin cannot confirm a different file than the one they saw.

The file keeps its own (sanitised) name inside the folder so that problems name it as the
command line does. Uploads are capped at ``MAX_UPLOAD_BYTES``; a larger one is refused with
413 and nothing is kept.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from goodwill.config import get_settings
from goodwill.errors import Invalid, NotFound
from goodwill.transfer.check import ReadRules, normalise_header
from goodwill.transfer.columns import KINDS
from goodwill.transfer.csvfile import read_csv
from goodwill.transfer.problems import PROBLEM_CAP, ImportFailed, Problem
from goodwill.transfer.service import import_file, kind_spec
from goodwill.web.deps import Admin, DbSession
from goodwill.web.templating import render

router = APIRouter()

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
PREVIEW_ROWS = 10
KEEP_SECONDS = 24 * 3600
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{43}$")
_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Pending:
    """An uploaded file waiting for its confirm, with the options it was previewed with."""

    token: str
    path: Path
    member_id: int
    session_hash: str
    kind: str
    mapping: dict[str, str]
    encoding: str
    date_format: str
    decimal_comma: bool

    def rules(self) -> ReadRules:
        """How dates and amounts are read."""
        return ReadRules(date_format=self.date_format, decimal_comma=self.decimal_comma)


def uploads_dir() -> Path:
    """Where pending uploads are kept."""
    return get_settings().data_dir / "uploads"


def _session_hash(csrf_token: str) -> str:
    return hashlib.sha256(f"import:{csrf_token}".encode()).hexdigest()


def parse_mapping(text: str) -> dict[str, str]:
    """``their_header=our_column`` pairs, one a line (or separated by commas)."""
    mapping: dict[str, str] = {}
    for pair in re.split(r"[\n,]", text):
        if not pair.strip():
            continue
        theirs, sep, ours = pair.partition("=")
        if not sep or not theirs.strip() or not ours.strip():
            raise Invalid(f"column mapping {pair.strip()!r}: write it as their_header=our_column")
        mapping[theirs.strip()] = ours.strip()
    return mapping


def safe_name(name: str | None) -> str:
    """The upload's own file name, reduced to harmless characters, ending in .csv."""
    base = Path((name or "").replace("\\", "/")).name
    base = re.sub(r"[^A-Za-z0-9._ -]", "_", base).strip(" .") or "upload"
    if not base.lower().endswith(".csv"):
        base += ".csv"
    return base[-120:]


def _sweep(folder: Path) -> None:
    if not folder.is_dir():
        return
    cutoff = time.time() - KEEP_SECONDS
    for child in folder.iterdir():
        if child.is_dir() and child.stat().st_mtime < cutoff:
            shutil.rmtree(child, ignore_errors=True)


def _pending(token: str, caller: Admin) -> Pending:
    if not _TOKEN.fullmatch(token):
        raise NotFound("no such upload: upload the file again")
    folder = uploads_dir() / token
    try:
        meta = json.loads((folder / "pending.json").read_text("utf-8"))
    except (OSError, ValueError):
        raise NotFound(
            "the upload is gone (imported, cancelled or expired): upload it again"
        ) from None
    if meta["member_id"] != caller.member.id or meta["session_hash"] != _session_hash(
        caller.csrf_token
    ):
        raise NotFound("no such upload for this session: upload the file again")
    return Pending(
        token=token,
        path=folder / meta["file"],
        **{
            k: meta[k]
            for k in (
                "member_id",
                "session_hash",
                "kind",
                "mapping",
                "encoding",
                "date_format",
                "decimal_comma",
            )
        },
    )


def _columns(path: Path, kind: str, mapping: dict[str, str], encoding: str) -> dict[str, Any]:
    """The file's header with the column each one is read as, and its first rows."""
    spec = kind_spec(kind)
    try:
        table = read_csv(path, encoding=encoding)
    except ImportFailed:
        return {"header": [], "rows": [], "delimiter": None, "total_rows": 0}
    wanted = {normalise_header(k): normalise_header(v) for k, v in mapping.items()}
    known = set(spec.names)
    header = []
    for text in table.header:
        key = normalise_header(text)
        ours = wanted.get(key, key)
        header.append(
            {"theirs": text, "ours": ours if ours in known else None, "mapped": key in wanted}
        )
    first = table.frame.head(PREVIEW_ROWS)
    rows = [
        {
            "line": table.line_of(int(r["__row"])),
            "values": [r[c] for c in first.columns if c != "__row"],
        }
        for r in first.iter_rows(named=True)
    ]
    missing = [
        c.name for c in spec.columns if c.required and c.name not in {h["ours"] for h in header}
    ]
    delimiter = {"\t": "tab", ",": "comma", ";": "semicolon", "|": "bar"}.get(
        table.delimiter, table.delimiter
    )
    return {
        "header": header,
        "rows": rows,
        "delimiter": delimiter,
        "total_rows": table.frame.height,
        "missing": missing,
    }


def _form(request: Request, **context: Any) -> Response:
    full: dict[str, Any] = {
        "kinds": list(KINDS),
        "max_mb": MAX_UPLOAD_BYTES // (1024 * 1024),
        "kind": "orders",
        "mapping_text": "",
        "encoding": "utf-8",
        "date_format": "%Y-%m-%d",
        "decimal_comma": False,
        **context,
    }
    return render(request, "imports/form.html", full)


@router.get("/import", response_class=HTMLResponse)
def import_page(request: Request, caller: Admin) -> Response:
    """The upload form: what the file holds, and how to read it."""
    return _form(request)


def _problems(failed: ImportFailed) -> dict[str, Any]:
    return {"problems": failed.problems, "total": failed.total, "cap": PROBLEM_CAP}


@router.post("/import/preview", response_class=HTMLResponse)
async def import_preview(
    request: Request,
    session: DbSession,
    caller: Admin,
    kind: Annotated[str, Form(max_length=20)],
    file: Annotated[UploadFile, File()],
    mapping: Annotated[str, Form(max_length=4000)] = "",
    encoding: Annotated[str, Form(max_length=40)] = "utf-8",
    date_format: Annotated[str, Form(max_length=40)] = "%Y-%m-%d",
    decimal_comma: Annotated[bool, Form()] = False,
) -> Response:
    """Keep the upload and check it as a dry run: the mapping, first rows and every problem."""
    kind_spec(kind)
    pairs = parse_mapping(mapping)
    declared = int(request.headers.get("content-length") or 0)
    too_big = (
        f"the file is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB; "
        "split it and import the parts"
    )
    if declared > MAX_UPLOAD_BYTES + 64 * 1024:
        raise HTTPException(413, too_big)
    base = uploads_dir()
    base.mkdir(parents=True, exist_ok=True)
    _sweep(base)
    token = secrets.token_urlsafe(32)
    folder = base / token
    folder.mkdir(mode=0o700)
    name = safe_name(file.filename)
    path = folder / name
    size = 0
    with path.open("wb") as out:
        while chunk := await file.read(_CHUNK):
            size += len(chunk)
            if size > MAX_UPLOAD_BYTES:
                out.close()
                shutil.rmtree(folder, ignore_errors=True)
                raise HTTPException(413, too_big)
            out.write(chunk)
    meta = {
        "file": name,
        "member_id": caller.member.id,
        "session_hash": _session_hash(caller.csrf_token),
        "kind": kind.strip().lower(),
        "mapping": pairs,
        "encoding": encoding.strip() or "utf-8",
        "date_format": date_format.strip() or "%Y-%m-%d",
        "decimal_comma": decimal_comma,
    }
    (folder / "pending.json").write_text(json.dumps(meta), "utf-8")
    # Checking the file is database and CPU work: the thread pool, not the event loop.
    return await run_in_threadpool(_preview, request, session, caller, token, name, size, pairs)


def _preview(
    request: Request,
    session: DbSession,
    caller: Admin,
    token: str,
    name: str,
    size: int,
    pairs: dict[str, str],
) -> Response:
    """The dry run of a kept upload, rendered as its preview."""
    pending = _pending(token, caller)
    folder = pending.path.parent
    path = pending.path
    context: dict[str, Any] = {
        "pending": pending,
        "name": name,
        "size": size,
        "result": None,
        "problems": [],
        "total": 0,
        "cap": PROBLEM_CAP,
        **_columns(path, pending.kind, pairs, pending.encoding),
    }
    try:
        context["result"] = import_file(
            session,
            pending.kind,
            path,
            mapping=pairs,
            encoding=pending.encoding,
            rules=pending.rules(),
            dry_run=True,
        )
    except ImportFailed as failed:
        context.update(_problems(failed))
        shutil.rmtree(folder, ignore_errors=True)  # nothing to confirm: do not keep it
    return render(request, "imports/preview.html", context)


@router.post("/import/confirm", response_class=HTMLResponse)
def import_confirm(
    request: Request, session: DbSession, caller: Admin, token: Annotated[str, Form(max_length=60)]
) -> Response:
    """Import the previewed file: every row, or none if any is bad."""
    pending = _pending(token, caller)
    try:
        result = import_file(
            session,
            pending.kind,
            pending.path,
            mapping=pending.mapping,
            encoding=pending.encoding,
            rules=pending.rules(),
        )
    except ImportFailed as failed:
        # The records changed since the preview; nothing was written.
        session.rollback()
        shutil.rmtree(pending.path.parent, ignore_errors=True)
        problems = [Problem(p.file, p.line, p.column, p.value, p.reason) for p in failed.problems]
        return render(
            request,
            "imports/preview.html",
            {
                "pending": None,
                "name": pending.path.name,
                "result": None,
                "problems": problems,
                "total": failed.total,
                "cap": PROBLEM_CAP,
                "header": [],
                "rows": [],
            },
            422,
        )
    shutil.rmtree(pending.path.parent, ignore_errors=True)
    return render(request, "imports/done.html", {"result": result})


@router.post("/import/cancel", response_class=HTMLResponse)
def import_cancel(
    request: Request, caller: Admin, token: Annotated[str, Form(max_length=60)]
) -> Response:
    """Drop a previewed upload without importing it."""
    pending = _pending(token, caller)
    shutil.rmtree(pending.path.parent, ignore_errors=True)
    return _form(request, flash="The upload was dropped; nothing was imported.")
