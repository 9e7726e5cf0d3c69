//! Services and name resolution: storage, key vault, container registry, Application Insights,
//! the Azure Monitor private link scope, private endpoints, private DNS zones and resolvers.

use super::external::Namesake;
use super::{Link, Mapper, UNKNOWN, at, get};
use crate::ids::Ref;
use crate::value::{ResObj, Value};
use moat_model::address::{Address, Kind};
use moat_model::deps::*;
use moat_model::enums::*;
use moat_model::privatelink::*;
use moat_model::values::AddressPrefix;
use std::collections::{HashMap, HashSet};

fn storage_of(r: &Ref) -> Option<String> {
    match r {
        Ref::Storage(n) => Some(n.clone()),
        _ => None,
    }
}
fn vnet_of(r: &Ref) -> Option<String> {
    match r {
        Ref::Vnet(n) => Some(n.clone()),
        _ => None,
    }
}
fn zone_of(r: &Ref) -> Option<String> {
    match r {
        Ref::DnsZone(n) => Some(n.clone()),
        _ => None,
    }
}
fn resolver_of(r: &Ref) -> Option<String> {
    match r {
        Ref::Resolver(n) => Some(n.clone()),
        _ => None,
    }
}
fn ruleset_of(r: &Ref) -> Option<String> {
    match r {
        Ref::Ruleset(n) => Some(n.clone()),
        _ => None,
    }
}
fn outbound_ep_of(r: &Ref) -> Option<String> {
    match r {
        Ref::ResolverOutbound(a, b) => Some(format!("{a}/{b}")),
        _ => None,
    }
}
fn any_name(r: &Ref) -> Option<String> {
    match r {
        Ref::AppInsights(n) | Ref::LogAnalytics(n) => Some(n.clone()),
        _ => None,
    }
}

/// The address a private endpoint reaches, for the id kinds the model knows.
pub fn pe_target(r: &Ref) -> Option<Address> {
    let (kind, name) = match r {
        Ref::Workspace(n) => (Kind::Workspace, n),
        Ref::Registry(n) => (Kind::Registry, n),
        Ref::Storage(n) => (Kind::Storage, n),
        Ref::KeyVault(n) => (Kind::Keyvault, n),
        Ref::Acr(n) => (Kind::Acr, n),
        Ref::Ampls(n) => (Kind::Ampls, n),
        _ => return None,
    };
    Some(Address::resource(kind, name.clone()))
}

/// The kind of target a group id implies, for endpoints whose target is unknown.
fn kind_of_group(group: &str) -> Option<Kind> {
    moat_model::choices::target_kind(group)
}

