use super::*;
use moat_doc::{Limits, SourceFile, tree};

fn engine(json: &str, params: &[(&str, Val)]) -> Engine {
    let src = SourceFile::new("t.json", json.to_string());
    let root = tree::parse(&src, Limits::default()).expect("valid JSON");
    let values = params
        .iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), v.clone()))
        .collect();
    Engine::new(TNode::from_doc(&root), values, DEFAULT_FUEL)
}

fn eval(e: &Engine, expr: &str) -> Val {
    let parsed = crate::expr::parse(expr).expect("valid expression");
    e.eval_expr(&parsed, &Cx::plain(0, 0))
}

fn names(e: &Engine) -> Vec<String> {
    e.collect()
        .iter()
        .map(|(i, _)| i.name.render().unwrap_or_default())
        .collect()
}

const PARAMS: &str = r##"{
    "parameters": {
        "Prefix": {"type": "string", "defaultValue": "ml"},
        "name": {"type": "string", "defaultValue": "[format('{0}-ws', parameters('prefix'))]"},
        "required": {"type": "string"},
        "optional": {"type": "string", "nullable": true},
        "typed": {"$ref": "#/definitions/t"},
        "loop": {"type": "string", "defaultValue": "[parameters('loop')]"}
    },
    "definitions": {"t": {"type": "object", "nullable": true}},
    "variables": {
        "a": "[concat(parameters('name'), '-', variables('b'))]",
        "b": "x",
        "self": "[variables('self')]",
        "copy": [{"name": "list", "count": 3, "input": "[mul(copyIndex('list'), 2)]"}],
        "nested": {"copy": [{"name": "items", "count": 2, "input": {"i": "[copyIndex('items')]"}}]}
    },
    "resources": []
}"##;

#[test]
fn parameters_are_case_insensitive_with_defaults_and_unknowns() {
    let e = engine(PARAMS, &[("PREFIX", Val::str("team"))]);
    assert_eq!(eval(&e, "parameters('name')").as_str(), Some("team-ws"));
    assert_eq!(eval(&e, "parameters('PREFIX')").as_str(), Some("team"));
    let r = eval(&e, "parameters('required')");
    assert!(
        r.unknown_reason()
            .unwrap()
            .contains("parameters('required')")
    );
    // A string parameter is never null, even unknown.
    assert_eq!(r.null_state(), Some(false));
    assert!(matches!(eval(&e, "parameters('optional')"), Val::Null));
    assert!(matches!(eval(&e, "parameters('typed')"), Val::Null));
    assert!(
        eval(&e, "parameters('loop')")
            .unknown_reason()
            .unwrap()
            .contains("refers to itself")
    );
    assert!(
        eval(&e, "parameters('missing')")
            .unknown_reason()
            .unwrap()
            .contains("no such parameter")
    );
}

#[test]
fn variables_with_copy_and_cycles() {
    let e = engine(PARAMS, &[]);
    assert_eq!(eval(&e, "variables('a')").as_str(), Some("ml-ws-x"));
    assert!(
        eval(&e, "variables('self')")
            .unknown_reason()
            .unwrap()
            .contains("itself")
    );
    let Val::Arr(l) = eval(&e, "variables('list')") else {
        panic!("not an array")
    };
    assert!(matches!(
        l.as_slice(),
        [Val::Int(0), Val::Int(2), Val::Int(4)]
    ));
    assert!(matches!(
        eval(&e, "variables('nested').items[1].i"),
        Val::Int(1)
    ));
    assert!(matches!(
        eval(&e, "length(variables('nested').items)"),
        Val::Int(2)
    ));
}

