#!/usr/bin/env python3
"""Write the 40x300 hard weeks (seeds given) and caseload's reduced model of each into target/cut_loop/weeks/."""
import subprocess, sys
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import hard_weeks
HERE = Path(__file__).resolve().parents[2] / "target" / "cut_loop"
BIN = str(Path(__file__).resolve().parents[2] / "target" / "release" / "caseload")
for seed in [int(a) for a in sys.argv[1:]] or [2, 3, 4, 5]:
    folder = HERE / "weeks" / f"40x300-seed{seed}"
    sup, ref = hard_weeks.write_week(folder, 40, 300, seed)
    subprocess.run([BIN, "allocate", "-s", str(sup), "-r", str(ref), "-w", str(hard_weeks.WEEK),
                    "--time-limit", "1", "--export-model", str(folder / "reduced.lp"),
                    "--export-reduced", "--format", "json", "-o", str(folder / "plan.json")],
                   check=True, stdout=subprocess.DEVNULL)
    print(folder)
