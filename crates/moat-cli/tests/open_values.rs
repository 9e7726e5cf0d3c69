//! Values an importer must neither lose nor invent: a value the input does not
//! determine stays unknown, and a decision that depends on it is unknown unless every
//! possible value gives the same answer. Each test takes a bundled example, leaves one value
//! open the way real deployments do (a variable or parameter without value), and checks what
//! `trace`, `ops` and `check` answer.

use moat_engine::trace::Query;
use moat_engine::{Engine, Verdict, intent::Intent, ops::Status};
use moat_model::Topology;
use moat_packets::Protocol;
use moat_rules::check::{Selection, run_variants};
use std::path::{Path, PathBuf};

fn example(name: &str, form: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(name)
        .join(form)
}

/// The `form` (`terraform`, `arm`) of `name` with `file` edited by `edit`, loaded with its
/// side files and options.
fn load_edited(
    name: &str,
    form: &str,
    file: &str,
    edit: impl Fn(&str) -> String,
    opts: moat_ingest::Options,
) -> Topology {
    let src = example(name, form);
    let dir = std::env::temp_dir().join(format!(
        "moat-open-values-{name}-{form}-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for e in std::fs::read_dir(&src).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), dir.join(e.file_name())).unwrap();
    }
    let text = std::fs::read_to_string(src.join(file)).unwrap();
    let edited = edit(&text);
    assert_ne!(edited, text, "{name}/{form}/{file}: the edit applies");
    std::fs::write(dir.join(file), edited).unwrap();
    let t = moat_ingest::load_opts(&dir, &opts)
        .unwrap_or_else(|e| panic!("{name}/{form}: {:#?}", e.diagnostics))
        .topology;
    let _ = std::fs::remove_dir_all(&dir);
    t
}

/// `from` in `text` replaced by `to`; `from` must be there.
fn replace(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "the input holds `{from}`");
    text.replace(from, to)
}

/// The trace of a flow over every variant of the deployment, as `moat trace` gives it.
fn trace(t: &Topology, from: &str, to: &str) -> moat_engine::trace::Trace {
    trace_port(t, from, to, 443)
}

/// [`trace`] of a TCP flow to `port`.
fn trace_port(t: &Topology, from: &str, to: &str, port: u16) -> moat_engine::trace::Trace {
    let e = Engine::for_topology(t, None).expect("engine");
    let q = Query {
        from: from.parse().unwrap(),
        to: to.parse().unwrap(),
        protocol: Protocol::TCP,
        port,
    };
    moat_engine::presence::trace(&e, &moat_model::presence::variants(t), &q).expect("trace")
}

/// The status of every operation, as `moat ops` gives it: `(op subject, status)`.
fn ops(t: &Topology) -> Vec<(String, Status)> {
    let e = Engine::for_topology(t, None).expect("engine");
    let variants = moat_model::presence::variants(t);
    moat_engine::presence::evaluate(&e, &variants, &Intent::of(t), &Default::default())
        .into_iter()
        .map(|r| (format!("{} {}", r.op, r.subject), r.status))
        .collect()
}

/// The findings of `check` with code `code`: `(resource, decided)`.
fn findings(t: &Topology, code: &str) -> Vec<(String, bool)> {
    let e = Engine::for_topology(t, None).expect("engine");
    let cx = moat_rules::Context::new(&e);
    run_variants(
        &cx,
        &moat_model::presence::variants(t),
        &Selection::default(),
    )
    .into_iter()
    .filter(|f| f.code == code)
    .map(|f| {
        let decided = moat_report::check::certainty(&f).0 == "definite";
        (f.resource, decided)
    })
    .collect()
}

