//! Imports the crate's own templates (`tests/data`) and malformed or hostile inputs.

use moat_arm::{ArmOptions, load, load_str_with_parameters};
use moat_doc::{LoadError, Loaded};
use moat_model::Open;
use moat_model::enums::*;
use moat_model::values::AddressPrefix;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

fn data(p: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/")).join(p)
}

fn hub() -> Loaded {
    let opts = ArmOptions {
        parameter_files: vec![data("hub.parameters.json")],
        ..Default::default()
    };
    load(&data("hub.json"), &opts).unwrap_or_else(|e| panic!("{:#?}", e.diagnostics))
}

/// Writes `text` to a fresh file under the target directory and returns its path.
fn scratch(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("moat-arm-tests-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn load_text(name: &str, text: &str) -> Result<Loaded, LoadError> {
    load(&scratch(name, text), &ArmOptions::default())
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

#[test]
fn parameters_override_defaults_case_insensitively_and_unknown_ones_warn() {
    let l = hub();
    let t = &l.topology;
    assert!(t.workspaces.iter().any(|w| w.name == "acme-ws"));
    assert_eq!(
        t.virtual_networks
            .iter()
            .filter(|v| v.name.starts_with("spoke-"))
            .count(),
        2
    );
    assert_eq!(
        l.warnings
            .iter()
            .filter(|w| w.code == "unknown-parameter")
            .count(),
        1
    );
    let w = l
        .warnings
        .iter()
        .find(|w| w.code == "unknown-parameter")
        .unwrap();
    assert!(w.location.file.ends_with("hub.parameters.json") && w.location.line == 7);
    assert_eq!(l.sources.len(), 2);
}

#[test]
fn parameter_files_given_as_text_read_as_those_read_from_disk() {
    // Named as the files are, the text reads as the files do.
    let name = |p: &str| data(p).display().to_string();
    let text = |p: &str| std::fs::read_to_string(data(p)).unwrap();
    let given = moat_doc::SourceFile::new(name("hub.parameters.json"), text("hub.parameters.json"));
    let l = load_str_with_parameters(
        &name("hub.json"),
        &text("hub.json"),
        vec![given],
        &Default::default(),
    )
    .unwrap_or_else(|e| panic!("{:#?}", e.diagnostics));
    let from_disk = hub();
    assert_eq!(l.topology, from_disk.topology);
    assert_eq!(l.sources.len(), 2);
    assert_eq!(l.warnings, from_disk.warnings);
    // A file given as text comes before those the options name: the later file wins.
    let spokes = moat_doc::SourceFile::new("s.json", r#"{"spokeCount": {"value": 1}}"#.into());
    let opts = ArmOptions {
        parameter_files: vec![data("hub.parameters.json")],
        ..Default::default()
    };
    let l = load_str_with_parameters(&name("hub.json"), &text("hub.json"), vec![spokes], &opts)
        .unwrap_or_else(|e| panic!("{:#?}", e.diagnostics));
    let count = |l: &Loaded| {
        (l.topology.virtual_networks.iter())
            .filter(|v| v.name.starts_with("spoke-"))
            .count()
    };
    assert_eq!(count(&l), 2);
}

#[test]
fn workspaces_and_their_managed_network() {
    let t = hub().topology;
    let ws = t.workspaces.iter().find(|w| w.name == "acme-ws").unwrap();
    assert_eq!(ws.kind, Some(WorkspaceKind::Hub));
    assert_eq!(ws.public_network_access, PublicNetworkAccess::Disabled);
    assert!(ws.hbi_workspace);
    assert_eq!(ws.image_build_compute.as_deref(), Some("cpu-cluster"));
    assert_eq!(ws.storage_account.as_deref(), Some("acmedata"));
    assert_eq!(ws.key_vault.as_deref(), Some("acme-kv"));
    assert_eq!(ws.container_registry.as_deref(), Some("acmeacr"));
    assert_eq!(ws.application_insights.as_deref(), Some("appi"));
    let acls = ws.network_acls.as_ref().unwrap();
    assert_eq!(acls.default_action, DefaultAction::Deny);
    assert_eq!(acls.ip_rules, vec!["198.51.100.7/32".parse().unwrap()]);
    let mn = &ws.managed_network;
    assert_eq!(mn.isolation_mode, IsolationMode::AllowOnlyApprovedOutbound);
    assert_eq!(mn.firewall_sku, Some(FirewallSku::Basic));
    let rules: Vec<String> = mn
        .outbound_rules
        .iter()
        .map(|r| {
            format!(
                "{} {} {} {}",
                r.name,
                r.kind,
                serde_json::to_string(&r.destination).unwrap(),
                r.active
            )
        })
        .collect();
    assert_eq!(
        rules,
        vec![
            r#"pypi FQDN "pypi.org" true"#,
            r#"data-blob PrivateEndpoint {"service_resource":"storage/acmedata","subresource_target":"blob","spark_enabled":true} true"#,
            r#"aad ServiceTag {"service_tag":"AzureActiveDirectory","protocol":"TCP","port_ranges":["80","443"],"address_prefixes":[]} false"#,
            r#"registry PrivateEndpoint {"service_resource":"registry/demoreg","subresource_target":"amlregistry","spark_enabled":false} true"#,
        ]
    );
    assert_eq!(
        mn.outbound_rules[0].category,
        Some(OutboundRuleCategory::UserDefined)
    );
    let project = t
        .workspaces
        .iter()
        .find(|w| w.name == "acme-project")
        .unwrap();
    assert_eq!(project.kind, Some(WorkspaceKind::Project));
    assert_eq!(project.hub.as_deref(), Some("acme-ws"));
    assert_eq!(project.public_network_access, PublicNetworkAccess::Enabled);
}

#[test]
fn computes_endpoints_registries_and_roles() {
    let t = hub().topology;
    let names: Vec<&str> = t.computes.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, vec!["cpu-cluster", "ci"]);
    let c = &t.computes[0];
    assert_eq!(
        (
            c.workspace.as_str(),
            c.compute_type,
            c.min_nodes,
            c.max_nodes
        ),
        ("acme-ws", ComputeType::AmlCompute, 0, 4)
    );
    assert_eq!(c.subnet.as_deref(), Some("acme-hub/training"));
    assert!(!c.enable_node_public_ip);
    assert_eq!(c.identity, Some(IdentityType::SystemAssigned));
    assert_eq!(c.vm_size.as_deref(), Some("Standard_DS3_v2"));
    // Azure's default: node public IP on.
    assert!(t.computes[1].enable_node_public_ip);
    assert_eq!(t.computes[1].compute_type, ComputeType::ComputeInstance);
    assert!(t.unmodelled.iter().any(|u| u.resource_type
        == "Microsoft.MachineLearningServices/workspaces/computes"
        && u.name == "acme-ws/dbx"));
    let e = &t.online_endpoints[0];
    assert_eq!(
        (
            e.name.as_str(),
            e.workspace.as_str(),
            e.public_network_access
        ),
        ("score", "acme-ws", PublicNetworkAccess::Disabled)
    );
    assert_eq!(e.deployments[0].name, "blue");
    assert_eq!(
        e.deployments[0].egress_public_network_access,
        PublicNetworkAccess::Disabled
    );
    assert_eq!(e.deployments[0].registry_sources(), vec!["demoreg"]);
    let r = &t.registries[0];
    assert_eq!(r.public_network_access, PublicNetworkAccess::Disabled);
    assert_eq!(r.regions, vec!["westeurope"]);
    assert_eq!(r.storage.name.as_deref(), Some("demoregstore"));
    assert_eq!(
        (r.acr.name.as_deref(), r.acr.sku),
        (Some("demoregacr"), Some(AcrSku::Premium))
    );
    // The workspace's own identity, through reference(...).identity.principalId.
    assert_eq!(t.role_assignments.len(), 1);
    let ra = &t.role_assignments[0];
    assert_eq!(
        (
            ra.principal.as_str(),
            ra.role.as_str(),
            ra.scope.to_string()
        ),
        (
            "workspace/acme-ws",
            "AzureML Registry User",
            "registry/demoreg".into()
        )
    );
    // Assigned on the resource group: not an address in the model.
    assert!(
        t.unmodelled
            .iter()
            .any(|u| u.resource_type == "Microsoft.Authorization/roleAssignments")
    );
}

#[test]
fn dependencies_and_their_firewalls() {
    let t = hub().topology;
    let sa = &t.storage_accounts[0];
    assert_eq!(
        (
            sa.name.as_str(),
            sa.public_network_access,
            sa.sku.as_deref()
        ),
        (
            "acmedata",
            PublicNetworkAccess::Enabled,
            Some("Standard_LRS")
        )
    );
    assert_eq!(sa.network_rules.default_action, DefaultAction::Deny);
    assert_eq!(sa.network_rules.bypass, vec!["AzureServices", "Logging"]);
    assert_eq!(
        sa.network_rules.ip_rules,
        vec!["203.0.113.0/24".parse::<AddressPrefix>().unwrap()]
    );
    assert_eq!(
        sa.network_rules.virtual_network_rules,
        vec!["acme-hub/training"]
    );
    let rar = &sa.network_rules.resource_access_rules[0];
    assert_eq!(
        (rar.resource_type.as_str(), rar.name.as_str()),
        ("Microsoft.MachineLearningServices/workspaces", "acme-ws")
    );
    let kv = &t.key_vaults[0];
    assert_eq!(
        (kv.network_acls.default_action, kv.network_acls.bypass),
        (DefaultAction::Deny, Bypass::None)
    );
    assert_eq!(
        kv.network_acls.virtual_network_rules,
        vec!["acme-hub/training"]
    );
    let acr = &t.container_registries[0];
    assert_eq!(
        (
            acr.sku,
            acr.public_network_access,
            acr.data_endpoint_enabled
        ),
        (AcrSku::Premium, PublicNetworkAccess::Disabled, true)
    );
    let ai = &t.application_insights[0];
    assert!(ai.workspace_based);
    assert_eq!(
        ai.public_network_access_for_query,
        PublicNetworkAccess::Disabled
    );
    let ampls = &t.monitor_private_link_scopes[0];
    assert_eq!(
        (ampls.ingestion_access_mode, ampls.query_access_mode),
        (AmplsAccessMode::PrivateOnly, AmplsAccessMode::Open)
    );
    assert_eq!(ampls.scoped_resources, vec!["appi"]);
    assert!(t.unmodelled.iter().any(|u| u.resource_type
        == "Microsoft.OperationalInsights/workspaces"
        && u.name == "logs"));
}

#[test]
fn virtual_networks_subnets_and_peerings() {
    let t = hub().topology;
    let hub = t
        .virtual_networks
        .iter()
        .find(|v| v.name == "acme-hub")
        .unwrap();
    assert_eq!(hub.dns_servers, vec![ip("10.0.1.4")]);
    let names: Vec<&str> = hub.subnets.iter().map(|s| s.name.as_str()).collect();
    // Inline subnets, then the nested child resource, then the `vnet/subnet` one.
    assert_eq!(
        names,
        vec![
            "training",
            "AzureFirewallSubnet",
            "pe",
            "GatewaySubnet",
            "AzureBastionSubnet",
            "dns-in",
            "dns-out"
        ]
    );
    let training = &hub.subnets[0];
    assert_eq!(training.network_security_group.as_deref(), Some("acme-nsg"));
    assert_eq!(training.route_table.as_deref(), Some("to-firewall"));
    assert_eq!(training.nat_gateway.as_deref(), Some("nat"));
    assert_eq!(training.service_endpoints, vec!["Microsoft.Storage"]);
    assert_eq!(training.service_endpoint_policies, vec!["sep"]);
    assert_eq!(
        training.private_endpoint_network_policies,
        PrivateEndpointNetworkPolicies::Enabled
    );
    assert!(!training.default_outbound_access);
    assert_eq!(
        hub.subnets[5].delegations,
        vec!["Microsoft.Network/dnsResolvers"]
    );
    assert_eq!(hub.subnets[5].at.pointer, "/resources/9/resources/0");
    let p = &hub.peerings[0];
    assert_eq!(
        (
            p.remote_vnet.as_str(),
            p.allow_forwarded_traffic,
            p.allow_gateway_transit,
            p.use_remote_gateways
        ),
        ("spoke-0", true, true, false)
    );
    // Copies, with the NSG id from a nested deployment's outputs.
    for (i, v) in t
        .virtual_networks
        .iter()
        .filter(|v| v.name.starts_with("spoke-"))
        .enumerate()
    {
        assert_eq!(
            v.address_space,
            vec![format!("10.{}.0.0/16", 10 + i).parse().unwrap()]
        );
        assert_eq!(
            v.subnets[0].network_security_group.as_deref(),
            Some("acme-spoke-nsg")
        );
    }
    assert!(
        t.network_security_groups
            .iter()
            .any(|n| n.name == "acme-spoke-nsg"
                && n.at.pointer == "/resources/11/properties/template/resources/0")
    );
}

#[test]
fn security_rules_routes_and_gateways() {
    let t = hub().topology;
    let nsg = t
        .network_security_groups
        .iter()
        .find(|n| n.name == "acme-nsg")
        .unwrap();
    let r: Vec<(&str, u32, Direction, Access)> = nsg
        .rules
        .iter()
        .map(|r| {
            (
                r.name.as_str(),
                r.priority.get().unwrap(),
                r.direction.get().unwrap(),
                r.access.get().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        r,
        vec![
            ("AllowAmlInbound", 100, Direction::Inbound, Access::Allow),
            ("AllowJumpbox", 110, Direction::Inbound, Access::Allow),
            ("DenyInternetOut", 4000, Direction::Outbound, Access::Deny),
        ]
    );
    assert_eq!(nsg.rules[0].protocol, NsgProtocol::Tcp);
    assert_eq!(
        nsg.rules[0].source,
        vec![AddressPrefix::Tag("AzureMachineLearning".into())]
    );
    assert_eq!(
        nsg.rules[0].destination_ports,
        vec!["44224".parse().unwrap()]
    );
    assert_eq!(nsg.rules[1].source.len(), 2);
    assert_eq!(nsg.rules[1].destination_asgs, vec!["acme-asg"]);
    assert_eq!(nsg.rules[1].destination_ports.len(), 2);
    assert_eq!(
        nsg.rules[2].destination,
        vec![AddressPrefix::Tag("Internet".into())]
    );
    let rt = &t.route_tables[0];
    assert!(rt.disable_bgp_route_propagation);
    assert_eq!(rt.routes[0].next_hop_type, NextHopType::VirtualAppliance);
    assert_eq!(rt.routes[0].next_hop_ip_address, Some(ip("10.0.1.4")));
    assert_eq!(
        rt.routes[1].address_prefix,
        AddressPrefix::Tag("AzureMachineLearning".into())
    );
    assert_eq!(
        t.nat_gateways.len(),
        1,
        "the `never` gateway's condition is false"
    );
    assert_eq!(t.nat_gateways[0].public_ips, vec!["nat-pip"]);
    let pips: Vec<(&str, Option<IpAddr>)> = t
        .public_ips
        .iter()
        .map(|p| (p.name.as_str(), p.ip_address))
        .collect();
    assert_eq!(
        pips,
        vec![
            ("fw-pip", None),
            ("nat-pip", Some(ip("203.0.113.7"))),
            ("extra-pip", None)
        ]
    );
    // extra-pip's condition is an unknown parameter: imported, and listed as may-exist.
    assert!(
        t.may_exist
            .iter()
            .any(|m| m.resource == "public-ip/extra-pip" && m.reason.contains("condition"))
    );
    let gw = &t.virtual_network_gateways[0];
    assert_eq!(
        (gw.vnet.as_str(), gw.gateway_type),
        ("acme-hub", GatewayType::Vpn)
    );
    assert_eq!(
        gw.vpn_client_address_pool,
        vec!["172.16.200.0/24".parse().unwrap()]
    );
    assert_eq!(
        t.local_network_gateways[0].gateway_ip_address,
        Some(ip("203.0.113.10"))
    );
    let c = &t.connections[0];
    assert_eq!(
        (
            c.connection_type,
            c.virtual_network_gateway.as_str(),
            c.local_network_gateway.as_deref()
        ),
        (ConnectionType::IPsec, "vpn", Some("onprem"))
    );
    assert_eq!(
        (
            t.bastion_hosts[0].vnet.as_str(),
            t.bastion_hosts[0].public_ip.as_deref()
        ),
        ("acme-hub", Some("fw-pip"))
    );
    let nic = &t.network_interfaces[0];
    assert_eq!(
        (nic.subnet.as_str(), nic.private_ip_address),
        ("acme-hub/training", Some(ip("10.0.0.10")))
    );
    assert_eq!(
        (
            nic.network_security_group.as_deref(),
            nic.application_security_groups.clone()
        ),
        (Some("acme-nsg"), vec!["acme-asg".to_string()])
    );
    assert_eq!(
        t.virtual_machines[0].network_interfaces,
        vec!["jumpbox-nic"]
    );
}

#[test]
fn firewalls_policies_and_ip_groups() {
    let t = hub().topology;
    let fw = &t.firewalls[0];
    assert_eq!(fw.vnet, "acme-hub");
    // Not given in the template: the first usable address of AzureFirewallSubnet, as Azure does.
    assert_eq!(fw.private_ip_address, Some(ip("10.0.1.4")));
    assert_eq!(fw.public_ips, vec!["fw-pip"]);
    assert_eq!(
        (fw.sku, fw.dns_proxy, fw.firewall_policy.as_deref()),
        (Some(FirewallSku::Standard), true, Some("policy"))
    );
    let nrc = &fw.network_rule_collections[0];
    assert_eq!(
        (nrc.name.as_str(), nrc.priority, nrc.action),
        ("allow-dns", Open::Known(100), Open::Known(Access::Allow))
    );
    assert_eq!(nrc.rules[0].protocols, vec![FirewallProtocol::Udp]);
    assert_eq!(nrc.rules[0].source_ip_groups, vec!["acme-ipg"]);
    let arc = &fw.application_rule_collections[0];
    assert_eq!(
        arc.rules[0].target_fqdns,
        vec!["pypi.org", "*.pythonhosted.org"]
    );
    assert_eq!(arc.rules[0].protocols[0].to_string(), "Https:443");
    let pol = &t.firewall_policies[0];
    assert!(pol.dns_proxy);
    let g = &pol.rule_collection_groups[0];
    assert_eq!((g.name.as_str(), g.priority.get()), ("default", Some(100)));
    // Destination IP groups read as the groups' addresses.
    assert_eq!(
        g.network_rule_collections[0].rules[0]
            .destination_addresses
            .len(),
        2
    );
    assert_eq!(
        g.application_rule_collections[0].rules[0].target_fqdns,
        vec!["*.microsoft.com"]
    );
}

#[test]
fn private_endpoints_zones_and_resolvers() {
    let l = hub();
    let t = &l.topology;
    let pes: Vec<(&str, String, &str, ConnectionState)> = t
        .private_endpoints
        .iter()
        .map(|p| {
            (
                p.name.as_str(),
                p.target.to_string(),
                p.group_id.as_str(),
                p.connection_state,
            )
        })
        .collect();
    assert_eq!(
        pes,
        vec![
            (
                "pe-ws",
                "workspace/acme-ws".into(),
                "amlworkspace",
                ConnectionState::Approved
            ),
            (
                "pe-blob",
                "storage/acmedata".into(),
                "blob",
                ConnectionState::Pending
            ),
            (
                "pe-registry-storage",
                "registry/demoreg:storage".into(),
                "blob",
                ConnectionState::Approved
            ),
            (
                "pe-external",
                "keyvault/acme-kv".into(),
                "vault",
                ConnectionState::Approved
            ),
        ]
    );
    assert_eq!(
        t.private_endpoints[0].dns_zone_group,
        vec![
            "privatelink.api.azureml.ms",
            "privatelink.notebooks.azure.net"
        ]
    );
    // Static address from ipConfigurations; the others Azure assigns at deployment, one of
    // the free addresses of their subnet, never one picked here.
    assert_eq!(t.private_endpoints[1].ip_address, Some(ip("10.0.2.10")));
    assert_eq!(t.private_endpoints[0].ip_address, None);
    let a = moat_model::Addressing::new(t, &t.index());
    match t.endpoint_address(&a, &t.private_endpoints[0]) {
        Some(moat_model::PrivateIp::Dynamic(d)) => {
            assert_eq!(d.subnet, t.private_endpoints[0].subnet);
            assert!(
                a.free(t, &d.subnet)
                    .is_some_and(|f| !f.contains(ip("10.0.2.10")))
            );
        }
        other => panic!("an assigned address, not {other:?}"),
    }
    // The endpoint into a subnet outside the template (an existing subnet passed as a
    // parameter) is kept, in an external subnet named by the id, its address unknown, and
    // warned about (the rule: "what the deployment puts into it still exists").
    assert_eq!(t.private_endpoints[3].subnet, "corp/pe");
    assert_eq!(t.private_endpoints[3].ip_address, None);
    assert!(moat_model::external::is_external_subnet(
        t,
        &t.index(),
        "corp/pe"
    ));
    assert!(
        t.is_unknown("private-endpoint/pe-external", "ip_address")
            .is_some()
    );
    assert!(
        l.warnings
            .iter()
            .any(|w| w.code == "external-subnet" && w.message.contains("pe-external"))
    );
    // A target type the model does not cover: unmodelled, with a warning.
    assert!(
        t.unmodelled
            .iter()
            .any(|u| u.resource_type == "Microsoft.Network/privateEndpoints"
                && u.name == "pe-search")
    );
    let zones: Vec<&str> = t
        .private_dns_zones
        .iter()
        .map(|z| z.name.as_str())
        .collect();
    assert_eq!(
        zones,
        vec![
            "privatelink.api.azureml.ms",
            "privatelink.notebooks.azure.net",
            "privatelink.blob.core.windows.net"
        ]
    );
    assert!(
        t.private_dns_zones
            .iter()
            .all(|z| z.vnet_links == vec!["acme-hub"])
    );
    let rec = &t.private_dns_zones[0].records[0];
    assert_eq!(
        (rec.name.as_str(), rec.record_type, rec.values.clone()),
        ("manual", RecordType::A, vec!["10.0.2.50".to_string()])
    );
    let r = &t.dns_resolvers[0];
    assert_eq!(r.vnet, "acme-hub");
    assert_eq!(
        (
            r.inbound_endpoints[0].subnet.as_str(),
            r.inbound_endpoints[0].ip_address
        ),
        ("acme-hub/dns-in", Some(ip("10.0.3.4")))
    );
    assert_eq!(r.outbound_endpoints[0].subnet, "acme-hub/dns-out");
    let rs = &t.dns_forwarding_rulesets[0];
    assert_eq!(rs.outbound_endpoints, vec!["resolver/out"]);
    assert_eq!(rs.vnet_links, vec!["acme-hub"]);
    assert_eq!(
        (
            rs.rules[0].domain_name.as_str(),
            rs.rules[0].target_dns_servers.clone()
        ),
        ("corp.contoso.com.", vec![ip("192.168.0.10")])
    );
    let sep = &t.service_endpoint_policies[0];
    assert_eq!(sep.definitions[0].service_resources, vec!["acmedata"]);
    // Every resource knows where it was written.
    let fw = &t.firewalls[0];
    assert_eq!((fw.at.line, fw.at.pointer.as_str()), (243, "/resources/14"));
    assert!(fw.at.file.ends_with("hub.json"));
}

#[test]
fn malformed_inputs_are_located_errors() {
    let e = load_text(
        "broken.json",
        "{\n  \"resources\": [\n    {\"type\": \n  ]\n}\n",
    )
    .unwrap_err();
    let d = &e.diagnostics[0];
    assert_eq!(d.code, "syntax");
    assert!(d.location.line >= 3 && d.location.column > 0, "{d}");
    assert!(d.hint.is_some());

    let e = load_text("norsc.json", "{\"parameters\": {}}").unwrap_err();
    assert_eq!(e.diagnostics[0].code, "not-a-template");
    assert!(e.diagnostics[0].hint.is_some());
    let e = load(&data("hub.parameters.json"), &ArmOptions::default()).unwrap_err();
    assert!(e.diagnostics[0].message.contains("parameters file"));
    let e = load_text("list.json", "[1, 2]").unwrap_err();
    assert_eq!(e.diagnostics[0].code, "not-a-template");

    // A template given as a parameters file, and a parameter without a value.
    let opts = ArmOptions {
        parameter_files: vec![data("hub.json")],
        ..Default::default()
    };
    let e = load(&data("hub.json"), &opts).unwrap_err();
    assert_eq!(e.diagnostics[0].code, "bad-parameters");
    let bad = scratch(
        "bad.parameters.json",
        "{\"parameters\": {\n  \"prefix\": {\"val\": 1}\n}}",
    );
    let e = load(
        &data("hub.json"),
        &ArmOptions {
            parameter_files: vec![bad],
            ..Default::default()
        },
    )
    .unwrap_err();
    assert_eq!(
        (
            e.diagnostics[0].code.as_str(),
            e.diagnostics[0].location.line
        ),
        ("bad-parameters", 2)
    );
    let e = load(
        Path::new("/nonexistent/template.json"),
        &ArmOptions::default(),
    )
    .unwrap_err();
    assert_eq!(e.diagnostics[0].code, "io");
}

#[test]
fn inconsistent_templates_fail_validation_with_locations() {
    let t = r#"{"resources": [
  {"type": "Microsoft.Network/virtualNetworks", "name": "v",
   "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
                  "subnets": [{"name": "s", "properties": {"addressPrefix": "192.168.0.0/24"}}]}}
]}"#;
    let e = load_text("outside.json", t).unwrap_err();
    assert_eq!(e.diagnostics[0].code, "subnet-outside-vnet");
    assert_eq!(e.diagnostics[0].location.line, 2);
}

#[test]
fn hostile_inputs_never_panic() {
    // Nesting deeper than the parser accepts.
    let deep = format!(
        "{{\"resources\": {}{}}}",
        "[".repeat(5000),
        "]".repeat(5000)
    );
    let e = load_text("deep.json", &deep).unwrap_err();
    assert_eq!(e.diagnostics[0].code, "too-deep");
    // A copy count far above Azure's limit, an invalid expression, an unknown function.
    let t = r#"{"resources": [
  {"type": "Microsoft.Network/applicationSecurityGroups", "name": "[format('asg{0}', copyIndex())]", "copy": {"name": "c", "count": 100000000}},
  {"type": "Microsoft.Network/applicationSecurityGroups", "name": "[concat('a']"},
  {"type": "Microsoft.Network/applicationSecurityGroups", "name": "[frobnicate()]"},
  {"type": "Microsoft.Network/applicationSecurityGroups"},
  "not a resource",
  {"type": "[parameters('t')]", "name": "x"}
]}"#;
    let l = load_text("big.json", t).unwrap();
    assert_eq!(l.topology.application_security_groups.len(), 803);
    assert!(
        l.topology
            .unknowns
            .iter()
            .any(|u| u.field == "copy.count" && u.reason.contains("800"))
    );
    assert_eq!(
        l.topology
            .unknowns
            .iter()
            .filter(|u| u.field == "name")
            .count(),
        3
    );
    assert!(
        l.topology
            .unmodelled
            .iter()
            .any(|u| u.resource_type == "<unknown type>")
    );
    // Deeply nested inline deployments.
    let mut tpl = r#"{"resources": [{"type": "Microsoft.Network/applicationSecurityGroups", "name": "leaf"}]}"#.to_string();
    for i in 0..40 {
        tpl = format!(
            r#"{{"resources": [{{"type": "Microsoft.Resources/deployments", "name": "d{i}", "properties": {{"expressionEvaluationOptions": {{"scope": "inner"}}, "template": {tpl}}}}}]}}"#
        );
    }
    let l = load_text("nested.json", &tpl).unwrap();
    assert_eq!(l.topology.application_security_groups.len(), 1);
}