impl Mapper<'_> {
    /// The storage account or container registry an Azure ML registry of the configuration
    /// names as its own (`regionDetails`, created by Azure in the registry's managed resource
    /// group), as the address of that part of the registry (`registry/<name>:storage`, `:acr`).
    pub(super) fn registry_managed(&self, r: &Ref) -> Option<Address> {
        let (sub, name) = match r {
            Ref::Storage(n) => ("storage", n),
            Ref::Acr(n) => ("acr", n),
            _ => return None,
        };
        self.t
            .registries
            .iter()
            .find(|reg| {
                let managed = if sub == "storage" {
                    &reg.storage
                } else {
                    &reg.acr
                };
                managed
                    .name
                    .as_deref()
                    .is_some_and(|n| n.eq_ignore_ascii_case(name))
            })
            .map(|reg| Address::resource(Kind::Registry, reg.name.clone()).with_sub(sub))
    }

    /// The resource group of an id that names a registry's storage account or container
    /// registry: the registry's managed group (named by Azure with a GUID of its own), noted on
    /// the registry when the id determines it.
    fn managed_group(&mut self, a: Option<&Address>, id: &str) {
        let Some(Address::Resource { name, .. }) = a else {
            return;
        };
        let Some(rg) = crate::ids::parse(id)
            .and_then(|x| x.resource_group)
            .filter(|rg| !moat_arm::idmatch::has_unknown(rg))
        else {
            return;
        };
        if let Some(r) = self.t.registries.iter_mut().find(|r| r.name == *name)
            && r.managed_resource_group.is_none()
        {
            r.managed_resource_group = Some(rg);
        }
    }

    fn pna(&mut self, o: &ResObj, k: &str, res: &str) -> PublicNetworkAccess {
        match self.b(o, k, res, "public_network_access") {
            Some(false) => PublicNetworkAccess::Disabled,
            _ => PublicNetworkAccess::Enabled,
        }
    }

    /// `networkAcls`-like rules of a storage account (`network_rules` block or resource).
    fn storage_network_rules(&mut self, o: &ResObj, res: &str) -> StorageNetworkRules {
        let default_action = self
            .enum_of(
                o,
                "default_action",
                res,
                "network_rules.default_action",
                DefaultAction::parse,
                DefaultAction::NAMES,
            )
            .unwrap_or(DefaultAction::Allow);
        let mut bypass = self.strs(o, "bypass", res, "network_rules.bypass");
        if get(o, "bypass").is_none() {
            bypass = vec!["AzureServices".into()];
        }
        let mut ip_rules = Vec::new();
        for s in self.strs(o, "ip_rules", res, "network_rules.ip_rules") {
            match s.parse::<AddressPrefix>() {
                Ok(p) => ip_rules.push(p),
                Err(e) => self.invalid(o, "ip_rules", e, None),
            }
        }
        let virtual_network_rules = self.admitted_subnets(
            o,
            "virtual_network_subnet_ids",
            res,
            "network_rules.virtual_network_rules",
        );
        let mut resource_access_rules = Vec::new();
        for p in self.blocks(o, "private_link_access", res) {
            let tenant_id = self.s(
                &p,
                "endpoint_tenant_id",
                res,
                "network_rules.resource_access_rules",
            );
            match get(&p, "endpoint_resource_id").map(|v| self.link(v)) {
                Some(Link::Declared(r) | Link::External(r, _)) => {
                    let id = self
                        .s(
                            &p,
                            "endpoint_resource_id",
                            res,
                            "network_rules.resource_access_rules",
                        )
                        .unwrap_or_default();
                    let parsed = crate::ids::parse(&id);
                    let resource_type = parsed.as_ref().map(|x| x.full_type()).unwrap_or_default();
                    let name = match &r {
                        Ref::Workspace(n) | Ref::Registry(n) => n.clone(),
                        _ => parsed.map(|x| x.name().to_string()).unwrap_or_default(),
                    };
                    resource_access_rules.push(ResourceAccessRule {
                        resource_type,
                        name,
                        tenant_id,
                    });
                }
                Some(Link::Unknown(u)) => {
                    self.unknown(res, "network_rules.resource_access_rules", &u)
                }
                Some(Link::Invalid(s)) => self.invalid(
                    &p,
                    "endpoint_resource_id",
                    format!("`{s}` is not an Azure resource id"),
                    None,
                ),
                None => {}
            }
        }
        StorageNetworkRules {
            default_action,
            bypass,
            ip_rules,
            virtual_network_rules,
            resource_access_rules,
        }
    }

    pub(super) fn storage(&mut self, o: &ResObj) -> bool {
        let name = self.name(o, "storage");
        let res = format!("storage/{name}");
        let public_network_access = self.pna(o, "public_network_access_enabled", &res);
        let network_rules = match self.block(o, "network_rules", &res) {
            Some(b) => self.storage_network_rules(&b, &res),
            None => StorageNetworkRules::default(),
        };
        let sku = match (
            self.s(o, "account_tier", &res, "sku"),
            self.s(o, "account_replication_type", &res, "sku"),
        ) {
            (Some(t), Some(r)) => Some(format!("{t}_{r}")),
            _ => None,
        };
        let is_hns_enabled = self
            .b(o, "is_hns_enabled", &res, "is_hns_enabled")
            .unwrap_or(false);
        let region = self.region(o, &res);
        let tags = self.tags(o);
        let (allow_shared_key_access, minimum_tls_version) = self.storage_keys_and_tls(o, &res);
        let allow_blob_public_access = self.storage_blob_public_access(o, &res);
        self.t.storage_accounts.push(StorageAccount {
            name,
            region,
            public_network_access,
            network_rules,
            is_hns_enabled,
            sku,
            allow_shared_key_access,
            allow_blob_public_access,
            minimum_tls_version,
            tags,
            at: at(o),
        });
        true
    }

    pub(super) fn storage_rules(&mut self, o: &ResObj) -> bool {
        let res = format!("storage-rules/{}", o.addr);
        let Some(sa) = self.link_name(
            o,
            "storage_account_id",
            &res,
            "storage_account",
            "storage account",
            storage_of,
        ) else {
            return false;
        };
        let Some(i) = self.t.storage_accounts.iter().position(|s| s.name == sa) else {
            return false;
        };
        let rules = self.storage_network_rules(o, &format!("storage/{sa}"));
        self.t.storage_accounts[i].network_rules = rules;
        true
    }

    fn rule_set(&mut self, o: &ResObj, res: &str, field: &str) -> NetworkRuleSet {
        // Each setting is its own field: a subnet left open leaves the default action known.
        let sub = |k: &str| format!("{field}.{k}");
        let default_action = self
            .enum_of(
                o,
                "default_action",
                res,
                &sub("default_action"),
                DefaultAction::parse,
                DefaultAction::NAMES,
            )
            .unwrap_or(DefaultAction::Allow);
        let bypass = self
            .enum_of(
                o,
                "bypass",
                res,
                &sub("bypass"),
                Bypass::parse,
                Bypass::NAMES,
            )
            .unwrap_or(Bypass::AzureServices);
        let mut ip_rules = Vec::new();
        for s in self.strs(o, "ip_rules", res, &sub("ip_rules")) {
            match s.parse::<AddressPrefix>() {
                Ok(p) => ip_rules.push(p),
                Err(e) => self.invalid(o, "ip_rules", e, None),
            }
        }
        let virtual_network_rules = self.admitted_subnets(
            o,
            "virtual_network_subnet_ids",
            res,
            &sub("virtual_network_rules"),
        );
        NetworkRuleSet {
            default_action,
            bypass,
            ip_rules,
            virtual_network_rules,
        }
    }

    pub(super) fn key_vault(&mut self, o: &ResObj) -> bool {
        let name = self.name(o, "keyvault");
        let res = format!("keyvault/{name}");
        let public_network_access = self.pna(o, "public_network_access_enabled", &res);
        let network_acls = match self.block(o, "network_acls", &res) {
            Some(b) => self.rule_set(&b, &res, "network_acls"),
            None => NetworkRuleSet::default(),
        };
        let region = self.region(o, &res);
        let tags = self.tags(o);
        self.t.key_vaults.push(KeyVault {
            name,
            region,
            public_network_access,
            network_acls,
            tags,
            at: at(o),
        });
        true
    }

    pub(super) fn acr(&mut self, o: &ResObj) -> bool {
        let name = self.name(o, "acr");
        let res = format!("acr/{name}");
        let sku = match self.enum_of(o, "sku", &res, "sku", AcrSku::parse, AcrSku::NAMES) {
            Some(s) => s,
            None => {
                // The model needs a SKU; the unknown is recorded, Basic (no private link) is
                // the reading that promises least.
                if get(o, "sku").is_none() {
                    self.invalid(
                        o,
                        "sku",
                        "a container registry needs a sku".into(),
                        Some("Basic, Standard or Premium".into()),
                    );
                }
                AcrSku::Basic
            }
        };
        let public_network_access = self.pna(o, "public_network_access_enabled", &res);
        let mut set = NetworkRuleSet::default();
        if let Some(b) = self.block(o, "network_rule_set", &res) {
            set.default_action = self
                .enum_of(
                    &b,
                    "default_action",
                    &res,
                    "network_rule_set.default_action",
                    DefaultAction::parse,
                    DefaultAction::NAMES,
                )
                .unwrap_or(DefaultAction::Allow);
            for r in self.blocks(&b, "ip_rule", &res) {
                if let Some(s) = self.s(&r, "ip_range", &res, "network_rule_set.ip_rules") {
                    match s.parse::<AddressPrefix>() {
                        Ok(p) => set.ip_rules.push(p),
                        Err(e) => self.invalid(&r, "ip_range", e, None),
                    }
                }
            }
            for v in self.blocks(&b, "virtual_network", &res) {
                for key in self.admitted_subnets(
                    &v,
                    "subnet_id",
                    &res,
                    "network_rule_set.virtual_network_rules",
                ) {
                    if !set.virtual_network_rules.contains(&key) {
                        set.virtual_network_rules.push(key);
                    }
                }
            }
        }
        set.bypass = self
            .enum_of(
                o,
                "network_rule_bypass_option",
                &res,
                "network_rule_set.bypass",
                Bypass::parse,
                Bypass::NAMES,
            )
            .unwrap_or(Bypass::AzureServices);
        let data_endpoint_enabled = self
            .b(o, "data_endpoint_enabled", &res, "data_endpoint_enabled")
            .unwrap_or(false);
        let admin_user_enabled = self
            .b(o, "admin_enabled", &res, "admin_user_enabled")
            .unwrap_or(false);
        let anonymous_pull_enabled = self.acr_anonymous_pull(o, &res);
        let region = self.region(o, &res);
        let tags = self.tags(o);
        self.t.container_registries.push(ContainerRegistry {
            name,
            region,
            sku,
            public_network_access,
            network_rule_set: set,
            data_endpoint_enabled,
            admin_user_enabled,
            anonymous_pull_enabled,
            tags,
            at: at(o),
        });
        true
    }

    pub(super) fn app_insights(&mut self, o: &ResObj) -> bool {
        let name = self.name(o, "appinsights");
        let res = format!("appinsights/{name}");
        let workspace_based = get(o, "workspace_id").is_some();
        let ingestion = self
            .b(
                o,
                "internet_ingestion_enabled",
                &res,
                "public_network_access_for_ingestion",
            )
            .unwrap_or(true);
        let query = self
            .b(
                o,
                "internet_query_enabled",
                &res,
                "public_network_access_for_query",
            )
            .unwrap_or(true);
        let en = |b: bool| {
            if b {
                PublicNetworkAccess::Enabled
            } else {
                PublicNetworkAccess::Disabled
            }
        };
        let region = self.region(o, &res);
        let tags = self.tags(o);
        self.t.application_insights.push(ApplicationInsights {
            name,
            region,
            workspace_based,
            public_network_access_for_ingestion: en(ingestion),
            public_network_access_for_query: en(query),
            tags,
            at: at(o),
        });
        true
    }

    pub(super) fn ampls(&mut self, o: &ResObj) -> bool {
        let name = self.name(o, "ampls");
        let res = format!("ampls/{name}");
        let ingestion = self
            .enum_of(
                o,
                "ingestion_access_mode",
                &res,
                "ingestion_access_mode",
                AmplsAccessMode::parse,
                AmplsAccessMode::NAMES,
            )
            .unwrap_or(AmplsAccessMode::Open);
        let query = self
            .enum_of(
                o,
                "query_access_mode",
                &res,
                "query_access_mode",
                AmplsAccessMode::parse,
                AmplsAccessMode::NAMES,
            )
            .unwrap_or(AmplsAccessMode::Open);
        let tags = self.tags(o);
        self.t
            .monitor_private_link_scopes
            .push(MonitorPrivateLinkScope {
                name,
                ingestion_access_mode: ingestion,
                query_access_mode: query,
                scoped_resources: Vec::new(),
                tags,
                at: at(o),
            });
        true
    }

    pub(super) fn scoped_service(&mut self, o: &ResObj) -> bool {
        let res = format!("scoped-service/{}", o.addr);
        let Some(scope) = self.s(o, "scope_name", &res, "scope") else {
            return false;
        };
        let Some(i) = self
            .t
            .monitor_private_link_scopes
            .iter()
            .position(|a| a.name == scope)
        else {
            return false;
        };
        let sres = format!("ampls/{scope}");
        if let Some(n) = self.link_name(
            o,
            "linked_resource_id",
            &sres,
            "scoped_resources",
            "Application Insights or Log Analytics workspace",
            any_name,
        ) {
            self.t.monitor_private_link_scopes[i]
                .scoped_resources
                .push(n);
        }
        true
    }

    // ---- private endpoints -------------------------------------------------------------------

    pub(super) fn private_endpoint(&mut self, o: &ResObj) -> bool {
        let name = self.name(o, "private-endpoint");
        let res = format!("private-endpoint/{name}");
        let subnet = match self.placement_subnet(o, "subnet_id", &res, "subnet") {
            Some(s) => s,
            None => self.placeholder(&format!("{UNKNOWN}/{UNKNOWN}")),
        };
        let Some(psc) = self.block(o, "private_service_connection", &res) else {
            self.invalid(
                o,
                "private_service_connection",
                "a private endpoint needs a private_service_connection block".into(),
                None,
            );
            return false;
        };
        let groups = self.strs(&psc, "subresource_names", &res, "group_id");
        if groups.len() > 1 {
            self.warn(
                "unmodelled",
                format!("private endpoint `{name}` names {} sub-resources; the model keeps the first, `{}`", groups.len(), groups[0]),
                &psc.loc,
                None,
            );
        }
        let group_id = groups.first().cloned();
        let Some(target) = self.endpoint_target(o, &psc, &name, &res) else {
            return false;
        };
        let group_id = match group_id {
            Some(g) => g,
            None => {
                self.unknown_at(&res, "group_id", "no subresource_names".into(), &psc.loc);
                UNKNOWN.to_string()
            }
        };
        let target = match target {
            Some(t) => t,
            None => {
                let kind = kind_of_group(&group_id).unwrap_or(Kind::Storage);
                Address::resource(kind, self.placeholder(UNKNOWN))
            }
        };
        let connection_state = match self.b(&psc, "is_manual_connection", &res, "connection_state")
        {
            Some(true) => ConnectionState::Pending,
            _ => ConnectionState::Approved,
        };
        let mut ip_address = None;
        if let Some(ipc) = self.block(o, "ip_configuration", &res) {
            ip_address = self.ip(&ipc, "private_ip_address", &res, "ip_address");
        } else if let Some(Value::String(_)) = get(&psc, "private_ip_address") {
            ip_address = self.ip(&psc, "private_ip_address", &res, "ip_address");
        }
        let (dns_zone_group, zone_ids) = self.zone_group(o, &res);
        self.pe_zone_ids
            .push((self.t.private_endpoints.len(), zone_ids));
        let region = self.region(o, &res);
        let tags = self.tags(o);
        self.t.private_endpoints.push(PrivateEndpoint {
            name,
            region,
            subnet,
            target,
            group_id,
            ip_address,
            member_addresses: Vec::new(),
            connection_state,
            dns_zone_group,
            created: None,
            tags,
            at: at(o),
        });
        true
    }

    /// The resource a private endpoint connects to, as its `private_service_connection`
    /// names it: `Some(None)` when the input leaves it open, `None` when the endpoint is not
    /// modelled (a warning or error says why).
    fn endpoint_target(
        &mut self,
        o: &ResObj,
        psc: &ResObj,
        name: &str,
        res: &str,
    ) -> Option<Option<Address>> {
        let link = get(psc, "private_connection_resource_id").map(|v| self.link(v));
        let mut namesake_rg = None;
        let link = match link {
            Some(Link::External(r, id)) => match self.namesake(&id) {
                Some(Namesake::Same(d)) => {
                    let loc = Self::attr_loc(psc, "private_connection_resource_id");
                    self.warn(
                        "target-by-name",
                        format!("`{res}`: target: `{id}` is read as the resource of that type and name the configuration declares: the subscription or resource group that would tell them apart is unknown"),
                        &loc,
                        Some("give the resource group its name (a variable value) to have ids compared in full".into()),
                    );
                    Some(Link::Declared(d))
                }
                Some(Namesake::Elsewhere(rg)) => {
                    namesake_rg = Some(rg);
                    Some(Link::External(r, id))
                }
                None => Some(Link::External(r, id)),
            },
            other => other,
        };
        Some(match link {
            Some(Link::Declared(r)) => match pe_target(&r) {
                Some(a) => Some(a),
                None => {
                    self.unmodelled_target(o, name, &format!("{r:?}"));
                    return None;
                }
            },
            // A registry's own storage account or container registry: the configuration
            // declares it through the registry.
            Some(Link::External(r, id)) if self.registry_managed(&r).is_some() => {
                let a = self.registry_managed(&r);
                self.managed_group(a.as_ref(), &id);
                a
            }
            Some(Link::External(r, id)) => match pe_target(&r) {
                Some(mut a) => {
                    // A namesake of a declared resource, in another resource group: named
                    // with its resource group, never confused with the declared one.
                    if let (Some(rg), Address::Resource { name, .. }) = (&namesake_rg, &mut a) {
                        *name = moat_model::external::namesake(name, rg);
                    }
                    let n = match &a {
                        Address::Resource { name, .. } => name.clone(),
                        _ => String::new(),
                    };
                    // Recorded as every importer records it; the warning says where.
                    let loc = Self::attr_loc(psc, "private_connection_resource_id");
                    self.external.insert(n.clone());
                    // A data source read by an unknown name may be a declared resource:
                    // said as such, its target left open below.
                    if !self.open_reference(res, "target", &n, &loc) {
                        moat_model::external::target(
                            &mut self.t,
                            name,
                            &a,
                            &id,
                            &loc.provenance(&o.addr),
                        );
                        self.warn(
                            "external-reference",
                            format!("`{res}` connects to {a} ({id}), which the configuration does not declare; the endpoint is kept and analysed, the target's public access and network rules are unknown"),
                            &loc,
                            Some("include the resource in the configuration (or a plan) to have it analysed".into()),
                        );
                    }
                    Some(a)
                }
                None => {
                    self.unmodelled_target(o, name, &id);
                    return None;
                }
            },
            Some(Link::Unknown(u)) => {
                self.unknown(res, "target", &u);
                None
            }
            Some(Link::Invalid(s)) => {
                self.invalid(
                    psc,
                    "private_connection_resource_id",
                    format!("`{s}` is not an Azure resource id"),
                    None,
                );
                return None;
            }
            None => {
                if get(psc, "private_connection_resource_alias").is_some() {
                    self.unknown_at(
                        res,
                        "target",
                        "the endpoint connects through a private link service alias".into(),
                        &psc.loc,
                    );
                }
                None
            }
        })
    }

    /// The private DNS zones of an endpoint's zone group, with the ids written for them.
    fn zone_group(&mut self, o: &ResObj, res: &str) -> (Vec<String>, Vec<Option<String>>) {
        let mut dns_zone_group = Vec::new();
        let mut zone_ids = Vec::new();
        // A zone group block the configuration leaves open (a `dynamic` block over a value
        // without one) may write the endpoint's records: recorded as the model's field, which
        // name resolution reads as "the zone group may hold any zone".
        let group = match get(o, "private_dns_zone_group") {
            Some(Value::Unknown(u)) => {
                let u = u.clone();
                self.unknown(res, "dns_zone_group", &u);
                None
            }
            _ => self.block(o, "private_dns_zone_group", res),
        };
        if let Some(g) = group {
            let ids: Vec<Value> = match get(&g, "private_dns_zone_ids") {
                Some(Value::List(l)) => l.to_vec(),
                Some(other) => vec![other.clone()],
                None => Vec::new(),
            };
            for v in ids {
                if let Some(z) = self.link_value(
                    &g,
                    "private_dns_zone_ids",
                    &v,
                    res,
                    "dns_zone_group",
                    "private DNS zone",
                    zone_of,
                ) {
                    let written = match self.resolve(&v) {
                        Value::String(s) => Some(s),
                        Value::Unknown(u) => u.partial.as_deref().map(str::to_string),
                        _ => None,
                    };
                    dns_zone_group.push(z);
                    zone_ids.push(written.map(|w| self.declared_id(&w).unwrap_or(w)));
                }
            }
        }
        (dns_zone_group, zone_ids)
    }

    fn unmodelled_target(&mut self, o: &ResObj, name: &str, what: &str) -> bool {
        self.warn(
            "unmodelled",
            format!("private endpoint `{name}` reaches {what}, a kind of resource the model does not cover"),
            &o.loc,
            Some("the model covers endpoints to workspaces, registries, storage, key vaults, container registries and AMPLS".into()),
        );
        false
    }

    // ---- private DNS ----------------------------------------------------------------------------

    /// What tells a resource group apart: its name, or, when the name is unknown, the mark
    /// of that unknown value — two resources given the same unknown group name (the same
    /// `azurerm_resource_group.x.name`) are in the same group.
    fn group_key(&mut self, o: &ResObj) -> Option<String> {
        match self.resolve(get(o, "resource_group_name")?) {
            Value::Unknown(u) => Some(u.marker()),
            v => v.to_tf_string(),
        }
    }

    pub(super) fn dns_zone(&mut self, o: &ResObj) -> bool {
        let name = self.name(o, "private-dns-zone");
        let tags = self.tags(o);
        // A group named with a random suffix is still told apart by the reference to it.
        let rg = get(o, "resource_group_name").and_then(|v| self.resolve(v).to_tf_string());
        let key = self.group_key(o);
        self.zones_by_name
            .add(self.t.private_dns_zones.len(), &name, key.as_deref());
        let written = match o.attrs.get("id") {
            Some(Value::String(id)) => crate::ids::parse(id).and_then(|p| p.resource_group),
            _ => None,
        };
        let open = written
            .as_ref()
            .is_some_and(|g| self.open_groups.contains(&g.to_ascii_lowercase()));
        self.zone_rgs.push(ZoneGroup {
            at: o.loc.clone(),
            stand_in: match (&written, open) {
                (Some(g), true) => g.clone(),
                _ => crate::ids::fallback_name(&o.addr),
            },
            key: written.map(|g| if open { format!("⟨={g}⟩") } else { g }),
            known: rg,
        });
        self.t.private_dns_zones.push(PrivateDnsZone {
            name,
            resource_group: None,
            vnet_links: Vec::new(),
            records: Vec::new(),
            fallback_to_internet: false,
            tags,
            external: false,
            at: at(o),
        });
        true
    }

    fn zone_index(&mut self, o: &ResObj, k: &str, res: &str) -> Option<usize> {
        let zone = self.s(o, k, res, "zone")?;
        let rg = self.group_key(o);
        match self.zones_by_name.find(&zone, rg.as_deref()) {
            Some(i) => Some(i),
            None => {
                let reason =
                    format!("private DNS zone `{zone}` is not declared in the configuration");
                self.unknown_at(
                    &format!("private-dns-zone/{zone}"),
                    "*",
                    reason.clone(),
                    &o.loc,
                );
                self.warn(
                    "external-reference",
                    format!("`{}` belongs to {reason}", o.addr),
                    &o.loc,
                    None,
                );
                None
            }
        }
    }

    pub(super) fn dns_link(&mut self, o: &ResObj) -> bool {
        let res = format!("dns-link/{}", o.addr);
        let Some(zi) = self.zone_index(o, "private_dns_zone_name", &res) else {
            return false;
        };
        let zres = format!("private-dns-zone/{}", self.t.private_dns_zones[zi].name);
        let external = self.linked_external_vnet(o, "virtual_network_id", &zres);
        let vnet = match external.or_else(|| {
            self.link_name(
                o,
                "virtual_network_id",
                &zres,
                "vnet_links",
                "virtual network",
                vnet_of,
            )
        }) {
            Some(v) => v,
            None => self.placeholder(UNKNOWN),
        };
        if self
            .s(o, "resolution_policy", &zres, "fallback_to_internet")
            .is_some_and(|p| p.eq_ignore_ascii_case("NxDomainRedirect"))
        {
            self.t.private_dns_zones[zi].fallback_to_internet = true;
        }
        self.t.private_dns_zones[zi].vnet_links.push(vnet);
        true
    }

    pub(super) fn dns_record(&mut self, rtype: &str, o: &ResObj) -> bool {
        let res = format!("dns-record/{}", o.addr);
        let Some(zi) = self.zone_index(o, "zone_name", &res) else {
            return false;
        };
        let zres = format!("private-dns-zone/{}", self.t.private_dns_zones[zi].name);
        let name = crate::ids::name_or_addr(o);
        let field = format!("records/{name}");
        let (record_type, values) = match rtype {
            "azurerm_private_dns_cname_record" => {
                (RecordType::Cname, self.strs(o, "record", &zres, &field))
            }
            "azurerm_private_dns_aaaa_record" => {
                (RecordType::Aaaa, self.strs(o, "records", &zres, &field))
            }
            _ => (RecordType::A, self.a_record_values(o, &zres, &field)),
        };
        self.t.private_dns_zones[zi].records.push(DnsRecord {
            name,
            record_type,
            values,
            at: at(o),
        });
        true
    }

    /// An A record's addresses. One read from a declared private endpoint
    /// (`azurerm_private_endpoint.x.private_service_connection[0].private_ip_address`), which
    /// Terraform knows only after apply, is that endpoint's address whatever Azure assigns:
    /// it is written `private-endpoint/<name>`.
    fn a_record_values(&mut self, o: &ResObj, res: &str, field: &str) -> Vec<String> {
        let items: Vec<Value> = match get(o, "records").map(|v| self.resolve(v)) {
            Some(Value::List(l)) => l.to_vec(),
            Some(other) => vec![other],
            None => return Vec::new(),
        };
        let mut out = Vec::new();
        for x in items {
            match self.resolve(&x) {
                Value::Unknown(u) => match self.endpoint_holding(&u) {
                    Some(pe) => out.push(format!("private-endpoint/{pe}")),
                    None => self.unknown(res, field, &u),
                },
                Value::Null => {}
                other => match other.to_tf_string() {
                    Some(s) => out.push(s),
                    None => self.invalid(
                        o,
                        "records",
                        format!("`records` must hold strings, not {}", other.type_name()),
                        None,
                    ),
                },
            }
        }
        out
    }

    /// The model name of the declared private endpoint whose address `u` stands for: its
    /// connection's `private_ip_address`, or the addresses it reports for its names
    /// (`custom_dns_configs[i].ip_addresses`, `private_dns_zone_configs[i].record_sets[j]
    /// .ip_addresses`, whole or one of them). Each index is one the evaluator determined: an
    /// index it could not leaves the value without its origin, and the record open.
    fn endpoint_holding(&self, u: &crate::value::Unk) -> Option<String> {
        let (addr, attr) = u.origin.as_ref()?;
        let full = format!("{addr}.{attr}");
        self.recs
            .iter()
            .filter(|r| r.rtype == "azurerm_private_endpoint")
            .find(|r| {
                full.strip_prefix(r.obj.addr.as_str())
                    .and_then(|rest| rest.strip_prefix('.'))
                    .is_some_and(is_endpoint_address_path)
            })
            .map(|r| self.model_name(&r.obj))
    }

    pub(super) fn resolver(&mut self, o: &ResObj) -> bool {
        let name = self.name(o, "dns-resolver");
        let res = format!("dns-resolver/{name}");
        let external = self.linked_external_vnet(o, "virtual_network_id", &res);
        let vnet = match external.or_else(|| {
            self.link_name(
                o,
                "virtual_network_id",
                &res,
                "vnet",
                "virtual network",
                vnet_of,
            )
        }) {
            Some(v) => v,
            None => self.placeholder(UNKNOWN),
        };
        let region = self.region(o, &res);
        self.t.dns_resolvers.push(DnsResolver {
            name,
            region,
            vnet,
            inbound_endpoints: Vec::new(),
            outbound_endpoints: Vec::new(),
            at: at(o),
        });
        true
    }

    pub(super) fn resolver_endpoint(&mut self, rtype: &str, o: &ResObj) -> bool {
        let res = format!("dns-resolver-endpoint/{}", o.addr);
        let Some(resolver) = self.link_name(
            o,
            "private_dns_resolver_id",
            &res,
            "resolver",
            "DNS resolver",
            resolver_of,
        ) else {
            return false;
        };
        let Some(ri) = self.t.dns_resolvers.iter().position(|r| r.name == resolver) else {
            return false;
        };
        let rres = format!("dns-resolver/{resolver}");
        let name = crate::ids::name_or_addr(o);
        let ep = if rtype == "azurerm_private_dns_resolver_inbound_endpoint" {
            let Some(ipc) = self.block(o, "ip_configurations", &rres) else {
                return false;
            };
            let subnet = self.placement_subnet(&ipc, "subnet_id", &rres, "inbound_endpoints");
            let stat = self
                .s(
                    &ipc,
                    "private_ip_allocation_method",
                    &rres,
                    "inbound_endpoints",
                )
                .is_some_and(|m| m.eq_ignore_ascii_case("static"));
            let ip_address = if stat {
                self.ip(&ipc, "private_ip_address", &rres, "inbound_endpoints")
            } else {
                None
            };
            ResolverEndpoint {
                name,
                subnet: subnet.unwrap_or_else(|| format!("{UNKNOWN}/{UNKNOWN}")),
                ip_address,
            }
        } else {
            let subnet = self.placement_subnet(o, "subnet_id", &rres, "outbound_endpoints");
            ResolverEndpoint {
                name,
                subnet: subnet.unwrap_or_else(|| format!("{UNKNOWN}/{UNKNOWN}")),
                ip_address: None,
            }
        };
        if ep.subnet.starts_with(UNKNOWN) {
            self.placeholder(&ep.subnet);
        }
        if rtype == "azurerm_private_dns_resolver_inbound_endpoint" {
            self.t.dns_resolvers[ri].inbound_endpoints.push(ep);
        } else {
            self.t.dns_resolvers[ri].outbound_endpoints.push(ep);
        }
        true
    }

    pub(super) fn ruleset(&mut self, o: &ResObj) -> bool {
        let name = self.name(o, "dns-forwarding-ruleset");
        let res = format!("dns-forwarding-ruleset/{name}");
        let outbound_endpoints = self.link_names(
            o,
            "private_dns_resolver_outbound_endpoint_ids",
            &res,
            "outbound_endpoints",
            "resolver outbound endpoint",
            outbound_ep_of,
        );
        let region = self.region(o, &res);
        self.t.dns_forwarding_rulesets.push(DnsForwardingRuleset {
            name,
            region,
            outbound_endpoints,
            vnet_links: Vec::new(),
            rules: Vec::new(),
            at: at(o),
        });
        true
    }

    fn ruleset_index(&mut self, o: &ResObj, res: &str) -> Option<usize> {
        let rs = self.link_name(
            o,
            "dns_forwarding_ruleset_id",
            res,
            "ruleset",
            "DNS forwarding ruleset",
            ruleset_of,
        )?;
        self.t
            .dns_forwarding_rulesets
            .iter()
            .position(|r| r.name == rs)
    }

    pub(super) fn forwarding_rule(&mut self, o: &ResObj) -> bool {
        let res = format!("forwarding-rule/{}", o.addr);
        let Some(ri) = self.ruleset_index(o, &res) else {
            return false;
        };
        let rres = format!(
            "dns-forwarding-ruleset/{}",
            self.t.dns_forwarding_rulesets[ri].name
        );
        let name = crate::ids::name_or_addr(o);
        let field = format!("rules/{name}");
        let Some(domain_name) = self.s(o, "domain_name", &rres, &field) else {
            return false;
        };
        let mut targets = Vec::new();
        for t in self.blocks(o, "target_dns_servers", &rres) {
            targets.extend(self.ip(&t, "ip_address", &rres, &field));
        }
        let state = if self.b(o, "enabled", &rres, &field) == Some(false) {
            RuleState::Disabled
        } else {
            RuleState::Enabled
        };
        self.t.dns_forwarding_rulesets[ri]
            .rules
            .push(ForwardingRule {
                name,
                domain_name,
                target_dns_servers: targets,
                state,
            });
        true
    }

    pub(super) fn ruleset_link(&mut self, o: &ResObj) -> bool {
        let res = format!("ruleset-link/{}", o.addr);
        let Some(ri) = self.ruleset_index(o, &res) else {
            return false;
        };
        let rres = format!(
            "dns-forwarding-ruleset/{}",
            self.t.dns_forwarding_rulesets[ri].name
        );
        let vnet = match self.link_name(
            o,
            "virtual_network_id",
            &rres,
            "vnet_links",
            "virtual network",
            vnet_of,
        ) {
            Some(v) => v,
            None => self.placeholder(UNKNOWN),
        };
        self.t.dns_forwarding_rulesets[ri].vnet_links.push(vnet);
        true
    }
}

