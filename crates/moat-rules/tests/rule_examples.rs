//! Each rule's documentation against its behaviour: the example `moat rule CODE` shows is a
//! deployment a user can run, on which the rule fires; and what the rule declares of its fix
//! (as code or in prose) is held to what its findings carry there.

use moat_engine::Engine;
use moat_rules::check::{Selection, run_variants};
use moat_rules::{Context, Finding, FixForm, RuleDoc, all};
use std::collections::BTreeSet;

/// The rule's findings on its own example, as `check` reports them (the deployment and each
/// variant of what it leaves open); `None` when the example does not load on its own.
fn on_example(d: &RuleDoc) -> Option<Vec<Finding>> {
    let t = moat_ingest::parse_native_str("example.yaml", d.example).ok()?;
    let e = Engine::for_topology(&t, None).ok()?;
    let cx = Context::new(&e);
    let sel = Selection {
        select: vec![d.code.to_string()],
        ..Default::default()
    };
    let v = run_variants(&cx, &moat_model::presence::variants(&t), &sel);
    Some(v.into_iter().filter(|f| f.code == d.code).collect())
}

/// The rules whose example is not a deployment that loads on its own, each with the reason.
/// The list is exact: a rule whose example comes to load and fire must leave it.
const NOT_RUNNABLE: &[(&str, &str)] = &[
    // Past the limit is 201 resources in one definition: too long to show.
    (
        "EXF009",
        "a policy definition listing more than 200 resources",
    ),
    // Invariants are declared in moat.toml, next to the deployment, not in it.
    ("INV001", "an invariant of moat.toml"),
    ("INV002", "an invariant of moat.toml"),
];

#[test]
fn each_rules_example_is_a_deployment_on_which_it_fires() {
    let exceptions: BTreeSet<&str> = NOT_RUNNABLE.iter().map(|(c, _)| *c).collect();
    let mut wrong = Vec::new();
    for rule in all() {
        let d = rule.doc();
        let fires = on_example(d).is_some_and(|f| !f.is_empty());
        match (fires, exceptions.contains(d.code)) {
            (false, false) => wrong.push(format!(
                "{}: its example does not load on its own, or the rule does not fire on it",
                d.code
            )),
            (true, true) => wrong.push(format!(
                "{}: its example loads and fires: take it out of NOT_RUNNABLE",
                d.code
            )),
            _ => {}
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn each_rule_gives_its_fix_in_the_form_it_declares() {
    let mut checked = 0usize;
    let mut wrong = Vec::new();
    for rule in all() {
        let d = rule.doc();
        if let FixForm::Prose(why) = d.fix_form {
            // One short sentence, shown after "Fix in prose: ".
            assert!(
                !why.is_empty() && !why.ends_with('.') && why.len() <= 120,
                "{}: the reason is one short sentence without its full stop: {why}",
                d.code
            );
        }
        let Some(found) = on_example(d) else { continue };
        if found.is_empty() {
            continue;
        }
        checked += 1;
        let typed = found.iter().filter(|f| !f.changes.is_empty()).count();
        match d.fix_form {
            FixForm::Code if typed == 0 => wrong.push(format!(
                "{}: declared as code, but none of its {} findings on its example carries a change",
                d.code,
                found.len()
            )),
            FixForm::Prose(_) if typed > 0 => wrong.push(format!(
                "{}: declared as prose, but {typed} of its findings on its example carry a change",
                d.code
            )),
            _ => {}
        }
    }
    assert!(
        checked >= 79,
        "only {checked} rules' examples load and fire"
    );
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
