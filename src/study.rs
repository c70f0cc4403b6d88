//! `caseload study`: plan, run a shard of, and merge a study.

use std::path::Path;

use caseload_study::{merge, shard_from_env, Study};

use crate::cli::{BadArgument, StudyCommand};
use crate::output::{emit, is_stdio, require_folders};

pub fn run(command: &StudyCommand) -> anyhow::Result<()> {
    match command {
        StudyCommand::Plan { study, out, of } => {
            let study = Study::load(study)?;
            let manifest = study.manifest();
            let mut text = String::new();
            text.push_str(&format!(
                "Study `{}` (hash {}): {} tasks",
                manifest.study,
                &manifest.hash[..12],
                manifest.tasks.len()
            ));
            if !study.spec.simulation.is_empty() {
                text.push_str(&format!(
                    ", {} replications per point and policy, {} per task",
                    study.spec.replications, study.spec.replications_per_task
                ));
            }
            text.push('\n');
            for task in &manifest.tasks {
                text.push_str(&task.to_string());
                if let Some(n) = of {
                    text.push_str(&format!(": shard {} of {n}", task.task % n.max(&1)));
                }
                text.push('\n');
            }
            if let Some(dir) = out {
                caseload_study::write_manifest(&study, dir)?;
                text.push_str(&format!(
                    "Manifest: {}\n",
                    dir.join("manifest.json").display()
                ));
            }
            emit(&text, None)
        }
        StudyCommand::Run {
            study,
            shard,
            of,
            out,
            threads,
        } => {
            let (shard, of) = shard_from_env(*shard, *of)?;
            let study = Study::load(study)?;
            let started = std::time::Instant::now();
            let ran = caseload_study::run(&study, shard, of, out, *threads, &|task| {
                eprintln!("{task}: done");
            })?;
            eprintln!(
                "shard {shard} of {of}: {} tasks in {:.1} s, into {}",
                ran.tasks.len(),
                started.elapsed().as_secs_f64(),
                out.display()
            );
            Ok(())
        }
        StudyCommand::Merge { dir, out } => {
            if let Some(out) = out {
                summary_out(dir, out)?;
            }
            let merged = merge(dir, out.as_deref())?;
            for file in &merged.files {
                eprintln!("wrote {}", file.display());
            }
            Ok(())
        }
    }
}

/// `merge --out FILE.json`: a JSON file in a folder that exists, outside the results
/// folder (whose manifest and parts the study needs: writing the summary over the
/// manifest made the folder unusable).
fn summary_out(dir: &Path, out: &Path) -> Result<(), BadArgument> {
    if is_stdio(out) {
        return Ok(());
    }
    let json = out
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    if !json {
        return Err(BadArgument(format!(
            "--out {}: the summary is JSON; give a file ending in .json",
            out.display()
        )));
    }
    require_folders([("--out", Some(out))])?;
    let folder = out.parent().filter(|f| !f.as_os_str().is_empty());
    let inside = match (
        std::fs::canonicalize(dir),
        std::fs::canonicalize(folder.unwrap_or(Path::new("."))),
    ) {
        (Ok(dir), Ok(folder)) => folder.starts_with(dir),
        _ => false,
    };
    if inside {
        return Err(BadArgument(format!(
            "--out {}: that is inside the results folder {}, whose files the study needs; write it elsewhere (the summary is written into {}/summary as well)",
            out.display(),
            dir.display(),
            dir.display()
        )));
    }
    Ok(())
}
