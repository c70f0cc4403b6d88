#!/usr/bin/env python3
"""Do Hall c-MIR cuts add anything at HiGHS's own post-cut root LP?
HiGHS's root (presolve off so the cut pool is in the model's columns) -> its cut pool ->
LP = model + those cuts -> our separation rounds (Hall sets / single supporters)."""
import sys, time, math
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parent))
import highspy
import hallcut
from formulations import Week, GRID

OPT = {2: 1634.45, 3: 1495.30, 4: 1736.90, 5: 1782.75}
HERE = Path(__file__).resolve().parents[2] / "target" / "cut_loop"

def highs_cuts(m, rs=0):
    h = m.highs(integer=True, random_seed=rs, log_file=HERE / "logs" / "probe.log")
    h.setOptionValue("presolve", "off")
    h.setOptionValue("mip_max_nodes", 1)
    h.setOptionValue("mip_abs_gap", 0.99 * GRID)
    pools = []
    def cb(ctype, msg, data_out, data_in, user):
        o = data_out
        n = o.cutpool_num_cut
        st = list(o.cutpool_start); ix = list(o.cutpool_index); va = list(o.cutpool_value)
        lo = list(o.cutpool_lower); up = list(o.cutpool_upper)
        pools.append([(lo[i], up[i], ix[st[i]:st[i+1]], va[st[i]:st[i+1]]) for i in range(n)])
    h.setCallback(cb, None)
    h.startCallback(highspy.cb.HighsCallbackType.kCallbackMipGetCutPool)
    h.run()
    return pools, h.getInfo().mip_dual_bound

def main():
    global COMBOS, ROUNDS
    hallcut.ZITEMS = "--z-items" in sys.argv
    ROUNDS = 15
    COMBOS = (1, 2, 4, 8) if "--combos" in sys.argv else ()
    for seed in [int(a) for a in sys.argv[1:] if not a.startswith("--")] or [2, 3, 4, 5]:
        folder = HERE / "weeks" / f"40x300-seed{seed}"
        m = hallcut.Model(Week(folder / "reduced.lp", folder))
        pools, dual = highs_cuts(m)
        print(f"seed {seed}: HiGHS root (presolve off) dual bound {(dual-OPT[seed])/GRID:.1f} steps; "
              f"{len(pools)} cut pool callbacks, sizes {[len(p) for p in pools]}", flush=True)
        if not pools:
            continue
        cuts = pools[-1]
        for label, kw in (("hall", dict(singles=False)), ("single", dict(hall=False)),
                          ("both", dict())):
            sacks = hallcut.knapsacks(m, ("hours", "cases"), combos=COMBOS, **kw)
            lp = m.highs(integer=False, cuts=cuts)
            lp.run()
            z0 = lp.getInfo().objective_function_value
            z = z0
            added = 0
            for rnd in range(ROUNDS):
                x = lp.getSolution().col_value
                found = [c for c in (hallcut.cmir(r, it, x) for _, r, it in sacks) if c]
                found.sort(key=lambda t: -t[0])
                for eff, coefs, r in found[:20]:
                    idx = sorted(coefs)
                    lp.addRow(-highspy.kHighsInf, r, len(idx), idx, [coefs[j] for j in idx])
                added += len(found[:20])
                if not found:
                    break
                lp.run()
                znew = lp.getInfo().objective_function_value
                z = znew
            print(f"  {label}: LP+HiGHS cuts {(z0-OPT[seed])/GRID:.2f} steps -> {(z-OPT[seed])/GRID:.2f} "
                  f"after {added} of our cuts ({rnd+1} rounds)", flush=True)


if __name__ == '__main__':
    main()
