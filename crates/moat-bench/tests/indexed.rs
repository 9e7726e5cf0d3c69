//! Every pass over resources is indexed: each test below runs a pass on a generated estate
//! large enough that the scan it replaced (a search per lookup, a copy of an index per
//! reference) would run for minutes, or counts the allocations of a whole pipeline at two sizes
//! and checks they grow linearly. No test here measures time.

use moat_bench::{Spec, estate, terraform_estate};
use moat_engine::Engine;
use std::alloc::{GlobalAlloc, Layout, System};
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

/// Counts the allocations of every thread of the process: the Terraform importer evaluates on
/// a thread of its own, whose allocations a per-thread count would miss.
struct Counting;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);
static BYTES: AtomicU64 = AtomicU64::new(0);
/// Bytes allocated and not yet freed, and the most there were since [`peak_of`] reset it.
static LIVE: AtomicU64 = AtomicU64::new(0);
static PEAK: AtomicU64 = AtomicU64::new(0);

fn count(bytes: usize) {
    ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
    BYTES.fetch_add(bytes as u64, Ordering::Relaxed);
    let live = LIVE.fetch_add(bytes as u64, Ordering::Relaxed) + bytes as u64;
    PEAK.fetch_max(live, Ordering::Relaxed);
}

fn uncount(bytes: usize) {
    LIVE.fetch_sub(bytes as u64, Ordering::Relaxed);
}

// SAFETY: every call is forwarded unchanged to the system allocator.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count(layout.size());
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count(layout.size());
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        uncount(layout.size());
        count(new_size);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        uncount(layout.size());
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Held by every test of this file for its whole run: the count is process-wide, so no other
/// test may allocate while one counts.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn alone() -> MutexGuard<'static, ()> {
    // A test that failed while holding the lock does not make the others fail.
    ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner())
}

/// Allocations made by `f` and by the threads it starts (the caller holds [`alone`]).
fn allocations(f: impl FnOnce()) -> u64 {
    allocations_and_bytes(f).0
}

/// Allocations made by `f` and the threads it starts, and the bytes they asked for.
fn allocations_and_bytes(f: impl FnOnce()) -> (u64, u64) {
    let (count, bytes) = (
        ALLOCATIONS.load(Ordering::Relaxed),
        BYTES.load(Ordering::Relaxed),
    );
    f();
    (
        ALLOCATIONS.load(Ordering::Relaxed) - count,
        BYTES.load(Ordering::Relaxed) - bytes,
    )
}

/// The most bytes live at once while `f` runs (the caller holds [`alone`]), above what was
/// live before it, with what `f` returns.
fn peak_of<T>(f: impl FnOnce() -> T) -> (u64, T) {
    let before = LIVE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let out = f();
    (PEAK.load(Ordering::Relaxed) - before, out)
}

/// Asserts that doubling the input less than 2.4-folds a count of allocations or bytes
/// (linear work gives about 2; work per pair of resources gives nearly 4).
fn grows_linearly(what: &str, small: u64, double: u64) {
    let ratio = double as f64 / small as f64;
    assert!(
        ratio < 2.4,
        "{what}: {small}, and {double} at twice the size (x{ratio:.2}): not linear"
    );
}

/// A hub peered with `spokes` spokes (each /24 in 10.1.0.0/12), plus two planted overlaps:
/// spoke 7 inside the hub's space, and spokes 100 and 200 (same space) peered from one side
/// only. Spokes 300 and 301 share a space but are not peered, which is allowed.
fn hub_and_spokes(spokes: usize) -> String {
    let net = |k: usize| match k {
        7 => "10.0.7.0/24".to_string(),
        200 => "10.1.100.0/24".to_string(),
        301 => "10.2.44.0/24".to_string(),
        k => format!("10.{}.{}.0/24", 1 + k / 256, k % 256),
    };
    let mut o = String::from(
        "virtual_networks:\n  - name: hub\n    address_space: [10.0.0.0/16]\n    peerings:\n",
    );
    for k in 0..spokes {
        let _ = writeln!(o, "      - {{ remote_vnet: spoke{k} }}");
    }
    for k in 0..spokes {
        let back = if k == 100 {
            "{ remote_vnet: hub }, { remote_vnet: spoke200 }"
        } else {
            "{ remote_vnet: hub }"
        };
        let _ = writeln!(
            o,
            "  - {{ name: spoke{k}, address_space: [{}], peerings: [{back}] }}",
            net(k)
        );
    }
    o
}

