//! The workspace's dependent services: storage accounts, key vaults, container registries,
//! Application Insights and monitor private link scopes, with their network rules.

use super::*;

pub(super) fn map_storage(t: &mut Topology, res: &ArmResource, mut rec: Rec, ctx: &mut MapContext) {
    let p = &res.properties;
    let name = res.name.clone();
    let region = res.location.clone();
    let rules = StorageNetworkRules {
        default_action: rec.enm(
            p,
            &["networkAcls", "defaultAction"],
            "network_rules.default_action",
            DefaultAction::parse,
            DefaultAction::Allow,
            DefaultAction::Allow,
        ),
        bypass: match at(p, &["networkAcls", "bypass"]) {
            F::Known(b) => json_text(b)
                .map(|s| {
                    s.split(',')
                        .map(|x| x.trim().to_string())
                        .filter(|x| !x.is_empty())
                        .collect()
                })
                .unwrap_or_default(),
            F::Unknown(r) => {
                rec.unknown("network_rules.bypass", &r);
                vec!["AzureServices".into()]
            }
            F::Absent => vec!["AzureServices".into()],
        },
        ip_rules: {
            let mut out = Vec::new();
            for r in rec.list(p, &["networkAcls", "ipRules"], "network_rules.ip_rules") {
                let v = get(r, "value").or_else(|| get(r, "ipAddressOrRange"));
                match v {
                    Some(x) if unknown_of(x).is_some() => {
                        rec.unknown("network_rules.ip_rules", unknown_of(x).unwrap_or_default())
                    }
                    Some(x) => match json_text(x).map(|s| s.parse::<AddressPrefix>()) {
                        Some(Ok(pr)) => out.push(pr),
                        _ => rec.warn(format!(
                            "{}: storage IP rule {x} is not an address",
                            rec.resource
                        )),
                    },
                    None => {}
                }
            }
            out
        },
        virtual_network_rules: rec.ids(
            p,
            &["networkAcls", "virtualNetworkRules"],
            "network_rules.virtual_network_rules",
        ),
        resource_access_rules: {
            let mut out = Vec::new();
            for r in rec.list(
                p,
                &["networkAcls", "resourceAccessRules"],
                "network_rules.resource_access_rules",
            ) {
                let Some(id) = rec.id(r, &["resourceId"], "network_rules.resource_access_rules")
                else {
                    continue;
                };
                // The id, resolved to the model name of the resource it names once
                // every resource is read (`resource_access`).
                out.push(ResourceAccessRule {
                    resource_type: type_of_id(&id).unwrap_or_default(),
                    name: id,
                    tenant_id: rec.str(r, &["tenantId"], "network_rules.resource_access_rules"),
                });
            }
            out
        },
    };
    let (shared_key, min_tls) = posture::storage_keys_and_tls(p, &mut rec);
    let sa = StorageAccount {
        name: name.clone(),
        region,
        public_network_access: rec.enm(
            p,
            &["publicNetworkAccess"],
            "public_network_access",
            pna,
            PublicNetworkAccess::Enabled,
            PublicNetworkAccess::Enabled,
        ),
        network_rules: rules,
        is_hns_enabled: rec.bool(p, &["isHnsEnabled"], "is_hns_enabled", false, false),
        sku: res.sku.as_ref().and_then(|s| rec.str(s, &["name"], "sku")),
        allow_shared_key_access: shared_key,
        allow_blob_public_access: posture::storage_blob_public_access(p, &mut rec),
        minimum_tls_version: min_tls,
        tags: BTreeMap::new(),
        at: res.at.clone(),
    };
    ctx.register(&res.id, Kind::Storage, &name);
    t.storage_accounts.push(sa);
    flush(t, ctx, rec);
}

pub(super) fn map_key_vault(
    t: &mut Topology,
    res: &ArmResource,
    mut rec: Rec,
    ctx: &mut MapContext,
) {
    let p = &res.properties;
    let name = res.name.clone();
    let region = res.location.clone();
    let kv = KeyVault {
        name: name.clone(),
        region,
        public_network_access: rec.enm(
            p,
            &["publicNetworkAccess"],
            "public_network_access",
            pna,
            PublicNetworkAccess::Enabled,
            PublicNetworkAccess::Enabled,
        ),
        network_acls: rule_set(p, &["networkAcls"], &["networkAcls", "bypass"], &mut rec),
        tags: BTreeMap::new(),
        at: res.at.clone(),
    };
    ctx.register(&res.id, Kind::KeyVault, &name);
    t.key_vaults.push(kv);
    flush(t, ctx, rec);
}

