//! Policy settings (`policy.toml`): the knobs of the objective and the solver.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::config;
use crate::error::LoadError;
use crate::types::Complexity;

/// Default hours per week a case needs when its row gives none.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DefaultHours {
    /// Low complexity (default 1).
    pub low: f64,
    /// Medium complexity (default 2).
    pub medium: f64,
    /// High complexity (default 3).
    pub high: f64,
}

impl Default for DefaultHours {
    fn default() -> Self {
        DefaultHours {
            low: 1.0,
            medium: 2.0,
            high: 3.0,
        }
    }
}

impl DefaultHours {
    /// Hours for a case of this complexity.
    pub fn for_complexity(&self, complexity: Complexity) -> f64 {
        match complexity {
            Complexity::Low => self.low,
            Complexity::Medium => self.medium,
            Complexity::High => self.high,
        }
    }
}

/// What the second stage of the weekly optimum balances among the plans with the best
/// score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Balance {
    /// Any plan with the best score.
    None,
    /// The plan that spreads supporters' hours most evenly: the least sum over each
    /// area's supporters of f(share of hours used), f being share² interpolated linearly
    /// between multiples of 0.05.
    Hours,
}

/// Whether the week puts the district served least first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DistrictEquity {
    /// The best total score, whatever the districts.
    #[default]
    None,
    /// First the highest lowest share of a district's families served this week (of
    /// those some supporter with room could take), then the best score given it.
    MaxMin,
}

/// Exactly five weights: serde's arrays take the first five of a longer list and drop
/// the rest in silence.
fn five_weights<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<[f64; 5], D::Error> {
    config::exactly(deserializer, "a list of length 5, one weight per priority")
}

/// The smallest priority weight a policy may give (see [`Policy::check`]).
pub const MIN_WEIGHT: f64 = 0.001;
/// The largest priority weight, and the largest local bonus, a policy may give.
pub const MAX_WEIGHT: f64 = 1000.0;

/// Everything `allocate` can be told besides the two CSV files. Every field has the
/// contract's default, so an empty `policy.toml` is the default policy.
///
/// ```toml
/// priority_weights = [1, 2, 4, 8, 16]   # weight of priority 1..5
/// local_bonus = 0.05                    # added when the supporter knows the area
/// volunteers_take_high = false          # may volunteers take high-complexity cases?
/// time_limit_seconds = 30.0             # wall-clock budget for the whole run
/// balance = "hours"                     # spread hours among the best plans ("none")
/// score_tolerance = 0.0                 # share of the best score given up for balance
/// district_equity = "none"              # "max_min": the district served least first
///
/// [default_hours]                       # hours/week when a referral gives none
/// low = 1.0
/// medium = 2.0
/// high = 3.0
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Policy {
    /// Weight of priorities 1 to 5 (default `[1, 2, 4, 8, 16]`, i.e. 2^(priority-1)).
    #[serde(deserialize_with = "five_weights")]
    pub priority_weights: [f64; 5],
    /// Score added when the supporter has local knowledge (default 0.05).
    pub local_bonus: f64,
    /// Hours a case needs by complexity when its row gives none.
    pub default_hours: DefaultHours,
    /// Whether volunteers may take high-complexity cases (default false).
    pub volunteers_take_high: bool,
    /// Wall-clock budget in seconds for solving the whole week (default 30); when it
    /// runs out the best plan found is returned with its gap.
    pub time_limit_seconds: f64,
    /// Among the plans with the best score, which one (default `hours`: the one that
    /// spreads supporters' hours most evenly).
    pub balance: Balance,
    /// The share of the best score that balance may give up, from 0 (default: none)
    /// to below 1.
    pub score_tolerance: f64,
    /// Equity across districts (default `none`; `max_min` serves the lowest share of a
    /// district's families as high as it can go before the score counts).
    pub district_equity: DistrictEquity,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            priority_weights: [1.0, 2.0, 4.0, 8.0, 16.0],
            local_bonus: 0.05,
            default_hours: DefaultHours::default(),
            volunteers_take_high: false,
            time_limit_seconds: 30.0,
            balance: Balance::Hours,
            score_tolerance: 0.0,
            district_equity: DistrictEquity::None,
        }
    }
}

impl Policy {
    /// Reads and validates a policy file.
    ///
    /// # Errors
    ///
    /// [`LoadError::Io`] if it cannot be read, [`LoadError::Invalid`] for bad TOML, an
    /// unknown key or an out-of-range value, located by line and column.
    pub fn load(file: &Path) -> Result<Policy, LoadError> {
        Policy::from_toml(file, &config::read(file)?)
    }

    /// Parses and validates policy TOML; `file` only names it in messages.
    ///
    /// # Errors
    ///
    /// [`LoadError::Invalid`] for bad TOML, an unknown key or an out-of-range value.
    pub fn from_toml(file: &Path, text: &str) -> Result<Policy, LoadError> {
        config::load(file, text, Policy::invalid_values)
    }

    /// Checks the values' ranges; `text` is the TOML they came from, to locate them.
    ///
    /// # Errors
    ///
    /// [`LoadError::Invalid`] listing every out-of-range value.
    pub fn check(&self, file: &Path, text: &str) -> Result<(), LoadError> {
        config::check_values(file, text, self.invalid_values())
    }

