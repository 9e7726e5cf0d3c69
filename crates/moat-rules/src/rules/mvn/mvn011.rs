//! MVN011 spark-provisioning-with-public-access.

use crate::rules::util_items::open_outbound_rules;
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity, prose};
use moat_model::enums::PublicNetworkAccess;
use moat_model::ml::OutboundDestination;

/// The rule.
pub struct Mvn011;
/// Its registration.
pub static RULE: Mvn011 = Mvn011;

static DOC: RuleDoc = RuleDoc {
    code: "MVN011",
    name: "spark-provisioning-with-public-access",
    severity: Severity::Warning,
    what: "A managed network is set up for serverless Spark (a private endpoint outbound rule with spark_enabled) while the workspace's public network access is not Disabled.",
    why: "Serverless Spark jobs need the managed network provisioned by hand with Spark included (az ml workspace provision-network --include-spark). The documentation asks to disable the workspace's public network access before that provisioning: otherwise the private endpoints for the workspace might not be created in the managed network, and its private endpoint outbound rule must then be configured by hand.",
    example: "workspaces: [{ name: ws, public_network_access: Enabled, managed_network: { isolation_mode: AllowInternetOutbound, outbound_rules: [{ name: spark-st, type: PrivateEndpoint, destination: { service_resource: storage/st, subresource_target: blob, spark_enabled: true } }] } }]\nstorage_accounts: [{ name: st }]",
    fix: "Disable the workspace's public network access, then provision the managed network with Spark (az ml workspace provision-network --include-spark); enable public access again afterwards if it is needed.",
    fix_form: FixForm::Prose(prose::OPERATION),
    sources: &[doc!(MN, "Configure for serverless Spark jobs")],
    covers: &["§6.76"],
    path: false,
};

impl Rule for Mvn011 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for w in cx.t.workspaces.iter().filter(|w| {
            w.managed_network.enabled() && w.public_network_access != PublicNetworkAccess::Disabled
        }) {
            let spark: Vec<&str> = w
                .managed_network
                .outbound_rules
                .iter()
                .filter(|r| {
                    r.active
                        && matches!(&r.destination, OutboundDestination::PrivateEndpoint(d) if d.spark_enabled)
                })
                .map(|r| r.name.as_str())
                .collect();
            if spark.is_empty() {
                out.extend(open_outbound_rules(cx, &DOC, w, &format!(
                        "no private endpoint outbound rule of workspace {} enables serverless Spark",
                        w.name
                    )));
                continue;
            }
            let resource = format!("workspace/{}", w.name);
            // An open value is held as a placeholder: the message says what is known of it.
            let access = if cx
                .e
                .is_unknown(&resource, "public_network_access")
                .is_some()
            {
                "while its public network access, which the input leaves open, may be other than Disabled".to_string()
            } else {
                format!("with public network access {}", w.public_network_access)
            };
            out.push(
                Finding::new(
                    &DOC,
                    resource.clone(),
                    format!(
                        "workspace {} enables serverless Spark ({}) {access}: provisioned so, its managed network may lack the workspace's private endpoints",
                        w.name,
                        spark.join(", "),
                    ),
                    DOC.fix,
                    &w.at,
                )
                .needing(crate::rules::sec::needs(cx, &resource, "public_network_access")),
            );
        }
    }
}
