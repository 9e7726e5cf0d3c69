use super::*;

/// Evaluates a literal expression (no references) as a tfvars value is.
fn ev(text: &str) -> Result<Value, String> {
    let mut e = Evaluator::new(Limits::default());
    let expr: Expression = text
        .parse()
        .map_err(|e: hcl_edit::parser::Error| e.to_string())?;
    e.eval_literal(&expr, usize::MAX).map_err(|e| e.msg)
}

fn s(text: &str) -> String {
    match ev(text) {
        Ok(v) => serde_json::to_string(&v.to_json()).unwrap_or_default(),
        Err(e) => format!("error: {e}"),
    }
}

#[test]
fn strings_and_templates() {
    assert_eq!(s(r#"format("%s-%02d", "vm", 7)"#), r#""vm-07""#);
    assert_eq!(
        s(r#""a-${upper("b")}-%{ if true }yes%{ else }no%{ endif }""#),
        r#""a-B-yes""#
    );
    assert_eq!(
        s(r#""%{ for x in ["a", "b"] }${x},%{ endfor }""#),
        r#""a,b,""#
    );
    assert_eq!(s(r#"join("/", split(",", "a,b,c"))"#), r#""a/b/c""#);
    assert_eq!(s(r#"replace("a-b-c", "/-/", "_")"#), r#""a_b_c""#);
    assert_eq!(s(r#"substr("hello", -3, -1)"#), r#""llo""#);
    assert_eq!(
        s(r#"trimsuffix(trimprefix("xxhixx", "xx"), "xx")"#),
        r#""hi""#
    );
    assert_eq!(s(r#"regex("^(\\w+)-(\\d+)$", "vm-12")"#), r#"["vm","12"]"#);
    assert_eq!(s(r#"can(regex("^a", "b"))"#), "false");
    assert_eq!(s(r#"startswith("privatelink.x", "privatelink.")"#), "true");
    assert_eq!(
        s(r#"jsondecode(jsonencode({b = 1, a = [true, null]}))"#),
        r#"{"a":[true,null],"b":1}"#
    );
}

#[test]
fn collections() {
    assert_eq!(s(r#"merge({a = 1}, {b = 2}, {a = 3})"#), r#"{"a":3,"b":2}"#);
    assert_eq!(s(r#"lookup({a = 1}, "b", 9)"#), "9");
    assert_eq!(s(r#"flatten([[1], [2, [3]], []])"#), "[1,2,3]");
    assert_eq!(s(r#"distinct(concat(["a"], ["a", "b"]))"#), r#"["a","b"]"#);
    assert_eq!(s(r#"keys({z = 1, a = 2})"#), r#"["a","z"]"#);
    assert_eq!(s(r#"values({z = 1, a = 2})"#), "[2,1]");
    assert_eq!(s(r#"zipmap(["a", "b"], [1, 2])"#), r#"{"a":1,"b":2}"#);
    assert_eq!(s(r#"element(["a", "b"], 3)"#), r#""b""#);
    assert_eq!(s(r#"length(setproduct(["a", "b"], [1, 2, 3]))"#), "6");
    assert_eq!(s(r#"compact(["a", "", null, "b"])"#), r#"["a","b"]"#);
    assert_eq!(s(r#"one([])"#), "null");
    assert_eq!(s(r#"range(1, 7, 2)"#), "[1,3,5]");
    assert_eq!(s(r#"max(3, 9, 2) + min(4, 1)"#), "10");
    assert_eq!(s(r#"toset(["b", "a", "b"])"#), r#"["a","b"]"#);
    assert_eq!(s(r#"contains(["a"], "b")"#), "false");
    assert_eq!(s(r#"coalesce(null, "", "x")"#), r#""x""#);
    assert_eq!(s(r#"tonumber("42") + 1"#), "43");
    assert_eq!(s(r#"tobool("true")"#), "true");
    assert_eq!(s(r#"tostring(5)"#), r#""5""#);
}

#[test]
fn expressions() {
    assert_eq!(
        s(r#"[for i, v in ["a", "b"] : "${i}${v}" if v != "x"]"#),
        r#"["0a","1b"]"#
    );
    assert_eq!(
        s(r#"{for k, v in {a = 1, b = 2} : v => k}"#),
        r#"{"1":"a","2":"b"}"#
    );
    assert_eq!(
        s(r#"{for v in ["a", "b", "a"] : v => v...}"#),
        r#"{"a":["a","a"],"b":["b"]}"#
    );
    assert_eq!(s(r#"[{n = 1}, {n = 2}][*].n"#), "[1,2]");
    assert_eq!(s(r#"true ? 1 : 2"#), "1");
    assert_eq!(s(r#"!(1 < 2) || 3 % 2 == 1"#), "true");
    assert_eq!(s(r#"try({a = 1}.b, "fallback")"#), r#""fallback""#);
    assert!(s(r#"{a = 1}.b"#).starts_with("error"));
    assert!(s(r#"[1][5]"#).starts_with("error"));
    assert!(s(r#"var.x"#).starts_with("error"));
}

#[test]
fn networking() {
    assert_eq!(s(r#"cidrsubnet("10.0.0.0/16", 8, 3)"#), r#""10.0.3.0/24""#);
    assert_eq!(s(r#"cidrhost("10.0.1.0/24", 5)"#), r#""10.0.1.5""#);
    assert_eq!(s(r#"cidrhost("10.0.1.0/24", -2)"#), r#""10.0.1.254""#);
    assert_eq!(s(r#"cidrnetmask("10.0.0.0/20")"#), r#""255.255.240.0""#);
    assert_eq!(
        s(r#"cidrsubnets("10.1.0.0/16", 4, 4, 8)"#),
        r#"["10.1.0.0/20","10.1.16.0/20","10.1.32.0/24"]"#
    );
    assert!(s(r#"cidrsubnet("10.0.0.0/30", 8, 1)"#).starts_with("error"));
}

#[test]
fn azapi_id_functions_build_ids_as_the_provider_documents() {
    // azapi provider functions: scope, then `providers/{namespace}`, then type and name pairs.
    assert_eq!(
        s(
            r#"provider::azapi::subscription_resource_id("s1", "Microsoft.Resources/resourceGroups", ["rg"])"#
        ),
        r#""/subscriptions/s1/providers/Microsoft.Resources/resourceGroups/rg""#
    );
    assert_eq!(
        s(
            r#"provider::azapi::tenant_resource_id("Microsoft.Management/managementGroups", ["mg"])"#
        ),
        r#""/providers/Microsoft.Management/managementGroups/mg""#
    );
    assert_eq!(
        s(
            r#"provider::azapi::extension_resource_id("/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st/", "Microsoft.Authorization/locks", ["lk"])"#
        ),
        r#""/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st/providers/Microsoft.Authorization/locks/lk""#
    );
    // A name per type segment, or the value stays unknown.
    assert!(
        s(r#"provider::azapi::resource_group_resource_id("s1", "rg", "Microsoft.Network/virtualNetworks/subnets", ["vnet"])"#)
            .contains("$unknown")
    );
}

#[test]
fn unknowns_propagate_but_keep_structure() {
    let u = "provider::azurerm::normalise_resource_id(\"x\")";
    assert_eq!(s(&format!("length([{u}, 1])")), "2");
    assert!(s(&format!("upper({u})")).contains("$unknown"));
    assert!(s(&format!("{u} ? 1 : 2")).contains("$unknown"));
    assert!(s(&format!("\"a-${{{u}}}\"")).contains("$unknown"));
    assert_eq!(s(&format!("false && {u}")), "false");
    assert!(s(&format!("can({u})")).contains("$unknown"));
}

#[test]
fn computed_results_do_not_stand_for_the_attribute() {
    let mut e = Evaluator::new(Limits::default());
    let ip = Value::Unknown(Rc::new(Unk {
        reason: "after apply".into(),
        at: Loc::default(),
        origin: Some((
            "azurerm_firewall.fw.ip_configuration[0]".into(),
            "private_ip_address".into(),
        )),
        partial: None,
        instance: None,
    }));
    let sc = Scope {
        inst: None,
        file: usize::MAX,
        each: None,
        count: None,
        open_instance: false,
        vars: vec![("ip".into(), ip)],
    };
    let origin = |e: &mut Evaluator, text: &str| {
        let x: Expression = text.parse().unwrap();
        match e.eval(&x, &sc).unwrap() {
            Value::Unknown(u) => u.origin.clone(),
            other => panic!("{text} gave {other:?}"),
        }
    };
    assert!(
        origin(&mut e, "ip").is_some(),
        "a plain reference is the attribute itself"
    );
    assert!(origin(&mut e, r#""${ip}""#).is_some());
    assert!(origin(&mut e, r#""${ip}/32""#).is_none());
    assert!(origin(&mut e, r#"ip == "x""#).is_none());
    assert!(origin(&mut e, "ip ? 1 : 2").is_none());
    assert!(origin(&mut e, "[1, 2][ip]").is_none());
    assert!(origin(&mut e, "lower(ip)").is_none());
    assert!(origin(&mut e, "try(ip, null)").is_some());
}

#[test]
fn hostile_values_are_bounded() {
    assert!(s("range(100000000)").starts_with("error"));
    assert!(s("setproduct(range(1000), range(1000), range(1000))").starts_with("error"));
    assert!(s(r#"format("%999999999d", 1)"#).len() < 2048);
    let deep = format!("{}1{}", "[".repeat(200), "]".repeat(200));
    assert!(ev(&deep).is_err(), "the parser bounds nesting");
}
