"""Import and export (admins): a file of records in, every record of a kind out.

``POST /imports/{kind}`` takes the file as the request body (``text/csv``, or a vCard file
for contacts with ``?filename=people.vcf``), all or nothing as on the command line and the
Import page: one bad row fails the file, and the 422 problem lists every problem (file,
line, column) in ``errors``. ``?dry_run=true`` checks the file and says what it would do,
writing nothing. Importing the same file again changes nothing.

``GET /exports/{kind}`` answers with the CSV file the import reads back unchanged; text a
spreadsheet would run as a formula is made inert (see goodwill.transfer.export).
"""

from __future__ import annotations

import secrets
import shutil
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from goodwill.errors import Invalid
from goodwill.transfer.check import ReadRules
from goodwill.transfer.columns import FileKind as Kind
from goodwill.transfer.service import ImportResult, import_file
from goodwill.web.deps import Admin, DbSession, export_csv_response
from goodwill.web.pages.imports import MAX_UPLOAD_BYTES, parse_mapping, safe_name, uploads_dir

router = APIRouter(tags=["import and export"])


_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            "text/vcard": {"schema": {"type": "string"}},
        },
    }
}


def _upload_name(filename: str) -> str:
    """The file's own name, made harmless: problems name it as the command line does."""
    if filename.lower().endswith(".vcf"):
        return safe_name(filename[:-4]).removesuffix(".csv") + ".vcf"
    return safe_name(filename)


@router.post(
    "/imports/{kind}",
    summary="Import a file of records (admin)",
    response_model=ImportResult,
    openapi_extra=_BODY,
)
async def import_records(
    request: Request,
    session: DbSession,
    caller: Admin,
    kind: Kind,
    dry_run: bool = False,
    filename: Annotated[str, Query(max_length=200)] = "upload.csv",
    encoding: Annotated[str, Query(max_length=40)] = "utf-8",
    date_format: Annotated[str, Query(max_length=40)] = "%Y-%m-%d",
    decimal_comma: bool = False,
    map: Annotated[
        list[str] | None,
        Query(max_length=4000, description="their_header=our_column, once per column"),
    ] = None,
) -> ImportResult:
    """All of the file's records, or none if any row is bad (the problem lists every one)."""
    pairs = parse_mapping("\n".join(map or []))
    declared = int(request.headers.get("content-length") or 0)
    if declared > MAX_UPLOAD_BYTES:
        raise HTTPException(413, f"the file is larger than {MAX_UPLOAD_BYTES // 2**20} MB")
    data = bytearray()
    async for chunk in request.stream():
        data += chunk
        if len(data) > MAX_UPLOAD_BYTES:
            raise HTTPException(413, f"the file is larger than {MAX_UPLOAD_BYTES // 2**20} MB")
    if not data.strip():
        raise Invalid("the request body is empty: send the file's contents")
    name = _upload_name(filename)
    folder = uploads_dir() / f"api-{secrets.token_urlsafe(16)}"
    folder.mkdir(parents=True, mode=0o700)
    try:
        path = folder / name
        path.write_bytes(bytes(data))
        rules = ReadRules(
            date_format=date_format.strip() or "%Y-%m-%d", decimal_comma=decimal_comma
        )
        result = await run_in_threadpool(
            import_file,
            session,
            kind.value,
            path,
            mapping=pairs,
            encoding=encoding.strip() or "utf-8",
            rules=rules,
            dry_run=dry_run,
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return result


@router.get(
    "/exports/{kind}",
    summary="Every record of a kind as a CSV file (admin)",
    response_class=Response,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
def export_records(session: DbSession, caller: Admin, kind: Kind) -> Response:
    """The CSV file of every record of the kind, with the columns the import reads."""
    return export_csv_response(session, kind.value)
