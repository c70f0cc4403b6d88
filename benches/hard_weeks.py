#!/usr/bin/env python3
"""Hard weeks side by side: `caseload allocate` against the highspy peer on tight
county weeks, where hours bind (issue 9).

A tight county week is one area (Kent, E10000016) with S supporters and F waiting
families: hours per family from 0.5 to 4 (in half hours), supporters part-filled by
open cases, and postcode districts, needs, languages and the paid-only rule for high
complexity restricting who may take whom. Waiting families need about twice the free
hours, so hours bind; case caps are generous, so they rarely do. The generator is this
script's own (seeded; standard library), and writes supporters.csv and referrals.csv
in the contract's format.

Each week is planned by caseload (release binary, `--threads 1` and the default) and
by the peer (`benches/peer/allocate_highspy.py`, one plain MIP per area, default HiGHS
settings, one thread) on the same files. The script checks that the proven objectives
agree and prints, per instance and seed:

- solve seconds of each program: the JSON's `solver.seconds` (both files read to the
  plan: eligibility, models, HiGHS); the peer's is its solve only, not Python's start;
- peak memory (maximum resident set) of each process, from `wait4`;
- ratio = peer seconds / caseload seconds (`--threads 1`), the issue's goal being >= 10,
  and ratio default, the same with caseload's default threads (one per core, areas in
  parallel; the peer stays as written, one HiGHS model per area on one thread);
- whether caseload proved the optimum;
- with `--balance hours` (the default policy's second stage, run by both programs:
  the peer as a second MIP per area on its model), the sum of f(share), checked equal
  between the two where both proved their plans.

A per-solve cap (`--cap`, seconds) keeps the table finite: caseload gets it as
`--time-limit` (and then reports `feasible`), the peer is stopped at the cap plus its
start-up; a capped time is printed as `>cap`.

    python3 benches/hard_weeks.py                          # 40x300 and 80x600, seeds 1-3
    python3 benches/hard_weeks.py --sizes 40x300 --seeds 1 2 3 4 5 --cap 300
    python3 benches/hard_weeks.py --write DIR --sizes 40x300 --seeds 7   # files only
    python3 benches/hard_weeks.py --national 1 2 3 4 5 6 7 8 9 10  # the national week at 1x..10x

With `--national`, the weeks are instead the national week scaled 1x to 10x
(`benches/gen_fixtures.py --scale N`: N times the supporters and families of every
area; 1x and 10x are the committed fixtures), each row with its number of eligible
pairs (waiting family x eligible supporter, counted by the peer's own eligibility).

Standard library only, plus the peer's venv (`benches/peer/.venv`, highspy pinned in
requirements.txt), created if missing.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PEER = ROOT / "benches" / "peer"
WEEK = date(2015, 11, 2)
AREA = "E10000016"  # Kent
DISTRICTS = [f"{p}{i}" for p in ("CT", "ME", "TN", "DA") for i in range(1, 4)]
SKILLS = ["autism", "sensory", "mental_health", "tribunal", "transfer", "young_person"]
LANGS = ["pl", "ne", "ur"]
SUPPORTER_COLUMNS = ["supporter_id", "area", "status", "hours_per_week", "max_cases", "skills",
                     "languages", "local", "districts", "unavailable_from", "unavailable_to"]
REFERRAL_COLUMNS = ["referral_id", "area", "district", "received", "source", "consent", "kind",
                    "clock_start", "priority", "complexity", "hours_per_week", "needs",
                    "language", "exclude", "supporter_id", "closed"]


def num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def half_hours(rng: random.Random, lo: float, hi: float) -> float:
    return rng.randint(int(lo * 2), int(hi * 2)) / 2


def tight_week(n_supporters: int, n_waiting: int, seed: int) -> tuple[list[dict], list[dict]]:
    """Rows of supporters.csv and referrals.csv for one tight county week."""
    rng = random.Random(f"hard-week {n_supporters}x{n_waiting} seed {seed}")
    supporters, referrals = [], []
    for i in range(1, n_supporters + 1):
        paid = rng.random() < 0.6
        start = rng.randrange(len(DISTRICTS))
        span = rng.randint(3, 6)
        districts = [] if rng.random() < 0.1 else sorted(
            DISTRICTS[(start + k) % len(DISTRICTS)] for k in range(span))
        leave = rng.random() < 0.05
        supporters.append({
            "supporter_id": f"K-S{i:03}", "area": AREA,
            "status": "paid" if paid else "volunteer",
            "hours_per_week": half_hours(rng, 15, 30) if paid else half_hours(rng, 6, 15),
            "max_cases": rng.randint(8, 14) if paid else rng.randint(4, 8),
            "skills": [s for s in SKILLS if rng.random() < (0.45 if paid else 0.25)],
            "languages": [lang for lang in LANGS if rng.random() < 0.1],
            "local": rng.random() < 0.5,
            "districts": districts,
            "unavailable_from": WEEK - timedelta(days=3) if leave else "",
            "unavailable_to": WEEK + timedelta(days=10) if leave else "",
        })

    def referral(rid: str, waiting: bool) -> dict:
        received = WEEK - timedelta(days=rng.randint(0, 26 * 7))
        clock = received - timedelta(days=rng.randint(0, 8 * 7)) if rng.random() < 0.3 else None
        complexity = rng.choices(["low", "medium", "high"], [0.35, 0.45, 0.2])[0]
        needs = [s for s in SKILLS if rng.random() < 0.08]
        return {
            "referral_id": rid, "area": AREA, "district": rng.choice(DISTRICTS),
            "received": received, "source": rng.choice(["self", "la", "professional"]),
            "consent": "true", "kind": rng.choice(["new", "transfer"]),
            "clock_start": clock or "", "priority": rng.choices([1, 2, 3, 4, 5],
                                                                 [25, 30, 22, 15, 8])[0],
            "complexity": complexity, "hours_per_week": half_hours(rng, 0.5, 4),
            "needs": needs if waiting else [],
            "language": rng.choice(LANGS) if waiting and rng.random() < 0.05 else "",
            "exclude": [], "supporter_id": "", "closed": "",
        }

    # Open cases fill 40-80% of each supporter's hours (never past a cap).
    n = 0
    for s in supporters:
        target = s["hours_per_week"] * rng.uniform(0.4, 0.8)
        used, cases = 0.0, 0
        while cases < s["max_cases"] - 2:
            r = referral(f"K-R{n + 1:04}", waiting=False)
            if used + r["hours_per_week"] > target:
                break
            n += 1
            r["supporter_id"] = s["supporter_id"]
            r["district"] = rng.choice(s["districts"] or DISTRICTS)
            if s["status"] == "volunteer":
                r["complexity"] = rng.choice(["low", "medium"])
            used += r["hours_per_week"]
            cases += 1
            referrals.append(r)
    for _ in range(n_waiting):
        n += 1
        referrals.append(referral(f"K-R{n:04}", waiting=True))
    return supporters, referrals


def write_week(folder: Path, n_supporters: int, n_waiting: int, seed: int) -> tuple[Path, Path]:
    supporters, referrals = tight_week(n_supporters, n_waiting, seed)
    folder.mkdir(parents=True, exist_ok=True)
    paths = (folder / "supporters.csv", folder / "referrals.csv")
    for path, columns, rows in zip(paths, (SUPPORTER_COLUMNS, REFERRAL_COLUMNS),
                                   (supporters, referrals)):
        with path.open("w", newline="", encoding="utf-8") as f:
            w = csv.DictWriter(f, fieldnames=columns, lineterminator="\n")
            w.writeheader()
            for row in rows:
                w.writerow({c: fmt(row.get(c, "")) for c in columns})
    return paths


def fmt(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return num(value)
    if isinstance(value, list):
        return ";".join(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


PAIRS = """
import sys
from collections import defaultdict
sys.path.insert(0, sys.argv[1])
import allocate_highspy as p
week = p.date.fromisoformat(sys.argv[4])
errors = []
sup = p.read_supporters(sys.argv[2], errors)
refs = p.read_referrals(sys.argv[3], errors)
by_area = defaultdict(list)
for s in sup.values():
    by_area[s.area].append(s)