/// The resource group of a private DNS zone, which tells zones of one name apart.
#[derive(Debug)]
pub(super) struct ZoneGroup {
    /// Its name, when known.
    known: Option<String>,
    /// What stands for it when its name is unknown: the address of the group resource whose
    /// name is unknown, or the zone's own.
    stand_in: String,
    /// The group as the zone's id writes it (see `moat_arm::group_names::Group::key`).
    key: Option<String>,
    /// Where the zone is written.
    at: crate::value::Loc,
}

impl Mapper<'_> {
    /// Zones of the same name in different resource groups (isolated networks each with their
    /// own copy) are told apart by resource group, and endpoints name them `<rg>/<zone>`.
    /// Zones whose groups the input leaves open are told apart by what stands for each group
    /// (two resources are two zones, as for the resources of `moat_arm::group_names`), with a
    /// warning where the groups may be one; an endpoint names the zone its id names.
    pub(super) fn disambiguate_zones(&mut self) {
        let mut count: HashMap<&str, (usize, usize)> = HashMap::new();
        for (z, g) in self.t.private_dns_zones.iter().zip(&self.zone_rgs) {
            let c = count.entry(z.name.as_str()).or_default();
            c.0 += 1;
            c.1 += usize::from(g.known.is_none());
        }
        let count: HashMap<String, (usize, usize)> =
            count.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
        // Zones of one name in one group, known or not, are one name declared twice.
        let mut alike: HashMap<(&str, String), usize> = HashMap::new();
        for (z, g) in self.t.private_dns_zones.iter().zip(&self.zone_rgs) {
            if let Some(k) = &g.key {
                *alike
                    .entry((z.name.as_str(), k.to_ascii_lowercase()))
                    .or_default() += 1;
            }
        }
        let alike: HashSet<(String, String)> = alike
            .into_iter()
            .filter(|(_, n)| *n > 1)
            .map(|((z, k), _)| (z.to_string(), k))
            .collect();
        let mut by_key: HashMap<(String, String), usize> = HashMap::new();
        let mut earlier: HashMap<String, Vec<usize>> = HashMap::new();
        let mut warnings = Vec::new();
        for (i, (z, g)) in self
            .t
            .private_dns_zones
            .iter_mut()
            .zip(&self.zone_rgs)
            .enumerate()
        {
            let (all, open) = count[&z.name];
            let Some(key) = &g.key else {
                if all > 1 {
                    z.resource_group = g.known.clone();
                }
                continue;
            };
            let shared = alike.contains(&(z.name.clone(), key.to_ascii_lowercase()));
            if all > 1 {
                z.resource_group = g
                    .known
                    .clone()
                    .or_else(|| (open > 1 && !shared).then(|| g.stand_in.clone()));
            }
            by_key
                .entry((z.name.clone(), key.to_ascii_lowercase()))
                .or_insert(i);
            let before = earlier.entry(z.name.clone()).or_default();
            if g.known.is_none()
                && !shared
                && let Some(&j) = before.iter().rev().take(32).find(|&&j| {
                    self.zone_rgs[j]
                        .key
                        .as_deref()
                        .is_some_and(|k| moat_arm::group_names::may_be_one(k, key))
                })
            {
                warnings.push((i, j));
            }
            before.push(i);
        }
        for (i, j) in warnings {
            let zones = &self.t.private_dns_zones;
            let msg = moat_arm::group_names::may_share_message(
                &format!("private-dns-zone/{}", zones[i].key()),
                &format!("private-dns-zone/{}", zones[j].key()),
            );
            let loc = self.zone_rgs[i].at.clone();
            self.warn(
                moat_arm::group_names::MAY_SHARE,
                msg,
                &loc,
                Some(
                    "give the resource groups values (a .tfvars file or -var) to decide it".into(),
                ),
            );
        }
        let keys: Vec<String> = self.t.private_dns_zones.iter().map(|z| z.key()).collect();
        // The group of the one zone of each name declared once, as its id writes it.
        let single: HashMap<&str, Option<&str>> = self
            .t
            .private_dns_zones
            .iter()
            .zip(&self.zone_rgs)
            .filter(|(z, _)| count.get(&z.name).is_some_and(|&(n, _)| n == 1))
            .map(|(z, g)| (z.name.as_str(), g.key.as_deref()))
            .collect();
        let mut other = Vec::new();
        for (pi, ids) in &self.pe_zone_ids {
            let Some(pe) = self.t.private_endpoints.get(*pi) else {
                continue;
            };
            for (zi, (z, id)) in pe.dns_zone_group.iter().zip(ids).enumerate() {
                let rg = id
                    .as_deref()
                    .and_then(crate::ids::parse)
                    .and_then(|p| p.resource_group)
                    .filter(|r| r != UNKNOWN);
                let (Some(rg), Some(&(n, _))) = (rg, count.get(z.as_str())) else {
                    continue;
                };
                if n < 2 {
                    // An id naming a known group other than the one the zone declared once is
                    // in names another zone of that name, which the configuration does not
                    // declare.
                    let elsewhere = single.get(z.as_str()).copied().flatten().is_some_and(|k| {
                        !moat_arm::idmatch::has_unknown(k)
                            && !moat_arm::idmatch::has_unknown(&rg)
                            && !k.eq_ignore_ascii_case(&rg)
                    });
                    if elsewhere {
                        other.push((*pi, zi, format!("{rg}/{z}")));
                    }
                    continue;
                }
                let to = match by_key.get(&(z.clone(), rg.to_ascii_lowercase())) {
                    Some(&i) => keys[i].clone(),
                    None if !moat_arm::idmatch::has_unknown(&rg) => format!("{rg}/{z}"),
                    None => continue,
                };
                other.push((*pi, zi, to));
            }
        }
        for (pi, zi, to) in other {
            self.t.private_endpoints[pi].dns_zone_group[zi] = to;
        }
    }
}