#[test]
fn scope_environment_and_ids() {
    let e = engine(PARAMS, &[]);
    assert_eq!(
        eval(&e, "environment().suffixes.storage").as_str(),
        Some("core.windows.net")
    );
    assert_eq!(
        eval(
            &e,
            "format('privatelink{0}', environment().suffixes.keyvaultDns)"
        )
        .as_str(),
        Some("privatelink.vault.azure.net")
    );
    assert_eq!(
        eval(
            &e,
            "resourceId('Microsoft.Network/virtualNetworks/subnets', 'v', 's')"
        )
        .as_str(),
        Some(
            "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/resource-group/providers/Microsoft.Network/virtualNetworks/v/subnets/s"
        )
    );
    assert_eq!(
        eval(
            &e,
            "resourceId('other-rg', 'Microsoft.Storage/storageAccounts', 'sa')"
        )
        .as_str(),
        Some(
            "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/other-rg/providers/Microsoft.Storage/storageAccounts/sa"
        )
    );
    assert_eq!(
        eval(
            &e,
            "subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'r')"
        )
        .as_str(),
        Some(
            "/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.Authorization/roleDefinitions/r"
        )
    );
    assert_eq!(
        eval(&e, "tenantResourceId('Microsoft.Foo/bars', 'b')").as_str(),
        Some("/providers/Microsoft.Foo/bars/b")
    );
    assert_eq!(
        eval(
            &e,
            "extensionResourceId('/x/y', 'Microsoft.Authorization/locks', 'l')"
        )
        .as_str(),
        Some("/x/y/providers/Microsoft.Authorization/locks/l")
    );
    assert_eq!(
        eval(&e, "resourceGroup().name").as_str(),
        Some(PLACEHOLDER_RESOURCE_GROUP)
    );
    assert_eq!(
        eval(&e, "subscription().subscriptionId").as_str(),
        Some(PLACEHOLDER_SUBSCRIPTION)
    );
    assert_eq!(
        eval(&e, "resourceGroup().location")
            .unknown_reason()
            .as_deref(),
        Some(RG_LOCATION_REASON)
    );
    assert!(e.scope_used.get());
    // An id built from an unknown name keeps its known text and its identity.
    let a = eval(
        &e,
        "resourceId('Microsoft.Network/virtualNetworks', parameters('required'))",
    );
    let b = eval(
        &e,
        "format('{0}/providers/Microsoft.Network/virtualNetworks/{1}', resourceGroup().id, parameters('required'))",
    );
    assert!(a.is_unknown());
    assert_eq!(canon(&a), canon(&b));
}

#[test]
fn lazy_logic_lambdas_and_user_functions() {
    let e = engine(
        r#"{"parameters": {"u": {"type": "bool"}},
            "functions": [{"namespace": "ns", "members": {"greet": {
                "parameters": [{"name": "who", "type": "string"}],
                "output": {"type": "string", "value": "[format('hi {0}', parameters('who'))]"}}}}],
            "resources": []}"#,
        &[],
    );
    assert!(matches!(eval(&e, "if(true(), 1, div(1, 0))"), Val::Int(1)));
    assert!(matches!(
        eval(&e, "and(false(), parameters('u'))"),
        Val::Bool(false)
    ));
    assert!(matches!(
        eval(&e, "or(true(), parameters('u'))"),
        Val::Bool(true)
    ));
    assert!(eval(&e, "and(true(), parameters('u'))").is_unknown());
    assert!(matches!(
        eval(&e, "if(parameters('u'), 'same', 'same')"),
        Val::Str(_)
    ));
    assert!(matches!(eval(&e, "coalesce(null(), 'x')"), Val::Str(_)));
    assert!(matches!(
        eval(
            &e,
            "reduce(map(range(1, 4), lambda('x', mul(lambdaVariables('x'), 2))), 0, lambda('c', 'n', add(lambdaVariables('c'), lambdaVariables('n'))))"
        ),
        Val::Int(20)
    ));
    assert!(matches!(
        eval(
            &e,
            "length(filter(createArray(1, 2, 3, 4), lambda('x', greater(lambdaVariables('x'), 2))))"
        ),
        Val::Int(2)
    ));
    assert_eq!(eval(&e, "first(sort(createArray('b', 'a'), lambda('x', 'y', less(lambdaVariables('x'), lambdaVariables('y')))))").as_str(), Some("a"));
    assert!(matches!(
        eval(
            &e,
            "toObject(createArray('a', 'b'), lambda('k', lambdaVariables('k'))).b"
        ),
        Val::Str(_)
    ));
    assert_eq!(eval(&e, "ns.greet('you')").as_str(), Some("hi you"));
    assert!(eval(&e, "utcNow()").is_unknown());
    assert!(eval(&e, "listKeys('x', '2021-01-01').keys[0].value").is_unknown());
    assert!(
        eval(&e, "nosuch(1)")
            .unknown_reason()
            .unwrap()
            .contains("not a template function")
    );
    assert!(
        eval(&e, "createArray(1)[5]")
            .unknown_reason()
            .unwrap()
            .contains("outside")
    );
    assert!(
        eval(&e, "createObject('a', 1).b")
            .unknown_reason()
            .unwrap()
            .contains("not in the template")
    );
}

