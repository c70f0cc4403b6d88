#!/usr/bin/env python3
"""Seeded generator for caseload's test and benchmark fixtures.

Running ``python3 benches/gen_fixtures.py`` from the repository root rewrites,
byte for byte the same on every run for a given ``--seed``:

``fixtures/provider-week/``
    One provider's register for the week of Monday 2015-11-02 in Brighton and
    Hove (E06000043): 12 supporters (paid and volunteer, two on leave, one whose
    leave is over), about 60 open cases, about 30 waiting referrals and a few
    rows the planner must ignore.  Every column of the contract
    (shared/spec/allocation.md) is used, and the waiting list naturally contains
    families with no eligible supporter for each of the common reasons
    (no_consent, no_supporter_in_area, needs, language, excluded, complexity),
    while demand exceeds capacity so some eligible families wait (`capacity`).
    Used for end-to-end tests and as a small, readable example.

``fixtures/national-week/``
    All 152 English areas of 2014-2017 for the same week: exactly 1,800
    supporters (the programme's "up to about 1,800 nationally") and 3,000 active
    referrals, each split between areas in proportion to the area's real 2015
    demand (statements transferred to EHC plans + new EHC plans, SEN2) by
    largest-remainder rounding, with at least 2 supporters (one paid) and 2
    active referrals per area.  About 55% of active referrals are open cases,
    45% waiting, plus about 5% rows that are not active.  The kind of a referral
    follows the area's real transfer/new mix.  Used to benchmark one MIP per
    area against the Python/highspy peer (benches/peer/).

``fixtures/national-x10/``
    The same generator at ``--scale 10`` (18,000 supporters, 30,000 active
    referrals): a scale benchmark, not a realistic picture.

``fixtures/bad/``
    One small folder per kind of malformed input the contract says must be
    rejected with exit code 2 and a message naming file, line and column.

Assumptions (no per-area figures were ever published for the Independent
Support programme; everything below is a documented, adjustable constant):

* Weekly casework capacity in the national fixture is small.  The programme
  had about 1,800 supporters for GBP 30m over 18 months, roughly GBP 11k per
  supporter-year including management: about a third of a full-time post, of
  which only part is casework.  With 3,000 active referrals (1.7 per
  supporter) anything larger would leave every supporter half idle and the
  optimisation trivial.  Hours and caseload caps are therefore drawn from
  NATIONAL_PAID / NATIONAL_VOLUNTEER and scaled per area by a staffing factor
  (AREA_STAFFING), so capacity binds in many areas but not all.
* Postcode districts in the national fixture are synthetic tokens made from
  the area's name (e.g. ``KE3`` for Kent); the provider week uses real
  Brighton and Hove districts.

Standard library only; random.Random(seed) is the only source of randomness
and nothing depends on hash or dictionary-iteration order of unsorted sets.
"""
from __future__ import annotations

import argparse
import csv
import random
from datetime import date, timedelta
from pathlib import Path

WEEK = date(2015, 11, 2)  # planning week Monday
REPO = Path(__file__).resolve().parent.parent
AREAS_CSV_CANDIDATES = [
    REPO / "fixtures" / "areas_england_2014_2017.csv",
    REPO.parent / "shared" / "data" / "areas_england_2014_2017.csv",
    Path("/work/shared/data/areas_england_2014_2017.csv"),
]

SUPPORTER_COLUMNS = [
    "supporter_id", "area", "status", "hours_per_week", "max_cases", "skills",
    "languages", "local", "districts", "unavailable_from", "unavailable_to",
]
REFERRAL_COLUMNS = [
    "referral_id", "area", "district", "received", "source", "consent", "kind",
    "clock_start", "priority", "complexity", "hours_per_week", "needs",
    "language", "exclude", "supporter_id", "closed",
]

SKILLS = ["young_person", "transfer", "autism", "bsl", "sensory", "mental_health", "tribunal"]
DEFAULT_HOURS = {"low": 1.0, "medium": 2.0, "high": 3.0}

# Shares used for referrals (both fixtures).
PRIORITY_WEIGHTS = [10, 25, 35, 20, 10]            # priority 1..5
COMPLEXITY_WEIGHTS = {"low": 35, "medium": 45, "high": 20}
SOURCE_WEIGHTS = {"self": 45, "la": 30, "professional": 25}
NO_CONSENT_SHARE = 0.05       # of waiting non-self referrals
EXPLICIT_HOURS_SHARE = 0.15
EXPLICIT_HOURS_DELTA = [-0.5, 0.5, 0.5, 1.0, 1.5, 2.0]
# Probability that a referral needs each skill (transfer/young_person depend on kind).
NEED_PROB = {"autism": 0.25, "mental_health": 0.07, "sensory": 0.03, "bsl": 0.01, "tribunal": 0.03}
NEED_PROB_TRANSFER = {"transfer": 0.30, "young_person": 0.15}
NEED_PROB_NEW = {"transfer": 0.0, "young_person": 0.04}
# Probability that a supporter has each skill.
SKILL_PROB_PAID = {"young_person": 0.45, "transfer": 0.65, "autism": 0.65, "bsl": 0.04,
                   "sensory": 0.20, "mental_health": 0.35, "tribunal": 0.25}
