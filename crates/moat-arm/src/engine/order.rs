//! The order in which one deployment sends its resources to Azure, as far as the template
//! fixes it.
//!
//! Azure Resource Manager, "Define the order for deploying resources in ARM templates"
//! (learn.microsoft.com/azure/azure-resource-manager/templates/resource-dependency):
//! "Azure Resource Manager evaluates the dependencies between resources, and deploys them in
//! their dependent order. When resources aren't dependent on each other, Resource Manager
//! deploys them in parallel." A `dependsOn` entry is "a resource name or ID", a copy loop's
//! name (every resource of the loop), or with `languageVersion` 2.0 a symbolic name ("If a
//! symbolic name is for a copy loop, all resources in the loop are added as dependencies").
//! "When a conditional resource isn't deployed, Azure Resource Manager automatically removes
//! it from the required dependencies": an order through a resource that may not be deployed
//! is not fixed. "An implicit deployment dependency isn't automatically created between a
//! child resource and the parent resource": nesting a child in its parent's `resources`
//! orders nothing.
//!
//! "Reference and list expressions implicitly declare that one resource depends on another,
//! when the referenced resource is deployed in the same template and referred to by its name
//! (not resource ID). If you pass the resource ID into the reference or list functions, an
//! implicit reference isn't created." A `reference()` or `list*()` call in a resource's
//! declaration orders it after the resource its first argument names by name (or, with
//! `languageVersion` 2.0, by symbolic name); one given an id, or an argument that cannot be
//! evaluated, orders nothing. Only calls the deployment surely evaluates are read: not a
//! branch of an `if()` whose condition is open, nor what `and()`, `or()` or `coalesce()` may
//! skip, nor a lambda's body.
//!
//! Nested deployments ("Using linked and nested templates",
//! learn.microsoft.com/azure/azure-resource-manager/templates/linked-templates, section
//! Dependencies): "If the resources in one linked template must be deployed before resources
//! in a second linked template, set the second template dependent on the first." A deployment
//! resource is
//! finished once every resource of its template is; the resources of its template start once
//! what it depends on is finished.
//!
//! Only orders the template fixes are found: an entry that cannot be evaluated, or that names
//! no resource of its template alone, adds no order; another entry still adds its own, since
//! a further dependency never undoes one.

use super::*;
use std::collections::{HashMap, HashSet, VecDeque};

/// What runs before what in one deployment and the deployments nested in it.
pub struct Order {
    /// For each node, the nodes that start only once it has finished. A node is an instance
    /// (an index into the instances) or the start of a nested deployment's resources (after
    /// the instances).
    later: Vec<Vec<usize>>,
    /// Whether an order through the node holds: an instance the template surely deploys, or
    /// the start of a nested deployment.
    passable: Vec<bool>,
    /// Instances by canonical id, those that may be deployed.
    by_key: HashMap<String, Vec<usize>>,
    /// For a parent's canonical id: the nodes that surely start after every PUT of it.
    after: HashMap<String, HashSet<usize>>,
}

impl Order {
    /// Whether every PUT the deployment may send of the resource of id `child` starts after
    /// every PUT it may send of the resource of id `parent` (ids compared without case). False
    /// when the template does not fix it, or deploys neither.
    pub fn after(&mut self, child: &str, parent: &str) -> bool {
        let (child, parent) = (child.to_lowercase(), parent.to_lowercase());
        let Some(children) = self.by_key.get(&child) else {
            return false;
        };
        if !self.after.contains_key(&parent) {
            let reached = self.reaching(&parent);
            self.after.insert(parent.clone(), reached);
        }
        let reached = &self.after[&parent];
        !children.is_empty() && children.iter().all(|c| reached.contains(c))
    }

