//! A simulation scenario (TOML): one area's supporters, families and the EHC clock.
//!
//! Every field has a documented default. Figures taken from the real data in
//! `fixtures/areas_england_2014_2017.csv` say so; the rest are stated assumptions.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use caseload_model::{
    config, Caseload, DistrictEquity, LoadError, Policy, Supporter, MAX_SUPPORTER_HOURS,
    MIN_SUPPORTER_HOURS,
};
use chrono::{Datelike, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

/// The most replications a run may have, from a scenario or from the command line.
pub const MOST_REPLICATIONS: u32 = 100_000;

/// The most families that may arrive in one area's week, all kinds together: 10,000
/// took minutes and hundreds of megabytes a week; the Kent fixture, the largest area,
/// has about 15 (`fixtures/sim/large-county.toml`).
pub const MOST_ARRIVALS_PER_WEEK: f64 = 1000.0;

/// The most supporters one area's simulation may have (paid and volunteer together):
/// far beyond any one area's service (the 2014-16 programme bought about 12 an area).
pub const MOST_SUPPORTERS: u32 = 10_000;

/// One area over time. See the fixtures under `fixtures/sim/` for annotated examples.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// A name for output.
    pub name: String,
    /// The area code (ONS), used for generated supporters and families.
    #[serde(default = "default_area")]
    pub area: String,
    /// Monday of week 0 (default 2015-09-07, the start of the 2015-16 school year).
    #[serde(default = "default_start", deserialize_with = "config::date")]
    pub start: NaiveDate,
    /// Weeks simulated before measuring starts, so the service is not measured empty
    /// (default 26: longer than the 20-week clock).
    #[serde(default = "default_warm_up")]
    pub warm_up_weeks: u32,
    /// Weeks measured after the warm-up (default 78: eighteen months, the length of
    /// the 2014-16 programme).
    #[serde(default = "default_horizon")]
    pub horizon_weeks: u32,
    /// Independent replications (default 100).
    #[serde(default = "default_replications")]
    pub replications: u32,
    /// Seed of the random streams (default 2015).
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// Who supports the families.
    #[serde(default)]
    pub supporters: SupporterPlan,
    /// How families arrive.
    #[serde(default)]
    pub arrivals: Arrivals,
    /// What families are like.
    #[serde(default)]
    pub families: Families,
    /// The EHC process.
    #[serde(default)]
    pub ehc: Ehc,
    /// The allocation policy's settings (as `policy.toml`), shared by every referral
    /// policy: eligibility, hours and the `optimal` policy's objective.
    #[serde(default)]
    pub policy: Policy,
    /// Branch-and-bound nodes HiGHS may use on one week's MIP under the `optimal`
    /// policy (default: no limit, every week solved to proven optimality). A work
    /// limit, not a time limit, so that results do not depend on the machine's speed; a
    /// week that reaches it keeps the best plan found and is counted as not proven.
    #[serde(default)]
    pub optimal_week_node_limit: Option<u32>,
}

/// Supporters: from a file, or generated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SupporterPlan {
    /// A supporters.csv (same format as `allocate`), relative to the scenario file.
    /// When given, the counts and hours below are not used.
    pub file: Option<PathBuf>,
    /// Paid supporters (default 8).
    pub paid: u32,
    /// Volunteer supporters (default 4: the 2014 "around 12 per area", a third
    /// volunteers; staffing mixes were not published).
    pub volunteer: u32,
    /// Casework hours a paid supporter offers a week (default 10, a sessional post).
    pub paid_hours_per_week: f64,
    /// Concurrent cases of a paid supporter (default 5).
    pub paid_max_cases: u32,
    /// Hours a volunteer offers a week (default 5).
    pub volunteer_hours_per_week: f64,
    /// Concurrent cases of a volunteer (default 2).
    pub volunteer_max_cases: u32,
    /// Share of supporters with local knowledge (default 0.5).
    pub local_share: f64,
    /// Probability that a supporter has each skill (default autism 0.6, transfer 0.5,
    /// young_person 0.3, tribunal 0.2, bsl 0.05).
    pub skills: BTreeMap<String, f64>,
    /// Probability that a supporter speaks each language besides English (default
    /// pl 0.1, ur 0.1).
    pub languages: BTreeMap<String, f64>,
    /// Weekly probability that a volunteer leaves (default 0.01).
    pub volunteer_attrition_per_week: f64,
    /// Replace a volunteer who leaves with a new one the next week (default false).
    pub replace_volunteers: bool,
}

