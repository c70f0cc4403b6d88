#!/usr/bin/env python3
"""Weekly allocation of waiting referrals to independent supporters, in Python + highspy.

This is the benchmark peer for `caseload allocate`: the program a competent data
scientist would write instead of using caseload.  It implements the contract in
shared/spec/allocation.md with the default policy (volunteers do not take high
complexity; default hours low 1 / medium 2 / high 3; local bonus 0.05) and solves
one MIP per area with HiGHS to proven optimality.

With `--balance hours` it adds the balance stage of caseload's default policy, as a
second MIP per area on the same model: among the plans with the best total score, the
least sum over the area's supporters of f(share), share = hours used after the week
(open cases included) / hours a week, f = share² interpolated linearly between
multiples of 0.05 (one row per segment of f under a t column per supporter), started
from the first stage's plan.

    python allocate_highspy.py --supporters S.csv --referrals R.csv \
        --week 2015-11-02 --out OUT.json [--balance hours] [--stats]

Set up with:  python3 -m venv .venv && .venv/bin/pip install -r requirements.txt
"""
from __future__ import annotations

import argparse
import csv
import json
import math
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

import highspy

DEFAULT_HOURS = {"low": 1.0, "medium": 2.0, "high": 3.0}
LOCAL_BONUS = 0.05
STEP = 0.05  # f(share) is share² at multiples of STEP, linear between
VOLUNTEERS_TAKE_HIGH = False
TRUE = {"true", "yes", "1"}
FALSE = {"false", "no", "0"}
TIMES = {"build": 0.0, "solve": 0.0}  # seconds spent building and solving the MIPs


class InputError(Exception):
    pass


@dataclass
class Supporter:
    id: str
    area: str
    status: str
    hours: float
    max_cases: int
    skills: frozenset
    languages: frozenset
    local: bool
    districts: frozenset
    leave_from: date | None
    leave_to: date | None
    open_hours: float = 0.0
    open_cases: int = 0

    def on_leave(self, week: date) -> bool:
        if self.leave_from is None and self.leave_to is None:
            return False
        return (self.leave_from or date.min) <= week <= (self.leave_to or date.max)

    @property
    def over_capacity(self) -> bool:
        return self.open_hours > self.hours + 1e-9 or self.open_cases > self.max_cases


@dataclass
class Referral:
    id: str
    area: str
    district: str
    received: date
    source: str
    consent: bool
    kind: str
    clock_start: date
    priority: int
    complexity: str
    hours: float
    needs: frozenset
    language: str
    exclude: frozenset
    supporter_id: str
    closed: date | None
    eligible: list = field(default_factory=list)


# ---------------------------------------------------------------- reading

def split_list(text: str) -> list[str]:
    return [t.strip() for t in text.split(";") if t.strip()]


class RowReader:
    """Parses one CSV row, collecting every problem with file, line and column."""

    def __init__(self, path: str, line: int, row: dict, errors: list[str]):
        self.path, self.line, self.row, self.errors = path, line, row, errors

    def err(self, col: str, msg: str):
        self.errors.append(f"{self.path}:{self.line}: column {col}: {msg}")

    def text(self, col: str, required: bool = False) -> str:
        value = (self.row.get(col) or "").strip()
        if required and not value:
            self.err(col, "empty")
        return value

    def date(self, col: str, required: bool = False) -> date | None:
        value = self.text(col, required)
        if not value:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.err(col, f"{value!r} is not a YYYY-MM-DD date")
            return None

    def number(self, col: str, lo: float, hi: float, required: bool = True) -> float | None:
        value = self.text(col, required)
        if not value:
            return None
        try:
            x = float(value)
        except ValueError:
            self.err(col, f"{value!r} is not a number")
            return None
        if not math.isfinite(x) or not (lo < x <= hi):
            self.err(col, f"{value} is out of range")
            return None
        return x

    def integer(self, col: str, lo: int, hi: int) -> int | None:
        value = self.text(col, True)
        try:
            x = int(value)
        except ValueError:
            if value:
                self.err(col, f"{value!r} is not an integer")
            return None
        if not lo <= x <= hi:
            self.err(col, f"{x} is out of range {lo}..{hi}")
            return None
        return x

    def boolean(self, col: str) -> bool | None:
        value = self.text(col, True).lower()
        if value in TRUE:
            return True
        if value in FALSE:
            return False
        if value:
            self.err(col, f"{value!r} is not a boolean")
        return None

    def choice(self, col: str, options: tuple) -> str | None:
        value = self.text(col, True).lower()
        if value not in options:
            if value:
                self.err(col, f"{value!r} is not one of {', '.join(options)}")
            return None
        return value


