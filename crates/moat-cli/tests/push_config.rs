//! A pushed deployment's `moat.toml` judges it on the server as it judges `moat check`: its
//! parameters decide what the input leaves open, its ignored rules do not run, its
//! suppressions mark their findings; a file it names outside the deployment is refused.

mod server;

use serde_json::Value;
use server::{Serve, free_port, moat, root};
use std::path::{Path, PathBuf};
use std::process::Output;

fn scratch(name: &str) -> PathBuf {
    server::scratch("moat-push-config", name)
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

/// The bundled Terraform hub and spoke with one more firewall rule, whose destination is a
/// variable without a value: every flow that rule could allow is undecided until a value is
/// given.
fn deployment(dir: &Path) {
    copy_dir(&root().join("examples/hub-spoke-firewall/terraform"), dir);
    let main = dir.join("main.tf");
    let text = std::fs::read_to_string(&main).unwrap();
    let rule = "    { name = \"monitor\", protocols = [\"TCP\"], destinations = [\"AzureMonitor\"], ports = [\"443\"] },\n";
    assert_eq!(text.matches(rule).count(), 1);
    let text = text.replacen(
        rule,
        &format!("{rule}    {{ name = \"extra\", protocols = [\"TCP\"], destinations = [var.extra_destination], ports = [\"443\"] }},\n"),
        1,
    ) + "\nvariable \"extra_destination\" {\n  type = string\n}\n";
    std::fs::write(&main, text).unwrap();
}

fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stdout)))
}

/// Each finding as `code resource severity certainty suppressed-reason`, sorted.
fn shape(findings: &Value) -> Vec<String> {
    let mut v: Vec<String> = findings
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{} {} {} {} {}",
                f["code"].as_str().unwrap(),
                f["resource"].as_str().unwrap(),
                f["severity"].as_str().unwrap(),
                f["certainty"].as_str().unwrap_or(""),
                f["suppressed"].as_str().unwrap_or("-")
            )
        })
        .collect();
    v.sort();
    v
}

fn push(input: &Path, url: &str) -> Output {
    moat(&[
        "push",
        input.to_str().unwrap(),
        "--server",
        url,
        "--project",
        "cfg",
    ])
}

fn get(url: &str) -> Value {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (status, body) = rt
        .block_on(moat_serve::push::request("GET", url, &[], Vec::new()))
        .expect("the server answers");
    assert_eq!(status, 200, "{url}: {}", String::from_utf8_lossy(&body));
    serde_json::from_slice(&body).unwrap()
}

#[test]
fn the_server_reads_a_pushed_moat_toml_as_check_does() {
    let dir = scratch("honoured");
    let tf = dir.join("tf");
    deployment(&tf);
    // The project's options: the variable's value, a rule ignored, a finding suppressed.
    std::fs::write(
        tf.join("moat.toml"),
        "ignore = [\"WS005\"]\nlocation = \"East US\"\n\n[parameters]\nextra_destination = \"AzureMonitor\"\n\n\
         [[suppress]]\ncode = \"ST010\"\nresource = \"workspace/*\"\nreason = \"reviewed: ticket 42\"\n",
    )
    .unwrap();
    let checked = json(&moat(&["check", tf.to_str().unwrap(), "--format", "json"]));
    let unconfigured = json(&moat(&[
        "check",
        tf.to_str().unwrap(),
        "--no-config",
        "--format",
        "json",
    ]));
    // The file matters: without it the extra rule leaves flows undecided and WS005 runs.
    assert!(
        unconfigured["summary"]["undecided"].as_i64().unwrap() > 0,
        "{}",
        unconfigured["summary"]
    );
    assert_eq!(checked["summary"]["undecided"], 0, "{}", checked["summary"]);
    let expected = shape(&checked["findings"]);
    assert!(
        !expected.iter().any(|f| f.starts_with("WS005")),
        "{expected:?}"
    );
    assert!(
        expected.contains(&"ST010 workspace/ws info definite reviewed: ticket 42".to_string()),
        "{expected:?}"
    );

    let db = format!("sqlite://{}", dir.join("moat.db").display());
    let port = free_port();
    let _server = Serve::start(&db, port);
    let url = format!("http://127.0.0.1:{port}");
    let o = push(&tf, &url);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    let snap = get(&format!("{url}/api/v1/snapshots/1"));
    assert_eq!(snap["summary"], checked["summary"]);
    let stored = get(&format!("{url}/api/v1/snapshots/1/findings"));
    assert_eq!(shape(&stored["findings"]), expected);
    // Traces on the stored snapshot read it with the same values: the extra rule sends
    // AzureMonitor's traffic only, so the internet stays closed to the training computes.
    let trace = get(&format!(
        "{url}/api/v1/snapshots/1/trace?from=compute/cpu-cluster&to=internet"
    ));
    assert_eq!(trace["verdict"], "denied", "{trace}");

    // A file named outside the deployment would be the server's own: refused, located.
    for (key, value) in [
        ("service-tags", "\"../../ServiceTags_Public.json\""),
        ("with", "[\"/etc/hostname\"]"),
    ] {
        let bad = dir.join(format!("bad-{key}"));
        deployment(&bad);
        std::fs::write(bad.join("moat.toml"), format!("{key} = {value}\n")).unwrap();
        let o = push(&bad, &url);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(
            err.contains("(422)")
                && err.contains("moat.toml")
                && err.contains("outside the pushed deployment"),
            "{err}"
        );
    }
    drop(_server);
    let _ = std::fs::remove_dir_all(&dir);
}
