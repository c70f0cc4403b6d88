//! The study file, its points and its tasks.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use caseload_model::config;
use caseload_model::{LoadError, Supporter};
use caseload_sim::{Scenario, DEFAULT_POLICIES};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::StudyError;

/// A study as written (TOML).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StudyFile {
    /// A name for output.
    pub name: String,
    /// The seed every simulation's streams derive from (with its name).
    #[serde(default = "default_seed")]
    pub master_seed: u64,
    /// Replications of every point and policy.
    #[serde(default = "default_replications")]
    pub replications: u32,
    /// Replications per task: the unit a shard runs (default 10).
    #[serde(default = "default_block")]
    pub replications_per_task: u32,
    /// The simulations.
    #[serde(default)]
    pub simulation: Vec<SimulationSpec>,
    /// The funding splits.
    #[serde(default)]
    pub funding: Vec<FundingSpec>,
}

/// A funding scenario swept over a parameter (the budget, say): at each value the
/// split's coverage, and the first value that reaches a target coverage, optionally
/// checked by simulating every funded area.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FundingSpec {
    /// Its name (unique in the study).
    pub name: String,
    /// The funding scenario file, relative to the study file.
    pub scenario: PathBuf,
    /// The swept numeric key of the scenario (`budget_gbp`, `costs.paid_hourly_gbp`)
    /// and its values.
    pub sweep: FundingSweep,
    /// The national coverage (families supported / families who would use a
    /// supporter) the question asks for, 0 to 1.
    pub target_coverage: f64,
    /// Also run every funded area through the weekly simulation at every value.
    #[serde(default)]
    pub simulate: Option<FundingSimulation>,
}

/// The swept key of a funding scenario.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FundingSweep {
    /// A numeric key of the scenario (`budget_gbp`).
    pub parameter: String,
    /// Its values.
    pub x: Vec<f64>,
}

/// How a funding split is checked by simulation.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FundingSimulation {
    /// The referral policy (default `optimal`).
    #[serde(default = "default_policy")]
    pub policy: String,
    /// Replications per area (default 10).
    #[serde(default = "default_block")]
    pub replications: u32,
}

fn default_policy() -> String {
    "optimal".into()
}

/// Which kind of work a task is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum TaskKind {
    /// Replications of a simulation.
    #[default]
    Simulation,
    /// One point of a funding sweep.
    Funding,
}

fn default_seed() -> u64 {
    2015
}

fn default_replications() -> u32 {
    100
}

fn default_block() -> u32 {
    10
}

/// One simulation of a study: a scenario, the policies compared, and the swept
/// parameter.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimulationSpec {
    /// Its name (unique in the study; part of every replication's seed).
    pub name: String,
    /// The scenario file, relative to the study file.
    pub scenario: PathBuf,
    /// The referral policies (left out: fifo, priority, deadline, lottery, optimal).
    #[serde(default)]
    pub policies: Option<Vec<String>>,
    /// The swept parameter (none: one point, the scenario as written).
    #[serde(default)]
    pub sweep: Option<Sweep>,
    /// The name whose random streams the simulation draws (default: its own name).
    /// Simulations that share it see the same families, replication by replication:
    /// a second swept parameter is several `[[simulation]]`s of one scenario, each with
    /// a value of it set in `sweep.set`, sharing `streams`.
    #[serde(default)]
    pub streams: Option<String>,
}

/// A parameter swept over values, setting one or more scenario keys at each.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Sweep {
    /// The parameter's name on tables and charts; when `set` is empty, the dotted
    /// scenario key set to each value (e.g. `arrivals.take_up`).
    pub parameter: String,
    /// Its values.
    pub x: Vec<f64>,
    /// Scenario keys set at each value, one list per key, as long as `x` (e.g.
    /// `"supporters.paid" = [5, 11, 16]`).
    #[serde(default)]
    pub set: BTreeMap<String, Vec<toml::Value>>,
}

/// One point of a simulation's sweep: the parameter's value and the keys it sets.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Point {
    /// The parameter's value.
    pub x: f64,
    /// Scenario keys and the values they take.
    pub set: BTreeMap<String, toml::Value>,
}

/// The unit of work a shard runs: replications `replications` of one point of one
/// simulation under one policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Task {
    /// Its index in the study's order (simulations: simulation, point, policy, block;
    /// then funding sweeps: sweep, point).
    pub task: u32,
    /// A simulation, or a point of a funding sweep.
    #[serde(default)]
    pub kind: TaskKind,
    /// The simulation's (or funding sweep's) name.
    pub simulation: String,
    /// The point's index in the simulation's sweep.
    pub point: u32,
    /// The swept parameter's value (0 without a sweep).
    pub x: f64,
    /// The policy (for a funding point: the policy simulated, or `closed_form`).
    pub policy: String,
    /// First replication.
    pub from: u32,
    /// One past the last.
    pub to: u32,
}

