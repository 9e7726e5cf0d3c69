//! `moat.toml`: options found from the input's directory upward or named with `--config`,
//! overridden by the command line; suppressions with a resource pattern and a reason; every
//! mistake in the file a located error.

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

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A repository of its own (a `.git` directory stops the search for `moat.toml`) holding a copy
/// of a bundled example in `project/`.
fn repo(name: &str, example: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("moat-config-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join(".git")).unwrap();
    std::fs::create_dir_all(dir.join("project")).unwrap();
    let from = root().join("examples").join(example);
    for e in std::fs::read_dir(&from).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "yaml") {
            std::fs::copy(&p, dir.join("project").join(p.file_name().unwrap())).unwrap();
        }
    }
    dir
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", stdout(o)))
}

fn codes(v: &serde_json::Value) -> Vec<String> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_string())
        .collect()
}

const CONFIG: &str = r#"# the team's choices
select = ["EXF", "SEC"]
ignore = ["EXF002"]
severity = "error"

[[suppress]]
code = "EXF004"
resource = "storage/w*"
reason = "sharing to the registry is intended (ticket 42)"
"#;

#[test]
fn the_nearest_moat_toml_applies_from_the_input_upward() {
    let dir = repo("nearest", "private-registry");
    // At the repository's root, above the input's directory.
    std::fs::write(dir.join("moat.toml"), CONFIG).unwrap();
    let o = moat_in(&dir, &["check", "project", "--format", "json"]);
    // EXF001 and EXF003 are warnings, below the file's threshold: the run passes.
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v = json(&o);
    let found = codes(&v);
    assert!(
        found
            .iter()
            .all(|c| c.starts_with("EXF") || c.starts_with("SEC")),
        "{found:?}"
    );
    assert!(found.contains(&"EXF001".to_string()), "{found:?}");
    assert!(!found.contains(&"EXF002".to_string()), "ignored: {found:?}");
    let exf004 = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "EXF004")
        .expect("a suppressed finding stays in JSON");
    assert_eq!(
        exf004["suppressed"],
        "sharing to the registry is intended (ticket 42)"
    );
    assert_eq!(exf004["suppressed_by"], "moat.toml:6:1");
    assert_eq!(v["summary"]["suppressed"], 1);

    // In text, the suppressed finding says by what, and the summary counts it.
    let o = moat_in(&dir, &["check", "project"]);
    let text = stdout(&o);
    // Wrapped at 100 columns: read as one line.
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains("info[EXF004] storage/wsstorage: storage wsstorage (default storage of workspace ws) admits registry contosoreg (private) as a resource instance: workspace assets can be shared out to it (suppressed by moat.toml:6:1: sharing to the registry is intended (ticket 42))"),
        "{text}"
    );
    assert!(
        text.lines().last().unwrap().ends_with(", 1 suppressed"),
        "{text}"
    );

    // SARIF: an external suppression with its justification, and a valid document.
    let o = moat_in(&dir, &["check", "project", "--format", "sarif"]);
    let sarif: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let suppressed: Vec<&serde_json::Value> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r.get("suppressions").is_some())
        .collect();
    assert_eq!(suppressed.len(), 1);
    assert_eq!(suppressed[0]["ruleId"], "EXF004");
    let s = &suppressed[0]["suppressions"][0];
    assert_eq!(s["kind"], "external");
    assert_eq!(
        s["justification"],
        "sharing to the registry is intended (ticket 42)"
    );
    let errors = sarif_errors(&sarif);
    assert!(errors.is_empty(), "{errors:#?}");
}

fn sarif_errors(sarif: &serde_json::Value) -> Vec<String> {
    let schema_path = root().join("../shared/data/sarif-schema-2.1.0.json");
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(schema_path).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the SARIF schema compiles");
    validator
        .iter_errors(sarif)
        .map(|x| format!("{} at {}", x, x.instance_path()))
        .collect()
}

