#!/usr/bin/env python3
"""A second simulator of `caseload simulate`, for its `fifo` and `priority` policies,
written from docs/simulation.md alone (not from the Rust code), side by side with the
program on one scenario.

Both run the same scenario with their own random numbers (this one Python's `random`,
seeded by "seed-replication"), so the comparison is statistical: for each measure, the
two means over replications (the program's from its per-replication CSV, so both sides
are estimated alike), their 95% intervals, and z = the difference over its standard
error. A measure whose |z| is 3 or more is marked, and so is a measure that never varies
on either side but differs. There are 17 measures and 20 by priority per policy, many
of them related (the policies share their families); an |z| between 2 and 3 now and
then is chance (run again with another `--seed` to tell).

    python3 benches/second_simulator.py fixtures/sim/large-county.toml --replications 500
    python3 benches/second_simulator.py fixtures/sim/small-area.toml --replications 2000 --seed 9

What the docs leave to the reader, read here as: a clock started 0 to k whole weeks
early (uniform), a late plan's extra weeks geometric from 1, a volunteer leaving after a
geometric number of weeks (the week after joining at the earliest) and a replacement
joining the week after; generated supporters with no districts and no leave, families
with no conflict of interest, a like replacement keeping the local bonus
(docs/simulation.md says these last three).
Standard library only; it builds the release binary if it is missing.
"""

import argparse
import csv
import datetime
import io
import math
import random
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# The defaults of docs/simulation.md's tables.
DEFAULTS = {
    "start": "2015-09-07", "warm_up_weeks": 26, "horizon_weeks": 78,
    "supporters": {
        "paid": 8, "volunteer": 4, "paid_hours_per_week": 10.0, "paid_max_cases": 5,
        "volunteer_hours_per_week": 5.0, "volunteer_max_cases": 2, "local_share": 0.5,
        "skills": {"autism": 0.6, "transfer": 0.5, "young_person": 0.3, "tribunal": 0.2,
                   "bsl": 0.05},
        "languages": {"pl": 0.1, "ur": 0.1},
        "volunteer_attrition_per_week": 0.01, "replace_volunteers": False,
    },
    "arrivals": {"new_per_week": 1.0, "transfer_per_week": 1.5, "seasonality": True,
                 "transfer_wave": None},
    "families": {
        "priority": [0.15, 0.25, 0.30, 0.20, 0.10], "complexity": [0.3, 0.5, 0.2],
        "needs": {"autism": 0.25, "tribunal": 0.05, "bsl": 0.01},
        "transfer_needs_skill": 0.3, "languages": {"pl": 0.02, "ur": 0.03},
        "districts": {"D1": 0.25, "D2": 0.25, "D3": 0.25, "D4": 0.25},
        "sources": {"self": 0.4, "la": 0.4, "professional": 0.2}, "consent": 0.9,
        "clock_lateness_weeks": 6, "withdrawal_per_week": 0.005,
    },
    "ehc": {"p_on_time": 0.55, "late_mean_weeks": 8.0},
    "policy": {"priority_weights": [1, 2, 4, 8, 16], "local_bonus": 0.05,
               "volunteers_take_high": False,
               "default_hours": {"low": 1.0, "medium": 2.0, "high": 3.0}},
}
# School holidays (month, day) to (month, day): a week whose Monday falls in one has
# half the arrival rates.
HOLIDAYS = [((7, 22), (8, 31)), ((12, 20), (12, 31)), ((1, 1), (1, 3)), ((4, 1), (4, 14)),
            ((10, 24), (10, 31)), ((2, 14), (2, 21)), ((5, 25), (5, 31))]
FINAL_PLAN_WEEK, MOST_LATE_WEEKS = 20, 520
# Weeks drawn beyond the horizon, for the run-out (the latest plan is 20 + 520 weeks on).
RUN_OUT_ROOM = FINAL_PLAN_WEEK + MOST_LATE_WEEKS + 60
# The measures compared, as the program's JSON names them.
MEASURES = ["referred", "supported", "missed", "withdrawn", "coverage", "support_weeks",
            "supported_by_week_6", "supported_by_week_16", "wait_mean", "wait_p50",
            "wait_p90", "wait_p95", "utilisation_paid", "utilisation_volunteer",
            "lowest_district_coverage", "district_coverage_ratio", "score_per_week"]
