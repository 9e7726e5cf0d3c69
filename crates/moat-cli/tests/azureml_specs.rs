//! Azure ML CLI specs (`az ml workspace create|update --file`) read for what they determine.
//!
//! Managed network how-to: "To update an existing workspace using the YAML file, use the
//! `--file` parameter", `az ml workspace update --file workspace.yaml --name ws`, with a spec of
//! a name and a `managed_network` alone; the create sample adds `location: EastUS`. The update
//! is a PATCH (REST "Workspaces - Update") whose body has no location, hbiWorkspace,
//! storageAccount or keyVault. So a spec that names none of them may be an update, and what it
//! does not set is the workspace's own: unknown, not the create default. One that names them
//! is a create spec, and the defaults hold.

mod checked;

use std::path::PathBuf;
use std::process::Command;

fn corpus(rel: &str) -> String {
    concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/corpus/yaml-azureml-examples/"
    )
    .to_string()
        + rel
}

fn scratch(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("moat-cli-azureml-{test}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// (certainty, needs) of each finding of `rule`.
fn findings(file: &str, rule: &str) -> Vec<(String, Vec<String>)> {
    checked::findings([file, "--select", rule])
        .iter()
        .map(|f| (checked::text(f, "certainty"), checked::needs(f)))
        .collect()
}

#[test]
fn an_update_spec_leaves_public_network_access_open() {
    // The corpus's managed network spec: a name and `managed_network`, as the update sample.
    let open = findings(
        &corpus("cli/resources/workspace/mvnet-allow-only-approved-outbound.yml"),
        "SEC001",
    );
    assert_eq!(open.len(), 1, "{open:?}");
    assert_eq!(open[0].0, "undecided");
    assert!(
        open[0]
            .1
            .iter()
            .any(|n| n.starts_with("public_network_access of workspace/myworkspace_dep")),
        "{open:?}"
    );
    // A create spec (it names its location): public network access takes Azure's default,
    // Enabled, and the warning stands.
    let decided = findings(&corpus("cli/resources/workspace/basic.yml"), "SEC001");
    assert_eq!(decided.len(), 1, "{decided:?}");
    assert_eq!(decided[0].0, "definite");
    // The flows that depend on it: unknown for the update spec, allowed for the create spec.
    assert!(
        trace(
            &corpus("cli/resources/workspace/mvnet-allow-only-approved-outbound.yml"),
            "workspace/myworkspace_dep"
        )
        .starts_with("UNKNOWN")
    );
    assert!(
        trace(
            &corpus("cli/resources/workspace/basic.yml"),
            "workspace/mlw-basic-prod"
        )
        .starts_with("ALLOWED")
    );
}

/// `moat trace <file> --from internet --to <to>`'s report.
fn trace(file: &str, to: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_moat"))
        .args(["trace", file, "--from", "internet", "--to", to])
        .output()
        .expect("moat runs");
    String::from_utf8_lossy(&out.stdout).to_string()
}

/// An update spec that sets public network access alone says nothing of the managed network:
/// the rules that read it are undecided, not "no managed network".
#[test]
fn an_update_spec_leaves_the_managed_network_open() {
    let dir = scratch("pna");
    let file = dir.join("workspace.yml");
    std::fs::write(&file, "name: ws\npublic_network_access: disabled\n").unwrap();
    let f = file.to_string_lossy().to_string();
    let open = findings(&f, "MVN002");
    assert!(
        !open.is_empty(),
        "MVN002 is silent on an open managed network"
    );
    for (certainty, needs) in open {
        assert_eq!(certainty, "undecided");
        assert!(
            needs
                .iter()
                .any(|n| n.starts_with("managed_network of workspace/ws")),
            "{needs:?}"
        );
    }
    // It does set public network access: SEC001 has nothing to say.
    assert!(findings(&f, "SEC001").is_empty());
    std::fs::remove_dir_all(&dir).ok();
}

/// A private endpoint rule that names no target resource (facts, "PE rule destination":
/// `destination.service_resource_id`) may reach anything: a managed compute's flow to a host no
/// other rule allows is unknown under AllowOnlyApprovedOutbound ("Outbound traffic is allowed
/// by specifying service tags", FQDN and private endpoint rules), neither allowed nor denied.
#[test]
fn a_flow_past_a_rule_without_target_is_unknown() {
    let dir = scratch("trace");
    let spec = dir.join("workspace.yml");
    std::fs::write(
        &spec,
        "name: ws\nlocation: eastus\nmanaged_network:\n  isolation_mode: allow_only_approved_outbound\n  outbound_rules:\n  - name: lake\n    type: private_endpoint\n    destination:\n      subresource_target: blob\n",
    )
    .unwrap();
    let with = dir.join("computes.yml");
    std::fs::write(
        &with,
        "computes:\n  - name: cpu\n    workspace: ws\n    type: AmlCompute\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_moat"))
        .args([
            "trace".as_ref(),
            spec.as_os_str(),
            "--with".as_ref(),
            with.as_os_str(),
        ])
        .args([
            "--from",
            "compute/cpu",
            "--to",
            "fqdn:lake.blob.core.windows.net",
        ])
        .output()
        .expect("moat runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with("UNKNOWN"),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("managed_network.outbound_rules.lake of workspace/ws"),
        "{text}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// `moat trace <spec> --with <computes> --from compute/cpu --to <to>`'s verdict line.
fn verdict(spec: &std::path::Path, with: &std::path::Path, to: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_moat"))
        .args([
            "trace".as_ref(),
            spec.as_os_str(),
            "--with".as_ref(),
            with.as_os_str(),
        ])
        .args(["--from", "compute/cpu", "--to", to])
        .output()
        .expect("moat runs");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .next()
        .unwrap_or_default()
        .to_string()
}

/// Managed network how-to: "Regardless of the outbound mode you use, traffic to Azure resources
/// can be configured to use a private endpoint." Under AllowInternetOutbound, a rule whose
/// target the spec leaves out may be the private endpoint to a storage account that refuses
/// public access: the flow is unknown, not denied. To an account that takes public traffic
/// both ways arrive: allowed. With the target named, the private endpoint carries it.
#[test]
fn a_rule_without_target_may_be_the_way_to_a_private_account() {
    let dir = scratch("aio");
    let spec = dir.join("workspace.yml");
    let rule = "name: ws\nlocation: eastus\nmanaged_network:\n  isolation_mode: allow_internet_outbound\n  outbound_rules:\n  - name: lake\n    type: private_endpoint\n    destination:\n      subresource_target: blob\nTARGET";
    let with = dir.join("resources.yml");
    std::fs::write(
        &with,
        "computes:\n  - name: cpu\n    workspace: ws\n    type: AmlCompute\nstorage_accounts:\n  - name: lake\n    public_network_access: Disabled\n  - name: open\n",
    )
    .unwrap();
    std::fs::write(&spec, rule.replace("TARGET", "")).unwrap();
    assert!(
        verdict(&spec, &with, "storage/lake:blob").starts_with("UNKNOWN"),
        "{}",
        verdict(&spec, &with, "storage/lake:blob")
    );
    assert!(verdict(&spec, &with, "storage/open:blob").starts_with("ALLOWED"));
    std::fs::write(
        &spec,
        rule.replace("TARGET", "      service_resource_id: /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/lake\n"),
    )
    .unwrap();
    assert!(
        verdict(&spec, &with, "storage/lake:blob").starts_with("ALLOWED"),
        "{}",
        verdict(&spec, &with, "storage/lake:blob")
    );
    // The samples name the target `.../storageAccounts/<STORAGE_ACCOUNT_NAME>` (the feature
    // store sample's managed network specs): some account, maybe this one.
    std::fs::write(
        &spec,
        rule.replace("TARGET", "      service_resource_id: /subscriptions/<SUBSCRIPTION_ID>/resourcegroups/<RESOURCE_GROUP>/providers/Microsoft.Storage/storageAccounts/<STORAGE_ACCOUNT_NAME>\n"),
    )
    .unwrap();
    assert!(
        verdict(&spec, &with, "storage/lake:blob").starts_with("UNKNOWN"),
        "{}",
        verdict(&spec, &with, "storage/lake:blob")
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// What settles an update-style spec is in the need itself: the create sample of the managed
/// network how-to differs from the update sample by `location: EastUS`, so naming the location
/// marks the spec as a create spec. The need says so once, and MVN011 ("disable public network
/// access before provisioning") does not state the placeholder Enabled as the workspace's
/// public network access while that is open; its needs name the open value once.
#[test]
fn an_update_spec_says_how_to_settle_it_once() {
    let spec = corpus("cli/resources/workspace/mvnet-allow-only-approved-outbound.yml");
    let all = checked::findings([spec.as_str()]);
    let settle = "add `location` to mark it as a create spec";
    let pna = all
        .iter()
        .flat_map(checked::needs)
        .find(|n| n.starts_with("public_network_access of workspace/myworkspace_dep"))
        .expect("the open public network access is needed");
    assert_eq!(pna.matches(settle).count(), 1, "{pna}");
    assert!(!pna.contains("(the spec names none"), "{pna}");
    let mvn011 = all
        .iter()
        .find(|f| checked::text(f, "code") == "MVN011")
        .expect("MVN011");
    let message = checked::text(mvn011, "message");
    assert!(!message.contains("Enabled"), "{message}");
    assert!(message.contains("may be other than Disabled"), "{message}");
    let needs = checked::needs(mvn011);
    assert_eq!(needs.len(), 1, "{needs:#?}");
}

/// Configure a private endpoint, CLI: a workspace created from a spec (the corpus's
/// `privatelink.yml`) gets its private endpoint afterwards, "After creating the workspace, use
/// the Azure networking CLI commands to create a private link endpoint for the workspace." A
/// spec, create or update, has no field for private endpoints, so which ones the workspace has
/// is open: "public access Disabled and no private endpoint, nothing reaches it" (WS004) is
/// undecided, where it was decided. The public workspace of `basic.yml` is open to every
/// network whatever its private endpoints (SEC001 stays decided, in
/// `an_update_spec_leaves_public_network_access_open`).
#[test]
fn a_spec_leaves_the_private_endpoints_open() {
    let ws004 = findings(&corpus("cli/resources/workspace/privatelink.yml"), "WS004");
    assert_eq!(ws004.len(), 1, "{ws004:?}");
    assert_eq!(ws004[0].0, "undecided");
    assert!(
        ws004[0].1.iter().any(|n| n
            .starts_with("private endpoints of workspace/mlw-privatelink-prod")
            && n.contains("az network private-endpoint create")),
        "{ws004:?}"
    );
    // From the internet no private endpoint helps: denied, decided.
    assert!(
        trace(
            &corpus("cli/resources/workspace/privatelink.yml"),
            "workspace/mlw-privatelink-prod"
        )
        .starts_with("DENIED")
    );
}

/// `moat show <file>`'s report.
fn show(file: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_moat"))
        .args(["show", file])
        .output()
        .expect("moat runs");
    String::from_utf8_lossy(&out.stdout).to_string()
}

/// `show` reads a spec as `check` does. The managed network how-to updates a workspace with
/// "az ml workspace update --file workspace.yaml --name ws" and a spec of a name and a
/// `managed_network`: what such a spec does not set is the workspace's own, so `show` does not
/// print the create defaults for it (public access "Enabled from all networks", "no private
/// endpoint", no container registry yet, serverless image builds, no other outbound rules).
/// A create spec (`basic.yml` names its location) shows Azure's defaults, but still not "no
/// private endpoint": "After creating the workspace, use the Azure networking CLI commands to
/// create a private link endpoint for the workspace" (Configure a private endpoint, CLI).
#[test]
fn show_does_not_read_an_update_spec_as_create_defaults() {
    let update = show(&corpus(
        "cli/resources/workspace/mvnet-allow-internet-outbound.yml",
    ));
    let line = |text: &str, start: &str| -> String {
        text.lines()
            .map(str::trim_start)
            .find(|l| l.starts_with(start))
            .unwrap_or_else(|| panic!("no `{start}` in {text}"))
            .to_string()
    };
    assert!(
        line(&update, "inbound").starts_with(
            "inbound     public network access not decided (at worst Enabled from all networks): the spec may be for `az ml workspace update`"
        ),
        "{update}"
    );
    assert!(!update.contains("no private endpoint"), "{update}");
    assert!(
        line(&update, "private endpoints: unknown (")
            .contains("az network private-endpoint create"),
        "{update}"
    );
    assert_eq!(
        line(&update, "outbound"),
        "outbound    managed network AllowInternetOutbound (2 user rules, others unknown)"
    );
    assert!(
        line(&update, "depends on  container registry").starts_with(
            "depends on  container registry: unknown (the spec may be for `az ml workspace update`"
        ),
        "{update}"
    );
    assert!(
        line(&update, "image build").starts_with("image build unknown ("),
        "{update}"
    );
    let create = show(&corpus("cli/resources/workspace/basic.yml"));
    assert_eq!(
        line(&create, "inbound"),
        "inbound     public network access Enabled from all networks"
    );
    assert!(!create.contains("no private endpoint"), "{create}");
    assert!(
        line(&create, "private endpoints: unknown (")
            .contains("az network private-endpoint create")
    );
    assert_eq!(
        line(&create, "image build"),
        "image build serverless (image_build_compute not set)"
    );
    assert_eq!(
        line(&create, "depends on  container registry"),
        "depends on  container registry: none yet (Azure creates one on first use)"
    );
}

/// A registry spec has no key for private endpoints (registry YAML reference: name, tags,
/// location, replication_locations, public_network_access); `show` says they are unknown, for
/// the registry and its managed storage and container registry, rather than "0".
#[test]
fn show_leaves_a_registry_specs_private_endpoints_open() {
    let text = show(&corpus("cli/resources/registry/registry.yml"));
    assert!(
        text.contains(
            "private endpoints: unknown (a registry spec does not declare private endpoints"
        ),
        "{text}"
    );
    assert!(
        text.contains("  storage     public Enabled, private endpoints unknown\n"),
        "{text}"
    );
    assert!(
        text.contains("  acr         public Enabled, private endpoints unknown\n"),
        "{text}"
    );
}
