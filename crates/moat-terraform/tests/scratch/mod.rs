//! Scratch directories for the tests that write a configuration of their own.

use std::path::PathBuf;

/// A directory of files written for one test (each file's folders created), removed when
/// dropped. Named after the test and the process, so that test binaries running at once do not
/// share one.
pub struct Scratch(pub PathBuf);

impl Scratch {
    pub fn new<S: AsRef<str>>(name: &str, files: &[(&str, S)]) -> Scratch {
        let dir = std::env::temp_dir().join(format!("moat-tf-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        for (rel, text) in files {
            let p = dir.join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text.as_ref()).unwrap();
        }
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