    /// The nodes that start after every instance of id `parent` finishes: the intersection,
    /// over those instances, of the nodes a chain of orders leads to from each.
    fn reaching(&self, parent: &str) -> HashSet<usize> {
        let Some(targets) = self.by_key.get(parent).filter(|t| !t.is_empty()) else {
            return HashSet::new();
        };
        let mut common: Option<HashSet<usize>> = None;
        for &t in targets {
            let mut seen = HashSet::new();
            let mut queue = VecDeque::from([t]);
            while let Some(n) = queue.pop_front() {
                for &m in &self.later[n] {
                    // A node that may not run passes no order on; it is still ordered itself.
                    if seen.insert(m) && self.passable[m] {
                        queue.push_back(m);
                    }
                }
            }
            common = Some(match common {
                None => seen,
                Some(c) => c.intersection(&seen).copied().collect(),
            });
        }
        common.unwrap_or_default()
    }
}

impl Engine {
    /// The order the template fixes among the resources it deploys.
    pub fn order(&self) -> Order {
        self.expand_all();
        let count = self.deps.borrow().len();
        let mut insts: Vec<Rc<Inst>> = Vec::new();
        let mut of_dep: Vec<std::ops::Range<usize>> = Vec::new();
        for d in 0..count {
            let v = self.expand(d);
            of_dep.push(insts.len()..insts.len() + v.len());
            insts.extend(v.iter().cloned());
        }
        let start = |d: usize| insts.len() + d;
        // The deployment resource each nested deployment comes from.
        let mut creator: Vec<Option<usize>> = vec![None; count];
        for (i, inst) in insts.iter().enumerate() {
            if let Child::Created(c) = &*inst.child.borrow()
                && let Some(slot) = creator.get_mut(*c)
            {
                *slot = Some(i);
            }
        }
        let depends: Vec<Vec<usize>> = insts
            .iter()
            .enumerate()
            .map(|(i, inst)| {
                let own = &of_dep[inst.dep];
                let mut d = self.depends_on(inst, &insts, own);
                d.extend(
                    self.referenced(inst, &insts, own)
                        .into_iter()
                        .filter(|&j| j != i),
                );
                d
            })
            .collect();
        let mut before: Vec<Vec<usize>> = vec![Vec::new(); insts.len() + count];
        for (i, inst) in insts.iter().enumerate() {
            before[i].extend(&depends[i]);
            if creator[inst.dep].is_some() {
                before[i].push(start(inst.dep));
            }
            if let Child::Created(c) = &*inst.child.borrow()
                && let Some(r) = of_dep.get(*c)
            {
                before[i].extend(r.clone());
            }
        }
        for (d, made_by) in creator.iter().enumerate() {
            let Some(m) = made_by else { continue };
            before[start(d)].extend(&depends[*m]);
            let outer = insts[*m].dep;
            if creator[outer].is_some() {
                before[start(d)].push(start(outer));
            }
        }
        let mut passable: Vec<bool> = insts
            .iter()
            .map(|i| !i.existing && matches!(i.cond, Val::Bool(true)))
            .collect();
        passable.extend(std::iter::repeat_n(true, count));
        let mut by_key: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, inst) in insts.iter().enumerate() {
            if !inst.existing && !matches!(inst.cond, Val::Bool(false)) {
                by_key.entry(inst.key.clone()).or_default().push(i);
            }
        }
        // Who waits for whom, read the other way.
        let mut later: Vec<Vec<usize>> = vec![Vec::new(); before.len()];
        for (n, bs) in before.iter().enumerate() {
            for &b in bs {
                later[b].push(n);
            }
        }
        Order {
            later,
            passable,
            by_key,
            after: HashMap::new(),
        }
    }

    /// The instances of its own template the `dependsOn` of `inst` names, as indices into
    /// `insts` (those of the template are at `own`).
    fn depends_on(
        &self,
        inst: &Inst,
        insts: &[Rc<Inst>],
        own: &std::ops::Range<usize>,
    ) -> Vec<usize> {
        let Some(node) = inst.node.get("dependsOn") else {
            return Vec::new();
        };
        let symbolic = self.dep(inst.dep).symbolic;
        let mut out = Vec::new();
        for entry in node.items() {
            let v = self.eval_node(entry, &inst.cx);
            let Some(text) = v.render() else { continue };
            if v.is_unknown() && text.starts_with('⟨') {
                continue;
            }
            out.extend(self.named(&text, symbolic, insts, own));
        }
        out
    }

    /// The instances of its own template that the `reference()` and `list*()` calls of the
    /// declaration of `inst` name by name, as indices into `insts` (those of the template are
    /// at `own`). A nested deployment's own template is left out: its resources are instances
    /// of their own.
    fn referenced(
        &self,
        inst: &Inst,
        insts: &[Rc<Inst>],
        own: &std::ops::Range<usize>,
    ) -> Vec<usize> {
        let mut args: Vec<Val> = Vec::new();
        for key in [
            "location",
            "sku",
            "kind",
            "identity",
            "tags",
            "zones",
            "plan",
            "properties",
        ] {
            let Some(n) = inst.node.get(key) else {
                continue;
            };
            match &n.v {
                TVal::Obj(entries) if inst.deployment && key == "properties" => {
                    for (k, v) in entries {
                        if !k.eq_ignore_ascii_case("template") {
                            self.calls_in_node(v, &inst.cx, &mut args);
                        }
                    }
                }
                _ => self.calls_in_node(n, &inst.cx, &mut args),
            }
        }
        let symbolic = self.dep(inst.dep).symbolic;
        let mut out = Vec::new();
        for v in args {
            let Some(text) = v.render() else { continue };
            if v.is_unknown() || text.starts_with('/') {
                continue;
            }
            if symbolic {
                out.extend(by_symbol(&text, insts, own));
            } else {
                out.extend(by_name(&text, insts, own));
            }
        }
        out
    }

    /// Collects into `out` the first argument, evaluated in `cx`, of each `reference()` and
    /// `list*()` call in the template node `n`.
    fn calls_in_node(&self, n: &TNode, cx: &Cx, out: &mut Vec<Val>) {
        if self.out_of_fuel() {
            return;
        }
        match &n.v {
            TVal::Str(..) => {
                if let Some(Parsed::Expr(e)) = n.parsed() {
                    self.calls_in_expr(e, cx, out);
                }
            }
            TVal::Arr(items) => {
                for x in items {
                    self.calls_in_node(x, cx, out);
                }
            }
            TVal::Obj(entries) => {
                for (_, v) in entries {
                    self.calls_in_node(v, cx, out);
                }
            }
            _ => {}
        }
    }

    /// [`Engine::calls_in_node`] for one expression: only the calls it surely evaluates.
    fn calls_in_expr(&self, e: &Expr, cx: &Cx, out: &mut Vec<Val>) {
        match e {
            Expr::Member(inner, _) => self.calls_in_expr(inner, cx, out),
            Expr::Index(inner, idx) => {
                self.calls_in_expr(inner, cx, out);
                self.calls_in_expr(idx, cx, out);
            }
            Expr::Call { name, args } => match &**name {
                "if" => {
                    let [c, yes, no] = args.as_slice() else {
                        return;
                    };
                    self.calls_in_expr(c, cx, out);
                    match to_bool(self.eval_expr(c, cx)) {
                        Val::Bool(true) => self.calls_in_expr(yes, cx, out),
                        Val::Bool(false) => self.calls_in_expr(no, cx, out),
                        _ => {}
                    }
                }
                "and" | "or" | "coalesce" => {
                    if let Some(first) = args.first() {
                        self.calls_in_expr(first, cx, out);
                    }
                }
                "lambda" => {}
                n => {
                    for a in args {
                        self.calls_in_expr(a, cx, out);
                    }
                    if (n == "reference" || n.starts_with("list"))
                        && let Some(first) = args.first()
                    {
                        out.push(self.eval_expr(first, cx));
                    }
                }
            },
            _ => {}
        }
    }

    /// The instances among `insts[own]` one `dependsOn` entry names: a symbolic name
    /// (`languageVersion` 2.0, with an optional `[index]`), a copy loop's name, a resource
    /// name naming one resource, or a resource id (full, or `Type/name` in the deployment's
    /// resource group).
    fn named(
        &self,
        text: &str,
        symbolic: bool,
        insts: &[Rc<Inst>],
        own: &std::ops::Range<usize>,
    ) -> Vec<usize> {
        let in_own = || own.clone().filter(|&i| i < insts.len());
        if text.contains('/') {
            let key = if text.starts_with('/') {
                text.to_lowercase()
            } else {
                let Some(i) = in_own().next() else {
                    return Vec::new();
                };
                let scope = self.dep(insts[i].dep).scope.clone();
                format!(
                    "{}/providers/{text}",
                    scope.rg_id().render().unwrap_or_default()
                )
                .to_lowercase()
            };
            let found: Vec<usize> = in_own().filter(|&i| insts[i].key == key).collect();
            // Otherwise a child's name (`vnet/subnet`), read below.
            if !found.is_empty() || text.starts_with('/') {
                return found;
            }
        }
        if symbolic {
            return by_symbol(text, insts, own);
        }
        let looped: Vec<usize> = in_own()
            .filter(|&i| {
                insts[i]
                    .node
                    .get("copy")
                    .and_then(|c| c.get("name"))
                    .and_then(|n| n.text())
                    .is_some_and(|n| n.eq_ignore_ascii_case(text))
            })
            .collect();
        if !looped.is_empty() {
            return looped;
        }
        by_name(text, insts, own)
    }
}