impl Default for SupporterPlan {
    fn default() -> Self {
        SupporterPlan {
            file: None,
            paid: 8,
            volunteer: 4,
            paid_hours_per_week: 10.0,
            paid_max_cases: 5,
            volunteer_hours_per_week: 5.0,
            volunteer_max_cases: 2,
            local_share: 0.5,
            skills: [
                ("autism", 0.6),
                ("transfer", 0.5),
                ("young_person", 0.3),
                ("tribunal", 0.2),
                ("bsl", 0.05),
            ]
            .map(|(k, v)| (k.to_string(), v))
            .into(),
            languages: [("pl", 0.1), ("ur", 0.1)]
                .map(|(k, v)| (k.to_string(), v))
                .into(),
            volunteer_attrition_per_week: 0.01,
            replace_volunteers: false,
        }
    }
}

/// Arrivals: Poisson counts per week and kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Arrivals {
    /// New EHC needs assessments referred per week (default 1.0).
    pub new_per_week: f64,
    /// Transfers of a statement referred per week (default 1.5).
    pub transfer_per_week: f64,
    /// School holidays (August, the two weeks around Christmas, a week at Easter and
    /// at each half term) halve arrivals (default true: referrals come through schools).
    pub seasonality: bool,
    /// An optional wave of transfers.
    pub transfer_wave: Option<TransferWave>,
}

impl Default for Arrivals {
    fn default() -> Self {
        Arrivals {
            new_per_week: 1.0,
            transfer_per_week: 1.5,
            seasonality: true,
            transfer_wave: None,
        }
    }
}

/// Extra transfers in a window of weeks (statements due to transfer by a deadline).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransferWave {
    /// First week of the wave (counted from week 0, warm-up included).
    pub from_week: u32,
    /// Last week of the wave.
    pub to_week: u32,
    /// Extra transfers per week during the wave.
    pub extra_per_week: f64,
}

fn five_probabilities<'de, D: serde::Deserializer<'de>>(d: D) -> Result<[f64; 5], D::Error> {
    config::exactly(d, "a list of length 5, one probability per priority 1..5")
}

fn three_probabilities<'de, D: serde::Deserializer<'de>>(d: D) -> Result<[f64; 3], D::Error> {
    config::exactly(d, "a list of length 3: low, medium, high")
}

/// The mix of families referred.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Families {
    /// Probability of priority 1..5 (default 0.15, 0.25, 0.30, 0.20, 0.10).
    #[serde(deserialize_with = "five_probabilities")]
    pub priority: [f64; 5],
    /// Probability of low, medium, high complexity (default 0.3, 0.5, 0.2).
    #[serde(deserialize_with = "three_probabilities")]
    pub complexity: [f64; 3],
    /// Probability that a family needs each skill (default autism 0.25, tribunal 0.05,
    /// bsl 0.01; transfers also need `transfer` with probability `transfer_needs_skill`).
    pub needs: BTreeMap<String, f64>,
    /// Probability that a transfer needs a supporter with the `transfer` skill
    /// (default 0.3).
    pub transfer_needs_skill: f64,
    /// Probability of each preferred language besides English (default pl 0.02,
    /// ur 0.03).
    pub languages: BTreeMap<String, f64>,
    /// Postcode districts and their shares of families (default four equal districts
    /// D1..D4). Supporters cover the whole area unless given by file.
    pub districts: BTreeMap<String, f64>,
    /// Who refers families: shares of `self`, `la` and `professional` referrals, which
    /// sum to 1 (default 0.4, 0.4, 0.2; not published, an assumption).
    pub sources: Sources,
    /// Probability that consent is recorded for a family referred by the LA or a
    /// professional (default 0.9); a family who refers itself has consented.
    pub consent: f64,
    /// The clock started 0 to this many weeks before the family reached the provider,
    /// uniformly (default 6: families often find the service late).
    pub clock_lateness_weeks: u32,
    /// Weekly probability that a waiting family withdraws (default 0.005).
    pub withdrawal_per_week: f64,
}

