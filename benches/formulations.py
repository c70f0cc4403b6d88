#!/usr/bin/env python3
"""Formulations of a hard week, measured on the same model (issue 9's ideas).

For each tight county week of `hard_weeks.py` (same seeded generator), caseload writes
its reduced model (`allocate --export-model FILE.lp --export-reduced`: the families that
cannot improve the plan left out, rows that cannot bind left out; same optimum), and
this script solves that model with HiGHS (highspy, one thread, zero relative gap, no
feasibility jump: caseload's settings) in several forms, timing each:

- `LP - opt`: the LP relaxation's bound minus the optimum, in steps of the score grid
  (0.05): under one step, the LP alone proves a plan that reaches the grid point below
  it, and all the work is finding that plan;
- `class`: the aggregated model caseload solves (`solve/src/classes.rs`: integer
  y(class, supporter), z(class, group of equal bases)), from no starting plan;
- `class+u`: the same with, per supporter and hours value h, an integer u(s, h) = the
  sum of the class columns of hours h at s, and the hours and case rows written on u.
  Given integer u the rest is a transportation problem per hours value (totally
  unimodular), so u alone decides integrality;
- `proof`: the class model started at the optimum, with an absolute gap of just under
  one grid step: the time to prove a plan known to be optimal;
- `rounds`: target rounds with reduced-cost bounds: the LP's reduced costs bound every
  column for the plans scoring at least a target T (no plan may lose more than LP - T);
  the bounded model with the row score >= T is solved for T = the grid point below the
  LP bound, then one, three, seven... steps lower, until a round finds a plan scoring T
  or more, which is then the optimum;
- `cutoff`: what caseload does (`solve/src/mip.rs`, `solve_area`): T = the grid point
  below the LP bound, and the class model run with a cutoff half a step below T (HiGHS's
  `objective_bound`), so that it searches only plans reaching T; a plan found is the
  optimum, none found lowers the bound under T; a second round looks two steps
  under the bound (each of at most 200 nodes), then the class model in full, stopping
  as soon as a plan reaches the bound the rounds left (`objective_target`). Unlike
  caseload, the script has no greedy plan: the full model starts from nothing, and the
  grid is the default policy's 0.05.

Each solve is capped (`--cap`, seconds); a capped time is printed as `>cap`.

With `--near`, a second study on the same models instead: how close to the optimum a
plan must be for HiGHS, given it as a cutoff and with its sub-MIP heuristics (RINS, RENS
and the root reduced-cost heuristic) switched off, to beat solving from nothing; and
what splitting a week in two would buy two threads. Per week and per HiGHS
`random_seed` (`--random-seeds`), each with that seed:

- `whole`: the class model from nothing, HiGHS's defaults (its optimum is the one the
  other columns are checked against);
- `proof` / `proof, no sub-MIPs`: the class model started at the optimum, with HiGHS's
  defaults and without its sub-MIP heuristics;
- `k under` (k = 2, 5, 10, 30): the class model with a cutoff half a step above a plan
  k grid steps under the optimum (as if that plan were known: HiGHS searches only plans
  beating it; the plan itself is not handed over), without sub-MIP heuristics, to the
  proven optimum; `k under, defaults` the same with HiGHS's defaults, for k = 2 and 5;
- `split`: the class model with "families placed <= n" and, apart, ">= n + 1", n the
  LP's number placed rounded down, each solved in full: two threads would take the
  longer of the two (`lo / hi`) against the whole model's time (`whole`).

    python3 benches/formulations.py                                   # 40x300, seeds 1-8
    python3 benches/formulations.py --sizes 40x300 80x600 --seeds 1 2 3 --cap 120
    python3 benches/formulations.py --near --seeds 1 2 3 4 5 --random-seeds 0 1 2

Needs the release binary (`cargo build --release`) and the peer's venv
(`benches/peer/.venv`, created if missing, as `hard_weeks.py` does).
"""
from __future__ import annotations

import argparse
import collections
import csv
import math
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import hard_weeks  # noqa: E402  (the same generator and tools)

GRID = 0.05


