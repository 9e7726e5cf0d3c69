//! A rule's fixes read back on one input: every finding of the rule carries a snippet in the
//! input's language, the edits applied remove them all, and no error appears that was not
//! reported before.

use super::*;

/// The errors of a `moat check` result, as (code, resource).
pub fn errors(v: &Value) -> BTreeSet<(String, String)> {
    findings(v)
        .iter()
        .filter(|f| f["severity"] == "error")
        .map(key)
        .collect()
}

/// The snippets in `form` of a finding.
pub fn snippets<'a>(f: &'a Value, form: &str) -> Vec<&'a Value> {
    f["fix_code"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|s| s["input"] == form)
        .collect()
}

/// `moat check` on the input in `dir`: the findings of `code` (there are some) each carry a
/// snippet in `form`, their edits applied, `moat check` again reports none of them and no new
/// error. Returns the findings of `code` before the fix.
pub fn fixed_in(dir: &Path, input: &str, code: &str, form: &str) -> Vec<Value> {
    let before = check(dir, input, &[]);
    let selected = check(dir, input, &["--select", code]);
    let mine = findings(&selected).clone();
    assert!(!mine.is_empty(), "{form}: no {code}:\n{before:#}");
    for f in &mine {
        assert!(
            !snippets(f, form).is_empty(),
            "{form}: {code} has no snippet:\n{f:#}"
        );
    }
    let applied = apply_edits(dir, &selected);
    assert!(
        !applied.is_empty(),
        "{form}: {code} has no edit:\n{selected:#}"
    );
    let after = check(dir, input, &[]);
    let left: BTreeSet<(String, String)> = findings(&after).iter().map(key).collect();
    for f in &mine {
        let k = key(f);
        assert!(
            !left.contains(&k),
            "{form}: {k:?} is still reported:\n{after:#}"
        );
    }
    let new: Vec<_> = errors(&after)
        .difference(&errors(&before))
        .cloned()
        .collect();
    assert!(new.is_empty(), "{form}: new errors {new:?}:\n{after:#}");
    mine
}
