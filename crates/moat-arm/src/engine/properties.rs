use super::*;
use moat_doc::{Limits, SourceFile, tree};
use proptest::prelude::*;

const FUNCTIONS: &[&str] = &[
    "concat",
    "format",
    "tolower",
    "toupper",
    "replace",
    "split",
    "substring",
    "trim",
    "padleft",
    "startswith",
    "endswith",
    "indexof",
    "lastindexof",
    "length",
    "empty",
    "contains",
    "first",
    "last",
    "take",
    "skip",
    "join",
    "uniquestring",
    "guid",
    "base64",
    "base64tostring",
    "datauri",
    "datauritostring",
    "uri",
    "uricomponent",
    "uricomponenttostring",
    "int",
    "bool",
    "not",
    "equals",
    "less",
    "greater",
    "add",
    "sub",
    "mul",
    "div",
    "mod",
    "min",
    "max",
    "range",
    "array",
    "createarray",
    "createobject",
    "union",
    "intersection",
    "objectkeys",
    "items",
    "shallowmerge",
    "flatten",
    "json",
    "coalesce",
    "tryget",
    "if",
    "and",
    "or",
    "string",
    "parameters",
    "variables",
    "copyindex",
    "resourceid",
    "subscriptionresourceid",
    "extensionresourceid",
    "reference",
    "resourcegroup",
    "environment",
    "map",
    "filter",
    "reduce",
    "lambda",
    "lambdavariables",
    "utcnow",
    "listkeys",
];

fn expr() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        any::<i64>().prop_map(|i| i.to_string()),
        "[a-z{}0-9/'. -]{0,12}".prop_map(|s| format!("'{}'", s.replace('\'', "''"))),
        Just("'p'".to_string()),
        Just("true".to_string()),
        Just("null".to_string()),
    ];
    leaf.prop_recursive(4, 48, 4, |inner| {
        prop_oneof![
            (
                prop::sample::select(FUNCTIONS),
                prop::collection::vec(inner.clone(), 0..4)
            )
                .prop_map(|(f, args)| format!("{f}({})", args.join(", "))),
            (inner.clone(), "[a-z]{1,5}").prop_map(|(e, m)| format!("{e}.{m}")),
            (inner.clone(), inner).prop_map(|(e, i)| format!("{e}[{i}]")),
        ]
    })
}

fn engine() -> Engine {
    let t = r#"{"parameters": {"p": {"type": "string", "defaultValue": "x"}, "q": {"type": "array"}},
                "variables": {"v": [1, "a", {"k": "v"}]},
                "resources": [{"type": "Microsoft.Network/virtualNetworks", "name": "[parameters('p')]"}]}"#;
    let root = tree::parse(&SourceFile::new("t", t.into()), Limits::default()).unwrap();
    Engine::new(TNode::from_doc(&root), HashMap::new(), 200_000)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 600, ..ProptestConfig::default() })]

    /// No expression makes the evaluator panic; what it cannot evaluate is unknown.
    #[test]
    fn arbitrary_expressions_evaluate_or_are_unknown(src in expr()) {
        let e = engine();
        if let Ok(parsed) = crate::expr::parse(&src) {
            let v = e.eval_expr(&parsed, &Cx::plain(0, 0));
            let _ = v.to_json(&mut 10_000);
            let _ = v.render();
        }
    }

    /// Any text parses as an expression or fails with an error, never a panic.
    #[test]
    fn arbitrary_text_never_panics_the_parser(src in "\\PC{0,80}") {
        let _ = crate::expr::parse(&src);
    }
}
