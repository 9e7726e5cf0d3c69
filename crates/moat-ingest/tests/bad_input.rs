//! Every class of bad input gets a located message and a hint.

use moat_model::Diagnostic;

fn errors(text: &str) -> Vec<Diagnostic> {
    match moat_ingest::parse_native_str("t.yaml", text) {
        Ok(_) => panic!("input was accepted"),
        Err(d) => d,
    }
}

fn one(text: &str) -> Diagnostic {
    let mut d = errors(text);
    assert_eq!(d.len(), 1, "expected one diagnostic, got {d:#?}");
    d.remove(0)
}

const VNET: &str = "virtual_networks:\n  - name: vnet\n    address_space: [10.0.0.0/16]\n    subnets:\n      - name: pe\n        address_prefixes: [10.0.3.0/24]\n";

#[test]
fn malformed_yaml_is_located() {
    let d = one(
        "virtual_networks:\n  - name: vnet\n    address_space: [10.0.0.0/16\n    subnets: []\n",
    );
    assert_eq!(d.code, "syntax");
    assert!(d.message.starts_with("invalid YAML/JSON"), "{}", d.message);
    assert_eq!(d.location.file, "t.yaml");
    assert!(d.location.line >= 3, "{:?}", d.location);
    assert!(d.hint.is_some());
}

#[test]
fn malformed_json_is_located() {
    let d = one("{\"virtual_networks\": [{\"name\": \"vnet\",, }]}");
    assert_eq!(d.code, "syntax");
    assert_eq!(d.location.line, 1);
}

#[test]
fn unknown_fields_suggest_the_right_name() {
    let d = one(&format!(
        "{VNET}        servce_endpoints: [Microsoft.Storage]\n"
    ));
    assert_eq!(d.code, "unknown-field");
    assert_eq!(d.message, "unknown field `servce_endpoints`");
    assert_eq!(d.hint.as_deref(), Some("did you mean `service_endpoints`?"));
    assert_eq!((d.location.line, d.location.column), (7, 9));
}

#[test]
fn unknown_top_level_keys_suggest_the_right_kind() {
    let d = one("virtual_network:\n  - name: vnet\n");
    assert_eq!(d.code, "unknown-field");
    assert_eq!(d.hint.as_deref(), Some("did you mean `virtual_networks`?"));
    assert_eq!((d.location.line, d.location.column), (1, 1));
}

#[test]
fn missing_required_fields_point_at_the_resource() {
    let d = one("virtual_networks:\n  - name: vnet\n    subnets: []\n");
    assert_eq!(d.code, "missing-field");
    assert_eq!(d.message, "missing required field `address_space`");
    assert_eq!((d.location.line, d.location.column), (2, 5));
}

#[test]
fn dangling_references_suggest_declared_names() {
    let d = one(&format!(
        "{VNET}private_endpoints:\n  - name: p\n    subnet: vnet/pee\n    target: workspace/ws\n    group_id: amlworkspace\nworkspaces:\n  - name: ws\n"
    ));
    assert_eq!(d.code, "dangling-reference");
    assert_eq!(d.message, "subnet `vnet/pee` is not declared");
    assert_eq!(d.hint.as_deref(), Some("did you mean `vnet/pe`?"));
    assert_eq!((d.location.line, d.location.column), (9, 13));
}

#[test]
fn invalid_cidrs_and_ips_are_rejected_where_written() {
    let ds = errors(
        "virtual_networks:\n  - name: vnet\n    address_space: [10.0.0.0/33]\n    dns_servers: [10.0.0.256]\n",
    );
    assert_eq!(ds.len(), 2, "{ds:#?}");
    assert_eq!(ds[0].code, "invalid-value");
    assert!(ds[0].message.contains("10.0.0.0/33"), "{}", ds[0].message);
    assert_eq!(ds[0].location.line, 3);
    assert!(ds[1].message.contains("10.0.0.256"), "{}", ds[1].message);
    assert_eq!(ds[1].location.line, 4);
}

#[test]
fn host_bits_in_a_prefix_are_rejected() {
    let d = one("virtual_networks:\n  - name: vnet\n    address_space: [10.0.0.5/16]\n");
    assert_eq!(d.code, "invalid-prefix");
    assert_eq!(d.hint.as_deref(), Some("write 10.0.0.0/16"));
    assert_eq!((d.location.line, d.location.column), (3, 21));
}

#[test]
fn private_endpoint_ip_outside_its_subnet() {
    let d = one(&format!(
        "{VNET}private_endpoints:\n  - name: p\n    subnet: vnet/pe\n    target: workspace/ws\n    group_id: amlworkspace\n    ip_address: 10.0.4.4\nworkspaces:\n  - name: ws\n"
    ));
    assert_eq!(d.code, "ip-outside-subnet");
    assert!(
        d.message
            .contains("10.0.4.4 is outside its subnet `vnet/pe` (10.0.3.0/24)"),
        "{}",
        d.message
    );
    assert_eq!((d.location.line, d.location.column), (12, 17));
}

#[test]
fn subnet_outside_the_vnet_address_space() {
    let d = one(
        "virtual_networks:\n  - name: vnet\n    address_space: [10.0.0.0/16]\n    subnets:\n      - name: a\n        address_prefixes: [10.1.0.0/24]\n",
    );
    assert_eq!(d.code, "subnet-outside-vnet");
    assert_eq!(d.hint.as_deref(), Some("the address space is 10.0.0.0/16"));
    assert_eq!((d.location.line, d.location.column), (6, 28));
}

