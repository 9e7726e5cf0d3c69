//! Any text given to the ARM importer (template engine, expression evaluator, mapper) yields a
//! topology or located diagnostics, never a panic, a hang or an internal error.
#![no_main]

use moat_arm::{ArmOptions, load_str};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Err(e) = load_str("fuzz.json", text, &ArmOptions::default()) {
            for d in e.diagnostics {
                assert!(d.code != "internal", "internal error: {}", d.message);
                assert!(
                    d.location.offset <= text.len(),
                    "a diagnostic points past the end of the input"
                );
            }
        }
    }
});