/// NET002 used to test every pair of VNets and, per pair, scan every VNet for the peering:
/// with 3,000 VNets, 10^10 name comparisons. It now visits each VNet's peers.
#[test]
fn net002_visits_peers_not_pairs() {
    let _alone = alone();
    let t = moat_ingest::parse_native_str("hub.yaml", &hub_and_spokes(3000))
        .unwrap_or_else(|d| panic!("{:#?}", &d[..d.len().min(3)]));
    let e = Engine::for_topology(&t, None).unwrap();
    let cx = moat_rules::Context::new(&e);
    let mut v = Vec::new();
    moat_rules::by_code("NET002").unwrap().check(&cx, &mut v);
    let got: Vec<&str> = v.iter().map(|f| f.message.as_str()).collect();
    assert_eq!(
        got,
        [
            "VNets hub and spoke7 are peered but their address spaces overlap (10.0.0.0/16 and 10.0.7.0/24)",
            "VNets spoke100 and spoke200 are peered but their address spaces overlap (10.1.100.0/24 and 10.1.100.0/24)",
        ]
    );
}

/// `Engine::subnet_of` used to scan every subnet per lookup; it is now a longest-prefix table.
/// 12,000 subnets looked up 12,000 times: 10^8 prefix tests before, 10^4 lookups now. Where
/// subnets of unpeered VNets overlap, the first declared still answers.
#[test]
fn subnet_of_is_a_table_lookup() {
    let _alone = alone();
    let spec = Spec {
        hubs: 10,
        spokes_per_hub: 300,
        rules_per_nsg: 0,
    };
    let mut yaml = estate(spec);
    // A later VNet whose more specific subnet overlaps spoke0's `training` subnet.
    yaml = yaml.replacen(
        "virtual_networks:\n",
        "virtual_networks:\n  - { name: early, address_space: [10.16.0.0/24], subnets: [{ name: all, address_prefixes: [10.16.0.0/24] }] }\n",
        1,
    );
    let t = moat_ingest::parse_native_str("estate.yaml", &yaml)
        .unwrap_or_else(|d| panic!("{:#?}", &d[..d.len().min(3)]));
    let e = Engine::for_topology(&t, None).unwrap();
    for (k, pe) in t.private_endpoints.iter().enumerate() {
        let ip = pe.ip_address.unwrap();
        let expected = if k < 4 {
            "early/all"
        } else {
            pe.subnet.as_str()
        };
        assert_eq!(e.subnet_of(ip).as_deref(), Some(expected), "{ip}");
    }
    assert_eq!(e.subnet_of("192.0.2.1".parse().unwrap()), None);
}

/// Reading, validating and checking the native estate: doubling it doubles the work. (Each
/// reference check used to copy an index: work per pair of resources.)
#[test]
fn checking_the_estate_grows_linearly() {
    let _alone = alone();
    let run = |hubs: usize| {
        let yaml = estate(Spec {
            hubs,
            spokes_per_hub: 10,
            rules_per_nsg: 2,
        });
        allocations(|| {
            let t = moat_ingest::parse_native_str("estate.yaml", &yaml).unwrap();
            let e = Engine::for_topology(&t, None).unwrap();
            let cx = moat_rules::Context::new(&e);
            let sel = moat_rules::check::Selection::default();
            std::hint::black_box(moat_rules::check::run(&cx, &sel));
        })
    };
    grows_linearly("native check", run(4), run(8));
}

/// Loading and checking a Terraform configuration of many isolated landing zones, each with its
/// own jump box and its own copy of the same private DNS zones: doubling it doubles the work.
/// (Each zone link used to search the zones declared so far, copying a resource group name per
/// comparison; WS001 traced from every jump box in turn until one reached the workspace.)
#[test]
fn checking_terraform_grows_linearly() {
    let _alone = alone();
    let dir = std::env::temp_dir().join(format!("moat-indexed-tf-{}", std::process::id()));
    let run = |copies: usize| {
        let d = dir.join(copies.to_string());
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join("main.tf"), terraform_estate(copies)).unwrap();
        allocations(|| {
            let loaded = moat_ingest::load(&d, None)
                .unwrap_or_else(|e| panic!("{:#?}", &e.diagnostics[..e.diagnostics.len().min(3)]));
            assert_eq!(loaded.topology.virtual_networks.len(), copies);
            let e = Engine::for_topology(&loaded.topology, None).unwrap();
            let cx = moat_rules::Context::new(&e);
            let sel = moat_rules::check::Selection::default();
            std::hint::black_box(moat_rules::check::run(&cx, &sel));
        })
    };
    let (small, double) = (run(40), run(80));
    std::fs::remove_dir_all(&dir).ok();
    grows_linearly("terraform check", small, double);
}

