#!/usr/bin/env python3
"""Which cuts close the gap when HiGHS is given the static Hall rows?
Model + Hall rows (sums of hours / case rows over each reach set, confined classes on their
z columns) -> HiGHS root (presolve off) -> its cut pool; then the plain LP + that pool
(the pool is valid for the plain model) and the supports of the pool's cuts."""
import sys, collections
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parent))
import highspy
import hallcut, probe
from formulations import Week, GRID

OPT = probe.OPT
HERE = Path(__file__).resolve().parents[2] / "target" / "cut_loop"

def hall_rows(m):
    week = m.week
    reaches = sorted({frozenset(r) for r, _, _ in week.classes if len(r) > 1}, key=sorted)
    rows = []
    for S in reaches:
        for kind in ("hours", "cases"):
            if any((kind, s) not in week.cap for s in S):
                continue
            rhs = sum(week.cap[kind, s] for s in S)
            coef = collections.defaultdict(float)
            for c, (reach, hours, _) in enumerate(week.classes):
                a = hours if kind == "hours" else 1.0
                if set(reach) <= S:
                    for j, _ in m.zcols[c]:
                        coef[j] += a
                else:
                    for s in reach:
                        if s in S:
                            coef[m.ycol[c, s]] += a
            idx = sorted(coef)
            rows.append((-highspy.kHighsInf, rhs, idx, [coef[j] for j in idx]))
    return rows

col_sup = None
for seed in [int(a) for a in sys.argv[1:]] or [2, 3, 4, 5]:
    folder = HERE / "weeks" / f"40x300-seed{seed}"
    m = hallcut.Model(Week(folder / "reduced.lp", folder))
    sup_of = {j: s for (c, s), j in m.ycol.items()}
    cls_of = {}
    for c, zs in enumerate(m.zcols):
        for j, _ in zs:
            cls_of[j] = c
    for (c, s), j in m.ycol.items():
        cls_of[j] = c
    H = hall_rows(m)
    for label, extra in (("plain", []), ("hall", H)):
        h = m.highs(integer=True, cuts=extra, log_file=HERE / "logs" / f"probe-static-{seed}-{label}.log")
        h.setOptionValue("presolve", "off")
        h.setOptionValue("mip_max_nodes", 1)
        h.setOptionValue("mip_abs_gap", 0.99 * GRID)
        pools = []
        def cb(ctype, msg, o, di, user):
            st = list(o.cutpool_start); ix = list(o.cutpool_index); va = list(o.cutpool_value)
            lo = list(o.cutpool_lower); up = list(o.cutpool_upper)
            pools.append([(lo[i], up[i], ix[st[i]:st[i+1]], va[st[i]:st[i+1]])
                          for i in range(o.cutpool_num_cut)])
        h.setCallback(cb, None)
        h.startCallback(highspy.cb.HighsCallbackType.kCallbackMipGetCutPool)
        h.run()
        dual = h.getInfo().mip_dual_bound
        pool = pools[-1] if pools else []
        lp = m.highs(integer=False, cuts=pool)
        lp.run()
        z = lp.getInfo().objective_function_value
        ns = collections.Counter()
        for lo, up, ix, va in pool:
            sups = {sup_of[j] for j in ix if j in sup_of}
            ns[min(len(sups), 5)] += 1
        print(f"seed {seed} {label:5s} ({len(extra)} Hall rows): HiGHS root bound {(dual-OPT[seed])/GRID:.1f} steps; "
              f"pool {len(pool)} cuts; plain LP + pool {(z-OPT[seed])/GRID:.2f} steps; "
              f"cuts by #supporters in support (5 = 5+): {dict(sorted(ns.items()))}", flush=True)