/// The private DNS zones declared so far, found by name in constant time: estates give every
/// isolated network its own copy of the same zones, so a scan per link would be quadratic.
#[derive(Default)]
pub(super) struct ZoneIndex {
    /// The first zone of each name.
    first: HashMap<String, usize>,
    /// The first zone of each name in each resource group (lower-cased).
    in_group: HashMap<(String, String), usize>,
    /// The first zone of each name whose resource group is unknown.
    no_group: HashMap<String, usize>,
}

impl ZoneIndex {
    /// Records zone `i`, named `name`, in resource group `rg` (when known).
    pub(super) fn add(&mut self, i: usize, name: &str, rg: Option<&str>) {
        self.first.entry(name.to_string()).or_insert(i);
        match rg {
            Some(rg) => self
                .in_group
                .entry((name.to_string(), rg.to_ascii_lowercase()))
                .or_insert(i),
            None => self.no_group.entry(name.to_string()).or_insert(i),
        };
    }

    /// The first zone named `name` whose resource group is `rg` (compared ignoring case), a
    /// side whose group is unknown matching any.
    pub(super) fn find(&self, name: &str, rg: Option<&str>) -> Option<usize> {
        let Some(rg) = rg else {
            return self.first.get(name).copied();
        };
        let same = self
            .in_group
            .get(&(name.to_string(), rg.to_ascii_lowercase()));
        same.into_iter()
            .chain(self.no_group.get(name))
            .min()
            .copied()
    }
}

