//! The formatter: text that parses formats to text that parses to the same AST (spans aside), and
//! formatting is idempotent. The formatter checks the first property itself and answers `E0901`
//! when it fails, so an `E0901` here is a formatter bug.
#![no_main]

use covenant::fmt::{format_source, without_spans};
use covenant::syntax::{ast::FileId, parse};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let file = FileId(0);
    let Ok(ast) = parse(file, text) else {
        assert!(format_source(file, text).is_err());
        return;
    };
    let formatted = match format_source(file, text) {
        Ok(formatted) => formatted,
        Err(diagnostics) => panic!("a file that parses did not format: {diagnostics:?}"),
    };
    let reparsed = match parse(file, &formatted) {
        Ok(reparsed) => reparsed,
        Err(diagnostics) => panic!("formatted text does not parse: {diagnostics:?}\n{formatted}"),
    };
    assert_eq!(without_spans(&ast), without_spans(&reparsed), "{formatted}");
    let again = format_source(file, &formatted);
    assert_eq!(again.as_deref(), Ok(formatted.as_str()), "not idempotent");
});
