//! `moat serve` and `moat push` as processes, as the README starts them: a push stored and
//! shown, a refused push explained, and a server killed in the middle of pushes that loses
//! nothing committed and leaves nothing half-written.

mod server;

use server::{Serve, free_port, moat, root};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

fn scratch(name: &str) -> PathBuf {
    server::scratch("moat-serve-cli", name)
}

#[test]
fn push_to_a_server_started_with_one_command() {
    let dir = scratch("push");
    let db = format!("sqlite://{}", dir.join("moat.db").display());
    let port = free_port();
    let _server = Serve::start(&db, port);
    let url = format!("http://127.0.0.1:{port}");
    let o = moat(&[
        "push",
        "examples/private-registry",
        "--server",
        &url,
        "--project",
        "demo",
        "--revision",
        "r1",
    ]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{out}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(out.starts_with("snapshot 1 of demo: 0 errors"), "{out}");
    assert!(out.contains(&format!("{url}/snapshots/1")), "{out}");
    // An input moat cannot read: refused, with the file and line, exit 2.
    let bad = dir.join("bad");
    std::fs::create_dir_all(&bad).unwrap();
    std::fs::write(
        bad.join("topology.yaml"),
        "workspaces:\n  - name: ws\n    publik: 1\n",
    )
    .unwrap();
    let o = moat(&[
        "push",
        bad.to_str().unwrap(),
        "--server",
        &url,
        "--project",
        "demo",
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("(422)") && err.contains("topology.yaml:3:"),
        "{err}"
    );
    // A server that is not there.
    let o = moat(&[
        "push",
        "examples/private-registry",
        "--server",
        &format!("http://127.0.0.1:{}", free_port()),
        "--project",
        "demo",
    ]);
    assert_eq!(o.status.code(), Some(2));
    drop(_server);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn tokens_from_the_command_line() {
    let dir = scratch("tokens");
    let db = format!("sqlite://{}", dir.join("moat.db").display());
    // Binding beyond loopback without a token is refused with what to do.
    let o = moat(&["serve", "--listen", "0.0.0.0:0", "--database", &db]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("moat token create"), "{err}");
    let o = moat(&[
        "token",
        "create",
        "ci",
        "--scope",
        "push",
        "--database",
        &db,
    ]);
    assert_eq!(o.status.code(), Some(0));
    let token = String::from_utf8_lossy(&o.stdout).trim().to_string();
    assert!(token.starts_with("moat_"), "{token}");
    let o = moat(&["token", "list", "--database", &db]);
    assert_eq!(String::from_utf8_lossy(&o.stdout), "ci\tpush\n");
    let port = free_port();
    let mut server = Serve::spawn(&db, port, &["--require-tokens"]);
    server.wait_listening();
    let url = format!("http://127.0.0.1:{port}");
    let args = [
        "push",
        "examples/workspace-private-endpoint",
        "--server",
        &url,
        "--project",
        "p",
    ];
    let o = moat(&args);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("(401)"));
    let mut with = args.to_vec();
    with.extend(["--token", &token]);
    let o = moat(&with);
    assert!(
        o.status.code() != Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    drop(server);
    let o = moat(&["token", "revoke", "ci", "--database", &db]);
    assert_eq!(o.status.code(), Some(0));
    let o = moat(&["token", "revoke", "ci", "--database", &db]);
    assert_eq!(o.status.code(), Some(2));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_server_killed_during_pushes_keeps_whole_snapshots_only() {
    let dir = scratch("kill");
    let db = format!("sqlite://{}", dir.join("moat.db").display());
    let port = free_port();
    let server = Serve::start(&db, port);
    let url = format!("http://127.0.0.1:{port}");
    // Pushes in flight when the server dies.
    let pushes: Vec<Child> = (0..6)
        .map(|_| {
            Command::new(env!("CARGO_BIN_EXE_moat"))
                .args([
                    "push",
                    "examples/hub-spoke-firewall",
                    "--server",
                    &url,
                    "--project",
                    "k",
                ])
                .current_dir(root())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    std::thread::sleep(Duration::from_millis(700));
    drop(server); // SIGKILL: no graceful shutdown.
    let mut stored = 0;
    for mut p in pushes {
        if p.wait().unwrap().code() != Some(2) {
            stored += 1;
        }
    }
    // Started again over the same file, the server shows each snapshot a push was told of,
    // and every snapshot it shows is whole: its files and the four documents of its analysis.
    let port = free_port();
    let _again = Serve::start(&db, port);
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = moat_store::Store::connect(&db, Default::default())
            .await
            .unwrap();
        let snaps = store.snapshots("k").await.unwrap();
        assert!(
            snaps.len() >= stored,
            "{} stored, {stored} acknowledged",
            snaps.len()
        );
        for s in &snaps {
            assert!(
                !store.files(s.id).await.unwrap().is_empty(),
                "snapshot {} has its files",
                s.id
            );
            for kind in ["check", "operations", "reachability", "inventory"] {
                assert!(
                    store.document(s.id, kind).await.unwrap().is_some(),
                    "snapshot {} has its {kind}",
                    s.id
                );
            }
        }
        store.close().await;
    });
    let _ = std::fs::remove_dir_all(&dir);
}
