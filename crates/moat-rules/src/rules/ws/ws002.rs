//! WS002 public-access-with-private-data.

use crate::change::{Change, Setting};
use crate::rules::sec::{PUBLIC_ACCESS, needs, undecided};
use crate::rules::util::workspace_at;
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity};
use moat_engine::Verdict;
use moat_model::address::{Address, Kind};
use moat_model::clients::ClientPlace;
use moat_model::enums::PublicNetworkAccess;
use moat_packets::Protocol;

/// The rule.
pub struct Ws002;
/// Its registration.
pub static RULE: Ws002 = Ws002;

static DOC: RuleDoc = RuleDoc {
    code: "WS002",
    name: "public-access-with-private-data",
    severity: Severity::Warning,
    what: "A workspace accepts connections on its public endpoint (from all networks or from selected IP addresses) while its default storage cannot be reached from the internet.",
    why: "Opening the workspace to the internet does not open what sits behind the VNet. A person using studio over the public endpoint gets the workspace, but features that read the data themselves (designer, data preview) fail against a storage account that only answers privately, and Jupyter, JupyterLab and RStudio on a compute instance are not supported over the public endpoint at all.",
    example: "workspaces: [{ name: ws, public_network_access: Enabled, storage_account: st }]\nstorage_accounts: [{ name: st, public_network_access: Disabled }]\nvirtual_networks: [{ name: vnet, address_space: [10.0.0.0/16], subnets: [{ name: pe, address_prefixes: [10.0.2.0/24] }] }]\nprivate_endpoints: [{ name: ws-pe, subnet: vnet/pe, target: workspace/ws, group_id: amlworkspace }]",
    fix: "Disable public network access on the workspace, or give the people who use it a private path (VPN, ExpressRoute, or a jump box in the VNet).",
    fix_form: FixForm::Code,
    sources: &[
        doc!(
            PL,
            "Enable public access (warning on connecting over the public endpoint)"
        ),
        doc!(PL, "Limitations"),
    ],
    covers: &["§6.12"],
    path: false,
};

impl Rule for Ws002 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for w in
            cx.t.workspaces
                .iter()
                .filter(|w| w.public_network_access != PublicNetworkAccess::Disabled)
        {
            let Some(st) = &w.storage_account else {
                continue;
            };
            // Who would come in over the public endpoint: the declared internet clients, or
            // anyone on the internet when none is declared.
            let mut sources: Vec<Address> =
                cx.t.clients
                    .iter()
                    .filter(|c| c.location == ClientPlace::Internet)
                    .map(|c| Address::resource(Kind::Client, &c.name))
                    .collect();
            if sources.is_empty() {
                sources.push(Address::Internet);
            }
            let to = Address::resource(Kind::Storage, st).with_sub("blob");
            // A refusal the input leaves open is reported too, undecided through its trace.
            let traces: Vec<_> = sources
                .into_iter()
                .filter_map(|from| cx.trace(from, to.clone(), Protocol::TCP, 443))
                .collect();
            let blocked = traces
                .iter()
                .position(|t| t.verdict == Verdict::Denied)
                .or_else(|| traces.iter().position(|t| t.verdict == Verdict::Unknown));
            let Some(t) = blocked.map(|i| traces[i].clone()) else {
                continue;
            };
            let r = format!("workspace/{}", w.name);
            let message = format!(
                "workspace {} accepts public connections, but its default storage {st} refuses {}: over the public endpoint, studio features that read data (designer, data preview) fail and notebooks on compute instances are unsupported{}",
                w.name,
                t.from,
                undecided(cx, &r, PUBLIC_ACCESS)
            );
            // Whether the workspace accepts public connections at all is its network security
            // perimeter's to say when it is SecuredByPerimeter.
            let mut f = Finding::new(&DOC, &r, message, DOC.fix, &workspace_at(cx, &w.name))
                .with_trace(t)
                .needing(needs(cx, &r, PUBLIC_ACCESS));
            // With a private endpoint, its clients already have the private path: the public
            // endpoint can close. Without one, which path to give them is the user's choice.
            if crate::rules::sec::sec001::has_endpoint(cx, w) {
                f = f.with_change(Change::set(&r, Setting::PublicNetworkAccessDisabled));
            }
            out.push(f);
        }
    }
}