SKILL_PROB_VOLUNTEER = {"young_person": 0.30, "transfer": 0.35, "autism": 0.50, "bsl": 0.02,
                        "sensory": 0.08, "mental_health": 0.20, "tribunal": 0.05}
LANGS = ["pl", "ur", "bn", "ar", "pa", "so", "gu", "tr", "pt", "ro", "bsl", "ta", "lt"]
LANG_WEIGHTS = [14, 14, 10, 10, 8, 6, 6, 5, 5, 5, 6, 4, 4]
LONDON = "E12000007"

# National capacity model (see the docstring): (hours choices, max_cases range).
NATIONAL_PAID = ([3.0, 4.0, 5.0, 6.0, 7.5, 7.5, 9.0, 10.0], (1, 5))
NATIONAL_VOLUNTEER = ([2.0, 2.5, 3.0, 4.0, 5.0], (1, 3))
PAID_SHARE = 0.6
AREA_STAFFING = (0.5, 1.4)   # per-area multiplier on hours and caps, uniform
OPEN_SHARE = 0.55
IGNORED_SHARE = 0.05
ON_LEAVE_SHARE = 0.07
ORPHAN_SHARE = 0.012


# ---------------------------------------------------------------- helpers

def fmt_bool(b: bool) -> str:
    return "true" if b else "false"


def fmt_num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def fmt_date(d: date | None) -> str:
    return d.isoformat() if d else ""


def weighted(rng: random.Random, options, weights):
    return rng.choices(options, weights=weights, k=1)[0]


def write_csv(path: Path, columns, rows) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=columns, lineterminator="\n")
        w.writeheader()
        for row in rows:
            w.writerow({c: row.get(c, "") for c in columns})


def apportion(total: int, weights: list[float], minimum: int = 0) -> list[int]:
    """Largest-remainder (Hamilton) apportionment with a per-item floor.

    Items whose proportional quota is below ``minimum`` get exactly the
    minimum; the rest is shared among the others in proportion to weight,
    repeating until no quota falls below the floor.  Ties in remainders are
    broken by index, so the result is deterministic and sums to ``total``.
    """
    n = len(weights)
    assert total >= minimum * n
    fixed = [False] * n
    while True:
        free_total = total - minimum * sum(fixed)
        free_weight = sum(w for w, f in zip(weights, fixed) if not f)
        quotas = [free_total * w / free_weight if not f else float(minimum)
                  for w, f in zip(weights, fixed)]
        newly = [i for i in range(n) if not fixed[i] and quotas[i] < minimum]
        if not newly:
            break
        for i in newly:
            fixed[i] = True
    counts = [int(q) if not fixed[i] else minimum for i, q in enumerate(quotas)]
    left = total - sum(counts)
    order = sorted((i for i in range(n) if not fixed[i]),
                   key=lambda i: (-(quotas[i] - int(quotas[i])), i))
    for i in order[:left]:
        counts[i] += 1
    assert sum(counts) == total
    return counts


def draw_needs(rng: random.Random, kind: str) -> list[str]:
    probs = dict(NEED_PROB)
    probs.update(NEED_PROB_TRANSFER if kind == "transfer" else NEED_PROB_NEW)
    return [s for s in SKILLS if rng.random() < probs.get(s, 0.0)]


def draw_skills(rng: random.Random, paid: bool) -> list[str]:
    probs = SKILL_PROB_PAID if paid else SKILL_PROB_VOLUNTEER
    return [s for s in SKILLS if rng.random() < probs[s]]


def draw_clock(rng: random.Random, kind: str, received: date) -> date | None:
    """clock_start: empty (= received) for most; set for some.

    New assessments: the family often asked the LA before being referred, so
    the 20-week clock started earlier.  Transfers: the clock starts at the
    transfer review, which may come before or after the referral (even after
    the planning week, giving a negative, clamped, weeks_on_clock).
    """
    u = rng.random()
    if kind == "new":
        if u < 0.30:
            return received - timedelta(days=rng.randint(5, 49))
        return None
    if u < 0.35:
        return received - timedelta(days=rng.randint(0, 70))
    if u < 0.45:
        return received + timedelta(days=rng.randint(7, 60))
    return None