BY_PRIORITY = ["referred", "coverage", "support_weeks", "wait_mean"]


def load(path: Path) -> dict:
    with open(path, "rb") as f:
        scenario = tomllib.load(f)
    settings = {}
    for key, default in DEFAULTS.items():
        if isinstance(default, dict):
            settings[key] = {**default, **scenario.get(key, {})}
        else:
            settings[key] = scenario.get(key, default)
    settings["start"] = datetime.date.fromisoformat(str(settings["start"]))
    settings["folder"] = path.resolve().parent
    return settings


def poisson(rng: random.Random, rate: float) -> int:
    limit, k, product = math.exp(-rate), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k


def trials_to_success(rng: random.Random, p: float) -> int:
    """Bernoulli(p) trials up to and including the first success (1 or more)."""
    if p <= 0:
        return 10**9
    if p >= 1:
        return 1
    return max(1, math.ceil(math.log(1.0 - rng.random()) / math.log(1.0 - p)))


def pick(rng: random.Random, shares: list) -> object:
    u, total = rng.random(), 0.0
    for value, share in shares:
        total += share
        if u < total:
            return value
    return shares[-1][0]


class Family:
    def __init__(self, number, week, kind):
        self.number, self.week, self.kind = number, week, kind


class Supporter:
    def __init__(self, ident, paid, hours, cases, local, skills, languages, districts=()):
        self.ident, self.paid, self.hours, self.cases = ident, paid, hours, cases
        self.local, self.skills, self.languages = local, skills, languages
        self.districts = set(districts)
        self.joins, self.leaves, self.away = 0, None, None

    def like(self, ident, joins):
        other = Supporter(self.ident, self.paid, self.hours, self.cases, self.local,
                          self.skills, self.languages, self.districts)
        other.ident, other.joins = ident, joins
        return other


def generated(rng, settings, ident, paid):
    s = settings["supporters"]
    return Supporter(
        ident, paid,
        s["paid_hours_per_week"] if paid else s["volunteer_hours_per_week"],
        s["paid_max_cases"] if paid else s["volunteer_max_cases"],
        rng.random() < s["local_share"],
        {k for k, p in s["skills"].items() if rng.random() < p},
        {"en"} | {k for k, p in s["languages"].items() if rng.random() < p})


def from_file(settings):
    rows = csv.DictReader(open(settings["folder"] / settings["supporters"]["file"]))
    supporters = []
    for r in rows:
        s = Supporter(r["supporter_id"], r["status"] == "paid", float(r["hours_per_week"]),
                      int(r["max_cases"]), r["local"].strip().lower() in ("true", "yes", "1"),
                      {x for x in r["skills"].split(";") if x},
                      {"en"} | {x for x in r["languages"].split(";") if x},
                      [x for x in r["districts"].split(";") if x])
        if r.get("unavailable_from") or r.get("unavailable_to"):
            # Days from the start; an end left empty is open.
            day = lambda d, open_end: ((datetime.date.fromisoformat(d) - settings["start"]).days
                                       if d else open_end)
            s.away = (day(r.get("unavailable_from"), -10**9), day(r.get("unavailable_to"), 10**9))
        supporters.append(s)
    return supporters


