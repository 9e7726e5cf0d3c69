use super::collections::tryget_fn;
use super::*;
use std::rc::Rc;

struct NoLambdas;
impl Host for NoLambdas {
    fn call_lambda(&mut self, _: &crate::value::Lambda, args: &[Val]) -> Val {
        // A stand-in lambda: returns its first argument.
        args.first().cloned().unwrap_or(Val::Null)
    }
}

fn f(name: &str, args: Vec<Val>) -> Val {
    call(name, &args, &mut NoLambdas).expect("known function")
}

fn s(x: &str) -> Val {
    Val::str(x)
}

fn unk(x: &str) -> Val {
    Val::unknown_from(x)
}

#[test]
fn string_functions() {
    assert_eq!(
        f("format", vec![s("{0}-{1}{{x}}"), s("a"), Val::Int(2)]).as_str(),
        Some("a-2{x}")
    );
    assert_eq!(
        f("format", vec![s("{0}"), Val::Bool(true)]).as_str(),
        Some("True")
    );
    assert_eq!(
        f("concat", vec![s("a"), s("b"), Val::Int(1)]).as_str(),
        Some("ab1")
    );
    assert_eq!(f("tolower", vec![s("AbC")]).as_str(), Some("abc"));
    assert_eq!(
        f("replace", vec![s("a-b-c"), s("-"), s("")]).as_str(),
        Some("abc")
    );
    assert_eq!(
        f("substring", vec![s("abcdef"), Val::Int(1), Val::Int(3)]).as_str(),
        Some("bcd")
    );
    assert!(f("substring", vec![s("abc"), Val::Int(2), Val::Int(5)]).is_unknown());
    assert_eq!(
        f("padleft", vec![Val::Int(7), Val::Int(3), s("0")]).as_str(),
        Some("007")
    );
    assert_eq!(f("trim", vec![s("  x ")]).as_str(), Some("x"));
    assert!(matches!(
        f("startswith", vec![s("Microsoft.Network"), s("microsoft")]),
        Val::Bool(true)
    ));
    assert!(matches!(
        f("endswith", vec![s("abc"), s("BC")]),
        Val::Bool(true)
    ));
    assert!(matches!(
        f("indexof", vec![s("abcABC"), s("C")]),
        Val::Int(2)
    ));
    assert!(matches!(
        f("lastindexof", vec![s("abcABC"), s("c")]),
        Val::Int(5)
    ));
    assert_eq!(
        f("string", vec![Val::arr(vec![Val::Int(1), s("a")])]).as_str(),
        Some("[1,\"a\"]")
    );
    assert_eq!(
        f("base64tostring", vec![f("base64", vec![s("hello")])]).as_str(),
        Some("hello")
    );
    assert_eq!(f("base64", vec![s("ab")]).as_str(), Some("YWI="));
    assert_eq!(
        f("datauritostring", vec![f("datauri", vec![s("hi")])]).as_str(),
        Some("hi")
    );
    assert_eq!(
        f("uri", vec![s("http://c.com/a/b.json"), s("c.json")]).as_str(),
        Some("http://c.com/a/c.json")
    );
    assert_eq!(
        f("uricomponent", vec![s("a b/c")]).as_str(),
        Some("a%20b%2Fc")
    );
    assert_eq!(
        f("uricomponenttostring", vec![s("a%20b")]).as_str(),
        Some("a b")
    );
    assert_eq!(
        f("join", vec![Val::arr(vec![s("a"), s("b")]), s(",")]).as_str(),
        Some("a,b")
    );
    assert_eq!(
        f("uniquestring", vec![s("hello"), s("world")]).as_str(),
        Some("a7wkljktk6wne")
    );
    assert_eq!(f("guid", vec![s("x")]).as_str().map(str::len), Some(36));
}

