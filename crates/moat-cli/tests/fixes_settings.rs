//! Fixes that set a resource's settings, read back in every language the input is written in:
//! the edit applied, `moat check` no longer reports the finding.

mod readback;

use readback::*;
use std::collections::BTreeSet;
use std::path::Path;

/// Each form of an example of `tests/data/fixes`, with the input `moat check` reads.
fn forms(example: &str) -> [(&'static str, std::path::PathBuf, &'static str); 3] {
    let dir = root()
        .join("crates/moat-cli/tests/data/fixes")
        .join(example);
    [
        ("native", dir.join("native"), "topology.yaml"),
        ("terraform", dir.join("terraform"), "."),
        ("arm", dir.join("arm"), "."),
    ]
}

#[test]
fn trusted_services_remove_st004_in_every_language() {
    // Secure Azure storage accounts, steps 3-4 and tip: a storage account limited to selected
    // networks admits the workspace by a resource instance rule or, as the fix writes it, by
    // letting trusted Azure services through (there is no exception to keep: bypass None).
    for (form, from, input) in forms("st004") {
        let fixed = read_back(|d: &Path| copy_dir(&from, d), input, &["ST004"]);
        assert_eq!(fixed, BTreeSet::from(["ST004".to_string()]), "{form}");
    }
}

#[test]
fn deployment_egress_removes_ep002_ep005_and_reg010() {
    // Network isolation with managed online endpoints (legacy): a deployment of a secure
    // workspace without managed network reaches the workspace and the registry it takes its
    // model from through private endpoints once egress_public_network_access is disabled. The
    // deployment is written in its endpoint's entry, in block and flow style; the fix disables
    // every deployment with public egress.
    let from = root().join("crates/moat-cli/tests/data/fixes/egress");
    let codes = ["EP002", "EP005", "REG010"];
    let fixed = read_back(|d: &Path| copy_dir(&from, d), "topology.yaml", &codes);
    assert_eq!(fixed, codes.iter().map(|c| c.to_string()).collect());
}
