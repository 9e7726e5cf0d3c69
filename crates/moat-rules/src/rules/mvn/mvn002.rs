//! MVN002 managed-network-non-https.

use crate::rules::util_items::open_outbound_rules;
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity, prose};
use moat_model::address::{Address, Kind};
use moat_model::ml::OutboundDestination;

/// The rule.
pub struct Mvn002;
/// Its registration.
pub static RULE: Mvn002 = Mvn002;

static DOC: RuleDoc = RuleDoc {
    code: "MVN002",
    name: "managed-network-non-https",
    severity: Severity::Error,
    what: "A managed network outbound rule aims at something the managed network cannot carry: an FQDN rule with a scheme or port other than HTTP/HTTPS (80, 443), or a private endpoint rule to a resource type outside the documented list of targets (a VM, a private link service, any non-HTTPS endpoint).",
    why: "A managed network reaches Azure services through private endpoints to the supported resource types, and other destinations only through FQDN rules, which its Azure Firewall applies to ports 80 and 443. Access to non-HTTPS endpoints (SSH, SMB, databases on VMs or on premises) is not supported; such workloads need a custom VNet.",
    example: "workspaces: [{ name: ws, managed_network: { isolation_mode: AllowOnlyApprovedOutbound, outbound_rules: [{ name: sftp, type: FQDN, destination: \"sftp.contoso.com:22\" }] } }]",
    fix: "Reach the resource over HTTPS (through a supported private endpoint target), or use a custom VNet for workloads that need other protocols.",
    fix_form: FixForm::Prose(prose::DESIGN),
    sources: &[
        doc!(MN, "Limitations"),
        doc!(MN, "Configure an FQDN outbound rule"),
    ],
    covers: &[],
    path: false,
};

/// Resource types a managed network private endpoint rule may target (facts §5.4), plus
/// Application Gateway, the documented way to reach HTTPS endpoints in a VNet or on premises.
const TARGET_TYPES: &[&str] = &[
    "microsoft.machinelearningservices/workspaces",
    "microsoft.machinelearningservices/registries",
    "microsoft.storage/storageaccounts",
    "microsoft.containerregistry/registries",
    "microsoft.keyvault/vaults",
    "microsoft.cognitiveservices/accounts",
    "microsoft.search/searchservices",
    "microsoft.sql/servers",
    "microsoft.datafactory/factories",
    "microsoft.documentdb/databaseaccounts",
    "microsoft.eventhub/namespaces",
    "microsoft.cache/redis",
    "microsoft.cache/redisenterprise",
    "microsoft.databricks/workspaces",
    "microsoft.dbformariadb/servers",
    "microsoft.dbforpostgresql/servers",
    "microsoft.dbforpostgresql/flexibleservers",
    "microsoft.dbformysql/servers",
    "microsoft.dbformysql/flexibleservers",
    "microsoft.apimanagement/service",
    "microsoft.insights/privatelinkscopes",
    "microsoft.network/applicationgateways",
];

/// Why an FQDN rule destination is not HTTP(S), if it is not.
fn fqdn_problem(d: &str) -> Option<String> {
    let d = d.trim();
    let rest = match d.split_once("://") {
        Some((scheme, rest)) => {
            if !matches!(scheme.to_ascii_lowercase().as_str(), "http" | "https") {
                return Some(format!("scheme {scheme}"));
            }
            rest
        }
        None => d,
    };
    let host = rest.split('/').next().unwrap_or(rest);
    if let Some((_, port)) = host.rsplit_once(':')
        && port != "80"
        && port != "443"
    {
        return Some(format!("port {port}"));
    }
    None
}

/// Why a private endpoint rule target is not a supported HTTPS target, if it is not.
fn target_problem(service_resource: &str) -> Option<String> {
    if let Ok(a) = service_resource.parse::<Address>() {
        return match a {
            Address::Resource {
                kind:
                    Kind::Workspace
                    | Kind::Registry
                    | Kind::Storage
                    | Kind::Keyvault
                    | Kind::Acr
                    | Kind::Ampls,
                ..
            } => None,
            other => Some(format!("{other} is not a private endpoint target")),
        };
    }
    let lower = service_resource.to_ascii_lowercase();
    let rest = lower.split("/providers/").nth(1)?;
    let mut parts = rest.split('/');
    let (ns, ty) = (parts.next()?, parts.next()?);
    let kind = format!("{ns}/{ty}");
    (!TARGET_TYPES.contains(&kind.as_str())).then(|| {
        format!("resource type {kind} is not among the managed network's private endpoint targets")
    })
}

impl Rule for Mvn002 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for w in
            cx.t.workspaces
                .iter()
                .filter(|w| w.managed_network.enabled())
        {
            let before = out.len();
            for r in &w.managed_network.outbound_rules {
                let problem = match &r.destination {
                    OutboundDestination::Fqdn(d) => fqdn_problem(d).map(|p| {
                        format!("FQDN rule {} ({d}) uses {p}; FQDN rules carry only HTTP and HTTPS on ports 80 and 443", r.name)
                    }),
                    OutboundDestination::PrivateEndpoint(d) => target_problem(&d.service_resource)
                        .map(|p| format!("private endpoint rule {} ({}): {p}", r.name, d.service_resource)),
                    OutboundDestination::ServiceTag(_) => None,
                };
                let Some(problem) = problem else { continue };
                out.push(Finding::new(
                    &DOC,
                    format!("workspace/{}", w.name),
                    format!(
                        "managed network of workspace {}: {problem}; non-HTTPS destinations are not supported",
                        w.name
                    ),
                    DOC.fix,
                    if r.at.is_unknown() { &w.at } else { &r.at },
                ));
            }
            if out.len() == before {
                out.extend(open_outbound_rules(cx, &DOC, w, &format!(
                        "every outbound rule of workspace {}'s managed network has a destination it supports",
                        w.name
                    )));
            }
        }
    }
}
