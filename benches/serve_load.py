#!/usr/bin/env python3
"""The web app under load: `caseload serve` driven over HTTP on the national week,
one coordinator step by step, then many at once.

Every server is the release binary (`target/release/caseload serve`) on a fresh
temporary database, bound to 127.0.0.1 on a port of its choosing; the script reads the
address from the server's `open http://ADDR/` line and stops the server when done, on
errors too. Three phases:

- Pipeline (`--runs` times, each on a fresh database and server): one coordinator's
  week, each step timed with `time.perf_counter` (request sent to body read): start
  (process launched to address printed), import the national week
  (fixtures/national-week, week of 2015-11-02), the week page cold (the solve) and warm
  (the cache), waiting.csv, one area page, one waiting family's explanation, its
  recommendation (the area re-planned once per candidate supporter), a pin of the family
  to the first candidate (skipped when there is none), the week page again (the
  re-plan), accept, and register.csv. The family is the first on waiting.csv, among
  those with an eligible supporter, whose recommendation names a candidate (found by
  untimed recommendations; none are cached). The pin checks the decision by planning
  the week with it and caches that plan, so the re-plan is usually paid by the pin and
  the week page after it is a cache hit. The table gives the median and the least time
  per step over the runs.
- Concurrency (one server, the week imported and planned): U coordinators at once (each
  its own connection and CSRF cookie) loop for `--seconds` over an even mix of the week
  page, a random area page and a random family's explanation (areas and families from
  assignments.csv and waiting.csv). Per U: requests, throughput, latency percentiles (ms)
  and errors (any status but 200). The load comes from this script's threads on the
  same machine, so on few cores they compete with the server: latencies are what a
  client sees, queueing in Python included.
- Write contention (same server, per U): a fresh import, planned once, then U tabs POST
  accept at the same revision at once: exactly one must get 303 and the others 409.

Peak memory is the server's VmHWM (and VmRSS) from /proc/PID/status at the end of each
phase. The script exits 1 if any request failed unexpectedly (a step's status, an error
under load, or a contention count other than 1 accepted).

    python3 benches/serve_load.py                           # 5 runs; U = 1 4 16 64 for 10 s
    python3 benches/serve_load.py --runs 10 --users 1 2 4 8 --seconds 30
    python3 benches/serve_load.py --caseload /tmp/caseload-old   # a baseline binary

Standard library only; Linux (for /proc). Build the binary first with
`cargo build --release`.
"""
from __future__ import annotations

import argparse
import csv
import http.client
import io
import os
import random
import re
import shlex
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import quote, urlencode

ROOT = Path(__file__).resolve().parent.parent
WEEK = "2015-11-02"
FIXTURES = ROOT / "fixtures" / "national-week"
BY = "LB"
PROBES = 20  # waiting families tried for one with a candidate supporter
CANDIDATE = re.compile(r'<th class="id" scope="row">([^<]+)</th>')  # a row of the candidates' table
TIMEOUT = 600.0  # seconds a single request may take before it counts as failed
STEPS = ["start", "import", "week cold", "week warm", "waiting.csv", "area page",
         "family explanation", "recommendation", "pin", "week re-plan", "accept",
         "register.csv"]


class Failure(Exception):
    """A request that did not answer as it should."""