pub(super) fn map_acr(t: &mut Topology, res: &ArmResource, mut rec: Rec, ctx: &mut MapContext) {
    let p = &res.properties;
    let name = res.name.clone();
    let region = res.location.clone();
    let sku = match res.sku.as_ref().map(|s| at(s, &["name"])) {
        Some(F::Known(s)) => match json_text(s).as_deref().and_then(AcrSku::parse) {
            Some(k) => k,
            None => {
                rec.warn(format!(
                    "{}: unrecognised SKU {s}; read as Basic",
                    rec.resource
                ));
                AcrSku::Basic
            }
        },
        Some(F::Unknown(r)) => {
            // Basic: no private endpoints, no firewall (the least isolated SKU).
            rec.unknown("sku", &r);
            AcrSku::Basic
        }
        _ => AcrSku::Basic,
    };
    let acr = ContainerRegistry {
        name: name.clone(),
        region,
        sku,
        public_network_access: rec.enm(
            p,
            &["publicNetworkAccess"],
            "public_network_access",
            pna,
            PublicNetworkAccess::Enabled,
            PublicNetworkAccess::Enabled,
        ),
        network_rule_set: rule_set(
            p,
            &["networkRuleSet"],
            &["networkRuleBypassOptions"],
            &mut rec,
        ),
        data_endpoint_enabled: rec.bool(
            p,
            &["dataEndpointEnabled"],
            "data_endpoint_enabled",
            false,
            true,
        ),
        admin_user_enabled: rec.bool(p, &["adminUserEnabled"], "admin_user_enabled", false, true),
        anonymous_pull_enabled: posture::acr_anonymous_pull(p, &mut rec),
        tags: BTreeMap::new(),
        at: res.at.clone(),
    };
    ctx.register(&res.id, Kind::Acr, &name);
    t.container_registries.push(acr);
    flush(t, ctx, rec);
}

pub(super) fn map_app_insights(
    t: &mut Topology,
    res: &ArmResource,
    mut rec: Rec,
    ctx: &mut MapContext,
) {
    let p = &res.properties;
    let name = res.name.clone();
    let region = res.location.clone();
    let workspace_based = match at(p, &["WorkspaceResourceId"]) {
        F::Known(_) | F::Unknown(_) => true,
        F::Absent => rec
            .str(p, &["IngestionMode"], "workspace_based")
            .is_some_and(|m| m.eq_ignore_ascii_case("LogAnalytics")),
    };
    let ai = ApplicationInsights {
        name: name.clone(),
        region,
        workspace_based,
        public_network_access_for_ingestion: rec.enm(
            p,
            &["publicNetworkAccessForIngestion"],
            "public_network_access_for_ingestion",
            pna,
            PublicNetworkAccess::Enabled,
            PublicNetworkAccess::Enabled,
        ),
        public_network_access_for_query: rec.enm(
            p,
            &["publicNetworkAccessForQuery"],
            "public_network_access_for_query",
            pna,
            PublicNetworkAccess::Enabled,
            PublicNetworkAccess::Enabled,
        ),
        tags: BTreeMap::new(),
        at: res.at.clone(),
    };
    ctx.register(&res.id, Kind::AppInsights, &name);
    t.application_insights.push(ai);
    flush(t, ctx, rec);
}

pub(super) fn map_ampls(t: &mut Topology, res: &ArmResource, mut rec: Rec, ctx: &mut MapContext) {
    let p = &res.properties;
    let name = res.name.clone();
    let mode = |s: &str| AmplsAccessMode::parse(s);
    let a = MonitorPrivateLinkScope {
        name: name.clone(),
        ingestion_access_mode: rec.enm(
            p,
            &["accessModeSettings", "ingestionAccessMode"],
            "ingestion_access_mode",
            mode,
            AmplsAccessMode::Open,
            AmplsAccessMode::Open,
        ),
        query_access_mode: rec.enm(
            p,
            &["accessModeSettings", "queryAccessMode"],
            "query_access_mode",
            mode,
            AmplsAccessMode::Open,
            AmplsAccessMode::Open,
        ),
        scoped_resources: Vec::new(),
        tags: BTreeMap::new(),
        at: res.at.clone(),
    };
    ctx.register(&res.id, Kind::Ampls, &name);
    t.monitor_private_link_scopes.push(a);
    flush(t, ctx, rec);
}

pub(super) fn join_path<'a>(base: &[&'a str], k: &'a str) -> Vec<&'a str> {
    base.iter().copied().chain(std::iter::once(k)).collect()
}

