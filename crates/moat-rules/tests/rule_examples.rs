//! Each rule's documentation against its behaviour: the example `moat rule CODE` shows is run
//! as `check` runs it, and what the rule declares of its fix (as code or in prose) is held to
//! what its findings carry.

use moat_engine::Engine;
use moat_rules::check::{Selection, run_variants};
use moat_rules::{Context, Finding, FixForm, RuleDoc, all};

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