impl std::fmt::Display for Task {
    /// `task 3 (rutland, x = 1, optimal, replications 0-1)`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.kind == TaskKind::Funding {
            return write!(
                f,
                "task {} ({}, x = {}, funding split{})",
                self.task,
                self.simulation,
                self.x,
                if self.to > 0 {
                    format!(", simulated under {} x {}", self.policy, self.to)
                } else {
                    String::new()
                }
            );
        }
        write!(
            f,
            "task {} ({}, x = {}, {}, replications {}-{})",
            self.task,
            self.simulation,
            self.x,
            self.policy,
            self.from,
            self.to.saturating_sub(1)
        )
    }
}

/// A study, read and checked, with its scenarios.
#[derive(Debug, Clone)]
pub struct Study {
    /// The study file's content.
    pub spec: StudyFile,
    /// Per simulation: its scenario file and text, and the supporters it names (if any).
    pub scenarios: Vec<(PathBuf, String, Option<Vec<Supporter>>)>,
    /// Per funding sweep: its scenario file and text.
    pub funding_scenarios: Vec<(PathBuf, String)>,
    /// The content hash: the study file, every scenario and supporters file, and
    /// caseload's version.
    pub hash: String,
}

impl SimulationSpec {
    /// The policies, the default ones if the key is left out.
    pub fn policies(&self) -> Vec<String> {
        match &self.policies {
            Some(named) => named.clone(),
            None => DEFAULT_POLICIES.iter().map(|p| p.to_string()).collect(),
        }
    }

    /// The sweep's points (one, with x = 0, without a sweep).
    pub fn points(&self) -> Vec<Point> {
        let Some(sweep) = &self.sweep else {
            return vec![Point {
                x: 0.0,
                set: BTreeMap::new(),
            }];
        };
        sweep
            .x
            .iter()
            .enumerate()
            .map(|(i, &x)| {
                let set = if sweep.set.is_empty() {
                    BTreeMap::from([(sweep.parameter.clone(), number(x))])
                } else {
                    sweep
                        .set
                        .iter()
                        .filter_map(|(key, values)| Some((key.clone(), values.get(i)?.clone())))
                        .collect()
                };
                Point { x, set }
            })
            .collect()
    }

    /// The parameter's name, if swept.
    pub fn parameter(&self) -> Option<&str> {
        self.sweep.as_ref().map(|s| s.parameter.as_str())
    }
}

/// A whole number as a TOML integer (counts must be integers), else a float.
fn number(x: f64) -> toml::Value {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        toml::Value::Integer(x as i64)
    } else {
        toml::Value::Float(x)
    }
}

