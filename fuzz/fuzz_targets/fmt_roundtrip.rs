//! Fuzz target `fmt_roundtrip`: see `props::fmt_roundtrip` for the properties checked.
#![no_main]

#[path = "../../tests/it/fuzzing/props.rs"]
mod props;

libfuzzer_sys::fuzz_target!(|data: &[u8]| props::fmt_roundtrip(data));
