//! Any text given as a parameters file, or as an inline `--parameters name=value`, for a
//! bundled template that declares parameters yields a topology or located diagnostics, never a
//! panic, a hang or an internal error. The first byte chooses the template, the second whether
//! the rest is a file or `name=value`.
#![no_main]

use moat_arm::{ArmOptions, load_str_with_parameters};
use moat_doc::SourceFile;

const TEMPLATES: [&str; 4] = [
    include_str!("../../crates/moat-arm/tests/data/hub.json"),
    include_str!("../../crates/moat-arm/tests/data/secure-ml-pe-loop.json"),
    include_str!("../../examples/hub-spoke-firewall/arm/azuredeploy.json"),
    include_str!("../../examples/isolated-aks/arm/azuredeploy.json"),
];

const PARAMETERS: &str = "fuzz.parameters.json";

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let [which, how, rest @ ..] = data else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let template = TEMPLATES[*which as usize % TEMPLATES.len()];
    let mut opts = ArmOptions::default();
    let mut files = Vec::new();
    if how % 2 == 0 {
        files.push(SourceFile::new(PARAMETERS, text.to_string()));
    } else {
        let (name, value) = text.split_once('=').unwrap_or((text, ""));
        opts.parameter_values
            .push((name.to_string(), value.to_string()));
    }
    if let Err(e) = load_str_with_parameters("fuzz.json", template, files, &opts) {
        assert!(!e.diagnostics.is_empty(), "an error without a diagnostic");
        for d in e.diagnostics {
            assert!(d.code != "internal", "internal error: {}", d.message);
            let len = match d.location.file.as_str() {
                PARAMETERS => text.len(),
                _ => template.len(),
            };
            assert!(
                d.location.offset <= len,
                "a diagnostic points past the end of its file"
            );
        }
    }
});
