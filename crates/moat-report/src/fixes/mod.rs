//! Fixes as code: each [`Change`] a rule proposes, rendered in the language of the input that
//! declares the resource — native YAML, Terraform HCL, ARM JSON — or as the `az` command for a
//! deployment read from Azure itself. One renderer per language; rules know none of them.
//!
//! A snippet carries, where the resource's text is at hand, the [`Edit`] that applies it to
//! the file: the value replaced where the setting is written, or the setting inserted into
//! the resource's block. SARIF's `fixes` carry the edit; text and JSON show the snippet.

mod arm;
mod az;
mod bicep;
mod edit;
mod endpoint;
mod endpoint_group;
mod firewall;
mod instance_rule;
mod ip_rule;
mod move_endpoint;
mod native;
mod outbound;
mod policy_storage;
mod primary_identity;
mod proxy;
mod region;
mod registry_part;
mod role;
mod storage_rules;
mod terraform;
mod workspace_role;
mod zone_group;

use moat_doc::{Node, SourceFile};
use moat_model::{Provenance, Topology};
use moat_rules::Finding;
use moat_rules::change::Change;
use serde::Serialize;
use std::collections::{HashMap, HashSet};

/// A fix in one language.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Snippet {
    /// `native`, `terraform`, `arm`, `bicep` or `az`.
    pub input: &'static str,
    /// The snippet's language for highlighting: `yaml`, `hcl`, `json`, `bicep`, `sh`.
    pub language: &'static str,
    /// The change as the user would write it.
    pub text: String,
    /// The change applied to the input file, when its text is known: replacements of the
    /// original text, in order, none overlapping.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub edits: Vec<Edit>,
}

/// A replacement in a file: `len` bytes at `offset` become `text`; lines and columns (1-based,
/// columns in characters) say the same for SARIF.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Edit {
    pub file: String,
    pub offset: usize,
    pub len: usize,
    pub start_line: u32,
    pub start_column: u32,
    pub end_line: u32,
    pub end_column: u32,
    pub text: String,
}

impl Edit {
    fn new(src: &SourceFile, offset: usize, len: usize, text: String) -> Edit {
        let (start_line, start_column) = src.line_col(offset);
        let (end_line, end_column) = src.line_col(offset + len);
        Edit {
            file: src.name.clone(),
            offset,
            len,
            start_line,
            start_column,
            end_line,
            end_column,
            text,
        }
    }
}

/// A value as the renderers write it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum V {
    Bool(bool),
    Int(i64),
    Str(&'static str),
    /// A list of one string.
    List(&'static str),
    /// A mapping of one key to one string, which replaces the whole value (every other key
    /// of the mapping dropped).
    Map(&'static str, &'static str),
}

impl V {
    /// JSON, which is also how HCL writes these values.
    pub(crate) fn json(self) -> String {
        match self {
            V::Bool(b) => b.to_string(),
            V::Int(i) => i.to_string(),
            V::Str(s) => format!("\"{s}\""),
            V::List(s) => format!("[\"{s}\"]"),
            V::Map(k, s) => format!("{{ \"{k}\": \"{s}\" }}"),
        }
    }

    /// A plain YAML scalar.
    pub(crate) fn yaml(self) -> String {
        match self {
            V::Bool(b) => b.to_string(),
            V::Int(i) => i.to_string(),
            V::Str(s) => s.to_string(),
            V::List(s) => format!("[{s}]"),
            V::Map(k, s) => format!("{{ {k}: {s} }}"),
        }
    }
}

/// What the renderers read: the input's format, its files, and the model.
pub struct Input<'a> {
    pub format: &'a str,
    pub sources: &'a [SourceFile],
    pub topology: &'a Topology,
}

/// The trees of the input's YAML and JSON files, each parsed once, when a fix needs it.
#[derive(Default)]
struct Trees {
    parsed: HashMap<String, Option<Node>>,
    /// For each native file, the items of its top-level lists that changes edit (by list and
    /// index), or `None` where a change edits something else: only those items are kept when
    /// the file is parsed, so a large estate's whole tree never sits beside the findings.
    wanted: HashMap<String, Option<HashMap<String, HashSet<usize>>>>,
}

impl Trees {
    /// Notes that a change edits the resource written at `at`, in a native file.
    fn want(&mut self, at: &Provenance) {
        let mut parts = at.pointer.split('/').filter(|p| !p.is_empty());
        let item = match (
            parts.next(),
            parts.next().and_then(|i| i.parse::<usize>().ok()),
        ) {
            (Some(list), Some(index)) => Some((list.replace("~1", "/").replace("~0", "~"), index)),
            _ => None,
        };
        let entry = self
            .wanted
            .entry(at.file.clone())
            .or_insert_with(|| Some(HashMap::new()));
        match (entry.as_mut(), item) {
            (Some(lists), Some((list, index))) => {
                lists.entry(list).or_default().insert(index);
            }
            _ => *entry = None,
        }
    }

