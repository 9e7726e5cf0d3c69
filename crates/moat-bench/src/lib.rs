//! # moat-bench
//!
//! A generator of enterprise-size estates in moat's native format: hub-and-spoke networks,
//! each hub with an Azure Firewall and its policy, each spoke an Azure ML landing zone (a
//! workspace, its storage and key vault, a training cluster, subnets with their NSGs, private
//! endpoints registered in the hub's privatelink zones). The estate benchmark
//! (`cargo bench -p moat-bench`) loads one, traces in it, and sweeps its reachability matrix.
//! [`terraform_estate`] writes a Terraform configuration of many isolated landing zones.

use std::fmt::Write;

mod terraform;
pub use terraform::{RESOURCES_PER_COPY, terraform_estate};

/// The shape of an estate.
#[derive(Clone, Copy, Debug)]
pub struct Spec {
    /// Hub VNets, each with a firewall.
    pub hubs: usize,
    /// Spoke VNets per hub.
    pub spokes_per_hub: usize,
    /// NSG rules per subnet NSG (each spoke has four subnets with an NSG each).
    pub rules_per_nsg: usize,
}

impl Spec {
    /// About 1,000 spokes in 20 hub-spokes, 4,000 subnets, 100,000 NSG rules, 4,000 private
    /// endpoints.
    pub fn enterprise() -> Spec {
        Spec {
            hubs: 20,
            spokes_per_hub: 50,
            rules_per_nsg: 25,
        }
    }

    /// This estate with `factor` times as many hubs (at least one), each as large.
    pub fn scaled(self, factor: f64) -> Spec {
        Spec {
            hubs: ((self.hubs as f64 * factor).round() as usize).max(1),
            ..self
        }
    }

    /// Spoke VNets in all.
    fn spokes(&self) -> usize {
        self.hubs * self.spokes_per_hub
    }

    /// A small estate for tests.
    pub fn small() -> Spec {
        Spec {
            hubs: 2,
            spokes_per_hub: 3,
            rules_per_nsg: 6,
        }
    }
}

const ZONES: &[&str] = &[
    "privatelink.api.azureml.ms",
    "privatelink.notebooks.azure.net",
    "privatelink.blob.core.windows.net",
    "privatelink.file.core.windows.net",
    "privatelink.vaultcore.azure.net",
];

/// Writes the estate as native YAML.
pub fn estate(spec: Spec) -> String {
    let mut o = String::with_capacity(64 << 20);
    let _ = writeln!(o, "name: enterprise-estate\nregion: eastus");
    ml_resources(&mut o, spec);
    vnets(&mut o, spec);
    route_tables(&mut o, spec);
    nsgs(&mut o, spec);
    firewalls(&mut o, spec);
    private_endpoints(&mut o, spec);
    zones(&mut o, spec);
    o
}

/// Spoke k's network: 10.{k/250+16}.{(k%250)}.0/24, split into four /26 subnets; hubs are in
/// 10.0.h.0/24.
fn spoke_net(k: usize) -> (usize, usize) {
    (16 + k / 250, k % 250)
}

/// A workspace per spoke, with its training cluster, storage account and key vault.
fn ml_resources(o: &mut String, spec: Spec) {
    let spokes = spec.spokes();
    let _ = writeln!(o, "workspaces:");
    for k in 0..spokes {
        let _ = writeln!(
            o,
            "  - {{ name: ws{k}, public_network_access: Disabled, storage_account: st{k}, key_vault: kv{k}, image_build_compute: cpu{k} }}"
        );
    }
    let _ = writeln!(o, "computes:");
    for k in 0..spokes {
        let _ = writeln!(
            o,
            "  - {{ name: cpu{k}, workspace: ws{k}, type: AmlCompute, max_nodes: 8, subnet: spoke{k}/training, enable_node_public_ip: false }}"
        );
    }
    let _ = writeln!(o, "storage_accounts:");
    for k in 0..spokes {
        let _ = writeln!(o, "  - {{ name: st{k}, public_network_access: Disabled }}");
    }
    let _ = writeln!(o, "key_vaults:");
    for k in 0..spokes {
        let _ = writeln!(o, "  - {{ name: kv{k}, public_network_access: Disabled }}");
    }
}