impl Default for Families {
    fn default() -> Self {
        Families {
            priority: [0.15, 0.25, 0.30, 0.20, 0.10],
            complexity: [0.3, 0.5, 0.2],
            needs: [("autism", 0.25), ("tribunal", 0.05), ("bsl", 0.01)]
                .map(|(k, v)| (k.to_string(), v))
                .into(),
            transfer_needs_skill: 0.3,
            languages: [("pl", 0.02), ("ur", 0.03)]
                .map(|(k, v)| (k.to_string(), v))
                .into(),
            districts: [("D1", 0.25), ("D2", 0.25), ("D3", 0.25), ("D4", 0.25)]
                .map(|(k, v)| (k.to_string(), v))
                .into(),
            sources: Sources::default(),
            consent: 0.9,
            clock_lateness_weeks: 6,
            withdrawal_per_week: 0.005,
        }
    }
}

/// Shares of referral sources, which sum to 1. Without the table, 0.4 / 0.4 / 0.2; a
/// table given is the whole of it, a source it leaves out 0 (`{ self = 1.0 }` is every
/// family referring itself, not 1.0 beside the defaults of the others).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sources {
    /// The family itself (default 0.4).
    #[serde(rename = "self", default)]
    pub self_referral: f64,
    /// The local authority (default 0.4).
    #[serde(default)]
    pub la: f64,
    /// A professional: a school, a health or social care worker (default 0.2).
    #[serde(default)]
    pub professional: f64,
}

impl Default for Sources {
    fn default() -> Self {
        Sources {
            self_referral: 0.4,
            la: 0.4,
            professional: 0.2,
        }
    }
}

impl Sources {
    /// The shares in the order `self`, `la`, `professional`.
    pub fn shares(&self) -> [f64; 3] {
        [self.self_referral, self.la, self.professional]
    }
}

/// The EHC process: milestones at weeks 6 (decision to assess), 16 (draft plan) and
/// 20 (final plan).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Ehc {
    /// Probability that the plan is final at week 20 (default 0.55: 54.6% of new EHC
    /// plans in England were issued within 20 weeks in 2015 and 55.6% in 2016,
    /// weighting each area's rate by its new plans).
    pub p_on_time: f64,
    /// Mean extra weeks when the plan is late, geometric (default 8; not published,
    /// an assumption).
    pub late_mean_weeks: f64,
}

impl Default for Ehc {
    fn default() -> Self {
        Ehc {
            p_on_time: 0.55,
            late_mean_weeks: 8.0,
        }
    }
}

fn default_area() -> String {
    "E00000000".into()
}
fn default_start() -> NaiveDate {
    NaiveDate::from_ymd_opt(2015, 9, 7).expect("a valid date")
}
fn default_warm_up() -> u32 {
    26
}
fn default_horizon() -> u32 {
    78
}
fn default_replications() -> u32 {
    100
}
fn default_seed() -> u64 {
    2015
}

/// A scenario with its supporters resolved (loaded from file or left to generate).
#[derive(Debug, Clone, PartialEq)]
pub struct LoadedScenario {
    /// The scenario as written.
    pub scenario: Scenario,
    /// Supporters from `supporters.file`, if any.
    pub supporters: Option<Vec<Supporter>>,
}