pairs = 0
for r in refs:
    if r.received <= week and (r.closed is None or r.closed > week) and r.supporter_id not in sup:
        pairs += len(p.eligible_supporters(r, by_area.get(r.area, []), week)[0])
print(pairs)
"""


def national_week(scale: int, tmp: Path) -> tuple[Path, Path]:
    if scale in (1, 10):
        folder = ROOT / "fixtures" / ("national-week" if scale == 1 else "national-x10")
    else:
        subprocess.run([sys.executable, str(ROOT / "benches" / "gen_fixtures.py"), "--scale",
                        str(scale), "--out", str(tmp)], check=True, stdout=subprocess.DEVNULL)
        folder = tmp / f"national-x{scale}"
    return folder / "supporters.csv", folder / "referrals.csv"


def ensure_tools(build: bool) -> tuple[Path, Path]:
    binary = ROOT / "target" / "release" / "caseload"
    if build:
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    python = PEER / ".venv" / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(PEER / ".venv")], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", "-r",
                        str(PEER / "requirements.txt")], check=True)
    return binary, python


def run(cmd: list[str], out: Path, timeout: float) -> tuple[dict | None, float]:
    """The program's JSON (None when stopped at the cap) and its peak RSS in MiB."""
    if out.exists():
        out.unlink()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() > deadline:
            proc.kill()
            pid, status, usage = os.wait4(proc.pid, 0)
            proc.returncode = -9
            return None, usage.ru_maxrss / 1024
        time.sleep(0.01)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        err = proc.stderr.read().decode(errors="replace")
        raise RuntimeError(f"{cmd[0]} failed ({proc.returncode}): {err[-2000:]}")
    return json.loads(out.read_text()), usage.ru_maxrss / 1024


