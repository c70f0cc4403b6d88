#!/usr/bin/env python3
"""Hall-aggregation c-MIR cut loop on caseload's class model of the 40x300 hard weeks.

    python3 export.py 2 3 4 5      # writes target/cut_loop/weeks/40x300-seedN/reduced.lp
    python3 hallcut.py --seeds 2 3 4 5 --random-seeds 0 1 2 [--modes base cuts]
"""
from __future__ import annotations
import argparse, collections, math, re, sys, time
from pathlib import Path
import highspy
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from formulations import Week, GRID  # noqa: E402

HERE = Path(__file__).resolve().parents[2] / "target" / "cut_loop"
INF = highspy.kHighsInf
ZITEMS = False  # confined classes' placed count written on their z columns (one item each)


class Model:
    """The class model of formulations.Week.build (integer=False/True), with index maps."""

    def __init__(self, week: Week):
        self.week = week
        self.lo, self.hi, self.cost, self.rows = [], [], [], []  # rows: (lo, hi, idx, val)
        self.ycol = {}      # (class, supporter) -> column
        self.size = []      # class -> members
        self.zcols = []     # class -> [(z column, group size)]
        by_slot = collections.defaultdict(list)
        for c, (reach, hours, groups) in enumerate(week.classes):
            size = sum(n for _, n in groups)
            self.size.append(size)
            ys = []
            for s in reach:
                j = self._col(0, size, GRID * week.local[s])
                self.ycol[c, s] = j
                ys.append(j)
                by_slot[s].append((j, hours))
            zs = [self._col(0, n, b) for b, n in groups]
            self.zcols.append(list(zip(zs, [n for _, n in groups])))
            self.rows.append((0.0, 0.0, ys + zs, [1.0] * len(ys) + [-1.0] * len(zs)))
        for s, cols in sorted(by_slot.items()):
            idx = [j for j, _ in cols]
            if ("hours", s) in week.cap:
                self.rows.append((-INF, week.cap["hours", s], idx, [v for _, v in cols]))
            if ("cases", s) in week.cap:
                self.rows.append((-INF, week.cap["cases", s], idx, [1.0] * len(idx)))
        self.n = len(self.lo)
        self.nycols = set(self.ycol.values())

    def _col(self, lo, hi, cost):
        self.lo.append(lo); self.hi.append(hi); self.cost.append(cost)
        return len(self.lo) - 1

    def highs(self, integer: bool, cuts=(), log_file=None, random_seed=0):
        h = highspy.Highs()
        h.setOptionValue("output_flag", log_file is not None)
        if log_file is not None:
            h.setOptionValue("log_to_console", False)
            h.setOptionValue("log_file", str(log_file))
        h.setOptionValue("threads", 1)
        h.setOptionValue("mip_rel_gap", 0.0)
        h.setOptionValue("random_seed", random_seed)
        lp = highspy.HighsLp()
        lp.num_col_ = self.n
        lp.col_cost_ = np.array(self.cost)
        lp.col_lower_ = np.array(self.lo, dtype=float)
        lp.col_upper_ = np.array(self.hi, dtype=float)
        rows = list(self.rows) + list(cuts)
        lp.num_row_ = len(rows)
        lp.row_lower_ = np.array([r[0] for r in rows], dtype=float)
        lp.row_upper_ = np.array([r[1] for r in rows], dtype=float)
        start, index, value = [0], [], []
        for r in rows:
            index += r[2]; value += r[3]; start.append(len(index))
        lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
        lp.a_matrix_.start_ = np.array(start, dtype=np.int32)
        lp.a_matrix_.index_ = np.array(index, dtype=np.int32)
        lp.a_matrix_.value_ = np.array(value, dtype=float)
        lp.a_matrix_.num_col_ = self.n
        lp.a_matrix_.num_row_ = len(rows)
        lp.sense_ = highspy.ObjSense.kMaximize
        if integer:
            lp.integrality_ = [highspy.HighsVarType.kInteger] * self.n
        h.passModel(lp)
        return h


