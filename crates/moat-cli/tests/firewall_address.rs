//! The address of an Azure Firewall that the input does not state.
//!
//! Azure assigns it: the REST API reference marks `ipConfigurations[].properties.privateIPAddress`
//! read-only, "The Firewall Internal Load Balancer IP to be used as the next hop in User Defined
//! Routes", and the Azure Firewall tutorials have the reader look the address up once the
//! firewall is deployed. Which free address of its `AzureFirewallSubnet` it takes is
//! not documented; moat reads the first usable one (`.4`) and says so in every trace that
//! reaches the firewall by it, and `--strict` does not take it for granted.

use serde_json::Value;
use std::process::Command;

fn data(file: &str) -> String {
    format!(
        "{}/tests/data/firewall_address/{file}",
        env!("CARGO_MANIFEST_DIR")
    )
}

/// `moat trace <file> --from subnet/core/jobs --to fqdn:pypi.org --format json [extra]`.
fn trace(file: &str, extra: &[&str]) -> Value {
    flow(file, "subnet/core/jobs", "fqdn:pypi.org", extra)
}

/// `moat trace <file> --from <from> --to <to> --format json [extra]`.
fn flow(file: &str, from: &str, to: &str, extra: &[&str]) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_moat"))
        .args(["trace", &data(file), "--from", from, "--to", to])
        .args(["--format", "json"])
        .args(extra)
        .output()
        .expect("moat runs");
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn texts(v: &Value, field: &str) -> Vec<String> {
    v[field]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s.as_str().map(str::to_string))
        .collect()
}

fn names_the_address(lines: &[String]) -> bool {
    lines
        .iter()
        .any(|l| l.contains("firewall edge the address 10.20.1.4"))
}

/// A template whose firewall states no address and whose route names `10.20.1.4`, the first
/// usable address of the firewall's subnet: the flow goes through the firewall's rules as
/// before, resting on the assumption that Azure gave the firewall that address; strict mode
/// does not make it, and the flow is undecided for want of it.
#[test]
fn a_route_to_the_first_usable_address_reaches_the_firewall_by_assumption() {
    let v = trace("azuredeploy.json", &[]);
    assert_eq!(v["verdict"], "allowed", "{v:#}");
    assert!(names_the_address(&texts(&v, "assumptions")), "{v:#}");
    let hop = v["hops"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["code"] == "FIREWALL_ADDRESS_ASSUMED")
        .unwrap_or_else(|| panic!("{v:#}"));
    assert_eq!(hop["decision"], "assumed", "{v:#}");

    let strict = trace("azuredeploy.json", &["--strict"]);
    assert_eq!(strict["verdict"], "unknown", "{strict:#}");
    assert!(names_the_address(&texts(&strict, "missing")), "{strict:#}");
}

/// The same network with the firewall's address stated: nothing about it is assumed, in
/// either mode.
#[test]
fn a_stated_address_is_not_an_assumption() {
    for extra in [&[][..], &["--strict"][..]] {
        let v = trace("stated.yaml", extra);
        assert!(!names_the_address(&texts(&v, "assumptions")), "{v:#}");
        assert!(!names_the_address(&texts(&v, "missing")), "{v:#}");
        assert!(
            v["hops"]
                .as_array()
                .unwrap()
                .iter()
                .any(|h| h["code"] == "FW_APPLICATION_ALLOW"),
            "{v:#}"
        );
    }
}

/// Azure Firewall DNS proxy: clients use the firewall's private IP as their DNS server. With
/// the VNet's DNS server written as the address the firewall is assumed to have, the query is
/// answered by the proxy on that assumption too; strict mode stops at the DNS step.
#[test]
fn a_dns_server_at_the_first_usable_address_is_the_proxy_by_assumption() {
    let v = trace("dns_proxy.json", &[]);
    assert_eq!(v["verdict"], "allowed", "{v:#}");
    let proxy = v["hops"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["code"] == "DNS_FIREWALL_PROXY")
        .unwrap_or_else(|| panic!("{v:#}"));
    assert_eq!(proxy["decision"], "assumed", "{v:#}");
    assert!(names_the_address(&texts(&v, "assumptions")), "{v:#}");

    let strict = trace("dns_proxy.json", &["--strict"]);
    assert_eq!(strict["verdict"], "unknown", "{strict:#}");
    let last = strict["hops"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["code"], "DNS_FIREWALL_PROXY", "{strict:#}");
    assert!(names_the_address(&texts(&strict, "missing")), "{strict:#}");
}