impl Scenario {
    /// Reads, validates and resolves a scenario file.
    ///
    /// # Errors
    ///
    /// [`LoadError`] for an unreadable file, bad TOML, an unknown key, an out-of-range
    /// value (located by line and column) or a bad supporters file.
    pub fn load(file: &Path) -> Result<LoadedScenario, LoadError> {
        let text = config::read(file)?;
        let scenario = Scenario::from_toml(file, &text)?;
        let supporters = match &scenario.supporters.file {
            None => None,
            Some(relative) => {
                let base = file.parent().unwrap_or(Path::new("."));
                let path = base.join(relative);
                // A file that cannot be read is named where the scenario names it.
                let at_key = |key: &str, message: String| {
                    LoadError::Invalid(vec![config::problem_at_key(file, &text, key, message)])
                };
                let supporters = Caseload::load_supporters(&path).map_err(|err| match err {
                    LoadError::Io { file: path, source } => at_key(
                        "supporters.file",
                        format!(
                            "`supporters.file`: {}: cannot read: {source}",
                            path.display()
                        ),
                    ),
                    other => other,
                })?;
                Caseload::require_supporters(&supporters, &path)?;
                if let Some(other) = supporters.iter().find(|s| s.area != scenario.area) {
                    return Err(at_key(
                        "area",
                        format!(
                            "supporter `{}` of `supporters.file` ({}) works in area {}, but the scenario's `area` is {}: the supporters of one area are simulated in that area",
                            other.id,
                            path.display(),
                            other.area,
                            scenario.area
                        ),
                    ));
                }
                Some(supporters)
            }
        };
        Ok(LoadedScenario {
            scenario,
            supporters,
        })
    }

    /// Parses and validates scenario TOML; `file` only names it in messages.
    ///
    /// # Errors
    ///
    /// [`LoadError::Invalid`] listing every problem, located.
    pub fn from_toml(file: &Path, text: &str) -> Result<Scenario, LoadError> {
        config::load(file, text, Scenario::problems)
    }

    /// Every out-of-range value, as (dotted key, reason): the rules a scenario read
    /// from TOML is held to, for one built or changed in code.
    pub fn problems(&self) -> Vec<(String, String)> {
        let policy = self
            .policy
            .invalid_values()
            .into_iter()
            .map(|(key, message)| (format!("policy.{key}"), message));
        let own = self
            .invalid_values()
            .into_iter()
            .map(|(key, message)| (key.to_string(), message));
        // Set in a scenario, equity would silently do nothing: it is a referral
        // policy of its own, so that it can be compared with `optimal`.
        let equity = (self.policy.district_equity != DistrictEquity::None).then(|| {
            (
                "policy.district_equity".to_string(),
                "`policy.district_equity` has no effect in a simulation: equity across \
                 districts is the referral policy `optimal_equity` (for example \
                 `--policies optimal,optimal_equity`)"
                    .to_string(),
            )
        });
        policy.chain(own).chain(equity).collect()
    }

    /// What the scenario allows but most likely did not mean: a need or a language
    /// its families can have that no generated supporter can (a `skills` or
    /// `languages` table replaces the default one whole, so a table that names one
    /// skill takes the others away). Not checked against a supporters file.
    pub fn warnings(&self, with_file: bool) -> Vec<String> {
        if with_file {
            return Vec::new();
        }
        let offered =
            |table: &BTreeMap<String, f64>, key: &str| table.get(key).is_some_and(|p| *p > 0.0);
        let mut needs: Vec<&str> = self
            .families
            .needs
            .iter()
            .filter(|(_, p)| **p > 0.0)
            .map(|(k, _)| k.as_str())
            .collect();
        if self.families.transfer_needs_skill > 0.0 && !needs.contains(&"transfer") {
            needs.push("transfer");
        }
        let mut said = Vec::new();
        for need in needs {
            if !offered(&self.supporters.skills, need) {
                said.push(format!(
                    "families need the skill `{need}`, which no supporter is given (`supporters.skills` has no `{need}`: a table replaces the default one whole); such families are never placed"
                ));
            }
        }
        for (language, p) in &self.families.languages {
            if *p > 0.0 && !offered(&self.supporters.languages, language) {
                said.push(format!(
                    "families prefer the language `{language}`, which no supporter speaks (`supporters.languages` has no `{language}`); such families are never placed"
                ));
            }
        }
        said
    }

