"""Benchmark the web app: latency of Today and Account pages at 50 concurrent clients.

Run: .venv/bin/python -m benchmarks.web_latency [--accounts N] [--keep DIR] [--workers W]
     [--clients C] [--seconds S] [--think-ms MS] [--no-adbc]
Writes benchmarks/results/web_latency.json (at the default size; one entry per configuration)
and prints the same figures. Needs Debian's wrk (``apt-get install wrk``; scripts/install
--dev installs it).

A demo database of ``--accounts`` accounts (``goodwill demo``, then ``goodwill score``) is
made in a temporary data folder, or kept in and reused from ``--keep DIR``. The app runs in
its own process (``goodwill serve``, ``--workers`` uvicorn workers) on a free loopback port.
Several demo members sign in through the form; their Today is opened once (it makes the
day's plans, a one-off cost measured apart). Then, for each endpoint in turn, wrk (a load
generator written in C, in a process of its own, so the clients take little of the
machine's two cores from the app) keeps ``--clients`` connections on loopback, each one
client of one signed-in member (benchmarks/web_latency.lua), for ``--seconds`` seconds: the
static favicon (the trivial endpoint of the same app, for the throughput ratio), Today of
the client's member, and the Account page of an account drawn at random. Latency is each
request's time as wrk saw it (queueing in the app included); throughput is completed
requests per second. Responses other than 200, socket errors and timeouts are counted
apart. ``--think-ms`` makes each client pause between requests, as people reading a page
do (the default, 0, is the saturation test: latency is then queueing, about clients /
throughput). ``--no-adbc`` serves without goodwill.columnar's ADBC reader.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx2 as httpx

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "web_latency.json"
LUA = ROOT / "benchmarks" / "web_latency.lua"
GOODWILL = Path(sys.executable).with_name("goodwill")
DEFAULT_ACCOUNTS = 100_000
SEED = 7
TARGET_P95_MS = 50.0
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def say(line: str) -> None:
    """One line of progress."""
    print(line, flush=True)  # noqa: T201


def _env(data: Path, no_adbc: Path | None = None) -> dict[str, str]:
    env = dict(os.environ)
    if no_adbc is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(no_adbc), env.get("PYTHONPATH")]))
    env.update(
        GOODWILL_DATA_DIR=str(data),
        GOODWILL_ENV="development",
        # httpx, unlike a browser, keeps Secure cookies off plain http://127.0.0.1.
        GOODWILL_COOKIE_SECURE="false",
        GOODWILL_SESSION_IDLE_MINUTES="600",
        OPENBLAS_NUM_THREADS="1",
    )
    env.pop("GOODWILL_DATABASE_URL", None)
    env.pop("GOODWILL_MEMBER", None)
    return env


def build(data: Path, accounts: int) -> dict[str, float]:
    """The scored demo database in ``data`` (reused if a scored one is already there)."""
    marker = data / f"web-latency-{accounts}-accounts"
    if marker.exists() and (data / "goodwill.db").exists():
        say(f"reusing the demo database in {data}")
        return {}
    shutil.rmtree(data, ignore_errors=True)
    data.mkdir(parents=True)
    seconds: dict[str, float] = {}
    for step, args in (
        ("demo", ["demo", "--accounts", str(accounts), "--seed", str(SEED), "--json"]),
        ("score", ["score", "--json"]),
    ):
        say(f"goodwill {' '.join(args)} ...")
        started = time.perf_counter()
        subprocess.run(
            [str(GOODWILL), *args], env=_env(data), check=True, stdout=subprocess.DEVNULL
        )
        seconds[f"{step}_seconds"] = round(time.perf_counter() - started, 1)
        say(f"  {seconds[f'{step}_seconds']} s")
    marker.write_text("built\n")
    return seconds


def _wrk_version() -> str:
    done = subprocess.run(["wrk", "--version"], capture_output=True, text=True, check=False)
    first = (done.stdout or done.stderr).splitlines()[:1]
    return f"{first[0].split(' Copyright')[0] if first else 'wrk'}, its own process, loopback"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _adbc_stub(folder: Path) -> Path:
    """A package shadowing adbc_driver_sqlite that fails to import, so the app reads SQLite
    through its own driver only (goodwill.columnar falls back on any trouble)."""
    package = folder / "adbc_driver_sqlite"
    package.mkdir(parents=True, exist_ok=True)
    (package / "__init__.py").write_text('raise ImportError("disabled by the benchmark")\n')
    return folder


@contextmanager
def serving(data: Path, workers: int, no_adbc: Path | None = None) -> Iterator[str]:
    """The app in its own process on a free loopback port; yields its base URL."""
    port = _free_port()
    log = (data / "serve.log").open("w")
    process = subprocess.Popen(
        [
            str(GOODWILL),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        env=_env(data, no_adbc),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/static/favicon.svg", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the app did not start; see {data / 'serve.log'}")
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def _world(data: Path, members: int) -> tuple[list[str], list[int]]:
    """E-mails of the demo's members (reps first) and every account id."""
    with sqlite3.connect(data / "goodwill.db") as db:
        emails = [
            str(e)
            for (e,) in db.execute(
                "SELECT email FROM member WHERE password_hash IS NOT NULL AND active "
                "ORDER BY role = 'member' DESC, id LIMIT ?",
                (members,),
            )
        ]
        ids = [int(i) for (i,) in db.execute("SELECT id FROM account")]
    return emails, ids


