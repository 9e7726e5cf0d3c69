//! Rules on resources whose public network access is SecuredByPerimeter. Private Link,
//! "Transition to a network security perimeter": a resource associated with a perimeter in
//! Enforced mode obeys only the perimeter's access rules, and in Transition mode those and then
//! its own firewall. The input does not describe the perimeter, so whether such a resource is
//! public, restricted or closed is unknown: a rule whose answer turns on that reports its
//! finding undecided and names the perimeter's access rules as what it needs, where it used to
//! read the resource as public (a decided finding, or none).

use moat_engine::Engine;
use moat_rules::{Context, Finding, all};

fn run(yaml: &str, codes: &[&str]) -> Vec<Finding> {
    let t = moat_ingest::parse_native_str("t.yaml", yaml).expect("topology");
    let e = Engine::for_topology(&t, None).unwrap();
    let cx = Context::new(&e);
    let mut v = Vec::new();
    for r in all().into_iter().filter(|r| codes.contains(&r.doc().code)) {
        r.check(&cx, &mut v);
    }
    v
}

fn on<'a>(v: &'a [Finding], code: &str, resource: &str) -> &'a Finding {
    v.iter()
        .find(|f| f.code == code && f.resource == resource)
        .unwrap_or_else(|| panic!("{code} on {resource}: {v:#?}"))
}

/// The finding stands undecided on the perimeter's access rules.
fn on_perimeter(v: &[Finding], code: &str, resource: &str) {
    let f = on(v, code, resource);
    assert!(!f.decided(), "{f:#?}");
    assert!(
        f.needs
            .iter()
            .any(|n| n.contains("network security perimeter")),
        "{code} on {resource}: {:?}",
        f.needs
    );
}

/// Workspaces: "open to every network" (SEC001, SEC016), "accepts public connections"
/// (WS002) and "the IP allow list decides" (WS008, WS013) all turn on the perimeter's rules;
/// with Enabled they stay decided.
#[test]
fn workspace_rules_are_undecided_behind_a_perimeter() {
    let yaml = "workspaces:
  - { name: ws-p, public_network_access: SecuredByPerimeter, storage_account: st }
  - { name: ws-e, public_network_access: Enabled }
  - name: ws-ip
    public_network_access: SecuredByPerimeter
    network_acls: { default_action: Deny, ip_rules: [203.0.113.0/24] }
    serverless_compute: { subnet: vnet/training, no_public_ip: true }
storage_accounts: [{ name: st, public_network_access: Disabled }]
virtual_networks:
  - name: vnet
    address_space: [10.0.0.0/16]
    subnets:
      - { name: pe, address_prefixes: [10.0.2.0/24] }
      - { name: training, address_prefixes: [10.0.1.0/24] }
private_endpoints: [{ name: ws-pe, subnet: vnet/pe, target: workspace/ws-p, group_id: amlworkspace }]
online_endpoints: [{ name: scoring, workspace: ws-ip, deployments: [{ name: blue }] }]
";
    let v = run(
        yaml,
        &["SEC001", "SEC002", "SEC016", "WS002", "WS008", "WS013"],
    );
    on_perimeter(&v, "SEC002", "workspace/ws-p");
    on_perimeter(&v, "WS002", "workspace/ws-p");
    on_perimeter(&v, "SEC016", "workspace/ws-ip");
    on_perimeter(&v, "WS008", "online-endpoint/scoring");
    on_perimeter(&v, "WS013", "workspace/ws-ip");
    assert!(on(&v, "SEC001", "workspace/ws-e").decided());
    assert!(on(&v, "SEC016", "workspace/ws-e").decided());
}

/// Online endpoints: "accepts scoring from public networks" (EP001) and "the workspace rejects
/// every public caller" (EP006) turn on the perimeter of the endpoint or of the workspace; a
/// key vault SecuredByPerimeter may restrict network access as a firewall does (EP010).
#[test]
fn endpoint_rules_are_undecided_behind_a_perimeter() {
    let yaml = "workspaces:
  - { name: ws-d, public_network_access: Disabled }
  - { name: ws-p, public_network_access: SecuredByPerimeter, key_vault: kv }
key_vaults: [{ name: kv, public_network_access: SecuredByPerimeter, network_acls: { default_action: Allow, bypass: None } }]
online_endpoints:
  - { name: ep-p, workspace: ws-d, public_network_access: SecuredByPerimeter }
  - { name: ep-e, workspace: ws-d, public_network_access: Enabled }
  - { name: ep-under-p, workspace: ws-p, public_network_access: Enabled }
";
    let v = run(yaml, &["EP001", "EP006", "EP010"]);
    on_perimeter(&v, "EP001", "online-endpoint/ep-p");
    on_perimeter(&v, "EP006", "online-endpoint/ep-p");
    on_perimeter(&v, "EP001", "online-endpoint/ep-under-p");
    on_perimeter(&v, "EP006", "online-endpoint/ep-under-p");
    on_perimeter(&v, "EP010", "online-endpoint/ep-under-p");
    assert!(on(&v, "EP001", "online-endpoint/ep-e").decided());
    assert!(on(&v, "EP006", "online-endpoint/ep-e").decided());
}

