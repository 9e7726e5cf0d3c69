//! `moat diff BASE HEAD`: each test copies a bundled example into a temporary directory,
//! makes one change, and checks what the diff says the change does, against the document
//! sentence that makes it so.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

fn moat_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_moat"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("moat runs")
}

fn moat(args: &[&str]) -> Output {
    moat_in(&root(), args)
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// A fresh temporary directory for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("moat-diff-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), dest).unwrap();
        }
    }
}

/// A copy of `examples/<example>/topology.yaml` with `edits` applied (each `from` must occur
/// exactly once), as `<scratch>/head/topology.yaml`; returns the copy's directory.
fn edited(test: &str, example: &str, edits: &[(&str, &str)]) -> PathBuf {
    let dir = scratch(test).join("head");
    std::fs::create_dir_all(&dir).unwrap();
    let mut text =
        std::fs::read_to_string(root().join("examples").join(example).join("topology.yaml"))
            .unwrap();
    for (from, to) in edits {
        assert_eq!(
            text.matches(from).count(),
            1,
            "`{from}` occurs once in {example}"
        );
        text = text.replacen(from, to, 1);
    }
    std::fs::write(dir.join("topology.yaml"), text).unwrap();
    dir
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stdout)))
}

fn codes(v: &serde_json::Value, group: &str) -> Vec<String> {
    v["findings"][group]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{} {}",
                f["code"].as_str().unwrap(),
                f["resource"].as_str().unwrap()
            )
        })
        .collect()
}

#[test]
fn no_change_exits_zero() {
    // The same deployment twice, and once in another file order: nothing changes.
    let copy = scratch("same").join("copy");
    copy_dir(&root().join("examples/hub-spoke-firewall"), &copy);
    let o = moat(&[
        "diff",
        "examples/hub-spoke-firewall",
        copy.join("topology.yaml").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let text = stdout(&o);
    assert!(
        text.starts_with("no change (findings: 0 new, 0 fixed, "),
        "{text}"
    );
    assert!(text.contains("0 operations changed"), "{text}");
}

#[test]
fn workspace_public_access_enabled_adds_findings() {
    // Seed 004: "Inbound access to a secured Azure Machine Learning workspace is set using the
    // public network access (PNA) flag. The PNA flag setting decides if your workspace requires
    // a private endpoint or not to access the workspace." Enabling it next to the private
    // endpoint opens the public way in again: SEC002 is new, and the info finding that holds
    // only for a private workspace (WS005) is gone.
    let head = edited(
        "ws-pna",
        "private-registry",
        &[(
            "  - name: ws\n    public_network_access: Disabled",
            "  - name: ws\n    public_network_access: Enabled",
        )],
    );
    let o = moat(&[
        "diff",
        "examples/private-registry",
        head.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(1), "a new warning fails the run");
    let v = json(&o);
    let new = codes(&v, "new");
    assert!(new.contains(&"SEC002 workspace/ws".to_string()), "{new:?}");
    assert!(
        codes(&v, "fixed").contains(&"WS005 workspace/ws".to_string()),
        "{v}"
    );
    // At --severity error the same change passes: its new findings are warnings.
    let o = moat(&[
        "diff",
        "examples/private-registry",
        head.to_str().unwrap(),
        "--severity",
        "error",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
}

#[test]
fn json_shape() {
    let head = edited(
        "shape",
        "private-registry",
        &[(
            "  - name: ws\n    public_network_access: Disabled",
            "  - name: ws\n    public_network_access: Enabled",
        )],
    );
    let o = moat(&[
        "diff",
        "examples/private-registry",
        head.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let v = json(&o);
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["summary", "findings", "operations", "diagnostics"]);
    let s = &v["summary"];
    for group in ["new", "fixed", "unchanged"] {
        assert_eq!(
            s["findings"][group].as_u64().unwrap() as usize,
            v["findings"][group].as_array().unwrap().len(),
            "the summary counts the {group} findings"
        );
    }
    let f = &v["findings"]["new"][0];
    for k in [
        "code",
        "severity",
        "resource",
        "message",
        "fix",
        "fingerprint",
        "certainty",
    ] {
        assert!(f.get(k).is_some(), "a finding has `{k}`: {f}");
    }
    assert_eq!(f["fingerprint"].as_str().unwrap().len(), 16);
    assert_eq!(s["operations"], 0);
}

#[test]
fn sarif_holds_only_new_findings() {
    let head = edited(
        "sarif",
        "private-registry",
        &[(
            "  - name: ws\n    public_network_access: Disabled",
            "  - name: ws\n    public_network_access: Enabled",
        )],
    );
    let o = moat(&[
        "diff",
        "examples/private-registry",
        head.to_str().unwrap(),
        "--format",
        "sarif",
    ]);
    let v = json(&o);
    let results: Vec<&str> = v["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["ruleId"].as_str().unwrap())
        .collect();
    let j = json(&moat(&[
        "diff",
        "examples/private-registry",
        head.to_str().unwrap(),
        "--format",
        "json",
    ]));
    assert_eq!(
        results.len(),
        j["findings"]["new"].as_array().unwrap().len(),
        "{results:?}"
    );
    assert!(results.contains(&"SEC002"), "{results:?}");
    assert!(
        !results.contains(&"WS005"),
        "a fixed finding is not a result"
    );
}

fn git(dir: &Path, args: &[&str]) {
    let o = Command::new("git")
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git runs");
    assert!(
        o.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn base_ref_reads_base_from_git() {
    // A repository whose first commit holds the example and whose working tree enables the
    // workspace's public access: --base-ref HEAD compares the commit with the working tree.
    let repo = scratch("git");
    git(&repo, &["init", "-q"]);
    copy_dir(
        &root().join("examples/private-registry"),
        &repo.join("infra"),
    );
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-q", "-m", "base"]);
    let file = repo.join("infra/topology.yaml");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(
        &file,
        text.replacen(
            "  - name: ws\n    public_network_access: Disabled",
            "  - name: ws\n    public_network_access: Enabled",
            1,
        ),
    )
    .unwrap();
    let o = moat_in(
        &repo,
        &["diff", "--base-ref", "HEAD", "infra", "--format", "json"],
    );
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v = json(&o);
    assert!(
        codes(&v, "new").contains(&"SEC002 workspace/ws".to_string()),
        "{v}"
    );
    // BASE's findings name the file as git does: `<rev>:<path>`.
    let fixed = &v["findings"]["fixed"][0];
    assert_eq!(fixed["at"]["file"], "HEAD:infra/topology.yaml", "{fixed}");
    // The working tree unchanged: nothing to report.
    git(&repo, &["checkout", "-q", "--", "."]);
    let o = moat_in(&repo, &["diff", "--base-ref", "HEAD", "infra"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    // A revision that does not exist, and a path the revision does not have: bad input.
    let o = moat_in(&repo, &["diff", "--base-ref", "no-such-branch", "infra"]);
    assert_eq!(o.status.code(), Some(2));
    std::fs::create_dir_all(repo.join("later")).unwrap();
    std::fs::copy(&file, repo.join("later/topology.yaml")).unwrap();
    let o = moat_in(&repo, &["diff", "--base-ref", "HEAD", "later"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("does not exist at HEAD"));
}

#[test]
fn bad_input_exits_two() {
    let dir = scratch("bad");
    std::fs::write(dir.join("topology.yaml"), "workspaces:\n  - nme: ws\n").unwrap();
    let o = moat(&["diff", "examples/private-registry", dir.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let o = moat(&["diff", "examples/private-registry"]);
    assert_eq!(o.status.code(), Some(2), "one path without --base-ref");
}
