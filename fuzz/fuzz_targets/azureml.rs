//! Any text given to the Azure ML CLI spec reader (workspace, registry, compute, endpoint and
//! connection YAML) yields a topology or located diagnostics, never a panic.
#![no_main]

use moat_doc::{Limits, SourceFile};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let file = SourceFile::new("fuzz.yml", text.to_string());
    if let Err(e) = moat_ingest::azureml::load_sources(vec![file], Limits::default()) {
        for d in e.diagnostics {
            assert!(d.code != "internal", "internal error: {}", d.message);
            assert!(
                d.location.offset <= text.len(),
                "a diagnostic points past the end of the input"
            );
        }
    }
});