    /// Total weeks simulated (warm-up and horizon).
    pub fn total_weeks(&self) -> u32 {
        self.warm_up_weeks + self.horizon_weeks
    }

    fn invalid_values(&self) -> Vec<(&'static str, String)> {
        let mut bad = Vec::new();
        let mut check = |ok: bool, key: &'static str, message: String| {
            if !ok {
                bad.push((key, message));
            }
        };
        let probability = |p: f64| p.is_finite() && (0.0..=1.0).contains(&p);
        let rate = |r: f64| r.is_finite() && r >= 0.0;
        if let Err(message) = caseload_model::within_years(self.start) {
            check(false, "start", format!("`start`: {message}"));
        }
        check(
            self.start.weekday() == Weekday::Mon,
            "start",
            format!(
                "`start` must be a Monday, {} is a {}",
                self.start,
                self.start.format("%A")
            ),
        );
        check(
            self.horizon_weeks >= 1,
            "horizon_weeks",
            "`horizon_weeks` must be at least 1".into(),
        );
        check(
            self.total_weeks() <= 520,
            "horizon_weeks",
            "warm-up and horizon together must be at most 520 weeks".into(),
        );
        // The last week simulated must be a date caseload reads, too.
        if caseload_model::within_years(self.start).is_ok() {
            let weeks = i64::from(self.total_weeks().min(520));
            let last = self.start + chrono::Duration::weeks(weeks);
            if let Err(message) = caseload_model::within_years(last) {
                check(
                    false,
                    "start",
                    format!("`start`: the run ends in the week of {last}, and {message}"),
                );
            }
        }
        check(
            (1..=MOST_REPLICATIONS).contains(&self.replications),
            "replications",
            format!("`replications` must be from 1 to {MOST_REPLICATIONS}"),
        );
        check(
            self.optimal_week_node_limit.is_none_or(|n| n >= 1),
            "optimal_week_node_limit",
            "`optimal_week_node_limit` must be at least 1 (leave it out for no limit)".into(),
        );
        let s = &self.supporters;
        let generated = u64::from(s.paid) + u64::from(s.volunteer);
        check(
            s.file.is_some() || generated >= 1,
            "supporters.paid",
            "a scenario needs at least one supporter".into(),
        );
        check(
            s.file.is_some() || generated <= u64::from(MOST_SUPPORTERS),
            "supporters.paid",
            format!(
                "`supporters.paid` and `supporters.volunteer` together must be at most {MOST_SUPPORTERS} (one area), got {generated}"
            ),
        );
        for (key, hours) in [
            ("supporters.paid_hours_per_week", s.paid_hours_per_week),
            (
                "supporters.volunteer_hours_per_week",
                s.volunteer_hours_per_week,
            ),
        ] {
            check(
                hours.is_finite() && (MIN_SUPPORTER_HOURS..=MAX_SUPPORTER_HOURS).contains(&hours),
                key,
                format!(
                    "`{key}` must be from {MIN_SUPPORTER_HOURS} (36 seconds) to {MAX_SUPPORTER_HOURS}, got {hours}"
                ),
            );
        }
        check(
            probability(s.local_share),
            "supporters.local_share",
            format!(
                "`supporters.local_share` must be a probability, got {}",
                s.local_share
            ),
        );
        check(
            probability(s.volunteer_attrition_per_week),
            "supporters.volunteer_attrition_per_week",
            format!(
                "`supporters.volunteer_attrition_per_week` must be a probability, got {}",
                s.volunteer_attrition_per_week
            ),
        );
        for (key, table) in [
            ("supporters.skills", &s.skills),
            ("supporters.languages", &s.languages),
        ] {
            check(
                table.values().all(|p| probability(*p)),
                key,
                format!("`{key}`: every value must be a probability"),
            );
        }
        let a = &self.arrivals;
        check(
            rate(a.new_per_week),
            "arrivals.new_per_week",
            format!(
                "`arrivals.new_per_week` must be zero or more, got {}",
                a.new_per_week
            ),
        );
        check(
            rate(a.transfer_per_week),
            "arrivals.transfer_per_week",
            format!(
                "`arrivals.transfer_per_week` must be zero or more, got {}",
                a.transfer_per_week
            ),
        );
        let wave_rate = a.transfer_wave.as_ref().map_or(0.0, |w| w.extra_per_week);
        // Only rates that are each numbers are added up (a NaN is refused above).
        let rates = [a.new_per_week, a.transfer_per_week, wave_rate];
        check(
            !rates.iter().all(|r| rate(*r))
                || rates.iter().sum::<f64>() <= MOST_ARRIVALS_PER_WEEK,
            "arrivals.new_per_week",
            format!(
                "more than {MOST_ARRIVALS_PER_WEEK} arrivals a week (new, transfers and a wave's extra together) is not one area: Kent, the largest, has about 15 at 30% take-up"
            ),
        );
        if let Some(wave) = &a.transfer_wave {
            check(
                wave.from_week <= wave.to_week,
                "arrivals.transfer_wave.to_week",
                format!(
                    "`transfer_wave.to_week` ({}) is before `from_week` ({})",
                    wave.to_week, wave.from_week
                ),
            );
            check(
                rate(wave.extra_per_week) && wave.extra_per_week <= MOST_ARRIVALS_PER_WEEK,
                "arrivals.transfer_wave.extra_per_week",
                format!(
                    "`transfer_wave.extra_per_week` must be from 0 to {MOST_ARRIVALS_PER_WEEK}, got {}",
                    wave.extra_per_week
                ),
            );
        }
        let f = &self.families;
        let distribution = |ps: &[f64]| {
            ps.iter().all(|p| probability(*p)) && (ps.iter().sum::<f64>() - 1.0).abs() < 1e-6
        };
        // What was given, so that a share typed wrong is found without adding up by hand.
        let given = |ps: &[f64]| {
            if ps.iter().all(|p| probability(*p)) {
                let sum: f64 = ps.iter().sum();
                format!("they sum to {}", (sum * 1e6).round() / 1e6)
            } else {
                "each must be from 0 to 1".to_string()
            }
        };
        let shares: Vec<f64> = f.districts.values().copied().collect();
        for (key, ps, what) in [
            ("families.priority", &f.priority[..], "five probabilities"),
            (
                "families.complexity",
                &f.complexity[..],
                "three probabilities (low, medium, high)",
            ),
            ("families.districts", &shares[..], "shares"),
            (
                "families.sources",
                &f.sources.shares()[..],
                "shares of self, la and professional",
            ),
        ] {
            let message = if ps.is_empty() {
                format!("`{key}`: {what} that sum to 1; none are given")
            } else {
                format!("`{key}`: {what} that sum to 1; {}", given(ps))
            };
            check(!ps.is_empty() && distribution(ps), key, message);
        }
        for (key, p) in [
            ("families.transfer_needs_skill", f.transfer_needs_skill),
            ("families.consent", f.consent),
            ("families.withdrawal_per_week", f.withdrawal_per_week),
        ] {
            check(
                probability(p),
                key,
                format!("`{key}` must be a probability, got {p}"),
            );
        }
        for (key, table) in [
            ("families.needs", &f.needs),
            ("families.languages", &f.languages),
        ] {
            check(
                table.values().all(|p| probability(*p)),
                key,
                format!("`{key}`: every value must be a probability"),
            );
        }
        // Each family prefers one language: the shares besides English leave the rest
        // to English, so they cannot add up to more than 1 (the draw would cut the last
        // ones short in silence). Needs, unlike languages, are independent.
        let languages: f64 = f.languages.values().sum();
        check(
            // A share that is not a probability is said above, once.
            !f.languages.values().all(|p| probability(*p)) || languages <= 1.0 + 1e-9,
            "families.languages",
            format!(
                "`families.languages`: shares of families preferring each language besides English, which add up to at most 1 (the rest prefer English); they add up to {}",
                (languages * 1e6).round() / 1e6
            ),
        );
        check(
            f.clock_lateness_weeks <= 52,
            "families.clock_lateness_weeks",
            "`families.clock_lateness_weeks` must be at most 52".into(),
        );
        check(
            probability(self.ehc.p_on_time),
            "ehc.p_on_time",
            format!(
                "`ehc.p_on_time` must be a probability, got {}",
                self.ehc.p_on_time
            ),
        );
        check(
            self.ehc.late_mean_weeks.is_finite()
                && self.ehc.late_mean_weeks >= 1.0
                && self.ehc.late_mean_weeks <= 104.0,
            "ehc.late_mean_weeks",
            format!(
                "`ehc.late_mean_weeks` must be from 1 to 104, got {}",
                self.ehc.late_mean_weeks
            ),
        );
        bad
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Scenario, Vec<String>> {
        Scenario::from_toml(Path::new("s.toml"), text)
            .map_err(|e| e.problems().iter().map(ToString::to_string).collect())
    }