/// What a workspace private endpoint of unknown target leaves open, in any input form.
///
/// Seed "Secure an Azure Machine Learning workspace with virtual networks": "The private
/// endpoint is a set of private IP addresses within your virtual network. You can then limit
/// access to your workspace to only occur over the private IP addresses." The endpoint's
/// subnet and addresses are known; only what it connects to is not. If it is the workspace's,
/// the jump box reaches the workspace; if not, nothing private does. Neither is decided.
fn workspace_endpoint_target_is_open(t: &Topology) {
    let pe = t
        .private_endpoints
        .iter()
        .find(|p| p.name == "ws-pe")
        .expect("the endpoint is kept");
    assert_eq!(pe.subnet, "vnet/pe");
    let tr = trace(t, "client/datasci", "workspace/ws");
    assert_eq!(tr.verdict, Verdict::Unknown, "{tr:#?}");
    assert!(
        tr.missing.iter().any(
            |m| m.starts_with("what private endpoint `ws-pe` connects to")
                && m.ends_with("if it connects to workspace/ws the flow is allowed")
        ),
        "{:?}",
        tr.missing
    );
    // What does not depend on the endpoint stays decided: public access is disabled.
    assert_eq!(
        trace(t, "internet", "workspace/ws").verdict,
        Verdict::Denied
    );
    let status = ops(t);
    assert!(
        status.contains(&("studio.open workspace/ws".into(), Status::Unknown)),
        "{status:?}"
    );
    // Never "nothing reaches the workspace" (WS004) nor "no private endpoint" (CMP008) as
    // established.
    for code in ["WS004", "CMP008", "WS001"] {
        assert!(
            findings(t, code).iter().all(|(_, decided)| !decided),
            "{code}: {:?}",
            findings(t, code)
        );
    }
}

#[test]
fn terraform_private_endpoint_with_a_target_variable_without_value() {
    let t = load_edited(
        "workspace-private-endpoint",
        "terraform",
        "main.tf",
        |s| {
            replace(
                s,
                "private_connection_resource_id = azapi_resource.ws.id",
                "private_connection_resource_id = var.ws_id",
            ) + "variable \"ws_id\" {}\n"
        },
        Default::default(),
    );
    workspace_endpoint_target_is_open(&t);
}

#[test]
fn arm_private_endpoint_with_a_target_parameter_without_value() {
    let t = load_edited(
        "workspace-private-endpoint",
        "arm",
        "azuredeploy.json",
        |s| {
            let s = replace(
                s,
                "\"privateLinkServiceId\": \"[resourceId('Microsoft.MachineLearningServices/workspaces', parameters('workspaceName'))]\"",
                "\"privateLinkServiceId\": \"[parameters('wsId')]\"",
            );
            replace(
                &s,
                "\"parameters\": {",
                "\"parameters\": {\n    \"wsId\": { \"type\": \"string\" },",
            )
        },
        Default::default(),
    );
    workspace_endpoint_target_is_open(&t);
}

/// Given its value (the id of the template's workspace, deployed to resource group `rg`), the
/// same endpoint connects to the workspace: the jump box reaches it.
#[test]
fn arm_private_endpoint_target_given_by_value_is_decided() {
    let t = load_edited(
        "workspace-private-endpoint",
        "arm",
        "azuredeploy.json",
        |s| {
            let s = replace(
                s,
                "\"privateLinkServiceId\": \"[resourceId('Microsoft.MachineLearningServices/workspaces', parameters('workspaceName'))]\"",
                "\"privateLinkServiceId\": \"[parameters('wsId')]\"",
            );
            replace(&s, "\"parameters\": {", "\"parameters\": {\n    \"wsId\": { \"type\": \"string\" },")
        },
        moat_ingest::Options {
            parameter_values: vec![(
                "wsId".into(),
                "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws".into(),
            )],
            target: moat_ingest::DeployTarget {
                subscription: Some("00000000-0000-0000-0000-000000000000".into()),
                resource_group: Some("rg".into()),
                location: None,
            },
            ..Default::default()
        },
    );
    assert_eq!(
        trace(&t, "client/datasci", "workspace/ws").verdict,
        Verdict::Allowed
    );
}

/// The registry's container registry or storage account read through a data source whose
/// name is a variable without value, as a managed network's private endpoint rule target.
fn registry_part_read_by_an_unknown_name(data: &str, literal: &str) -> Topology {
    load_edited(
        "managed-network-approved-outbound",
        "terraform",
        "main.tf",
        |s| {
            replace(
                s,
                &format!("data \"{data}\" \"registry\" {{\n  name                = \"{literal}\""),
                &format!(
                    "variable \"part_name\" {{}}\ndata \"{data}\" \"registry\" {{\n  name                = var.part_name"
                ),
            )
        },
        Default::default(),
    )
}