#[test]
fn split_keeps_certain_pieces_of_unknown_strings() {
    let v = f("split", vec![s("a/b/c"), s("/")]);
    let Val::Arr(a) = &v else { panic!("{v:?}") };
    assert_eq!(a.len(), 3);
    let multi = f("split", vec![s("a,b;c"), Val::arr(vec![s(","), s(";")])]);
    assert!(matches!(&multi, Val::Arr(a) if a.len() == 3));
    let mut b = StrBuild::new();
    b.push_str("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/");
    b.push_hole(Rc::new(crate::value::Unk {
        key: 1,
        reason: "r".into(),
        nonnull: false,
    }));
    b.push_str("/subnets/default");
    let id = b.finish();
    let parts = f("split", vec![id.clone(), s("/")]);
    assert_eq!(f("first", vec![parts.clone()]).as_str(), Some(""));
    assert_eq!(f("last", vec![parts.clone()]).as_str(), Some("default"));
    assert_eq!(tryget_fn(&[parts.clone(), Val::Int(2)]).as_str(), Some("s"));
    // The unknown name is one piece, kept with its identity.
    assert!(tryget_fn(&[parts.clone(), Val::Int(8)]).is_unknown());
    assert!(matches!(&parts, Val::Arr(a) if a.len() == 11));
    // Bicep's parent/child pattern: split(format('{0}/{1}', parent, child), '/')[0].
    let pc = f(
        "format",
        vec![
            s("{0}/{1}"),
            f("format", vec![s("vnet-{0}"), unk("p")]),
            s("snet"),
        ],
    );
    let halves = f("split", vec![pc, s("/")]);
    let Val::Arr(h) = &halves else {
        panic!("{halves:?}")
    };
    assert_eq!(h[0].known_prefix(), "vnet-");
    assert_eq!(h[1].as_str(), Some("snet"));
    assert!(matches!(f("empty", vec![id.clone()]), Val::Bool(false)));
    assert!(matches!(
        f("startswith", vec![id.clone(), s("/subscriptions/")]),
        Val::Bool(true)
    ));
    assert!(matches!(
        f("contains", vec![id, s("/subnets/")]),
        Val::Bool(true)
    ));
}

#[test]
fn logic_comparison_and_numbers() {
    assert!(matches!(f("equals", vec![s("a"), s("a")]), Val::Bool(true)));
    assert!(matches!(
        f("equals", vec![s("a"), s("A")]),
        Val::Bool(false)
    ));
    assert!(f("equals", vec![unk("x"), s("a")]).is_unknown());
    assert!(matches!(f("not", vec![Val::Bool(false)]), Val::Bool(true)));
    assert!(matches!(f("bool", vec![s("True")]), Val::Bool(true)));
    assert!(matches!(
        f("less", vec![Val::Int(1), Val::Int(2)]),
        Val::Bool(true)
    ));
    assert!(matches!(
        f("greaterorequals", vec![s("b"), s("a")]),
        Val::Bool(true)
    ));
    assert!(matches!(
        f("add", vec![Val::Int(1), Val::Int(2)]),
        Val::Int(3)
    ));
    assert!(matches!(
        f("mod", vec![Val::Int(7), Val::Int(3)]),
        Val::Int(1)
    ));
    assert!(f("div", vec![Val::Int(1), Val::Int(0)]).is_unknown());
    assert!(f("add", vec![Val::Int(i64::MAX), Val::Int(1)]).is_unknown());
    assert!(matches!(
        f("max", vec![Val::arr(vec![Val::Int(1), Val::Int(9)])]),
        Val::Int(9)
    ));
    assert!(matches!(
        f("min", vec![Val::Int(4), Val::Int(2)]),
        Val::Int(2)
    ));
    assert!(matches!(f("int", vec![s("42")]), Val::Int(42)));
    assert!(matches!(&f("range", vec![Val::Int(2), Val::Int(3)]), Val::Arr(a) if a.len() == 3));
    assert!(f("range", vec![Val::Int(0), Val::Int(1_000_000)]).is_unknown());
}