# ---------------------------------------------------------------- the knapsacks
def knapsacks(m: Model, kinds=("hours",), singles=True, combos=(), hall=True):
    """Aggregated rows over Hall sets S (each distinct reach set; with `singles` also
    each supporter alone). A knapsack is (name, rhs, items); an item is
    (coefficient, ub, {column: 1.0}) -- a confined class's placed count is the sum of its
    y columns. Coefficients are integers (hours in half-hour units)."""
    week = m.week
    reaches = sorted({frozenset(reach) for reach, _, _ in week.classes}, key=sorted)
    supporters = sorted({s for reach, _, _ in week.classes for s in reach})
    sets = [S for S in reaches if hall or len(S) == 1]
    if singles:
        sets += [frozenset([s]) for s in supporters if frozenset([s]) not in reaches]
    if not singles:
        sets = [S for S in sets if len(S) > 1]
    out = []
    weights = []
    if "hours" in kinds:
        weights.append(("hours", 2, 0))
    if "cases" in kinds:
        weights.append(("cases", 0, 1))
    for k in combos:  # 2*hours + k*cases
        weights.append((f"h+{k}c", 2, k))
    for S in sets:
        for name, wh, wc in weights:
            rhs = 0.0
            ok = True
            for s in S:
                if wh:
                    if ("hours", s) not in week.cap:
                        ok = False; break
                    rhs += wh * week.cap["hours", s]
                if wc:
                    if ("cases", s) not in week.cap:
                        ok = False; break
                    rhs += wc * week.cap["cases", s]
            if not ok:
                continue
            items = []
            for c, (reach, hours, _) in enumerate(week.classes):
                a = wh * hours + wc
                a = round(a)
                inS = [s for s in reach if s in S]
                if not inS:
                    continue
                def ub_at(s):
                    u = m.size[c]
                    if ("hours", s) in week.cap:
                        u = min(u, math.floor(week.cap["hours", s] / hours + 1e-9))
                    if ("cases", s) in week.cap:
                        u = min(u, math.floor(week.cap["cases", s] + 1e-9))
                    return u
                if len(inS) == len(reach) and ZITEMS:  # confined: placed = sum of its z
                    for j, n in m.zcols[c]:
                        items.append((a, n, {j: 1.0}))
                elif len(inS) == len(reach):  # confined to S
                    u = min(m.size[c], sum(ub_at(s) for s in reach))
                    items.append((a, u, {m.ycol[c, s]: 1.0 for s in reach}))
                else:
                    for s in inS:
                        items.append((a, ub_at(s), {m.ycol[c, s]: 1.0}))
            out.append((f"{name}{sorted(S)}", math.floor(rhs + 1e-9), items))
    return out


def cmir(rhs, items, x, min_eff=1e-4):
    """Best c-MIR cut of sum a_i v_i <= rhs (v_i integer in [0, u_i]) at x, or None.
    Returns (efficacy, {column: coef}, cut rhs)."""
    vals = [sum(x[j] * w for j, w in cols.items()) for _, _, cols in items]
    best = None
    for rule in ("half", "upper"):
        comp = []
        b = rhs
        for (a, u, _), v in zip(items, vals):
            c = (v > u / 2 + 1e-9) if rule == "half" else (v > u - 1e-6)
            comp.append(c)
            if c:
                b -= a * u
        cands = {a for (a, u, _), v in zip(items, vals) if 1e-6 < v < u - 1e-6}
        deltas = set()
        for a in cands:
            for d in (1, 2, 4, 8):
                deltas.add(a / d)
        deltas |= {a for a, _, _ in items}
        for delta in sorted(deltas):
            beta = b / delta
            f0 = beta - math.floor(beta)
            if f0 < 0.01 or f0 > 0.99:
                continue
            lhs = 0.0
            coefs = []
            for (a, u, _), v, c in zip(items, vals, comp):
                aa = (-a if c else a) / delta
                fa = aa - math.floor(aa)
                g = math.floor(aa) + max(0.0, fa - f0) / (1 - f0)
                coefs.append(g)
                lhs += g * ((u - v) if c else v)
            viol = lhs - math.floor(beta)
            if viol <= 1e-6:
                continue
            # back to the original columns
            out = collections.defaultdict(float)
            r = math.floor(beta)
            for (a, u, cols), g, c in zip(items, coefs, comp):
                if g == 0:
                    continue
                if c:
                    r -= g * u
                    for j, w in cols.items():
                        out[j] -= g * w
                else:
                    for j, w in cols.items():
                        out[j] += g * w
            out = {j: v for j, v in out.items() if abs(v) > 1e-9}
            norm = math.sqrt(sum(v * v for v in out.values()))
            eff = viol / norm if norm > 0 else 0
            if eff > min_eff and (best is None or eff > best[0]):
                best = (eff, out, r)
    return best