/// Terraform names the firewall's address by its attribute
/// (`azurerm_firewall.edge.ip_configuration[0].private_ip_address`): the route's next hop is
/// the firewall whatever address Azure gives it, and nothing is assumed, even in strict mode.
/// Written as text (`"10.20.1.4"`), the same route reaches the firewall only if Azure gave it
/// that address: an assumption again.
#[test]
fn terraform_naming_the_firewall_by_its_attribute_assumes_nothing() {
    let assumed = |dir: &str, extra: &[&str]| {
        let v = trace(dir, extra);
        let hop = v["hops"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["code"] == "FIREWALL_ADDRESS_ASSUMED");
        (v, hop)
    };
    for extra in [&[][..], &["--strict"][..]] {
        let (v, hop) = assumed("tf_reference", extra);
        assert!(!hop, "{v:#}");
        assert!(
            v["hops"]
                .as_array()
                .unwrap()
                .iter()
                .any(|h| h["code"] == "FW_APPLICATION_ALLOW"),
            "{v:#}"
        );
    }
    let (v, hop) = assumed("tf_literal", &[]);
    assert!(hop, "{v:#}");
    assert_eq!(v["verdict"], "allowed", "{v:#}");
}

/// The hub-and-spoke templates of `arm_reference/`: a compute in the spoke, whose default route
/// goes to the hub's firewall, which allows PyPI and nothing else.
fn spoke(file: &str, to: &str, extra: &[&str]) -> Value {
    flow(
        &format!("arm_reference/{file}"),
        "compute/trainers",
        to,
        extra,
    )
}

fn codes(v: &Value) -> Vec<String> {
    v["hops"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|h| h["code"].as_str().map(str::to_string))
        .collect()
}

fn names_the_hub_address(lines: &[String]) -> bool {
    lines
        .iter()
        .any(|l| l.contains("firewall hub-fw the address 10.60.0.4"))
}

/// An ARM template names the firewall's address as the REST API gives it, "the Firewall
/// Internal Load Balancer IP to be used as the next hop in User Defined Routes", read with
/// `reference()`, which Resource Manager documents as returning the resource's runtime state
/// (only its `properties` object unless `'Full'` is given), however it names the firewall: its `resourceId()`, its full id, the full object
/// (`properties` first), a symbolic name (Bicep's `languageVersion` 2.0), the output of the
/// module that deploys it, or the first of several IP configurations. The spoke's traffic goes
/// through the firewall whatever address Azure gives it: nothing is assumed, and strict mode
/// decides what the firewall decides.
#[test]
fn arm_naming_the_firewall_by_reference_assumes_nothing() {
    for file in [
        "resource_id.json",
        "full_id.json",
        "full_properties.json",
        "symbolic.json",
        "modules.json",
        "several_configs.json",
    ] {
        let v = spoke(file, "fqdn:pypi.org", &[]);
        assert_eq!(v["verdict"], "allowed", "{file}: {v:#}");
        let c = codes(&v);
        assert!(
            c.iter().any(|c| c == "FW_APPLICATION_ALLOW"),
            "{file}: {v:#}"
        );
        assert!(
            !c.iter().any(|c| c == "FIREWALL_ADDRESS_ASSUMED"),
            "{file}: {v:#}"
        );
        assert!(
            !names_the_hub_address(&texts(&v, "assumptions")),
            "{file}: {v:#}"
        );

        let strict = spoke(file, "fqdn:example.com", &["--strict"]);
        assert_eq!(strict["verdict"], "denied", "{file}: {strict:#}");
        assert!(
            codes(&strict).iter().any(|c| c == "FW_IMPLICIT_DENY"),
            "{file}: {strict:#}"
        );
    }
}