pub(super) fn rule_set(
    p: &Json,
    base: &[&str],
    bypass_path: &[&str],
    rec: &mut Rec,
) -> NetworkRuleSet {
    let path = |k: &'static str| join_path(base, k);
    let default_action = rec.enm(
        p,
        &path("defaultAction"),
        "network_acls.default_action",
        DefaultAction::parse,
        DefaultAction::Allow,
        DefaultAction::Allow,
    );
    let bypass = rec.enm(
        p,
        bypass_path,
        "network_acls.bypass",
        |s| Bypass::parse(s.split(',').next().unwrap_or(s).trim()),
        Bypass::AzureServices,
        Bypass::AzureServices,
    );
    let mut ip_rules = Vec::new();
    for r in rec.list(p, &path("ipRules"), "network_acls.ip_rules") {
        let v = get(r, "value").or_else(|| get(r, "ipAddressOrRange"));
        match v {
            Some(x) if unknown_of(x).is_some() => {
                rec.unknown("network_acls.ip_rules", unknown_of(x).unwrap_or_default())
            }
            Some(x) => match json_text(x).map(|s| s.parse::<AddressPrefix>()) {
                Some(Ok(pr)) => ip_rules.push(pr),
                _ => rec.warn(format!("{}: IP rule {x} is not an address", rec.resource)),
            },
            None => {}
        }
    }
    let virtual_network_rules = {
        let mut out = Vec::new();
        for r in rec.list(
            p,
            &path("virtualNetworkRules"),
            "network_acls.virtual_network_rules",
        ) {
            let id = rec
                .id(r, &["id"], "network_acls.virtual_network_rules")
                .or_else(|| {
                    rec.id(
                        r,
                        &["virtualNetworkResourceId"],
                        "network_acls.virtual_network_rules",
                    )
                });
            out.extend(id);
        }
        out
    };
    NetworkRuleSet {
        default_action,
        bypass,
        ip_rules,
        virtual_network_rules,
    }
}

/// A storage account's resource instance rule: its id names a workspace or registry the
/// template deploys (by its model name, even when that name is unknown: the same unknown value
/// on both sides), or one outside it (by the id's last segment). A name of unknown text that
/// names no deployed resource is recorded as unknown: which instance the rule admits is open.
pub(super) fn resource_access(
    t: &mut Topology,
    ctx: &mut MapContext,
    r: &mut ResourceAccessRule,
    resource: &str,
    at: &Provenance,
) {
    let raw = std::mem::take(&mut r.name);
    if let Ok(tg) = ctx.resolve(&raw, &[Kind::Workspace, Kind::Registry]) {
        r.name = tg.name;
        return;
    }
    r.name = last_segment(&raw);
    if r.name.contains('\u{27e8}') {
        t.unknowns.push(Unknown {
            resource: resource.to_string(),
            field: "network_rules.resource_access_rules".into(),
            reason: format!(
                "the resource instance rule `{raw}` names a {} whose name is unknown",
                r.resource_type
            ),
            at: at.clone(),
        });
    }
}

/// The services' network rules: subnets, resource instances, scoped resources.
pub(super) fn resolve(t: &mut Topology, ctx: &mut MapContext) {
    let mut sas = std::mem::take(&mut t.storage_accounts);
    for s in &mut sas {
        let label = format!("storage/{}", s.name);
        external::admitted_subnets(
            t,
            ctx,
            &mut s.network_rules.virtual_network_rules,
            &label,
            "network_rules.virtual_network_rules",
            &s.at,
        );
        for r in &mut s.network_rules.resource_access_rules {
            resource_access(t, ctx, r, &label, &s.at);
        }
    }
    t.storage_accounts = sas;
    let mut kvs = std::mem::take(&mut t.key_vaults);
    for k in &mut kvs {
        let label = format!("keyvault/{}", k.name);
        external::admitted_subnets(
            t,
            ctx,
            &mut k.network_acls.virtual_network_rules,
            &label,
            "network_acls.virtual_network_rules",
            &k.at,
        );
    }
    t.key_vaults = kvs;
    let mut acrs = std::mem::take(&mut t.container_registries);
    for a in &mut acrs {
        let label = format!("acr/{}", a.name);
        external::admitted_subnets(
            t,
            ctx,
            &mut a.network_rule_set.virtual_network_rules,
            &label,
            "network_rule_set.virtual_network_rules",
            &a.at,
        );
    }
    t.container_registries = acrs;
    let mut ampls = std::mem::take(&mut t.monitor_private_link_scopes);
    for a in &mut ampls {
        let raw = std::mem::take(&mut a.scoped_resources);
        for r in raw {
            match ctx.resolve(&r, &[Kind::AppInsights]) {
                Ok(tg) => a.scoped_resources.push(tg.name),
                // Log Analytics workspaces are not modelled; keep their names.
                Err(_) => a.scoped_resources.push(last_segment(&r)),
            }
        }
    }
    t.monitor_private_link_scopes = ampls;
}