impl StudyFile {
    fn invalid_values(&self) -> Vec<(String, String)> {
        let mut bad = Vec::new();
        if !(1..=caseload_sim::MOST_REPLICATIONS).contains(&self.replications) {
            bad.push((
                "replications".into(),
                format!(
                    "`replications` must be from 1 to {}, not {}",
                    caseload_sim::MOST_REPLICATIONS,
                    self.replications
                ),
            ));
        }
        if self.replications_per_task == 0 {
            bad.push((
                "replications_per_task".into(),
                "`replications_per_task` must be at least 1".into(),
            ));
        }
        if self.simulation.is_empty() && self.funding.is_empty() {
            bad.push((
                "simulation".into(),
                "the study names no [[simulation]] and no [[funding]]".into(),
            ));
        }
        let mut names = std::collections::BTreeSet::new();
        for (i, f) in self.funding.iter().enumerate() {
            if !names.insert(f.name.as_str()) {
                bad.push((
                    format!("funding.{i}.name"),
                    format!("two entries are named `{}`: names must differ", f.name),
                ));
            }
            if !(0.0..=1.0).contains(&f.target_coverage) {
                bad.push((
                    format!("funding.{i}.target_coverage"),
                    format!("{}: target_coverage must be from 0 to 1", f.name),
                ));
            }
            if f.sweep.x.is_empty() || f.sweep.x.iter().any(|x| !x.is_finite()) {
                bad.push((
                    format!("funding.{i}.sweep.x"),
                    format!("{}: the sweep needs numbers in `x`", f.name),
                ));
            }
            if let Some(sim) = &f.simulate {
                if caseload_sim::builtin(&sim.policy).is_none() {
                    bad.push((
                        format!("funding.{i}.simulate.policy"),
                        format!(
                            "{}: unknown policy `{}` (known: {}){}",
                            f.name,
                            sim.policy,
                            caseload_sim::BUILTIN.join(", "),
                            config::did_you_mean(&sim.policy, caseload_sim::BUILTIN)
                        ),
                    ));
                }
                if sim.replications == 0 {
                    bad.push((
                        format!("funding.{i}.simulate.replications"),
                        format!("{}: simulate.replications must be at least 1", f.name),
                    ));
                }
            }
        }
        // A `streams` no other simulation shares, that is no simulation's name, shares
        // nothing: a typo of the name meant (`knet` for `kent`), which would otherwise
        // run with families of its own, silently.
        let sim_names: Vec<&str> = self.simulation.iter().map(|s| s.name.as_str()).collect();
        // The streams a simulation draws: its `streams`, or its own name.
        let drawn = |s: &SimulationSpec| s.streams.clone().unwrap_or_else(|| s.name.clone());
        for (i, sim) in self.simulation.iter().enumerate() {
            let Some(streams) = sim.streams.as_deref() else {
                continue;
            };
            // Shared when another simulation draws the same streams (a name that
            // itself draws another's, `a -> b -> c`, shares with neither).
            let shared = self
                .simulation
                .iter()
                .enumerate()
                .any(|(j, other)| j != i && drawn(other) == streams);
            if !shared {
                let hint = caseload_model::config::nearest(streams, &sim_names)
                    .filter(|n| *n != streams)
                    .map(|n| format!("; did you mean `{n}`?"))
                    .unwrap_or_default();
                bad.push((
                    format!("simulation.{i}.streams"),
                    format!(
                        "{}: `streams = \"{streams}\"` shares no families: no other simulation draws those streams (each draws its `streams`, or its own name when it has none){hint}",
                        sim.name
                    ),
                ));
            }
        }
        for (i, sim) in self.simulation.iter().enumerate() {
            if !names.insert(sim.name.as_str()) {
                bad.push((
                    format!("simulation.{i}.name"),
                    format!("two simulations are named `{}`: names must differ (simulations that should see the same families share `streams`)", sim.name),
                ));
            }
            if sim.policies.as_ref().is_some_and(Vec::is_empty) {
                bad.push((
                    format!("simulation.{i}.policies"),
                    format!(
                        "{}: `policies` names none (leave it out for the five: {})",
                        sim.name,
                        DEFAULT_POLICIES.join(", ")
                    ),
                ));
            }
            for policy in sim.policies() {
                if caseload_sim::builtin(&policy).is_none() {
                    bad.push((
                        format!("simulation.{i}.policies"),
                        format!(
                            "{}: unknown policy `{policy}` (known: {}){}",
                            sim.name,
                            caseload_sim::BUILTIN.join(", "),
                            config::did_you_mean(&policy, caseload_sim::BUILTIN)
                        ),
                    ));
                }
            }
            if let Some(sweep) = &sim.sweep {
                if sweep.x.is_empty() {
                    bad.push((
                        format!("simulation.{i}.sweep.x"),
                        format!("{}: the sweep has no values (`x`)", sim.name),
                    ));
                }
                if let Some(x) = sweep.x.iter().find(|x| !x.is_finite()) {
                    bad.push((
                        format!("simulation.{i}.sweep.x"),
                        format!("{}: sweep value {x} is not a number", sim.name),
                    ));
                }
                // Keys the study sets itself: swept, every point would be the same.
                let keys: Vec<&str> = if sweep.set.is_empty() {
                    vec![sweep.parameter.as_str()]
                } else {
                    sweep.set.keys().map(String::as_str).collect()
                };
                for key in keys {
                    let why = match key {
                        "seed" => "the study draws every simulation's seed from its own `seed` and the simulation's `streams`",
                        "replications" => "the study runs its own `replications`",
                        _ => continue,
                    };
                    bad.push((
                        format!("simulation.{i}.sweep"),
                        format!(
                            "{}: `{key}` cannot be swept: {why}, so every point would be the same",
                            sim.name
                        ),
                    ));
                }
                let mut seen: Vec<f64> = Vec::new();
                for &x in &sweep.x {
                    if seen.contains(&x) {
                        bad.push((
                            format!("simulation.{i}.sweep.x"),
                            format!("{}: the sweep value {x} is given twice", sim.name),
                        ));
                    }
                    seen.push(x);
                }
                for (key, values) in &sweep.set {
                    if values.len() != sweep.x.len() {
                        bad.push((
                            format!("simulation.{i}.sweep.set"),
                            format!(
                                "{}: `set.\"{key}\"` has {} values but `x` has {}: give one per value of x",
                                sim.name,
                                values.len(),
                                sweep.x.len()
                            ),
                        ));
                    }
                }
            }
        }
        bad
    }
}