const NESTED: &str = r#"{
    "parameters": {"prefix": {"type": "string", "defaultValue": "p"}},
    "variables": {"vnetDeployment": "[format('{0}-vnet', parameters('prefix'))]"},
    "resources": [
        {"type": "Microsoft.Resources/deployments", "name": "[variables('vnetDeployment')]",
         "properties": {"expressionEvaluationOptions": {"scope": "inner"},
            "parameters": {"vnetName": {"value": "[format('{0}-net', parameters('prefix'))]"},
                           "prefixes": "[createObject('value', createArray('10.0.0.0/16'))]",
                           "subnets": {"copy": [{"name": "value", "count": 2, "input": "[format('s{0}', copyIndex('value'))]"}]},
                           "unset": {"value": null}},
            "template": {
                "parameters": {"vnetName": {"type": "string"}, "prefixes": {"type": "array"},
                               "subnets": {"type": "array"}, "unset": {"type": "string", "defaultValue": "dflt"}},
                "resources": [{"type": "Microsoft.Network/virtualNetworks", "name": "[parameters('vnetName')]",
                               "location": "westeurope",
                               "properties": {"addressSpace": {"addressPrefixes": "[parameters('prefixes')]"}}}],
                "outputs": {"id": {"type": "string", "value": "[resourceId('Microsoft.Network/virtualNetworks', parameters('vnetName'))]"},
                            "subnets": {"type": "array", "value": "[parameters('subnets')]"},
                            "unset": {"type": "string", "value": "[parameters('unset')]"}}}}},
        {"type": "Microsoft.Resources/deployments", "name": "outer",
         "properties": {"template": {"resources": [
            {"type": "Microsoft.Network/networkSecurityGroups", "name": "[format('{0}-nsg', parameters('prefix'))]"}]}}},
        {"type": "Microsoft.Resources/deployments", "name": "linked",
         "properties": {"templateLink": {"uri": "https://example.invalid/t.json"}}},
        {"type": "Microsoft.Network/privateEndpoints", "name": "pe",
         "properties": {"subnet": {"id": "[format('{0}/subnets/{1}', reference(resourceId('Microsoft.Resources/deployments', variables('vnetDeployment'))).outputs.id.value, reference(variables('vnetDeployment')).outputs.subnets.value[1])]"},
                        "space": "[reference(resourceId('Microsoft.Network/virtualNetworks', format('{0}-net', parameters('prefix')))).addressSpace]",
                        "where": "[reference(resourceId('Microsoft.Network/virtualNetworks', 'p-net'), '2023-01-01', 'Full').location]",
                        "unset": "[reference(variables('vnetDeployment')).outputs.unset.value]",
                        "runtime": "[reference(resourceId('Microsoft.Network/virtualNetworks', 'p-net')).provisioningState]",
                        "external": "[reference(resourceId('Microsoft.Network/virtualNetworks', 'elsewhere')).addressSpace]"}}
    ]
}"#;