/// Registries: a managed storage account SecuredByPerimeter is not surely public (REG003), a
/// registry SecuredByPerimeter not surely open to every network (SEC004), and a workspace
/// storage SecuredByPerimeter may or may not let a registry's service in to share (REG005).
#[test]
fn registry_rules_are_undecided_behind_a_perimeter() {
    let yaml =
        "workspaces: [{ name: ws, storage_account: st, shares_to: [{ registry: contosoreg }] }]
registries:
  - name: contosoreg
    public_network_access: Disabled
    storage: { public_network_access: SecuredByPerimeter }
    acr: { public_network_access: Enabled }
  - { name: openreg, public_network_access: SecuredByPerimeter }
storage_accounts: [{ name: st, public_network_access: SecuredByPerimeter }]
";
    let v = run(yaml, &["REG003", "REG005", "SEC004"]);
    on_perimeter(&v, "REG003", "registry/contosoreg:storage");
    assert!(on(&v, "REG003", "registry/contosoreg:acr").decided());
    on_perimeter(&v, "SEC004", "registry/openreg");
    on_perimeter(&v, "REG005", "storage/st");
}

/// Storage, key vaults and container registries: a dependency SecuredByPerimeter may be
/// restricted as one behind a firewall is, so the requirements that restriction brings (blob
/// and file endpoints together, ST003; trusted services, ACR007 and KV002; a compute cluster to
/// build images, WS006) are reported undecided instead of passed.
#[test]
fn dependency_rules_are_undecided_behind_a_perimeter() {
    let yaml = "workspaces: [{ name: ws, storage_account: st, key_vault: kv, container_registry: wsacr }]
storage_accounts: [{ name: st, public_network_access: SecuredByPerimeter }]
key_vaults: [{ name: kv, public_network_access: SecuredByPerimeter, network_acls: { default_action: Deny, bypass: None } }]
container_registries: [{ name: wsacr, sku: Premium, public_network_access: SecuredByPerimeter, network_rule_set: { default_action: Allow, bypass: None } }]
virtual_networks: [{ name: vnet, address_space: [10.0.0.0/16], subnets: [{ name: pe, address_prefixes: [10.0.3.0/24] }] }]
private_endpoints: [{ name: st-blob, subnet: vnet/pe, target: storage/st, group_id: blob }]
";
    let v = run(yaml, &["ST003", "ACR007", "KV002", "WS006"]);
    on_perimeter(&v, "ST003", "storage/st");
    on_perimeter(&v, "ACR007", "acr/wsacr");
    on_perimeter(&v, "KV002", "keyvault/kv");
    on_perimeter(&v, "WS006", "workspace/ws");
}

/// Managed network: serverless Spark with public access not Disabled (MVN011) turns on what
/// the perimeter admits when the workspace is SecuredByPerimeter.
#[test]
fn managed_network_rule_is_undecided_behind_a_perimeter() {
    let yaml = "workspaces:
  - name: ws
    public_network_access: SecuredByPerimeter
    managed_network:
      isolation_mode: AllowInternetOutbound
      outbound_rules: [{ name: spark-st, type: PrivateEndpoint, destination: { service_resource: storage/st, subresource_target: blob, spark_enabled: true } }]
storage_accounts: [{ name: st }]
";
    let v = run(yaml, &["MVN011"]);
    on_perimeter(&v, "MVN011", "workspace/ws");
}

/// Workspace reachability (WS001): a workspace SecuredByPerimeter takes public callers only as
/// its perimeter's rules admit, so a client on the internet without a private path has one or
/// not as those rules say: reported undecided, where it used to be read as public (no
/// finding); a client reaching it through a private endpoint settles it.
#[test]
fn workspace_reachability_is_undecided_behind_a_perimeter() {
    let yaml = "workspaces: [{ name: ws, public_network_access: SecuredByPerimeter }]
clients: [{ name: alice, location: internet }]
";
    let v = run(yaml, &["WS001"]);
    let f = on(&v, "WS001", "workspace/ws");
    assert!(!f.decided(), "{f:#?}");
    let t = f.trace.as_ref().expect("the client's trace");
    assert!(
        t.missing
            .iter()
            .any(|m| m.contains("network security perimeter")),
        "{:?}",
        t.missing
    );
    assert!(
        run(&yaml.replace("SecuredByPerimeter", "Enabled"), &["WS001"]).is_empty(),
        "a public workspace is reached"
    );
}

