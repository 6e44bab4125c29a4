"""Booking throughput over HTTP on PostgreSQL, against the floor of bare asyncpg.

Scenarios, all in one run on the same PostgreSQL server:
  (a) one client booking sequentially;
  (b) 50 concurrent clients booking 1 seat each on a large-capacity event, from a cold start
      (the first statements on each pooled connection are prepared then), and once more, warm;
  (c) 200 simultaneous buyers for 100 seats (contention; must never oversell);
  (d) (b) once more, each request with an Idempotency-Key, as the service's pages send;
  floor: bare asyncpg doing the same atomic decrement + insert: 1 client on 1 connection,
      32 clients on 32 connections (the floor the goal is set against), and 50 clients on
      a pool as small as the service's (the stronger floor: fewer connections contend less).

The service runs as `stagedoor serve` in its own process (one uvicorn worker), the load comes
from this process over loopback. Prints a table; asserts nothing.

    .venv/bin/python benchmarks/booking.py [--requests 2000] [--pool 12]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from subprocess import DEVNULL

import asyncpg
import httptools
import httpx

ROOT = Path(__file__).resolve().parents[1]
BUYERS = 50
"""Concurrent buyers in (b) and (d), and clients of the floor on the service's pool size."""
PG_URL = os.environ.get(
    "STAGEDOOR_TEST_POSTGRES_URL", "postgresql://stagedoor:stagedoor@127.0.0.1:5432/stagedoor_test"
)


class Result:
    def __init__(self, name: str) -> None:
        self.name = name
        self.latencies: list[float] = []
        self.codes: dict[int, int] = {}
        self.elapsed = 0.0
        self.oversold = 0
        self.cpu = 0.0  # seconds of CPU the web process spent on the scenario
        self.load_cpu = 0.0  # and this process, making the load

    @property
    def load_ms(self) -> float:
        """CPU per successful order in this process (asyncpg for the floor, the HTTP load)."""
        return 1000 * self.load_cpu / self.ok if self.ok else 0.0

    @property
    def cpu_ms(self) -> float:
        """Web-process CPU per successful order: a figure the machine's other load barely
        moves, unlike throughput (the machine may be shared)."""
        return 1000 * self.cpu / self.ok if self.ok else 0.0

    def add(self, code: int, seconds: float) -> None:
        self.codes[code] = self.codes.get(code, 0) + 1
        self.latencies.append(seconds)

    @property
    def ok(self) -> int:
        return self.codes.get(201, 0) + self.codes.get(200, 0)

    @property
    def rate(self) -> float:
        return self.ok / self.elapsed if self.elapsed else 0.0

    def pct(self, p: float) -> float:
        if not self.latencies:
            return 0.0
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000


async def run_clients(
    clients: int, total: int, one: Callable[[int], Awaitable[int]], result: Result
) -> None:
    counter = iter(range(total))

    async def client() -> None:
        for i in counter:
            t0 = time.perf_counter()
            code = await one(i)
            result.add(code, time.perf_counter() - t0)

    t0 = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    result.elapsed = time.perf_counter() - t0


# ---------------------------------------------------------------- the floor: bare asyncpg
FLOOR_SCHEMA = """
CREATE TABLE floor_events (id uuid PRIMARY KEY, capacity int NOT NULL,
                           booked int NOT NULL DEFAULT 0 CHECK (booked <= capacity));
CREATE TABLE floor_orders (id uuid PRIMARY KEY,
                           event_id uuid NOT NULL REFERENCES floor_events,
                           guest uuid NOT NULL, seats int NOT NULL,
                           created_at timestamptz NOT NULL);
"""


