//! Resource firewalls: a public endpoint's public network access, IP and VNet rules, trusted services and resource instances.

use super::{Code, Dst, Step, Via, Walk, Walked, at};
use crate::place::Egress;
use moat_model::Provenance;
use moat_model::address::{Address, Kind};
use moat_model::enums::{DefaultAction, PublicNetworkAccess};
use moat_net::names;

/// The one setting a "public network access Disabled" decision reads: whatever the input
/// leaves open in the firewall rules, only private endpoints pass.
const PUBLIC_ACCESS: &[&str] = &["public_network_access"];

/// What a key vault's or container registry's firewall says when it admits every network.
const ALL_NETWORKS: &str = "public network access from all networks";

/// What decides whether a workspace admits a flow at its public endpoint: its public access and
/// IP allow list; for a project, which hub's network it shares; and what decides which name the
/// flow resolves and which endpoints could answer it (its region, the private endpoints a
/// module may add). Its storage account, key vault or computes do not.
const WORKSPACE_ACCESS: &[&str] = &[
    "public_network_access",
    "network_acls.ip_rules",
    "network_acls.default_action",
    "hub",
    "region",
    "private_endpoints",
];

/// [`WORKSPACE_ACCESS`] for a flow whose name public DNS resolved: no private endpoint changes
/// where it goes, so those a module may add decide nothing.
const WORKSPACE_ACCESS_PUBLIC_DNS: &[&str] = &[
    "public_network_access",
    "network_acls.ip_rules",
    "network_acls.default_action",
    "hub",
    "region",
];

impl Walk<'_, '_> {
    /// Arrival at a public endpoint: the resource's own firewall decides.
    pub(super) fn public_arrival(&mut self, dst: &Dst, via: &Via) -> Walked {
        if let Some((fi, ip)) = self.firewall_public_ip(dst) {
            return self.dnat(fi, ip, via);
        }
        let Dst::Public { owner, fqdn, .. } = dst else {
            return Ok(());
        };
        let Some(owner) = owner.clone() else {
            let what = fqdn.clone().unwrap_or_else(|| "the destination".into());
            return self.assume(
                Step::Destination,
                what,
                Code::DestInternet,
                "an internet host: what it accepts is outside the model",
                "internet hosts accept the connection",
            );
        };
        self.resource_firewall(&owner, via)
    }

    /// The firewall of the resource `owner` names, each kind by its own settings.
    pub(super) fn resource_firewall(&mut self, owner: &Address, via: &Via) -> Walked {
        let Address::Resource { kind, name, sub } = owner else {
            return Ok(());
        };
        self.touch_fmt(format_args!("{kind}/{name}"));
        // The resource is the element that decides, as data; a registry's managed storage and
        // container registry are elements of their own, a storage account's services are not.
        self.about(if *kind == Kind::Registry {
            owner.clone()
        } else {
            Address::resource(*kind, name.clone())
        });
        let element = format!("{kind} {name}");
        match kind {
            Kind::Workspace => self.workspace_firewall(name, element, via),
            Kind::Registry => self.registry_firewall(owner, name, sub.as_deref(), via),
            Kind::Storage => self.storage_firewall(name, element, via),
            Kind::Keyvault => self.key_vault_firewall(name, element, via),
            Kind::Acr => self.acr_firewall(name, element, via),
            Kind::OnlineEndpoint => self.online_endpoint_firewall(name, element, via),
            _ => Ok(()),
        }
    }