    #[test]
    fn a_name_is_enough() {
        let scenario = parse("name = \"x\"\n").unwrap();
        assert_eq!(scenario.ehc.p_on_time, 0.55);
        assert_eq!(scenario.total_weeks(), 104);
    }

    #[test]
    fn needs_no_supporter_can_meet_are_warned() {
        assert!(parse("name = \"x\"\n").unwrap().warnings(false).is_empty());
        // A skills table of one entry takes the default's others away.
        let one = parse("name = \"x\"\n[supporters]\nskills = { autism = 0.7 }\n").unwrap();
        let said = one.warnings(false);
        assert_eq!(said.len(), 3, "{said:?}");
        for need in ["bsl", "tribunal", "transfer"] {
            assert!(
                said.iter()
                    .any(|w| w.contains(&format!("the skill `{need}`"))),
                "{said:?}"
            );
        }
        // A supporters file is not second-guessed.
        assert!(one.warnings(true).is_empty());
        let spoken = parse(
            "name = \"x\"\n[supporters]\nlanguages = { pl = 0.1 }\n[families]\nlanguages = { pl = 0.02, so = 0.01 }\n",
        )
        .unwrap()
        .warnings(false);
        assert_eq!(spoken.len(), 1, "{spoken:?}");
        assert!(spoken[0].contains("the language `so`"), "{spoken:?}");
    }