def secs(result: dict | None, cap: float) -> str:
    if result is None or result["solver"]["status"] != "optimal":
        return f">{cap:g}"
    return f"{result['solver']['seconds']:.2f}"


def times_faster(ours: dict | None, peer: dict | None, cap: float) -> str:
    """Peer seconds / caseload seconds where caseload proved the optimum, and with
    balance the balanced plan (the peer's cap where the peer was stopped, as a lower
    bound), `-` where it did not."""
    if ours is None or ours["solver"]["status"] != "optimal":
        return "-"
    if (ours.get("balance") or {}).get("unproven_areas"):
        return "-"
    mine = max(ours["solver"]["seconds"], 1e-3)
    if peer is None:
        return f">{cap / mine:.1f}"
    return f"{peer['solver']['seconds'] / mine:.1f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=["40x300", "80x600"],
                        help="SUPPORTERSxFAMILIES")
    parser.add_argument("--seeds", nargs="+", type=int, default=[1, 2, 3])
    parser.add_argument("--cap", type=float, default=120.0, help="seconds per solve")
    parser.add_argument("--balance", choices=["none", "hours"], default="none",
                        help="the second stage, on both programs: none (default) or hours "
                             "(the balance stage of caseload's default policy)")
    parser.add_argument("--no-default-threads", action="store_true",
                        help="run caseload with --threads 1 only")
    parser.add_argument("--write", type=Path, help="only write the weeks' files under DIR")
    parser.add_argument("--caseload", type=Path,
                        help="this caseload binary instead of building target/release/caseload "
                             "(say, a copy built from an earlier commit, for a baseline)")
    parser.add_argument("--national", nargs="+", type=int, metavar="SCALE",
                        help="the national week at these scales instead of county weeks")
    args = parser.parse_args()
    sizes = [tuple(int(x) for x in size.split("x")) for size in args.sizes]
    if args.write:
        for n_s, n_f in sizes:
            for seed in args.seeds:
                folder = args.write / f"{n_s}x{n_f}-seed{seed}"
                write_week(folder, n_s, n_f, seed)
                print(folder)
        return 0

    binary, python = ensure_tools(build=args.caseload is None)
    binary = args.caseload or binary
    cores = os.cpu_count()
    print(f"Tight county weeks, week of {WEEK}; per-solve cap {args.cap:g} s; "
          f"{cores} cores; solve seconds from the JSON, peak RSS in MiB\n")
    if args.national:
        print("| instance | eligible pairs | caseload 1 thread s | caseload default s | peer s | "
              "ratio | ratio default | caseload MiB | peer MiB | proven | objective | sum of f |")
    else:
        print("| instance | seed | caseload 1 thread s | caseload default s | peer s | ratio | "
              "ratio default | caseload MiB | peer MiB | proven | objective | sum of f |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        weeks = [(f"national {scale}x", None, scale) for scale in args.national or []] or [
            (f"{n_s}x{n_f}", seed, (n_s, n_f)) for n_s, n_f in sizes for seed in args.seeds]
        for name, seed, shape in weeks:
            if seed is None:
                s, r = national_week(shape, Path(tmp))
                pairs = subprocess.run([str(python), "-c", PAIRS, str(PEER), str(s), str(r),
                                        WEEK.isoformat()], check=True, capture_output=True,
                                       text=True).stdout.strip()
            else:
                s, r = write_week(Path(tmp) / f"{name}-{seed}", *shape, seed)
            ours_out, peer_out = Path(tmp) / "ours.json", Path(tmp) / "peer.json"
            policy = Path(tmp) / "policy.toml"
            policy.write_text(f'balance = "{args.balance}"\n')
            ours_cmd = [str(binary), "allocate", "-s", str(s), "-r", str(r), "-w",
                        WEEK.isoformat(), "-f", "json", "-o", str(ours_out),
                        "--time-limit", f"{args.cap:g}", "--policy", str(policy)]
            ours, ours_mib = run(ours_cmd + ["--threads", "1"], ours_out, args.cap + 30)
            default = None
            if not args.no_default_threads:
                default, _ = run(ours_cmd, ours_out, args.cap + 30)
            peer, peer_mib = run([str(python), str(PEER / "allocate_highspy.py"),
                                  "--supporters", str(s), "--referrals", str(r),
                                  "--week", WEEK.isoformat(), "--out", str(peer_out),
                                  "--balance", args.balance],
                                 peer_out, args.cap + 5)
            proven = ours is not None and ours["solver"]["status"] == "optimal"
            if proven and peer is not None:
                a, b = ours["solver"]["objective"], peer["solver"]["objective"]
                if abs(a - b) > 1e-6 * max(1.0, abs(a)):
                    print(f"objectives differ on {name} seed {seed}: {a} vs {b}",
                          file=sys.stderr)
                    failed = True
                if args.balance == "hours" and not ours["balance"]["unproven_areas"]:
                    a, b = ours["balance"]["sum_f"], peer["balance"]["sum_f"]
                    if abs(a - b) > 1e-6 * max(1.0, abs(a)):
                        print(f"sums of f differ on {name} seed {seed}: {a} vs {b}",
                              file=sys.stderr)
                        failed = True
            ratio = times_faster(ours, peer, args.cap)
            ratio_default = times_faster(default, peer, args.cap)
            objective = f"{ours['solver']['objective']:.2f}" if ours else "-"
            # The balance stage's result (--balance hours): the least sum of f(share)
            # among the best plans ("unproven" where the cap stopped the stage first).
            spread = "-"
            if ours and args.balance == "hours":
                spread = f"{ours['balance']['sum_f']:.6f}" + (
                    " unproven" if ours["balance"]["unproven_areas"] else "")
            print(f"| {name} | {pairs if seed is None else seed} | {secs(ours, args.cap)} | "
                  f"{secs(default, args.cap) if not args.no_default_threads else '-'} | "
                  f"{secs(peer, args.cap)} | {ratio} | {ratio_default} | {ours_mib:.0f} | {peer_mib:.0f} | "
                  f"{'yes' if proven else 'no'} | {objective} | {spread} |", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
