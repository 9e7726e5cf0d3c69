//! Any text given to the Terraform importer as a plan (`terraform show -json`: planned values,
//! resource changes and what is known after apply, prior state, configuration references)
//! yields a topology or located diagnostics, never a panic, a hang or an internal error.
#![no_main]

use moat_terraform::{TfOptions, load_plan_str};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Err(e) = load_plan_str("plan.json", text, &TfOptions::default()) {
        assert!(!e.diagnostics.is_empty(), "an error without a diagnostic");
        for d in e.diagnostics {
            assert!(d.code != "internal", "internal error: {}", d.message);
            assert!(
                d.location.offset <= text.len(),
                "a diagnostic points past the end of the input"
            );
        }
    }
});