async def floor(
    dsn: str, connections: int, total: int, rounds: int = 1, clients: int | None = None
) -> list[Result]:
    """`rounds` runs on one pool: the first cold, the next with every statement prepared.
    `clients` concurrent clients (as many as connections unless said) share the pool."""
    clients = clients or connections
    pool = await asyncpg.create_pool(dsn, min_size=connections, max_size=connections)
    event = uuid.uuid4()
    await pool.execute("INSERT INTO floor_events VALUES ($1, $2, 0)", event, 10_000_000)

    async def one(_: int) -> int:
        async with pool.acquire() as conn, conn.transaction():
            row = await conn.fetchrow(
                "UPDATE floor_events SET booked = booked + 1 "
                "WHERE id = $1 AND booked + 1 <= capacity RETURNING booked",
                event,
            )
            if row is None:
                return 409
            await conn.execute(
                "INSERT INTO floor_orders VALUES ($1, $2, $3, 1, now())",
                uuid.uuid4(),
                event,
                uuid.uuid4(),
            )
            return 201

    results = []
    for n in range(rounds):
        name = f"floor asyncpg, {connections} conn"
        if clients != connections:
            name = f"floor asyncpg, {clients} on {connections} conn"
        result = Result(name + (", warm" if n else ""))
        load = time.process_time()
        await run_clients(clients, total, one, result)
        result.load_cpu = time.process_time() - load
        results.append(result)
    await pool.close()
    return results


# ---------------------------------------------------------------- the service over HTTP
def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_service(
    dsn: str, port: int, data_dir: Path, redis_url: str | None, pool: int
) -> list[subprocess.Popen[bytes]]:
    """`stagedoor serve`, plus `stagedoor worker` when the outbox goes through Redis."""
    env = {
        **os.environ,
        "STAGEDOOR_DATABASE_URL": dsn,
        "STAGEDOOR_DATA_DIR": str(data_dir),
        "STAGEDOOR_DB_POOL_MIN": str(pool),  # opened up front, as the floor's pool is
        "STAGEDOOR_DB_POOL_MAX": str(pool),
        "STAGEDOOR_LOG_LEVEL": "WARNING",
    }
    env.pop("STAGEDOOR_REDIS_URL", None)
    if redis_url:
        env["STAGEDOOR_REDIS_URL"] = redis_url
    cli = [sys.executable, "-m", "entrypoints.cli"]
    procs = [
        subprocess.Popen([*cli, "serve", "--port", str(port)], env=env, cwd=ROOT, stdout=DEVNULL)
    ]
    if redis_url:
        worker = [*cli, "worker", "--processes", "1", "--threads", "2"]
        procs.append(subprocess.Popen(worker, env=env, cwd=ROOT, stdout=DEVNULL, stderr=DEVNULL))
    return procs


async def wait_ready(client: httpx.AsyncClient) -> None:
    for _ in range(200):
        try:
            if (await client.get("/health")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.1)
    raise RuntimeError("the service did not start")


async def account(client: httpx.AsyncClient, name: str) -> dict[str, str]:
    email = f"{name}-{secrets.token_hex(4)}@bench.example"
    body = {"full_name": name, "email": email, "password": "bench-password"}
    (await client.post("/api/v1/auth/register", json=body)).raise_for_status()
    login = await client.post(
        "/api/v1/auth/login", json={"email": email, "password": body["password"]}
    )
    login.raise_for_status()
    return {"Authorization": f"Bearer {login.json()['access_token']}"}


async def new_event(client: httpx.AsyncClient, host: dict[str, str], capacity: int) -> str:
    starts = datetime.now(UTC) + timedelta(days=30)
    body = {
        "title": "Bench night",
        "description": "",
        "city": "Moscow",
        "address": "Hall 1",
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=2)).isoformat(),
        "capacity": capacity,
        "visibility": "public",
    }
    response = await client.post("/api/v1/events", json=body, headers=host)
    response.raise_for_status()
    return str(response.json()["id"])


