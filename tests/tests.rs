//! End-to-end tests of the `caseload` binary (one test binary, modules by command).

mod util;

mod allocate;
mod bad_input;
mod coordinator;
mod decisions;
mod equity;
mod families;
mod funding;
mod report;
mod serve;
mod simulate;
mod study;