mod mutations {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

        /// Cutting or corrupting a real template gives a located error or an import, never
        /// a panic.
        #[test]
        fn corrupted_templates_never_panic(cut in 0usize..45_000, at in 0usize..45_000, byte in any::<u8>()) {
            let text = std::fs::read(data("hub.json")).unwrap();
            let mut t = text.clone();
            let i = at % t.len();
            t[i] = byte;
            t.truncate(t.len() - cut % (t.len() / 2));
            let p = scratch(&format!("mut-{cut}-{at}-{byte}.json"), &String::from_utf8_lossy(&t));
            match load(&p, &ArmOptions::default()) {
                Ok(l) => prop_assert!(moat_model::validate(&l.topology).is_empty()),
                Err(e) => prop_assert!(!e.diagnostics.is_empty()),
            }
            let _ = std::fs::remove_file(p);
        }
    }
}

/// What `az deployment group create` says besides the template: the resource group's region,
/// the resource group and subscription, and inline `name=value` parameters.
#[test]
fn the_deployment_target_and_inline_parameters() {
    let text = r#"{
      "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
      "contentVersion": "1.0.0.0",
      "parameters": {
        "prefix": { "type": "string" },
        "count": { "type": "int", "defaultValue": 1 },
        "location": { "type": "string", "defaultValue": "[resourceGroup().location]" }
      },
      "resources": [
        {
          "type": "Microsoft.Network/virtualNetworks", "apiVersion": "2023-09-01",
          "name": "[format('{0}-vnet-{1}', parameters('prefix'), parameters('count'))]",
          "location": "[parameters('location')]",
          "properties": { "addressSpace": { "addressPrefixes": ["10.0.0.0/16"] } }
        },
        {
          "type": "Microsoft.Network/networkSecurityGroups", "apiVersion": "2023-09-01",
          "name": "[uniqueString(resourceGroup().id)]", "location": "[parameters('location')]"
        }
      ]
    }"#;
    let path = scratch("target.json", text);

    // Without them: the name and the region are unknown, and ids use placeholders.
    let l = load(&path, &ArmOptions::default()).unwrap();
    let fields: Vec<&str> = l
        .topology
        .unknowns
        .iter()
        .map(|u| u.field.as_str())
        .collect();
    assert!(fields.contains(&"region"), "{fields:?}");
    assert!(fields.contains(&"resource_group"), "{fields:?}");
    assert!(fields.contains(&"name"), "{fields:?}");

    let opts = |rg: &str| ArmOptions {
        parameter_values: vec![
            ("PREFIX".into(), "contoso".into()),
            ("count".into(), "3".into()),
        ],
        target: moat_arm::Target {
            subscription: Some("11111111-1111-1111-1111-111111111111".into()),
            resource_group: Some(rg.into()),
            location: Some("westeurope".into()),
        },
        ..Default::default()
    };
    let l = load(&path, &opts("rg-ml")).unwrap_or_else(|e| panic!("{:#?}", e.diagnostics));
    let t = &l.topology;
    assert!(t.unknowns.is_empty(), "{:#?}", t.unknowns);
    let vnet = &t.virtual_networks[0];
    assert_eq!(
        vnet.name, "contoso-vnet-3",
        "an int parameter is read as JSON"
    );
    assert_eq!(vnet.region.as_deref(), Some("westeurope"));
    // uniqueString(resourceGroup().id) follows the resource group, as Azure's does.
    let other = load(&path, &opts("rg-other")).unwrap();
    assert_ne!(
        t.network_security_groups[0].name,
        other.topology.network_security_groups[0].name
    );

    // A parameter the template does not declare, or a value of the wrong type, is bad input.
    let bad = |k: &str, v: &str| {
        let o = ArmOptions {
            parameter_values: vec![(k.into(), v.into())],
            ..Default::default()
        };
        load(&path, &o).unwrap_err().diagnostics.remove(0)
    };
    let d = bad("prefx", "x");
    assert_eq!(d.code, "bad-parameters");
    assert_eq!(d.hint.as_deref(), Some("did you mean `prefix`?"));
    let d = bad("count", "three");
    assert!(d.message.contains("not a valid int"), "{}", d.message);
}

/// A firewall policy's DNS settings name the servers its firewalls' proxy forwards to
/// (Azure Firewall DNS settings: with custom DNS servers, the proxy sends queries there
/// instead of to Azure DNS). Seed 004: such a server needs "a conditional forwarder in your DNS
/// server" to Azure DNS for the private link names, so where queries go must be kept.
#[test]
fn a_policys_dns_servers_are_read() {
    let text = r#"{
      "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
      "contentVersion": "1.0.0.0",
      "resources": [{
        "type": "Microsoft.Network/firewallPolicies",
        "apiVersion": "2023-09-01",
        "name": "hub-policy",
        "location": "westeurope",
        "properties": {
          "dnsSettings": { "enableProxy": true, "servers": ["10.20.0.10", "10.20.0.11"] }
        }
      }]
    }"#;
    let l = load_text("policy-dns.json", text).unwrap_or_else(|e| panic!("{:#?}", e.diagnostics));
    let pol = &l.topology.firewall_policies[0];
    assert!(pol.dns_proxy);
    assert_eq!(pol.dns_servers, vec![ip("10.20.0.10"), ip("10.20.0.11")]);
}
