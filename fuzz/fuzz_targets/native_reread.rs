//! A bundled example changed anywhere, any way, read by parts (`moat diff`'s HEAD after its
//! BASE) reads exactly as the whole changed file does, or is read whole; never a panic.
#![no_main]

use moat_doc::{Limits, SourceFile};
use moat_ingest::native::{read_streaming, reread};

const BASE: &str = include_str!("../../examples/hub-spoke-firewall/topology.yaml");

/// Everything a read gives, as text: equal text is an equal read.
fn described(p: &moat_ingest::native::Partial) -> String {
    format!(
        "{}\n{:?}\n{:?}\n{:?}",
        serde_json::to_string(&p.topology).expect("a topology serialises"),
        p.errors,
        p.failed,
        p.skeleton
    )
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    // Two bytes of place, one of length removed, the rest written there.
    let [hi, lo, cut, rest @ ..] = data else {
        return;
    };
    let Ok(insert) = std::str::from_utf8(rest) else {
        return;
    };
    let mut at = (usize::from(*hi) << 8 | usize::from(*lo)) % (BASE.len() + 1);
    while !BASE.is_char_boundary(at) {
        at -= 1;
    }
    let mut end = (at + usize::from(*cut)).min(BASE.len());
    while !BASE.is_char_boundary(end) {
        end -= 1;
    }
    let head = format!("{}{insert}{}", &BASE[..at], &BASE[end..]);
    let base = SourceFile::new("base.yaml", BASE.to_string());
    let (_, earlier) = reread::read_keeping(&base, Limits::default()).expect("the example reads");
    let earlier = earlier.expect("the example can be read again");
    let file = SourceFile::new("head.yaml", head);
    if let Some(by_parts) = reread::read_like(&file, Limits::default(), earlier) {
        let whole = read_streaming(&file, Limits::default())
            .expect("a copy read by parts parses as a whole");
        assert_eq!(described(&by_parts), described(&whole));
    }
});