def draw(settings, seed, replication, weeks):
    """One replication's families and supporters, the same for every policy."""
    rng = random.Random(f"{seed}-{replication}")
    arrivals, f = settings["arrivals"], settings["families"]
    hours = settings["policy"]["default_hours"]
    wave = arrivals.get("transfer_wave")
    families = []
    for week in range(weeks):
        monday = settings["start"] + datetime.timedelta(weeks=week)
        quiet = arrivals["seasonality"] and any(
            a <= (monday.month, monday.day) <= b for a, b in HOLIDAYS)
        factor = 0.5 if quiet else 1.0
        transfers = arrivals["transfer_per_week"] * factor
        if wave and wave["from_week"] <= week <= wave["to_week"]:
            transfers += wave["extra_per_week"]
        kinds = (["new"] * poisson(rng, arrivals["new_per_week"] * factor)
                 + ["transfer"] * poisson(rng, transfers))
        for kind in kinds:
            x = Family(len(families), week, kind)
            x.priority = pick(rng, list(zip(range(1, 6), f["priority"])))
            x.complexity = pick(rng, list(zip(["low", "medium", "high"], f["complexity"])))
            x.hours = hours[x.complexity]
            x.needs = {k for k, p in f["needs"].items() if rng.random() < p}
            if kind == "transfer" and rng.random() < f["transfer_needs_skill"]:
                x.needs.add("transfer")
            x.language = pick(rng, list(f["languages"].items()) + [("en", 1.0)])
            x.district = pick(rng, list(f["districts"].items()))
            source = pick(rng, [(k, f["sources"].get(k, 0.0))
                                for k in ("self", "la", "professional")])
            x.consent = source == "self" or rng.random() < f["consent"]
            x.clock = week - rng.randint(0, int(f["clock_lateness_weeks"]))
            late = 0
            if rng.random() >= settings["ehc"]["p_on_time"]:
                late = min(MOST_LATE_WEEKS,
                           trials_to_success(rng, 1.0 / settings["ehc"]["late_mean_weeks"]))
            x.final = x.clock + FINAL_PLAN_WEEK + late
            x.withdraws = week + trials_to_success(rng, f["withdrawal_per_week"])
            families.append(x)
    s = settings["supporters"]
    if s.get("file"):
        initial = from_file(settings)
    else:
        width = max(2, len(str(max(s["paid"], s["volunteer"]))))
        initial = ([generated(rng, settings, f"P{i:0{width}d}", True)
                    for i in range(1, s["paid"] + 1)]
                   + [generated(rng, settings, f"V{i:0{width}d}", False)
                      for i in range(1, s["volunteer"] + 1)])
    supporters = [x for x in initial if x.paid]
    for volunteer in (x for x in initial if not x.paid):
        current, holder = volunteer, 1
        while True:
            current.leaves = current.joins + trials_to_success(
                rng, s["volunteer_attrition_per_week"])
            supporters.append(current)
            if not s["replace_volunteers"] or current.leaves >= weeks:
                break
            holder += 1
            ident = f"{volunteer.ident}-{holder}"
            joins = current.leaves + 1
            current = (volunteer.like(ident, joins) if s.get("file")
                       else generated(rng, settings, ident, False))
            current.joins = joins
    return families, supporters


def eligible(family, supporter, settings):
    return (family.consent and family.needs <= supporter.skills
            and family.language in supporter.languages
            and (not supporter.districts or family.district in supporter.districts)
            and (family.complexity != "high" or supporter.paid
                 or settings["policy"]["volunteers_take_high"]))


def nearest_rank(values, p):
    return values[max(1, math.ceil(p / 100 * len(values))) - 1]