/// Terraform: a data source reads a resource that exists outside the configuration by the
/// arguments it is given; with its name unknown, which resource it reads is unknown, but its
/// type is not. Seed "Network isolation with registries": "The storage account and ACR used by
/// your Azure Machine Learning registry are created under a managed resource group in your
/// Azure subscription." The data source may read the registry's own container registry (the
/// rule then reaches it, and jobs use registry assets) or another one (they do not): loading
/// never fails on a dangling reference, and `job.registry-asset` is unknown, not failed.
#[test]
fn terraform_data_source_of_unknown_name_as_outbound_rule_target() {
    for (data, literal) in [
        ("azurerm_container_registry", "contosoregacr"),
        ("azurerm_storage_account", "contosoregsa"),
    ] {
        let t = registry_part_read_by_an_unknown_name(data, literal);
        let status = ops(&t);
        assert!(
            status.contains(&("job.registry-asset workspace/ws".into(), Status::Unknown)),
            "{data}: {status:?}"
        );
        let w = &t.workspaces[0];
        let open: Vec<&str> = t
            .unknowns
            .iter()
            .filter(|u| u.resource == format!("workspace/{}", w.name))
            .filter(|u| {
                u.reason.contains(&format!(
                    "`data.{data}.registry` is read by a name that is unknown"
                ))
            })
            .map(|u| u.field.as_str())
            .collect();
        assert!(!open.is_empty(), "{data}: the rule's destination is open");
    }
}

/// Terraform's `count`: "creates that many instances of the resource"; with `count` unknown,
/// the subnet–route table association may be zero instances or one. facts "UDR for outbound
/// via firewall | Route `0.0.0.0/0`, next hop = firewall private IP": with the association,
/// the cluster's traffic to an arbitrary host goes through the hub firewall, which refuses
/// it; without it, the subnet keeps Azure's system route to the internet. The association was
/// applied as if present (a definite "denied"); the verdict is unknown and names it.
#[test]
fn terraform_route_table_association_with_an_unknown_count_may_or_may_not_hold() {
    let t = load_edited(
        "hub-spoke-firewall",
        "terraform",
        "main.tf",
        |s| {
            replace(
                s,
                "resource \"azurerm_subnet_route_table_association\" \"training\" {\n",
                "variable \"force_tunnel\" {}\nresource \"azurerm_subnet_route_table_association\" \"training\" {\n  count = var.force_tunnel ? 1 : 0\n",
            )
        },
        Default::default(),
    );
    let m = &t.may_exist[0];
    assert_eq!(
        m.resource,
        "azurerm_subnet_route_table_association.training"
    );
    assert_eq!(
        (m.sets[0].element.as_str(), m.sets[0].field.as_str()),
        ("subnet/spoke-vnet/training", "route_table")
    );
    let tr = trace(&t, "compute/cpu-cluster", "fqdn:example.com");
    assert_eq!(tr.verdict, Verdict::Unknown, "{tr:#?}");
    assert!(
        tr.missing.iter().any(|m| m
            .starts_with("whether `azurerm_subnet_route_table_association.training` is deployed")
            && m.ends_with("without it the flow is allowed")),
        "{:?}",
        tr.missing
    );
}

/// ARM: a firewall policy network rule whose `destinationAddresses` is a parameter without
/// value. Azure Firewall processes rule collections in priority order and denies what no rule
/// allows; a rule that may or may not cover a destination may or may not allow it. The rule
/// was read as allowing every destination (`*`): a definite "allowed" to an arbitrary host the
/// firewall refuses in the example. The trace is unknown and names the open value.
#[test]
fn arm_firewall_rule_with_an_unknown_destination_is_not_read_as_any() {
    let t = load_edited(
        "hub-spoke-firewall",
        "arm",
        "azuredeploy.json",
        |s| {
            let s = replace(
                s,
                "\"destinationAddresses\": [\"AzureActiveDirectory\"]",
                "\"destinationAddresses\": [\"[parameters('entraDst')]\"]",
            );
            replace(
                &s,
                "\"parameters\": {",
                "\"parameters\": {\n    \"entraDst\": { \"type\": \"string\" },",
            )
        },
        Default::default(),
    );
    let tr = trace(&t, "compute/cpu-cluster", "fqdn:example.com");
    assert_eq!(tr.verdict, Verdict::Unknown, "{tr:#?}");
    assert!(
        tr.missing.iter().any(|m| m.contains("entraDst")),
        "{:?}",
        tr.missing
    );
}