class Week:
    """The reduced model of one week, read back as classes of interchangeable families."""

    def __init__(self, model: Path, folder: Path):
        import highspy

        reader = highspy.Highs()
        reader.setOptionValue("output_flag", False)
        reader.readModel(str(model))
        lp = reader.getLp()
        local = {r["supporter_id"].replace("-", "_"): r["local"] == "true"
                 for r in csv.DictReader(open(folder / "supporters.csv", encoding="utf-8"))}
        hours = {r["referral_id"].replace("-", "_"): float(r["hours_per_week"])
                 for r in csv.DictReader(open(folder / "referrals.csv", encoding="utf-8"))}
        arcs: dict[str, dict[str, float]] = collections.defaultdict(dict)
        for j in range(lp.num_col_):
            m = re.match(r"x\((.*),(.*)\)", reader.getColName(j)[1])
            arcs[m.group(1)][m.group(2)] = lp.col_cost_[j]
        self.cap = {}
        for i in range(lp.num_row_):
            m = re.match(r"(hours|cases)\((.*)\)", reader.getRowName(i)[1])
            if m:
                self.cap[m.group(1), m.group(2)] = lp.row_upper_[i]
        self.local = local
        base = {f: round(next(c - GRID * local[s] for s, c in a.items()), 6)
                for f, a in arcs.items()}
        groups: dict[tuple, list[str]] = collections.defaultdict(list)
        for f, a in arcs.items():
            groups[(tuple(sorted(a)), hours[f])].append(f)
        # Per class: (eligible supporters, hours, {base: members}), bases best first.
        self.classes = [
            (reach, h, sorted(collections.Counter(base[f] for f in members).items(),
                              reverse=True))
            for (reach, h), members in sorted(groups.items())
        ]

    def build(self, integer: bool, with_u: bool = False, bounds=None, target=None,
              log: bool = False):
        import highspy

        inf = highspy.kHighsInf
        h = highspy.Highs()
        h.setOptionValue("output_flag", log)
        for name, value in (("threads", 1), ("mip_rel_gap", 0.0),
                            ("mip_heuristic_run_feasibility_jump", False)):
            h.setOptionValue(name, value)
        by_slot = collections.defaultdict(list)  # supporter -> [(column, hours)]
        objective = []
        col = 0

        def column(lo, hi, cost):
            nonlocal col
            if bounds is not None:
                lo, hi = bounds[col]
            h.addVar(lo, hi)
            h.changeColCost(col, cost)
            if integer:
                h.changeColIntegrality(col, highspy.HighsVarType.kInteger)
            objective.append((col, cost))
            col += 1
            return col - 1

        for reach, hours, groups in self.classes:
            size = sum(n for _, n in groups)
            ys = [column(0, size, GRID * self.local[s]) for s in reach]
            for s, y in zip(reach, ys):
                by_slot[s].append((y, hours))
            zs = [column(0, n, b) for b, n in groups]
            h.addRow(0, 0, len(ys) + len(zs), ys + zs, [1.0] * len(ys) + [-1.0] * len(zs))
        for s, cols in sorted(by_slot.items()):
            if with_u:
                by_hours = collections.defaultdict(list)
                for y, hours in cols:
                    by_hours[hours].append(y)
                cols = []
                for hours, ys in sorted(by_hours.items()):
                    u = col
                    h.addVar(0, inf)
                    h.changeColIntegrality(u, highspy.HighsVarType.kInteger)
                    col += 1
                    h.addRow(0, 0, len(ys) + 1, ys + [u], [1.0] * len(ys) + [-1.0])
                    cols.append((u, hours))
            idx = [c for c, _ in cols]
            if ("hours", s) in self.cap:
                h.addRow(-inf, self.cap["hours", s], len(idx), idx, [v for _, v in cols])
            if ("cases", s) in self.cap:
                h.addRow(-inf, self.cap["cases", s], len(idx), idx, [1.0] * len(idx))
        if target is not None:
            h.addRow(target - 1e-6, inf, len(objective), [c for c, _ in objective],
                     [v for _, v in objective])
        h.changeObjectiveSense(highspy.ObjSense.kMaximize)
        return h


def solve(model, cap: float):
    """(seconds, status name, objective or None)."""
    import highspy

    model.setOptionValue("time_limit", cap)
    start = time.perf_counter()
    model.run()
    seconds = time.perf_counter() - start
    status = model.getModelStatus()
    value = (model.getInfo().objective_function_value
             if status == highspy.HighsModelStatus.kOptimal else None)
    return seconds, model.modelStatusToString(status), value


def shown(seconds: float, status: str, cap: float) -> str:
    return f">{cap:g}" if status == "Time limit reached" else f"{seconds:.2f}"


