//! Any text given to the native reader yields a topology or located diagnostics, never a panic.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Err(diags) = moat_ingest::parse_native_str("fuzz.yaml", text) {
            for d in diags {
                assert!(
                    d.location.offset <= text.len(),
                    "a diagnostic points past the end of the input"
                );
            }
        }
    }
});