#[test]
fn overlapping_subnets() {
    let d = one(&format!(
        "{VNET}      - name: b\n        address_prefixes: [10.0.3.128/25]\n"
    ));
    assert_eq!(d.code, "overlapping-subnets");
    assert!(d.message.contains("overlaps subnet `pe`"), "{}", d.message);
    assert_eq!(d.location.line, 8);
}

#[test]
fn duplicate_names() {
    let d = one("workspaces:\n  - name: ws\n  - name: WS\n");
    assert_eq!(d.code, "duplicate-name");
    assert_eq!(d.message, "workspace `WS` is declared twice");
    assert!(
        d.hint
            .as_deref()
            .unwrap()
            .starts_with("first declared at t.yaml:2:5")
    );
    assert_eq!((d.location.line, d.location.column), (3, 11));
}

#[test]
fn every_error_of_a_file_is_reported_together() {
    let ds = errors(
        "workspaces:\n  - name: ws\n    public_network_access: Disbled\n    storage_account: nope\n    bogus: 1\nvirtual_networks:\n  - name: v\n    address_space: [10.0.0.0/8]\n    subnets:\n      - {name: a, address_prefixes: [11.0.0.0/24]}\n",
    );
    let codes: Vec<&str> = ds.iter().map(|d| d.code.as_str()).collect();
    assert_eq!(
        codes,
        ["invalid-value", "unknown-field", "subnet-outside-vnet"],
        "{ds:#?}"
    );
}

#[test]
fn invalid_enum_values_suggest_the_right_one() {
    let d = one(
        "workspaces:\n  - name: ws\n    managed_network: { isolation_mode: AllowInternetOutbond }\n",
    );
    assert_eq!(d.code, "invalid-value");
    assert_eq!(
        d.hint.as_deref(),
        Some("did you mean `AllowInternetOutbound`?")
    );
    assert_eq!(d.location.line, 3);
}

#[test]
fn hostile_inputs_are_refused_without_panic() {
    let deep = format!("workspaces: {}{}", "[".repeat(5000), "]".repeat(5000));
    assert_eq!(one(&deep).code, "too-deep");
    let d = one("workspaces: !!binary aGVsbG8=\n");
    assert_eq!(d.code, "invalid-type");
    for junk in [
        "",
        "---\n",
        "- a\n- b\n",
        "42",
        "\"x\"",
        "{",
        "workspaces: [{name: [1, {2: 3}]}]",
    ] {
        let _ = moat_ingest::parse_native_str("j.yaml", junk);
    }
}

/// A managed network rule in the native format, its destination given by `destination`.
fn rule(destination: &str) -> String {
    format!(
        "workspaces:\n  - name: ws\n    managed_network:\n      isolation_mode: AllowOnlyApprovedOutbound\n      outbound_rules:\n        - name: lake\n          type: PrivateEndpoint\n          destination:\n{destination}storage_accounts:\n  - name: lake\n"
    )
}

/// The private endpoint destination's "sparkEnabled" is a boolean (PrivateEndpointDestination
/// reference; facts: YAML `destination.spark_enabled`), and the Azure ML CLI specs quote it
/// (`spark_enabled: 'true'` in the feature store sample). The native format reads it as the
/// CLI reader does; a value that is no boolean is located at the value itself.
#[test]
fn quoted_spark_flag_reads_as_in_cli_specs() {
    let t = moat_ingest::parse_native_str(
        "t.yaml",
        &rule("            service_resource: storage/lake\n            subresource_target: dfs\n            spark_enabled: \"true\"\n"),
    )
    .unwrap_or_else(|d| panic!("{d:#?}"));
    let r = &t.workspaces[0].managed_network.outbound_rules[0];
    assert!(
        matches!(&r.destination, moat_model::ml::OutboundDestination::PrivateEndpoint(d) if d.spark_enabled && d.subresource_target == "dfs"),
        "{r:?}"
    );
    // The CLI's spelling of the target, `service_resource_id`, is the same field.
    let t = moat_ingest::parse_native_str(
        "t.yaml",
        &rule(
            "            service_resource_id: storage/lake\n            subresource_target: blob\n",
        ),
    )
    .unwrap_or_else(|d| panic!("{d:#?}"));
    assert!(matches!(
        &t.workspaces[0].managed_network.outbound_rules[0].destination,
        moat_model::ml::OutboundDestination::PrivateEndpoint(d) if d.service_resource == "storage/lake"
    ));
    let d = one(&rule(
        "            service_resource: storage/lake\n            subresource_target: dfs\n            spark_enabled: \"sometimes\"\n",
    ));
    assert_eq!(d.code, "invalid-type");
    assert_eq!((d.location.line, d.location.column), (11, 28));
}

/// A destination is a host name, {service_resource, subresource_target} or {service_tag,
/// protocol, port_ranges}: a map that is neither is an error at the map, saying which.
#[test]
fn destination_shapes_are_named() {
    let d = one(&rule(
        "            service_resource: storage/lake\n            service_tag: Storage\n",
    ));
    assert_eq!(d.code, "invalid-value");
    assert!(d.message.contains("mixes"), "{}", d.message);
    assert_eq!(d.location.line, 9);
    let d = one(&rule("            service_resource: storage/lake\n"));
    assert_eq!(d.code, "missing-field");
    assert_eq!(d.message, "missing required field `subresource_target`");
    assert_eq!(d.location.line, 9);
    let d = one(&rule(
        "            service_resource: storage/lake\n            subresource_target: dfs\n            spark_enable: true\n",
    ));
    assert_eq!(d.code, "unknown-field");
    assert_eq!(d.hint.as_deref(), Some("did you mean `spark_enabled`?"));
    assert_eq!(d.location.line, 11);
}