/// The same spoke with the address written as text reaches the firewall only if Azure gave it
/// that address: an assumption, which strict mode does not make.
#[test]
fn arm_writing_the_firewall_address_as_text_assumes_it() {
    let v = spoke("literal.json", "fqdn:pypi.org", &[]);
    assert_eq!(v["verdict"], "allowed", "{v:#}");
    assert!(
        codes(&v).iter().any(|c| c == "FIREWALL_ADDRESS_ASSUMED"),
        "{v:#}"
    );
    assert!(names_the_hub_address(&texts(&v, "assumptions")), "{v:#}");
    let strict = spoke("literal.json", "fqdn:example.com", &["--strict"]);
    assert_eq!(strict["verdict"], "unknown", "{strict:#}");
    assert!(
        names_the_hub_address(&texts(&strict, "missing")),
        "{strict:#}"
    );
}

/// A `reference()` to what is not the template's firewall names no firewall: an appliance's
/// network interface or a load balancer's frontend whose address Azure allocates, a firewall
/// the template does not deploy, or the firewall's second IP configuration, which holds a
/// public IP and no subnet. The route's next hop stays unknown, and so does the flow.
#[test]
fn arm_referring_to_anything_else_leaves_the_route_unknown() {
    for file in [
        "nva_nic.json",
        "lb_frontend.json",
        "undeclared_firewall.json",
        "second_config.json",
    ] {
        for extra in [&[][..], &["--strict"][..]] {
            let v = spoke(file, "fqdn:example.com", extra);
            assert_eq!(v["verdict"], "unknown", "{file}: {v:#}");
            assert!(
                !codes(&v).iter().any(|c| c.starts_with("FW_")),
                "{file}: {v:#}"
            );
        }
        let v = spoke(file, "fqdn:example.com", &[]);
        assert!(
            texts(&v, "missing")
                .iter()
                .any(|m| m.contains("routes/default-via-hub of route-table/spoke-egress")),
            "{file}: {v:#}"
        );
    }
}

/// The hub-and-spoke templates of `arm_dns/`: the spoke's default route and DNS server are the
/// hub firewall, whose policy turns its DNS proxy on (`dnsSettings.enableProxy`) and allows
/// PyPI.
fn dns_spoke(file: &str, extra: &[&str]) -> Value {
    flow(
        &format!("arm_dns/{file}"),
        "compute/trainers",
        "fqdn:pypi.org",
        extra,
    )
}

/// A trace's hops as (step, element, code, detail, decision), without where each is written.
fn hop_lines(v: &Value) -> Vec<[String; 5]> {
    let s = |h: &Value, k: &str| h[k].as_str().unwrap_or_default().to_string();
    v["hops"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|h| {
            [
                s(h, "step"),
                s(h, "element"),
                s(h, "code"),
                s(h, "detail"),
                s(h, "decision"),
            ]
        })
        .collect()
}