#[test]
fn nested_deployments_outputs_and_references() {
    let e = engine(NESTED, &[]);
    let all = e.collect();
    let kinds: Vec<&str> = all.iter().map(|(i, _)| i.rtype.as_str()).collect();
    assert_eq!(
        kinds,
        vec![
            "Microsoft.Network/virtualNetworks",
            "Microsoft.Network/networkSecurityGroups",
            "Microsoft.Resources/deployments",
            "Microsoft.Network/privateEndpoints"
        ]
    );
    assert_eq!(names(&e), vec!["p-net", "p-nsg", "linked", "pe"]);
    let vnet = &all[0].0;
    assert_eq!(vnet.ptr, "/resources/0/properties/template/resources/0");
    assert!(
        e.external_reason(&all[2].0)
            .unwrap()
            .contains("templateLink")
    );
    let pe = e.body(&all[3].0);
    let props = pe.get("properties").unwrap();
    assert_eq!(
        props
            .get("subnet")
            .and_then(|s| s.get("id"))
            .and_then(Val::as_str),
        Some(
            "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/resource-group/providers/Microsoft.Network/virtualNetworks/p-net/subnets/s1"
        )
    );
    assert!(
        matches!(props.get("space").and_then(|s| s.get("addressPrefixes")), Some(Val::Arr(a)) if a.len() == 1)
    );
    assert_eq!(props.get("where").and_then(Val::as_str), Some("westeurope"));
    assert_eq!(props.get("unset").and_then(Val::as_str), Some("dflt"));
    assert!(
        props
            .get("runtime")
            .unwrap()
            .unknown_reason()
            .unwrap()
            .contains("provisioningState")
    );
    assert!(
        props
            .get("external")
            .unwrap()
            .unknown_reason()
            .unwrap()
            .contains("not deployed by this template")
    );
}

#[test]
fn copy_loops_conditions_and_children() {
    let e = engine(
        r#"{"parameters": {"n": {"type": "int", "defaultValue": 3}, "flag": {"type": "bool"}},
            "resources": [
                {"type": "Microsoft.Network/publicIPAddresses", "name": "[format('pip{0}', copyIndex(1))]",
                 "copy": {"name": "pips", "count": "[parameters('n')]"}},
                {"type": "Microsoft.Network/publicIPAddresses", "name": "off", "condition": false},
                {"type": "Microsoft.Network/publicIPAddresses", "name": "maybe", "condition": "[parameters('flag')]"},
                {"type": "Microsoft.Network/publicIPAddresses", "name": "many", "copy": {"name": "m", "count": 5000}},
                {"type": "Microsoft.Network/publicIPAddresses", "name": "unknowncount", "copy": {"name": "u", "count": "[length(parameters('missing'))]"}},
                {"type": "Microsoft.Network/virtualNetworks", "name": "v",
                 "resources": [{"type": "subnets", "name": "s", "properties": {"addressPrefix": "10.0.0.0/24"}}]},
                {"type": "Microsoft.Network/virtualNetworks", "name": "gone", "existing": true}
            ]}"#,
        &[],
    );
    let all = e.collect();
    let n: Vec<String> = all
        .iter()
        .map(|(i, _)| i.name.render().unwrap_or_default())
        .collect();
    assert_eq!(&n[..4], &["pip1", "pip2", "pip3", "maybe"]);
    assert!(all[3].1.as_deref().unwrap().contains("parameters('flag')"));
    assert_eq!(n.iter().filter(|x| *x == "many").count(), MAX_COPY as usize);
    assert_eq!(&n[n.len() - 2..], &["v", "v/s"]);
    assert_eq!(
        all.last().unwrap().0.rtype,
        "Microsoft.Network/virtualNetworks/subnets"
    );
    assert_eq!(all.last().unwrap().0.ptr, "/resources/5/resources/0");
    let notes = e.notes.borrow();
    assert!(
        notes
            .iter()
            .any(|n| n.reason.contains("exceeds Azure's limit"))
    );
    assert!(
        notes
            .iter()
            .any(|n| n.field == "copy.count" && n.reason.contains("unknown"))
    );
}

