//! Any text as a Terraform expression, wherever configurations put expressions: a local and an
//! output, a resource's name, nested blocks and attributes, `count` and `for_each`. Each place is
//! a configuration of its own, so an error in one does not hide the others. The evaluator
//! returns a value, an unknown or a located error, never a panic or a hang.
#![no_main]

use moat_terraform::{TfOptions, load_str};

fn check(tf: &str) {
    if let Err(err) = load_str("fuzz.tf", tf, &TfOptions::default()) {
        for d in err.diagnostics {
            assert!(d.code != "internal", "internal error: {}", d.message);
            if d.location.file == "fuzz.tf" {
                assert!(
                    d.location.offset <= tf.len(),
                    "a diagnostic points past the end of the input"
                );
            }
        }
    }
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(e) = std::str::from_utf8(data) else {
        return;
    };
    // A newline after the expression ends a trailing comment instead of the block.
    check(&format!(
        "variable \"p\" {{\n  default = \"10.0.0.0/16\"\n}}\n\
         locals {{\n  v = {e}\n  w = local.v\n}}\n\
         output \"o\" {{\n  value = local.w\n}}\n"
    ));
    check(&format!(
        "resource \"azurerm_virtual_network\" \"n\" {{\n  name = {e}\n\
         \n  location = \"westeurope\"\n  resource_group_name = \"rg\"\n\
           address_space = {e}\n\n\
           subnet {{\n    name = \"s\"\n    address_prefixes = [{e}\n]\n  }}\n}}\n"
    ));
    check(&format!(
        "resource \"azurerm_network_security_group\" \"g\" {{\n  count = {e}\n\n\
           name = \"nsg${{count.index}}\"\n  location = \"westeurope\"\n\
           resource_group_name = \"rg\"\n}}\n\
         resource \"azurerm_subnet\" \"s\" {{\n  for_each = {e}\n\n\
           name = each.key\n  resource_group_name = \"rg\"\n\
           virtual_network_name = \"n\"\n  address_prefixes = [each.value]\n}}\n"
    ));
});