class Server:
    """`caseload serve` on a fresh database in `folder`; stopped by `stop` (always)."""

    def __init__(self, binary: Path, folder: Path):
        self.db = folder / f"serve-{uuid.uuid4().hex[:8]}.sqlite"
        self.lines: list[str] = []
        started = time.perf_counter()
        self.proc = subprocess.Popen(
            [str(binary), "serve", "--db", str(self.db), "--bind", "127.0.0.1:0"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            text=True)
        self.address: str | None = None
        ready = threading.Event()

        def drain() -> None:
            # Reads stderr to the end, so the server never blocks on a full pipe.
            for line in self.proc.stderr:
                self.lines.append(line.rstrip("\n"))
                found = re.search(r"open http://([^/\s]+)/", line)
                if found and self.address is None:
                    self.address = found.group(1)
                    ready.set()
            ready.set()

        threading.Thread(target=drain, daemon=True).start()
        ready.wait(60)
        self.start_seconds = time.perf_counter() - started
        if self.address is None:
            self.stop()
            raise Failure("the server printed no address: " + " | ".join(self.lines[-5:]))
        host = self.address.rsplit(":", 1)[0].strip("[]")
        if host not in ("127.0.0.1", "::1", "localhost"):
            self.stop()
            raise Failure(f"the server bound {self.address}, not loopback")

    def memory(self) -> tuple[float, float]:
        """(VmHWM, VmRSS) in MiB, from /proc."""
        values = {}
        with open(f"/proc/{self.proc.pid}/status") as status:
            for line in status:
                key, _, rest = line.partition(":")
                if key in ("VmHWM", "VmRSS"):
                    values[key] = int(rest.split()[0]) / 1024
        return values.get("VmHWM", float("nan")), values.get("VmRSS", float("nan"))

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Tab:
    """One browser tab: its own connection and cookie jar (the CSRF cookie)."""

    def __init__(self, address: str):
        host, port = address.rsplit(":", 1)
        self.host, self.port = host.strip("[]"), int(port)
        self.conn: http.client.HTTPConnection | None = None
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: bytes | None = None,
                content_type: str | None = None) -> tuple[int, dict[str, str], bytes, float]:
        """(status, headers, body, seconds); status 0 when the connection failed."""
        headers = {"Host": f"{self.host}:{self.port}"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if content_type:
            headers["Content-Type"] = content_type
        started = time.perf_counter()
        try:
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=TIMEOUT)
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException) as err:
            seconds = time.perf_counter() - started
            if self.conn is not None:
                self.conn.close()
            self.conn = None
            return 0, {"error": repr(err)}, b"", seconds
        seconds = time.perf_counter() - started
        for value in response.msg.get_all("Set-Cookie") or []:
            name, _, rest = value.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        if response.will_close:
            self.conn.close()
            self.conn = None
        return response.status, {k.lower(): v for k, v in response.getheaders()}, data, seconds

    def csrf(self) -> str:
        if "caseload_csrf" not in self.cookies:
            expect(self.request("GET", "/"), 200, "GET /")
        return self.cookies["caseload_csrf"]

    def form(self, path: str, fields: dict[str, str]):
        return self.request("POST", path, urlencode(fields).encode(),
                            "application/x-www-form-urlencoded")

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()


def expect(result, status: int, what: str):
    if result[0] != status:
        body = result[2][:2000].decode("utf-8", "replace")
        text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)).strip()
        raise Failure(f"{what}: status {result[0]} (wanted {status}) "
                      f"{result[1].get('error', '')} {text[:400]}")
    return result


