#!/usr/bin/env python3
"""Side by side, in one run: `caseload allocate` against the peer a user would
otherwise write (the same model in Python with highspy, one MIP per area).

Both programs read the same CSV files, plan the same week to proven optimality and
write JSON; the script checks that their objectives agree, then reports, over
repeated runs (alternating which goes first), the median and minimum of two times
for each program:

- end to end: the wall time of the whole process, as a user waits for it (for the
  peer this includes starting Python and importing highspy);
- solve only: the JSON's `solver.seconds`, the time from both files read to the plan
  (eligibility, building the models, HiGHS), as each program measures it.

caseload runs with one worker thread (`--threads 1`, like the peer) and with its
default (one per core), each with `balance = "none"` (the best total score) and
`balance = "hours"` (the default policy: then, among the plans with that score, the
one that spreads supporters' hours most evenly). The peer runs both too: the same MIP,
and with `--balance hours` a second MIP per area on it (score row, f's segments, the
first plan as its start). The script checks that the objectives and, with balance,
the sums of f(share) agree, and ends with the ratios: the peer's median solve time
over caseload's, balance against balance.
Every HiGHS solve is single-threaded on both sides.
Standard library only; it builds the release binary and the peer's venv
(`benches/peer/.venv`, highspy pinned in requirements.txt) if they are missing.

    python3 benches/compare_peer.py                 # provider and national weeks, 15 runs
    python3 benches/compare_peer.py --runs 3 --x10  # also the 10x national week
    python3 benches/compare_peer.py --balance hours  # the default policy only
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PEER = ROOT / "benches" / "peer"
WEEK = "2015-11-02"


def sh(cmd: list[str], **kw) -> None:
    subprocess.run(cmd, check=True, **kw)


def ensure_tools(build: bool) -> tuple[Path, Path]:
    binary = ROOT / "target" / "release" / "caseload"
    if build:
        sh(["cargo", "build", "--release", "--quiet"], cwd=ROOT)
    python = PEER / ".venv" / "bin" / "python"
    if not python.exists():
        sh([sys.executable, "-m", "venv", str(PEER / ".venv")])
        sh([str(python), "-m", "pip", "install", "--quiet", "-r", str(PEER / "requirements.txt")])
    return binary, python


def timed(cmd: list[str], out: Path) -> tuple[float, float]:
    """(end-to-end wall seconds, the JSON's solver.seconds)."""
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    return wall, float(json.loads(out.read_text())["solver"]["seconds"])


def objective(path: Path) -> float:
    return float(json.loads(path.read_text())["solver"]["objective"])


def sum_f(path: Path) -> float | None:
    """The balance stage's sum of f(share), if it ran."""
    balance = json.loads(path.read_text()).get("balance") or {}
    return balance.get("sum_f") if balance.get("method") == "hours" else None


def show(times: list[float]) -> str:
    return f"{statistics.median(times):.3f} s ({min(times):.3f})"


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {model}, {platform.system()} {platform.release()}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--x10", action="store_true", help="also the 10x national week")
    parser.add_argument("--balance", nargs="+", choices=["none", "hours"],
                        default=["none", "hours"],
                        help="the balance stage: none (the best score only), hours (the "
                             "default policy, a second exact stage), or both")
    parser.add_argument("--caseload", type=Path,
                        help="this caseload binary instead of building target/release/caseload "
                             "(say, a copy built from an earlier commit, for a baseline)")
    args = parser.parse_args()
    binary, python = ensure_tools(build=args.caseload is None)
    binary = args.caseload or binary
    weeks = ["provider-week", "national-week"] + (["national-x10"] if args.x10 else [])
    cores = os.cpu_count()

    print(f"Machine: {machine()}")
    print(f"Runs per program and week: {args.runs} (alternating order); median (min)\n")
    print("| week | program | threads | end to end | solve only | objective | sum of f |")
    print("|---|---|---|---|---|---|---|")
    ratio_rows: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        for week in weeks:
            s = ROOT / "fixtures" / week / "supporters.csv"
            r = ROOT / "fixtures" / week / "referrals.csv"
            programs = []
            for balance in args.balance:
                for threads in ["1", str(cores)]:
                    out = Path(tmp) / f"ours-{balance}-{threads}.json"
                    # "none": the best score only; "hours" (the default policy) adds the
                    # balance stage on top of the same score, as the peer does below.
                    policy = Path(tmp) / f"policy-{balance}.toml"
                    policy.write_text(f'balance = "{balance}"\n')
                    cmd = [str(binary), "allocate", "-s", str(s), "-r", str(r), "-w", WEEK,
                           "-f", "json", "-o", str(out), "--threads", threads,
                           "--policy", str(policy)]
                    if week == "national-x10":
                        cmd += ["--time-limit", "600"]
                    programs.append((f"caseload, balance {balance}",
                                     f"{threads} (HiGHS 1 per area)", cmd, out))
                out = Path(tmp) / f"peer-{balance}.json"
                programs.append((f"highspy peer, balance {balance}", "1 (HiGHS 1)",
                                 [str(python), str(PEER / "allocate_highspy.py"),
                                  "--supporters", str(s), "--referrals", str(r), "--week", WEEK,
                                  "--out", str(out), "--balance", balance], out))
            runs = args.runs if week != "national-x10" else max(1, min(args.runs, 3))
            times: list[list[tuple[float, float]]] = [[] for _ in programs]
            for i in range(runs):
                order = list(range(len(programs)))
                if i % 2:
                    order.reverse()
                for k in order:
                    times[k].append(timed(programs[k][2], programs[k][3]))
            objectives = [objective(p[3]) for p in programs]
            if max(objectives) - min(objectives) > 1e-6 * max(1.0, abs(objectives[0])):
                print(f"objectives differ on {week}: {objectives}", file=sys.stderr)
                return 1
            spreads = {p[0]: sum_f(p[3]) for p in programs}
            for balance in args.balance:
                ours, peer = (spreads[f"{who}, balance {balance}"]
                              for who in ("caseload", "highspy peer"))
                if balance == "hours" and abs(ours - peer) > 1e-6 * max(1.0, abs(ours)):
                    print(f"sums of f differ on {week}: caseload {ours}, peer {peer}",
                          file=sys.stderr)
                    return 1
            medians = {}
            for (label, threads, _, _), t, obj in zip(programs, times, objectives):
                wall = show([w for w, _ in t])
                solve = show([x for _, x in t])
                medians[label, threads.split()[0]] = statistics.median(x for _, x in t)
                spread = spreads[label]
                spread = f"{spread:.6f}" if spread is not None else "-"
                print(f"| {week} | {label} | {threads} | {wall} | {solve} | {obj:.2f} | "
                      f"{spread} |")
            for balance in args.balance:
                peer = medians[f"highspy peer, balance {balance}", "1"]
                ratios = [f"{peer / max(medians[f'caseload, balance {balance}', t], 1e-6):.1f}"
                          for t in ["1", str(cores)]]
                ratio_rows.append(f"| {week} | {balance} | {' | '.join(ratios)} |")
    print("\nPeer's median solve time over caseload's, the same balance policy on both:\n")
    print("| week | balance | ratio, caseload 1 thread | ratio, caseload default threads |")
    print("|---|---|---|---|")
    print("\n".join(ratio_rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