async def sign_in(base: str, email: str, password: str) -> httpx.AsyncClient:
    """A client signed in through the form, as a browser does."""
    client = httpx.AsyncClient(base_url=base, timeout=60, follow_redirects=False)
    form = await client.get("/signin")
    token = CSRF.search(form.text)
    assert token is not None, "no CSRF token on the sign-in form"
    response = await client.post(
        "/signin", data={"email": email, "password": password, "csrf_token": token.group(1)}
    )
    assert response.status_code == 303, f"sign-in of {email} failed: {response.status_code}"
    return client


def _wrk(
    base: str, endpoint: str, files: tuple[Path, Path], threads: int, clients: int, **how: float
) -> dict[str, Any]:
    """One wrk run against an endpoint: its figures (see benchmarks/web_latency.lua)."""
    cookies, ids = files
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{clients}",
        f"-d{how['seconds']:g}s",
        "--timeout",
        "30s",
        "-s",
        str(LUA),
        base,
        "--",
        endpoint,
        f"{how['think_ms']:g}",
        str(cookies),
        str(ids),
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if not lines:
        raise RuntimeError(f"wrk printed no figures: {done.stdout} {done.stderr}")
    raw = json.loads(lines[-1])
    seconds = raw["duration_us"] / 1e6
    errors = raw["not_200"] + raw["socket_errors"] + raw["timeouts"]
    return {
        "requests": raw["requests"] - raw["not_200"],
        "errors": errors,
        "seconds": round(seconds, 2),
        "throughput_per_s": round((raw["requests"] - raw["not_200"]) / seconds, 1),
        **{k: round(raw[k], 1) for k in ("p50_ms", "p95_ms", "p99_ms", "max_ms", "mean_ms")},
    }


async def _cookies(base: str, emails: list[str], password: str) -> list[str]:
    """Each member signed in through the form, their Today opened once: the session cookies.

    The first Today makes every member's plan for the day (timed apart by the caller).
    """
    cookies = []
    for email in emails:
        client = await sign_in(base, email, password)
        response = await client.get("/today")
        assert response.status_code == 200, response.status_code
        cookies.append("; ".join(f"{k}={v}" for k, v in client.cookies.items()))
        await client.aclose()
    return cookies