def rounds(week: Week, cap: float) -> tuple[float, str, float | None]:
    relaxation = week.build(integer=False)
    start = time.perf_counter()
    relaxation.run()
    bound = relaxation.getInfo().objective_function_value
    solution = relaxation.getSolution()
    lp = relaxation.getLp()
    x, d = solution.col_value, solution.col_dual
    lo, hi = lp.col_lower_, lp.col_upper_

    def bounds_for(target: float):
        gap = bound - target + 1e-6
        out = []
        for j in range(len(x)):
            b = (lo[j], hi[j])
            if abs(d[j]) > gap:
                moves = math.floor(gap / abs(d[j]))
                if abs(x[j] - lo[j]) < 1e-7:
                    b = (lo[j], min(hi[j], lo[j] + moves))
                elif abs(x[j] - hi[j]) < 1e-7:
                    b = (max(lo[j], hi[j] - moves), hi[j])
            out.append(b)
        return out

    top = math.floor(bound / GRID + 1e-6) * GRID
    k = 0
    while True:
        target = top - (2 ** k - 1) * GRID
        left = cap - (time.perf_counter() - start)
        if left <= 0:
            return cap, "Time limit reached", None
        model = week.build(integer=True, bounds=bounds_for(target), target=target)
        model.setOptionValue("mip_abs_gap", 0.99 * GRID)
        _, status, value = solve(model, left)
        if status == "Time limit reached":
            return cap, status, None
        if value is not None and value >= target - 1e-6:
            return time.perf_counter() - start, status, value
        k += 1


def cutoff(week: Week, cap: float, rounds: int = 2, nodes: int = 200):
    relaxation = week.build(integer=False)
    start = time.perf_counter()
    relaxation.run()
    top = math.floor(relaxation.getInfo().objective_function_value / GRID + 1e-3) * GRID

    def left() -> float:
        return max(cap - (time.perf_counter() - start), 1e-3)

    for k in range(rounds):
        target = top - (2 ** (k + 1) - 2) * GRID  # at the bound, then 2, 6... steps under
        model = week.build(integer=True)
        model.setOptionValue("objective_bound", -(target - GRID / 2))  # HiGHS minimises
        model.setOptionValue("mip_abs_gap", 0.99 * GRID)
        model.setOptionValue("mip_max_nodes", nodes)
        _, status, value = solve(model, left())
        if status not in ("Optimal", "Infeasible"):
            break  # out of nodes or time: the full model takes over
        value = value if value is not None else -math.inf
        if value < target - 1e-6:
            top = target - GRID  # searched to the end: no plan reaches the target
        if value >= min(top, target) - 1e-6:
            return time.perf_counter() - start, status, value
    model = week.build(integer=True)
    model.setOptionValue("objective_target", top - GRID / 2)
    model.setOptionValue("mip_abs_gap", 0.99 * GRID)
    _, status, value = solve(model, left())
    if status == "Target for objective reached":
        value = model.getInfo().objective_function_value
    if status == "Time limit reached":
        return cap, status, None
    return time.perf_counter() - start, status, value


NO_SUB_MIPS = (("mip_heuristic_run_rins", False), ("mip_heuristic_run_rens", False),
               ("mip_heuristic_run_root_reduced_cost", False))
UNDER = (2, 5, 10, 30)