/// Rules that hold only for a closed workspace, registry or registry container registry: WS004
/// ("nothing reaches it"), WS005 ("private, yet managed through Resource Manager"), REG014
/// (studio lists only models), REG004 (creating environments is not supported), REG007 (no path
/// through the registry's private endpoint), and those of a secure workspace, EP002, EP007 and
/// WS009. "Enforced: When explicitly set, the resource obeys only network security perimeter
/// access rules" (Private Link, "Transition to a network security perimeter"): the perimeter
/// may close the resource or not, so each stands undecided where it used to be silent. With
/// Disabled each is decided; with Enabled none holds.
#[test]
fn closed_only_rules_are_undecided_behind_a_perimeter() {
    let yaml = "workspaces: [{ name: ws, public_network_access: SecuredByPerimeter }]
registries: [{ name: reg, public_network_access: SecuredByPerimeter, acr: { public_network_access: SecuredByPerimeter } }]
online_endpoints: [{ name: scoring, workspace: ws, public_network_access: Disabled, deployments: [{ name: blue }] }]
clients: [{ name: datasci, location: internet, operations: [registry.create-from-local, registry.create-environment] }]
";
    let codes = [
        "WS004", "WS005", "REG014", "REG004", "REG007", "EP002", "EP007", "WS009",
    ];
    let at = |code: &str| match code {
        "WS004" | "WS005" | "WS009" => "workspace/ws",
        "REG014" | "REG004" | "REG007" => "registry/reg",
        _ => "online-endpoint/scoring",
    };
    let v = run(yaml, &codes);
    for code in codes {
        if code == "REG007" {
            // A path finding: its trace stops at the perimeter, unknown.
            let f = on(&v, code, at(code));
            assert!(!f.decided(), "{f:#?}");
            let t = f.trace.as_ref().expect("the client's trace");
            assert!(
                t.missing
                    .iter()
                    .any(|m| m.contains("network security perimeter")),
                "{:?}",
                t.missing
            );
        } else {
            on_perimeter(&v, code, at(code));
        }
    }
    let closed = run(&yaml.replace("SecuredByPerimeter", "Disabled"), &codes);
    for code in codes {
        assert!(on(&closed, code, at(code)).decided(), "{code}: {closed:#?}");
    }
    let open = run(&yaml.replace("SecuredByPerimeter", "Enabled"), &codes);
    assert!(open.is_empty(), "{open:#?}");
}

/// A workspace, an online endpoint or a registry's container registry SecuredByPerimeter may
/// be as closed as one Disabled, or open: "The network security perimeter configuration rules
/// allow or disallow public network access to the resource" (publicNetworkAccess
/// `SecuredByPerimeter`, Azure Resource Manager reference). So a secure workspace deploying a
/// registry model with public egress (REG010), an endpoint without public access behind an old
/// workspace private endpoint (EP011) and an isolated Basic registry container registry
/// (ACR001) each stand undecided where Disabled decides them and Enabled clears them.
#[test]
fn secure_only_findings_are_undecided_behind_a_perimeter() {
    let yaml = "workspaces: [{ name: ws, public_network_access: SecuredByPerimeter }]
registries: [{ name: reg, acr: { public_network_access: SecuredByPerimeter, sku: Basic } }]
private_endpoints: [{ name: ws-pe, subnet: vnet/pe, target: workspace/ws, group_id: amlworkspace, created: 2021-11-02 }]
virtual_networks: [{ name: vnet, address_space: [10.0.0.0/16], subnets: [{ name: pe, address_prefixes: [10.0.3.0/24] }] }]
online_endpoints:
  - name: scoring
    workspace: ws
    public_network_access: SecuredByPerimeter
    deployments: [{ name: blue, egress_public_network_access: Enabled, model: azureml://registries/reg/models/m/versions/1 }]
";
    let codes = ["REG010", "EP011", "ACR001"];
    let at = |code: &str| match code {
        "REG010" => "online-endpoint/scoring",
        "EP011" => "private-endpoint/ws-pe",
        _ => "registry/reg",
    };
    let v = run(yaml, &codes);
    for code in codes {
        on_perimeter(&v, code, at(code));
    }
    let closed = run(&yaml.replace("SecuredByPerimeter", "Disabled"), &codes);
    for code in codes {
        assert!(on(&closed, code, at(code)).decided(), "{code}: {closed:#?}");
    }
    let open = run(&yaml.replace("SecuredByPerimeter", "Enabled"), &codes);
    assert!(open.is_empty(), "{open:#?}");
}