    /// Notes the resources a change edits (the same as [`render`] resolves).
    fn want_for(&mut self, c: &Change, input: &Input) {
        let native = |at: &Provenance| language(input.format, &at.file) == Lang::Native;
        // A client is written in a native file.
        if let Change::AddProxyBypass { client, .. } = c {
            let at = input.topology.clients.iter().find(|x| &x.name == client);
            if let Some(at) = at.map(|x| &x.at) {
                self.want(at);
            }
            return;
        }
        // A role assignment goes in the file's root list, which the whole tree shows.
        if let Change::AssignWorkspaceRole { .. } = c {
            if let Some(r) = resolve_change(input.topology, c).filter(|r| native(r.at)) {
                self.wanted.insert(r.at.file.clone(), None);
            }
            return;
        }
        let mut ats = Vec::new();
        if let Change::AllowInFirewall { firewall, rule, .. } = c {
            let application = matches!(rule, moat_rules::change::FirewallAllow::Application { .. });
            ats.extend(firewall::collection(input, firewall, application).map(|c| c.at));
        } else if let Change::EditZoneGroup { .. } = c {
            ats.extend(zone_group::ats(input, c));
        } else {
            ats.extend(resolve_change(input.topology, c).map(|r| r.at));
            if let Change::LinkZone { vnet, .. } = c {
                ats.extend(resolve(input.topology, &format!("vnet/{vnet}")).map(|v| v.at));
            }
            if let Change::MoveEndpoint { endpoint, .. } = c {
                ats.extend(move_endpoint::endpoint_at(input.topology, endpoint));
            }
            // A role assignment is appended to the file's root list: the whole file is read.
            if let Change::AssignRole { scope, .. } = c
                && let Some(r) = resolve(input.topology, scope)
            {
                self.wanted.insert(r.at.file.clone(), None);
                return;
            }
        }
        for at in ats.into_iter().filter(|at| native(at)) {
            self.want(at);
        }
    }

    /// Parses the file unless it was (of a native file, only the items [`Trees::want`]ed).
    fn load(&mut self, src: &SourceFile) {
        if self.parsed.contains_key(&src.name) {
            return;
        }
        let limits = moat_doc::Limits::default();
        let tree = match self.wanted.get(&src.name) {
            Some(Some(lists)) => match src
                .skeleton()
                .and_then(|s| with_items(s, src, lists, limits))
            {
                Some(tree) => Some(tree),
                None => moat_doc::tree::parse_items(src, limits, &mut |list, i, item| {
                    lists
                        .get(list)
                        .is_some_and(|items| items.contains(&i))
                        .then_some(item)
                })
                .ok(),
            },
            _ => moat_doc::tree::parse(src, limits).ok(),
        };
        self.parsed.insert(src.name.clone(), tree);
    }
}

/// The tree [`Trees::load`] parses a native file into (the `wanted` items of its top-level
/// lists, the others placeholders), built from the skeleton the reader kept and those items
/// parsed alone: the fixes of a large estate edit a few resources, and parsing the whole file
/// again took as long as the checks. `None` when an item cannot be parsed alone.
fn with_items(
    skeleton: &Node,
    src: &SourceFile,
    wanted: &HashMap<String, HashSet<usize>>,
    limits: moat_doc::Limits,
) -> Option<Node> {
    use moat_doc::tree::Value;
    let Value::Map(entries) = &skeleton.value else {
        // No top-level lists: the skeleton is the whole tree.
        return Some(skeleton.clone());
    };
    let is_wanted = |list: &Node, i: usize| {
        wanted
            .get(list.text().unwrap_or_default())
            .is_some_and(|items| items.contains(&i))
    };
    let spans: Vec<moat_doc::Span> = entries
        .iter()
        .filter_map(|(k, v)| match &v.value {
            Value::Seq(items) => Some((k, items)),
            _ => None,
        })
        .flat_map(|(k, items)| {
            (items.iter().enumerate())
                .filter(move |(i, _)| is_wanted(k, *i))
                .map(|(_, item)| item.span)
        })
        .collect();
    let mut parsed = moat_doc::tree::parse_spans(src, &spans, limits)?.into_iter();
    let placeholder = |span| Node {
        value: Value::Scalar {
            text: String::new(),
            plain: true,
        },
        span,
    };
    let entries = entries
        .iter()
        .map(|(k, v)| {
            let v = match &v.value {
                Value::Seq(items) => Node {
                    value: Value::Seq(
                        (items.iter().enumerate())
                            .map(|(i, item)| {
                                if is_wanted(k, i) {
                                    parsed.next().unwrap_or_else(|| placeholder(item.span))
                                } else {
                                    placeholder(item.span)
                                }
                            })
                            .collect(),
                    ),
                    span: v.span,
                },
                _ => v.clone(),
            };
            (k.clone(), v)
        })
        .collect();
    Some(Node {
        value: Value::Map(entries),
        span: skeleton.span,
    })
}