def near(week: Week, cap: float, random_seed: int) -> dict[str, str]:
    """One week's `--near` row (cells by column name): see the module's doc."""
    import highspy

    def model(options=(), cutoff=None, start=None, extra_row=None):
        m = week.build(integer=True)
        m.setOptionValue("mip_abs_gap", 0.99 * GRID)
        m.setOptionValue("random_seed", random_seed)
        for name, value in options:
            m.setOptionValue(name, value)
        if cutoff is not None:
            m.setOptionValue("objective_bound", -cutoff)  # HiGHS minimises
        if start is not None:
            m.setSolution(start)
        if extra_row is not None:
            m.addRow(*extra_row)
        return m

    def checked(name: str, m) -> str:
        """The solve's time; its optimum must be the whole model's (the cutoffs are all
        under it), unless the cap stopped it."""
        t, status, value = solve(m, cap)
        capped = status == "Time limit reached"
        assert capped or (value is not None and abs(value - optimum) < 1e-6), (
            name, status, value, optimum)
        return shown(t, status, cap)

    found = model()
    t_whole, s_whole, optimum = solve(found, cap)
    if optimum is None:
        return {"whole": shown(t_whole, s_whole, cap)}
    plan = found.getSolution()
    row = {"optimum": f"{optimum:.2f}", "whole": shown(t_whole, s_whole, cap)}
    for name, options in (("proof", ()), ("proof, no sub-MIPs", NO_SUB_MIPS)):
        row[name] = checked(name, model(options, start=plan))
    for k in UNDER:
        for label, options in (("", NO_SUB_MIPS), (", defaults", ())):
            if label and k > 5:
                continue
            name = f"{k} under{label}"
            row[name] = checked(name, model(options, cutoff=optimum - (k - 0.5) * GRID))
    # The split by the number placed: the y columns, as `Week.build` numbers them.
    ys, col = [], 0
    for reach, _, groups in week.classes:
        ys += range(col, col + len(reach))
        col += len(reach) + len(groups)
    relaxation = week.build(integer=False)
    relaxation.run()
    placed = sum(relaxation.getSolution().col_value[j] for j in ys)
    n = math.floor(placed + 1e-6)
    inf = highspy.kHighsInf
    halves = []
    for lo, hi in ((-inf, n), (n + 1, inf)):
        t, status, value = solve(model(extra_row=(lo, hi, len(ys), ys, [1.0] * len(ys))), cap)
        halves.append((t, status, value))
    if all(status != "Time limit reached" for _, status, _ in halves):
        # Both halves searched to the end: the better one holds the optimum.
        best = max((v for _, _, v in halves if v is not None), default=None)
        assert best is not None and abs(best - optimum) < 1e-6, (best, optimum)
    row["split lo / hi"] = " / ".join(shown(t, st, cap) for t, st, _ in halves)
    return row


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=["40x300"], help="SUPPORTERSxFAMILIES")
    parser.add_argument("--seeds", nargs="+", type=int, default=list(range(1, 9)))
    parser.add_argument("--cap", type=float, default=120.0, help="seconds per solve")
    parser.add_argument("--near", action="store_true",
                        help="the study of plans near the optimum and of the split instead")
    parser.add_argument("--random-seeds", nargs="+", type=int, default=[0],
                        help="HiGHS random_seed values, with --near")
    args = parser.parse_args()
    binary, python = hard_weeks.ensure_tools(build=False)
    try:
        import highspy  # noqa: F401
    except ImportError:  # run again with the peer's interpreter, which has highspy
        os.execv(str(python), [str(python), __file__, *sys.argv[1:]])
    if args.near:
        columns = ["optimum", "whole", "proof", "proof, no sub-MIPs",
                   *(f"{k} under" for k in UNDER), "2 under, defaults", "5 under, defaults",
                   "split lo / hi"]
        print("| week | seed | random_seed | " + " | ".join(f"{c} s" if c != "optimum" else c
                                                       for c in columns) + " |")
        print("|---" * (len(columns) + 3) + "|")
    else:
        print("| week | seed | LP - opt (grid steps) | class s | class+u s | proof s "
              "| rounds s | cutoff s | optimum |")
        print("|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory(prefix="caseload-formulations-") as tmp:
        for size in args.sizes:
            n_s, n_f = (int(v) for v in size.split("x"))
            for seed in args.seeds:
                folder = Path(tmp) / f"{size}-seed{seed}"
                sup, ref = hard_weeks.write_week(folder, n_s, n_f, seed)
                model = folder / "reduced.lp"
                subprocess.run([str(binary), "allocate", "-s", str(sup), "-r", str(ref),
                                "-w", str(hard_weeks.WEEK), "--time-limit", "1",
                                "--export-model", str(model), "--export-reduced",
                                "--format", "json", "-o", str(folder / "plan.json")],
                               check=True, stdout=subprocess.DEVNULL)
                week = Week(model, folder)
                if args.near:
                    for random_seed in args.random_seeds:
                        row = near(week, args.cap, random_seed)
                        cells = [row.get(c, "-") for c in columns]
                        print(f"| {size} | {seed} | {random_seed} | " + " | ".join(cells) + " |",
                              flush=True)
                    continue
                relaxation = week.build(integer=False)
                relaxation.run()
                bound = relaxation.getInfo().objective_function_value
                plain = week.build(integer=True)
                t_class, s_class, optimum = solve(plain, args.cap)
                t_u, s_u, v_u = solve(week.build(integer=True, with_u=True), args.cap)
                t_r, s_r, v_r = rounds(week, args.cap)
                t_c, s_c, v_c = cutoff(week, args.cap)
                proof = "-"
                if optimum is not None:
                    plan = plain.getSolution()  # the optimum, proved again from it
                    plain.clearSolver()
                    plain.setSolution(plan)
                    plain.setOptionValue("mip_abs_gap", 0.99 * GRID)
                    t_p, s_p, _ = solve(plain, args.cap)
                    proof = shown(t_p, s_p, args.cap)
                for value in (v_u, v_r, v_c):
                    if optimum is not None and value is not None:
                        assert abs(value - optimum) < 1e-6, (size, seed, optimum, value)
                steps = f"{(bound - optimum) / GRID:.1f}" if optimum is not None else "-"
                print(f"| {size} | {seed} | {steps} | {shown(t_class, s_class, args.cap)} "
                      f"| {shown(t_u, s_u, args.cap)} | {proof} "
                      f"| {shown(t_r, s_r, args.cap)} | {shown(t_c, s_c, args.cap)} "
                      f"| {optimum if optimum is None else round(optimum, 2)} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
