//! Any text given to the Terraform importer as a `.tf` file (HCL parsing, evaluation of
//! variables, locals, expressions, `count`/`for_each`, modules, and the azurerm/azapi mapping)
//! yields a topology or located diagnostics, never a panic, a hang or an internal error.
#![no_main]

use moat_terraform::{TfOptions, load_str};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Err(e) = load_str("fuzz.tf", text, &TfOptions::default()) {
            for d in e.diagnostics {
                assert!(d.code != "internal", "internal error: {}", d.message);
                if d.location.file == "fuzz.tf" {
                    assert!(
                        d.location.offset <= text.len(),
                        "a diagnostic points past the end of the input"
                    );
                }
            }
        }
    }
});