/// Whether `path`, below a private endpoint, is where Terraform reports the endpoint's private
/// address: `private_service_connection[i].private_ip_address`,
/// `custom_dns_configs[i].ip_addresses` or `private_dns_zone_configs[i].record_sets[j]
/// .ip_addresses`, the last two whole or indexed once more. Every index is a number.
fn is_endpoint_address_path(path: &str) -> bool {
    // Strips `name[<digits>]` from the front.
    fn indexed<'p>(p: &'p str, name: &str) -> Option<&'p str> {
        let rest = p.strip_prefix(name)?.strip_prefix('[')?;
        let (digits, rest) = rest.split_once(']')?;
        (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())).then_some(rest)
    }
    let addresses =
        |p: &str| p == ".ip_addresses" || indexed(p, ".ip_addresses").is_some_and(str::is_empty);
    if let Some(rest) = indexed(path, "private_service_connection") {
        return rest == ".private_ip_address";
    }
    if let Some(rest) = indexed(path, "custom_dns_configs") {
        return addresses(rest);
    }
    indexed(path, "private_dns_zone_configs")
        .and_then(|rest| indexed(rest, ".record_sets"))
        .is_some_and(addresses)
}

#[cfg(test)]
mod zone_index_tests {
    use super::ZoneIndex;