class Buyer:
    """One keep-alive HTTP/1.1 connection that POSTs JSON; httptools (uvicorn's own parser)
    reads the responses.

    The load runs on the same two cores as the service and PostgreSQL, so it has to be light:
    httpx spent 2.3-2.7 ms of CPU per request here (measured with the service at 1.2-2.2 ms),
    which throttled the very thing being measured. Writing requests and parsing responses in
    C is how wrk or h2load do it.
    """

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def connect(self) -> None:
        self.streams = await asyncio.open_connection(self.host, self.port)

    async def post(self, path: str, body: bytes, headers: dict[str, str]) -> int:
        assert self.streams is not None
        reader, writer = self.streams
        head = [
            f"POST {path} HTTP/1.1",
            f"Host: {self.host}:{self.port}",
            "Content-Type: application/json",
            f"Content-Length: {len(body)}",
            *(f"{name}: {value}" for name, value in headers.items()),
        ]
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)
        response = _Response()
        parser = httptools.HttpResponseParser(response)
        while not response.complete:
            data = await reader.read(65536)
            if not data:
                raise ConnectionError("the service closed the connection mid-response")
            parser.feed_data(data)
        return int(parser.get_status_code())

    async def close(self) -> None:
        if self.streams is not None:
            self.streams[1].close()
            await self.streams[1].wait_closed()


class _Response:
    """httptools' callbacks: only the end of the message matters here."""

    complete = False

    def on_message_complete(self) -> None:
        self.complete = True


async def http_scenario(
    port: int,
    name: str,
    guests: list[dict[str, str]],
    event: str,
    clients: int,
    total: int,
    pid: int,
    keyed: bool = False,
) -> Result:
    """`clients` buyers, each on a keep-alive connection of its own, like real browsers;
    `keyed`: each request carries a new `Idempotency-Key`, as the service's pages send."""
    result = Result(name)
    own = [Buyer("127.0.0.1", port) for _ in range(clients)]
    free = list(own)
    body = json.dumps({"seats": 1}).encode()

    async def one(i: int) -> int:
        buyer = free.pop()
        try:
            headers = guests[i % len(guests)]
            if keyed:
                headers = {**headers, "Idempotency-Key": str(uuid.uuid4())}
            return await buyer.post(f"/api/v1/events/{event}/bookings", body, headers)
        finally:
            free.append(buyer)

    try:
        await asyncio.gather(*(b.connect() for b in own))  # connect before the clock runs
        cpu, load = cpu_seconds(pid), time.process_time()
        await run_clients(clients, total, one, result)
        result.cpu = cpu_seconds(pid) - cpu
        result.load_cpu = time.process_time() - load
    finally:
        await asyncio.gather(*(b.close() for b in own))
    return result


async def booked(client: httpx.AsyncClient, event: str) -> tuple[int, int]:
    body = (await client.get(f"/api/v1/events/{event}")).json()
    return int(body["booked"]), int(body["capacity"])


