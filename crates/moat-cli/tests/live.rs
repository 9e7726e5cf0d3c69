//! A live export on the command line: recognised without a flag, and bad input reported with
//! file, line and column, exit code 2.

use std::process::Command;

fn moat(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_moat"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn a_resource_without_type_is_located_and_exits_2() {
    let d = std::env::temp_dir().join(format!("moat-cli-live-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    let f = d.join("estate.json");
    std::fs::write(
        &f,
        "{\"count\": 1, \"data\": [\n  {\"id\": \"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/a\", \"type\": \"microsoft.storage/storageaccounts\"},\n  {\"id\": \"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/b\"}\n], \"skip_token\": null, \"total_records\": 2}",
    )
    .unwrap();
    let out = moat(&["validate", f.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("estate.json:3:3"), "{err}");
    assert!(err.contains("without `type`"), "{err}");
    // Not JSON at all, forced through the live reader.
    std::fs::write(&f, "[{\"id\": \"/subscriptions/s\"}\n  {\"type\": \"t\"}]").unwrap();
    let out = moat(&["validate", "--input-format", "live", f.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("estate.json:2:"), "{err}");
    std::fs::remove_dir_all(&d).ok();
}

#[test]
fn a_live_form_is_checked_with_its_side_file() {
    let dir = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/private-registry/live"
    );
    let out = moat(&["validate", dir]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("valid live input"), "{text}");
}
