//! The case readers (YAML, JSON, JSONL): any input gives cases and rejections, never a panic;
//! every case keeps its events in time order, and a rejection always says where and why.
#![no_main]

use covenant::case::{read_str, CaseFormat, CaseReader, ReadOptions};
use covenant::Case;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let format = match selector % 4 {
        0 => CaseFormat::Yaml,
        1 => CaseFormat::Json,
        2 => CaseFormat::Jsonl,
        _ => CaseFormat::sniff(text),
    };
    let opts = ReadOptions {
        default_tz: (selector & 0x10 != 0).then_some(chrono_tz::Asia::Shanghai),
        ranks: (selector & 0x20 != 0).then(|| {
            vec![
                "agent".to_owned(),
                "supervisor".to_owned(),
                "manager".to_owned(),
            ]
        }),
    };
    let batch = read_str("fuzz", text, format, &opts);
    for case in &batch.cases {
        assert!(case.events.windows(2).all(|w| w[0].at <= w[1].at));
    }
    for rejected in &batch.rejected {
        assert!(rejected.source.starts_with("fuzz:"));
        assert!(!rejected.error.is_empty());
    }
    // The same text read twice, through one reader, rejects every case of the second copy as a
    // duplicate: nothing is dropped and nothing is counted twice.
    if format != CaseFormat::Jsonl {
        let mut reader = CaseReader::new(opts);
        reader.add_str("fuzz", text, format);
        reader.add_str("fuzz", text, format);
        let twice = reader.finish();
        assert_eq!(twice.cases, batch.cases);
        assert_eq!(
            twice.rejected.len(),
            2 * batch.rejected.len() + batch.cases.len()
        );
    }
    let _ = Case::from_yaml_str(text);
    let _ = Case::from_json_str(text);
});