#[test]
fn the_command_line_overrides_the_file() {
    let dir = repo("override", "private-registry");
    std::fs::write(dir.join("project/moat.toml"), CONFIG).unwrap();
    // --severity replaces the file's threshold: the EXF warnings fail the run now.
    let o = moat_in(&dir, &["check", "project", "--severity", "warning"]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    // --select replaces the file's list, and its ignore still applies.
    let o = moat_in(
        &dir,
        &[
            "check",
            "project",
            "--select",
            "EXF002,EXF004",
            "--format",
            "json",
        ],
    );
    assert_eq!(codes(&json(&o)), ["EXF004"]);
    // --ignore replaces the file's list.
    let o = moat_in(
        &dir,
        &["check", "project", "--ignore", "SEC", "--format", "json"],
    );
    let found = codes(&json(&o));
    assert!(found.contains(&"EXF002".to_string()), "{found:?}");
    assert!(found.iter().all(|c| c.starts_with("EXF")), "{found:?}");
    // --no-config reads no file: the default threshold fails on the warnings, nothing is
    // suppressed.
    let o = moat_in(
        &dir,
        &["check", "project", "--no-config", "--format", "json"],
    );
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(json(&o)["summary"]["suppressed"], 0);
}

#[test]
fn the_search_stops_at_the_repository_root() {
    let dir = repo("stop", "private-registry");
    // Above the repository: not this project's file.
    let outer = dir
        .parent()
        .unwrap()
        .join(format!("moat-config-outer-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&outer);
    std::fs::create_dir_all(&outer).unwrap();
    std::fs::write(outer.join("moat.toml"), "select = [\"ZZZ\"]\n").unwrap();
    let inner = outer.join("repo");
    std::fs::rename(&dir, &inner).unwrap();
    let o = moat_in(&inner, &["check", "project", "--exit-zero"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // Named with --config, any file applies, relative paths in it from its own directory.
    std::fs::write(outer.join("ci.toml"), "select = [\"EXF004\"]\n").unwrap();
    let o = moat_in(
        &inner,
        &[
            "check",
            "project",
            "--config",
            "../ci.toml",
            "--format",
            "json",
        ],
    );
    assert_eq!(codes(&json(&o)), ["EXF004"]);
    let o = moat_in(&inner, &["check", "project", "--config", "../none.toml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("the configuration file ../none.toml does not exist"));
    let _ = std::fs::remove_dir_all(&outer);
}

#[test]
fn mistakes_in_the_file_are_located_errors_all_at_once() {
    let dir = repo("errors", "private-registry");
    std::fs::write(
        dir.join("moat.toml"),
        r#"select = ["EXF", "RG001"]
ignore = ["SEC0100"]

[[suppress]]
code = "SCE010"
resource = "compute/*"
reason = "why"

[[suppress]]
code = "SEC010"
resource = "compute/*"
reason = "  "

[[suppress]]
code = "SEC014"
"#,
    )
    .unwrap();
    let o = moat_in(&dir, &["check", "project"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    let heads: Vec<&str> = err
        .lines()
        .filter(|l| l.starts_with("moat.toml:"))
        .collect();
    assert_eq!(
        heads,
        [
            "moat.toml:1:18: error[unknown-rule-code]: `RG001` matches no rule code",
            "moat.toml:2:11: error[unknown-rule-code]: `SEC0100` matches no rule code",
            "moat.toml:5:8: error[unknown-rule-code]: `SCE010` matches no rule code",
            "moat.toml:12:10: error[missing-reason]: the suppression of SEC010 gives no reason",
            "moat.toml:14:1: error[missing-reason]: the suppression of SEC014 gives no reason",
        ],
        "{err}"
    );
    assert!(err.contains("help: did you mean REG001?"), "{err}");
    assert!(err.contains("help: did you mean SEC010?"), "{err}");
    assert!(err.contains("help: add reason = \"...\""), "{err}");

    // Unknown keys, every one, with the nearest key.
    std::fs::write(
        dir.join("moat.toml"),
        "selct = [\"EXF\"]\nseverity = \"error\"\n\n[[suppress]]\ncode = \"SEC010\"\nreasn = \"x\"\n",
    )
    .unwrap();
    let o = moat_in(&dir, &["check", "project", "--format", "json"]);
    assert_eq!(o.status.code(), Some(2));
    let v = json(&o);
    let d: Vec<String> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            format!(
                "{}:{}: {} ({})",
                d["location"]["line"],
                d["location"]["column"],
                d["message"].as_str().unwrap(),
                d["hint"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        d,
        [
            "1:1: unknown key `selct` (did you mean `select`?)",
            "6:1: unknown key `reasn` (did you mean `reason`?)",
        ]
    );

    // A syntax error and a value of the wrong kind.
    std::fs::write(dir.join("moat.toml"), "select = [\"EXF\"\n").unwrap();
    let o = moat_in(&dir, &["check", "project"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).starts_with("moat.toml:1:16: error[config]: unclosed array"),
        "{}",
        stderr(&o)
    );
    std::fs::write(dir.join("moat.toml"), "severity = \"fatal\"\n").unwrap();
    let o = moat_in(&dir, &["check", "project"]);
    assert!(
        stderr(&o).starts_with("moat.toml:1:12: error[config]: `fatal` is not a severity"),
        "{}",
        stderr(&o)
    );
}

/// An ARM template deployed as `az deployment group create` would, with its region and
/// parameter values in the file instead of the command line: the same findings.
#[test]
fn parameters_and_location_from_the_file_are_the_flags() {
    let template = root().join(
        "../shared/corpus/qs-e2e-secure/quickstarts/microsoft.machinelearningservices/machine-learning-end-to-end-secure/azuredeploy.json",
    );
    let dir = std::env::temp_dir().join(format!("moat-config-arm-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join(".git")).unwrap();
    std::fs::copy(&template, dir.join("azuredeploy.json")).unwrap();
    let flags = moat_in(
        &dir,
        &[
            "check",
            "azuredeploy.json",
            "--no-config",
            "--location",
            "eastus",
            "--parameters",
            "prefix=contoso",
            "--parameters",
            "dsvmJumpboxUsername=azureuser",
            "--select",
            "KV001,PE001",
            "--format",
            "json",
        ],
    );
    std::fs::write(
        dir.join("moat.toml"),
        "location = \"eastus\"\nselect = [\"KV001\", \"PE001\"]\n\n[parameters]\nprefix = \"contoso\"\ndsvmJumpboxUsername = \"azureuser\"\n",
    )
    .unwrap();
    let file = moat_in(&dir, &["check", "azuredeploy.json", "--format", "json"]);
    assert_eq!(file.status.code(), Some(1), "{}", stderr(&file));
    assert_eq!(json(&file)["findings"], json(&flags)["findings"]);
    assert!(codes(&json(&file)).contains(&"PE001".to_string()));
    // A value on the command line wins over the file's: a prefix Azure rejects in names now.
    let o = moat_in(
        &dir,
        &[
            "check",
            "azuredeploy.json",
            "--parameters",
            "prefix=Bad_Prefix!",
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    let _ = std::fs::remove_dir_all(&dir);
}

/// Paths in the file are read from its own directory, wherever moat runs.
#[test]
fn paths_in_the_file_are_relative_to_it() {
    let dir = repo("paths", "private-registry");
    std::fs::write(
        dir.join("moat.toml"),
        "service-tags = \"data/ServiceTags_Public.json\"\n",
    )
    .unwrap();
    let o = moat_in(&dir.join("project"), &["check", "."]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("cannot read the service tags file"), "{err}");
    assert!(
        err.contains("../data/ServiceTags_Public.json")
            || err.contains(&dir.join("data").display().to_string()),
        "{err}"
    );
    std::fs::create_dir_all(dir.join("data")).unwrap();
    std::fs::copy(
        root().join("../shared/data/ServiceTags_Public.json"),
        dir.join("data/ServiceTags_Public.json"),
    )
    .unwrap();
    let o = moat_in(&dir.join("project"), &["check", ".", "--exit-zero"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}