/// Loading a Terraform configuration of many landing zones holds at most 14 times its text
/// at once (the text itself included). The evaluated records and the indexes of the mapping
/// are the peak: every declared resource handed to the ARM importer's mapper as a stand-in,
/// and indexes of declared ids built whether or not an id needed them, made it 17 times.
#[test]
fn loading_terraform_peaks_under_14_times_the_input() {
    let _alone = alone();
    let dir = std::env::temp_dir().join(format!("moat-peak-tf-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let text = terraform_estate(200);
    std::fs::write(dir.join("main.tf"), &text).unwrap();
    let (peak, loaded) = peak_of(|| moat_ingest::load(&dir, None));
    std::fs::remove_dir_all(&dir).ok();
    let loaded =
        loaded.unwrap_or_else(|e| panic!("{:#?}", &e.diagnostics[..e.diagnostics.len().min(3)]));
    assert_eq!(loaded.topology.virtual_networks.len(), 200);
    let ratio = peak as f64 / text.len() as f64;
    assert!(
        ratio < 14.0,
        "loading {} bytes peaked at {peak} bytes live (x{ratio:.1})",
        text.len()
    );
}

/// Checking a Terraform configuration of many landing zones — loading it, the engine, every
/// rule — holds at most 14 times its text at once. The operations' traces are most of what
/// the rules add to the model: hops that carried every rarely set field inline, and their own
/// copies of the place and the NSG rule they cite, made it over 15 times.
#[test]
fn checking_terraform_peaks_under_14_times_the_input() {
    let _alone = alone();
    let dir = std::env::temp_dir().join(format!("moat-peak-check-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let text = terraform_estate(200);
    std::fs::write(dir.join("main.tf"), &text).unwrap();
    let (peak, findings) = peak_of(|| {
        let loaded = moat_ingest::load(&dir, None)
            .unwrap_or_else(|e| panic!("{:#?}", &e.diagnostics[..e.diagnostics.len().min(3)]));
        let e = Engine::for_topology(&loaded.topology, None).unwrap();
        let variants = moat_model::presence::variants(&loaded.topology);
        let cx = moat_rules::Context::new(&e);
        moat_rules::check::run_variants(&cx, &variants, &Default::default()).len()
    });
    std::fs::remove_dir_all(&dir).ok();
    // Four findings a zone (EXF001, EXF002, EXF003, WS005): the rules ran.
    assert_eq!(findings, 800);
    let ratio = peak as f64 / text.len() as f64;
    assert!(
        ratio < 14.0,
        "checking {} bytes peaked at {peak} bytes live (x{ratio:.1})",
        text.len()
    );
}

/// `copies` spokes, each with its own key vault `kv-K` and two private endpoints given by full
/// id: one to the key vault of that name in resource group `rg-shared` (a namesake of the
/// declared one), one to a key vault `ext-K` nobody declares (an external target).
fn namesake_spokes_tf(copies: usize) -> String {
    let mut o = String::new();
    for k in 0..copies {
        let shared = |v: &str| {
            format!(
                "/subscriptions/9b2e4a71-3c5d-4f80-a1b2-c3d4e5f60718/resourceGroups/rg-shared/providers/Microsoft.KeyVault/vaults/{v}"
            )
        };
        let _ = write!(
            o,
            r#"
resource "azurerm_resource_group" "rg_{k}" {{
  name     = "rg-team-{k}"
  location = "eastus"
}}
resource "azurerm_virtual_network" "vnet_{k}" {{
  name                = "vnet-{k}"
  location            = "eastus"
  resource_group_name = azurerm_resource_group.rg_{k}.name
  address_space       = ["10.{a}.{b}.0/24"]
}}
resource "azurerm_subnet" "pe_{k}" {{
  name                 = "pe"
  resource_group_name  = azurerm_resource_group.rg_{k}.name
  virtual_network_name = azurerm_virtual_network.vnet_{k}.name
  address_prefixes     = ["10.{a}.{b}.0/26"]
}}
resource "azurerm_key_vault" "kv_{k}" {{
  name                          = "kv-{k}"
  location                      = "eastus"
  resource_group_name           = azurerm_resource_group.rg_{k}.name
  tenant_id                     = "9b2e4a71-3c5d-4f80-a1b2-c3d4e5f60718"
  sku_name                      = "standard"
  public_network_access_enabled = false
}}
resource "azurerm_private_endpoint" "shared_{k}" {{
  name                = "shared-pe-{k}"
  location            = "eastus"
  resource_group_name = azurerm_resource_group.rg_{k}.name
  subnet_id           = azurerm_subnet.pe_{k}.id
  private_service_connection {{
    name                           = "shared-{k}"
    private_connection_resource_id = "{namesake}"
    subresource_names              = ["vault"]
    is_manual_connection           = false
  }}
}}
resource "azurerm_private_endpoint" "ext_{k}" {{
  name                = "ext-pe-{k}"
  location            = "eastus"
  resource_group_name = azurerm_resource_group.rg_{k}.name
  subnet_id           = azurerm_subnet.pe_{k}.id
  private_service_connection {{
    name                           = "ext-{k}"
    private_connection_resource_id = "{external}"
    subresource_names              = ["vault"]
    is_manual_connection           = false
  }}
}}
"#,
            a = 1 + k / 256,
            b = k % 256,
            namesake = shared(&format!("kv-{k}")),
            external = shared(&format!("ext-{k}")),
        );
    }
    o
}

/// The same spokes as an ARM template, the endpoints' targets given by `resourceId()` in
/// resource group `rg-shared`.
fn namesake_spokes_arm(copies: usize) -> String {
    let mut res = Vec::new();
    for k in 0..copies {
        let (a, b) = (1 + k / 256, k % 256);
        res.push(format!(
            r#"{{ "type": "Microsoft.Network/virtualNetworks", "apiVersion": "2023-09-01", "name": "vnet-{k}", "location": "eastus",
  "properties": {{ "addressSpace": {{ "addressPrefixes": ["10.{a}.{b}.0/24"] }},
    "subnets": [{{ "name": "pe", "properties": {{ "addressPrefix": "10.{a}.{b}.0/26" }} }}] }} }}"#
        ));
        res.push(format!(
            r#"{{ "type": "Microsoft.KeyVault/vaults", "apiVersion": "2023-07-01", "name": "kv-{k}", "location": "eastus",
  "properties": {{ "tenantId": "[subscription().tenantId]", "sku": {{ "family": "A", "name": "standard" }}, "publicNetworkAccess": "Disabled" }} }}"#
        ));
        for (pe, vault) in [("shared", format!("kv-{k}")), ("ext", format!("ext-{k}"))] {
            res.push(format!(
                r#"{{ "type": "Microsoft.Network/privateEndpoints", "apiVersion": "2023-09-01", "name": "{pe}-pe-{k}", "location": "eastus",
  "dependsOn": ["[resourceId('Microsoft.Network/virtualNetworks', 'vnet-{k}')]"],
  "properties": {{ "subnet": {{ "id": "[resourceId('Microsoft.Network/virtualNetworks/subnets', 'vnet-{k}', 'pe')]" }},
    "privateLinkServiceConnections": [{{ "name": "{pe}-{k}", "properties": {{
      "privateLinkServiceId": "[resourceId('rg-shared', 'Microsoft.KeyVault/vaults', '{vault}')]", "groupIds": ["vault"] }} }}] }} }}"#
            ));
        }
    }
    format!(
        r#"{{ "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#", "contentVersion": "1.0.0.0", "resources": [{}] }}"#,
        res.join(",\n")
    )
}

