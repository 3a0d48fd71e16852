//! Policy text through the parser and the checker: any input gives a policy or diagnostics, never a
//! panic, and every diagnostic renders against the sources it points into.
#![no_main]

use covenant::check::{check_text, Role};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for role in [Role::Policy, Role::Auto] {
        let checked = check_text("fuzz.policy", text, role);
        for diagnostic in &checked.diagnostics {
            let rendered = diagnostic.render_plain(&checked.sources);
            assert!(!rendered.is_empty());
        }
        if role == Role::Policy {
            assert_eq!(checked.policy.is_some(), !checked.has_errors());
        }
    }
});
