//! JSON as Azure Resource Manager reads it. The template syntax allows `//` and `/* */`
//! comments in a template ("Understand the structure and syntax of ARM templates", Comments),
//! so a commented template is read whole; a value JSON does not allow (an unquoted word, a
//! value missing before a comma) fails the deployment, so it fails the load with its location.

use std::path::PathBuf;
use std::process::{Command, Output};

fn moat(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_moat"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("moat runs")
}

fn write(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("moat-json-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let f = dir.join("azuredeploy.json");
    std::fs::write(&f, text).unwrap();
    f
}

const NSG: &str = r#"{ "type": "Microsoft.Network/networkSecurityGroups", "apiVersion": "2023-04-01", "name": "nsg1", "location": "eastus", "properties": {} }"#;

#[test]
fn a_commented_template_is_read_whole() {
    let text = format!(
        "{{\n  \"$schema\": \"https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#\",\n  \"contentVersion\": \"1.0.0.0\",\n  // the resources: a line comment before a key\n  \"resources\": [\n    /* a block comment,\n       over two lines */\n    {NSG}, // after a value\n    {}\n  ]\n}}\n",
        NSG.replace("nsg1", "nsg2")
    );
    let f = write("comments", &text);
    let o = moat(&["show", f.to_str().unwrap()]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{out}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let line = out
        .lines()
        .find(|l| l.contains("network security groups"))
        .unwrap_or_else(|| panic!("{out}"));
    assert!(
        line.trim_end().ends_with(" 2"),
        "both NSGs are read: {line}"
    );
}

#[test]
fn a_value_json_does_not_allow_is_a_located_error() {
    for (bad, message) in [
        (r#""location": eastus,"#, "`eastus` is not a value"),
        (r#""location": ,"#, "a value is missing here"),
    ] {
        let text = format!(
            "{{\n  \"$schema\": \"https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#\",\n  \"contentVersion\": \"1.0.0.0\",\n  \"resources\": [\n    {}\n  ]\n}}\n",
            NSG.replace(r#""location": "eastus","#, &format!("{bad} "))
        );
        let f = write("values", &text);
        let o = moat(&["check", f.to_str().unwrap()]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{err}");
        let first = err.lines().next().unwrap();
        let at = format!("{}:5:", f.display());
        assert!(first.starts_with(&at), "located on line 5: {first}");
        assert!(first.contains(message), "{first}");
    }
}