def multipart(fields: dict[str, str], files: dict[str, Path]) -> tuple[bytes, str]:
    boundary = "----caseload" + uuid.uuid4().hex
    out = io.BytesIO()
    for name, value in fields.items():
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                  f"{value}\r\n".encode())
    for name, path in files.items():
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                  f'filename="{path.name}"\r\nContent-Type: text/csv\r\n\r\n'.encode())
        out.write(path.read_bytes())
        out.write(b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


def import_week(tab: Tab) -> tuple[int, float]:
    """Imports the national week: (week id, seconds)."""
    body, content_type = multipart(
        {"csrf": tab.csrf(), "by": BY, "week": WEEK},
        {"supporters": FIXTURES / "supporters.csv", "referrals": FIXTURES / "referrals.csv"})
    result = expect(tab.request("POST", "/import", body, content_type), 303, "POST /import")
    found = re.fullmatch(r"/weeks/(\d+)", result[1].get("location", ""))
    if not found:
        raise Failure(f"POST /import: redirected to {result[1].get('location')!r}")
    return int(found.group(1)), result[3]


def rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"))))


def pipeline(binary: Path, folder: Path) -> tuple[dict[str, float], tuple[float, float], str]:
    """One coordinator's week on a fresh server: seconds per step, memory, a note."""
    server = Server(binary, folder)
    times: dict[str, float] = {"start": server.start_seconds}
    tab = Tab(server.address)
    try:
        week, times["import"] = import_week(tab)
        base = f"/weeks/{week}"
        times["week cold"] = expect(tab.request("GET", base), 200, "week cold")[3]
        times["week warm"] = expect(tab.request("GET", base), 200, "week warm")[3]
        result = expect(tab.request("GET", f"{base}/files/waiting.csv"), 200, "waiting.csv")
        times["waiting.csv"] = result[3]
        waiting = rows(result[2])
        if not waiting:
            raise Failure("waiting.csv has no families")
        # The first waiting family (waiting for room) whose recommendation has a
        # candidate, else the first: found by untimed recommendations (never cached).
        choices = [w for w in waiting if int(w["eligible_supporters"] or 0) > 0][:PROBES]
        family = choices[0] if choices else waiting[0]
        for w in choices:
            probe = expect(tab.request(
                "GET", f"{base}/families/{quote(w['referral_id'], safe='')}/recommend"),
                200, "recommendation (choosing the family)")
            if CANDIDATE.search(probe[2].decode("utf-8", "replace")):
                family = w
                break
        rid, area = family["referral_id"], family["area"]
        times["area page"] = expect(tab.request("GET", f"{base}/areas/{quote(area, safe='')}"),
                                    200, "area page")[3]
        fam = f"{base}/families/{quote(rid, safe='')}"
        times["family explanation"] = expect(tab.request("GET", fam), 200, "family")[3]
        result = expect(tab.request("GET", f"{fam}/recommend"), 200, "recommendation")
        times["recommendation"] = result[3]
        candidates = CANDIDATE.findall(result[2].decode("utf-8", "replace"))
        revision = 0
        note = f"family {rid} ({area}), {len(candidates)} candidates"
        if candidates:
            result = expect(tab.form(f"{base}/decisions", {
                "csrf": tab.csrf(), "revision": "0", "by": BY, "kind": "pin",
                "referral_id": rid, "supporter_id": candidates[0], "note": "bench"}),
                303, "pin")
            times["pin"] = result[3]
            revision = 1
            note += f", pinned to {candidates[0]}"
        times["week re-plan"] = expect(tab.request("GET", base), 200, "week re-plan")[3]
        times["accept"] = expect(tab.form(f"{base}/accept", {
            "csrf": tab.csrf(), "revision": str(revision), "by": BY}), 303, "accept")[3]
        result = expect(tab.request("GET", f"{base}/files/register.csv"), 200, "register.csv")
        times["register.csv"] = result[3]
        return times, server.memory(), note
    finally:
        tab.close()
        server.stop()


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    if not sorted_values:
        return float("nan")
    rank = max(1, -(-len(sorted_values) * p // 100))
    return sorted_values[int(rank) - 1]


def load(address: str, week: int, areas: list[str], families: list[str], users: int,
         seconds: float, seed: int) -> tuple[list[tuple[str, float, int]], float]:
    """U coordinators looping over the mix: every request's (kind, seconds, status)."""
    base = f"/weeks/{week}"
    tabs = [Tab(address) for _ in range(users)]
    for tab in tabs:
        tab.csrf()  # each its own cookie, before the clock starts
    records: list[list[tuple[str, float, int]]] = [[] for _ in range(users)]
    barrier = threading.Barrier(users + 1)
    deadline = [0.0]

    def coordinator(i: int) -> None:
        rng = random.Random(seed * 1000 + i)
        tab, out = tabs[i], records[i]
        barrier.wait()
        while time.perf_counter() < deadline[0]:
            kind = rng.choice(("week", "area", "family"))
            if kind == "week":
                path = base
            elif kind == "area":
                path = f"{base}/areas/{quote(rng.choice(areas), safe='')}"
            else:
                path = f"{base}/families/{quote(rng.choice(families), safe='')}"
            status, _, _, took = tab.request("GET", path)
            out.append((kind, took, status))

    threads = [threading.Thread(target=coordinator, args=(i,), daemon=True)
               for i in range(users)]
    for thread in threads:
        thread.start()
    deadline[0] = time.perf_counter() + seconds
    started = time.perf_counter()
    barrier.wait()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    for tab in tabs:
        tab.close()
    return [r for out in records for r in out], elapsed


def contention(address: str, users: int) -> tuple[int, int, int, float]:
    """A fresh import, planned, then U tabs accept it at revision 0 at once:
    (303s, 409s, others, seconds until the last answer)."""
    owner = Tab(address)
    try:
        week, _ = import_week(owner)
        expect(owner.request("GET", f"/weeks/{week}"), 200, "week before accept")
    finally:
        owner.close()
    tabs = [Tab(address) for _ in range(users)]
    forms = [{"csrf": tab.csrf(), "revision": "0", "by": f"T{i}"} for i, tab in enumerate(tabs)]
    statuses = [0] * users
    barrier = threading.Barrier(users + 1)

    def post(i: int) -> None:
        barrier.wait()
        statuses[i] = tabs[i].form(f"/weeks/{week}/accept", forms[i])[0]

    threads = [threading.Thread(target=post, args=(i,), daemon=True) for i in range(users)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    took = time.perf_counter() - started
    for tab in tabs:
        tab.close()
    ok, conflict = statuses.count(303), statuses.count(409)
    return ok, conflict, users - ok - conflict, took


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="pipeline runs (fresh server each)")
    parser.add_argument("--users", type=int, nargs="+", default=[1, 4, 16, 64],
                        help="simultaneous coordinators, one load level each")
    parser.add_argument("--seconds", type=float, default=10.0, help="seconds per load level")
    parser.add_argument("--seed", type=int, default=1, help="seed of the coordinators' choices")
    parser.add_argument("--caseload", type=Path, default=ROOT / "target" / "release" / "caseload",
                        help="the binary (default target/release/caseload)")
    args = parser.parse_args()
    binary = args.caseload.resolve()
    if not binary.exists():
        print(f"{binary} is missing: run `cargo build --release` first", file=sys.stderr)
        return 2
    command = shlex.join(["python3", "benches/serve_load.py", "--runs", str(args.runs),
                          "--users", *map(str, args.users), "--seconds", f"{args.seconds:g}",
                          "--seed", str(args.seed)]
                         + ([] if args.caseload == parser.get_default("caseload")
                            else ["--caseload", str(args.caseload)]))
    print(f"`caseload serve` on the national week ({WEEK}); {os.cpu_count()} cores; "
          f"binary {binary}\n", flush=True)
    failures: list[str] = []
    memory: list[tuple[str, float, float]] = []
    with tempfile.TemporaryDirectory(prefix="serve_load-") as tmp:
        folder = Path(tmp)
        # Pipeline.
        runs: list[dict[str, float]] = []
        notes: list[str] = []
        for run in range(args.runs):
            try:
                times, (hwm, rss), note = pipeline(binary, folder)
            except Failure as err:
                failures.append(f"pipeline run {run + 1}: {err}")
                print(f"pipeline run {run + 1} failed: {err}", file=sys.stderr)
                continue
            runs.append(times)
            memory.append((f"pipeline run {run + 1}", hwm, rss))
            notes.append(note)
            print(f"pipeline run {run + 1}: {sum(times.values()):.2f} s in all; {note}",
                  file=sys.stderr, flush=True)
        print(f"## One coordinator's week ({len(runs)} of {args.runs} runs, "
              "fresh database and server each)\n")
        for note in sorted(set(notes)):
            print(f"Chosen {note}.")
        print()
        print("| step | median ms | min ms | runs |")
        print("|---|---:|---:|---:|")
        for step in STEPS:
            values = [t[step] for t in runs if step in t]
            if values:
                print(f"| {step} | {ms(statistics.median(values))} | {ms(min(values))} | "
                      f"{len(values)} |")
            else:
                print(f"| {step} | - | - | 0 |")
        totals = [sum(t.values()) for t in runs]
        if totals:
            print(f"| **all steps** | {ms(statistics.median(totals))} | {ms(min(totals))} | "
                  f"{len(totals)} |")
        print(flush=True)

        # Concurrency and contention, on one server.
        server = Server(binary, folder)
        try:
            owner = Tab(server.address)
            try:
                week, _ = import_week(owner)
                expect(owner.request("GET", f"/weeks/{week}"), 200, "week page")
                assignments = rows(expect(owner.request(
                    "GET", f"/weeks/{week}/files/assignments.csv"), 200, "assignments.csv")[2])
                waiting = rows(expect(owner.request(
                    "GET", f"/weeks/{week}/files/waiting.csv"), 200, "waiting.csv")[2])
            finally:
                owner.close()
            areas = sorted({r["area"] for r in assignments + waiting})
            families = sorted({r["referral_id"] for r in assignments + waiting})
            memory.append(("concurrency: week imported and planned", *server.memory()))
            print(f"## Concurrent coordinators ({args.seconds:g} s per level; mix of week page, "
                  f"random area page ({len(areas)} areas), random family explanation "
                  f"({len(families)} families))\n")
            print("| users | requests | req/s | p50 ms | p95 ms | p99 ms | max ms | "
                  "week p50 ms | area p50 ms | family p50 ms | errors |")
            print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
            for users in args.users:
                records, elapsed = load(server.address, week, areas, families, users,
                                        args.seconds, args.seed)
                lat = sorted(r[1] for r in records)
                errors = [r for r in records if r[2] != 200]
                if errors:
                    statuses = sorted({r[2] for r in errors})
                    failures.append(f"{users} users: {len(errors)} errors (statuses {statuses})")
                by_kind = {k: sorted(r[1] for r in records if r[0] == k)
                           for k in ("week", "area", "family")}
                print(f"| {users} | {len(records)} | {len(records) / elapsed:.1f} | "
                      f"{ms(percentile(lat, 50))} | {ms(percentile(lat, 95))} | "
                      f"{ms(percentile(lat, 99))} | {ms(lat[-1]) if lat else '-'} | "
                      + " | ".join(ms(percentile(by_kind[k], 50)) for k in by_kind)
                      + f" | {len(errors)} |", flush=True)
                memory.append((f"concurrency: {users} users", *server.memory()))
            print()
            print("## Write contention (U tabs accept a fresh, planned week at revision 0 "
                  "at once)\n")
            print("| tabs | 303 | 409 | other | all answered ms | ok |")
            print("|---:|---:|---:|---:|---:|---|")
            for users in args.users:
                ok, conflict, other, took = contention(server.address, users)
                good = ok == 1 and conflict == users - 1 and other == 0
                if not good:
                    failures.append(f"contention with {users} tabs: {ok} accepted, "
                                    f"{conflict} conflicts, {other} other")
                print(f"| {users} | {ok} | {conflict} | {other} | {ms(took)} | "
                      f"{'yes' if good else 'NO'} |", flush=True)
            memory.append(("contention: all levels", *server.memory()))
            print()
        except Failure as err:
            failures.append(str(err))
            print(f"failed: {err}", file=sys.stderr)
        finally:
            server.stop()

    print("## Server memory (from /proc/PID/status at the end of each phase)\n")
    print("| phase | VmHWM MiB | VmRSS MiB |")
    print("|---|---:|---:|")
    for phase, hwm, rss in memory:
        print(f"| {phase} | {hwm:.1f} | {rss:.1f} |")
    print(f"\n{os.cpu_count()} cores. Re-run: `{command}`")
    if failures:
        print("\nFAILED:\n" + "\n".join(f"- {f}" for f in failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