def read_rows(path: str, required: list[str], errors: list[str]):
    try:
        with open(path, newline="", encoding="utf-8") as f:
            reader = csv.reader(f)
            header = [h.strip() for h in next(reader, [])]
            missing = [c for c in required if c not in header]
            if missing:
                errors.append(f"{path}:1: missing column(s) {', '.join(missing)}")
                return []
            rows = []
            for fields in reader:
                if not any(x.strip() for x in fields):
                    continue
                if len(fields) != len(header):
                    errors.append(f"{path}:{reader.line_num}: {len(fields)} fields, "
                                  f"header has {len(header)}")
                    continue
                rows.append((reader.line_num, dict(zip(header, fields))))
            return rows
    except UnicodeDecodeError as e:
        errors.append(f"{path}: not UTF-8 (byte offset {e.start})")
        return []


def read_supporters(path: str, errors: list[str]) -> dict[str, Supporter]:
    cols = ["supporter_id", "area", "status", "hours_per_week", "max_cases", "skills",
            "languages", "local", "districts"]
    out: dict[str, Supporter] = {}
    for line, row in read_rows(path, cols, errors):
        p = RowReader(path, line, row, errors)
        n = len(errors)
        s = Supporter(
            id=p.text("supporter_id", True), area=p.text("area", True),
            status=p.choice("status", ("paid", "volunteer")),
            hours=p.number("hours_per_week", 0, 60), max_cases=p.integer("max_cases", 0, 10**6),
            skills=frozenset(t.lower() for t in split_list(p.text("skills"))),
            languages=frozenset(t.lower() for t in split_list(p.text("languages"))) | {"en"},
            local=p.boolean("local"),
            districts=frozenset(split_list(p.text("districts"))),
            leave_from=p.date("unavailable_from"), leave_to=p.date("unavailable_to"))
        if s.leave_from and s.leave_to and s.leave_to < s.leave_from:
            p.err("unavailable_to", "leave ends before it starts")
        if s.id in out:
            p.err("supporter_id", f"duplicate id {s.id}")
        if len(errors) == n:
            out[s.id] = s
    return out


def read_referrals(path: str, errors: list[str]) -> list[Referral]:
    cols = ["referral_id", "area", "received", "source", "consent", "kind", "priority",
            "complexity", "needs"]
    out, seen = [], set()
    for line, row in read_rows(path, cols, errors):
        p = RowReader(path, line, row, errors)
        n = len(errors)
        rid = p.text("referral_id", True)
        received = p.date("received", True)
        complexity = p.choice("complexity", ("low", "medium", "high"))
        hours = p.number("hours_per_week", 0, math.inf, required=False)
        r = Referral(
            id=rid, area=p.text("area", True), district=p.text("district"),
            received=received, source=p.choice("source", ("self", "la", "professional")),
            consent=p.boolean("consent"), kind=p.choice("kind", ("new", "transfer")),
            clock_start=p.date("clock_start") or received,
            priority=p.integer("priority", 1, 5), complexity=complexity,
            hours=hours if hours is not None else DEFAULT_HOURS.get(complexity, 0.0),
            needs=frozenset(t.lower() for t in split_list(p.text("needs"))),
            language=(p.text("language") or "en").lower(),
            exclude=frozenset(split_list(p.text("exclude"))),
            supporter_id=p.text("supporter_id"), closed=p.date("closed"))
        if rid in seen:
            p.err("referral_id", f"duplicate id {rid}")
        seen.add(rid)
        if len(errors) == n:
            out.append(r)
    return out