    /// A workspace's, or its hub's for a project: its own service passes, then public access
    /// and the IP allow list decide.
    fn workspace_firewall(&mut self, name: &str, element: String, via: &Via) -> Walked {
        let t = self.t();
        let ix = &self.e.ix;
        // A project's public network access is its hub's (facts §6 item 99).
        let w = names::network_workspace(t, ix, name).expect("workspace of a target");
        let element = if w.name == name {
            element
        } else {
            // The hub's settings decide: its unknowns count too.
            self.touch_fmt(format_args!("workspace/{}", w.name));
            format!("{element} (network of hub {})", w.name)
        };
        if let Via::Service(_) = via {
            self.pass(
                Step::ResourceFirewall,
                element,
                Code::RfService,
                "the workspace's own service",
                at(&w.at),
            );
            return Ok(());
        }
        self.reading_only(if self.public_dns {
            WORKSPACE_ACCESS_PUBLIC_DNS
        } else {
            WORKSPACE_ACCESS
        });
        self.perimeter(&element, w.public_network_access, at(&w.at))?;
        if w.public_network_access == PublicNetworkAccess::Disabled {
            return self.block(Step::ResourceFirewall, element, Code::RfPublicDisabled, "public network access is Disabled: only private endpoints reach it", at(&w.at), format!("reach workspace {name} through a private endpoint (a VPN, ExpressRoute or a jump box in its VNet), or enable public network access"));
        }
        match &w.network_acls {
            Some(acl) if acl.default_action == DefaultAction::Deny => {
                let rules: Vec<moat_model::values::AddressPrefix> = acl
                    .ip_rules
                    .iter()
                    .map(|n| moat_model::values::AddressPrefix::Net(*n))
                    .collect();
                self.ip_rules(
                    &element,
                    &rules,
                    via,
                    at(&w.at),
                    "the workspace IP allow list",
                )
            }
            _ => {
                self.pass(
                    Step::ResourceFirewall,
                    element,
                    Code::RfPublicAll,
                    "public network access Enabled from all networks",
                    at(&w.at),
                );
                Ok(())
            }
        }
    }

    /// A registry's, or its managed storage's or container registry's: public access decides.
    fn registry_firewall(
        &mut self,
        owner: &Address,
        name: &str,
        sub: Option<&str>,
        via: &Via,
    ) -> Walked {
        let t = self.t();
        let ix = &self.e.ix;
        let r = &t.registries[ix.registries[name]];
        let (pna, what) = match sub {
            Some("storage") => (
                r.storage
                    .public_network_access
                    .unwrap_or(PublicNetworkAccess::Enabled),
                "managed storage",
            ),
            Some("acr") => (
                r.acr
                    .public_network_access
                    .unwrap_or(PublicNetworkAccess::Enabled),
                "managed container registry",
            ),
            _ => (r.public_network_access, "registry"),
        };
        let element = format!("registry {name} {what}");
        if matches!(via, Via::Service(_)) {
            self.pass(
                Step::ResourceFirewall,
                element,
                Code::RfService,
                "the registry back end",
                at(&r.at),
            );
            return Ok(());
        }
        self.perimeter(&element, pna, at(&r.at))?;
        if pna == PublicNetworkAccess::Disabled {
            return self.block(
                Step::ResourceFirewall,
                element,
                Code::RfPublicDisabled,
                format!("the {what}'s public network access is Disabled"),
                at(&r.at),
                format!("create a private endpoint to {owner} in the source's VNet"),
            );
        }
        self.pass(
            Step::ResourceFirewall,
            element,
            Code::RfPublicAll,
            "public network access Enabled",
            at(&r.at),
        );
        Ok(())
    }

    /// A storage account's: trusted services and resource instances for a service, else public
    /// access, VNet rules and IP rules.
    fn storage_firewall(&mut self, name: &str, element: String, via: &Via) -> Walked {
        let t = self.t();
        let ix = &self.e.ix;
        let s = &t.storage_accounts[ix.storage_accounts[name]];
        let r = &s.network_rules;
        if let Via::Service(p) = via {
            return self.service_access(
                &element,
                p,
                s.public_network_access,
                r.default_action,
                r.trusted_services(),
                &r.resource_access_rules,
                at(&s.at),
            );
        }
        self.public_access(
            &element,
            s.public_network_access,
            at(&s.at),
            "public network access is Disabled: only private endpoints reach it",
            &format!("storage {name}"),
        )?;
        self.selected_networks(
            element,
            (
                r.default_action,
                "public network access Enabled from all networks",
            ),
            &r.virtual_network_rules,
            via,
            at(&s.at),
            |w, _| w.storage_ip_rules(s, via),
        )
    }