/// The hubs, peered to their spokes, and the spokes with their four subnets.
fn vnets(o: &mut String, spec: Spec) {
    let spokes = spec.spokes();
    let _ = writeln!(o, "virtual_networks:");
    for h in 0..spec.hubs {
        let _ = writeln!(
            o,
            "  - name: hub{h}\n    address_space: [10.0.{h}.0/24]\n    subnets:"
        );
        let _ = writeln!(
            o,
            "      - {{ name: AzureFirewallSubnet, address_prefixes: [10.0.{h}.0/26] }}"
        );
        let _ = writeln!(
            o,
            "      - {{ name: dns, address_prefixes: [10.0.{h}.64/26] }}"
        );
        let _ = writeln!(o, "    peerings:");
        for s in 0..spec.spokes_per_hub {
            let k = h * spec.spokes_per_hub + s;
            let _ = writeln!(
                o,
                "      - {{ remote_vnet: spoke{k}, allow_forwarded_traffic: true }}"
            );
        }
    }
    for k in 0..spokes {
        let (a, b) = spoke_net(k);
        let h = k / spec.spokes_per_hub;
        let _ = writeln!(
            o,
            "  - name: spoke{k}\n    address_space: [10.{a}.{b}.0/24]\n    subnets:"
        );
        for (i, name) in ["training", "scoring", "pe", "apps"].iter().enumerate() {
            let rt = if *name == "pe" {
                String::new()
            } else {
                format!(", route_table: rt{h}")
            };
            let _ = writeln!(
                o,
                "      - {{ name: {name}, address_prefixes: [10.{a}.{b}.{}/26], network_security_group: nsg{k}-{name}{rt} }}",
                i * 64
            );
        }
        let _ = writeln!(
            o,
            "    peerings: [{{ remote_vnet: hub{h}, allow_forwarded_traffic: true }}]"
        );
    }
}

/// Each hub's route table, sending everything to its firewall.
fn route_tables(o: &mut String, spec: Spec) {
    let _ = writeln!(o, "route_tables:");
    for h in 0..spec.hubs {
        let _ = writeln!(
            o,
            "  - name: rt{h}\n    routes: [{{ name: default, address_prefix: 0.0.0.0/0, next_hop_type: VirtualAppliance, next_hop_ip_address: 10.0.{h}.4 }}]"
        );
    }
}

/// An NSG per spoke subnet, with east-west traffic and a mix of rules real NSGs hold.
fn nsgs(o: &mut String, spec: Spec) {
    let spokes = spec.spokes();
    let _ = writeln!(o, "network_security_groups:");
    let tags = [
        "AzureActiveDirectory",
        "AzureMachineLearning",
        "BatchNodeManagement.EastUS",
        "AzureResourceManager",
        "Storage.EastUS",
        "AzureFrontDoor.Frontend",
        "MicrosoftContainerRegistry",
        "AzureMonitor",
    ];
    for k in 0..spokes {
        let (a, b) = spoke_net(k);
        for name in ["training", "scoring", "pe", "apps"] {
            let _ = writeln!(o, "  - name: nsg{k}-{name}\n    rules:");
            // East-west traffic inside the estate, explicit as enterprise NSGs write it.
            let _ = writeln!(
                o,
                "      - {{ name: east-west, priority: 4000, direction: Outbound, access: Allow, protocol: Tcp, destination: 10.0.0.0/8, destination_ports: [443, 445] }}"
            );
            for r in 0..spec.rules_per_nsg {
                let prio = 100 + r * 10;
                // A mix of what real NSGs hold: service tags, neighbouring ranges, deny rules.
                let line = match r % 5 {
                    0 => format!(
                        "{{ name: tag{r}, priority: {prio}, direction: Outbound, access: Allow, protocol: Tcp, destination: {}, destination_ports: 443 }}",
                        tags[r % tags.len()]
                    ),
                    1 => format!(
                        "{{ name: in{r}, priority: {prio}, direction: Inbound, access: Allow, protocol: Tcp, source: 10.{a}.{b}.0/24, destination_ports: [443, 445] }}"
                    ),
                    2 => format!(
                        "{{ name: deny{r}, priority: {prio}, direction: Outbound, access: Deny, protocol: Udp, destination: 192.168.{}.0/24, destination_ports: 53 }}",
                        r % 250
                    ),
                    3 => format!(
                        "{{ name: peer{r}, priority: {prio}, direction: Outbound, access: Allow, protocol: \"*\", destination: 10.{a}.{}.0/24 }}",
                        (b + r) % 250
                    ),
                    _ => format!(
                        "{{ name: app{r}, priority: {prio}, direction: Inbound, access: Deny, protocol: Tcp, source: Internet, destination_ports: 8000-8999 }}"
                    ),
                };
                let _ = writeln!(o, "      - {line}");
            }
        }
    }
}

