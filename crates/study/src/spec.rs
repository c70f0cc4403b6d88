//! The study file, its points and its tasks.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use caseload_model::config;
use caseload_model::{Caseload, LoadError, Supporter};
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
    /// The referral policies (default: fifo, priority, deadline, lottery, optimal).
    #[serde(default)]
    pub policies: Vec<String>,
    /// The swept parameter (none: one point, the scenario as written).
    #[serde(default)]
    pub sweep: Option<Sweep>,
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
    /// Its index in the study's order (simulation, point, policy, block).
    pub task: u32,
    /// The simulation's name.
    pub simulation: String,
    /// The point's index in the simulation's sweep.
    pub point: u32,
    /// The swept parameter's value (0 without a sweep).
    pub x: f64,
    /// The policy.
    pub policy: String,
    /// First replication.
    pub from: u32,
    /// One past the last.
    pub to: u32,
}

impl std::fmt::Display for Task {
    /// `task 3 (rutland, x = 1, optimal, replications 0-1)`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
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
    /// The content hash: the study file, every scenario and supporters file, and
    /// caseload's version.
    pub hash: String,
}

impl SimulationSpec {
    /// The policies, the default ones if none are named.
    pub fn policies(&self) -> Vec<String> {
        if self.policies.is_empty() {
            DEFAULT_POLICIES.iter().map(|p| p.to_string()).collect()
        } else {
            self.policies.clone()
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
                        .map(|(key, values)| (key.clone(), values[i].clone()))
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
        if self.replications == 0 {
            bad.push(("replications".into(), "must be at least 1".into()));
        }
        if self.replications_per_task == 0 {
            bad.push(("replications_per_task".into(), "must be at least 1".into()));
        }
        if self.simulation.is_empty() {
            bad.push((
                "simulation".into(),
                "the study names no [[simulation]]".into(),
            ));
        }
        let mut names = std::collections::BTreeSet::new();
        for sim in &self.simulation {
            if !names.insert(sim.name.as_str()) {
                bad.push((
                    "simulation".into(),
                    format!("two simulations are named `{}`: names must differ (each seeds its own streams)", sim.name),
                ));
            }
            for policy in sim.policies() {
                if caseload_sim::builtin(&policy).is_none() {
                    bad.push((
                        "simulation".into(),
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
                        "simulation".into(),
                        format!("{}: the sweep has no values (`x`)", sim.name),
                    ));
                }
                if let Some(x) = sweep.x.iter().find(|x| !x.is_finite()) {
                    bad.push((
                        "simulation".into(),
                        format!("{}: sweep value {x} is not a number", sim.name),
                    ));
                }
                for (key, values) in &sweep.set {
                    if values.len() != sweep.x.len() {
                        bad.push((
                            "simulation".into(),
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
        hasher.update(env!("CARGO_PKG_VERSION").as_bytes());
        hasher.update([0]);
        hasher.update(text.as_bytes());
        let mut scenarios = Vec::new();
        for sim in &spec.simulation {
            let scenario_file = base.join(&sim.scenario);
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
                // Loaded again to be sure it holds (Scenario::load did).
                let _: Vec<Supporter> = Caseload::load_supporters(&staff_file)?;
            }
            scenarios.push((scenario_file, scenario_text, loaded.supporters));
        }
        let hash: String = hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let study = Study {
            spec,
            scenarios,
            hash,
        };
        for (s, sim) in study.spec.simulation.iter().enumerate() {
            for point in sim.points() {
                study.scenario(s, &point)?;
            }
        }
        Ok(study)
    }

    /// The seed of simulation `name`'s streams: from the master seed and the name only.
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
            toml::Value::Integer((self.seed(&sim.name) >> 1) as i64),
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
        tasks
    }

    /// The manifest: the study's name and hash, and every task.
    pub fn manifest(&self) -> Manifest {
        Manifest {
            format: 1,
            study: self.spec.name.clone(),
            hash: self.hash.clone(),
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
    /// Replications per point and policy.
    pub replications: u32,
    /// The simulations, in order, with their swept parameters.
    pub simulations: Vec<ManifestSimulation>,
    /// Every task.
    pub tasks: Vec<Task>,
}

/// A simulation as the manifest names it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ManifestSimulation {
    /// Its name.
    pub name: String,
    /// The swept parameter, if any.
    pub parameter: Option<String>,
}
