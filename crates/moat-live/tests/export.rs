//! Live exports in the shapes the tools that produce them document, read into the model.
//!
//! - Azure Resource Graph, "Working with large Azure resource data sets" and "Paging results"
//!   (learn.microsoft.com/azure/governance/resource-graph/concepts/work-with-data, .../paging-results):
//!   a query returns `count`, `data` and `totalRecords`, and a `$skipToken` when more pages follow
//!   (`az graph query` writes them `count`, `data`, `skip_token`, `total_records`); `--first`
//!   takes at most 1,000 records per page.
//! - Resources - List (learn.microsoft.com/rest/api/resources/resources/list) and
//!   GenericResourceExpanded: `$expand` adds only `createdTime`, `changedTime` and
//!   `provisioningState`, so `az resource list` returns resources without `properties`.
//! - PSRule for Azure's exported resources: an array, keys in Pascal case (`ResourceId`, `Type`,
//!   `Properties`), child resources nested under `resources`.

use moat_doc::{Limits, LoadError, Loaded};

const SUB: &str =
    "/subscriptions/6d1f0c3e-2b7a-4c59-9e41-8f0a7b3c2d15/resourceGroups/rg-ml/providers";

fn id(rest: &str) -> String {
    format!("{SUB}/{rest}")
}

fn load(text: &str) -> Loaded {
    moat_live::load_str("estate.json", text, Limits::default()).unwrap_or_else(|e| {
        panic!(
            "{:#?}",
            e.diagnostics
                .iter()
                .map(|d| format!("{}:{}: {}", d.location.line, d.location.column, d.message))
                .collect::<Vec<_>>()
        )
    })
}

fn fail(text: &str) -> LoadError {
    match moat_live::load_str("estate.json", text, Limits::default()) {
        Ok(_) => panic!("read without error"),
        Err(e) => e,
    }
}

/// A VNet with its subnet inline, a storage account, its private endpoint, the blob zone, and
/// the zone's VNet link as its own row, in Resource Graph's column set and casing (types in
/// lower case, `kind` empty when the resource has none).
fn rows() -> Vec<serde_json::Value> {
    let vnet = id("Microsoft.Network/virtualNetworks/vnet");
    let stor = id("Microsoft.Storage/storageAccounts/stor");
    let zone = id("Microsoft.Network/privateDnsZones/privatelink.blob.core.windows.net");
    vec![
        serde_json::json!({
            "id": vnet, "name": "vnet", "type": "microsoft.network/virtualnetworks", "kind": "",
            "location": "eastus", "resourceGroup": "rg-ml", "managedBy": "", "sku": null,
            "properties": {
                "addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
                "subnets": [{"id": format!("{vnet}/subnets/pe"), "name": "pe",
                             "properties": {"addressPrefix": "10.0.1.0/24"}}]
            }
        }),
        serde_json::json!({
            "id": stor, "name": "stor", "type": "microsoft.storage/storageaccounts",
            "kind": "StorageV2", "location": "eastus", "resourceGroup": "rg-ml",
            "sku": {"name": "Standard_LRS", "tier": "Standard"},
            "properties": {"publicNetworkAccess": "Disabled"}
        }),
        serde_json::json!({
            "id": id("Microsoft.Network/privateEndpoints/stor-pe"), "name": "stor-pe",
            "type": "microsoft.network/privateendpoints", "kind": "", "location": "eastus",
            "properties": {
                "subnet": {"id": format!("{vnet}/subnets/pe")},
                "privateLinkServiceConnections": [{
                    "name": "stor-blob",
                    "properties": {
                        "privateLinkServiceId": stor,
                        "groupIds": ["blob"],
                        "privateLinkServiceConnectionState": {"status": "Approved"}
                    }
                }]
            }
        }),
        serde_json::json!({
            "id": zone, "name": "privatelink.blob.core.windows.net",
            "type": "microsoft.network/privatednszones", "kind": "", "location": "global",
            "properties": {}
        }),
        serde_json::json!({
            "id": format!("{zone}/virtualNetworkLinks/to-vnet"), "name": "to-vnet",
            "type": "microsoft.network/privatednszones/virtualnetworklinks", "kind": "",
            "location": "global",
            "properties": {"virtualNetwork": {"id": vnet}, "registrationEnabled": false}
        }),
    ]
}

fn page(rows: &[serde_json::Value], skip_token: Option<&str>, total: usize) -> String {
    serde_json::to_string_pretty(&serde_json::json!({
        "count": rows.len(), "data": rows, "skip_token": skip_token, "total_records": total
    }))
    .unwrap()
}