/// Private endpoints whose targets are given by full id, in another resource group: each is
/// matched to a declared resource of its type and name by one lookup (it used to compare the
/// id with every declared id, and the names of external targets with every endpoint's), and
/// none is dropped. Terraform and ARM alike.
#[test]
fn endpoints_to_namesakes_grow_linearly() {
    let _alone = alone();
    let dir = std::env::temp_dir().join(format!("moat-indexed-namesakes-{}", std::process::id()));
    for (form, file, write) in [
        (
            "terraform",
            "main.tf",
            namesake_spokes_tf as fn(usize) -> String,
        ),
        ("arm", "azuredeploy.json", namesake_spokes_arm),
    ] {
        let run = |copies: usize| {
            let d = dir.join(format!("{form}-{copies}"));
            std::fs::create_dir_all(&d).unwrap();
            std::fs::write(d.join(file), write(copies)).unwrap();
            allocations(|| {
                let loaded = moat_ingest::load(&d, None).unwrap_or_else(|e| {
                    panic!("{:#?}", &e.diagnostics[..e.diagnostics.len().min(3)])
                });
                assert_eq!(
                    loaded.topology.private_endpoints.len(),
                    2 * copies,
                    "{form}"
                );
                let e = Engine::for_topology(&loaded.topology, None).unwrap();
                let cx = moat_rules::Context::new(&e);
                let sel = moat_rules::check::Selection::default();
                std::hint::black_box(moat_rules::check::run(&cx, &sel));
            })
        };
        let (small, double) = (run(100), run(200));
        grows_linearly(&format!("{form} namesakes"), small, double);
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// An ARM template of `n` VNets and `n` NSGs, each with one child declared as a resource of
/// its own (a `virtualNetworks/subnets`, a `networkSecurityGroups/securityRules`).
fn children_apart_arm(n: usize) -> String {
    let mut res = Vec::with_capacity(4 * n);
    for k in 0..n {
        let (a, b) = (k / 256, k % 256);
        res.push(format!(
            r#"{{ "type": "Microsoft.Network/virtualNetworks", "apiVersion": "2023-09-01", "name": "vnet-{k}", "location": "eastus",
  "properties": {{ "addressSpace": {{ "addressPrefixes": ["10.{a}.{b}.0/24"] }} }} }}"#
        ));
        res.push(format!(
            r#"{{ "type": "Microsoft.Network/networkSecurityGroups", "apiVersion": "2023-09-01", "name": "nsg-{k}", "location": "eastus", "properties": {{}} }}"#
        ));
        res.push(format!(
            r#"{{ "type": "Microsoft.Network/virtualNetworks/subnets", "apiVersion": "2023-09-01", "name": "vnet-{k}/pe",
  "dependsOn": ["[resourceId('Microsoft.Network/virtualNetworks', 'vnet-{k}')]"],
  "properties": {{ "addressPrefix": "10.{a}.{b}.0/26" }} }}"#
        ));
        res.push(format!(
            r#"{{ "type": "Microsoft.Network/networkSecurityGroups/securityRules", "apiVersion": "2023-09-01", "name": "nsg-{k}/deny-{k}",
  "dependsOn": ["[resourceId('Microsoft.Network/networkSecurityGroups', 'nsg-{k}')]"],
  "properties": {{ "priority": 100, "direction": "Outbound", "access": "Deny", "protocol": "Tcp",
    "sourceAddressPrefix": "*", "sourcePortRange": "*", "destinationAddressPrefix": "Internet", "destinationPortRange": "{port}" }} }}"#,
            port = 1 + k % 60_000
        ));
    }
    format!(
        r#"{{ "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#", "contentVersion": "1.0.0.0", "resources": [{}] }}"#,
        res.join(",\n")
    )
}