#[test]
fn arrays_and_objects() {
    let o = |pairs: &[(&str, Val)]| {
        Val::obj(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        )
    };
    let a = o(&[("x", Val::Int(1)), ("n", o(&[("p", Val::Int(1))]))]);
    let b = o(&[("y", Val::Int(2)), ("n", o(&[("q", Val::Int(2))]))]);
    let u = f("union", vec![a.clone(), b.clone()]);
    assert!(matches!(
        u.get("n").and_then(|n| n.get("p")),
        Some(Val::Int(1))
    ));
    assert!(matches!(
        u.get("n").and_then(|n| n.get("q")),
        Some(Val::Int(2))
    ));
    let sm = f("shallowmerge", vec![Val::arr(vec![a.clone(), b])]);
    assert!(sm.get("n").and_then(|n| n.get("p")).is_none());
    let arr_u = f(
        "union",
        vec![
            Val::arr(vec![Val::Int(1), Val::Int(2)]),
            Val::arr(vec![Val::Int(2), Val::Int(3)]),
        ],
    );
    assert!(matches!(&arr_u, Val::Arr(x) if x.len() == 3));
    let inter = f(
        "intersection",
        vec![
            Val::arr(vec![Val::Int(1), Val::Int(2)]),
            Val::arr(vec![Val::Int(2)]),
        ],
    );
    assert!(matches!(&inter, Val::Arr(x) if x.len() == 1));
    assert!(matches!(&f("objectkeys", vec![a.clone()]), Val::Arr(x) if x.len() == 2));
    let items = f("items", vec![o(&[("b", Val::Int(1)), ("a", Val::Int(2))])]);
    assert_eq!(
        f("first", vec![items]).get("key").and_then(Val::as_str),
        Some("a")
    );
    assert!(matches!(
        f("contains", vec![a.clone(), s("X")]),
        Val::Bool(true)
    ));
    assert!(matches!(f("length", vec![a.clone()]), Val::Int(2)));
    assert!(matches!(
        f("empty", vec![Val::arr(vec![])]),
        Val::Bool(true)
    ));
    assert!(matches!(
        f("tryget", vec![a.clone(), s("n"), s("p")]),
        Val::Int(1)
    ));
    assert!(matches!(
        f("tryget", vec![a.clone(), s("missing")]),
        Val::Null
    ));
    assert!(matches!(f("tryget", vec![Val::Null, s("x")]), Val::Null));
    assert!(matches!(
        f("coalesce", vec![Val::Null, Val::Int(3)]),
        Val::Int(3)
    ));
    assert!(f("coalesce", vec![unk("x"), Val::Int(3)]).is_unknown());
    assert!(matches!(f("json", vec![s("null")]), Val::Null));
    assert!(matches!(
        f("json", vec![s("{\"a\": 1}")]).get("a"),
        Some(Val::Int(1))
    ));
    assert!(f("json", vec![s("{")]).is_unknown());
    assert!(
        matches!(&f("take", vec![Val::arr(vec![Val::Int(1), Val::Int(2)]), Val::Int(1)]), Val::Arr(x) if x.len() == 1)
    );
    assert_eq!(f("skip", vec![s("abc"), Val::Int(1)]).as_str(), Some("bc"));
    assert!(matches!(&f("array", vec![Val::Int(1)]), Val::Arr(x) if x.len() == 1));
    assert!(
        matches!(&f("flatten", vec![Val::arr(vec![Val::arr(vec![Val::Int(1)]), Val::arr(vec![Val::Int(2)])])]), Val::Arr(x) if x.len() == 2)
    );
    assert!(matches!(
        f("createobject", vec![s("k"), Val::Int(1)]).get("k"),
        Some(Val::Int(1))
    ));
    assert!(
        matches!(&f("createarray", vec![Val::Int(1), Val::Int(2)]), Val::Arr(x) if x.len() == 2)
    );
}

#[test]
fn unknowns_propagate_and_runtime_functions_are_unknown() {
    let x = unk("parameters('x')");
    let lower = f("tolower", vec![x.clone()]);
    assert_eq!(lower.unknown_reason().as_deref(), Some("parameters('x')"));
    let fmt = f("format", vec![s("vnet-{0}"), x.clone()]);
    assert_eq!(fmt.known_prefix(), "vnet-");
    assert!(f("length", vec![x.clone()]).is_unknown());
    assert!(f("utcnow", vec![]).is_unknown());
    assert!(
        f("newguid", vec![])
            .unknown_reason()
            .unwrap()
            .contains("only when Azure deploys")
    );
    assert!(call("nosuchfunction", &[], &mut NoLambdas).is_none());
}
