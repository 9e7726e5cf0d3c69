//! What the infrastructure rule tests share: a native topology checked by one rule, and the
//! assertions on its findings. Each test binary uses part of it.
#![allow(dead_code, unused_imports)]

pub use moat_engine::Code;
pub use moat_rules::{Finding, Severity};

pub fn findings(yaml: &str, code: &str) -> Vec<Finding> {
    let t = match moat_ingest::parse_native_str("t.yaml", yaml) {
        Ok(t) => t,
        Err(d) => panic!("bad test topology: {d:#?}"),
    };
    let e = moat_engine::Engine::for_topology(&t, None).expect("engine");
    let cx = moat_rules::Context::new(&e);
    let mut v = Vec::new();
    moat_rules::by_code(code)
        .unwrap_or_else(|| panic!("{code} is not registered"))
        .check(&cx, &mut v);
    v
}

/// The one finding of `code`, with its code and severity checked.
pub fn one(yaml: &str, code: &str, severity: Severity) -> Finding {
    let v = findings(yaml, code);
    assert_eq!(v.len(), 1, "{code}: expected one finding, got {v:#?}");
    let f = v.into_iter().next().unwrap();
    assert_eq!(f.code, code);
    assert_eq!(f.severity, severity, "{}", f.message);
    f
}

pub fn none(yaml: &str, code: &str) {
    let v = findings(yaml, code);
    assert!(v.is_empty(), "{code}: expected no finding, got {v:#?}");
}

/// The code of the hop that stopped the finding's flow.
pub fn blocked(f: &Finding) -> Code {
    let t = f.trace.as_ref().expect("a path finding carries its trace");
    t.blocked_by()
        .map(|h| h.code)
        .expect("the trace stops at a hop")
}

/// `base` with `from` replaced by `to`; `from` must occur, so a near miss is never the same
/// topology by accident.
pub fn edit(base: &str, from: &str, to: &str) -> String {
    assert!(base.contains(from), "`{from}` is not in the topology");
    base.replacen(from, to, 1)
}

/// A workspace with a private endpoint and a compute cluster in a training subnet with an NSG
/// holding only Azure's default rules.
pub const CMP_BASE: &str = r#"
region: eastus
workspaces:
  - { name: ws, public_network_access: Disabled }
computes:
  - { name: cpu, workspace: ws, type: AmlCompute, vm_size: Standard_DS3_v2, max_nodes: 4, subnet: vnet/training, enable_node_public_ip: false }
virtual_networks:
  - name: vnet
    address_space: [10.0.0.0/16]
    subnets:
      - { name: training, address_prefixes: [10.0.1.0/24], network_security_group: nsg, nat_gateway: nat }
      - { name: pe, address_prefixes: [10.0.3.0/24] }
nat_gateways:
  - { name: nat }
network_security_groups:
  - name: nsg
    rules: []
private_endpoints:
  - { name: ws-pe, subnet: vnet/pe, target: workspace/ws, group_id: amlworkspace }
"#;