/// The instances among `insts[own]` of symbolic name `text` (`languageVersion` 2.0), with an
/// optional `[index]` naming one of a copy loop.
fn by_symbol(text: &str, insts: &[Rc<Inst>], own: &std::ops::Range<usize>) -> Vec<usize> {
    let (sym, idx) = match text.strip_suffix(']').and_then(|t| t.rsplit_once('[')) {
        Some((s, i)) => (s, i.parse::<i64>().ok()),
        None => (text, None),
    };
    own.clone()
        .filter(|&i| i < insts.len())
        .filter(|&i| {
            insts[i]
                .sym
                .as_deref()
                .is_some_and(|s| s.eq_ignore_ascii_case(sym))
                && (idx.is_none() || insts[i].copy_index == idx)
        })
        .collect()
}

/// The one instance among `insts[own]` of name `text`; none when more than one resource has
/// it, as it then names none of them for certain.
fn by_name(text: &str, insts: &[Rc<Inst>], own: &std::ops::Range<usize>) -> Vec<usize> {
    let named: Vec<usize> = own
        .clone()
        .filter(|&i| i < insts.len())
        .filter(|&i| {
            insts[i]
                .name
                .render()
                .is_some_and(|n| n.eq_ignore_ascii_case(text))
        })
        .collect();
    if named.len() == 1 { named } else { Vec::new() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use moat_doc::{Limits, SourceFile, tree};

    fn order(json: &str) -> (Engine, Order) {
        let src = SourceFile::new("t.json", json.to_string());
        let root = tree::parse(&src, Limits::default()).expect("valid JSON");
        let e = Engine::new(TNode::from_doc(&root), HashMap::new(), DEFAULT_FUEL);
        let o = e.order();
        (e, o)
    }

    /// The id of the resource of type `t` and name `n` in the placeholder resource group.
    fn id(t: &str, n: &str) -> String {
        format!(
            "/subscriptions/{PLACEHOLDER_SUBSCRIPTION}/resourceGroups/{PLACEHOLDER_RESOURCE_GROUP}/providers/{t}/{n}"
        )
    }

    const NSG: &str = "Microsoft.Network/networkSecurityGroups";

    /// The id of subnet `n` of VNet `vnet` in the placeholder resource group.
    fn subnet(n: &str) -> String {
        id(
            "Microsoft.Network/virtualNetworks",
            &format!("vnet/subnets/{n}"),
        )
    }

    /// "The following example shows how to deploy three storage accounts before deploying the
    /// virtual machine. Notice that the copy element has name set to storagecopy and the
    /// dependsOn element for the virtual machine is also set to storagecopy": a loop's name
    /// orders after every resource of the loop; a resource name orders after the one resource
    /// of that name.
    #[test]
    fn a_copy_loop_name_and_a_resource_name_order() {
        let (_, mut o) = order(
            r#"{"resources": [
                {"type": "Microsoft.Network/networkSecurityGroups", "name": "[concat('n', copyIndex())]",
                 "copy": {"name": "nsgs", "count": 2}},
                {"type": "Microsoft.Network/networkSecurityGroups", "name": "after-loop", "dependsOn": ["nsgs"]},
                {"type": "Microsoft.Network/networkSecurityGroups", "name": "after-name", "dependsOn": ["n1"]},
                {"type": "Microsoft.Network/privateDnsZones", "name": "privatelink.blob.core.windows.net"},
                {"type": "Microsoft.Network/networkSecurityGroups", "name": "after-zone",
                 "dependsOn": ["privatelink.blob.core.windows.net"]},
                {"type": "Microsoft.Network/networkSecurityGroups", "name": "after-type-name",
                 "dependsOn": ["Microsoft.Network/networkSecurityGroups/after-zone"]}
            ]}"#,
        );
        let zone = id(
            "Microsoft.Network/privateDnsZones",
            "privatelink.blob.core.windows.net",
        );
        assert!(o.after(&id(NSG, "after-zone"), &zone));
        assert!(o.after(&id(NSG, "after-type-name"), &zone));
        for n in ["n0", "n1"] {
            assert!(o.after(&id(NSG, "after-loop"), &id(NSG, n)), "{n}");
        }
        assert!(o.after(&id(NSG, "after-name"), &id(NSG, "n1")));
        assert!(!o.after(&id(NSG, "after-name"), &id(NSG, "n0")));
        assert!(!o.after(&id(NSG, "n0"), &id(NSG, "after-loop")));
    }

    /// A name that two resources of the template have names neither for certain; "When a
    /// conditional resource isn't deployed, Azure Resource Manager automatically removes it from
    /// the required dependencies", so an order through a resource that may not be deployed is
    /// not fixed, while one through a resource that is holds.
    #[test]
    fn an_ambiguous_name_or_a_conditional_link_orders_nothing() {
        let (_, mut o) = order(
            r#"{"parameters": {"on": {"type": "bool"}},
                "resources": [
                {"type": "Microsoft.Network/networkSecurityGroups", "name": "twin"},
                {"type": "Microsoft.Network/routeTables", "name": "twin"},
                {"type": "Microsoft.Network/networkSecurityGroups", "name": "a", "dependsOn": ["twin"]},
                {"type": "Microsoft.Network/networkSecurityGroups", "name": "maybe", "condition": "[parameters('on')]",
                 "dependsOn": ["[resourceId('Microsoft.Network/routeTables', 'twin')]"]},
                {"type": "Microsoft.Network/networkSecurityGroups", "name": "sure",
                 "dependsOn": ["[resourceId('Microsoft.Network/routeTables', 'twin')]"]},
                {"type": "Microsoft.Network/networkSecurityGroups", "name": "b", "dependsOn": ["maybe", "sure"]},
                {"type": "Microsoft.Network/networkSecurityGroups", "name": "c", "dependsOn": ["maybe"]}
            ]}"#,
        );
        assert!(!o.after(&id(NSG, "a"), &id(NSG, "twin")));
        assert!(o.after(
            &id(NSG, "maybe"),
            &id("Microsoft.Network/routeTables", "twin")
        ));
        assert!(o.after(&id(NSG, "b"), &id("Microsoft.Network/routeTables", "twin")));
        assert!(!o.after(&id(NSG, "c"), &id("Microsoft.Network/routeTables", "twin")));
    }

    /// "Reference and list expressions implicitly declare that one resource depends on
    /// another, when the referenced resource is deployed in the same template and referred to
    /// by its name (not resource ID). If you pass the resource ID into the reference or list
    /// functions, an implicit reference isn't created."
    #[test]
    fn reference_and_list_by_name_order_and_by_id_do_not() {
        const VNET: &str = "Microsoft.Network/virtualNetworks";
        let (_, mut o) = order(
            r#"{"parameters": {"open": {"type": "string"}, "on": {"type": "bool"}},
                "resources": [
                {"type": "Microsoft.Network/virtualNetworks", "name": "vnet",
                 "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}}},
                {"type": "Microsoft.Storage/storageAccounts", "name": "st"},
                {"type": "Microsoft.Network/virtualNetworks/subnets", "name": "vnet/by-name",
                 "properties": {"addressPrefix": "[replace(reference('vnet').addressSpace.addressPrefixes[0], '0.0/16', '1.0/24')]"}},
                {"type": "Microsoft.Network/virtualNetworks/subnets", "name": "vnet/by-list",
                 "properties": {"addressPrefix": "10.0.2.0/24",
                   "description": "[listKeys('st', '2023-01-01').keys[0].value]"}},
                {"type": "Microsoft.Network/networkSecurityGroups", "name": "after-list",
                 "properties": {"x": "[listKeys('st', '2023-01-01')]"}},
                {"type": "Microsoft.Network/virtualNetworks/subnets", "name": "vnet/by-id",
                 "properties": {"addressPrefix": "[reference(resourceId('Microsoft.Network/virtualNetworks', 'vnet')).addressSpace.addressPrefixes[0]]"}},
                {"type": "Microsoft.Network/virtualNetworks/subnets", "name": "vnet/by-open-name",
                 "properties": {"addressPrefix": "[reference(parameters('open')).x]"}},
                {"type": "Microsoft.Network/virtualNetworks/subnets", "name": "vnet/in-open-branch",
                 "properties": {"addressPrefix": "[if(parameters('on'), reference('vnet').x, '10.0.5.0/24')]"}},
                {"type": "Microsoft.Network/virtualNetworks/subnets", "name": "vnet/in-taken-branch",
                 "properties": {"addressPrefix": "[if(true(), reference('vnet').x, '10.0.6.0/24')]"}}
            ]}"#,
        );
        let vnet = id(VNET, "vnet");
        assert!(o.after(&subnet("by-name"), &vnet));
        assert!(o.after(&subnet("in-taken-branch"), &vnet));
        let st = id("Microsoft.Storage/storageAccounts", "st");
        assert!(o.after(&subnet("by-list"), &st));
        assert!(o.after(&id(NSG, "after-list"), &st));
        assert!(!o.after(&subnet("by-list"), &vnet));
        for open in ["by-id", "by-open-name", "in-open-branch"] {
            assert!(!o.after(&subnet(open), &vnet), "{open}");
        }
    }

    /// With `languageVersion` 2.0 a resource is referred to by its symbolic name.
    #[test]
    fn reference_by_symbolic_name_orders() {
        let (_, mut o) = order(
            r#"{"languageVersion": "2.0", "resources": {
                "net": {"type": "Microsoft.Network/virtualNetworks", "name": "vnet",
                 "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}}},
                "sub": {"type": "Microsoft.Network/virtualNetworks/subnets", "name": "vnet/a",
                 "properties": {"addressPrefix": "[reference('net').addressSpace.addressPrefixes[0]]"}}
            }}"#,
        );
        assert!(o.after(
            &subnet("a"),
            &id("Microsoft.Network/virtualNetworks", "vnet")
        ));
    }
}