/// The firewall hop of a trace.
fn firewall_hop(t: &moat_engine::trace::Trace) -> &moat_engine::Hop {
    t.hops
        .iter()
        .find(|h| h.step == moat_engine::Step::Firewall)
        .unwrap_or_else(|| panic!("no firewall hop: {t:#?}"))
}

/// The example's first network rule (`entra`, to AzureActiveDirectory) with its destination
/// left open: a parameter (ARM) or a variable (Terraform) without value.
fn entra_destination_open(form: &str) -> Topology {
    match form {
        "arm" => load_edited(
            "hub-spoke-firewall",
            "arm",
            "azuredeploy.json",
            |s| {
                let s = replace(
                    s,
                    "\"destinationAddresses\": [\"AzureActiveDirectory\"]",
                    "\"destinationAddresses\": [\"[parameters('entraDst')]\"]",
                );
                replace(
                    &s,
                    "\"parameters\": {",
                    "\"parameters\": {\n    \"entraDst\": { \"type\": \"string\" },",
                )
            },
            Default::default(),
        ),
        _ => load_edited(
            "hub-spoke-firewall",
            "terraform",
            "main.tf",
            |s| {
                let s = replace(
                    s,
                    "destinations = [\"AzureActiveDirectory\"]",
                    "destinations = [var.entra_dst]",
                );
                format!("variable \"entra_dst\" {{}}\n{s}")
            },
            Default::default(),
        ),
    }
}

/// Azure Firewall rule processing: "The rules are terminating, so rule processing stops on a
/// match." A rule whose destination the input leaves open comes first in the Allow collection
/// `aml-service-tags`; the collection's `azureml` rule allows AzureMachineLearning on 443.
/// Whether or not the open rule matches, the flow is allowed (by it, or by `azureml`): no
/// value of the open destination changes the answer, in either input form.
#[test]
fn open_rule_before_an_allow_in_the_same_allow_collection_is_decided() {
    for form in ["arm", "terraform"] {
        let t = entra_destination_open(form);
        let tr = trace(&t, "compute/cpu-cluster", "tag:AzureMachineLearning");
        assert_eq!(tr.verdict, Verdict::Allowed, "{form}: {tr:#?}");
        let h = firewall_hop(&tr);
        assert_eq!(h.code, moat_engine::Code::FwNetworkAllow, "{form}: {h:?}");
        assert!(
            h.detail.contains("aml-service-tags/azureml"),
            "{form}: the rule that surely matches decides: {h:?}"
        );
        assert!(tr.missing.is_empty(), "{form}: {:?}", tr.missing);
    }
}

/// The same open rule before Azure Firewall's default: "Azure Firewall denies all traffic by
/// default, until rules are manually configured to allow traffic." An arbitrary host is
/// allowed if the open destination covers it and denied if not: unknown, at the firewall,
/// naming the open value.
#[test]
fn open_allow_rule_before_the_default_deny_is_unknown() {
    for (form, value) in [("arm", "entraDst"), ("terraform", "entra_dst")] {
        let t = entra_destination_open(form);
        let tr = trace(&t, "compute/cpu-cluster", "fqdn:example.com");
        assert_eq!(tr.verdict, Verdict::Unknown, "{form}: {tr:#?}");
        let h = firewall_hop(&tr);
        assert_eq!(h.code, moat_engine::Code::FwUndecided, "{form}: {h:?}");
        assert!(h.detail.contains("aml-service-tags/entra"), "{form}: {h:?}");
        assert!(
            tr.missing.iter().any(|m| m.contains(value)),
            "{form}: {:?}",
            tr.missing
        );
    }
}

