//! Fuzz target `evaluate`: see `props::evaluate` for the properties checked.
#![no_main]

#[path = "../../tests/it/fuzzing/props.rs"]
mod props;

libfuzzer_sys::fuzz_target!(|data: &[u8]| props::evaluate(data));