    #[test]
    fn bad_values_are_located() {
        assert_eq!(
            parse("name = \"x\"\n[families]\nconsent = 1.5\n").unwrap_err(),
            ["s.toml:3:1: `families.consent` must be a probability, got 1.5"]
        );
        assert_eq!(
            parse("name = \"x\"\nstart = \"2015-09-08\"\n").unwrap_err(),
            ["s.toml:2:1: `start` must be a Monday, 2015-09-08 is a Tuesday"]
        );
        // Mondays at the ends of chrono's calendar once overflowed when weeks were
        // added to them.
        for start in ["+262142-12-24", "1899-12-25"] {
            assert_eq!(
                parse(&format!("name = \"x\"\nstart = \"{start}\"\n")).unwrap_err(),
                [format!(
                    "s.toml:2:9: `start`: {start} is outside the years caseload reads (1900 to 2999)"
                )]
            );
        }
        assert_eq!(
            parse("name = \"x\"\n[policy]\ndistrict_equity = \"max_min\"\n").unwrap_err(),
            [
                "s.toml:3:1: `policy.district_equity` has no effect in a simulation: equity \
              across districts is the referral policy `optimal_equity` (for example \
              `--policies optimal,optimal_equity`)"
            ]
        );
        assert!(parse("name = \"x\"\n[policy]\ndistrict_equity = \"none\"\n").is_ok());
        // A sources table is the whole of it: what it leaves out is 0.
        let own = parse("name = \"x\"\n[families]\nsources = { self = 1.0 }\n").unwrap();
        assert_eq!(own.families.sources.shares(), [1.0, 0.0, 0.0]);
        assert_eq!(
            parse("name = \"x\"\n").unwrap().families.sources.shares(),
            [0.4, 0.4, 0.2]
        );
        // A start near the last year read runs past it.
        assert_eq!(
            parse("name = \"x\"\nstart = \"2999-12-30\"\n").unwrap_err(),
            ["s.toml:2:1: `start`: the run ends in the week of 3001-12-28, and 3001-12-28 is outside the years caseload reads (1900 to 2999)"]
        );
        // Two counts near u32's top once overflowed their sum.
        assert_eq!(
            parse("name = \"x\"\n[supporters]\npaid = 4000000000\nvolunteer = 4000000000\n")
                .unwrap_err(),
            ["s.toml:3:1: `supporters.paid` and `supporters.volunteer` together must be at most 10000 (one area), got 8000000000"]
        );
        assert!(parse("name = \"x\"\n[supporters]\npaid = 9999\nvolunteer = 1\n").is_ok());
        // 10,000 a week took minutes a week; a wave counts with the steady rates.
        let many = parse(
            "name = \"x\"\n[arrivals]\nnew_per_week = 600\ntransfer_wave = { from_week = 0, to_week = 4, extra_per_week = 600 }\n",
        )
        .unwrap_err();
        assert_eq!(many.len(), 1, "{many:?}");
        assert!(
            many[0].contains("more than 1000 arrivals a week"),
            "{many:?}"
        );
        assert_eq!(
            parse("name = \"x\"\n[families]\ncomplexity = [0.4, 0.4, 0.3]\n").unwrap_err(),
            ["s.toml:3:1: `families.complexity`: three probabilities (low, medium, high) that sum to 1; they sum to 1.1"]
        );
        assert_eq!(
            parse("name = \"x\"\n[families]\npriority = [0.5, 0.5, 0, 0, -0.5]\n").unwrap_err(),
            ["s.toml:3:1: `families.priority`: five probabilities that sum to 1; each must be from 0 to 1"]
        );
        // A longer list was cut to its first values in silence, the rest unread.
        let long =
            parse("name = \"x\"\n[families]\ncomplexity = [0.5, 0.5, 0, 0.7]\n").unwrap_err();
        assert_eq!(
            long,
            ["s.toml:3:14: `families.complexity` must be a list of length 3: low, medium, high, not a list of 4"]
        );
        let long =
            parse("name = \"x\"\n[families]\npriority = [0.15, 0.25, 0.3, 0.2, 0.1, \"x\"]\n")
                .unwrap_err();
        assert!(long[0].starts_with("s.toml:3:"), "{long:?}");
        // A rate that is not a number is said once, not added into a total as well.
        assert_eq!(
            parse("name = \"x\"\n[arrivals]\nnew_per_week = nan\n").unwrap_err(),
            ["s.toml:3:1: `arrivals.new_per_week` must be zero or more, got NaN"]
        );
        // A share that is not a number is said once, not added into a total too.
        assert_eq!(
            parse("name = \"x\"\n[families]\nlanguages = { pl = nan }\n").unwrap_err(),
            ["s.toml:3:1: `families.languages`: every value must be a probability"]
        );
        // Each family prefers one language: shares over 1 were cut short in the draw.
        assert_eq!(
            parse("name = \"x\"\n[families]\nlanguages = { pl = 0.7, ur = 0.7 }\n").unwrap_err(),
            ["s.toml:3:1: `families.languages`: shares of families preferring each language besides English, which add up to at most 1 (the rest prefer English); they add up to 1.4"]
        );
        let unknown = parse("name = \"x\"\n[ehc]\np_late = 0.1\n").unwrap_err();
        assert!(
            unknown[0].starts_with("s.toml:3:1: unknown key `p_late` in [ehc]"),
            "{unknown:?}"
        );
    }
}