    /// The settings that are out of range, as (dotted key, reason).
    pub fn invalid_values(&self) -> Vec<(&'static str, String)> {
        let mut bad = Vec::new();
        // Wider than any policy needs, and narrow enough that a week's scores stay
        // finite and within what HiGHS can tell apart.
        if let Some(w) = self
            .priority_weights
            .iter()
            .find(|w| !(MIN_WEIGHT..=MAX_WEIGHT).contains(*w))
        {
            bad.push((
                "priority_weights",
                format!(
                    "`priority_weights`: every weight must be from {MIN_WEIGHT} to {MAX_WEIGHT}, got {w:?}"
                ),
            ));
        }
        if !(0.0..=MAX_WEIGHT).contains(&self.local_bonus) {
            bad.push((
                "local_bonus",
                format!(
                    "`local_bonus` must be from 0 to {MAX_WEIGHT}, got {:?}",
                    self.local_bonus
                ),
            ));
        }
        let hours = self.default_hours;
        for (key, value) in [
            ("default_hours.low", hours.low),
            ("default_hours.medium", hours.medium),
            ("default_hours.high", hours.high),
        ] {
            if !(value > 0.0 && value <= crate::MAX_SUPPORTER_HOURS) {
                bad.push((
                    key,
                    format!(
                        "`{key}` must be more than 0 and at most {} hours (as a row's hours), got {value}",
                        crate::MAX_SUPPORTER_HOURS
                    ),
                ));
            }
        }
        if !self.time_limit_seconds.is_finite() || self.time_limit_seconds <= 0.0 {
            bad.push((
                "time_limit_seconds",
                format!(
                    "`time_limit_seconds` must be more than 0, got {}",
                    self.time_limit_seconds
                ),
            ));
        }
        if !(0.0..1.0).contains(&self.score_tolerance) {
            bad.push((
                "score_tolerance",
                format!(
                    "`score_tolerance` must be at least 0 and below 1, got {}",
                    self.score_tolerance
                ),
            ));
        }
        bad
    }

    /// Weight of a priority (1..=5).
    pub fn weight(&self, priority: u8) -> f64 {
        self.priority_weights[usize::from(priority.clamp(1, 5)) - 1]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Policy, Vec<String>> {
        Policy::from_toml(Path::new("policy.toml"), text)
            .map_err(|e| e.problems().iter().map(ToString::to_string).collect())
    }

    #[test]
    fn empty_file_is_the_default_policy() {
        assert_eq!(parse("").unwrap(), Policy::default());
        assert_eq!(Policy::default().weight(5), 16.0);
    }

    #[test]
    fn settings_override_defaults() {
        let policy = parse("local_bonus = 0.5\n[default_hours]\nhigh = 4\n").unwrap();
        assert_eq!(policy.local_bonus, 0.5);
        assert_eq!(policy.default_hours.high, 4.0);
        assert_eq!(policy.default_hours.low, 1.0);
    }

    #[test]
    fn district_equity_is_none_or_max_min() {
        assert_eq!(
            parse("district_equity = \"max_min\"\n")
                .unwrap()
                .district_equity,
            DistrictEquity::MaxMin
        );
        assert_eq!(Policy::default().district_equity, DistrictEquity::None);
        let error = parse("district_equity = \"maxmin\"\n").unwrap_err();
        assert_eq!(error.len(), 1);
        assert!(error[0].starts_with("policy.toml:1:19: "), "{error:?}");
        assert!(error[0].contains("max_min"), "{error:?}");
    }

    #[test]
    fn unknown_keys_and_bad_values_are_located() {
        assert_eq!(
            parse("local_bonus = 0.1\nbonus = 3\n").unwrap_err(),
            [
                "policy.toml:2:1: unknown key `bonus` at the top level (known keys: priority_weights, local_bonus, default_hours, volunteers_take_high, time_limit_seconds, balance, score_tolerance, district_equity)"
            ]
        );
        // A typo, a value of the wrong type and one out of range, all at once.
        assert_eq!(
            parse("local_bonu = 0.1\nvolunteers_take_high = \"no\"\n[default_hours]\nlow = -1\n")
                .unwrap_err(),
            [
                "policy.toml:1:1: unknown key `local_bonu` at the top level; did you mean `local_bonus`? (known keys: priority_weights, local_bonus, default_hours, volunteers_take_high, time_limit_seconds, balance, score_tolerance, district_equity)",
                "policy.toml:2:24: `volunteers_take_high` must be true or false, not the text \"no\"",
                "policy.toml:4:1: `default_hours.low` must be more than 0 and at most 60 hours (as a row's hours), got -1",
            ]
        );
        assert_eq!(
            parse("time_limit_seconds = 10\nlocal_bonus = -1\n").unwrap_err(),
            ["policy.toml:2:1: `local_bonus` must be from 0 to 1000, got -1.0"]
        );
        // Finite but so large that a week's score overflowed, or so small that HiGHS
        // could not tell scores apart.
        assert_eq!(
            parse("priority_weights = [1, 2, 4, 8, 1e308]\n").unwrap_err(),
            ["policy.toml:1:1: `priority_weights`: every weight must be from 0.001 to 1000, got 1e308"]
        );
        assert!(parse("priority_weights = [1e-300, 2, 4, 8, 16]\n").is_err());
        assert!(parse("priority_weights = [0.001, 2, 4, 8, 1000]\n").is_ok());
        // Six weights were read as the first five; hours above a row's limit left every
        // family of that complexity unplaceable in silence.
        assert_eq!(
            parse("priority_weights = [1, 2, 4, 8, 16, 32]\n[default_hours]\nlow = 61\n")
                .unwrap_err(),
            [
                "policy.toml:1:20: `priority_weights` must be a list of length 5, one weight per priority, not a list of 6",
                "policy.toml:3:1: `default_hours.low` must be more than 0 and at most 60 hours (as a row's hours), got 61",
            ]
        );
    }
}