#[test]
fn a_resource_graph_result_links_resources_by_their_full_ids() {
    let text = page(&rows(), None, 5);
    let l = load(&text);
    assert_eq!(l.format, "live");
    let t = &l.topology;
    assert_eq!(t.virtual_networks.len(), 1);
    let pe = &t.private_endpoints[0];
    assert_eq!(pe.subnet, "vnet/pe");
    assert_eq!(pe.target.to_string(), "storage/stor");
    assert_eq!(pe.group_id, "blob");
    let zone = &t.private_dns_zones[0];
    assert_eq!(zone.vnet_links, vec!["vnet".to_string()]);
    // Provenance: the private endpoint's row, at its line and column, by JSON pointer.
    assert_eq!(pe.at.pointer, "/data/2");
    let line = text
        .lines()
        .position(|l| l.contains("privateEndpoints/stor-pe"))
        .unwrap() as u32;
    assert!(pe.at.line > 0 && pe.at.line <= line + 1, "{:?}", pe.at);
    assert!(pe.at.column > 1);
    assert!(l.warnings.is_empty(), "{:?}", l.warnings);
}

#[test]
fn an_older_cli_bare_array_and_the_rest_api_envelope_read_the_same() {
    let bare = serde_json::to_string(&rows()).unwrap();
    let rest = serde_json::to_string(&serde_json::json!({
        "totalRecords": 5, "count": 5, "resultTruncated": "false", "facets": [], "data": rows()
    }))
    .unwrap();
    let reference = load(&page(&rows(), None, 5)).topology;
    for text in [bare, rest] {
        let t = load(&text).topology;
        assert_eq!(
            t.private_endpoints[0].subnet,
            reference.private_endpoints[0].subnet
        );
        assert_eq!(
            t.private_dns_zones[0].vnet_links,
            reference.private_dns_zones[0].vnet_links
        );
    }
}

