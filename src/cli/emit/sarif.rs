//! `--format sarif`: a SARIF 2.1.0 log with one run, rules identified by diagnostic code.

use super::Located;
use crate::diag::Code;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// Renders a SARIF log, pretty-printed, with a final line break.
pub fn render(diagnostics: &[Located]) -> String {
    let mut rule_index: BTreeMap<Code, usize> = BTreeMap::new();
    let mut rules: Vec<Value> = Vec::new();
    for d in diagnostics {
        if let std::collections::btree_map::Entry::Vacant(slot) = rule_index.entry(d.code) {
            slot.insert(rules.len());
            // The code's title, never one diagnostic's message: a rule reads the same in every run.
            rules.push(json!({
                "id": d.code,
                "shortDescription": {"text": d.code.title()},
            }));
        }
    }
    let results: Vec<Value> = diagnostics
        .iter()
        .map(|d| {
            let mut text = d.message.clone();
            if let Some(help) = &d.help {
                text.push_str("\nhelp: ");
                text.push_str(help);
            }
            let locations: Vec<Value> = d
                .place
                .iter()
                .map(|p| {
                    json!({"physicalLocation": {
                        "artifactLocation": {"uri": uri_reference(&p.file)},
                        "region": {
                            "startLine": p.line, "startColumn": p.column,
                            "endLine": p.end_line, "endColumn": p.end_column,
                        },
                    }})
                })
                .collect();
            let related: Vec<Value> = d
                .notes
                .iter()
                .enumerate()
                .map(|(id, n)| {
                    json!({
                        "id": id,
                        "message": {"text": n.message.clone().unwrap_or_default()},
                        "physicalLocation": {
                            "artifactLocation": {"uri": uri_reference(&n.place.file)},
                            "region": {
                                "startLine": n.place.line, "startColumn": n.place.column,
                                "endLine": n.place.end_line, "endColumn": n.place.end_column,
                            },
                        },
                    })
                })
                .collect();
            json!({
                "ruleId": d.code,
                "ruleIndex": rule_index.get(&d.code).copied().unwrap_or(0),
                "level": d.severity_word(),
                "message": {"text": text},
                "locations": locations,
                "relatedLocations": related,
            })
        })
        .collect();
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "covenant",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "results": results,
        }],
    });
    let mut out = serde_json::to_string_pretty(&log).unwrap_or_else(|_| "{}".into());
    out.push('\n');
    out
}

/// A file path as a URI reference (RFC 3986): every byte but the unreserved characters and `/`
/// percent-encoded (a space is `%20`, a line break `%0A`, `%` itself `%25`), a relative path kept
/// relative, an absolute one as a `file:` URI. On Windows `\` separates folders and becomes `/`;
/// elsewhere it is part of a name and is encoded.
fn uri_reference(path: &str) -> String {
    let path = if cfg!(windows) {
        path.replace('\\', "/")
    } else {
        path.to_owned()
    };
    let mut uri = String::with_capacity(path.len());
    let drive = path.as_bytes().get(1) == Some(&b':') && path.as_bytes().get(2) == Some(&b'/');
    if path.starts_with('/') {
        uri.push_str("file://");
    } else if cfg!(windows) && drive {
        uri.push_str("file:///");
    }
    for (index, byte) in path.bytes().enumerate() {
        let keep = byte.is_ascii_alphanumeric()
            || matches!(byte, b'-' | b'.' | b'_' | b'~' | b'/')
            || (cfg!(windows) && drive && index == 1);
        if keep {
            uri.push(char::from(byte));
        } else {
            uri.push_str(&format!("%{byte:02X}"));
        }
    }
    uri
}

#[cfg(test)]
mod tests {
    use super::uri_reference;

    #[test]
    fn paths_are_uri_references() {
        assert_eq!(uri_reference("policies/a.policy"), "policies/a.policy");
        assert_eq!(
            uri_reference("my policies/über 100%#1\nx:y.policy"),
            "my%20policies/%C3%BCber%20100%25%231%0Ax%3Ay.policy"
        );
        assert_eq!(uri_reference("/srv/a b.policy"), "file:///srv/a%20b.policy");
    }
}