# ---------------------------------------------------------------- model

def weeks_on_clock(r: Referral, week: date) -> int:
    return (week - r.clock_start).days // 7


def base_score(r: Referral, week: date) -> float:
    urgency = 1 + min(max(weeks_on_clock(r, week), 0), 20) / 20
    return 2 ** (r.priority - 1) * urgency


def score(r: Referral, s: Supporter, week: date) -> float:
    return base_score(r, week) + (LOCAL_BONUS if s.local else 0.0)


def eligible_supporters(r: Referral, area_supporters: list[Supporter], week: date):
    """Rules 1-8 applied in order; returns (eligible list, reason if empty)."""
    if not (r.source == "self" or r.consent):
        return [], "no_consent"
    if not area_supporters:
        return [], "no_supporter_in_area"
    checks = [
        ("on_leave", lambda s: not s.on_leave(week)),
        ("district", lambda s: not s.districts or not r.district or r.district in s.districts),
        ("needs", lambda s: r.needs <= s.skills),
        ("language", lambda s: r.language in s.languages),
        ("excluded", lambda s: s.id not in r.exclude),
        ("complexity", lambda s: r.complexity != "high" or s.status == "paid"
         or VOLUNTEERS_TAKE_HIGH),
    ]
    left = area_supporters
    for reason, ok in checks:
        left = [s for s in left if ok(s)]
        if not left:
            return [], reason
    return left, None


def f(share: float) -> float:
    """share² at multiples of STEP, linear between."""
    k = math.floor(max(share, 0.0) / STEP)
    lo = k * STEP
    return lo * lo + (share - lo) * (2 * k + 1) * STEP


def solve_area(area: str, waiting: list[Referral], supporters: list[Supporter], week: date,
               balance: bool):
    """One MIP for one area (and with `balance`, the second stage on the same model);
    returns (assignments {rid: sid}, objective, bound, stats)."""
    t0 = time.perf_counter()
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", 1)
    h.setOptionValue("mip_rel_gap", 0.0)

    x = {}
    for r in waiting:
        for s in r.eligible:
            x[r.id, s.id] = h.addBinary(obj=score(r, s, week), name=f"x[{r.id},{s.id}]")
    if not x:
        return {}, 0.0, 0.0, (0, 0, 0)

    for r in waiting:
        if len(r.eligible) > 1:
            h.addConstr(h.qsum(x[r.id, s.id] for s in r.eligible) <= 1)
    by_supporter = defaultdict(list)
    for r in waiting:
        for s in r.eligible:
            by_supporter[s.id].append(r)
    sup = {s.id: s for s in supporters}
    for sid, refs in sorted(by_supporter.items()):
        s = sup[sid]
        if s.over_capacity:
            free_hours, free_cases = 0.0, 0
        else:
            free_hours, free_cases = s.hours - s.open_hours, s.max_cases - s.open_cases
        h.addConstr(h.qsum(r.hours * x[r.id, sid] for r in refs) <= free_hours)
        h.addConstr(h.qsum(x[r.id, sid] for r in refs) <= free_cases)

    h.setMaximize()
    TIMES["build"] += time.perf_counter() - t0
    t_build = time.perf_counter()
    h.solve()
    TIMES["solve"] += time.perf_counter() - t_build
    status = h.getModelStatus()
    if status != highspy.HighsModelStatus.kOptimal:
        raise RuntimeError(f"area {area}: {h.modelStatusToString(status)}")
    info = h.getInfo()
    objective, bound = info.objective_function_value, info.mip_dual_bound
    stats = (h.getNumCol(), h.getNumRow(), h.getNumNz())
    if balance:
        t_build = time.perf_counter()
        balance_stage(h, x, objective, by_supporter, sup)
        TIMES["solve"] += time.perf_counter() - t_build
        status = h.getModelStatus()
        if status != highspy.HighsModelStatus.kOptimal:
            raise RuntimeError(f"area {area}, balance: {h.modelStatusToString(status)}")
    values = h.vals(list(x.values()))
    chosen = {rid: sid for (rid, sid), v in zip(x.keys(), values) if v > 0.5}
    return chosen, objective, bound, stats


