//! Any text as an ARM template expression (`[...]`), wherever templates put expressions: a
//! variable and an output, a resource's name and properties, a condition and a copy count. Each
//! place is a template of its own, so an error in one does not hide the others. The parser and
//! the evaluator return a value, an unknown or a located error, never a panic or a hang.
#![no_main]

use moat_arm::{ArmOptions, load_str};
use serde_json::{Value, json};

fn template(resources: Value, variables: Value, outputs: Value) -> String {
    json!({
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "parameters": { "p": { "type": "string", "defaultValue": "10.0.0.0/16" } },
        "variables": variables,
        "resources": resources,
        "outputs": outputs
    })
    .to_string()
}

fn check(json: &str) {
    if let Err(err) = load_str("fuzz.json", json, &ArmOptions::default()) {
        for d in err.diagnostics {
            assert!(d.code != "internal", "internal error: {}", d.message);
            assert!(
                d.location.offset <= json.len(),
                "a diagnostic points past the end of the input"
            );
        }
    }
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = moat_arm::expr::parse(text);
    let e = format!("[{text}]");
    check(&template(
        json!([]),
        json!({ "v": e, "w": "[variables('v')]" }),
        json!({ "o": { "type": "object", "value": "[variables('w')]" } }),
    ));
    check(&template(
        json!([{
            "type": "Microsoft.Network/virtualNetworks",
            "apiVersion": "2023-04-01",
            "name": e,
            "location": "westeurope",
            "properties": {
                "addressSpace": { "addressPrefixes": [e] },
                "subnets": [{ "name": "s", "properties": { "addressPrefix": e } }]
            }
        }]),
        json!({}),
        json!({}),
    ));
    check(&template(
        json!([{
            "type": "Microsoft.Network/networkSecurityGroups",
            "apiVersion": "2023-04-01",
            "name": "[concat('nsg', copyIndex())]",
            "condition": e,
            "copy": { "name": "c", "count": e },
            "location": "westeurope",
            "properties": { "securityRules": e }
        }]),
        json!({}),
        json!({}),
    ));
});
