//! PE005's fix read back: the workspace's storage endpoint added in a client VNet that holds a
//! workspace endpoint but not the storage's, with its zone group naming the client VNet's own
//! copy of the zone.

mod readback;

use readback::fixed::{fixed_in, snippets};
use readback::*;

#[test]
fn a_storage_endpoint_in_the_client_vnet_removes_pe005() {
    // Isolated clients: every VNet that holds a workspace private endpoint also needs private
    // endpoints to the workspace's storage. Without the client VNet's blob endpoint, the fix
    // adds one there, beside the workspace's, writing into the zone linked to that VNet.
    let dir = scratch("pe005-native");
    let text =
        std::fs::read_to_string(root().join("examples/isolated-clients/topology.yaml")).unwrap();
    let cut = "  - { name: client-wsstorage-blob-pe, subnet: client-vnet/pe, target: storage/wsstorage, group_id: blob,\n      dns_zone_group: [clients/privatelink.blob.core.windows.net] }\n";
    assert!(text.contains(cut));
    std::fs::write(dir.join("topology.yaml"), text.replacen(cut, "", 1)).unwrap();
    let f = fixed_in(&dir, "topology.yaml", "PE005", "native");
    assert_eq!(f.len(), 1);
    assert_eq!(
        snippets(&f[0], "native")[0]["text"],
        "private_endpoints:\n  - { name: wsstorage-blob-pe-2, subnet: client-vnet/pe, target: storage/wsstorage, group_id: blob, dns_zone_group: [clients/privatelink.blob.core.windows.net] }\n"
    );
}