def balance_stage(h, x: dict, objective: float, by_supporter: dict, sup: dict):
    """Among the plans scoring `objective`, the least sum of f(share): the score becomes
    a row, each supporter who may take a family gets t >= every segment of f over the
    shares they can reach, and the sum of t is minimised from the first stage's plan."""
    start = list(h.getSolution().col_value)
    scores = h.getLp().col_cost_
    h.addConstr(h.qsum(c * v for c, v in zip(scores, x.values())) >= objective - 1e-6)
    h.changeColsCost(len(x), list(range(len(x))), [0.0] * len(x))
    h.setMinimize()
    for sid, refs in sorted(by_supporter.items()):
        s = sup[sid]
        free = 0.0 if s.over_capacity else s.hours - s.open_hours
        lo = s.open_hours / s.hours
        hi = (s.open_hours + min(free, sum(r.hours for r in refs))) / s.hours
        t = h.addVariable(lb=0.0, obj=1.0)
        used = s.open_hours + h.qsum(r.hours * x[r.id, sid] for r in refs)
        for k in range(math.floor(lo / STEP), math.floor(hi / STEP) + 1):
            h.addConstr(t >= (k * STEP) ** 2 + (2 * k + 1) * STEP * (used / s.hours - k * STEP))
        # The first stage's plan, with t at its f: a feasible start.
        hours = s.open_hours + sum(r.hours * start[x[r.id, sid].index] for r in refs)
        start.append(f(hours / s.hours))
    h.setSolution(len(start), list(range(len(start))), start)
    h.solve()


# ---------------------------------------------------------------- main

