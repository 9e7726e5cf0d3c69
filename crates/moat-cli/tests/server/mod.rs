//! `moat serve` as a process for the tests that talk to it: started on a free loopback port,
//! killed when dropped, its standard error kept in a file so that a server that stops says why.
//!
//! Each test binary that includes this module uses part of it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The workspace root, where the examples are.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// `moat ARGS` run to completion from the workspace root, with no database or token taken
/// from the environment.
pub fn moat(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_moat"))
        .args(args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .env_remove("MOAT_DATABASE")
        .env_remove("MOAT_TOKEN")
        .output()
        .expect("moat runs")
}

/// A fresh scratch directory for one test.
pub fn scratch(prefix: &str, name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("{prefix}-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A port nothing listens on now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A `moat serve` process on a loopback port, killed when dropped.
pub struct Serve {
    pub child: Child,
    pub port: u16,
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Serve {
    /// Starts `moat serve --listen 127.0.0.1:PORT --database DB EXTRA...` without waiting.
    pub fn spawn(db: &str, port: u16, extra: &[&str]) -> Serve {
        let child = Command::new(env!("CARGO_BIN_EXE_moat"))
            .args([
                "serve",
                "--listen",
                &format!("127.0.0.1:{port}"),
                "--database",
                db,
            ])
            .args(extra)
            .current_dir(root())
            .env_remove("MOAT_DATABASE")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(Self::log(port)).unwrap())
            .spawn()
            .expect("moat serve starts");
        Serve { child, port }
    }

    /// Starts a server and waits until it listens.
    pub fn start(db: &str, port: u16) -> Serve {
        let mut s = Self::spawn(db, port, &[]);
        s.wait_listening();
        s
    }

    /// Where the server's standard error goes.
    pub fn log(port: u16) -> PathBuf {
        std::env::temp_dir().join(format!("moat-serve-test-{port}.log"))
    }

    /// Waits until the server accepts connections; a server that stops first fails the test
    /// with what it printed.
    pub fn wait_listening(&mut self) {
        let port = self.port;
        let start = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "moat serve on {port} stopped ({status}): {}",
                    std::fs::read_to_string(Self::log(port)).unwrap_or_default()
                );
            }
            assert!(
                start.elapsed() < Duration::from_secs(90),
                "moat serve listens on {port}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}