def cut_loop(m: Model, rounds=10, per_round=20, kinds=("hours",), singles=True, combos=(),
             verbose=False, hall=True):
    t0 = time.perf_counter()
    sacks = knapsacks(m, kinds, singles, combos, hall)
    lp = m.highs(integer=False)
    tlp = time.perf_counter()
    lp.run()
    lp_seconds = time.perf_counter() - tlp
    z0 = lp.getInfo().objective_function_value
    zs = [z0]
    cuts = []
    names = []
    for rnd in range(rounds):
        x = lp.getSolution().col_value
        found = []
        for name, rhs, items in sacks:
            c = cmir(rhs, items, x)
            if c is not None:
                found.append((c[0], name, c[1], c[2]))
        found.sort(key=lambda t: -t[0])
        # parallelism filter: skip cuts nearly parallel to one taken this round
        taken = []
        for eff, name, coefs, r in found:
            if len(taken) >= per_round:
                break
            ok = True
            for _, _, c2, _ in taken:
                dot = sum(v * c2.get(j, 0.0) for j, v in coefs.items())
                n1 = math.sqrt(sum(v * v for v in coefs.values()))
                n2 = math.sqrt(sum(v * v for v in c2.values()))
                if dot / (n1 * n2) > 0.98:
                    ok = False; break
            if ok:
                taken.append((eff, name, coefs, r))
        if not taken:
            break
        for eff, name, coefs, r in taken:
            idx = sorted(coefs)
            row = (-INF, r, idx, [coefs[j] for j in idx])
            cuts.append(row)
            names.append(name)
            lp.addRow(row[0], row[1], len(idx), idx, row[3])
        tlp = time.perf_counter()
        lp.run()
        lp_seconds += time.perf_counter() - tlp
        z = lp.getInfo().objective_function_value
        zs.append(z)
        if verbose:
            print(f"  round {rnd+1}: {len(taken)} cuts (best eff {taken[0][0]:.4f} {taken[0][1][:40]}), "
                  f"LP {z:.4f} ({(z - z0)/GRID:+.2f} steps)", flush=True)
        if zs[-2] - z < 0.02 * GRID:
            break
    # keep only cuts tight (or nearly) at the final LP
    sol = lp.getSolution()
    act = sol.row_value
    base = len(m.rows)
    keep = [i for i, c in enumerate(cuts) if c[1] - act[base + i] < 1e-3 * max(1, abs(c[1]))]
    kept = [cuts[i] for i in keep]
    multi = lambda i: names[i].count("'") > 2
    if verbose:
        print(f"  Hall (multi-supporter) cuts: {sum(map(multi, range(len(cuts))))} added, "
              f"{sum(map(multi, keep))} kept", flush=True)
    kept_hall = [cuts[i] for i in keep if multi(i)]
    return dict(seconds=time.perf_counter() - t0, lp_seconds=lp_seconds, kept_hall=kept_hall, lp0=z0, lp=zs[-1], rounds=len(zs) - 1,
                added=len(cuts), kept=kept, history=zs)


# ---------------------------------------------------------------- the MIP
def root_bound(log_path: Path, first=True):
    """HiGHS's dual bound at the end of the first root (before any restart; with
    first=False, the last root line, after restarts), from its log."""
    bound = None
    for line in open(log_path, encoding="utf-8", errors="replace"):
        if first and "restarting" in line and bound is not None:
            break
        m = re.match(r"\s*([A-Z]?)\s+(\d+)\s+(\d+)\s+(\d+)\s+[\d.]+%\s+([-\d.e+]+|inf)\s", line)
        if m:
            expl = int(m.group(4))
            if expl == 0:
                bound = float(m.group(5))
            else:
                break
    return bound