impl Trees {
    /// The tree of a file [`Trees::load`]ed.
    fn get(&self, src: &SourceFile) -> Option<&Node> {
        self.parsed.get(&src.name).and_then(Option::as_ref)
    }
}

/// The fixes of every finding, by code, resource and message.
#[derive(Default)]
pub struct FixCode(HashMap<(&'static str, String, String), Vec<Snippet>>);

impl FixCode {
    /// Renders the changes of every finding, the report showing those not suppressed.
    pub fn of(findings: &[Finding], input: &Input) -> FixCode {
        let shown: Vec<bool> = findings.iter().map(|f| f.suppressed.is_none()).collect();
        FixCode::of_shown(findings, input, &shown)
    }

    /// Renders the changes of every finding, where the report shows `findings[i]` when
    /// `shown[i]`: an edit that serves several findings goes with a finding shown.
    pub fn of_shown(findings: &[Finding], input: &Input, shown: &[bool]) -> FixCode {
        FixCode::of_shown_for(findings, input, shown, &[true].repeat(findings.len()))
    }

    /// [`FixCode::of_shown`], for a report that asks only for the fixes of the findings
    /// `asked` marks: a finding is rendered when one asked has its code, resource and message
    /// (the last of those stands for them all, as in the map of every fix). What a finding
    /// left out would have rendered changes no other finding's: only shown findings share
    /// their edits.
    pub fn of_shown_for(
        findings: &[Finding],
        input: &Input,
        shown: &[bool],
        asked: &[bool],
    ) -> FixCode {
        let key = |f: &Finding| (f.code, f.resource.clone(), f.message.clone());
        let asked: HashSet<(&'static str, String, String)> = findings
            .iter()
            .zip(asked)
            .filter(|(_, a)| **a)
            .map(|(f, _)| key(f))
            .collect();
        let mut m = HashMap::new();
        let mut trees = Trees::default();
        for c in findings.iter().flat_map(|f| &f.changes) {
            trees.want_for(c, input);
        }
        let is_shown = |i: usize| shown.get(i).copied().unwrap_or(false);
        // The rules that findings add to each NSG or managed network: where its list is not
        // written (or empty), the first one's edit writes the list with all of them (once each)
        // and the others' none, as two edits would each write the key. A fix the report does
        // not show (a suppressed finding's, one `-q` leaves out) is not the one applied.
        let mut added: HashMap<(&str, &str), Vec<&Change>> = HashMap::new();
        let visible = findings.iter().enumerate().filter(|(i, _)| is_shown(*i));
        for c in visible.flat_map(|(_, f)| &f.changes) {
            let Some(list) = list_of(c) else { continue };
            let same = added.entry(list).or_default();
            if !same.iter().any(|x| rule_name(x) == rule_name(c)) {
                same.push(c);
            }
        }
        // A rule that two shown findings add to one list (an image build and a job both need
        // pypi.org) is added by the first one's edit only: both edits would write two rules of
        // one name, which Azure rejects.
        let mut written: HashSet<((&str, &str), &str)> = HashSet::new();
        // An endpoint two shown findings need (two computes of one subnet), and a zone or link
        // two endpoints need, are written by the first one's edit only.
        let mut endpoints = endpoint::Written::new(
            findings
                .iter()
                .enumerate()
                .filter(|(i, _)| is_shown(*i))
                .flat_map(|(_, f)| &f.changes)
                .filter(|c| {
                    matches!(
                        c,
                        Change::AddPrivateEndpoint { .. } | Change::EditZoneGroup { .. }
                    )
                })
                .collect(),
        );
        for (i, f) in findings.iter().enumerate() {
            let shown = is_shown(i);
            if !shown && !asked.contains(&key(f)) {
                continue;
            }
            let s: Vec<Snippet> = f
                .changes
                .iter()
                .flat_map(|c| {
                    let together: &[&Change] = match list_of(c).and_then(|l| added.get(&l)) {
                        Some(all) if std::ptr::eq(all[0], c) => all,
                        _ => &[],
                    };
                    if shown
                        && let (Some(list), Some(name)) = (list_of(c), rule_name(c))
                        && !written.insert((list, name))
                    {
                        return Vec::new();
                    }
                    if let Change::AddPrivateEndpoint { .. } = c {
                        if shown {
                            return endpoint::render(input, &mut trees, c, &mut endpoints);
                        }
                        let mut alone = endpoint::Written::new(vec![c]);
                        return endpoint::render(input, &mut trees, c, &mut alone);
                    }
                    if let Change::EditZoneGroup { .. } = c {
                        if shown {
                            return zone_group::render(input, &mut trees, c, &mut endpoints);
                        }
                        let mut alone = endpoint::Written::new(vec![c]);
                        return zone_group::render(input, &mut trees, c, &mut alone);
                    }
                    if let Change::AllowInFirewall {
                        firewall,
                        name,
                        rule,
                    } = c
                    {
                        return firewall::render(input, &mut trees, firewall, name, rule);
                    }
                    if let Change::MoveEndpoint { endpoint, subnet } = c {
                        return move_endpoint::render(input, &mut trees, endpoint, subnet);
                    }
                    if let Change::AddProxyBypass { client, hosts } = c {
                        return proxy::render(input, &mut trees, client, hosts);
                    }
                    let snippet = render(c, input, &mut trees, together);
                    // A template may be written in Bicep: the same change beside the JSON.
                    let bicep = snippet
                        .as_ref()
                        .filter(|s| s.input == "arm")
                        .and_then(|s| bicep_of(s, c, input, &trees));
                    snippet.into_iter().chain(bicep).collect()
                })
                .collect();
            if !s.is_empty() {
                m.insert((f.code, f.resource.clone(), f.message.clone()), s);
            }
        }
        FixCode(m)
    }

    /// The snippets of a finding.
    pub fn get(&self, f: &Finding) -> &[Snippet] {
        self.0
            .get(&(f.code, f.resource.clone(), f.message.clone()))
            .map_or(&[], Vec::as_slice)
    }
}

/// The kinds of resource a [`Change::Set`] names, with their native list key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Workspace,
    Registry,
    Storage,
    KeyVault,
    Acr,
    /// A compute cluster (`true`: an instance).
    Compute {
        instance: bool,
    },
    PrivateDnsZone,
    Vnet,
    OnlineEndpoint,
    Nsg,
    /// A subnet (its VNet in `Target::workspace`'s place: the resource it belongs to).
    Subnet,
    /// A managed online deployment (its endpoint in `Target::workspace`'s place).
    OnlineDeployment,
    /// An Azure Monitor private link scope.
    Ampls,
    /// The resource that holds a firewall's rule collections (a policy's rule collection
    /// group, or the firewall).
    FirewallRules,
    /// A service endpoint policy.
    ServiceEndpointPolicy,
    /// A private endpoint.
    PrivateEndpoint,
}

/// The list a change adds a rule to: the NSG's, the managed network's outbound rules.
fn list_of(c: &Change) -> Option<(&'static str, &str)> {
    match c {
        Change::AllowInNsg { nsg, .. } => Some(("nsg", nsg)),
        Change::AddFqdnRule { workspace, .. } => Some(("outbound", workspace)),
        // The root list of role assignments.
        Change::AssignWorkspaceRole { .. } => Some(("roles", "")),
        Change::AddWorkspaceIpRule { workspace, .. } => Some(("ip-rules", workspace)),
        _ => None,
    }
}

/// The name of the rule a change adds.
fn rule_name(c: &Change) -> Option<&str> {
    match c {
        Change::AllowInNsg { name, .. } | Change::AddFqdnRule { name, .. } => Some(name),
        Change::AssignWorkspaceRole { name, .. } => Some(name),
        Change::AddWorkspaceIpRule { address, .. } => Some(address),
        _ => None,
    }
}

/// The second resource a change names, written in the same language as its own: a zone
/// link's VNet, a VNet rule's subnet, a policy's storage account, and the like.
fn second_resource(c: &Change) -> Option<String> {
    match c {
        Change::LinkZone { vnet, .. } => Some(format!("vnet/{vnet}")),
        Change::AddVnetRule { subnet, .. } => Some(subnet.clone()),
        Change::SetPolicyRegion { vnet, .. } => Some(format!("vnet/{vnet}")),
        Change::AddPolicyStorage { storage, .. } => Some(storage.clone()),
        Change::AssignWorkspaceRole { scope, .. } => Some(scope.clone()),
        Change::FqdnRuleToEndpoint { storage, .. } => Some(storage.clone()),
        Change::SetEndpointRegion { vnet, .. } => Some(format!("vnet/{vnet}")),
        Change::AddRegistryInstanceRule { registry, .. } => Some(format!("registry/{registry}")),
        _ => None,
    }
}

/// Renders one change in the language of the file that declares its resource (`together`: for
/// the first rule added to a list, every rule added to it; empty for the others).
fn render(c: &Change, input: &Input, trees: &mut Trees, together: &[&Change]) -> Option<Snippet> {
    let r = resolve_change(input.topology, c)?;
    let lang = language(input.format, &r.at.file);
    let second = match second_resource(c) {
        Some(address) => {
            let v = resolve(input.topology, &address)?;
            if language(input.format, &v.at.file) != lang {
                return None;
            }
            Some(v)
        }
        _ => None,
    };
    for at in std::iter::once(r.at).chain(second.as_ref().map(|v| v.at)) {
        if let Some(src) = input.sources.iter().find(|s| s.name == at.file)
            && lang != Lang::Terraform
        {
            trees.load(src);
        }
    }
    let trees = &*trees;
    let t = target(r, input, trees);
    let second = second.map(|v| target(v, input, trees));
    // A registry's storage and container registry are Azure's, outside any template or
    // configuration: changed with `az`, named in the registry's managed group.
    if let Change::Set { settings, .. } = c
        && lang != Lang::Native
        && let Some(s) = registry_part::az_set(input.topology, t.name, settings)
    {
        return Some(s);
    }
    write(c, lang, &t, second.as_ref(), input, together)
}

/// Writes one change to `t` in `lang`; `second`: the second resource it names
/// ([`second_resource`]).
fn write(
    c: &Change,
    lang: Lang,
    t: &Target,
    second: Option<&Target>,
    input: &Input,
    together: &[&Change],
) -> Option<Snippet> {
    match c {
        Change::Set { settings, .. } => match lang {
            Lang::Native => native::set(t, settings),
            Lang::Terraform => terraform::set(t, settings),
            Lang::Arm => arm::set(t, settings),
            Lang::Az => az::set(t, settings),
        },
        Change::SetImageBuildCompute { compute, .. } => match lang {
            Lang::Native => native::image_build_compute(t, compute),
            Lang::Terraform => terraform::image_build_compute(t, compute),
            Lang::Arm => arm::image_build_compute(t, compute),
            Lang::Az => az::image_build_compute(t, compute),
        },
        Change::AddPolicyStorage { .. } => {
            let st = second?;
            match lang {
                Lang::Native => policy_storage::native(t, st),
                Lang::Terraform => policy_storage::terraform(t, st),
                Lang::Arm => policy_storage::arm(t, st),
                Lang::Az => policy_storage::az(t, st),
            }
        }
        Change::SetPrimaryIdentity { identity, .. } => match lang {
            Lang::Native => primary_identity::native(t, identity),
            Lang::Terraform => primary_identity::terraform(t, identity),
            Lang::Arm => primary_identity::arm(t, identity),
            Lang::Az => primary_identity::az(t, identity),
        },
        Change::AddFqdnRule {
            name, destination, ..
        } => {
            let all: Vec<(&str, &str)> = together
                .iter()
                .filter_map(|c| match c {
                    Change::AddFqdnRule {
                        name, destination, ..
                    } => Some((name.as_str(), destination.as_str())),
                    _ => None,
                })
                .collect();
            match lang {
                Lang::Native => native::fqdn_rule(t, name, destination, &all),
                Lang::Terraform => terraform::fqdn_rule(t, name, destination),
                Lang::Arm => arm::fqdn_rule(t, name, destination, &all),
                Lang::Az => az::fqdn_rule(t, name, destination),
            }
        }
        Change::AllowInNsg { .. } => {
            let rule = nsg_rule(c)?;
            let all: Vec<NsgRule> = together.iter().filter_map(|c| nsg_rule(c)).collect();
            match lang {
                Lang::Native => native::nsg_rule(t, &rule, &all),
                Lang::Terraform => terraform::nsg_rule(t, &rule),
                Lang::Arm => arm::nsg_rule(t, &rule, &all),
                Lang::Az => az::nsg_rule(t, &rule),
            }
        }
        Change::LinkZone { .. } => {
            let v = second?;
            match lang {
                Lang::Native => native::link_zone(t, v),
                Lang::Terraform => terraform::link_zone(t, v),
                Lang::Arm => arm::link_zone(t, v),
                Lang::Az => az::link_zone(t, v),
            }
        }
        Change::AddVnetRule { .. } => {
            let s = second?;
            match lang {
                Lang::Native => native::vnet_rule(t, s),
                Lang::Terraform => storage_rules::vnet_rule(t, s),
                Lang::Arm => arm::vnet_rule(t, s),
                Lang::Az => az::vnet_rule(t, s),
            }
        }
        Change::AddServiceEndpoint { subnet, service } => {
            let model = model_endpoints(input.topology, subnet);
            match lang {
                Lang::Native => native::service_endpoint(t, service, &model),
                Lang::Terraform => terraform::service_endpoint(t, service, &model),
                Lang::Arm => arm::service_endpoint(t, service, &model),
                Lang::Az => az::service_endpoint(t, service, &model),
            }
        }
        // Rendered by `firewall::render`, which finds the collection the rule goes in, and by
        // `endpoint::render`, which names several resources.
        Change::AllowInFirewall { .. } | Change::AddPrivateEndpoint { .. } => None,
        Change::MoveEndpoint { .. } => None,
        Change::AssignRole {
            principal, role, ..
        } => match lang {
            Lang::Native => role::native(input, t, principal, role),
            Lang::Terraform => role::terraform(t, principal, role),
            Lang::Arm => role::arm(t, principal, role),
            Lang::Az => role::az(t, principal, role),
        },
        Change::AddRegistryInstanceRule { registry, .. } => {
            let r = second?;
            match lang {
                Lang::Native => instance_rule::native(input.topology, t, registry),
                Lang::Arm => instance_rule::arm(t, r),
                Lang::Terraform => instance_rule::terraform(t, r),
                Lang::Az => instance_rule::az(t, r),
            }
        }
        Change::SetPolicyRegion { region, .. } => {
            let v = second?;
            match lang {
                Lang::Native => region::native(t, region),
                Lang::Terraform => region::terraform(t, v, region),
                Lang::Arm => region::arm(t, v, region),
                // A policy's region is set when it is created: no command moves one.
                Lang::Az => None,
            }
        }
        Change::AddWorkspaceIpRule { address, .. } => {
            let all: Vec<&str> = together
                .iter()
                .filter_map(|c| match c {
                    Change::AddWorkspaceIpRule { address, .. } => Some(address.as_str()),
                    _ => None,
                })
                .collect();
            match lang {
                Lang::Native => ip_rule::native(input.topology, t, address, &all),
                Lang::Arm => ip_rule::arm(t, address, &all),
                Lang::Az => ip_rule::az(t, address),
                // A configuration's workspace IP rules are not read.
                Lang::Terraform => None,
            }
        }
        // Rendered by `proxy::render`: a client is no resource of the model's addresses.
        Change::AddProxyBypass { .. } => None,
        Change::AssignWorkspaceRole { .. } => {
            let a = assign(c)?;
            let scope = second?;
            match lang {
                Lang::Native => {
                    let all: Vec<workspace_role::Assign> =
                        together.iter().filter_map(|c| assign(c)).collect();
                    workspace_role::native(t, &a, &all)
                }
                Lang::Terraform => workspace_role::terraform(t, scope, &a),
                Lang::Arm => None,
                Lang::Az => workspace_role::az(t, scope, &a),
            }
        }
        Change::FqdnRuleToEndpoint {
            name, subresource, ..
        } => {
            let storage = second?;
            let r = outbound::Replace { name, subresource };
            match lang {
                Lang::Native => outbound::native(t, storage, input.topology, &r),
                Lang::Terraform => outbound::terraform(t, storage, input.topology, &r),
                Lang::Arm => outbound::arm(t, storage, &r),
                Lang::Az => outbound::az(t, storage, &r),
            }
        }
        // Rendered by `zone_group::render`, which names several resources.
        Change::EditZoneGroup { .. } => None,
        Change::SetEndpointGroup { group_id, .. } => match lang {
            Lang::Native => endpoint_group::native(t, group_id),
            Lang::Terraform => endpoint_group::terraform(t, group_id),
            Lang::Arm => endpoint_group::arm(t, group_id),
            // No command changes an endpoint's group id.
            Lang::Az => None,
        },
        Change::SetEndpointRegion { region, .. } => {
            let v = second?;
            match lang {
                Lang::Native => region::native(t, region),
                Lang::Terraform => region::terraform(t, v, region),
                Lang::Arm => region::arm(t, v, region),
                // An endpoint's region is set when it is created: no command moves one.
                Lang::Az => None,
            }
        }
    }
}

fn assign(c: &Change) -> Option<workspace_role::Assign<'_>> {
    match c {
        Change::AssignWorkspaceRole {
            name,
            principal,
            role,
            scope,
        } => Some(workspace_role::Assign {
            name,
            principal,
            role,
            scope,
        }),
        _ => None,
    }
}

/// The resource a change is written in.
fn resolve_change<'t>(t: &'t Topology, c: &Change) -> Option<Resolved<'t>> {
    match c {
        Change::Set { resource, .. } => resolve(t, resource),
        Change::AddFqdnRule { workspace, .. }
        | Change::SetImageBuildCompute { workspace, .. }
        | Change::SetPrimaryIdentity { workspace, .. } => resolve(t, workspace),
        Change::LinkZone {
            zone,
            resource_group,
            ..
        } => resolve_zone(t, zone, resource_group.as_deref()),
        Change::AllowInNsg { nsg, .. } => resolve(t, &format!("nsg/{nsg}")),
        Change::AddServiceEndpoint { subnet, .. } => resolve(t, subnet),
        Change::AddVnetRule { resource, .. } => resolve(t, resource),
        Change::AssignWorkspaceRole { principal, .. } => resolve(t, principal),
        Change::AllowInFirewall { .. } | Change::AddPrivateEndpoint { .. } => None,
        Change::MoveEndpoint { .. } => None,
        Change::SetPolicyRegion { policy, .. } | Change::AddPolicyStorage { policy, .. } => {
            resolve(t, &format!("service-endpoint-policy/{policy}"))
        }
        Change::AssignRole { scope, .. } => resolve(t, scope),
        Change::AddProxyBypass { .. } => None,
        Change::FqdnRuleToEndpoint { workspace, .. } => resolve(t, workspace),
        Change::EditZoneGroup { .. } => None,
        Change::SetEndpointGroup { endpoint, .. } | Change::SetEndpointRegion { endpoint, .. } => {
            resolve(t, &format!("private-endpoint/{endpoint}"))
        }
        Change::AddRegistryInstanceRule { storage, .. } => resolve(t, storage),
        Change::AddWorkspaceIpRule { workspace, .. } => resolve(t, workspace),
    }
}