async def service_runs(dsn: str, total: int, redis_url: str | None, pool: int) -> list[Result]:
    port = free_port()
    data_dir = Path(tempfile.mkdtemp(prefix="stagedoor-bench-"))
    procs = start_service(dsn, port, data_dir, redis_url, pool)
    limits = httpx.Limits(max_connections=250, max_keepalive_connections=250)
    try:
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}", limits=limits, timeout=60
        ) as client:
            await wait_ready(client)
            host = await account(client, "host")
            guests = [await account(client, f"guest{i}") for i in range(20)]
            results = []
            big = await new_event(client, host, 100_000)
            seq = max(200, total // 10)
            web = procs[0].pid
            results.append(
                await http_scenario(port, "(a) HTTP, 1 client", guests, big, 1, seq, web)
            )
            results.append(
                await http_scenario(port, "(b) HTTP, 50 clients", guests, big, BUYERS, total, web)
            )
            results.append(  # the same again: every connection has prepared its statements
                await http_scenario(
                    port, "(b) 50 clients again, warm", guests, big, BUYERS, total, web
                )
            )
            scarce = await new_event(client, host, 100)
            rush = await http_scenario(
                port, "(c) HTTP, 200 buyers/100 seats", guests, scarce, 200, 200, web
            )
            seats, capacity = await booked(client, scarce)
            rush.oversold = max(0, seats - capacity) + max(0, rush.ok - capacity)
            results.append(rush)
            results.append(  # as the pages book: the key is claimed in the booking's transaction
                await http_scenario(
                    port,
                    "(d) (b) with Idempotency-Key, warm",
                    guests,
                    big,
                    BUYERS,
                    total,
                    web,
                    True,
                )
            )
            return results
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:  # a server left running would skew the next run
                proc.kill()
                proc.wait()


# ---------------------------------------------------------------- report
@dataclass
class Floors:
    """The bare-asyncpg runs each service row is compared with."""

    one: Result
    cold: Result
    warm: Result
    sized: Result
    sized_warm: Result

    def rows(self) -> list[Result]:
        return [self.one, self.cold, self.warm, self.sized, self.sized_warm]

    def against(self, r: Result) -> tuple[Result | None, Result | None]:
        """(the goal's floor, the same-pool floor) for a service row; None for the floors."""
        if r.name.startswith("floor"):
            return None, None
        if "1 c" in r.name:
            return self.one, None
        if "warm" in r.name:
            return self.warm, self.sized_warm
        return self.cold, self.sized


def table(rows: list[Result], floors: Floors) -> str:
    head = (
        f"{'scenario':34} {'ok':>6} {'409':>5} {'5xx':>4} {'orders/s':>9} "
        f"{'p50 ms':>7} {'p99 ms':>7} {'oversold':>8} {'vs floor':>8} {'vs pool':>7}"
        f" {'cpu ms':>7} {'load ms':>7}"
    )
    lines = [head, "-" * len(head)]

    def ratio(r: Result, base: Result | None, width: int) -> str:
        text = f"{r.rate / base.rate:.2f}x" if base is not None and base.rate else "-"
        return f"{text:>{width}}"

    for r in rows:
        goal, sized = floors.against(r)
        five = sum(n for c, n in r.codes.items() if c >= 500)
        lines.append(
            f"{r.name:34} {r.ok:6} {r.codes.get(409, 0):5} {five:4} {r.rate:9.1f} "
            f"{r.pct(0.5):7.2f} {r.pct(0.99):7.2f} {r.oversold:8} "
            f"{ratio(r, goal, 8)} {ratio(r, sized, 7)} "
            f"{(f'{r.cpu_ms:.2f}' if r.cpu else '-'):>7} {r.load_ms:7.2f}"
        )
    return "\n".join(lines)


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument(
        "--redis",
        metavar="URL",
        help="run the outbox handlers in a `stagedoor worker` process on this Redis instead "
        "of in the web process (the production shape)",
    )
    parser.add_argument(
        "--pool",
        type=int,
        default=12,
        help="the service's connection pool (opened up front), and the stronger floor's",
    )
    args = parser.parse_args()
    admin = await asyncpg.connect(PG_URL)
    name = f"stagedoor_bench_{secrets.token_hex(3)}"
    await admin.execute(f'CREATE DATABASE "{name}"')
    dsn = PG_URL.rsplit("/", 1)[0] + "/" + name
    try:
        conn = await asyncpg.connect(dsn)
        await conn.execute(FLOOR_SCHEMA)
        await conn.close()
        (floor1,) = await floor(dsn, 1, max(200, args.requests // 10))
        floor32, warm32 = await floor(dsn, 32, args.requests, rounds=2)
        sized = await floor(dsn, args.pool, args.requests, rounds=2, clients=BUYERS)
        floors = Floors(floor1, floor32, warm32, *sized)
        ours = await service_runs(dsn, args.requests, args.redis, args.pool)
        relay = f"worker on {args.redis}" if args.redis else "in the web process"
        print(
            f"\nBooking benchmark, PostgreSQL, {os.cpu_count()} cores, {args.requests} requests,"
            f" outbox handlers {relay}"
        )
        print(table([*floors.rows(), *ours], floors))
        print(
            "\nvs floor: (a) against 1 connection, (b) to (d) against 32 clients on 32"
            " connections, warm against warm"
        )
        print(
            f"vs pool: (b) to (d) against {BUYERS} clients on {args.pool} connections, the size of"
            " the service's pool"
        )
        print("cpu ms: the web process's CPU per order, handlers included (steady on a busy box)")
        print("load ms: this process's CPU per order: the asyncpg client, or the HTTP load")
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


if __name__ == "__main__":
    asyncio.run(main())
