//! `caseload`: decides which families get an independent supporter.
//!
//! `main` is thin: parse arguments, run the command, map errors to exit codes
//! (2 for bad input, 1 for anything else).
#![forbid(unsafe_code)]

mod allocate;
mod cli;
mod funding;
mod output;
mod recommend;
mod render;
mod serve;
mod simulate;
mod study;
mod validate;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let result = match cli.command {
        cli::Command::Allocate(args) => allocate::run(&args),
        cli::Command::Simulate(args) => simulate::run(&args),
        cli::Command::Funding(args) => funding::run(&args),
        cli::Command::Recommend(args) => recommend::run(&args),
        cli::Command::Validate(args) => validate::validate(&args),
        cli::Command::Template(args) => validate::template(&args),
        cli::Command::Serve(args) => serve::run(&args),
        cli::Command::Study(command) => study::run(&command),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // The reader went away (`caseload ... | head -1`): what it wanted, it has.
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {}", message(&err));
            ExitCode::from(exit_code(&err))
        }
    }
}

/// The error and its causes, each said once: a cause whose text its wrapper already
/// shows (an error that displays its source as well as exposing it) is not repeated.
fn message(err: &anyhow::Error) -> String {
    caseload_model::said_once(err.as_ref()).join(": ")
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// 2 when the user's input is wrong (files, dates, arguments), 1 otherwise.
fn exit_code(err: &anyhow::Error) -> u8 {
    let bad_input = err.chain().any(|cause| {
        cause.is::<caseload_model::LoadError>()
            || cause.is::<caseload_model::WeekError>()
            || cause.is::<cli::BadArgument>()
            || cause
                .downcast_ref::<caseload_study::StudyError>()
                .is_some_and(caseload_study::StudyError::is_bad_input)
            || cause
                .downcast_ref::<caseload_serve::ServeError>()
                .is_some_and(|e| matches!(e, caseload_serve::ServeError::Config(_)))
            || cause
                .downcast_ref::<caseload_solve::SolveError>()
                .is_some_and(|e| matches!(e, caseload_solve::SolveError::Decisions(_)))
            || cause
                .downcast_ref::<caseload_funding::FundingError>()
                .is_some_and(caseload_funding::FundingError::is_bad_input)
            || cause
                .downcast_ref::<caseload_sim::SimError>()
                .is_some_and(|e| matches!(e, caseload_sim::SimError::Scenario(_)))
    });
    if bad_input {
        2
    } else {
        1
    }
}