/// The service endpoints the model reads on a subnet (`subnet/vnet/name`): what a snippet lists
/// where the input's text of them is not at hand.
fn model_endpoints<'t>(t: &'t Topology, address: &str) -> Vec<&'t str> {
    let Some((vnet, sn)) = address
        .strip_prefix("subnet/")
        .and_then(|a| a.split_once('/'))
    else {
        return Vec::new();
    };
    t.virtual_networks
        .iter()
        .filter(|v| v.name == vnet)
        .flat_map(|v| &v.subnets)
        .filter(|s| s.name == sn)
        .flat_map(|s| s.service_endpoints.iter().map(String::as_str))
        .collect()
}

/// The Bicep form of an ARM snippet of `c`.
fn bicep_of(arm: &Snippet, c: &Change, input: &Input, trees: &Trees) -> Option<Snippet> {
    let r = resolve_change(input.topology, c)?;
    let t = target(r, input, trees);
    // Bicep scopes a role assignment by a symbol, not an id: written apart.
    if let Change::AssignRole {
        principal, role, ..
    } = c
    {
        return role::bicep(&t, principal, role);
    }
    bicep::from_arm(arm, &t)
}

/// A security rule to add, as the renderers read it.
pub(crate) struct NsgRule<'a> {
    pub name: &'a str,
    pub direction: &'static str,
    pub priority: u32,
    pub protocol: &'static str,
    pub source: &'a str,
    pub destination: &'a str,
    pub ports: &'a str,
}