def replay(settings, families, supporters, policy, weeks):
    """One policy over one replication's draws: its measures."""
    first, last = settings["warm_up_weeks"], settings["warm_up_weeks"] + settings["horizon_weeks"]
    weights, bonus = settings["policy"]["priority_weights"], settings["policy"]["local_bonus"]
    arriving = {}
    for x in families:
        arriving.setdefault(x.week, []).append(x)
    measured = [x for x in families if first <= x.week < last]
    waiting, holder = {}, {}
    cases = {s.ident: [] for s in supporters}
    used = {s.ident: 0.0 for s in supporters}
    first_support, weeks_supported, outcome = {}, {}, {}
    offered, busy = {True: 0.0, False: 0.0}, {True: 0.0, False: 0.0}
    score = 0.0
    for week in range(weeks):
        for x in arriving.get(week, []):
            waiting[x.number] = x
        for x in [x for x in waiting.values() if x.final <= week]:
            del waiting[x.number]
            outcome[x.number] = "supported" if x.number in first_support else "missed"
        for number, ident in list(holder.items()):
            x = families[number]
            if x.final <= week:
                del holder[number]
                cases[ident].remove(x)
                used[ident] -= x.hours
                outcome[number] = "supported"
        for x in [x for x in waiting.values()
                  if x.number not in first_support and x.withdraws <= week]:
            del waiting[x.number]
            outcome[x.number] = "withdrawn"
        present = []
        for s in supporters:
            if s.joins <= week and (s.leaves is None or s.leaves > week):
                present.append(s)
            elif s.leaves == week:
                for x in cases[s.ident]:
                    del holder[x.number]
                    waiting[x.number] = x
                cases[s.ident], used[s.ident] = [], 0.0
        if policy == "fifo":
            order = sorted(waiting.values(), key=lambda x: (x.week, x.number))
        else:
            order = sorted(waiting.values(), key=lambda x: (-x.priority, x.week, x.number))
        with_room = [s for s in present if len(cases[s.ident]) < s.cases
                     and used[s.ident] < s.hours - 1e-9
                     and not (s.away and s.away[0] <= 7 * week <= s.away[1])]
        for x in order:
            options = [s for s in with_room if eligible(x, s, settings)
                       and used[s.ident] + x.hours <= s.hours + 1e-9]
            if not options:
                continue
            # The best score (the local bonus), then the most hours left, then the id.
            best = min(options, key=lambda s: (-(bonus if s.local else 0.0),
                                               used[s.ident] - s.hours, s.ident))
            if first <= week < last:
                urgency = 1 + min(max(week - x.clock, 0), FINAL_PLAN_WEEK) / FINAL_PLAN_WEEK
                score += weights[x.priority - 1] * urgency + (bonus if best.local else 0)
            del waiting[x.number]
            holder[x.number] = best.ident
            cases[best.ident].append(x)
            used[best.ident] += x.hours
            first_support.setdefault(x.number, week)
            if len(cases[best.ident]) >= best.cases or used[best.ident] >= best.hours - 1e-9:
                with_room.remove(best)
        for number in holder:
            weeks_supported[number] = weeks_supported.get(number, 0) + 1
        if first <= week < last:
            for s in present:
                offered[s.paid] += s.hours
                busy[s.paid] += used[s.ident]
        if week + 1 >= last and all(x.number in outcome for x in measured):
            break
    else:
        raise RuntimeError("the run-out did not end within the weeks drawn")
    n = len(measured)
    count = lambda what: sum(1 for x in measured if outcome[x.number] == what)
    m = {"referred": n, "supported": count("supported"), "missed": count("missed"),
         "withdrawn": count("withdrawn"), "score_per_week": score / settings["horizon_weeks"]}
    if n:
        m["coverage"] = m["supported"] / n
        m["support_weeks"] = sum(weeks_supported.get(x.number, 0) for x in measured) / n
        for by in (6, 16):
            m[f"supported_by_week_{by}"] = sum(
                1 for x in measured
                if x.number in first_support and first_support[x.number] - x.clock <= by) / n
    waits = sorted(first_support[x.number] - x.week for x in measured if x.number in first_support)
    if waits:
        m["wait_mean"] = sum(waits) / len(waits)
        for p in (50, 90, 95):
            m[f"wait_p{p}"] = nearest_rank(waits, p)
    for paid, name in ((True, "utilisation_paid"), (False, "utilisation_volunteer")):
        if offered[paid]:
            m[name] = busy[paid] / offered[paid]
    districts = {}
    for x in measured:
        d = districts.setdefault(x.district, [0, 0])
        d[0] += outcome[x.number] == "supported"
        d[1] += 1
    if districts:
        shares = [a / b for a, b in districts.values()]
        m["lowest_district_coverage"] = min(shares)
        if max(shares) > 0:
            m["district_coverage_ratio"] = min(shares) / max(shares)
    for level in range(1, 6):
        group = [x for x in measured if x.priority == level]
        m[f"referred_priority_{level}"] = len(group)
        if group:
            m[f"coverage_priority_{level}"] = sum(
                outcome[x.number] == "supported" for x in group) / len(group)
            m[f"support_weeks_priority_{level}"] = sum(
                weeks_supported.get(x.number, 0) for x in group) / len(group)
        waits = [first_support[x.number] - x.week for x in group if x.number in first_support]
        if waits:
            m[f"wait_mean_priority_{level}"] = sum(waits) / len(waits)
    return m


