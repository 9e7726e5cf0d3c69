//! Where an `azapi_resource` places what it refers to by full id. Azure Machine Learning's
//! network requirements for a compute instance or cluster: "the virtual network must be in the
//! same subscription and region as the workspace". A compute written as an azapi resource in a
//! subnet of another subscription's VNet is in that subscription's VNet, as the same compute
//! written in an ARM template is: the id's subscription is kept, not dropped with the azapi
//! mapping's stand-ins.

use moat_model::placement::same_subscription;
use moat_terraform::{TfOptions, load_str};

const DEPLOYMENT: &str = "0b1f6471-1bf0-4dda-aec3-111122223333";
const OTHER: &str = "7d2c9e10-5a4b-4c3d-8e2f-444455556666";

fn config(subscription: &str) -> String {
    format!(
        r#"
resource "azurerm_resource_group" "rg" {{
  name     = "rg-ml"
  location = "eastus"
}}

resource "azapi_resource" "ws" {{
  type      = "Microsoft.MachineLearningServices/workspaces@2024-04-01"
  name      = "mlw"
  parent_id = azurerm_resource_group.rg.id
  location  = "eastus"
  body = {{ properties = {{ publicNetworkAccess = "Disabled" }} }}
}}

resource "azapi_resource" "cpu" {{
  type      = "Microsoft.MachineLearningServices/workspaces/computes@2024-04-01"
  name      = "cpu"
  parent_id = azapi_resource.ws.id
  location  = "eastus"
  body = {{
    properties = {{
      computeType = "AmlCompute"
      properties = {{
        enableNodePublicIp = false
        subnet = {{ id = "/subscriptions/{subscription}/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/hub/subnets/training" }}
        scaleSettings = {{ minNodeCount = 0, maxNodeCount = 2 }}
      }}
    }}
  }}
}}
"#
    )
}

fn same(subscription: &str) -> Result<bool, String> {
    let opts = TfOptions {
        target: moat_arm::Target {
            subscription: Some(DEPLOYMENT.into()),
            resource_group: Some("rg-ml".into()),
            location: Some("eastus".into()),
        },
        ..Default::default()
    };
    let loaded = load_str("main.tf", &config(subscription), &opts)
        .unwrap_or_else(|e| panic!("{:#?}", e.diagnostics));
    let t = &loaded.topology;
    assert!(
        t.computes
            .iter()
            .any(|c| c.name == "cpu" && c.subnet.as_deref() == Some("hub/training")),
        "{:#?}",
        t.computes
    );
    same_subscription(t, "workspace/mlw", "vnet/hub")
}

#[test]
fn a_vnet_named_by_an_id_of_another_subscription_is_in_that_subscription() {
    assert_eq!(same(OTHER), Ok(false));
}

#[test]
fn a_vnet_named_by_an_id_of_the_deployments_subscription_is_in_it() {
    assert_eq!(same(DEPLOYMENT), Ok(true));
}
