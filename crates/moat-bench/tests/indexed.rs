//! Every pass over resources is indexed: each test below runs a pass on a generated estate
//! large enough that the scan it replaced (a search per lookup, a copy of an index per
//! reference) would run for minutes, or counts the allocations of a whole pipeline at two sizes
//! and checks they grow linearly. No test here measures time.

use moat_bench::{Spec, estate, terraform_estate};
use moat_engine::Engine;
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::fmt::Write;

/// Counts the allocations made by the current thread (tests run on threads of their own).
struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

fn count() {
    let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
}

// SAFETY: every call is forwarded unchanged to the system allocator.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count();
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Allocations made by `f` on this thread.
fn allocations(f: impl FnOnce()) -> u64 {
    let before = ALLOCATIONS.with(Cell::get);
    f();
    ALLOCATIONS.with(Cell::get) - before
}

/// Asserts that doubling the input less than 2.4-folds the allocations (linear work gives
/// about 2; work per pair of resources gives nearly 4).
fn grows_linearly(what: &str, small: u64, double: u64) {
    let ratio = double as f64 / small as f64;
    assert!(
        ratio < 2.4,
        "{what}: {small} allocations, {double} at twice the size (x{ratio:.2}): not linear"
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