    /// A key vault's: trusted services for a service, else public access, VNet rules and IP rules.
    fn key_vault_firewall(&mut self, name: &str, element: String, via: &Via) -> Walked {
        let t = self.t();
        let ix = &self.e.ix;
        let k = &t.key_vaults[ix.key_vaults[name]];
        let r = &k.network_acls;
        if let Via::Service(p) = via {
            return self.service_access(
                &element,
                p,
                k.public_network_access,
                r.default_action,
                r.bypass == moat_model::enums::Bypass::AzureServices,
                &[],
                at(&k.at),
            );
        }
        self.public_access(
            &element,
            k.public_network_access,
            at(&k.at),
            "public network access is Disabled",
            &format!("key vault {name}"),
        )?;
        self.selected_networks(
            element,
            (r.default_action, ALL_NETWORKS),
            &r.virtual_network_rules,
            via,
            at(&k.at),
            |w, element| {
                w.ip_rules(
                    element,
                    &r.ip_rules,
                    via,
                    at(&k.at),
                    "the key vault firewall",
                )
            },
        )
    }

    /// A container registry's: trusted services for a service, else public access, VNet rules and
    /// IP rules.
    fn acr_firewall(&mut self, name: &str, element: String, via: &Via) -> Walked {
        let t = self.t();
        let ix = &self.e.ix;
        let a = &t.container_registries[ix.container_registries[name]];
        let r = &a.network_rule_set;
        if let Via::Service(p) = via {
            return self.service_access(
                &element,
                p,
                a.public_network_access,
                r.default_action,
                a.trusted_services(),
                &[],
                at(&a.at),
            );
        }
        self.public_access(
            &element,
            a.public_network_access,
            at(&a.at),
            "public network access is Disabled",
            &format!("container registry {name}"),
        )?;
        self.selected_networks(
            element,
            (r.default_action, ALL_NETWORKS),
            &r.virtual_network_rules,
            via,
            at(&a.at),
            |w, element| {
                w.ip_rules(
                    element,
                    &r.ip_rules,
                    via,
                    at(&a.at),
                    "the registry firewall",
                )
            },
        )
    }

    /// An online endpoint's: its own public access, then its workspace's network.
    fn online_endpoint_firewall(&mut self, name: &str, element: String, via: &Via) -> Walked {
        let t = self.t();
        let ix = &self.e.ix;
        let e = &t.online_endpoints[ix.online_endpoints[name]];
        self.perimeter(&element, e.public_network_access, at(&e.at))?;
        if e.public_network_access == PublicNetworkAccess::Disabled {
            return self.block(Step::ResourceFirewall, element, Code::RfPublicDisabled, "public_network_access is disabled: scoring only through the workspace's private endpoint", at(&e.at), format!("score from a VNet with a private endpoint to workspace {}", e.workspace));
        }
        let ws = names::network_workspace(t, ix, &e.workspace);
        // The endpoint takes public requests only as its workspace does: a workspace
        // SecuredByPerimeter leaves that to its perimeter's access rules.
        if let Some(w) = ws {
            let element = format!("workspace {}", w.name);
            self.perimeter(&element, w.public_network_access, at(&w.at))?;
        }
        let ws = ws.filter(|w| w.public_network_access != PublicNetworkAccess::Disabled);
        let Some(w) = ws else {
            return self.block(Step::ResourceFirewall, element, Code::RfWorkspacePrivate, format!("workspace {} has public network access Disabled, so the endpoint rejects public requests", e.workspace), at(&e.at), format!("score through a private endpoint of workspace {}", e.workspace));
        };
        self.endpoint_public(e, w, element, via)
    }

    /// A firewall's public side once public access admits the flow: with the default action
    /// Allow every network passes (`all_networks` says so); with selected networks, a flow
    /// through a service endpoint meets the virtual network rules and any other the IP rules
    /// (`ip_rules`, each kind's own).
    fn selected_networks(
        &mut self,
        element: String,
        (default, all_networks): (DefaultAction, &str),
        vnet_rules: &[String],
        via: &Via,
        at_: Option<&Provenance>,
        ip_rules: impl FnOnce(&mut Self, &str) -> Walked,
    ) -> Walked {
        if default == DefaultAction::Allow {
            self.pass(
                Step::ResourceFirewall,
                element,
                Code::RfPublicAll,
                all_networks,
                at_,
            );
            return Ok(());
        }
        if let Via::ServiceEndpoint(subnet) = via {
            return self.vnet_rule(&element, vnet_rules, subnet, at_);
        }
        ip_rules(self, &element)
    }