/// Azure Firewall's DNS settings: "enable DNS proxy and update the virtual machine
/// configuration to use the firewall as a DNS proxy". A hub-and-spoke template gives the spoke
/// VNet the firewall's private IP as its DNS server by the same `reference()` as its next hop,
/// in any of its forms: the spoke's queries go to the firewall's proxy whatever address Azure
/// gives it. The trace is the one the address written as text gives, but for the assumption:
/// no FIREWALL_ADDRESS_ASSUMED hop, a proxy step that is not assumed, and strict mode passes
/// the DNS step.
#[test]
fn arm_naming_the_dns_proxy_by_reference_assumes_nothing() {
    let literal = dns_spoke("literal.json", &[]);
    assert_eq!(literal["verdict"], "allowed", "{literal:#}");
    let expected: Vec<[String; 5]> = hop_lines(&literal)
        .into_iter()
        .filter(|h| h[2] != "FIREWALL_ADDRESS_ASSUMED")
        .map(|mut h| {
            if h[2] == "DNS_FIREWALL_PROXY" {
                assert_eq!(h[4], "assumed", "{literal:#}");
                h[4] = "pass".into();
            }
            h
        })
        .collect();
    assert!(
        expected.iter().any(|h| h[2] == "DNS_FIREWALL_PROXY"),
        "{literal:#}"
    );
    let literal_strict = dns_spoke("literal.json", &["--strict"]);
    assert_eq!(
        hop_lines(&literal_strict).last().unwrap()[2],
        "DNS_FIREWALL_PROXY",
        "{literal_strict:#}"
    );
    assert!(
        names_the_hub_address(&texts(&literal_strict, "missing")),
        "{literal_strict:#}"
    );

    for file in [
        "resource_id.json",
        "full_properties.json",
        "symbolic.json",
        "modules.json",
    ] {
        let v = dns_spoke(file, &[]);
        assert_eq!(v["verdict"], "allowed", "{file}: {v:#}");
        assert_eq!(hop_lines(&v), expected, "{file}: {v:#}");
        let mut assumed = texts(&literal, "assumptions");
        assumed.retain(|a| !a.contains("firewall hub-fw the address 10.60.0.4"));
        assert_eq!(texts(&v, "assumptions"), assumed, "{file}: {v:#}");

        let strict = dns_spoke(file, &["--strict"]);
        let codes = codes(&strict);
        assert!(
            codes.iter().any(|c| c == "FW_APPLICATION_ALLOW"),
            "{file}: {strict:#}"
        );
        assert!(
            !names_the_hub_address(&texts(&strict, "missing")),
            "{file}: {strict:#}"
        );
    }
}

/// Anything but the firewall's own address as `reference()` gives it is not its proxy: the
/// address of an appliance's network interface or of a load balancer's frontend, of the
/// firewall's second IP configuration (a public IP only), of a firewall the template does not
/// deploy, or a value computed from the firewall's address. The spoke's DNS servers stay
/// open, whatever its route does, and strict mode does not take them.
#[test]
fn arm_a_dns_server_read_from_anything_else_stays_unknown() {
    for file in [
        "nva_nic.json",
        "lb_frontend.json",
        "second_config.json",
        "undeclared_firewall.json",
        "derived.json",
    ] {
        let v = dns_spoke(file, &[]);
        assert!(
            !codes(&v).iter().any(|c| c == "DNS_FIREWALL_PROXY"),
            "{file}: {v:#}"
        );
        assert!(
            texts(&v, "missing")
                .iter()
                .any(|m| m.starts_with("dns_servers of vnet/spoke")),
            "{file}: {v:#}"
        );
        // The route names the firewall by reference(): the flow reaches it.
        assert!(
            codes(&v).iter().any(|c| c == "FW_APPLICATION_ALLOW"),
            "{file}: {v:#}"
        );
        let strict = dns_spoke(file, &["--strict"]);
        assert_eq!(strict["verdict"], "unknown", "{file}: {strict:#}");
        assert!(
            !codes(&strict).iter().any(|c| c == "DNS_FIREWALL_PROXY"),
            "{file}: {strict:#}"
        );
    }
}

/// The firewall named by `reference()` keeps its place among the VNet's DNS servers, as an
/// address written as text does: first, it answers; after a server of the VNet's own, that
/// server does.
#[test]
fn arm_a_dns_proxy_named_by_reference_keeps_its_place() {
    let first = dns_spoke("proxy_first.json", &[]);
    assert_eq!(hop_lines(&first)[1][2], "DNS_FIREWALL_PROXY", "{first:#}");
    let second = dns_spoke("proxy_second.json", &[]);
    let dns = &hop_lines(&second)[1];
    assert_eq!(dns[2], "DNS_ASSUMED_RECURSIVE", "{second:#}");
    assert!(dns[1].contains("10.61.0.10"), "{second:#}");
}