def base_referral(rng: random.Random, *, area: str, kind: str, received: date,
                  waiting: bool) -> dict:
    source = weighted(rng, list(SOURCE_WEIGHTS), list(SOURCE_WEIGHTS.values()))
    consent = True
    if source != "self" and waiting and rng.random() < NO_CONSENT_SHARE:
        consent = False
    complexity = weighted(rng, list(COMPLEXITY_WEIGHTS), list(COMPLEXITY_WEIGHTS.values()))
    hours = ""
    if rng.random() < EXPLICIT_HOURS_SHARE:  # provider's own estimate, near the default
        hours = fmt_num(max(0.5, DEFAULT_HOURS[complexity] + rng.choice(EXPLICIT_HOURS_DELTA)))
    return {
        "area": area,
        "received": received,
        "source": source,
        "consent": consent,
        "kind": kind,
        "clock_start": draw_clock(rng, kind, received),
        "priority": weighted(rng, [1, 2, 3, 4, 5], PRIORITY_WEIGHTS),
        "complexity": complexity,
        "hours_per_week": hours,
        "needs": draw_needs(rng, kind),
        "language": "",
        "exclude": [],
        "district": "",
        "supporter_id": "",
        "closed": None,
    }


def referral_hours(r: dict) -> float:
    return float(r["hours_per_week"]) if r["hours_per_week"] != "" else DEFAULT_HOURS[r["complexity"]]


def finish_referral(r: dict) -> dict:
    out = dict(r)
    out["received"] = fmt_date(r["received"])
    out["clock_start"] = fmt_date(r["clock_start"])
    out["closed"] = fmt_date(r["closed"])
    out["consent"] = fmt_bool(r["consent"])
    out["needs"] = ";".join(r["needs"])
    out["exclude"] = ";".join(r["exclude"])
    out["priority"] = str(r["priority"])
    return out


def finish_supporter(s: dict) -> dict:
    out = dict(s)
    out["hours_per_week"] = fmt_num(s["hours_per_week"])
    out["max_cases"] = str(s["max_cases"])
    out["skills"] = ";".join(s["skills"])
    out["languages"] = ";".join(s["languages"])
    out["districts"] = ";".join(s["districts"])
    out["local"] = fmt_bool(s["local"])
    out["unavailable_from"] = fmt_date(s.get("unavailable_from"))
    out["unavailable_to"] = fmt_date(s.get("unavailable_to"))
    return out


def fit_open_case_to(rng: random.Random, r: dict, s: dict, area_districts: list[str]) -> None:
    """Make an open case plausible for the supporter holding it (they were
    matched once): needs within skills, their language, their districts, and
    no high-complexity case for a volunteer."""
    r["needs"] = [n for n in r["needs"] if n in s["skills"]]
    r["language"] = rng.choice(s["languages"]) if s["languages"] and rng.random() < 0.3 else ""
    pool = s["districts"] or area_districts
    r["district"] = rng.choice(pool) if rng.random() < 0.92 else ""
    if s["status"] == "volunteer" and r["complexity"] == "high":
        r["complexity"] = "medium"
    r["supporter_id"] = s["supporter_id"]


# ---------------------------------------------------------------- provider week

BH = "E06000043"
BH_DISTRICTS = ["BN1", "BN2", "BN3", "BN41", "BN42"]
BH_DISTRICT_WEIGHTS = [30, 35, 20, 10, 5]

# id, status, hours, max_cases, skills, languages, local, districts, leave, open cases
BH_SUPPORTERS = [
    ("BH-S01", "paid", 22.5, 10, "transfer;tribunal;autism", "", True, "", None, 7),
    ("BH-S02", "paid", 22.5, 8, "young_person;mental_health", "ur;bn", True, "BN1;BN2", None, 7),
    ("BH-S03", "volunteer", 6, 3, "autism", "pl", True, "BN3;BN41;BN42", None, 2),
    ("BH-S04", "paid", 15, 6, "bsl;sensory", "bsl", False, "", None, 4),
    ("BH-S05", "paid", 30, 10, "transfer;autism;young_person", "ar", True, "",
     ("2015-10-26", "2015-11-06"), 9),
    ("BH-S06", "volunteer", 8, 4, "mental_health", "", True, "BN2", None, 4),
    ("BH-S07", "paid", 24, 8, "tribunal;transfer", "", False, "", None, 9),
    ("BH-S08", "volunteer", 10, 4, "young_person;autism", "bn;ur", True, "BN1;BN3",
     ("2015-10-05", "2015-10-16"), 2),
    ("BH-S09", "paid", 12, 6, "autism;sensory;mental_health", "pl", True, "", None, 4),
    ("BH-S10", "volunteer", 4, 3, "", "", False, "BN41;BN42", None, 1),
    ("BH-S11", "paid", 18.5, 7, "young_person;transfer", "ar", False, "",
     ("2015-11-02", "2015-11-20"), 6),
    ("BH-S12", "volunteer", 9, 5, "transfer;autism", "", True, "", None, 3),
]
BH_LEAVER = "BH-S13"  # left in October; one open case is orphaned