fn nsg_rule(c: &Change) -> Option<NsgRule<'_>> {
    match c {
        Change::AllowInNsg {
            name,
            direction,
            priority,
            protocol,
            source,
            destination,
            ports,
            ..
        } => Some(NsgRule {
            name,
            direction,
            priority: *priority,
            protocol,
            source,
            destination,
            ports,
        }),
        _ => None,
    }
}

/// A resolved resource with its file's text and tree, as the renderers read it.
fn target<'a>(r: Resolved<'a>, input: &Input<'a>, trees: &'a Trees) -> Target<'a> {
    let src = input.sources.iter().find(|s| s.name == r.at.file);
    let tree = src.and_then(|src| trees.get(src));
    Target {
        kind: r.kind,
        name: r.name,
        workspace: r.workspace,
        at: r.at,
        src,
        tree,
    }
}

/// The private DNS zone of that name (and resource group, when the model has one).
fn resolve_zone<'t>(t: &'t Topology, name: &str, rg: Option<&str>) -> Option<Resolved<'t>> {
    t.private_dns_zones
        .iter()
        .find(|z| z.name == name && (rg.is_none() || z.resource_group.as_deref() == rg))
        .map(|z| Resolved {
            kind: Kind::PrivateDnsZone,
            name: &z.name,
            workspace: None,
            at: &z.at,
        })
}