impl Study {
    /// Reads the study file and every scenario it names, and checks every point of
    /// every sweep by building its scenario.
    ///
    /// # Errors
    ///
    /// [`StudyError`] listing what is wrong.
    pub fn load(file: &Path) -> Result<Study, StudyError> {
        let text = config::read(file)?;
        let spec: StudyFile = config::load(file, &text, StudyFile::invalid_values)?;
        let base = file.parent().unwrap_or(Path::new("."));
        let mut hasher = Sha256::new();
        hasher.update(caseload_sim::VERSION.as_bytes());
        hasher.update([0]);
        hasher.update(text.as_bytes());
        // A scenario that is not there is said at its key in the study file, with the
        // folder its path is read from.
        let missing = |key: String, scenario_file: &Path| -> Result<(), StudyError> {
            if scenario_file.exists() {
                return Ok(());
            }
            let message = format!(
                "`scenario`: {} does not exist (a relative path is read from the study file's folder, {})",
                scenario_file.display(),
                if base.as_os_str().is_empty() { Path::new(".") } else { base }.display()
            );
            Ok(config::check_values(file, &text, vec![(key, message)])?)
        };
        let mut scenarios = Vec::new();
        for (i, sim) in spec.simulation.iter().enumerate() {
            let scenario_file = base.join(&sim.scenario);
            missing(format!("simulation.{i}.scenario"), &scenario_file)?;
            let scenario_text = config::read(&scenario_file)?;
            hasher.update([0]);
            hasher.update(scenario_text.as_bytes());
            let loaded = Scenario::load(&scenario_file)?;
            if let Some(relative) = &loaded.scenario.supporters.file {
                let staff_file = scenario_file
                    .parent()
                    .unwrap_or(Path::new("."))
                    .join(relative);
                let bytes = std::fs::read(&staff_file).map_err(|source| StudyError::Io {
                    file: staff_file.clone(),
                    source,
                })?;
                hasher.update([0]);
                hasher.update(&bytes);
            }
            scenarios.push((scenario_file, scenario_text, loaded.supporters));
        }
        let mut funding_scenarios = Vec::new();
        for (i, f) in spec.funding.iter().enumerate() {
            let scenario_file = base.join(&f.scenario);
            missing(format!("funding.{i}.scenario"), &scenario_file)?;
            let scenario_text = config::read(&scenario_file)?;
            hasher.update([0]);
            hasher.update(scenario_text.as_bytes());
            for &x in &f.sweep.x {
                caseload_funding::with_parameter(
                    &scenario_file,
                    &scenario_text,
                    &f.sweep.parameter,
                    x,
                )
                .map_err(|e| StudyError::Point {
                    simulation: f.name.clone(),
                    parameter: f.sweep.parameter.clone(),
                    x,
                    message: crate::funding_failure(&e),
                })?;
            }
            funding_scenarios.push((scenario_file, scenario_text));
        }
        let hash: String = hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let study = Study {
            spec,
            scenarios,
            funding_scenarios,
            hash,
        };
        // A point whose scenario does not hold is said at its sweep in the study file
        // (the key set, or the values swept), with the point.
        for (s, sim) in study.spec.simulation.iter().enumerate() {
            for point in sim.points() {
                match study.scenario(s, &point) {
                    Ok(_) => {}
                    Err(err @ StudyError::Point { .. }) => {
                        let key = match &sim.sweep {
                            Some(sweep) if !sweep.set.is_empty() => {
                                format!("simulation.{s}.sweep.set")
                            }
                            Some(_) => format!("simulation.{s}.sweep.parameter"),
                            None => format!("simulation.{s}.scenario"),
                        };
                        config::check_values(file, &text, vec![(key, err.to_string())])?;
                    }
                    Err(other) => return Err(other),
                }
            }
        }
        Ok(study)
    }

    /// The seed of the streams named `name` (a simulation's name, or its `streams`):
    /// from the master seed and the name only.
    pub fn seed(&self, name: &str) -> u64 {
        let digest = Sha256::digest(format!("{}/{name}", self.spec.master_seed).as_bytes());
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(&digest[..8]);
        u64::from_le_bytes(bytes)
    }