    /// The index answers what a scan of the zones in declaration order answers: the first
    /// zone of that name whose group matches, ignoring case, or is unknown on either side.
    #[test]
    fn finds_the_first_matching_zone_like_a_scan() {
        let zones: Vec<(&str, Option<&str>)> = vec![
            ("privatelink.blob.core.windows.net", Some("rg-a")),
            ("privatelink.api.azureml.ms", Some("rg-a")),
            ("privatelink.blob.core.windows.net", Some("RG-B")),
            ("privatelink.blob.core.windows.net", None),
            ("privatelink.api.azureml.ms", None),
            ("privatelink.api.azureml.ms", Some("rg-c")),
        ];
        let mut ix = ZoneIndex::default();
        for (i, (n, rg)) in zones.iter().enumerate() {
            ix.add(i, n, *rg);
        }
        let scan = |name: &str, rg: Option<&str>| {
            zones.iter().position(|(n, zr)| {
                *n == name
                    && match (rg, zr) {
                        (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
                        _ => true,
                    }
            })
        };
        for name in [
            "privatelink.blob.core.windows.net",
            "privatelink.api.azureml.ms",
            "privatelink.vaultcore.azure.net",
        ] {
            for rg in [None, Some("rg-a"), Some("rg-b"), Some("Rg-C"), Some("rg-z")] {
                assert_eq!(ix.find(name, rg), scan(name, rg), "{name} in {rg:?}");
            }
        }
    }
}
