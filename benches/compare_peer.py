#!/usr/bin/env python3
"""Side by side, in one run: `caseload allocate` against the peer a user would
otherwise write (the same model in Python with highspy, one MIP per area).

Both programs read the same CSV files, plan the same week to proven optimality and
write JSON; the script checks that their objectives agree, then reports the median
and minimum wall time of each over repeated runs (alternating which goes first), and
the ratio. Standard library only; it builds the release binary and the peer's venv
(`benches/peer/.venv`, highspy pinned in requirements.txt) if they are missing.

    python3 benches/compare_peer.py                 # provider and national weeks, 15 runs
    python3 benches/compare_peer.py --runs 5 --x10  # also the 10x national week
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


def ensure_tools() -> tuple[Path, Path]:
    binary = ROOT / "target" / "release" / "caseload"
    sh(["cargo", "build", "--release", "--quiet"], cwd=ROOT)
    python = PEER / ".venv" / "bin" / "python"
    if not python.exists():
        sh([sys.executable, "-m", "venv", str(PEER / ".venv")])
        sh([str(python), "-m", "pip", "install", "--quiet", "-r", str(PEER / "requirements.txt")])
    return binary, python


def timed(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def objective(path: Path) -> float:
    return float(json.loads(path.read_text())["solver"]["objective"])


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
    args = parser.parse_args()
    binary, python = ensure_tools()
    weeks = ["provider-week", "national-week"] + (["national-x10"] if args.x10 else [])

    print(f"Machine: {machine()}")
    print(f"Runs per program and week: {args.runs} (alternating order), wall clock, end to end\n")
    print("| week | caseload median (min) | highspy peer median (min) | peer / caseload | objective (both) |")
    print("|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        out_ours, out_peer = Path(tmp) / "ours.json", Path(tmp) / "peer.json"
        for week in weeks:
            s = ROOT / "fixtures" / week / "supporters.csv"
            r = ROOT / "fixtures" / week / "referrals.csv"
            ours = [str(binary), "allocate", "-s", str(s), "-r", str(r), "-w", WEEK, "-f", "json", "-o", str(out_ours)]
            peer = [str(python), str(PEER / "allocate_highspy.py"), "--supporters", str(s), "--referrals", str(r),
                    "--week", WEEK, "--out", str(out_peer)]
            runs = args.runs if week != "national-x10" else max(1, min(args.runs, 3))
            t_ours, t_peer = [], []
            for i in range(runs):
                pair = [(ours, t_ours), (peer, t_peer)]
                for cmd, times in pair if i % 2 == 0 else reversed(pair):
                    times.append(timed(cmd))
            a, b = objective(out_ours), objective(out_peer)
            if abs(a - b) > 1e-6 * max(1.0, abs(a)):
                print(f"objectives differ on {week}: caseload {a}, peer {b}", file=sys.stderr)
                return 1
            mo, mp = statistics.median(t_ours), statistics.median(t_peer)
            print(f"| {week} | {mo:.3f} s ({min(t_ours):.3f}) | {mp:.3f} s ({min(t_peer):.3f}) | {mp / mo:.1f}x | {a:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