    pub(super) fn vnet_rule(
        &mut self,
        element: &str,
        rules: &[String],
        subnet: &str,
        at_: Option<&Provenance>,
    ) -> Walked {
        if rules.iter().any(|r| r == subnet) {
            self.pass(
                Step::ResourceFirewall,
                element.to_string(),
                Code::RfVnetRule,
                format!("virtual network rule for {subnet} (service endpoint)"),
                at_,
            );
            Ok(())
        } else {
            self.block(
                Step::ResourceFirewall,
                element.to_string(),
                Code::RfNoVnetRule,
                format!("no virtual network rule admits {subnet}"),
                at_,
                format!("add {subnet} to the virtual network rules of {element}"),
            )
        }
    }

    pub(super) fn ip_rules(
        &mut self,
        element: &str,
        rules: &[moat_model::values::AddressPrefix],
        via: &Via,
        at_: Option<&Provenance>,
        what: &str,
    ) -> Walked {
        let egress = match via {
            Via::Internet(e) => e.clone(),
            Via::ManagedNetwork => Egress::Unknown("the managed network's outbound address".into()),
            _ => Egress::Unknown("an Azure address".into()),
        };
        match egress {
            Egress::Known(ip, how) => {
                self.source_address = Some(ip);
                let hit = rules.iter().any(|p| match p {
                    moat_model::values::AddressPrefix::Net(n) => n.contains(&ip),
                    moat_model::values::AddressPrefix::Any => true,
                    moat_model::values::AddressPrefix::Tag(_) => false,
                });
                if hit {
                    self.pass(
                        Step::ResourceFirewall,
                        element.to_string(),
                        Code::RfIpRule,
                        format!("{ip} ({how}) is in {what}"),
                        at_,
                    );
                    Ok(())
                } else {
                    self.block(
                        Step::ResourceFirewall,
                        element.to_string(),
                        Code::RfIpNotAllowed,
                        format!("{ip} ({how}) is not in {what}"),
                        at_,
                        format!("add {ip} to {what}, or connect through a private endpoint"),
                    )
                }
            }
            Egress::Unknown(how) => {
                if rules.is_empty() {
                    return self.block(
                        Step::ResourceFirewall,
                        element.to_string(),
                        Code::RfIpNotAllowed,
                        format!(
                            "public access is limited to selected networks and none admits {how}"
                        ),
                        at_,
                        format!(
                            "connect through a private endpoint, or admit the source in {what}"
                        ),
                    );
                }
                self.unknown(
                    Step::ResourceFirewall,
                    element.to_string(),
                    Code::RfIpUndecided,
                    format!("the source leaves through {how}; whether {what} admits it is unknown"),
                    at_,
                    format!("the public address of {how}"),
                )
            }
            Egress::None(why) => self.block(
                Step::ResourceFirewall,
                element.to_string(),
                Code::EgressNone,
                why,
                at_,
                "give the source a way out",
            ),
        }
    }

    /// Public network access `SecuredByPerimeter`: the access rules of the network security
    /// perimeter the resource is associated with decide, and in Learning mode the resource's
    /// own firewall after them (Private Link, "Transition to a network security perimeter":
    /// "Enforced: the resource obeys only network security perimeter access rules"). The model
    /// does not describe perimeters, so the public path is unknown; a private endpoint is not
    /// such a path.
    fn perimeter(
        &mut self,
        element: &str,
        pna: PublicNetworkAccess,
        at_: Option<&Provenance>,
    ) -> Walked {
        if pna != PublicNetworkAccess::SecuredByPerimeter {
            return Ok(());
        }
        self.reading_only(PUBLIC_ACCESS);
        self.unknown(
            Step::ResourceFirewall,
            element,
            Code::RfPerimeter,
            "public network access is SecuredByPerimeter: a network security perimeter's access rules decide",
            at_,
            format!("the access rules (and access mode) of the network security perimeter {element} is associated with"),
        )
    }