def mip(m: Model, cuts, random_seed, log_file, cap):
    h = m.highs(integer=True, cuts=cuts, log_file=log_file, random_seed=random_seed)
    h.setOptionValue("mip_abs_gap", 0.99 * GRID)
    h.setOptionValue("time_limit", cap)
    t = time.perf_counter()
    h.run()
    t = time.perf_counter() - t
    info = h.getInfo()
    st = h.modelStatusToString(h.getModelStatus())
    return dict(seconds=t, status=st, value=info.objective_function_value,
                nodes=info.mip_node_count, lpit=info.simplex_iteration_count,
                dual=info.mip_dual_bound, root=root_bound(log_file),
                root_last=root_bound(log_file, first=False))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", nargs="+", type=int, default=[2, 3, 4, 5])
    ap.add_argument("--random-seeds", nargs="+", type=int, default=[0, 1, 2])
    ap.add_argument("--modes", nargs="+", default=["base", "cuts"])
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--per-round", type=int, default=20)
    ap.add_argument("--kinds", nargs="+", default=["hours"])
    ap.add_argument("--combos", nargs="*", type=int, default=[])
    ap.add_argument("--no-singles", action="store_true")
    ap.add_argument("--z-items", action="store_true")
    ap.add_argument("--no-hall", action="store_true", help="per-supporter knapsacks only")
    ap.add_argument("--cap", type=float, default=120)
    ap.add_argument("--loop-only", action="store_true")
    ap.add_argument("--tag", default="")
    a = ap.parse_args()
    global ZITEMS
    ZITEMS = a.z_items
    logs = HERE / "logs"; logs.mkdir(parents=True, exist_ok=True)
    print("| seed | rs | mode | rounds | cuts added/kept | LP0-opt | LP-opt | loop s | MIP s | total s "
          "| nodes | LP iters | root-opt (first / after restarts) | status | value |", flush=True)
    print("|---" * 15 + "|")
    for seed in a.seeds:
        folder = HERE / "weeks" / f"40x300-seed{seed}"
        week = Week(folder / "reduced.lp", folder)
        m = Model(week)
        loop = None
        if "cuts" in a.modes or "hall" in a.modes or a.loop_only:
            loop = cut_loop(m, a.rounds, a.per_round, tuple(a.kinds), not a.no_singles,
                            tuple(a.combos), verbose=True, hall=not a.no_hall)
            print(f"seed {seed}: LP {loop['lp0']:.3f} -> {loop['lp']:.3f} in {loop['rounds']} rounds, "
                  f"{loop['added']} cuts ({len(loop['kept'])} kept), {loop['seconds']:.2f} s "
                  f"(LP {loop['lp_seconds']:.2f} s)", flush=True)
            if a.loop_only:
                continue
        for rs in a.random_seeds:
            for mode in a.modes:
                cuts = loop["kept"] if mode == "cuts" else loop["kept_hall"] if mode == "hall" else []
                r = mip(m, cuts, rs, logs / f"s{seed}-rs{rs}-{mode}{a.tag}.log", a.cap)
                opt = r["value"]
                ls = loop["seconds"] if mode in ("cuts", "hall") else 0.0
                lp0 = loop["lp0"] if loop else float("nan")
                lp = loop["lp"] if mode == "cuts" else lp0
                root = r["root"]
                print(f"| {seed} | {rs} | {mode} | {loop['rounds'] if mode != 'base' else '-'} "
                      f"| {(str(loop['added']) + '/' + str(len(cuts))) if mode != 'base' else '-'} "
                      f"| {(lp0 - opt)/GRID:.1f} | {(lp - opt)/GRID:.1f} | {ls:.2f} | {r['seconds']:.2f} "
                      f"| {ls + r['seconds']:.2f} | {r['nodes']} | {r['lpit']} "
                      f"| {((root - opt)/GRID) if root is not None else float('nan'):.1f} / "
                      f"{((r['root_last'] - opt)/GRID) if r['root_last'] is not None else float('nan'):.1f} "
                      f"| {r['status']} | {opt:.2f} |", flush=True)


if __name__ == "__main__":
    main()