def t95(dof):
    """Student's t 97.5% quantile (Cornish-Fisher expansion; exact enough from 5 on)."""
    z = 1.959963984540054
    return (z + (z**3 + z) / (4 * dof) + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * dof**2)
            + (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / (384 * dof**3))


def estimate(values):
    """Mean, 95% interval (Student's t) and standard error; None under 2 values."""
    values = [v for v in values if v is not None]
    if len(values) < 2:
        return None
    mean = sum(values) / len(values)
    se = math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1) / len(values))
    half = t95(len(values) - 1) * se
    return mean, mean - half, mean + half, se


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scenario", type=Path)
    parser.add_argument("--replications", type=int, default=500)
    parser.add_argument("--seed", type=int, default=7, help="both programs' seed")
    parser.add_argument("--policies", default="fifo,priority")
    args = parser.parse_args()
    policies = args.policies.split(",")
    if any(p not in ("fifo", "priority") for p in policies):
        sys.exit("this simulator has fifo and priority only")
    settings = load(args.scenario)
    weeks = settings["warm_up_weeks"] + settings["horizon_weeks"] + RUN_OUT_ROOM
    mine = {p: [] for p in policies}
    for r in range(args.replications):
        families, supporters = draw(settings, args.seed, r, weeks)
        for p in policies:
            mine[p].append(replay(settings, families, supporters, p, weeks))

    binary = ROOT / "target" / "release" / "caseload"
    if not binary.exists():
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    run = subprocess.run(
        [str(binary), "simulate", "--scenario", str(args.scenario), "--policies",
         ",".join(policies), "--replications", str(args.replications), "--seed",
         str(args.seed), "--format", "csv"], capture_output=True, text=True, check=True)
    program = {p: [] for p in policies}
    for row in csv.DictReader(io.StringIO(run.stdout)):
        program[row["policy"]].append(
            {k: float(v) for k, v in row.items() if k not in ("policy", "replication") and v})

    names = MEASURES + [f"{n}_priority_{level}" for level in range(1, 6) for n in BY_PRIORITY]
    print(f"{args.scenario}, {args.replications} replications each, seed {args.seed}")
    marked = 0
    for p in policies:
        print(f"\n{p}: caseload mean [95% CI]  |  second simulator mean [95% CI]  |  z")
        for name in names:
            theirs = estimate([r.get(name) for r in program[p]])
            ours = estimate([m.get(name) for m in mine[p]])
            if not theirs or not ours:
                print(f"  {name:30s} (fewer than two values on one side)")
                continue
            difference, se = ours[0] - theirs[0], math.hypot(theirs[3], ours[3])
            z = difference / se if se > 0 else (0.0 if abs(difference) < 1e-12 else math.inf)
            mark = "  <<<" if abs(z) >= 3 else ""
            marked += bool(mark)
            print(f"  {name:30s} {theirs[0]:10.4f} [{theirs[1]:.4f}, {theirs[2]:.4f}]  |  "
                  f"{ours[0]:10.4f} [{ours[1]:.4f}, {ours[2]:.4f}]  |  {z:5.1f}{mark}")
    print(f"\n{marked} measure(s) with |z| >= 3")
    return 1 if marked else 0


if __name__ == "__main__":
    sys.exit(main())
