//! `moat diff BASE HEAD`: each test copies a bundled example into a temporary directory,
//! makes one change, and checks what the diff says the change does, against the document
//! sentence that makes it so.

use moat_engine::Code;
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
    // The same deployment twice: nothing changes.
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
    // Pairs and findings are matched by name, never by position: the private endpoints listed
    // in the opposite order, every resource a line further down, change nothing.
    let text =
        std::fs::read_to_string(root().join("examples/private-registry/topology.yaml")).unwrap();
    let (head, rest) = text.split_once("private_endpoints:\n").unwrap();
    let (pes, tail) = rest.split_once("\nprivate_dns_zones:").unwrap();
    let mut entries: Vec<String> = Vec::new();
    for line in pes.lines() {
        if line.starts_with("  - ") {
            entries.push(format!("{line}\n"));
        } else if let Some(last) = entries.last_mut() {
            last.push_str(&format!("{line}\n"));
        }
    }
    assert_eq!(entries.len(), 8, "{pes}");
    entries.reverse();
    let moved = format!(
        "# moved one line down\n{head}private_endpoints:\n{}\nprivate_dns_zones:{tail}",
        entries.concat()
    );
    let dir = scratch("reordered");
    std::fs::write(dir.join("topology.yaml"), moved).unwrap();
    let o = moat(&["diff", "examples/private-registry", dir.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stdout(&o).starts_with("no change ("), "{}", stdout(&o));
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
    // The new finding carries its fix as code, with the edit of HEAD's file.
    let sec002 = v["findings"]["new"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "SEC002")
        .unwrap();
    let code = &sec002["fix_code"][0];
    assert_eq!(code["input"], "native", "{sec002}");
    assert_eq!(code["edits"][0]["text"], "Disabled", "{sec002}");
    assert!(
        code["edits"][0]["file"]
            .as_str()
            .unwrap()
            .ends_with("topology.yaml"),
        "{sec002}"
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
    assert_eq!(
        keys,
        ["summary", "findings", "operations", "flows", "diagnostics"]
    );
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
    for change in ["opened", "closed", "may_have_opened", "may_have_closed"] {
        let kebab = change.replace('_', "-");
        let n = v["flows"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["change"] == kebab.as_str())
            .count();
        assert_eq!(s["flows"][change].as_u64().unwrap() as usize, n, "{change}");
    }
    // A flow change: its ends by address, the verdicts, the hop that differs, both traces.
    let route = edited(
        "shape-route",
        "hub-spoke-firewall",
        &[(
            "route_table: spoke-rt, network_security_group: training-nsg",
            "network_security_group: training-nsg",
        )],
    );
    let (_, v) = diff_json("hub-spoke-firewall", &route);
    let f = &v["flows"][0];
    let keys: Vec<&str> = f.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "from",
            "to",
            "change",
            "before",
            "after",
            "cause",
            "trace_before",
            "trace_after"
        ]
    );
    for side in ["before", "after"] {
        for k in ["step", "element", "decision", "code", "detail"] {
            assert!(f["cause"][side].get(k).is_some(), "cause.{side}.{k}: {f}");
        }
    }
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
    // Code scanning offers the fix: SEC002's result has its replacement.
    let sec002 = v["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "SEC002")
        .unwrap();
    assert!(sec002["fixes"][0]["artifactChanges"].is_array(), "{sec002}");
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
fn base_ref_copy_reads_no_configuration_above_it() {
    // BASE is copied into the temporary directory; a `moat.toml` in that directory (or above
    // it) belongs to nobody's repository and must not be read for BASE, as it would not be
    // for the repository itself, whose root stops the search.
    let repo = scratch("git-ceiling");
    git(&repo, &["init", "-q"]);
    copy_dir(
        &root().join("examples/private-registry"),
        &repo.join("infra"),
    );
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-q", "-m", "base"]);
    let tmp = scratch("git-ceiling-tmp");
    std::fs::write(tmp.join("moat.toml"), "no-such-option = true\n").unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_moat"))
        .args(["diff", "--base-ref", "HEAD", "infra"])
        .current_dir(&repo)
        .env("NO_COLOR", "1")
        .env("TMPDIR", &tmp)
        .output()
        .expect("moat runs");
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
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

/// `moat diff examples/<example> <head> --format json`: the exit status and the report.
fn diff_json(example: &str, head: &Path) -> (Option<i32>, serde_json::Value) {
    let o = moat(&[
        "diff",
        &format!("examples/{example}"),
        head.to_str().unwrap(),
        "--format",
        "json",
    ]);
    (o.status.code(), json(&o))
}

/// The flow changes of one kind, as `from -> to`.
fn flows(v: &serde_json::Value, change: &str) -> Vec<String> {
    v["flows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["change"] == change)
        .map(|f| {
            format!(
                "{} -> {}",
                f["from"].as_str().unwrap(),
                f["to"].as_str().unwrap()
            )
        })
        .collect()
}

/// The flow change from `from` to `to`.
fn flow<'v>(v: &'v serde_json::Value, from: &str, to: &str) -> &'v serde_json::Value {
    v["flows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["from"] == from && f["to"] == to)
        .unwrap_or_else(|| panic!("no change of {from} -> {to}: {}", v["flows"]))
}

/// The opposite change (HEAD as BASE, BASE as HEAD) says the opposite: every flow the change
/// opened it closes and the other way round, with the same hop responsible, seen from the
/// other side. `forward` is the report of `moat diff examples/<example> <head>`.
fn undone_says_the_opposite(example: &str, head: &Path, forward: &serde_json::Value) {
    let o = moat(&[
        "diff",
        head.to_str().unwrap(),
        &format!("examples/{example}"),
        "--format",
        "json",
    ]);
    let back = json(&o);
    let opposite = |c: &str| match c {
        "opened" => "closed",
        "closed" => "opened",
        "may-have-opened" => "may-have-closed",
        _ => "may-have-opened",
    };
    let fwd = forward["flows"].as_array().unwrap();
    assert_eq!(
        fwd.len(),
        back["flows"].as_array().unwrap().len(),
        "{}",
        back["flows"]
    );
    for f in fwd {
        let (from, to) = (f["from"].as_str().unwrap(), f["to"].as_str().unwrap());
        let b = flow(&back, from, to);
        assert_eq!(
            b["change"],
            opposite(f["change"].as_str().unwrap()),
            "{from} -> {to}"
        );
        assert_eq!((&b["before"], &b["after"]), (&f["after"], &f["before"]));
        for (x, y) in [("before", "after"), ("after", "before")] {
            for key in ["step", "element", "decision", "code"] {
                assert_eq!(
                    b["cause"][x][key], f["cause"][y][key],
                    "{from} -> {to}: the cause's {key}"
                );
            }
        }
    }
}

#[test]
fn route_to_the_firewall_removed_opens_the_internet() {
    // Facts §1.9: "UDR for outbound via firewall | Route `0.0.0.0/0`, next hop = firewall
    // private IP". Without the route table the training subnet's default route is the system
    // route to the internet, so its computes reach the internet directly, past the firewall's
    // implicit deny: a flow from the deployment to the internet opens, and the run fails.
    let head = edited(
        "route",
        "hub-spoke-firewall",
        &[(
            "route_table: spoke-rt, network_security_group: training-nsg",
            "network_security_group: training-nsg",
        )],
    );
    let (code, v) = diff_json("hub-spoke-firewall", &head);
    assert_eq!(code, Some(1), "an opened internet flow fails the run");
    let opened = flows(&v, "opened");
    for f in [
        "compute/cpu-cluster -> internet",
        "compute/ci-alice -> internet",
    ] {
        assert!(opened.contains(&f.to_string()), "{opened:?}");
    }
    // The scoring subnet keeps its route table: its AKS cluster still goes through the firewall.
    assert!(!opened.iter().any(|f| f.starts_with("aks/")), "{opened:?}");
    let f = flow(&v, "compute/cpu-cluster", "internet");
    assert_eq!(
        (f["before"].as_str(), f["after"].as_str()),
        (Some("denied"), Some("allowed"))
    );
    // The hop that differs is the route: to the firewall before, to the internet now.
    assert_eq!(f["cause"]["before"]["step"], "route");
    assert_eq!(f["cause"]["after"]["step"], "route");
    assert_eq!(
        f["cause"]["after"]["code"],
        Code::RouteInternet.as_str(),
        "{}",
        f["cause"]
    );
    assert_eq!(f["trace_before"]["verdict"], "denied");
    assert_eq!(f["trace_after"]["verdict"], "allowed");
    // The element responsible: the training subnet's routes, the route table's route to the
    // firewall before, the system route after.
    assert_eq!(
        f["cause"]["after"]["element"],
        "routes of subnet spoke-vnet/training"
    );
    assert_eq!(
        f["cause"]["before"]["detail"],
        "route to-firewall of spoke-rt: 0.0.0.0/0 -> VirtualAppliance 10.100.0.4"
    );
    assert_eq!(
        f["cause"]["after"]["detail"],
        "system route 0.0.0.0/0 -> Internet"
    );
    // Attaching the route table again closes what detaching it opened.
    undone_says_the_opposite("hub-spoke-firewall", &head, &v);
}

#[test]
fn nsg_rule_denying_the_internet_closes_it() {
    // Seed 004: "If you want to remove the firewall requirement, you can use network security
    // groups and Azure Virtual Network NAT to allow internet outbound from your private compute
    // resources." The example allows it through Azure's default rule; a deny rule for the
    // Internet tag before that default closes the computes' internet outbound.
    let head = edited(
        "nsg",
        "private-registry",
        &[(
            "      - { name: PrivateEndpoints, priority: 200,",
            "      - { name: DenyInternet, priority: 4000, direction: Outbound, access: Deny, protocol: '*',\n          destination: Internet, destination_ports: '*' }\n      - { name: PrivateEndpoints, priority: 200,",
        )],
    );
    let (_, v) = diff_json("private-registry", &head);
    assert_eq!(
        flows(&v, "closed"),
        ["compute/cpu-cluster -> internet"],
        "{}",
        v["flows"]
    );
    assert!(flows(&v, "opened").is_empty());
    let f = flow(&v, "compute/cpu-cluster", "internet");
    assert_eq!(f["cause"]["after"]["step"], "nsg");
    assert_eq!(
        f["cause"]["after"]["element"],
        "nsg training-nsg (outbound, subnet vnet/training)"
    );
    assert_eq!(f["cause"]["before"]["decision"], "pass");
    // Removing the deny rule opens the internet again, and fails the run.
    undone_says_the_opposite("private-registry", &head, &v);
    let o = moat(&[
        "diff",
        head.to_str().unwrap(),
        "examples/private-registry",
        "--select",
        "SEC",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    // A closed flow alone does not fail the run (the new image-build findings do): with only
    // the rules this change does not touch, the exit status is 0.
    let o = moat(&[
        "diff",
        "examples/private-registry",
        head.to_str().unwrap(),
        "--select",
        "SEC",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("Flows closed\n  compute/cpu-cluster -> internet: allowed -> denied")
    );
    assert_eq!(f["cause"]["after"]["decision"], "block");
    assert!(
        f["cause"]["after"]["detail"]
            .as_str()
            .unwrap()
            .contains("DenyInternet"),
        "{}",
        f["cause"]
    );
}

/// A hop reads the same in `moat diff` as in `moat trace`: the line that says where a flow's
/// verdict changed is the hop's line in the trace of that flow, its kind once, then the
/// element. The change is the NSG deny rule above (seed 004, "you can use network security
/// groups ... to allow internet outbound").
#[test]
fn where_a_flow_changed_reads_as_its_trace_reads_the_hop() {
    let head = edited(
        "changed-at",
        "private-registry",
        &[(
            "      - { name: PrivateEndpoints, priority: 200,",
            "      - { name: DenyInternet, priority: 4000, direction: Outbound, access: Deny, protocol: '*',\n          destination: Internet, destination_ports: '*' }\n      - { name: PrivateEndpoints, priority: 200,",
        )],
    );
    let words = |l: &str| l.split_whitespace().collect::<Vec<_>>().join(" ");
    let diff = stdout(&moat(&[
        "diff",
        "examples/private-registry",
        head.to_str().unwrap(),
    ]));
    let changed: Vec<&str> = diff
        .lines()
        .skip_while(|l| !l.contains("compute/cpu-cluster -> internet: allowed -> denied"))
        .skip_while(|l| l.trim() != "changed at:")
        .skip(1)
        .take(2)
        .collect();
    let hop = |when: &str| {
        changed
            .iter()
            .find_map(|l| l.trim().strip_prefix(when))
            .unwrap_or_else(|| panic!("no `{when}` line: {diff}"))
            .to_string()
    };
    for (when, dir) in [
        ("before:", PathBuf::from("examples/private-registry")),
        ("after:", head.clone()),
    ] {
        let trace = stdout(&moat(&[
            "trace",
            dir.to_str().unwrap(),
            "--from",
            "compute/cpu-cluster",
            "--to",
            "internet",
        ]));
        let line = words(&hop(when));
        assert!(
            trace.lines().any(|l| words(l) == line),
            "{when} {line}\nnot a line of the trace:\n{trace}"
        );
    }
}

#[test]
fn firewall_rule_allowing_everything_opens_the_internet() {
    // Seed 004: "you might have a hub-spoke or mesh network architecture, firewall, network
    // virtual appliance, proxy, and user defined routing. In either case, make sure to allow
    // inbound and outbound with your network security components." The firewall is what
    // decides the spokes' outbound: a network rule allowing any destination opens the internet
    // to every spoke workload behind it.
    let head = edited(
        "firewall",
        "hub-spoke-firewall",
        &[(
            "              - { name: monitor,",
            "              - { name: any, protocols: [Any], source_addresses: [10.0.0.0/16], destination_addresses: ['*'], destination_ports: ['*'] }\n              - { name: monitor,",
        )],
    );
    let (code, v) = diff_json("hub-spoke-firewall", &head);
    assert_eq!(code, Some(1));
    let opened = flows(&v, "opened");
    for f in [
        "compute/cpu-cluster -> internet",
        "compute/ci-alice -> internet",
        "aks/scoring-aks -> internet",
    ] {
        assert!(opened.contains(&f.to_string()), "{opened:?}");
    }
    let f = flow(&v, "aks/scoring-aks", "internet");
    assert_eq!(f["cause"]["before"]["step"], "firewall");
    assert_eq!(f["cause"]["before"]["decision"], "block");
    assert_eq!(f["cause"]["after"]["decision"], "pass");
    assert_eq!(f["cause"]["after"]["element"], "firewall hub-fw");
    // The rule responsible, by name, where HEAD declares it.
    assert_eq!(
        f["cause"]["after"]["detail"],
        "allowed by network rule aml-service-tags/any (firewall policy fw-policy group azureml)"
    );
    let at = &f["cause"]["after"]["at"];
    assert!(
        at["pointer"]
            .as_str()
            .unwrap()
            .ends_with("/network_rule_collections/0/rules/8"),
        "{at}"
    );
    // Removing the rule closes what it opened.
    undone_says_the_opposite("hub-spoke-firewall", &head, &v);
}

#[test]
fn dns_zone_unlinked_closes_the_private_path() {
    // Facts §6.104: "Hub-and-spoke: one zone, linked to all VNets with clients." Unlinked from
    // the VNet, privatelink.azurecr.io no longer answers there: the container registries'
    // names resolve to their public addresses, which refuse every network.
    let head = edited(
        "dns",
        "private-registry",
        &[(
            "  - { name: privatelink.azurecr.io, vnet_links: [vnet] }",
            "  - { name: privatelink.azurecr.io, vnet_links: [] }",
        )],
    );
    let (code, v) = diff_json("private-registry", &head);
    assert_eq!(code, Some(1), "jobs stop working: new errors");
    let closed = flows(&v, "closed");
    for f in [
        "compute/cpu-cluster -> acr/wsacr",
        "compute/cpu-cluster -> registry/contosoreg:acr",
        "client/datasci -> acr/wsacr",
    ] {
        assert!(closed.contains(&f.to_string()), "{closed:?}");
    }
    let f = flow(&v, "compute/cpu-cluster", "acr/wsacr");
    assert_eq!(
        f["cause"]["before"]["code"],
        Code::DnsPrivateZone.as_str(),
        "{}",
        f["cause"]
    );
    assert_eq!(
        f["cause"]["after"]["code"],
        Code::DnsPublicEndpoint.as_str()
    );
    // The element responsible: name resolution in the VNet, which answered from the linked
    // zone before and gives the public address now.
    assert_eq!(
        f["cause"]["after"]["element"],
        "Azure DNS (168.63.129.16) from VNet vnet"
    );
    let before = f["cause"]["before"]["detail"].as_str().unwrap();
    assert!(
        before.contains("from linked zone privatelink.azurecr.io"),
        "{before}"
    );
    // Linking the zone again opens the private path again.
    undone_says_the_opposite("private-registry", &head, &v);
    let ops: Vec<&str> = v["operations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["op"].as_str().unwrap())
        .collect();
    assert!(ops.contains(&"job.run"), "{ops:?}");
}

#[test]
fn private_endpoint_removed_closes_the_registry_storage() {
    // Seed 000: "you can create a private endpoint from the existing virtual network to Azure
    // Machine Learning registry and it's associated resources (storage and ACR)." Without the
    // registry storage's private endpoint, that storage (public access disabled) is out of
    // reach, and the pair from the subnet to the endpoint is gone with it.
    let head = edited(
        "pe",
        "private-registry",
        &[(
            "  - { name: contosoreg-storage-pe, subnet: vnet/pe, target: \"registry/contosoreg:storage\", group_id: blob,\n      ip_address: 10.0.3.10, dns_zone_group: [privatelink.blob.core.windows.net] }\n",
            "",
        )],
    );
    let (code, v) = diff_json("private-registry", &head);
    assert_eq!(code, Some(1));
    let closed = flows(&v, "closed");
    assert!(
        closed.contains(&"compute/cpu-cluster -> registry/contosoreg:storage".to_string()),
        "{closed:?}"
    );
    let gone = flow(
        &v,
        "subnet/vnet/training",
        "private-endpoint/contosoreg-storage-pe",
    );
    assert_eq!(gone["before"], "allowed");
    assert!(
        gone["after"].is_null(),
        "the endpoint no longer exists: {gone}"
    );
    assert!(codes(&v, "new").contains(&"REG001 registry/contosoreg:storage".to_string()));
    // The element responsible: the private endpoint. Name resolution parts first (the
    // privatelink CNAME is gone with it), and the endpoint's hop is in the trace before only.
    let f = flow(&v, "compute/cpu-cluster", "registry/contosoreg:storage");
    assert_eq!(
        f["cause"]["before"]["code"],
        Code::DnsCnamePrivatelink.as_str()
    );
    let after = f["cause"]["after"]["detail"].as_str().unwrap();
    assert!(after.contains("no private endpoint connection"), "{after}");
    let pe_hop = |t: &serde_json::Value| {
        t["hops"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["element"] == "private endpoint contosoreg-storage-pe")
    };
    assert!(pe_hop(&f["trace_before"]));
    assert!(!pe_hop(&f["trace_after"]));
    assert!(pe_hop(&gone["trace_before"]), "{gone}");
    // Adding the endpoint opens what removing it closed; the pair from the subnet exists only
    // on the side that has the endpoint.
    undone_says_the_opposite("private-registry", &head, &v);
}

#[test]
fn public_access_disabled_closes_the_public_registry() {
    // Seed 000: "Using network isolation with private endpoints prevents the network traffic
    // from going over the public internet"; this registry has no private endpoint, so with
    // public network access disabled nothing reaches it. The resource firewall is the hop that
    // changed.
    let head = edited(
        "pna",
        "secure-workspace-public-registry",
        &[(
            "  - name: contosoreg\n    public_network_access: Enabled",
            "  - name: contosoreg\n    public_network_access: Disabled",
        )],
    );
    let (code, v) = diff_json("secure-workspace-public-registry", &head);
    assert_eq!(code, Some(1), "the registry's operations fail: new errors");
    let closed = flows(&v, "closed");
    assert!(
        closed.contains(&"compute/cpu-cluster -> registry/contosoreg".to_string()),
        "{closed:?}"
    );
    let f = flow(&v, "compute/cpu-cluster", "registry/contosoreg");
    assert_eq!(f["cause"]["after"]["step"], "resource-firewall");
    assert_eq!(f["cause"]["after"]["code"], Code::RfPublicDisabled.as_str());
    assert_eq!(
        f["cause"]["after"]["element"],
        "registry contosoreg registry"
    );
    assert_eq!(f["cause"]["before"]["decision"], "pass");
    assert_eq!(f["cause"]["after"]["decision"], "block");
    // The flag as HEAD declares it, at its line.
    assert_eq!(
        f["cause"]["after"]["at"]["line"], 29,
        "{}",
        f["cause"]["after"]
    );
    // Enabling public access again opens the registry to everyone again.
    undone_says_the_opposite("secure-workspace-public-registry", &head, &v);
    assert!(codes(&v, "new").contains(&"REG007 registry/contosoreg".to_string()));
}

#[test]
fn terraform_value_left_open_may_open_a_flow_but_does_not() {
    // The project's rule for what the input leaves open: "A value the input does not determine
    // (a parameter without value, an attribute known only after apply) stays unknown until a
    // decision reads it, and the decision is unknown unless every value it may take gives the
    // same answer." A firewall rule to a destination given by a variable without value may
    // allow the internet or not: the spokes' internet flows *may have opened*; none opened,
    // and they do not fail the run. Two Terraform directories, BASE the bundled one.
    let dir = scratch("tf").join("head");
    copy_dir(&root().join("examples/hub-spoke-firewall/terraform"), &dir);
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
    let o = moat(&[
        "diff",
        "examples/hub-spoke-firewall/terraform",
        dir.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let v = json(&o);
    assert!(flows(&v, "opened").is_empty(), "{}", v["flows"]);
    let may = flows(&v, "may-have-opened");
    assert!(
        may.contains(&"compute/cpu-cluster -> internet".to_string()),
        "{may:?}"
    );
    let f = flow(&v, "compute/cpu-cluster", "internet");
    assert_eq!(
        (f["before"].as_str(), f["after"].as_str()),
        (Some("denied"), Some("unknown"))
    );
    let missing = f["trace_after"]["missing"].to_string();
    assert!(missing.contains("extra_destination"), "{missing}");
    // Only flows that surely open fail the run: with no new finding selected, exit 0; with
    // --fail-on-undecided, one that may have opened to the internet fails it too.
    let o = moat(&[
        "diff",
        "examples/hub-spoke-firewall/terraform",
        dir.to_str().unwrap(),
        "--select",
        "WS005",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let o = moat(&[
        "diff",
        "examples/hub-spoke-firewall/terraform",
        dir.to_str().unwrap(),
        "--select",
        "WS005",
        "--fail-on-undecided",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
}

/// README, diff: "The exit status is 1 when the change adds decided findings at or above
/// `--severity` ... 0 otherwise (also ... when what it adds is undecided)"; with
/// `--fail-on-undecided` undecided new findings fail it too. HEAD adds an NSG rule denying SMB
/// to the storage's file endpoint on a condition given by a parameter without value: ST008
/// (facts §6.55, "Port 445 must be open privately between computes and the default storage")
/// is new and holds only if the rule is deployed.
#[test]
fn an_undecided_new_finding_fails_the_run_only_when_asked() {
    let dir = scratch("undecided");
    let head = root().join("crates/moat-cli/tests/data/may_exist/arm/conditional-smb-rule.json");
    let text = std::fs::read_to_string(&head).unwrap();
    // BASE: the same template without the conditional rule.
    let start = text
        .find(",\n    { \"condition\"")
        .expect("the conditional rule");
    let end = start + text[start..].find("\n  ]").unwrap();
    let base = dir.join("base.json");
    std::fs::write(&base, format!("{}{}", &text[..start], &text[end..])).unwrap();
    let (b, h) = (base.to_str().unwrap(), head.to_str().unwrap());
    let diff = |extra: &[&str]| {
        let mut args = vec!["diff", b, h, "--select", "ST008", "--format", "json"];
        args.extend_from_slice(extra);
        moat(&args)
    };
    let o = diff(&[]);
    let v = json(&o);
    assert_eq!(codes(&v, "new"), ["ST008 storage/wsdata:file"], "{v}");
    assert_eq!(v["findings"]["new"][0]["certainty"], "undecided", "{v}");
    assert_eq!(o.status.code(), Some(0), "{v}");
    assert_eq!(diff(&["--fail-on-undecided"]).status.code(), Some(1));
    // Given, the rule is deployed and the new finding decided.
    let o = diff(&["--parameters", "denySmb=true"]);
    assert_eq!(json(&o)["findings"]["new"][0]["certainty"], "definite");
    assert_eq!(o.status.code(), Some(1));
}

/// A name the input leaves unknown reads as the expression its value stands for, whatever
/// else the input holds: the head adds a second value from the parameter that names the base's
/// VNet (the parameter lower-cased, naming another VNet), and the base's VNet still reads
/// `⟨parameters('vnetName')⟩`, so its findings are the same findings, neither fixed nor new.
/// Only what the head adds is new: the second endpoint, with no DNS zone group, in a VNet that
/// is "not declared by the input" (PE001, facts: a private endpoint whose target needs
/// privatelink zones has none, and the VNet's DNS is unknown).
#[test]
fn a_second_value_from_a_parameter_leaves_the_first_names_findings_unchanged() {
    let data = "crates/moat-cli/tests/data/diff_unknown_names";
    let o = moat(&[
        "diff",
        &format!("{data}/base"),
        &format!("{data}/head"),
        "--format",
        "json",
    ]);
    let v = json(&o);
    assert!(codes(&v, "fixed").is_empty(), "{v:#}");
    let unchanged = codes(&v, "unchanged");
    for f in [
        "PE001 private-endpoint/pe-mlw",
        "PE008 subnet/⟨parameters('vnetName')⟩/snet-pe",
        "DNS001 vnet/⟨parameters('vnetName')⟩",
    ] {
        assert!(unchanged.iter().any(|u| u == f), "{f}: {unchanged:#?}");
    }
    let new = codes(&v, "new");
    assert!(
        new.iter()
            .any(|n| n == "PE001 private-endpoint/pe-mlw-data"),
        "{new:#?}"
    );
    for n in &new {
        assert!(
            n.ends_with("/pe-mlw-data") || n.contains("⟨tolower(parameters('vnetName'))⟩"),
            "{new:#?}"
        );
    }
}

/// README, diff: "The exit status is 1 when the change ... opens a flow from the deployment to
/// the internet". SARIF shows no flows, so its changed flows are traced only where a side has
/// no verdict; its exit status must still be the one the flows' verdicts give, as in JSON.
#[test]
fn sarif_fails_on_an_opened_flow_as_json_does() {
    let head = edited(
        "sarif-flows",
        "hub-spoke-firewall",
        &[(
            "route_table: spoke-rt, network_security_group: training-nsg",
            "network_security_group: training-nsg",
        )],
    );
    let run = |format: &str, example: &str, head: &str| {
        moat(&["diff", example, head, "--select", "SEC", "--format", format])
            .status
            .code()
    };
    let (base, head) = ("examples/hub-spoke-firewall", head.to_str().unwrap());
    // Detaching the route table opens the internet: both fail.
    assert_eq!(run("json", base, head), Some(1));
    assert_eq!(run("sarif", base, head), Some(1));
    // Attaching it again only closes flows: both pass.
    assert_eq!(run("json", head, base), Some(0));
    assert_eq!(run("sarif", head, base), Some(0));
}