#[test]
fn paged_results_are_merged_and_overlaps_read_once() {
    let dir = std::env::temp_dir().join(format!("moat-live-pages-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let all = rows();
    // Page 1 holds the VNet and the storage account, page 2 the endpoint and the zone; the
    // storage account is on both (pages overlap when a query has no `order by`).
    let p1 = dir.join("page1.json");
    let p2 = dir.join("page2.json");
    std::fs::write(&p1, page(&all[..2], Some("ew0KICAiJGlkIjogIjEiLA0K"), 6)).unwrap();
    std::fs::write(&p2, page(&all[1..], None, 6)).unwrap();
    let l = moat_live::load(&[p1, p2], "estate", Limits::default()).unwrap();
    let t = &l.topology;
    assert_eq!(t.storage_accounts.len(), 1);
    assert_eq!(t.private_endpoints[0].subnet, "vnet/pe");
    let dups: Vec<_> = l
        .warnings
        .iter()
        .filter(|w| w.code == "duplicate-resource")
        .collect();
    assert_eq!(dups.len(), 1, "{:?}", l.warnings);
    assert!(dups[0].location.file.ends_with("page2.json"));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn resource_list_output_has_unknown_properties_never_defaulted() {
    // `az resource list`: the same columns, `properties` null.
    let stor = id("Microsoft.Storage/storageAccounts/stor");
    let text = serde_json::to_string_pretty(&serde_json::json!([{
        "id": stor, "name": "stor", "type": "Microsoft.Storage/storageAccounts",
        "kind": "StorageV2", "location": "eastus", "resourceGroup": "rg-ml",
        "properties": null, "sku": {"name": "Standard_LRS"}, "tags": {}
    }]))
    .unwrap();
    let t = load(&text).topology;
    assert_eq!(t.storage_accounts.len(), 1);
    let pna = t
        .unknowns
        .iter()
        .find(|u| u.resource == "storage/stor" && u.field == "public_network_access")
        .unwrap_or_else(|| panic!("{:#?}", t.unknowns));
    assert!(pna.reason.contains("az resource list"), "{}", pna.reason);
    // Beside a Resource Graph row of the same resource, the row with properties is read.
    let dir = std::env::temp_dir().join(format!("moat-live-list-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("a-list.json"), &text).unwrap();
    std::fs::write(dir.join("b-graph.json"), page(&rows(), None, 5)).unwrap();
    let l = moat_live::load(
        &[dir.join("a-list.json"), dir.join("b-graph.json")],
        "estate",
        Limits::default(),
    )
    .unwrap();
    assert!(
        !l.topology
            .unknowns
            .iter()
            .any(|u| u.resource == "storage/stor"),
        "{:#?}",
        l.topology.unknowns
    );
    assert!(l.warnings.iter().all(|w| w.code != "duplicate-resource"));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn one_resource_as_az_resource_show_writes_it() {
    let r = &rows()[1];
    let t = load(&serde_json::to_string_pretty(r).unwrap()).topology;
    assert_eq!(t.storage_accounts[0].name, "stor");
    assert_eq!(t.storage_accounts[0].at.pointer, "");
}

#[test]
fn child_resources_exported_on_their_own_rows_merge_into_their_parents() {
    let vnet = id("Microsoft.Network/virtualNetworks/vnet");
    let nsg = id("Microsoft.Network/networkSecurityGroups/nsg");
    let zone = id("Microsoft.Network/privateDnsZones/privatelink.api.azureml.ms");
    let ws = id("Microsoft.MachineLearningServices/workspaces/ws");
    let text = serde_json::to_string_pretty(&serde_json::json!([
        {"id": vnet, "type": "Microsoft.Network/virtualNetworks", "location": "eastus",
         "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}}},
        {"id": format!("{vnet}/subnets/training"), "name": "training",
         "type": "Microsoft.Network/virtualNetworks/subnets",
         "properties": {"addressPrefix": "10.0.2.0/24", "networkSecurityGroup": {"id": nsg}}},
        {"id": nsg, "type": "Microsoft.Network/networkSecurityGroups", "location": "eastus",
         "properties": {}},
        {"id": format!("{nsg}/securityRules/deny-internet"), "name": "deny-internet",
         "type": "Microsoft.Network/networkSecurityGroups/securityRules",
         "properties": {"priority": 200, "direction": "Outbound", "access": "Deny",
                        "protocol": "*", "sourceAddressPrefix": "*", "sourcePortRange": "*",
                        "destinationAddressPrefix": "Internet", "destinationPortRange": "*"}},
        {"id": zone, "type": "Microsoft.Network/privateDnsZones", "location": "global",
         "properties": {}},
        {"id": format!("{zone}/A/ws-guid.workspace.eastus"), "name": "ws-guid.workspace.eastus",
         "type": "Microsoft.Network/privateDnsZones/A",
         "properties": {"ttl": 10, "aRecords": [{"ipv4Address": "10.0.1.5"}]}},
        {"id": ws, "type": "Microsoft.MachineLearningServices/workspaces", "location": "eastus",
         "properties": {"publicNetworkAccess": "Disabled"}},
        {"id": format!("{ws}/computes/cpu-cluster"), "name": "cpu-cluster",
         "type": "Microsoft.MachineLearningServices/workspaces/computes", "location": "eastus",
         "properties": {"computeType": "AmlCompute",
                        "properties": {"subnet": {"id": format!("{vnet}/subnets/training")},
                                       "enableNodePublicIp": false}}},
        {"id": format!("{ws}/onlineEndpoints/score"), "name": "score",
         "type": "microsoft.machinelearningservices/workspaces/onlineendpoints",
         "location": "eastus", "properties": {"authMode": "Key", "publicNetworkAccess": "Disabled"}},
        {"id": format!("{ws}/onlineEndpoints/score/deployments/blue"), "name": "blue",
         "type": "microsoft.machinelearningservices/workspaces/onlineendpoints/deployments",
         "location": "eastus", "properties": {"egressPublicNetworkAccess": "Disabled"}}
    ]))
    .unwrap();
    let t = load(&text).topology;
    let v = &t.virtual_networks[0];
    assert_eq!(v.name, "vnet");
    let s = v.subnets.iter().find(|s| s.name == "training").unwrap();
    assert_eq!(s.network_security_group.as_deref(), Some("nsg"));
    let rules = &t.network_security_groups[0].rules;
    assert!(
        rules
            .iter()
            .any(|r| r.name == "deny-internet" && r.priority.get() == Some(200))
    );
    let z = &t.private_dns_zones[0];
    assert!(
        z.records
            .iter()
            .any(|r| r.name == "ws-guid.workspace.eastus")
    );
    let c = t.computes.iter().find(|c| c.name == "cpu-cluster").unwrap();
    assert_eq!(c.workspace, "ws");
    assert_eq!(c.subnet.as_deref(), Some("vnet/training"));
    let e = &t.online_endpoints[0];
    assert_eq!((e.name.as_str(), e.workspace.as_str()), ("score", "ws"));
    assert_eq!(e.deployments.len(), 1);
    assert_eq!(e.deployments[0].name, "blue");
}

#[test]
fn psrule_exported_resources_read_as_they_are() {
    // Pascal-case keys, a child nested under `resources`, a list result and an extension
    // resource nested beside it.
    let vnet = id("Microsoft.Network/virtualNetworks/vnet-A");
    let text = serde_json::to_string_pretty(&serde_json::json!([{
        "ResourceId": vnet, "Id": vnet, "Location": "region", "ResourceName": "vnet-A",
        "Name": "vnet-A", "ResourceGroupName": "test-rg",
        "Type": "Microsoft.Network/virtualNetworks",
        "ResourceType": "Microsoft.Network/virtualNetworks",
        "Properties": {"addressSpace": {"addressPrefixes": ["10.1.0.0/16"]}},
        "Sku": null, "Tags": null, "SubscriptionId": "00000000-0000-0000-0000-000000000000",
        "resources": [
            {"ResourceId": format!("{vnet}/subnets/subnet-B"), "Name": "subnet-B",
             "Type": "Microsoft.Network/virtualNetworks/subnets",
             "Properties": {"addressPrefix": "10.1.2.0/24"}},
            {"value": [{"name": "Size", "limit": 10}],
             "ResourceType": "Microsoft.Network/virtualNetworks/usages"},
            {"ResourceId": format!("{vnet}/providers/Microsoft.Security/assessments/a1"),
             "Name": "a1", "Type": "Microsoft.Network/virtualNetworks",
             "ExtensionResourceType": "Microsoft.Security/assessments",
             "Properties": {"status": {"code": "Healthy"}}}
        ]
    }]))
    .unwrap();
    let t = load(&text).topology;
    let v = &t.virtual_networks[0];
    assert_eq!(v.name, "vnet-A");
    assert!(v.subnets.iter().any(|s| s.name == "subnet-B"));
    let types: Vec<&str> = t
        .unmodelled
        .iter()
        .map(|u| u.resource_type.as_str())
        .collect();
    assert!(
        types.contains(&"Microsoft.Network/virtualNetworks/usages"),
        "{types:?}"
    );
    assert!(
        types.contains(&"Microsoft.Security/assessments"),
        "{types:?}"
    );
}

#[test]
fn bad_input_is_located() {
    // Not JSON.
    let e = fail("[{\"id\": \"/subscriptions/x\"}\n  {\"type\": \"t\"}]");
    assert_eq!(e.diagnostics[0].code, "syntax");
    assert_eq!(e.diagnostics[0].location.line, 2);
    // A resource without `type`, and one whose type is not a string: both reported.
    let text = "[\n  {\"id\": \"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/a\"},\n  {\"name\": \"b\", \"type\": 3}\n]";
    let e = fail(text);
    assert_eq!(e.diagnostics.len(), 2, "{:?}", e.diagnostics);
    assert_eq!(e.diagnostics[0].code, "bad-resource");
    assert!(e.diagnostics[0].message.contains("without `type`"));
    assert_eq!(
        (
            e.diagnostics[0].location.line,
            e.diagnostics[0].location.column
        ),
        (2, 3)
    );
    assert_eq!(e.diagnostics[1].location.line, 3);
    // A scalar, and an object of no export shape.
    assert_eq!(fail("42").diagnostics[0].code, "not-an-export");
    assert_eq!(fail("{\"foo\": 1}").diagnostics[0].code, "not-an-export");
    // A template given as an export names the right reader.
    let e = fail(
        "{\"$schema\": \"https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#\", \"resources\": []}",
    );
    assert!(e.diagnostics[0].hint.as_deref().unwrap().contains("arm"));
}

#[test]
fn names_come_from_complete_ids() {
    assert_eq!(
        moat_live::name_of_id(&id(
            "Microsoft.Network/privateDnsZones/privatelink.blob.core.windows.net/virtualNetworkLinks/l"
        ))
        .as_deref(),
        Some("privatelink.blob.core.windows.net/l")
    );
    assert_eq!(
        moat_live::name_of_id("/subscriptions/s/resourceGroups/rg").as_deref(),
        Some("rg")
    );
}

/// A syntax error the parser locates on a line it counts after lone carriage returns, at a
/// column past the end of the line of that number: a located error, not a panic (found by
/// fuzzing this reader; the column fell in a later block of a non-ASCII file's index).
#[test]
fn a_syntax_error_after_lone_carriage_returns_is_located() {
    let text = format!(
        "{{\"data\": [\"é\", 1, \r\r\r\n{},,\n1\n2\n3\n{}\n]}}\n",
        " ".repeat(5000),
        " ".repeat(9000)
    );
    let e = fail(&text);
    let d = &e.diagnostics[0];
    assert_eq!(d.code, "syntax", "{}", d.message);
    assert!(d.location.offset <= text.len());
}

/// A syntax error at the very end of a non-ASCII text whose length is a whole number of the
/// character index's blocks (found by fuzzing this reader): located, not a panic.
#[test]
fn a_syntax_error_at_the_end_of_a_block_sized_text_is_located() {
    let head = "{\"data\": [\"é\",\n";
    let text = format!("{head}{}", " ".repeat(8192 - head.len()));
    assert_eq!(text.len(), 8192);
    let e = fail(&text);
    let d = &e.diagnostics[0];
    assert_eq!(d.code, "syntax", "{}", d.message);
    assert!(d.location.offset <= text.len());
}