#[test]
fn copy_index_without_a_name_is_the_resource_iteration_inside_property_loops() {
    let e = engine(
        r#"{"variables": {"zones": [["a", "b"], ["c"]]},
            "resources": [
                {"type": "Microsoft.Network/privateEndpoints/privateDnsZoneGroups",
                 "name": "[format('pe{0}/default', copyIndex())]",
                 "copy": {"name": "groups", "count": 2},
                 "properties": {"copy": [{
                    "name": "configs",
                    "count": "[length(variables('zones')[copyIndex()])]",
                    "input": {"zone": "[variables('zones')[copyIndex()][copyIndex('configs')]]",
                              "resource": "[copyIndex('groups')]"}}]}}
            ],
            "outputs": {"list": {"type": "array", "copy": {"count": 2, "input": "[copyIndex()]"}}}}"#,
        &[],
    );
    let all = e.collect();
    let zones: Vec<Vec<String>> = all
        .iter()
        .map(|(i, _)| {
            let body = e.body(i);
            let configs = body.get("properties").unwrap().get("configs").unwrap();
            let Val::Arr(items) = configs else {
                panic!("configs: {configs:?}")
            };
            items
                .iter()
                .map(|c| {
                    let r = c.get("resource").and_then(|r| match r {
                        Val::Int(i) => Some(*i),
                        _ => None,
                    });
                    format!(
                        "{}{}",
                        c.get("zone").and_then(Val::as_str).unwrap(),
                        r.unwrap()
                    )
                })
                .collect()
        })
        .collect();
    assert_eq!(zones, vec![vec!["a0", "b0"], vec!["c1"]]);
    // Output loops have no resource iteration: copyIndex() is the output loop's.
    let out = e.outputs(0);
    let list = out.get("list").and_then(|l| l.get("value")).unwrap();
    assert_eq!(list.to_json(&mut 1000), serde_json::json!([0, 1]));
}

#[test]
fn symbolic_resources_of_language_version_2() {
    let e = engine(
        r#"{"languageVersion": "2.0",
            "parameters": {"name": {"type": "string", "defaultValue": "ws"}},
            "resources": {
                "kv": {"type": "Microsoft.KeyVault/vaults", "name": "[format('{0}kv', parameters('name'))]",
                       "properties": {"publicNetworkAccess": "Disabled"}},
                "old": {"existing": true, "type": "Microsoft.Storage/storageAccounts", "name": "legacy"},
                "pes": {"copy": {"name": "pes", "count": 2}, "type": "Microsoft.Network/privateEndpoints",
                        "name": "[format('pe{0}', copyIndex())]", "properties": {}},
                "user": {"type": "Microsoft.Network/networkInterfaces", "name": "nic",
                         "properties": {"pna": "[reference('kv').publicNetworkAccess]",
                                        "second": "[reference('pes[1]', '2023-01-01', 'full').name]",
                                        "count": "[length(references('pes'))]",
                                        "legacy": "[reference('old').primaryEndpoints]"}}
            }}"#,
        &[],
    );
    let all = e.collect();
    assert_eq!(names(&e), vec!["wskv", "pe0", "pe1", "nic"]);
    assert_eq!(all[0].0.ptr, "/resources/kv");
    let body = e.body(&all[3].0);
    let p = body.get("properties").unwrap();
    assert_eq!(p.get("pna").and_then(Val::as_str), Some("Disabled"));
    assert_eq!(p.get("second").and_then(Val::as_str), Some("pe1"));
    assert!(matches!(p.get("count"), Some(Val::Int(2))));
    assert!(
        p.get("legacy")
            .unwrap()
            .unknown_reason()
            .unwrap()
            .contains("existing resource")
    );
}

/// Runs `f` on a thread with the evaluator's production stack.
fn big_stack(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap();
}

#[test]
fn hostile_templates_stay_bounded() {
    big_stack(hostile);
}