/// A Deny collection (priority 50, before `aml-service-tags`) whose one rule's destination is
/// a parameter without value. "Rule collections are processed according to the rule type in
/// priority order": if the rule matches, AzureMachineLearning is denied; if not, `azureml`
/// allows it. The two values give different answers: unknown, at the firewall.
#[test]
fn open_rule_in_a_deny_collection_before_an_allow_is_unknown() {
    let t = load_edited(
        "hub-spoke-firewall",
        "arm",
        "azuredeploy.json",
        |s| {
            let s = replace(
                s,
                "\"ruleCollections\": [",
                r#""ruleCollections": [
          {
            "ruleCollectionType": "FirewallPolicyFilterRuleCollection",
            "name": "blocked",
            "priority": 50,
            "action": { "type": "Deny" },
            "rules": [{
              "ruleType": "NetworkRule", "name": "listed", "ipProtocols": ["TCP"],
              "sourceAddresses": ["*"], "destinationAddresses": ["[parameters('blockedDst')]"],
              "destinationPorts": ["443"]
            }]
          },"#,
            );
            replace(
                &s,
                "\"parameters\": {",
                "\"parameters\": {\n    \"blockedDst\": { \"type\": \"string\" },",
            )
        },
        Default::default(),
    );
    let tr = trace(&t, "compute/cpu-cluster", "tag:AzureMachineLearning");
    assert_eq!(tr.verdict, Verdict::Unknown, "{tr:#?}");
    let h = firewall_hop(&tr);
    assert_eq!(h.code, moat_engine::Code::FwUndecided, "{h:?}");
    assert!(h.detail.contains("blocked/listed"), "{h:?}");
    assert!(
        tr.missing.iter().any(|m| m.contains("blockedDst")),
        "{:?}",
        tr.missing
    );
    // What the open rule cannot match stays decided: it filters TCP 443 only, and UDP 5831
    // to AzureMachineLearning is allowed by `azureml-udp`.
    let e = Engine::for_topology(&t, None).expect("engine");
    let q = Query {
        from: "compute/cpu-cluster".parse().unwrap(),
        to: "tag:AzureMachineLearning".parse().unwrap(),
        protocol: Protocol::UDP,
        port: 5831,
    };
    let udp = moat_engine::presence::trace(&e, &moat_model::presence::variants(&t), &q).unwrap();
    assert_eq!(udp.verdict, Verdict::Allowed, "{udp:#?}");
}

/// A firewall publishing two servers through DNAT rules on its public address 20.5.5.5:
/// `web` (443 to 10.0.2.4:8080) from sources the input leaves open (`webSources`), and
/// `ssh` (2222 to 10.0.2.5:22) from any source.
const PUBLISHED: &str = r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": { "webSources": { "type": "string" }, "apiTarget": { "type": "string" } },
  "resources": [
    {
      "type": "Microsoft.Network/virtualNetworks", "apiVersion": "2023-04-01", "name": "hub",
      "location": "eastus",
      "properties": {
        "addressSpace": { "addressPrefixes": ["10.100.0.0/16"] },
        "subnets": [{ "name": "AzureFirewallSubnet", "properties": { "addressPrefix": "10.100.0.0/26" } }]
      }
    },
    {
      "type": "Microsoft.Network/virtualNetworks", "apiVersion": "2023-04-01", "name": "spoke",
      "location": "eastus",
      "properties": {
        "addressSpace": { "addressPrefixes": ["10.0.0.0/16"] },
        "subnets": [{ "name": "web", "properties": { "addressPrefix": "10.0.2.0/24" } }]
      }
    },
    {
      "type": "Microsoft.Network/virtualNetworks/virtualNetworkPeerings", "apiVersion": "2023-04-01",
      "name": "hub/to-spoke",
      "dependsOn": ["[resourceId('Microsoft.Network/virtualNetworks', 'hub')]", "[resourceId('Microsoft.Network/virtualNetworks', 'spoke')]"],
      "properties": { "remoteVirtualNetwork": { "id": "[resourceId('Microsoft.Network/virtualNetworks', 'spoke')]" }, "allowForwardedTraffic": true }
    },
    {
      "type": "Microsoft.Network/virtualNetworks/virtualNetworkPeerings", "apiVersion": "2023-04-01",
      "name": "spoke/to-hub",
      "dependsOn": ["[resourceId('Microsoft.Network/virtualNetworks', 'hub')]", "[resourceId('Microsoft.Network/virtualNetworks', 'spoke')]"],
      "properties": { "remoteVirtualNetwork": { "id": "[resourceId('Microsoft.Network/virtualNetworks', 'hub')]" }, "allowForwardedTraffic": true }
    },
    {
      "type": "Microsoft.Network/publicIPAddresses", "apiVersion": "2023-04-01", "name": "fw-pip",
      "location": "eastus", "sku": { "name": "Standard" },
      "properties": { "publicIPAllocationMethod": "Static", "ipAddress": "20.5.5.5" }
    },
    {
      "type": "Microsoft.Network/azureFirewalls", "apiVersion": "2023-04-01", "name": "fw",
      "location": "eastus",
      "dependsOn": ["[resourceId('Microsoft.Network/virtualNetworks', 'hub')]"],
      "properties": {
        "ipConfigurations": [{
          "name": "ipconfig",
          "properties": {
            "subnet": { "id": "[resourceId('Microsoft.Network/virtualNetworks/subnets', 'hub', 'AzureFirewallSubnet')]" },
            "publicIPAddress": { "id": "[resourceId('Microsoft.Network/publicIPAddresses', 'fw-pip')]" }
          }
        }],
        "natRuleCollections": [{
          "name": "inbound",
          "properties": {
            "priority": 100,
            "action": { "type": "Dnat" },
            "rules": [
              { "name": "web", "protocols": ["TCP"], "sourceAddresses": ["[parameters('webSources')]"],
                "destinationAddresses": ["20.5.5.5"], "destinationPorts": ["443"],
                "translatedAddress": "10.0.2.4", "translatedPort": "8080" },
              { "name": "api", "protocols": ["TCP"], "sourceAddresses": ["*"],
                "destinationAddresses": ["20.5.5.5"], "destinationPorts": ["8443"],
                "translatedAddress": "[parameters('apiTarget')]", "translatedPort": "443" },
              { "name": "ssh", "protocols": ["TCP"], "sourceAddresses": ["*"],
                "destinationAddresses": ["20.5.5.5"], "destinationPorts": ["2222"],
                "translatedAddress": "10.0.2.5", "translatedPort": "22" }
            ]
          }
        }]
      }
    }
  ]
}"#;

