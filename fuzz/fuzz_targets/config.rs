//! Any text given as `moat.toml` or as a policy file yields a configuration or located
//! diagnostics, never a panic.
#![no_main]

use moat_doc::SourceFile;

fn located(e: moat_doc::LoadError, len: usize) {
    assert!(!e.diagnostics.is_empty(), "an error without a diagnostic");
    for d in e.diagnostics {
        assert!(
            d.location.offset <= len,
            "a diagnostic points past the end of the input"
        );
    }
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let file = SourceFile::new("moat.toml", text.to_string());
    if let Err(e) = moat_config::parse(file.clone(), std::path::Path::new("")) {
        located(e, text.len());
    }
    if let Err(e) = moat_config::parse_policy(file) {
        located(e, text.len());
    }
});
