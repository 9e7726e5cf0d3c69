//! PE006's fix read back: a private endpoint declared in another region than its VNet put in
//! the VNet's region, in the native format, Terraform and an ARM template.

mod readback;

use readback::fixed::{fixed_in, snippets};
use readback::*;

#[test]
fn an_endpoint_in_its_vnets_region_removes_pe006() {
    // Network isolation with registries, "How to create a private endpoint", step 3: the
    // endpoint is created in the region of its virtual network.
    let from = root().join("examples/workspace-private-endpoint");
    for form in ["native", "terraform", "arm"] {
        let dir = scratch(&format!("pe006-{form}"));
        let (file, input, a, b) = match form {
            "native" => {
                std::fs::copy(from.join("topology.yaml"), dir.join("topology.yaml")).unwrap();
                (
                    "topology.yaml",
                    "topology.yaml",
                    "  - { name: ws-pe, subnet: vnet/pe,",
                    "  - { name: ws-pe, region: westeurope, subnet: vnet/pe,",
                )
            }
            "terraform" => {
                copy_dir(&from.join("terraform"), &dir);
                (
                    "main.tf",
                    ".",
                    "  name                = \"ws-pe\"\n  location            = azurerm_resource_group.rg.location",
                    "  name                = \"ws-pe\"\n  location            = \"westeurope\"",
                )
            }
            _ => {
                copy_dir(&from.join("arm"), &dir);
                (
                    "azuredeploy.json",
                    ".",
                    "\"name\": \"ws-pe\",\n      \"location\": \"[parameters('location')]\",",
                    "\"name\": \"ws-pe\",\n      \"location\": \"westeurope\",",
                )
            }
        };
        let path = dir.join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(a), "{form}");
        std::fs::write(&path, text.replacen(a, b, 1)).unwrap();
        let f = fixed_in(&dir, input, "PE006", form);
        assert_eq!(f.len(), 1, "{form}");
        let shown = snippets(&f[0], form)[0]["text"]
            .as_str()
            .unwrap()
            .to_string();
        let expected = match form {
            "native" => "region: eastus",
            "terraform" => "location = azurerm_virtual_network.vnet.location",
            _ => "\"location\": \"[parameters('location')]\"",
        };
        assert!(shown.contains(expected), "{form}: {shown}");
    }
}