/// [`PUBLISHED`] as an ARM deployment.
fn published() -> Topology {
    let dir = std::env::temp_dir().join(format!(
        "moat-open-values-dnat-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("azuredeploy.json"), PUBLISHED).unwrap();
    let t = moat_ingest::load_opts(&dir, &Default::default())
        .unwrap_or_else(|e| panic!("{:#?}", e.diagnostics))
        .topology;
    let _ = std::fs::remove_dir_all(&dir);
    t
}

/// Azure Firewall rule processing, NAT rules: "NAT rules are applied in priority before
/// network rules. If a match is found, the traffic is translated according to the DNAT rule
/// and allowed by the firewall." What the open values of the `web` and `api` rules decide is
/// unknown, and only that: `ssh` (2222) is translated and allowed, and a port no rule
/// listens on is denied.
#[test]
fn dnat_rules_with_open_values_leave_only_what_they_decide_unknown() {
    let t = published();
    // `web`: whether an internet host is among the open sources decides it.
    let web = trace_port(&t, "internet", "ip:20.5.5.5", 443);
    assert_eq!(web.verdict, Verdict::Unknown, "{web:#?}");
    let h = firewall_hop(&web);
    assert_eq!(h.code, moat_engine::Code::FwUndecided, "{h:?}");
    assert!(h.detail.contains("inbound/web"), "{h:?}");
    assert!(
        web.missing.iter().any(|m| m.contains("webSources")),
        "{:?}",
        web.missing
    );
    // `api`: it matches, and where it sends the packet is open.
    let api = trace_port(&t, "internet", "ip:20.5.5.5", 8443);
    assert_eq!(api.verdict, Verdict::Unknown, "{api:#?}");
    assert_eq!(firewall_hop(&api).code, moat_engine::Code::FwDnatOpen);
    assert!(
        api.missing.iter().any(|m| m.contains("apiTarget")),
        "{:?}",
        api.missing
    );
    // `ssh`: decided, translated to 10.0.2.5:22 and allowed by the firewall.
    let ssh = trace_port(&t, "internet", "ip:20.5.5.5", 2222);
    let h = firewall_hop(&ssh);
    assert_eq!(h.code, moat_engine::Code::FwDnat, "{ssh:#?}");
    assert_eq!(h.decision, moat_engine::HopDecision::Pass);
    assert!(
        h.detail.contains("10.0.2.5") && h.detail.contains("inbound/ssh"),
        "{h:?}"
    );
    assert_ne!(ssh.verdict, Verdict::Unknown, "{ssh:#?}");
    // Nothing listens on 3389: "Azure Firewall denies all traffic by default".
    let rdp = trace_port(&t, "internet", "ip:20.5.5.5", 3389);
    assert_eq!(rdp.verdict, Verdict::Denied, "{rdp:#?}");
    assert_eq!(
        rdp.blocked_by().unwrap().code,
        moat_engine::Code::FwDnatNoRule
    );
}
