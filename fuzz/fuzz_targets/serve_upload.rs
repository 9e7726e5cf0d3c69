//! Any body pushed to `moat serve` (a tar archive of a deployment's files) is unpacked into
//! files inside the deployment's folder, or refused saying why; what unpacks is analysed as a
//! push is, or refused with its diagnostics. Never a panic, and nothing the server answers
//! names the folder the files were written to.
#![no_main]

use moat_serve::analysis::analyse;
use moat_serve::archive::{Limits, unpack};
use std::path::{Component, Path};

const LIMITS: Limits = Limits {
    archive_bytes: 1 << 20,
    total_bytes: 1 << 20,
    file_bytes: 256 << 10,
    files: 64,
};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let files = match unpack(data, LIMITS) {
        Ok(files) => files,
        Err(e) => {
            assert!(!e.to_string().is_empty(), "a refusal without a reason");
            return;
        }
    };
    assert!(!files.is_empty(), "an archive unpacked to no file");
    for w in files.windows(2) {
        assert!(w[0].0 != w[1].0, "{}: unpacked twice", w[0].0);
    }
    for (path, content) in &files {
        assert!(
            Path::new(path)
                .components()
                .all(|c| matches!(c, Component::Normal(_))),
            "{path}: outside the deployment's folder"
        );
        assert!(
            content.len() as u64 <= LIMITS.file_bytes,
            "{path}: too large"
        );
    }
    // The folder files are written to: `<temp>/moat-serve-<pid>-<n>`.
    let folder = std::env::temp_dir()
        .join(format!("moat-serve-{}-", std::process::id()))
        .display()
        .to_string();
    let leaks = |text: &str| text.contains(&folder);
    let asked = files.iter().any(|(p, c)| {
        p.contains("moat-serve-") || String::from_utf8_lossy(c).contains("moat-serve-")
    });
    match analyse(&files) {
        Ok(a) => {
            for (kind, doc) in &a.documents {
                assert!(
                    serde_json::from_str::<serde_json::Value>(doc).is_ok(),
                    "the {kind} document is not JSON"
                );
                assert!(asked || !leaks(doc), "the {kind} document names the folder");
            }
        }
        Err(r) => {
            assert!(!r.diagnostics.is_empty(), "a refusal without a diagnostic");
            for line in r.lines() {
                assert!(!line.is_empty(), "an empty diagnostic");
                assert!(
                    asked || !leaks(&line),
                    "a diagnostic names the folder: {line}"
                );
            }
        }
    }
});