/// Each hub's firewall and public IP, and the one policy they share.
fn firewalls(o: &mut String, spec: Spec) {
    let _ = writeln!(o, "public_ips:");
    for h in 0..spec.hubs {
        let _ = writeln!(o, "  - {{ name: fw{h}-pip, ip_address: 20.60.{h}.4 }}");
    }
    let _ = writeln!(o, "firewalls:");
    for h in 0..spec.hubs {
        let _ = writeln!(
            o,
            "  - {{ name: fw{h}, vnet: hub{h}, private_ip_address: 10.0.{h}.4, public_ips: [fw{h}-pip], firewall_policy: policy }}"
        );
    }
    let _ = writeln!(
        o,
        "firewall_policies:\n  - name: policy\n    rule_collection_groups:\n      - name: estate\n        priority: 100\n        network_rule_collections:\n          - name: east-west\n            priority: 100\n            action: Allow\n            rules:"
    );
    let _ = writeln!(
        o,
        "              - {{ name: spokes, protocols: [TCP], source_addresses: [10.0.0.0/8], destination_addresses: [10.0.0.0/8], destination_ports: [443, 445] }}"
    );
    let _ = writeln!(
        o,
        "              - {{ name: ml, protocols: [TCP], source_addresses: [10.0.0.0/8], destination_addresses: [AzureMachineLearning, AzureActiveDirectory, Storage.EastUS, MicrosoftContainerRegistry], destination_ports: [443] }}"
    );
}

/// Each spoke's private endpoints to its workspace, storage (blob, file) and key vault.
fn private_endpoints(o: &mut String, spec: Spec) {
    let spokes = spec.spokes();
    let _ = writeln!(o, "private_endpoints:");
    for k in 0..spokes {
        let (a, b) = spoke_net(k);
        let h = k / spec.spokes_per_hub;
        let pe = |name: &str, target: &str, group: &str, host: usize, zone: &str| {
            format!(
                "  - {{ name: {name}, subnet: spoke{k}/pe, target: {target}, group_id: {group}, ip_address: 10.{a}.{b}.{}, dns_zone_group: [hub{h}/{zone}] }}",
                128 + host
            )
        };
        let _ = writeln!(
            o,
            "{}",
            pe(
                &format!("ws{k}-pe"),
                &format!("workspace/ws{k}"),
                "amlworkspace",
                4,
                ZONES[0]
            )
        );
        let _ = writeln!(
            o,
            "{}",
            pe(
                &format!("st{k}-blob"),
                &format!("storage/st{k}"),
                "blob",
                5,
                ZONES[2]
            )
        );
        let _ = writeln!(
            o,
            "{}",
            pe(
                &format!("st{k}-file"),
                &format!("storage/st{k}"),
                "file",
                6,
                ZONES[3]
            )
        );
        let _ = writeln!(
            o,
            "{}",
            pe(
                &format!("kv{k}-pe"),
                &format!("keyvault/kv{k}"),
                "vault",
                7,
                ZONES[4]
            )
        );
    }
}

/// Each hub's privatelink zones, linked to the hub and its spokes.
fn zones(o: &mut String, spec: Spec) {
    let _ = writeln!(o, "private_dns_zones:");
    for h in 0..spec.hubs {
        for z in ZONES {
            let links: Vec<String> = std::iter::once(format!("hub{h}"))
                .chain(
                    (0..spec.spokes_per_hub)
                        .map(|s| format!("spoke{}", h * spec.spokes_per_hub + s)),
                )
                .collect();
            let _ = writeln!(
                o,
                "  - {{ name: {z}, resource_group: hub{h}, vnet_links: [{}] }}",
                links.join(", ")
            );
        }
    }
}