/// The resource a change sets: its kind, name, where it is written, that file's text and tree.
pub(crate) struct Target<'a> {
    pub kind: Kind,
    pub name: &'a str,
    /// The workspace of a compute.
    pub workspace: Option<&'a str>,
    pub at: &'a Provenance,
    pub src: Option<&'a SourceFile>,
    pub tree: Option<&'a Node>,
}

/// A resource found by address.
struct Resolved<'t> {
    kind: Kind,
    name: &'t str,
    workspace: Option<&'t str>,
    at: &'t Provenance,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Lang {
    Native,
    Terraform,
    Arm,
    Az,
}

/// The language of a resource: that of the file it is written in (a native side file next to
/// a template is native), or the `az` command for what was read from Azure.
fn language(format: &str, file: &str) -> Lang {
    let lower = file.to_ascii_lowercase();
    if lower.ends_with(".tf") || format == "terraform-plan" {
        Lang::Terraform
    } else if format == "live" || format == "azureml" {
        Lang::Az
    } else if format == "arm" && lower.ends_with(".json") {
        Lang::Arm
    } else {
        Lang::Native
    }
}

/// The kind, name and provenance of the resource at an address.
fn resolve<'t>(t: &'t Topology, address: &str) -> Option<Resolved<'t>> {
    let (kind, name) = address.split_once('/')?;
    let name = name.split(':').next().unwrap_or(name);
    let plain = |kind: Kind, name: &'t str, at: &'t Provenance| Resolved {
        kind,
        name,
        workspace: None,
        at,
    };
    match kind {
        "workspace" => t
            .workspaces
            .iter()
            .find(|x| x.name == name)
            .map(|x| plain(Kind::Workspace, &x.name, &x.at)),
        "registry" => t
            .registries
            .iter()
            .find(|x| x.name == name)
            .map(|x| plain(Kind::Registry, &x.name, &x.at)),
        "storage" => t
            .storage_accounts
            .iter()
            .find(|x| x.name == name)
            .map(|x| plain(Kind::Storage, &x.name, &x.at)),
        "keyvault" => t
            .key_vaults
            .iter()
            .find(|x| x.name == name)
            .map(|x| plain(Kind::KeyVault, &x.name, &x.at)),
        "acr" => t
            .container_registries
            .iter()
            .find(|x| x.name == name)
            .map(|x| plain(Kind::Acr, &x.name, &x.at)),
        "online-endpoint" => t
            .online_endpoints
            .iter()
            .find(|x| x.name == name)
            .map(|x| Resolved {
                kind: Kind::OnlineEndpoint,
                name: &x.name,
                workspace: Some(&x.workspace),
                at: &x.at,
            }),
        // `subnet/vnet/name`: the VNet rides where a compute's workspace does.
        "subnet" => {
            let (vnet, sn) = address.strip_prefix("subnet/")?.split_once('/')?;
            let v = t.virtual_networks.iter().find(|x| x.name == vnet)?;
            v.subnets.iter().find(|x| x.name == sn).map(|x| Resolved {
                kind: Kind::Subnet,
                name: &x.name,
                workspace: Some(&v.name),
                at: &x.at,
            })
        }
        // `online-deployment/endpoint/name`: the endpoint rides where a compute's workspace does.
        "online-deployment" => {
            let (ep, d) = address
                .strip_prefix("online-deployment/")?
                .split_once('/')?;
            let e = t.online_endpoints.iter().find(|x| x.name == ep)?;
            e.deployments
                .iter()
                .find(|x| x.name == d)
                .map(|x| Resolved {
                    kind: Kind::OnlineDeployment,
                    name: &x.name,
                    workspace: Some(&e.name),
                    at: &x.at,
                })
        }
        "service-endpoint-policy" => t
            .service_endpoint_policies
            .iter()
            .find(|x| x.name == name)
            .map(|x| plain(Kind::ServiceEndpointPolicy, &x.name, &x.at)),
        "ampls" => t
            .monitor_private_link_scopes
            .iter()
            .find(|x| x.name == name)
            .map(|x| plain(Kind::Ampls, &x.name, &x.at)),
        "nsg" => t
            .network_security_groups
            .iter()
            .find(|x| x.name == name)
            .map(|x| plain(Kind::Nsg, &x.name, &x.at)),
        "vnet" => t
            .virtual_networks
            .iter()
            .find(|x| x.name == name)
            .map(|x| plain(Kind::Vnet, &x.name, &x.at)),
        "private-endpoint" => t
            .private_endpoints
            .iter()
            .find(|x| x.name == name)
            .map(|x| plain(Kind::PrivateEndpoint, &x.name, &x.at)),
        "compute" => t
            .computes
            .iter()
            .find(|x| x.name == name)
            .map(|x| Resolved {
                kind: Kind::Compute {
                    instance: x.compute_type == moat_model::enums::ComputeType::ComputeInstance,
                },
                name: &x.name,
                workspace: Some(&x.workspace),
                at: &x.at,
            }),
        _ => None,
    }
}
