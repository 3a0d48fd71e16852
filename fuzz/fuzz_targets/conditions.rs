//! Fuzz target `conditions`: see `props::conditions` for the properties checked.
#![no_main]

#[path = "../../tests/it/fuzzing/props.rs"]
mod props;

libfuzzer_sys::fuzz_target!(|data: &[u8]| props::conditions(data));