def measure(
    base: str,
    emails: list[str],
    password: str,
    ids: list[int],
    n: int,
    seconds: float,
    think_ms: float = 0.0,
) -> dict[str, Any]:
    """Sign in, open each member's Today once, then load each endpoint in turn with wrk."""
    if shutil.which("wrk") is None:
        raise SystemExit("this benchmark needs wrk: apt-get install wrk (scripts/install --dev)")
    started = time.perf_counter()
    cookies = asyncio.run(_cookies(base, emails[:1], password))
    first_today_s = time.perf_counter() - started  # made every member's plan for the day
    cookies += asyncio.run(_cookies(base, emails[1:], password))
    # A wrk thread per member, its connections the member's clients; wrk gives every thread
    # the same number of connections, so as many members as divide the clients evenly.
    threads = max(t for t in range(1, min(len(cookies), n) + 1) if n % t == 0)
    clients = n
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="goodwill-wrk-") as folder:
        files = (Path(folder) / "cookies.txt", Path(folder) / "ids.txt")
        files[0].write_text("\n".join(cookies) + "\n")
        files[1].write_text("\n".join(map(str, ids)) + "\n")
        for name in ("trivial", "today", "account"):
            _wrk(base, name, files, threads, clients, seconds=min(2.0, seconds), think_ms=0)
            results[name] = _wrk(
                base, name, files, threads, clients, seconds=seconds, think_ms=think_ms
            )
            say(f"  {name:8} {json.dumps(results[name])}")
    trivial = results["trivial"].get("throughput_per_s")
    for name in ("today", "account"):
        if trivial and "throughput_per_s" in results[name]:
            ratio = results[name]["throughput_per_s"] / trivial
            results[name]["throughput_ratio_to_trivial"] = round(ratio, 3)
    return {
        "first_today_seconds": round(first_today_s, 2),
        "clients_run": clients,
        "wrk_threads": threads,
        "endpoints": results,
    }


def main(argv: list[str]) -> None:
    """Build or reuse the database, serve it, load it, print and write the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=DEFAULT_ACCOUNTS)
    parser.add_argument("--keep", type=Path, help="data folder to keep the database in, reused")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients")
    parser.add_argument("--seconds", type=float, default=20.0, help="load time per endpoint")
    parser.add_argument("--members", type=int, default=10, help="demo members signing in")
    parser.add_argument(
        "--think-ms",
        type=float,
        default=0.0,
        help="each client's mean pause between requests (0: back to back, the saturation test)",
    )
    parser.add_argument(
        "--no-adbc",
        action="store_true",
        help="serve without the ADBC SQLite reader (a second SQLite library in the process)",
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="goodwill-web-") as tmp:
        data = (args.keep or Path(tmp)).resolve() / "data"
        built = build(data, args.accounts)
        password = (data / "demo-password").read_text().strip()
        emails, ids = _world(data, args.members)
        load_at_start = [round(x, 2) for x in os.getloadavg()]
        say(
            f"{len(ids):,} accounts; {len(emails)} members signing in; {args.clients} clients, "
            f"{args.seconds:g} s per endpoint, {args.workers} worker(s)"
        )
        stub = _adbc_stub(Path(tmp) / "no-adbc") if args.no_adbc else None
        with serving(data, args.workers, stub) as base:
            figures = measure(
                base, emails, password, ids, args.clients, args.seconds, args.think_ms
            )
    endpoints = figures["endpoints"]
    met = all(
        endpoints[n].get("p95_ms", float("inf")) < TARGET_P95_MS and not endpoints[n]["errors"]
        for n in ("today", "account")
    )
    report = {
        "command": ".venv/bin/python -m benchmarks.web_latency " + " ".join(argv),
        "engine": "sqlite",
        "accounts": len(ids),
        "seed": SEED,
        "members_signed_in": len(emails),
        "clients": args.clients,
        "seconds_per_endpoint": args.seconds,
        "workers": args.workers,
        "think_ms": args.think_ms,
        "adbc_reader": not args.no_adbc,
        "load_generator": _wrk_version(),
        "trivial_endpoint": "GET /static/favicon.svg",
        "target_p95_ms": TARGET_P95_MS,
        "target_met": met,
        **built,
        **figures,
        "machine": {
            "python": sys.version.split()[0],
            "sqlite": sqlite3.sqlite_version,
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "load_average_at_start": load_at_start,
            "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        },
    }
    say(json.dumps(report, indent=2))
    if args.accounts == DEFAULT_ACCOUNTS:
        # One entry per configuration (workers, clients, think time); a rerun replaces its own.
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        runs: dict[str, Any] = {}
        if RESULTS.exists():
            runs = json.loads(RESULTS.read_text()).get("runs", {})
        key = f"workers={args.workers} clients={args.clients} think_ms={args.think_ms:g}"
        runs[key] = report
        RESULTS.write_text(json.dumps({"runs": runs}, indent=2) + "\n")
        say(f"written to {RESULTS.relative_to(ROOT)} as {key!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
