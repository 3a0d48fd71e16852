//! Fuzz target `imports`: see `props::imports` for the properties checked.
#![no_main]

#[path = "../../tests/it/fuzzing/props.rs"]
mod props;

libfuzzer_sys::fuzz_target!(|data: &[u8]| props::imports(data));
