//! Regression inputs of the fuzz targets: every file in `fuzz/regressions/<target>/` once made a
//! target fail, and is checked here with the same properties the target checks (`props`).
#![allow(clippy::unwrap_used, reason = "a test fails loudly")]

#[path = "fuzzing/props.rs"]
mod props;

use std::path::Path;

/// Runs `property` on every regression input of `target`; returns how many there were.
fn replay(target: &str, property: fn(&[u8])) -> usize {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/regressions")
        .join(target);
    let Ok(entries) = std::fs::read_dir(&folder) else {
        return 0;
    };
    let mut paths: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    paths.sort();
    for path in &paths {
        let data = std::fs::read(path).unwrap();
        println!("replaying {}", path.display());
        property(&data);
    }
    paths.len()
}

#[test]
fn check_regressions() {
    replay("check", props::check);
}

#[test]
fn fmt_roundtrip_regressions() {
    replay("fmt_roundtrip", props::fmt_roundtrip);
}

#[test]
fn cases_regressions() {
    replay("cases", props::cases);
}

#[test]
fn evaluate_regressions() {
    replay("evaluate", props::evaluate);
}

/// The properties hold for the seeds: every example policy, and every case fixture in each format.
#[test]
fn seeds_satisfy_the_properties() {
    let mut policies = Vec::new();
    let mut cases = Vec::new();
    for folder in ["policies", "tests/fixtures"] {
        collect(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join(folder),
            &mut policies,
            &mut cases,
        );
    }
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("policies");
    let mut checked_fully = 0;
    for path in &policies {
        let data = std::fs::read(path).unwrap_or_default();
        props::check(&data);
        props::fmt_roundtrip(&data);
        // The example policies (the shared library aside) check without an error through the
        // property's in-memory files, their `use` included: the seeds reach the checker.
        let is_example = path
            .strip_prefix(&examples)
            .is_ok_and(|p| !p.starts_with("shared"));
        if is_example {
            let text = String::from_utf8(data).unwrap();
            let checked = props::checked(&text, covenant::check::Role::Policy);
            let errors: Vec<String> = checked
                .diagnostics
                .iter()
                .map(|d| d.render_plain(&checked.sources))
                .collect();
            assert!(checked.policy.is_some(), "{}: {errors:?}", path.display());
            checked_fully += 1;
        }
    }
    assert!(checked_fully >= 7, "{checked_fully} example policies");
    for path in &cases {
        let mut data = vec![match path.extension().and_then(|e| e.to_str()) {
            Some("json") => 0x31,
            Some("jsonl") => 0x32,
            _ => 0x30,
        }];
        data.extend(std::fs::read(path).unwrap_or_default());
        props::cases(&data);
        // Again with the venues and the vocabulary of an example policy.
        data[0] |= 0xC0;
        props::cases(&data);
    }
    props::evaluate(&[0; 64]);
    props::evaluate(&(0..=255).collect::<Vec<u8>>());
}

fn collect(
    folder: &Path,
    policies: &mut Vec<std::path::PathBuf>,
    cases: &mut Vec<std::path::PathBuf>,
) {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return;
    };
    for path in entries.flatten().map(|e| e.path()) {
        match path.extension().and_then(|e| e.to_str()) {
            _ if path.is_dir() => collect(&path, policies, cases),
            Some("policy") => policies.push(path),
            Some("yaml" | "json" | "jsonl") => cases.push(path),
            _ => {}
        }
    }
}
