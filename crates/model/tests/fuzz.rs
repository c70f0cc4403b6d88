//! Fuzzing the loaders: no input makes them panic, and every rejection is located.
//!
//! Mutations of the real fixture files (bytes replaced, inserted, deleted, lines
//! duplicated) reach far more of the parser than random bytes alone. `PROPTEST_CASES`
//! raises the count for a longer run (see the README).

use std::path::Path;

use caseload_model::{Caseload, LoadError, Policy};
use proptest::prelude::*;

const SUPPORTERS: &[u8] = include_bytes!("../../../fixtures/provider-week/supporters.csv");
const REFERRALS: &[u8] = include_bytes!("../../../fixtures/provider-week/referrals.csv");
const POLICY: &str = include_str!("../../../fixtures/provider-week/policy.toml");

#[derive(Debug, Clone)]
enum Edit {
    Replace(usize, u8),
    Insert(usize, Vec<u8>),
    Delete(usize, usize),
    DuplicateLine(usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    let interesting = prop::sample::select(vec![
        b",".to_vec(),
        b"\"".to_vec(),
        b"\n".to_vec(),
        b"\r\n".to_vec(),
        b";".to_vec(),
        b"\xFF".to_vec(),
        b"\xC3".to_vec(),
        b"NaN".to_vec(),
        b"-1".to_vec(),
        b"inf".to_vec(),
        b"9999-99-99".to_vec(),
        b"1e309".to_vec(),
        b"".to_vec(),
        b" ".to_vec(),
        b"\0".to_vec(),
    ]);
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Edit::Replace(i, b)),
        (any::<usize>(), interesting).prop_map(|(i, s)| Edit::Insert(i, s)),
        (any::<usize>(), 1usize..40).prop_map(|(i, n)| Edit::Delete(i, n)),
        any::<usize>().prop_map(Edit::DuplicateLine),
    ]
}

fn apply(original: &[u8], edits: &[Edit]) -> Vec<u8> {
    let mut bytes = original.to_vec();
    for e in edits {
        if bytes.is_empty() {
            break;
        }
        match e {
            Edit::Replace(i, b) => {
                let i = i % bytes.len();
                bytes[i] = *b;
            }
            Edit::Insert(i, s) => {
                let i = i % (bytes.len() + 1);
                bytes.splice(i..i, s.iter().copied());
            }
            Edit::Delete(i, n) => {
                let i = i % bytes.len();
                let end = (i + n).min(bytes.len());
                bytes.drain(i..end);
            }
            Edit::DuplicateLine(i) => {
                let lines: Vec<&[u8]> = bytes.split_inclusive(|b| *b == b'\n').collect();
                let line = lines[i % lines.len()].to_vec();
                bytes.extend_from_slice(&line);
            }
        }
    }
    bytes
}

fn check(supporters: &[u8], referrals: &[u8]) -> Result<(), TestCaseError> {
    match Caseload::from_bytes(
        Path::new("s.csv"),
        supporters,
        Path::new("r.csv"),
        referrals,
    ) {
        Ok(caseload) => {
            prop_assert!(caseload
                .supporters
                .iter()
                .all(|s| s.hours_per_week > 0.0 && s.hours_per_week <= 60.0));
            prop_assert!(caseload
                .referrals
                .iter()
                .all(|r| (1..=5).contains(&r.priority)));
        }
        Err(LoadError::Invalid(problems)) => {
            prop_assert!(!problems.is_empty());
            for p in &problems {
                prop_assert!(p.line >= 1, "unlocated: {}", p);
                prop_assert!(!p.message.is_empty());
            }
        }
        Err(other) => prop_assert!(false, "unexpected error: {other}"),
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn mutated_supporters_never_panic(edits in prop::collection::vec(edit(), 1..8)) {
        check(&apply(SUPPORTERS, &edits), REFERRALS)?;
    }

    #[test]
    fn mutated_referrals_never_panic(edits in prop::collection::vec(edit(), 1..8)) {
        check(SUPPORTERS, &apply(REFERRALS, &edits))?;
    }

    #[test]
    fn arbitrary_bytes_never_panic(a in prop::collection::vec(any::<u8>(), 0..300), b in prop::collection::vec(any::<u8>(), 0..300)) {
        check(&a, &b)?;
    }

    #[test]
    fn mutated_policies_never_panic(edits in prop::collection::vec(edit(), 1..6)) {
        let bytes = apply(POLICY.as_bytes(), &edits);
        let text = String::from_utf8_lossy(&bytes);
        if let Err(err) = Policy::from_toml(Path::new("policy.toml"), &text) {
            for p in err.problems() {
                prop_assert!(p.line >= 1 && p.column >= 1, "unlocated: {}", p);
            }
        }
    }
}
