//! Ids built with the azapi provider's functions.
//!
//! Semantics checked (azapi provider functions): `resource_group_resource_id(subscription_id,
//! resource_group_name, resource_type, resource_names)` "constructs an Azure resource group
//! resource ID": `/subscriptions/{sub}/resourceGroups/{rg}/providers/{namespace}/{type}/{name}`,
//! one name per type segment (`virtualNetworks/vnet/subnets/snet`). Such an id names the
//! declared resource its known parts name, as any id with an unknown subscription does.

use moat_model::address::{Address, Kind};
use moat_terraform::{TfOptions, load};
use std::path::Path;

#[test]
fn ids_built_by_resource_group_resource_id_name_the_declared_resources() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/azapi-functions");
    let t = load(&dir, &TfOptions::default())
        .unwrap_or_else(|e| panic!("{:?}", e.diagnostics))
        .topology;
    let pe = t
        .private_endpoints
        .iter()
        .find(|p| p.name == "pe-ws")
        .expect("the endpoint");
    assert_eq!(pe.subnet, "vnet-ids/snet-pe");
    match &pe.target {
        Address::Resource { kind, name, .. } => {
            assert_eq!((*kind, name.as_str()), (Kind::Workspace, "mlw-ids"))
        }
        other => panic!("{other:?}"),
    }
    assert!(
        t.is_unknown("private-endpoint/pe-ws", "target").is_none(),
        "{:#?}",
        t.unknowns
    );
}
