//! `caseload study`: plan, run a shard of, and merge a study.

use caseload_study::{merge, shard_from_env, Study};

use crate::cli::StudyCommand;
use crate::output::emit;

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
            let merged = merge(dir, out.as_deref())?;
            for file in &merged.files {
                eprintln!("wrote {}", file.display());
            }
            Ok(())
        }
    }
}
