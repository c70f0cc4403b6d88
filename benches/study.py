#!/usr/bin/env python3
"""A study's throughput on this machine, and its projected time on a cluster.

Runs a study (default: examples/kent-staffing.study.toml, Kent with 8 to 48 supporters
under five referral policies, 100 replications of 78 measured weeks each) as N shards
at once on this machine (`caseload study run --shard I --of N --threads 1`, one process
per core), timestamps every task as its shard reports it, merges the parts, and prints:

- the wall time, tasks and replications per second, and the sum of the task times
  (the study's CPU time, one thread per task);
- the slowest task, and the projected wall time on C cores (`--cores`, default 100):
  C shards, shard I running tasks I, I+C, I+2C, ... as `study run --of C` assigns
  them, each at this machine's per-core speed; the projection is the longest such
  shard (no start-up, queueing or shared-filesystem time);
- the study's answer: families supported by week 6 and week 16 of the 20-week clock,
  and coverage, per staffing level and policy (mean and 95% CI, from the merged
  summary).

    python3 benches/study.py                      # the Kent study, N = cores here
    python3 benches/study.py --study examples/kent-staffing.study.toml --shards 2 --cores 100

Standard library only; build the binary first with `cargo build --release`.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_shard(binary: Path, study: Path, shard: int, of: int, out: Path, done: dict, lock):
    """Runs one shard; records each task's finish time as its line arrives."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        [str(binary), "study", "run", str(study), "--shard", str(shard), "--of", str(of),
         "--out", str(out), "--threads", "1"],
        cwd=ROOT, stderr=subprocess.PIPE, text=True)
    last = start
    for line in proc.stderr:
        if line.startswith("task ") and line.rstrip().endswith(": done"):
            now = time.perf_counter()
            task = int(line.split()[1])
            with lock:
                done[task] = now - last
            last = now
    if proc.wait() != 0:
        raise SystemExit(f"shard {shard} of {of} failed")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--study", type=Path, default=ROOT / "examples/kent-staffing.study.toml")
    parser.add_argument("--shards", type=int, default=os.cpu_count() or 1,
                        help="shards run at once here (default: cores)")
    parser.add_argument("--cores", type=int, default=100, help="cores to project to")
    parser.add_argument("--caseload", type=Path, default=ROOT / "target/release/caseload")
    args = parser.parse_args()
    if not args.caseload.exists():
        print(f"{args.caseload} is missing: run `cargo build --release` first", file=sys.stderr)
        sys.exit(2)

    with tempfile.TemporaryDirectory(prefix="caseload-study-") as tmp:
        out = Path(tmp) / "results"
        plan = subprocess.run([str(args.caseload), "study", "plan", str(args.study), "--out", str(out)],
                              cwd=ROOT, capture_output=True, text=True, check=True)
        manifest = json.loads((out / "manifest.json").read_text())
        tasks = manifest["tasks"]
        done: dict[int, float] = {}
        lock = threading.Lock()
        started = time.perf_counter()
        threads = [threading.Thread(target=run_shard,
                                    args=(args.caseload, args.study, i, args.shards, out, done, lock))
                   for i in range(args.shards)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - started
        merge = subprocess.run([str(args.caseload), "study", "merge", str(out)], cwd=ROOT,
                               capture_output=True, text=True)
        if merge.returncode != 0:
            raise SystemExit(merge.stderr)
        summary = json.loads((out / "summary/summary.json").read_text())

    if len(done) != len(tasks):
        raise SystemExit(f"{len(done)} of {len(tasks)} tasks reported")
    cpu = sum(done.values())
    replications = sum(t["to"] - t["from"] for t in tasks)
    slowest = max(done.items(), key=lambda kv: kv[1])
    per_shard = [sum(done[t["task"]] for t in tasks if t["task"] % args.cores == i)
                 for i in range(args.cores)]
    projected = max(per_shard)
    print(f"Study `{manifest['study']}` ({len(tasks)} tasks, {replications} replications "
          f"of a policy at a point); {os.cpu_count()} cores here, {args.shards} shards at once, "
          f"one thread each")
    print()
    print("| measure | value |")
    print("|---|---:|")
    print(f"| wall time here | {wall:.1f} s |")
    print(f"| tasks per second | {len(tasks) / wall:.2f} |")
    print(f"| replications per second | {replications / wall:.1f} |")
    print(f"| sum of task times (one core) | {cpu:.1f} s |")
    print(f"| slowest task | {slowest[1]:.1f} s (task {slowest[0]}) |")
    print(f"| projected on {args.cores} cores ({args.cores} shards) | {projected:.1f} s |")
    print()
    for sim in summary["simulations"]:
        parameter = sim["parameter"] or "point"
        policies = [p["policy"] for p in sim["points"][0]["policies"]]
        for measure in ["supported_by_week_6", "supported_by_week_16", "coverage"]:
            print(f"{sim['name']}: {measure} (mean, 95% CI), by {parameter}")
            print()
            print(f"| {parameter} | " + " | ".join(policies) + " |")
            print("|---:|" + "---|" * len(policies))
            for point in sim["points"]:
                cells = []
                for p in point["policies"]:
                    e = p["metrics"][measure]
                    lo, hi = e["ci95"] if e["ci95"] else (float("nan"), float("nan"))
                    cells.append(f"{e['mean'] * 100:.1f}% [{lo * 100:.1f}, {hi * 100:.1f}]")
                x = "-" if point["x"] is None else f"{point['x']:g}"
                print(f"| {x} | " + " | ".join(cells) + " |")
            print()
    print(f"Re-run: `python3 benches/study.py --study {args.study.relative_to(ROOT) if args.study.is_absolute() else args.study} "
          f"--shards {args.shards} --cores {args.cores}`")


if __name__ == "__main__":
    main()
