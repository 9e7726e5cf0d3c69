//! Any text as an ARM template expression (`[...]`), wherever templates put expressions: a
//! variable, an output, a resource's name, condition, copy count and properties. The parser
//! and the evaluator return a value, an unknown or a located error, never a panic or a hang.
#![no_main]

use moat_arm::{ArmOptions, load_str};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = moat_arm::expr::parse(text);
    let e = format!("[{text}]");
    let template = serde_json::json!({
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "parameters": { "p": { "type": "string", "defaultValue": "10.0.0.0/16" } },
        "variables": { "v": e, "w": "[variables('v')]" },
        "resources": [
            {
                "type": "Microsoft.Network/virtualNetworks",
                "apiVersion": "2023-04-01",
                "name": e,
                "location": "westeurope",
                "properties": {
                    "addressSpace": { "addressPrefixes": [e] },
                    "subnets": [{ "name": "s", "properties": { "addressPrefix": e } }]
                }
            },
            {
                "type": "Microsoft.Network/networkSecurityGroups",
                "apiVersion": "2023-04-01",
                "name": "[concat('nsg', copyIndex())]",
                "condition": e,
                "copy": { "name": "c", "count": e },
                "location": "westeurope",
                "properties": { "securityRules": e }
            }
        ],
        "outputs": { "o": { "type": "object", "value": e } }
    });
    let json = template.to_string();
    if let Err(err) = load_str("fuzz.json", &json, &ArmOptions::default()) {
        for d in err.diagnostics {
            assert!(d.code != "internal", "internal error: {}", d.message);
            assert!(
                d.location.offset <= json.len(),
                "a diagnostic points past the end of the input"
            );
        }
    }
});