    /// What a resource's public network access decides before its firewall rules, for storage,
    /// key vaults and container registries: a perimeter's rules ([`Walk::perimeter`]), or
    /// Disabled, which blocks with `detail`, fixed by a private endpoint to `what`
    /// (`key vault kv`).
    fn public_access(
        &mut self,
        element: &str,
        pna: PublicNetworkAccess,
        at_: Option<&Provenance>,
        detail: &str,
        what: &str,
    ) -> Walked {
        self.perimeter(element, pna, at_)?;
        if pna != PublicNetworkAccess::Disabled {
            return Ok(());
        }
        self.reading_only(PUBLIC_ACCESS);
        self.block(
            Step::ResourceFirewall,
            element,
            Code::RfPublicDisabled,
            detail,
            at_,
            format!("create a private endpoint to {what} in the source's VNet"),
        )
    }

    /// A service acting with its managed identity: trusted services and resource instances.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn service_access(
        &mut self,
        element: &str,
        principal: &Address,
        pna: PublicNetworkAccess,
        default: DefaultAction,
        trusted: bool,
        instances: &[moat_model::deps::ResourceAccessRule],
        at_: Option<&Provenance>,
    ) -> Walked {
        self.perimeter(element, pna, at_)?;
        let (ptype, pname) = match principal {
            Address::Resource {
                kind: Kind::Workspace,
                name,
                ..
            } => ("microsoft.machinelearningservices/workspaces", name.clone()),
            Address::Resource {
                kind: Kind::Registry,
                name,
                ..
            } => ("microsoft.machinelearningservices/registries", name.clone()),
            _ => ("", String::new()),
        };
        // Seed 000: sharing from a workspace to a registry fails when the storage holding the
        // asset has public network access Disabled (data exfiltration protection), whatever the
        // exceptions. For other principals, trusted-service and resource-instance exceptions set
        // in Selected networks stay effective after Disabled (facts §6, item 36).
        if pna == PublicNetworkAccess::Disabled && ptype.ends_with("/registries") {
            self.reading_only(PUBLIC_ACCESS);
            return self.block(
                Step::ResourceFirewall,
                element.to_string(),
                Code::RfPublicDisabled,
                format!("public network access is Disabled: the registry back end of {principal} cannot read it (data exfiltration protection)"),
                at_,
                format!("set public network access to Enabled from selected networks and add a resource instance rule for {principal}"),
            );
        }
        let instance = instances.iter().find(|r| {
            let rt = r.resource_type.to_ascii_lowercase();
            // The docs spell the workspace type three ways (facts C13).
            let type_ok = rt == ptype
                || (ptype.ends_with("/workspaces")
                    && rt.starts_with("microsoft.machinelearningservice")
                    && rt.contains("workspace"));
            type_ok && (r.name == pname || r.name == "*")
        });
        if let Some(r) = instance {
            self.pass(
                Step::ResourceFirewall,
                element.to_string(),
                Code::RfResourceInstance,
                format!("resource instance rule for {} {}", r.resource_type, r.name),
                at_,
            );
            return Ok(());
        }
        if pna == PublicNetworkAccess::Disabled && trusted {
            self.pass(
                Step::ResourceFirewall,
                element.to_string(),
                Code::RfTrustedService,
                "trusted Azure services keep their exception after public access is Disabled",
                at_,
            );
            return Ok(());
        }
        if pna == PublicNetworkAccess::Disabled {
            return self.block(Step::ResourceFirewall, element.to_string(), Code::RfPublicDisabled, format!("public network access is Disabled and no resource instance rule names {principal}"), at_, format!("set public network access to Enabled from selected networks and add a resource instance rule for {principal}"));
        }
        if default == DefaultAction::Allow {
            self.pass(
                Step::ResourceFirewall,
                element.to_string(),
                Code::RfPublicAll,
                "public network access from all networks",
                at_,
            );
            return Ok(());
        }
        if trusted {
            self.pass(
                Step::ResourceFirewall,
                element.to_string(),
                Code::RfTrustedService,
                "trusted Azure services may bypass the firewall",
                at_,
            );
            return Ok(());
        }
        self.block(Step::ResourceFirewall, element.to_string(), Code::RfServiceDenied, format!("selected networks only; {principal} is neither a resource instance nor a trusted service"), at_, format!("add a resource instance rule for {principal}"))
    }
}
