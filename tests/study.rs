//! `caseload study`: any split into shards, in any order, a shard run twice, merges to
//! the same bytes; a killed shard leaves no partial part and merge names what is missing.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::util::{caseload, root, scratch, stderr, stdout};

/// A small study: Rutland, 3 staffing levels, 2 policies, 6 replications in blocks of 2
/// (18 tasks).
fn small_study(dir: &Path) -> PathBuf {
    let scenario = root().join("fixtures/sim/small-area.toml");
    let file = dir.join("small.study.toml");
    std::fs::write(
        &file,
        format!(
            r#"name = "Rutland, paid supporters"
master_seed = 7
replications = 6
replications_per_task = 2

[[simulation]]
name = "rutland"
scenario = "{}"
policies = ["fifo", "optimal"]

[simulation.sweep]
parameter = "supporters.paid"
x = [1, 2, 4]
"#,
            scenario.display()
        ),
    )
    .unwrap();
    file
}

fn run_shard(study: &Path, shard: u32, of: u32, out: &Path) {
    let output = caseload(&[
        "study",
        "run",
        study.to_str().unwrap(),
        "--shard",
        &shard.to_string(),
        "--of",
        &of.to_string(),
        "--out",
        out.to_str().unwrap(),
        "--threads",
        "1",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
}

/// Writes `text` as the study file `file` and plans it: refused as bad input (exit 2),
/// its standard error.
fn plan_refused(file: &Path, text: &str) -> String {
    std::fs::write(file, text).unwrap();
    let refused = caseload(&["study", "plan", file.to_str().unwrap()]);
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
    stderr(&refused)
}

fn merged(dir: &Path) -> Vec<u8> {
    let output = caseload(&["study", "merge", dir.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    std::fs::read(dir.join("summary/summary.json")).unwrap()
}

#[test]
fn any_split_in_any_order_merges_to_the_same_bytes() {
    let dir = scratch("study-splits");
    let study = small_study(&dir);
    let plan = caseload(&["study", "plan", study.to_str().unwrap(), "--of", "3"]);
    assert!(plan.status.success(), "{}", stderr(&plan));
    assert!(stdout(&plan).contains("18 tasks"), "{}", stdout(&plan));

    let mut summaries = Vec::new();
    for (of, order) in [
        (1, vec![0]),
        (3, vec![2, 0, 1, 2]),
        (7, vec![6, 3, 0, 5, 1, 4, 2, 3]),
    ] {
        let out = dir.join(format!("results-{of}"));
        for shard in order {
            run_shard(&study, shard, of, &out);
        }
        summaries.push((of, merged(&out)));
    }
    let (_, single) = &summaries[0];
    for (of, summary) in &summaries[1..] {
        assert!(
            summary == single,
            "{of} shards merge to other bytes than one"
        );
    }
    let json: serde_json::Value = serde_json::from_slice(single).unwrap();
    let text = String::from_utf8(single.clone()).unwrap();
    assert!(!text.contains("seconds") && !text.contains(dir.to_str().unwrap()));
    let points = json["simulations"][0]["points"].as_array().unwrap();
    assert_eq!(points.len(), 3);
    // Common random numbers: the same families are referred at every staffing level and
    // under every policy.
    let referred: Vec<&serde_json::Value> = points
        .iter()
        .flat_map(|p| p["policies"].as_array().unwrap())
        .map(|p| &p["metrics"]["referred"]["mean"])
        .collect();
    assert!(referred.windows(2).all(|w| w[0] == w[1]), "{referred:?}");
    // More paid supporters never serve fewer families under the optimal policy here.
    let coverage: Vec<f64> = points
        .iter()
        .map(|p| {
            p["policies"][1]["metrics"]["coverage"]["mean"]
                .as_f64()
                .unwrap()
        })
        .collect();
    assert!(coverage[0] <= coverage[2], "{coverage:?}");
    // Every policy after the first is paired with it replication by replication: where a
    // measure is defined in every replication of both, the mean difference is the
    // difference of the means, and the first policy has no pair.
    let mut compared = 0;
    for point in points {
        let policies = point["policies"].as_array().unwrap();
        assert!(policies[0].get("paired").is_none());
        let paired = &policies[1]["paired"];
        assert_eq!(paired["baseline"], "fifo");
        for (measure, d) in paired["difference"].as_object().unwrap() {
            let (a, b) = (
                &policies[1]["metrics"][measure],
                &policies[0]["metrics"][measure],
            );
            if a["n"] == 6 && b["n"] == 6 {
                let by_means = a["mean"].as_f64().unwrap() - b["mean"].as_f64().unwrap();
                let mean = d["mean"].as_f64().unwrap();
                assert!(
                    (mean - by_means).abs() < 1e-9,
                    "{measure}: {mean} {by_means}"
                );
                assert_eq!(d["n"], 6);
                let ci = d["ci95"].as_array().unwrap();
                assert!(ci[0].as_f64().unwrap() <= mean && mean <= ci[1].as_f64().unwrap());
                compared += 1;
            }
        }
    }
    assert!(compared >= 30, "{compared}");
    // The optimal policy's weekly problems are counted, every one proven; fifo has none.
    for point in points {
        let policies = point["policies"].as_array().unwrap();
        assert!(policies[0].get("weekly_problems").is_none());
        let weekly = &policies[1]["weekly_problems"];
        assert!(weekly["solved"].as_u64().unwrap() > 0, "{weekly}");
        assert_eq!(weekly["not_proven"], 0);
    }
    let csv = std::fs::read_to_string(dir.join("results-3/summary/summary.csv")).unwrap();
    assert!(csv.starts_with("simulation,parameter,x,policy,measure,mean,ci95_low,ci95_high,n,against,difference_mean,difference_ci95_low,difference_ci95_high\n"));
    assert!(csv
        .lines()
        .any(|l| l.contains(",optimal,coverage,") && l.contains(",fifo,")));
    assert!(dir.join("results-3/summary/summary.csv").exists());
    assert!(dir.join("results-3/summary/rutland-coverage.svg").exists());

    // Results of one split merged with another split's: the same rows, so still fine.
    let mixed = dir.join("results-7");
    run_shard(&study, 1, 3, &mixed);
    assert!(merged(&mixed) == *single);
}

#[test]
fn a_killed_shard_leaves_no_partial_part_and_merge_names_the_missing_tasks() {
    let dir = scratch("study-kill");
    let study = small_study(&dir);
    let out = dir.join("results");
    run_shard(&study, 0, 2, &out);
    // Shard 1 killed after its first task.
    let mut child = Command::new(env!("CARGO_BIN_EXE_caseload"))
        .args([
            "study",
            "run",
            study.to_str().unwrap(),
            "--shard",
            "1",
            "--of",
            "2",
            "--out",
            out.to_str().unwrap(),
            "--threads",
            "1",
        ])
        .current_dir(root())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    assert!(first.starts_with("task 1 ("), "{first}");
    child.kill().unwrap();
    child.wait().unwrap();
    // Every part there is whole (a part is renamed into place only when written).
    for entry in walk(&out) {
        let name = entry.file_name().unwrap().to_str().unwrap().to_string();
        if name.starts_with("part-") {
            assert!(name.ends_with(".parquet"), "{name}");
            let bytes = std::fs::read(&entry).unwrap();
            assert!(
                bytes.starts_with(b"PAR1") && bytes.ends_with(b"PAR1"),
                "{name}"
            );
        }
    }
    let merge = caseload(&["study", "merge", out.to_str().unwrap()]);
    assert_eq!(merge.status.code(), Some(1));
    let message = stderr(&merge);
    assert!(message.contains("tasks have no results"), "{message}");
    assert!(
        message
            .contains("task 3 (rutland, x = 1, optimal, replications 0-1); run shard 1 of 2 again"),
        "{message}"
    );
    assert!(message.contains("shards 1 of 2"), "{message}");
    assert!(!out.join("summary/summary.json").exists());

    // Run it again: everything merges, as one unsharded run does.
    run_shard(&study, 1, 2, &out);
    let whole = dir.join("whole");
    run_shard(&study, 0, 1, &whole);
    assert!(merged(&out) == merged(&whole));
}

#[test]
fn a_folder_of_another_study_and_bad_shards_are_refused() {
    let dir = scratch("study-refused");
    let study = small_study(&dir);
    let out = dir.join("results");
    run_shard(&study, 0, 4, &out);
    let text = std::fs::read_to_string(&study).unwrap();
    std::fs::write(&study, text.replace("master_seed = 7", "master_seed = 8")).unwrap();
    let other = caseload(&[
        "study",
        "run",
        study.to_str().unwrap(),
        "--shard",
        "1",
        "--of",
        "4",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(other.status.code(), Some(1));
    assert!(
        stderr(&other).contains("another version of a study"),
        "{}",
        stderr(&other)
    );
    // A folder of other files (a simulation's run) is not a study's to write into.
    let run = dir.join("a-run");
    std::fs::create_dir(&run).unwrap();
    std::fs::write(run.join("summary.json"), "{}").unwrap();
    let mixed = caseload(&[
        "study",
        "plan",
        study.to_str().unwrap(),
        "--out",
        run.to_str().unwrap(),
    ]);
    assert_eq!(mixed.status.code(), Some(1), "{}", stderr(&mixed));
    assert!(
        stderr(&mixed).contains("holds `summary.json` and no study manifest"),
        "{}",
        stderr(&mixed)
    );
    assert!(!run.join("manifest.json").exists());
    // A volume's own `lost+found` is no one's output.
    let volume = dir.join("volume");
    std::fs::create_dir_all(volume.join("lost+found")).unwrap();
    let planned = caseload(&[
        "study",
        "plan",
        study.to_str().unwrap(),
        "--out",
        volume.to_str().unwrap(),
    ]);
    assert!(planned.status.success(), "{}", stderr(&planned));
    let bad = caseload(&[
        "study",
        "run",
        study.to_str().unwrap(),
        "--shard",
        "4",
        "--of",
        "4",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("from 0 to 3"), "{}", stderr(&bad));
    let none = caseload(&[
        "study",
        "run",
        study.to_str().unwrap(),
        "--shard",
        "0",
        "--of",
        "0",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(none.status.code(), Some(2));
    assert!(
        stderr(&none).contains("--of 0: a study runs as 1 shard or more"),
        "{}",
        stderr(&none)
    );
    let slurm = Command::new(env!("CARGO_BIN_EXE_caseload"))
        .args(["study", "run", study.to_str().unwrap(), "--out"])
        .arg(dir.join("slurm"))
        .env("SLURM_ARRAY_TASK_ID", "2")
        .env("SLURM_ARRAY_TASK_COUNT", "3")
        .env("JOB_COMPLETION_INDEX", "0")
        .current_dir(root())
        .output()
        .unwrap();
    assert!(slurm.status.success(), "{}", stderr(&slurm));
    assert!(
        stderr(&slurm).contains("shard 2 of 3"),
        "{}",
        stderr(&slurm)
    );
    let typo = plan_refused(&study, &text.replace("\"optimal\"]", "\"optimum\"]"));
    assert!(typo.contains("did you mean `optimal`"), "{typo}");
    // Located at the simulation's `policies` line, not its `[[simulation]]` header.
    assert!(
        typo.contains("small.study.toml:9:1: rutland: unknown policy"),
        "{typo}"
    );
    // An empty list of policies (it passed in silence as all five) and no replications
    // are refused with their key.
    for (edit, expected) in [
        (
            text.replace("policies = [\"fifo\", \"optimal\"]", "policies = []"),
            "rutland: `policies` names none",
        ),
        (
            text.replace("replications = 6", "replications = 0"),
            "`replications` must be from 1 to 100000, not 0",
        ),
        // A scenario that is not there is said at its line, with where it was looked for.
        (
            text.replace(
                "fixtures/sim/small-area.toml",
                "fixtures/sim/small-aera.toml",
            ),
            "small.study.toml:8:1: `scenario`: ",
        ),
    ] {
        let refused = plan_refused(&study, &edit);
        assert!(refused.contains(expected), "{refused}");
    }
}

/// A part copied into another task's folder is refused at merge, naming both tasks,
/// not merged as that task's results.
#[test]
fn a_part_in_the_wrong_task_folder_is_refused() {
    let dir = scratch("study-wrong-folder");
    let study = small_study(&dir);
    let out = dir.join("results");
    run_shard(&study, 0, 1, &out);
    let first = merged(&out);
    let part = |task: u32| out.join(format!("task={task:06}")).join("part-0.parquet");
    assert!(part(7).exists(), "{}", part(7).display());
    let own = std::fs::read(part(7)).unwrap();
    std::fs::copy(part(6), part(7)).unwrap();
    let refused = caseload(&["study", "merge", out.to_str().unwrap()]);
    assert_eq!(refused.status.code(), Some(1), "{}", stderr(&refused));
    assert!(
        stderr(&refused).contains("holds task 6's results, not task 7's"),
        "{}",
        stderr(&refused)
    );
    // Put back, the study merges to the same bytes as before.
    std::fs::write(part(7), own).unwrap();
    assert_eq!(merged(&out), first);
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

/// The example study plans, and its sbatch script and Kubernetes Job run it as the
/// shards it is split into.
#[test]
fn the_slurm_and_kubernetes_examples_run_the_example_study() {
    let study = root().join("examples/kent-staffing.study.toml");
    let plan = caseload(&["study", "plan", study.to_str().unwrap(), "--of", "8"]);
    assert!(plan.status.success(), "{}", stderr(&plan));
    assert!(stdout(&plan).contains("120 tasks"), "{}", stdout(&plan));

    // sbatch: valid bash, directives before the first command, an array of 8 shards,
    // and a `study run` of the example study that takes its shard from Slurm.
    let sbatch = root().join("examples/slurm/kent-staffing.sbatch");
    let syntax = Command::new("bash")
        .arg("-n")
        .arg(&sbatch)
        .output()
        .unwrap();
    assert!(syntax.status.success(), "{}", stderr(&syntax));
    let text = std::fs::read_to_string(&sbatch).unwrap();
    let first_command = text
        .lines()
        .position(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .unwrap();
    let directives: Vec<&str> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.starts_with("#SBATCH"))
        .map(|(i, l)| {
            assert!(i < first_command, "#SBATCH after the first command: {l}");
            l.trim_start_matches("#SBATCH").trim()
        })
        .collect();
    let array = directives
        .iter()
        .find_map(|d| d.strip_prefix("--array="))
        .expect("an --array directive");
    let (from, to) = array.split_once('-').unwrap();
    assert_eq!(
        (from.parse::<u32>().unwrap(), to.parse::<u32>().unwrap()),
        (0, 7)
    );
    let run = text
        .lines()
        .skip(first_command)
        .collect::<Vec<_>>()
        .join("\n");
    let run = run
        .split("caseload study run")
        .nth(1)
        .expect("the script runs a shard");
    assert!(run
        .trim_start()
        .starts_with("examples/kent-staffing.study.toml"));
    assert!(
        !run.contains("--shard") && !run.contains("--of"),
        "from Slurm's environment"
    );

    // The Job: Indexed, as many completions as the shards its pods are told of, each pod
    // given its shard by JOB_COMPLETION_INDEX.
    let job: serde_norway::Value = serde_norway::from_str(
        &std::fs::read_to_string(root().join("examples/kubernetes/kent-staffing-job.yaml"))
            .unwrap(),
    )
    .unwrap();
    assert_eq!(job["apiVersion"].as_str(), Some("batch/v1"));
    assert_eq!(job["kind"].as_str(), Some("Job"));
    let spec = &job["spec"];
    assert_eq!(spec["completionMode"].as_str(), Some("Indexed"));
    let completions = spec["completions"].as_u64().unwrap();
    assert!(spec["parallelism"].as_u64().unwrap() <= completions);
    let pod = &spec["template"]["spec"];
    assert_eq!(pod["restartPolicy"].as_str(), Some("Never"));
    let container = &pod["containers"][0];
    let command: Vec<&str> = container["command"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(
        &command[..4],
        [
            "caseload",
            "study",
            "run",
            "examples/kent-staffing.study.toml"
        ]
    );
    assert!(root().join(command[3]).exists());
    let of = command.iter().position(|a| *a == "--of").unwrap();
    assert_eq!(command[of + 1].parse::<u64>().unwrap(), completions);
    assert!(!command.contains(&"--shard"), "from JOB_COMPLETION_INDEX");
    let out = command.iter().position(|a| *a == "--out").unwrap();
    let mount = container["volumeMounts"][0]["mountPath"].as_str().unwrap();
    assert!(
        command[out + 1].starts_with(mount),
        "results on the shared volume"
    );
}

/// Funding sweeps as study tasks: the first budget that reaches the target, per rule,
/// the same whatever the split, and the LP's split never below the flat rule's.
#[test]
fn funding_sweeps_find_the_budget_that_reaches_a_target() {
    let dir = scratch("study-funding");
    let study = dir.join("budget.study.toml");
    let fixture = |name: &str| root().join("fixtures/funding").join(name);
    std::fs::write(
        &study,
        format!(
            r#"name = "budget"
[[funding]]
name = "flat"
scenario = "{}"
sweep = {{ parameter = "budget_gbp", x = [5e6, 15e6, 30e6] }}
target_coverage = 0.3

[[funding]]
name = "lp"
scenario = "{}"
sweep = {{ parameter = "budget_gbp", x = [5e6, 15e6, 30e6] }}
target_coverage = 0.3
"#,
            fixture("2016-17-flat.toml").display(),
            fixture("2016-17-max-families.toml").display()
        ),
    )
    .unwrap();
    // A value out of the scenario's range stops plan with the reason (no place in the
    // scenario file: the value is the study's).
    let text = std::fs::read_to_string(&study).unwrap();
    let too_much = dir.join("too-much.study.toml");
    std::fs::write(&too_much, text.replacen("30e6]", "1e11]", 1)).unwrap();
    let refused = caseload(&["study", "plan", too_much.to_str().unwrap()]);
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
    assert!(
        stderr(&refused).contains(
            "flat, budget_gbp = 100000000000: `budget_gbp` must be more than 0 and at most"
        ),
        "{}",
        stderr(&refused)
    );
    let split = dir.join("split");
    for shard in [1, 0] {
        run_shard(&study, shard, 2, &split);
    }
    let whole = dir.join("whole");
    run_shard(&study, 0, 1, &whole);
    let summary = merged(&split);
    assert!(summary == merged(&whole));
    let json: serde_json::Value = serde_json::from_slice(&summary).unwrap();
    let funding = json["funding"].as_array().unwrap();
    assert_eq!(funding.len(), 2);
    let coverage = |f: &serde_json::Value| -> Vec<f64> {
        f["points"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["coverage"].as_f64().unwrap())
            .collect()
    };
    let (flat, lp) = (coverage(&funding[0]), coverage(&funding[1]));
    for (f, l) in flat.iter().zip(&lp) {
        assert!(
            l + 1e-9 >= *f,
            "the LP optimum is below the flat rule: {lp:?} {flat:?}"
        );
    }
    for (f, values) in funding.iter().zip([&flat, &lp]) {
        let xs = [5e6, 15e6, 30e6];
        let expected = xs
            .iter()
            .zip(values.iter())
            .find(|(_, c)| **c >= 0.3)
            .map(|(x, _)| *x);
        assert_eq!(f["reaches_target"].as_f64(), expected, "{f}");
    }
    assert!(split.join("summary/funding.csv").exists());
    // The chart speaks as `funding --sweep`'s: the key in words, pounds on the axis,
    // a dot at each swept value, and the target drawn.
    let chart = std::fs::read_to_string(split.join("summary/funding-coverage.svg")).unwrap();
    for needle in [
        "National coverage by budget (£)",
        "£15m",
        "target 30%",
        "<circle",
    ] {
        assert!(chart.contains(needle), "{needle} not in the chart");
    }
    assert!(!chart.contains("budget_gbp"), "{chart}");
}

/// A second swept parameter: two simulations of one scenario sharing `streams` see the
/// same families, replication by replication; without it they do not.
#[test]
fn simulations_sharing_streams_see_the_same_families() {
    let dir = scratch("study-streams");
    let scenario = root().join("fixtures/sim/small-area.toml");
    let study = dir.join("grid.study.toml");
    let simulation = |name: &str, volunteers: u32, streams: &str| {
        format!(
            r#"
[[simulation]]
name = "{name}"
scenario = "{}"
policies = ["fifo"]
{streams}
[simulation.sweep]
parameter = "supporters.paid"
x = [1, 3]
set."supporters.paid" = [1, 3]
set."supporters.volunteer" = [{volunteers}, {volunteers}]
"#,
            scenario.display()
        )
    };
    std::fs::write(
        &study,
        format!(
            "name = \"grid\"\nreplications = 4\nreplications_per_task = 4\n{}{}{}",
            simulation("no volunteers", 0, "streams = \"rutland\""),
            simulation("two volunteers", 2, "streams = \"rutland\""),
            simulation("own streams", 2, ""),
        ),
    )
    .unwrap();
    let out = dir.join("results");
    run_shard(&study, 0, 1, &out);
    let json: serde_json::Value = serde_json::from_slice(&merged(&out)).unwrap();
    let referred = |s: usize| {
        json["simulations"][s]["points"][0]["policies"][0]["metrics"]["referred"]["mean"].clone()
    };
    assert_eq!(referred(0), referred(1));
    assert_ne!(referred(0), referred(2));
    // A `streams` that shares with nothing is a typo of the name meant: refused, at
    // its line.
    let typo = dir.join("typo.study.toml");
    let refused = plan_refused(
        &typo,
        &format!(
            "name = \"typo\"\nreplications = 4\n{}{}",
            simulation("rutland", 0, ""),
            simulation("more", 2, "streams = \"rutlnd\""),
        ),
    );
    assert!(
        refused.contains(":19:1: more: `streams = \"rutlnd\"` shares no families: no other simulation draws those streams (each draws its `streams`, or its own name when it has none); did you mean `rutland`?"),
        "{refused}"
    );
    // A chain shares nothing either: `more` draws `rutland`'s streams, which draws
    // `other`'s.
    let refused = plan_refused(
        &typo,
        &format!(
            "name = \"typo\"\nreplications = 4\n{}{}{}",
            simulation("rutland", 0, "streams = \"other\""),
            simulation("more", 2, "streams = \"rutland\""),
            simulation("other", 1, ""),
        ),
    );
    assert!(
        refused.contains("more: `streams = \"rutland\"` shares no families: no other simulation draws those streams (each draws its `streams`, or its own name when it has none)\n"),
        "{refused}"
    );
    // Sweeping what the study sets itself, or one value twice, is refused too.
    let refused = plan_refused(
        &dir.join("seeds.study.toml"),
        &format!(
            "name = \"seeds\"\nreplications = 4\n\n[[simulation]]\nname = \"s\"\nscenario = \"{}\"\n[simulation.sweep]\nparameter = \"seed\"\nx = [1, 2, 2]\n",
            scenario.display()
        ),
    );
    for needle in [
        "s: `seed` cannot be swept: the study draws every simulation's seed from its own `seed` and the simulation's `streams`, so every point would be the same",
        "s: the sweep value 2 is given twice",
    ] {
        assert!(refused.contains(needle), "{refused}");
    }
    // A simulation without a sweep has one point, with no swept value (null in JSON,
    // empty in CSV), not a value of 0.
    let plain = dir.join("plain.study.toml");
    std::fs::write(
        &plain,
        format!(
            "name = \"plain\"\nreplications = 2\n\n[[simulation]]\nname = \"p\"\nscenario = \"{}\"\npolicies = [\"fifo\"]\n",
            scenario.display()
        ),
    )
    .unwrap();
    let out = dir.join("plain-results");
    run_shard(&plain, 0, 1, &out);
    let json: serde_json::Value = serde_json::from_slice(&merged(&out)).unwrap();
    assert!(json["simulations"][0]["points"][0]["x"].is_null(), "{json}");
    let csv = std::fs::read_to_string(out.join("summary/summary.csv")).unwrap();
    let row = csv.lines().nth(1).unwrap();
    assert!(row.starts_with("p,,,fifo,"), "{row}");

    // A point whose scenario does not hold is said at the sweep's line in the study
    // file; the study's replications at theirs.
    let typo = dir.join("set.study.toml");
    let text = format!(
        "name = \"set\"\nreplications = 100000000\n\n[[simulation]]\nname = \"s\"\nscenario = \"{}\"\n[simulation.sweep]\nparameter = \"supporters.paid\"\nx = [1, 2]\nset.\"supporters.volunters\" = [1, 2]\n",
        scenario.display()
    );
    let refused = plan_refused(&typo, &text);
    assert!(
        refused.contains(":2:1: `replications` must be from 1 to 100000, not 100000000"),
        "{refused}"
    );
    let refused = plan_refused(
        &typo,
        &text.replace("replications = 100000000", "replications = 4"),
    );
    assert!(
        refused.contains(&format!("{}:10:", typo.display()))
            && refused.contains("s, supporters.paid = 1: "),
        "{refused}"
    );
}
