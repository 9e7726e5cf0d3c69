//! Private endpoints: the endpoint a private address belongs to, its connection, target and sub-resource.

use super::{Code, Step, Walk, Walked, at, strip_sub};
use moat_model::address::{Address, Kind};
use moat_model::enums::{ConnectionState, Direction};
use moat_packets::AddrSet;

/// What decides whether a private endpoint carries a flow to its target: where it sits, what
/// it connects to, its connection's state, its address and the names it registers. Not its
/// region, which is its VNet's ("For the Region field, select the same region as your Azure
/// Virtual Network", registries document, "How to create a private endpoint") and which no
/// decision here reads.
const PRIVATE_ENDPOINT_READS: &[&str] = &[
    "subnet",
    "target",
    "group_id",
    "connection_state",
    "ip_address",
    "dns_zone_group",
];

impl Walk<'_, '_> {
    pub(super) fn private_endpoint(&mut self, pi: usize, subnet: &str, src: &AddrSet) -> Walked {
        let pe = &self.t().private_endpoints[pi];
        // A walk for its verdict alone writes no words (see `Walk::hop`), nor, where the input
        // leaves nothing open, what its hops read (see `Walk::untouched`).
        let resource = if self.untouched() {
            String::new()
        } else {
            format!("private-endpoint/{}", pe.name)
        };
        let element = if self.quiet {
            String::new()
        } else {
            format!("private endpoint {}", pe.name)
        };
        let (vi, si) = self.e.subnet_at(subnet).expect("subnet of an address");
        let s = &self.t().virtual_networks[vi].subnets[si];
        let policies = s.private_endpoint_network_policies;
        let dst_vnet = self.t().virtual_networks[vi].name.clone();
        if policies.nsg_applies() {
            if let Some(n) = s.network_security_group.clone()
                && let Some(ip) = self.t().endpoint_address(self.e.dns.addressing(), pe)
            {
                let dst = self.private(ip);
                // The subnet's NSG reads the endpoint's address alone.
                self.touch_fields(resource.clone(), &["ip_address"]);
                self.nsg(
                    &n,
                    Direction::Inbound,
                    &dst_vnet,
                    src,
                    &dst,
                    super::NsgScope::PrivateEndpointSubnet(subnet.to_string()),
                )?;
            }
        } else if s.network_security_group.is_some() {
            self.info(Step::Nsg, format!("subnet {subnet}"), Code::PePoliciesOff, "private endpoint network policies are off: the subnet's NSG does not apply to the endpoint");
        }
        // Every hop below is the endpoint's own decision.
        self.touch(resource);
        self.reading_only(PRIVATE_ENDPOINT_READS);
        if pe.connection_state != ConnectionState::Approved {
            return self.block(
                Step::PrivateEndpoint,
                element,
                Code::PeNotApproved,
                format!(
                    "the connection is {}: traffic through it fails",
                    pe.connection_state
                ),
                at(&pe.at),
                format!("approve the private endpoint connection on {}", pe.target),
            );
        }
        if let Some(target) = self.served_by.as_ref().or(self.target.as_ref()) {
            let same_resource = match (&pe.target, target) {
                (
                    Address::Resource {
                        kind: k1,
                        name: n1,
                        sub: s1,
                    },
                    Address::Resource {
                        kind: k2,
                        name: n2,
                        sub: s2,
                    },
                ) => {
                    k1 == k2
                        && n1 == n2
                        && (*k1 != Kind::Registry || s1 == s2 || s2.as_deref() == Some("notebooks"))
                }
                _ => false,
            };
            let same_resource = same_resource
                || (matches!(
                    target,
                    Address::Resource {
                        kind: Kind::Workspace,
                        ..
                    }
                ) && pe.target == strip_sub(target));
            if !same_resource {
                return self.block(
                    Step::PrivateEndpoint,
                    element,
                    Code::PeWrongTarget,
                    format!(
                        "the address belongs to an endpoint of {}, not of {target}",
                        pe.target
                    ),
                    at(&pe.at),
                    format!(
                        "fix the DNS record that points {target} at {}",
                        self.t()
                            .endpoint_address(self.e.dns.addressing(), pe)
                            .map(|i| i.to_string())
                            .unwrap_or_default()
                    ),
                );
            }
            if let Some(g) = &self.group
                && !pe.group_id.eq_ignore_ascii_case(g)
            {
                return self.block(
                    Step::PrivateEndpoint,
                    element,
                    Code::PeWrongGroup,
                    format!("the endpoint serves sub-resource {}, not {g}", pe.group_id),
                    at(&pe.at),
                    format!("create a private endpoint with group id {g} for {target}"),
                );
            }
        }
        let d = if self.quiet {
            String::new()
        } else {
            format!(
                "{} [{}], connection Approved; reaches the resource privately",
                pe.target, pe.group_id
            )
        };
        self.about(Address::Resource {
            kind: Kind::PrivateEndpoint,
            name: pe.name.clone(),
            sub: None,
        });
        self.pass(
            Step::PrivateEndpoint,
            element,
            Code::PeApproved,
            d,
            at(&pe.at),
        );
        Ok(())
    }
}