def gen_provider_week(rng: random.Random, out: Path) -> None:
    supporters = []
    for sid, status, hours, cap, skills, langs, local, districts, leave, _ in BH_SUPPORTERS:
        supporters.append({
            "supporter_id": sid, "area": BH, "status": status, "hours_per_week": hours,
            "max_cases": cap, "skills": skills.split(";") if skills else [],
            "languages": langs.split(";") if langs else [], "local": local,
            "districts": districts.split(";") if districts else [],
            "unavailable_from": date.fromisoformat(leave[0]) if leave else None,
            "unavailable_to": date.fromisoformat(leave[1]) if leave else None,
        })
    by_id = {s["supporter_id"]: s for s in supporters}
    p_transfer = 278 / (278 + 142)  # Brighton and Hove 2015: transfers / (transfers + new)

    def new_ref(received: date, waiting: bool) -> dict:
        kind = "transfer" if rng.random() < p_transfer else "new"
        r = base_referral(rng, area=BH, kind=kind, received=received, waiting=waiting)
        r["district"] = weighted(rng, BH_DISTRICTS, BH_DISTRICT_WEIGHTS) if rng.random() < 0.93 else ""
        return r

    rows: list[dict] = []
    # Open cases, held by the supporter they were matched to.
    for sid, *_rest in BH_SUPPORTERS:
        n_open = _rest[-1]
        for _ in range(n_open):
            received = WEEK - timedelta(days=rng.randint(10, 230))
            r = new_ref(received, waiting=False)
            fit_open_case_to(rng, r, by_id[sid], BH_DISTRICTS)
            rows.append(r)
    # An open case of BH-S02's whose family also knows BH-S06.
    next(r for r in rows if r["supporter_id"] == "BH-S02")["exclude"] = ["BH-S06"]
    # Two open cases whose plan is already due to be finalised after the week
    # (register exported later): still active this week.
    for sid in ("BH-S01", "BH-S09"):
        r = new_ref(WEEK - timedelta(days=rng.randint(120, 150)), waiting=False)
        fit_open_case_to(rng, r, by_id[sid], BH_DISTRICTS)
        r["closed"] = WEEK + timedelta(days=rng.randint(3, 17))
        rows.append(r)
    # Orphaned: held by a supporter who has left.
    r = new_ref(WEEK - timedelta(days=61), waiting=False)
    r.update(supporter_id=BH_LEAVER, district="BN2", needs=["autism"], priority=4,
             complexity="medium", kind="new", clock_start=None)
    rows.append(r)

    # Waiting referrals: ordinary ones first.
    # Conflicts of interest, as a provider records them.
    excludes = {2: ["BH-S01"], 9: ["BH-S09", "BH-S12"], 16: ["BH-S03"]}
    for k in range(21):
        received = WEEK - timedelta(days=rng.choice([0, 0, 2, 3, 4, 7, 9, 11, 14, 18, 21, 25, 30,
                                                     35, 42, 49, 56, 70, 84]))
        r = new_ref(received, waiting=True)
        r["consent"] = True
        r["needs"] = [n for n in r["needs"] if n not in ("bsl", "sensory")]
        r["exclude"] = excludes.get(k, [])
        rows.append(r)
    # Then the families who, realistically, have nobody eligible this week.
    specials = [
        # LA referral, consent form not yet returned.
        dict(source="la", consent=False, priority=3, complexity="medium", needs=[], district="BN2"),
        # Health visitor referral, parent has not agreed yet.
        dict(source="professional", consent=False, priority=4, complexity="high", needs=["autism"],
             district="BN3", kind="new"),
        # Self-referral with the consent box left unticked: self implies consent.
        dict(source="self", consent=False, priority=2, complexity="low", needs=[], district="BN1"),
        # Shoreham family (West Sussex) who contacted the Brighton service.
        dict(area="E10000032", district="BN43", source="self", priority=3, complexity="medium",
             needs=["transfer"], kind="transfer"),
        # Deaf young person going to tribunal: nobody has both skills.
        dict(needs=["sensory", "tribunal"], priority=5, complexity="high", kind="transfer",
             source="professional", district="BN1"),
        # Tigrinya-speaking family; no supporter speaks it.
        dict(language="ti", priority=4, complexity="medium", needs=[], district="BN2", source="la"),
        # Arabic-speaking family; both Arabic speakers are on leave this week.
        dict(language="ar", priority=3, complexity="low", needs=[], district="BN3", source="self"),
        # BSL family; the only BSL-skilled supporter taught the child.
        dict(needs=["bsl"], language="bsl", exclude=["BH-S04"], priority=4, complexity="medium",
             district="BN2", source="self"),
        # Bengali-speaking family in BN3, complex case; only a volunteer fits.
        dict(language="bn", district="BN3", complexity="high", priority=4, needs=[], source="la"),
    ]
    for spec in specials:
        received = WEEK - timedelta(days=rng.choice([1, 4, 8, 15, 22, 29]))
        r = new_ref(received, waiting=True)
        r["consent"] = True
        r.update(spec)
        rows.append(r)

    # Rows the planner ignores: closed on or before the Monday, received after it.
    for days_before in (40, 19, 5, 0):
        sid = rng.choice(sorted(by_id))
        r = new_ref(WEEK - timedelta(days=rng.randint(140, 260)), waiting=False)
        fit_open_case_to(rng, r, by_id[sid], BH_DISTRICTS)
        r["closed"] = WEEK - timedelta(days=days_before)
        rows.append(r)
    for days_after in (1, 3):
        rows.append(new_ref(WEEK + timedelta(days=days_after), waiting=True))

    # Referral ids follow date received, as a register would.
    rows.sort(key=lambda r: (r["received"], r["supporter_id"] == ""))
    for i, r in enumerate(rows, 1):
        r["referral_id"] = f"BH-R{i:04d}"
    write_csv(out / "provider-week" / "supporters.csv", SUPPORTER_COLUMNS,
              [finish_supporter(s) for s in supporters])
    write_csv(out / "provider-week" / "referrals.csv", REFERRAL_COLUMNS,
              [finish_referral(r) for r in rows])


