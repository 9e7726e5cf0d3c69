//! The README's Resource Graph query gathers what moat models: every type it names is one the
//! mapper reads, and every modelled type of the bundled live exports is among them.

use std::collections::BTreeSet;
use std::path::Path;

fn modelled(t: &str) -> bool {
    moat_arm::map::kind_of(t).is_some()
        || moat_arm::map::resource_label(t, "x") != format!("{t}/x")
        || t.eq_ignore_ascii_case("microsoft.containerservice/managedclusters")
}

fn query_types() -> BTreeSet<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let start = readme
        .find("az graph query --first 1000")
        .expect("the query in the README");
    let end = start + readme[start..].find("order by id asc").expect("its end");
    readme[start..end]
        .split('\'')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

#[test]
fn the_readme_query_names_the_modelled_types() {
    let listed = query_types();
    assert!(listed.len() > 40, "{listed:?}");
    for t in &listed {
        assert!(
            modelled(t),
            "the query names `{t}`, which moat does not model"
        );
        assert_eq!(
            t,
            &t.to_ascii_lowercase(),
            "Resource Graph spells types in lower case"
        );
    }
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    for e in std::fs::read_dir(examples).unwrap() {
        let f = e.unwrap().path().join("live/resources.json");
        let Ok(text) = std::fs::read_to_string(&f) else {
            continue;
        };
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        for r in v["data"].as_array().unwrap() {
            let t = r["type"].as_str().unwrap().to_ascii_lowercase();
            if modelled(&t) {
                assert!(
                    listed.contains(&t),
                    "{}: `{t}` is missing from the query",
                    f.display()
                );
            }
        }
    }
}