    /// The scenario of simulation `s` at `point`: the file's, with the point's keys
    /// set, the study's replications and the simulation's seed.
    ///
    /// # Errors
    ///
    /// [`StudyError::Point`] if a key is not a parameter of the scenario or its value is
    /// out of range.
    pub fn scenario(&self, s: usize, point: &Point) -> Result<Scenario, StudyError> {
        let sim = &self.spec.simulation[s];
        let (file, text, _) = &self.scenarios[s];
        let problem = |message: String| StudyError::Point {
            simulation: sim.name.clone(),
            parameter: sim.parameter().unwrap_or("(none)").to_string(),
            x: point.x,
            message,
        };
        let mut table: toml::Table = config::parse(file, text)?;
        let mut set = point.set.clone();
        set.insert(
            "seed".into(),
            toml::Value::Integer(
                (self.seed(sim.streams.as_deref().unwrap_or(&sim.name)) >> 1) as i64,
            ),
        );
        set.insert(
            "replications".into(),
            toml::Value::Integer(i64::from(self.spec.replications)),
        );
        for (key, value) in &set {
            config::set_key(&mut table, key, value.clone()).map_err(problem)?;
        }
        let text = toml::to_string(&table).map_err(|e| problem(e.to_string()))?;
        Scenario::from_toml(file, &text).map_err(|err| match err {
            LoadError::Invalid(problems) => problem(
                problems
                    .iter()
                    .map(|p| p.message.clone())
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
            other => StudyError::Load(other),
        })
    }

    /// Every task, in the study's fixed order: simulation, point, policy, then blocks of
    /// `replications_per_task` replications.
    pub fn tasks(&self) -> Vec<Task> {
        let mut tasks = Vec::new();
        let block = self.spec.replications_per_task;
        for sim in &self.spec.simulation {
            for (p, point) in sim.points().iter().enumerate() {
                for policy in sim.policies() {
                    let mut from = 0;
                    while from < self.spec.replications {
                        let to = (from + block).min(self.spec.replications);
                        tasks.push(Task {
                            task: tasks.len() as u32,
                            kind: TaskKind::Simulation,
                            simulation: sim.name.clone(),
                            point: p as u32,
                            x: point.x,
                            policy: policy.clone(),
                            from,
                            to,
                        });
                        from = to;
                    }
                }
            }
        }
        for f in &self.spec.funding {
            for (p, &x) in f.sweep.x.iter().enumerate() {
                tasks.push(Task {
                    task: tasks.len() as u32,
                    kind: TaskKind::Funding,
                    simulation: f.name.clone(),
                    point: p as u32,
                    x,
                    policy: f
                        .simulate
                        .as_ref()
                        .map_or("closed_form".to_string(), |s| s.policy.clone()),
                    from: 0,
                    to: f.simulate.as_ref().map_or(0, |s| s.replications),
                });
            }
        }
        tasks
    }

    /// The manifest: the study's name and hash, and every task.
    pub fn manifest(&self) -> Manifest {
        Manifest {
            format: 1,
            study: self.spec.name.clone(),
            hash: self.hash.clone(),
            caseload_version: caseload_sim::VERSION.to_string(),
            master_seed: self.spec.master_seed,
            replications: self.spec.replications,
            simulations: self
                .spec
                .simulation
                .iter()
                .map(|sim| ManifestSimulation {
                    name: sim.name.clone(),
                    parameter: sim.parameter().map(str::to_string),
                })
                .collect(),
            funding: self
                .spec
                .funding
                .iter()
                .map(|f| ManifestFunding {
                    name: f.name.clone(),
                    parameter: f.sweep.parameter.clone(),
                    target_coverage: f.target_coverage,
                })
                .collect(),
            tasks: self.tasks(),
        }
    }
}

/// What `study plan` writes and `study merge` checks: the tasks of one version of a
/// study, under its content hash.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// The manifest's format.
    pub format: u32,
    /// The study's name.
    pub study: String,
    /// Its content hash.
    pub hash: String,
    /// The caseload that planned it: version and commit (the hash includes it).
    #[serde(default)]
    pub caseload_version: String,
    /// The study's master seed.
    #[serde(default)]
    pub master_seed: u64,
    /// Replications per point and policy.
    pub replications: u32,
    /// The simulations, in order, with their swept parameters.
    pub simulations: Vec<ManifestSimulation>,
    /// The funding sweeps, in order.
    #[serde(default)]
    pub funding: Vec<ManifestFunding>,
    /// Every task.
    pub tasks: Vec<Task>,
}

/// A funding sweep as the manifest names it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ManifestFunding {
    /// Its name.
    pub name: String,
    /// The swept key.
    pub parameter: String,
    /// The coverage asked for.
    pub target_coverage: f64,
}

/// A simulation as the manifest names it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ManifestSimulation {
    /// Its name.
    pub name: String,
    /// The swept parameter, if any.
    pub parameter: Option<String>,
}