fn hostile() {
    // Exponential string growth through variables.
    let mut vars = String::from(r#""v0": "abcdefghijklmnop""#);
    for i in 1..64 {
        vars += &format!(
            r#", "v{i}": "[concat(variables('v{}'), variables('v{}'))]""#,
            i - 1,
            i - 1
        );
    }
    let e = engine(
        &format!(r#"{{"variables": {{{vars}}}, "resources": []}}"#),
        &[],
    );
    assert!(
        eval(&e, "variables('v63')")
            .unknown_reason()
            .unwrap()
            .contains("longer than 1 MiB")
    );
    // Deep expression nesting and long variable chains.
    let deep = format!("{}1{}", "add(1, ".repeat(120), ")".repeat(120));
    assert!(matches!(eval(&e, &deep), Val::Int(121)));
    let mut chain = String::new();
    for i in 0..3000 {
        chain += &format!("\"c{i}\": \"[variables('c{}')]\",\n", i + 1);
    }
    let e = engine(
        &format!(r#"{{"variables": {{{chain} "c3000": 1}}, "resources": []}}"#),
        &[],
    );
    assert!(
        eval(&e, "variables('c0')")
            .unknown_reason()
            .unwrap()
            .contains("too deeply")
    );
    // Nested copy loops of deployments: bounded by the instance limit and the fuel.
    let inner = r#"{"resources": [{"type": "Microsoft.Network/publicIPAddresses", "name": "[string(copyIndex())]", "copy": {"name": "c", "count": 800}}]}"#;
    let mut t = inner.to_string();
    for _ in 0..3 {
        t = format!(
            r#"{{"resources": [{{"type": "Microsoft.Resources/deployments", "name": "[string(copyIndex())]", "copy": {{"name": "d", "count": 800}},
               "properties": {{"expressionEvaluationOptions": {{"scope": "inner"}}, "template": {t}}}}}]}}"#
        );
    }
    let e = Engine::new(
        TNode::from_doc(&tree::parse(&SourceFile::new("t", t), Limits::default()).unwrap()),
        HashMap::new(),
        2_000_000,
    );
    let n = e.collect().len();
    assert!(n <= MAX_INSTANCES, "{n} instances");
    // Two deployments whose parameters read each other's outputs.
    let cyc = r#"{"resources": [
        {"type": "Microsoft.Resources/deployments", "name": "a", "properties": {"expressionEvaluationOptions": {"scope": "inner"},
            "parameters": {"x": {"value": "[reference('b').outputs.o.value]"}},
            "template": {"parameters": {"x": {"type": "string"}}, "resources": [{"type": "Microsoft.Network/publicIPAddresses", "name": "[parameters('x')]"}], "outputs": {"o": {"type": "string", "value": "[parameters('x')]"}}}}},
        {"type": "Microsoft.Resources/deployments", "name": "b", "properties": {"expressionEvaluationOptions": {"scope": "inner"},
            "parameters": {"x": {"value": "[reference('a').outputs.o.value]"}},
            "template": {"parameters": {"x": {"type": "string"}}, "resources": [{"type": "Microsoft.Network/publicIPAddresses", "name": "[parameters('x')]"}], "outputs": {"o": {"type": "string", "value": "[parameters('x')]"}}}}}
    ]}"#;
    let e = engine(cyc, &[]);
    let all = e.collect();
    assert_eq!(all.len(), 2);
    assert!(all.iter().all(|(i, _)| i.name.is_unknown()));
}

/// Two nested deployments to resource group `other`, one of the default (outer) expression
/// scope and one of inner scope, each declaring a security group that records what
/// `resourceGroup()` and `resourceId()` give inside it.
const SCOPES: &str = r#"{
    "resources": [
        {"type": "Microsoft.Resources/deployments", "name": "outer", "resourceGroup": "other",
         "properties": {"template": {"resources": [
            {"type": "Microsoft.Network/networkSecurityGroups", "name": "outer-nsg",
             "properties": {"rg": "[resourceGroup().name]",
                            "vnet": "[resourceId('Microsoft.Network/virtualNetworks', 'v')]"}}]}}},
        {"type": "Microsoft.Resources/deployments", "name": "inner", "resourceGroup": "other",
         "properties": {"expressionEvaluationOptions": {"scope": "inner"}, "template": {"resources": [
            {"type": "Microsoft.Network/networkSecurityGroups", "name": "inner-nsg",
             "properties": {"rg": "[resourceGroup().name]",
                            "vnet": "[resourceId('Microsoft.Network/virtualNetworks', 'v')]"}}]}}}
    ]
}"#;