/// Child resources declared on their own (as above; every Terraform `azurerm_subnet` too)
/// join their parent through an index of parents built once. Each child used to collect the
/// names of every parent of its kind and scan them: the bytes that took grew with children
/// times parents. Loading twice the template asks for about twice the bytes, and every child
/// still finds its own parent.
#[test]
fn children_join_parents_by_index() {
    let _alone = alone();
    let dir = std::env::temp_dir().join(format!("moat-indexed-children-{}", std::process::id()));
    let run = |n: usize| {
        let d = dir.join(n.to_string());
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join("azuredeploy.json"), children_apart_arm(n)).unwrap();
        let mut loaded = None;
        let (_, bytes) = allocations_and_bytes(|| {
            loaded =
                Some(moat_ingest::load(&d, None).unwrap_or_else(|e| {
                    panic!("{:#?}", &e.diagnostics[..e.diagnostics.len().min(3)])
                }));
        });
        let t = &loaded.unwrap().topology;
        assert_eq!(t.virtual_networks.len(), n);
        for (k, v) in t.virtual_networks.iter().enumerate() {
            let subnets: Vec<&str> = v.subnets.iter().map(|s| s.name.as_str()).collect();
            assert_eq!((v.name.clone(), subnets), (format!("vnet-{k}"), vec!["pe"]));
        }
        for (k, g) in t.network_security_groups.iter().enumerate() {
            let rules: Vec<&str> = g.rules.iter().map(|r| r.name.as_str()).collect();
            assert_eq!(rules, [format!("deny-{k}")], "{}", g.name);
        }
        bytes
    };
    let (small, double) = (run(2_500), run(5_000));
    std::fs::remove_dir_all(&dir).ok();
    grows_linearly("bytes asked for loading children apart", small, double);
}