# ---------------------------------------------------------------- national week

def load_areas() -> list[dict]:
    for p in AREAS_CSV_CANDIDATES:
        if p.exists():
            with p.open(newline="", encoding="utf-8") as f:
                return list(csv.DictReader(f))
    raise SystemExit("areas_england_2014_2017.csv not found in fixtures/ or shared/data/")


def district_tokens(name: str, n: int) -> list[str]:
    words = [w for w in name.replace(",", " ").split() if w.lower() not in ("and", "of", "the", "upon", "on")]
    prefix = "".join(w[0] for w in words[:3]).upper() if len(words) > 1 else words[0][:2].upper()
    return [f"{prefix}{i}" for i in range(1, n + 1)]


def gen_national(rng: random.Random, out: Path, scale: int, folder: str) -> dict:
    areas = load_areas()
    demand = [int(a["transfers_statement_to_ehc_2015"]) + int(a["new_ehc_plans_2015"]) for a in areas]
    n_sup = apportion(1800 * scale, demand, minimum=2)
    n_active = apportion(3000 * scale, demand, minimum=2)
    n_open = apportion(round(3000 * scale * OPEN_SHARE), [a * OPEN_SHARE for a in n_active])
    n_open = [min(o, a - 1) for o, a in zip(n_open, n_active)]  # keep one waiting at least
    n_ignored = apportion(round(3000 * scale * IGNORED_SHARE), demand)
    sw = max(3, len(str(max(n_sup) + 5)))
    rw = max(4, len(str(max(a + i for a, i in zip(n_active, n_ignored)))))

    all_sup: list[dict] = []
    all_ref: list[dict] = []
    for a, ns, na, no, ni, dem in zip(areas, n_sup, n_active, n_open, n_ignored, demand):
        code = a["new_la_code"]
        london = a["region_code"] == LONDON
        nd = max(3, min(12, 3 + dem * scale // 150))
        districts = district_tokens(a["la_name"], nd)
        tr, nw = int(a["transfers_statement_to_ehc_2015"]), int(a["new_ehc_plans_2015"])
        p_transfer = tr / (tr + nw) if tr + nw else 0.5
        pct20 = float(a["pct_new_ehc_within_20wk_incl_exceptions_2015"] or 60)
        staffing = rng.uniform(*AREA_STAFFING)
        lang_share = 0.09 if london else 0.03

        sups = []
        for k in range(1, ns + 1):
            paid = k == 1 or rng.random() < PAID_SHARE
            hours_choices, (lo, hi) = NATIONAL_PAID if paid else NATIONAL_VOLUNTEER
            hours = max(1.0, round(rng.choice(hours_choices) * staffing * 2) / 2)
            cap = max(1, round(rng.randint(lo, hi) * staffing))
            s = {
                "supporter_id": f"{code}-S{k:0{sw}d}", "area": code,
                "status": "paid" if paid else "volunteer", "hours_per_week": hours,
                "max_cases": cap, "skills": draw_skills(rng, paid),
                "languages": [], "local": rng.random() < 0.6, "districts": [],
            }
            if rng.random() < (0.35 if london else 0.15):
                s["languages"] = [weighted(rng, LANGS, LANG_WEIGHTS)]
            if rng.random() < 0.5:
                m = rng.randint(1, min(3, nd))
                s["districts"] = sorted(rng.sample(districts, m), key=districts.index)
            u = rng.random()
            if u < ON_LEAVE_SHARE:        # on leave over the planning week
                start = WEEK - timedelta(days=rng.randint(0, 10))
                s["unavailable_from"] = start
                s["unavailable_to"] = max(WEEK, start + timedelta(days=rng.randint(4, 20)))
            elif u < ON_LEAVE_SHARE + 0.05:  # leave already over
                start = WEEK - timedelta(days=rng.randint(20, 60))
                s["unavailable_from"] = start
                s["unavailable_to"] = start + timedelta(days=rng.randint(2, 14))
            elif u < ON_LEAVE_SHARE + 0.07:  # leave booked for later
                start = WEEK + timedelta(days=rng.randint(7, 40))
                s["unavailable_from"] = start
                s["unavailable_to"] = start + timedelta(days=rng.randint(2, 14))
            sups.append(s)

        def new_ref(received: date, waiting: bool) -> dict:
            kind = "transfer" if rng.random() < p_transfer else "new"
            r = base_referral(rng, area=code, kind=kind, received=received, waiting=waiting)
            r["district"] = rng.choice(districts) if rng.random() < 0.9 else ""
            if rng.random() < lang_share:
                r["language"] = weighted(rng, LANGS, LANG_WEIGHTS)
            if rng.random() < 0.03:
                r["exclude"] = [rng.choice(sups)["supporter_id"]]
            return r

        # Slow areas (low share of plans within 20 weeks) hold cases longer.
        max_age = int(120 + (100 - pct20) * 2.5)
        refs = []
        # Open cases: fill supporters, most near their cap, a few beyond it.
        load = {s["supporter_id"]: 0 for s in sups}
        hours_used = {s["supporter_id"]: 0.0 for s in sups}
        leavers = 0
        for _ in range(no):
            r = new_ref(WEEK - timedelta(days=rng.randint(7, max_age)), waiting=False)
            if rng.random() < ORPHAN_SHARE:  # held by a supporter who has left
                leavers += 1
                r["supporter_id"] = f"{code}-S{ns + leavers:0{sw}d}"
                refs.append(r)
                continue
            weights = []
            for s in sups:
                room = min(s["max_cases"] - load[s["supporter_id"]],
                           s["hours_per_week"] - hours_used[s["supporter_id"]])
                weights.append(max(room, 0) + 0.02)
            s = rng.choices(sups, weights=weights, k=1)[0]
            fit_open_case_to(rng, r, s, districts)
            load[s["supporter_id"]] += 1
            hours_used[s["supporter_id"]] += referral_hours(r)
            if rng.random() < 0.03:
                r["closed"] = WEEK + timedelta(days=rng.randint(1, 30))
            refs.append(r)
        for _ in range(na - no):
            received = WEEK - timedelta(days=min(rng.randint(0, 35), rng.randint(0, 120)))
            refs.append(new_ref(received, waiting=True))
        for _ in range(ni):
            if rng.random() < 0.8:
                r = new_ref(WEEK - timedelta(days=rng.randint(60, 300)), waiting=False)
                fit_open_case_to(rng, r, rng.choice(sups), districts)
                r["closed"] = WEEK - timedelta(days=rng.randint(0, 50))
            else:
                r = new_ref(WEEK + timedelta(days=rng.randint(1, 6)), waiting=True)
            refs.append(r)
        refs.sort(key=lambda r: (r["received"], r["supporter_id"] == ""))
        for i, r in enumerate(refs, 1):
            r["referral_id"] = f"{code}-R{i:0{rw}d}"
        all_sup.extend(sups)
        all_ref.extend(refs)

    write_csv(out / folder / "supporters.csv", SUPPORTER_COLUMNS, [finish_supporter(s) for s in all_sup])
    write_csv(out / folder / "referrals.csv", REFERRAL_COLUMNS, [finish_referral(r) for r in all_ref])
    ids = {s["supporter_id"] for s in all_sup}
    orphaned = sum(1 for r in all_ref if r["supporter_id"] and r["supporter_id"] not in ids
                   and r["closed"] is None)
    return {"supporters": len(all_sup), "active": sum(n_active), "open": sum(n_open) - orphaned,
            "orphaned": orphaned, "waiting": sum(n_active) - sum(n_open) + orphaned,
            "ignored": sum(n_ignored)}


# ---------------------------------------------------------------- bad inputs

BAD_SUP_HEADER = ",".join(SUPPORTER_COLUMNS)
BAD_REF_HEADER = ",".join(REFERRAL_COLUMNS)
GOOD_SUPPORTERS = [
    "BH-S01,E06000043,paid,30,10,transfer;autism,,true,,,",
    "BH-S02,E06000043,volunteer,8,4,mental_health,pl,true,BN2;BN3,,",
    "BH-S03,E06000043,paid,15,6,bsl;sensory,bsl,false,,2015-11-02,2015-11-13",
]
GOOD_REFERRALS = [
    "BH-R0001,E06000043,BN1,2015-06-15,la,true,transfer,,3,medium,,transfer,,,BH-S01,",
    "BH-R0002,E06000043,BN2,2015-09-01,self,true,new,2015-08-20,4,low,,,pl,,BH-S02,",
    "BH-R0003,E06000043,BN3,2015-10-19,professional,true,new,,5,high,4,autism,,BH-S02,,",
    "BH-R0004,E06000043,,2015-10-28,self,false,transfer,,2,low,,,,,,",
]

# name -> (description, supporters lines, referrals lines); None = the good set.
BAD_CASES: dict[str, tuple[str, list[str] | None, list[str] | None]] = {
    "duplicate-supporter-id": (
        "supporters.csv line 5 repeats supporter_id BH-S01 (first on line 2)",
        GOOD_SUPPORTERS + ["BH-S01,E06000043,volunteer,6,3,,,true,BN1,,"], None),
    "unknown-status": (
        "supporters.csv line 3: status `staff` is neither paid nor volunteer",
        [GOOD_SUPPORTERS[0], "BH-S02,E06000043,staff,8,4,mental_health,pl,true,BN2;BN3,,",
         GOOD_SUPPORTERS[2]], None),
    "priority-out-of-range": (
        "referrals.csv line 4: priority 7 (must be 1..5)",
        None, GOOD_REFERRALS[:2] + [
            "BH-R0003,E06000043,BN3,2015-10-19,professional,true,new,,7,high,4,autism,,BH-S02,,"]
        + GOOD_REFERRALS[3:]),
    "negative-hours": (
        "supporters.csv line 3: hours_per_week -8",
        [GOOD_SUPPORTERS[0], "BH-S02,E06000043,volunteer,-8,4,mental_health,pl,true,BN2;BN3,,",
         GOOD_SUPPORTERS[2]], None),
    "nan-hours": (
        "supporters.csv line 4: hours_per_week NaN",
        GOOD_SUPPORTERS[:2] + ["BH-S03,E06000043,paid,NaN,6,bsl;sensory,bsl,false,,2015-11-02,2015-11-13"],
        None),
    "bad-date": (
        "referrals.csv line 3: received 2015-13-40 is not a date",
        None, [GOOD_REFERRALS[0],
               "BH-R0002,E06000043,BN2,2015-13-40,self,true,new,2015-08-20,4,low,,,pl,,BH-S02,"]
        + GOOD_REFERRALS[2:]),
    "leave-ends-before-start": (
        "supporters.csv line 4: unavailable_to 2015-10-30 is before unavailable_from 2015-11-02",
        GOOD_SUPPORTERS[:2] + ["BH-S03,E06000043,paid,15,6,bsl;sensory,bsl,false,,2015-11-02,2015-10-30"],
        None),
    "open-case-area-mismatch": (
        "referrals.csv line 2: open case in area E10000032 held by BH-S01 of area E06000043",
        None, ["BH-R0001,E10000032,BN43,2015-06-15,la,true,transfer,,3,medium,,transfer,,,BH-S01,"]
        + GOOD_REFERRALS[1:]),
    "too-few-fields": (
        "referrals.csv line 3 has 12 fields instead of 16",
        None, [GOOD_REFERRALS[0], "BH-R0002,E06000043,BN2,2015-09-01,self,true,new,2015-08-20,4,low,,"]
        + GOOD_REFERRALS[2:]),
    "missing-column": (
        "referrals.csv has no `priority` column",
        None, None),  # built below
    "many-problems": (
        "referrals.csv: line 2 priority 0, line 3 bad date 2015-02-30, line 4 unknown source `gp`, "
        "line 5 complexity `extreme` and hours_per_week -1",
        None, [
            "BH-R0001,E06000043,BN1,2015-06-15,la,true,transfer,,0,medium,,transfer,,,BH-S01,",
            "BH-R0002,E06000043,BN2,2015-02-30,self,true,new,2015-08-20,4,low,,,pl,,BH-S02,",
            "BH-R0003,E06000043,BN3,2015-10-19,gp,true,new,,5,high,4,autism,,BH-S02,,",
            "BH-R0004,E06000043,,2015-10-28,self,false,transfer,,2,extreme,-1,,,,,",
        ]),
    "bad-boolean": (
        "referrals.csv line 3: consent `maybe`",
        None, [GOOD_REFERRALS[0],
               "BH-R0002,E06000043,BN2,2015-09-01,self,maybe,new,2015-08-20,4,low,,,pl,,BH-S02,"]
        + GOOD_REFERRALS[2:]),
    "no-supporters": (
        "supporters.csv has its header and no rows: nobody to plan for",
        [], None),
    "unclosed-quote": (
        "referrals.csv line 3: a double quote opens the district and is never closed",
        None, [GOOD_REFERRALS[0],
               'BH-R0002,E06000043,"BN2,2015-09-01,self,true,new,2015-08-20,4,low,,,pl,,BH-S02,']
        + GOOD_REFERRALS[2:]),
    "duplicate-referral-id": (
        "referrals.csv line 5 repeats referral_id BH-R0002 (first on line 3)",
        None, GOOD_REFERRALS[:3] + [
            "BH-R0002,E06000043,,2015-10-28,self,false,transfer,,2,low,,,,,,"]),
}


def gen_bad(out: Path) -> None:
    base = out / "bad"
    readme = ["# Bad-input cases", "",
              "Each folder holds a small `supporters.csv` and `referrals.csv` (area E06000043,",
              "planning week 2015-11-02) in which only the named problem occurs.",
              "`caseload allocate` must exit with code 2 and name file, line and column",
              "for every problem listed. Line numbers count the header as line 1.", "",
              "Generated by `python3 benches/gen_fixtures.py`; do not edit by hand.", ""]
    names = sorted(list(BAD_CASES) + ["not-utf8"])
    for name in names:
        d = base / name
        d.mkdir(parents=True, exist_ok=True)
        if name == "not-utf8":
            desc = "supporters.csv line 3: skills field contains the raw byte 0xFF"
            sup = (BAD_SUP_HEADER + "\n" + GOOD_SUPPORTERS[0] + "\n").encode() + \
                b"BH-S02,E06000043,volunteer,8,4,mental\xffhealth,pl,true,BN2;BN3,,\n" + \
                (GOOD_SUPPORTERS[2] + "\n").encode()
            (d / "supporters.csv").write_bytes(sup)
            (d / "referrals.csv").write_bytes(
                ("\n".join([BAD_REF_HEADER] + GOOD_REFERRALS) + "\n").encode())
        else:
            desc, sup_lines, ref_lines = BAD_CASES[name]
            sup_lines = sup_lines if sup_lines is not None else GOOD_SUPPORTERS
            ref_header = BAD_REF_HEADER
            ref_lines = ref_lines if ref_lines is not None else GOOD_REFERRALS
            if name == "missing-column":
                idx = REFERRAL_COLUMNS.index("priority")
                ref_header = ",".join(c for c in REFERRAL_COLUMNS if c != "priority")
                ref_lines = [",".join(f for i, f in enumerate(line.split(",")) if i != idx)
                             for line in GOOD_REFERRALS]
            (d / "supporters.csv").write_bytes(("\n".join([BAD_SUP_HEADER] + sup_lines) + "\n").encode())
            (d / "referrals.csv").write_bytes(("\n".join([ref_header] + ref_lines) + "\n").encode())
        readme.append(f"- `{name}`: {desc}")
    (base / "README.md").write_text("\n".join(readme) + "\n", encoding="utf-8")


# ---------------------------------------------------------------- main

def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=2015)
    ap.add_argument("--out", type=Path, default=Path("fixtures"))
    ap.add_argument("--scale", type=int, default=None,
                    help="generate only the national fixture at this scale (into national-xN, "
                         "or national-week for 1); default: everything, with scales 1 and 10")
    args = ap.parse_args()
    # Each fixture has its own generator so changing one leaves the others as they were.
    if args.scale is None:
        gen_provider_week(random.Random(args.seed), args.out)
        print("national-week", gen_national(random.Random(args.seed + 1), args.out, 1, "national-week"))
        print("national-x10", gen_national(random.Random(args.seed + 10), args.out, 10, "national-x10"))
        gen_bad(args.out)
    else:
        folder = "national-week" if args.scale == 1 else f"national-x{args.scale}"
        print(folder, gen_national(random.Random(args.seed + args.scale), args.out, args.scale, folder))


if __name__ == "__main__":
    main()