#[test]
fn scope_functions_follow_the_expression_scope_and_resources_their_deployment() {
    // "ARM template functions in deployment scopes": in a nested template, `outer` (the
    // default) resolves resourceGroup() and subscription() to the parent template's scope,
    // `inner` to the nested template's. The resources deploy where the deployment says.
    let e = engine(SCOPES, &[]);
    let all = e.collect();
    let field = |i: usize, k: &str| {
        let body = e.body(&all[i].0);
        let v = body.get("properties").and_then(|p| p.get(k)).cloned();
        v.and_then(|v| v.render()).unwrap_or_default()
    };
    let ids: Vec<String> = all
        .iter()
        .map(|(i, _)| i.id.known_prefix().to_string())
        .collect();
    assert!(
        ids.iter().all(|id| id.contains("/resourceGroups/other/")),
        "{ids:?}"
    );
    assert_eq!(field(1, "rg"), "other");
    assert!(field(1, "vnet").contains("/resourceGroups/other/"));
    assert_eq!(field(0, "rg"), PLACEHOLDER_RESOURCE_GROUP);
    let parent = format!("/resourceGroups/{PLACEHOLDER_RESOURCE_GROUP}/providers/");
    assert!(field(0, "vnet").contains(&parent), "{}", field(0, "vnet"));
}

/// The private IP Azure gives a firewall (read-only in the REST API) is, through
/// `reference()`, the one value that names the firewall: read from its first IP
/// configuration, the one in its subnet, by any form of the reference; not a value computed
/// from it, nor the address of a configuration that holds a public IP only.
#[test]
fn a_firewall_address_read_by_reference_names_the_firewall() {
    let e = engine(
        r#"{"resources": [
            {"type": "Microsoft.Network/azureFirewalls", "apiVersion": "2023-04-01", "name": "fw",
             "properties": {"ipConfigurations": [
                {"name": "a", "properties": {"subnet": {"id": "s"}, "publicIPAddress": {"id": "p"}}},
                {"name": "b", "properties": {"publicIPAddress": {"id": "q"}}}]}}]}"#,
        &[],
    );
    let id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/resource-group/providers/Microsoft.Network/azureFirewalls/fw";
    let key = |v: &Val| match v {
        Val::Unk(u) => Some(u.key),
        _ => None,
    };
    let named = key(&crate::map::firewall_address(id));
    assert!(named.is_some());
    let fw = "resourceId('Microsoft.Network/azureFirewalls', 'fw')";
    for expr in [
        format!("reference({fw}).ipConfigurations[0].properties.privateIPAddress"),
        format!(
            "reference({fw}, '2023-04-01', 'Full').properties.ipConfigurations[0].properties.privateIPAddress"
        ),
        format!("reference('{id}').ipConfigurations[0].properties.privateIPAddress"),
    ] {
        assert_eq!(key(&eval(&e, &expr)), named, "{expr}");
        assert_ne!(key(&eval(&e, &format!("toLower({expr})"))), named, "{expr}");
    }
    let second = eval(
        &e,
        &format!("reference({fw}).ipConfigurations[1].properties.privateIPAddress"),
    );
    assert!(second.is_unknown());
    assert_ne!(key(&second), named);
    // The declaration itself is left as written: the mapper reads no address from it.
    let body = e.body(&e.collect()[0].0);
    let cfg = &body
        .get("properties")
        .unwrap()
        .get("ipConfigurations")
        .unwrap();
    assert!(
        matches!(cfg, Val::Arr(a) if a[0].get("properties").unwrap().get("privateIPAddress").is_none())
    );
}