def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--supporters", required=True)
    ap.add_argument("--referrals", required=True)
    ap.add_argument("--week", required=True, type=date.fromisoformat)
    ap.add_argument("--out", required=True)
    ap.add_argument("--balance", choices=["none", "hours"], default="none",
                    help="hours: the balance stage after the best score (caseload's default "
                         "policy); none: the best score only")
    ap.add_argument("--stats", action="store_true", help="print per-area statistics to stderr")
    args = ap.parse_args()
    week = args.week
    if week.weekday() != 0:
        print(f"--week {week} is not a Monday", file=sys.stderr)
        return 2

    errors: list[str] = []
    supporters = read_supporters(args.supporters, errors)
    referrals = read_referrals(args.referrals, errors)
    # Solve-only time starts here, once both files are read, as caseload's
    # `solver.seconds` does: eligibility, model building and HiGHS, one thread.
    t_loaded = time.perf_counter()
    active = [r for r in referrals if r.received <= week and (r.closed is None or r.closed > week)]
    ignored = len(referrals) - len(active)
    open_cases, waiting = [], []
    for r in active:
        s = supporters.get(r.supporter_id)
        if s is None:
            waiting.append(r)  # no supporter, or orphaned (supporter left)
        elif s.area != r.area:
            errors.append(f"{args.referrals}: referral {r.id}: column area: {r.area} differs "
                          f"from supporter {s.id}'s area {s.area}")
        else:
            open_cases.append(r)
            s.open_hours += r.hours
            s.open_cases += 1
    if errors:
        print("\n".join(errors), file=sys.stderr)
        return 2

    by_area = defaultdict(list)
    for s in supporters.values():
        by_area[s.area].append(s)
    waiting_by_area = defaultdict(list)
    reason = {}
    for r in waiting:
        r.eligible, why = eligible_supporters(r, by_area.get(r.area, []), week)
        if why:
            reason[r.id] = why
        else:
            waiting_by_area[r.area].append(r)

    assigned: dict[str, str] = {}
    objective = bound = 0.0
    largest = (0, 0, 0, "")
    non_trivial = over_demand = 0
    for area in sorted(waiting_by_area):
        refs = waiting_by_area[area]
        chosen, obj, bnd, stats = solve_area(area, refs, by_area[area], week,
                                             args.balance == "hours")
        assigned.update(chosen)
        objective += obj
        bound += bnd
        largest = max(largest, (*stats, area))
        if len(chosen) < len(refs):
            non_trivial += 1
        free = [s for s in by_area[area] if not s.over_capacity and not s.on_leave(week)]
        if (len(refs) > sum(s.max_cases - s.open_cases for s in free)
                or sum(r.hours for r in refs) > sum(s.hours - s.open_hours for s in free)):
            over_demand += 1
    solve_seconds = time.perf_counter() - t_loaded

    sup_by_id = supporters
    new_hours = defaultdict(float)
    new_cases = defaultdict(int)
    ref_by_id = {r.id: r for r in waiting}
    assignments = [{"referral_id": r.id, "supporter_id": r.supporter_id,
                    "score": round(score(r, sup_by_id[r.supporter_id], week), 6),
                    "open_case": True, "reallocated": False} for r in open_cases]
    for rid, sid in assigned.items():
        r = ref_by_id[rid]
        new_hours[sid] += r.hours
        new_cases[sid] += 1
        assignments.append({"referral_id": rid, "supporter_id": sid,
                            "score": round(score(r, sup_by_id[sid], week), 6),
                            "open_case": False, "reallocated": bool(r.supporter_id)})
    assignments.sort(key=lambda a: a["referral_id"])
    still_waiting = sorted((r for r in waiting if r.id not in assigned),
                           key=lambda r: (-base_score(r, week), r.id))
    waiting_out = [{"referral_id": r.id, "reason": reason.get(r.id, "capacity"), "rank": i}
                   for i, r in enumerate(still_waiting, 1)]
    supporters_out = [{"supporter_id": s.id,
                       "hours_used": s.open_hours + new_hours[s.id], "hours_per_week": s.hours,
                       "cases": s.open_cases + new_cases[s.id], "max_cases": s.max_cases,
                       "over_capacity": s.over_capacity}
                      for s in sorted(supporters.values(), key=lambda s: s.id)]
    result = {
        "week": week.isoformat(),
        "solver": {"status": "optimal", "objective": round(objective, 6),
                   "bound": round(bound, 6), "gap": 0.0, "seconds": round(solve_seconds, 6),
                   "threads": 1},
        "assignments": assignments,
        "waiting": waiting_out,
        "supporters": supporters_out,
        "summary": {"active": len(active), "open_cases": len(open_cases),
                    "newly_assigned": len(assigned), "waiting": len(waiting_out),
                    "ignored": ignored},
    }
    if args.balance == "hours":
        result["balance"] = {"method": "hours", "sum_f": round(sum(
            f(s["hours_used"] / s["hours_per_week"]) for s in supporters_out), 6)}
    with open(args.out, "w", encoding="utf-8") as out:
        json.dump(result, out, indent=1)
        out.write("\n")

    if args.stats:
        reasons = defaultdict(int)
        for w in waiting_out:
            reasons[w["reason"]] += 1
        print(f"summary {json.dumps(result['summary'])}", file=sys.stderr)
        print(f"waiting reasons {dict(sorted(reasons.items()))}", file=sys.stderr)
        print(f"areas solved {len(waiting_by_area)}; areas where some eligible family waits "
              f"for capacity {non_trivial}; areas whose eligible waiting families need more "
              f"cases or hours than the area's free total {over_demand}", file=sys.stderr)
        print(f"model building {TIMES['build']:.2f} s, HiGHS solves {TIMES['solve']:.2f} s",
              file=sys.stderr)
        print(f"largest model: area {largest[3]}: {largest[0]} columns, {largest[1]} rows, "
              f"{largest[2]} nonzeros", file=sys.stderr)
    print(f"objective {objective:.6f}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
