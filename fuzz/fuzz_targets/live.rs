//! Any text given to the live-export reader yields a topology or located diagnostics, never a
//! panic.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Err(e) = moat_live::load_str("fuzz.json", text, moat_doc::Limits::default()) {
            for d in e.diagnostics {
                assert!(
                    d.location.offset <= text.len(),
                    "a diagnostic points past the end of the input"
                );
            }
        }
    }
});
