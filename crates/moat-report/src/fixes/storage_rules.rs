//! A virtual network rule added to a storage account's firewall in Terraform: the subnet's id
//! (a reference to its `azurerm_subnet`) appended to `virtual_network_subnet_ids`, in the
//! account's `network_rules` block or in the `azurerm_storage_account_network_rules` resource
//! of the account, whichever writes its rules.

use super::endpoint::tf_ref;
use super::{Snippet, Target, edit};

/// The `azurerm_storage_account_network_rules` block of the account (a reference) in `src`:
/// its offset and length.
fn rules_resource(src: &moat_doc::SourceFile, account: &str) -> Option<(usize, usize)> {
    let head = "resource \"azurerm_storage_account_network_rules\"";
    let id = format!("{account}.id");
    let mut found = src.text.match_indices(head).filter_map(|(i, _)| {
        let len = edit::hcl_block_len(&src.text, i)?;
        let written = edit::hcl_attribute(src, i, len, "storage_account_id")?;
        (written == id).then_some((i, len))
    });
    // Two resources for one account: which one Terraform keeps is not the fix's to say.
    match (found.next(), found.next()) {
        (Some(one), None) => Some(one),
        _ => None,
    }
}

/// The subnet's reference appended to the account's `virtual_network_subnet_ids` where its
/// rules are written, the account and the subnet's block declared in one module.
pub(super) fn vnet_rule(t: &Target, subnet: &Target) -> Option<Snippet> {
    let (module, account) = tf_ref(&t.at.pointer)?;
    // A block of several instances (`count`, `for_each`) would change them all.
    if account.contains('[') {
        return None;
    }
    let (sm, sn) = tf_ref(&subnet.at.pointer)?;
    // A subnet written inside its VNet's block has no id of its own to refer to.
    if sm != module
        || !sn.starts_with("azurerm_subnet.")
        || !account.starts_with("azurerm_storage_account.")
    {
        return None;
    }
    let src = t.src.filter(|s| s.name.ends_with(".tf"))?;
    let added = format!("{sn}.id");
    // Where the rules are written: the account's own block, or the rules resource.
    let inline = edit::hcl_nested_attribute(
        src,
        t.at.offset,
        t.at.len,
        "network_rules",
        "default_action",
    )
    .is_some();
    let (offset, len, path, shown): (usize, usize, Vec<&str>, String) = if inline {
        (
            t.at.offset,
            t.at.len,
            vec!["network_rules", "virtual_network_subnet_ids"],
            account.to_string(),
        )
    } else {
        let (o, l) = rules_resource(src, account)?;
        let head = &src.text[o..];
        let label = head
            .split('"')
            .nth(3)
            .map(|n| format!("azurerm_storage_account_network_rules.{n}"))?;
        (o, l, vec!["virtual_network_subnet_ids"], label)
    };
    let written = if inline {
        edit::hcl_nested_attribute(
            src,
            offset,
            len,
            "network_rules",
            "virtual_network_subnet_ids",
        )
        .map(|(o, l)| &src.text[o..o + l])
    } else {
        edit::hcl_attribute(src, offset, len, "virtual_network_subnet_ids")
    };
    let value = match written.map(str::trim) {
        Some(w) => {
            let items = edit::hcl_list_items(w)?;
            let all: Vec<&str> = items.into_iter().chain([added.as_str()]).collect();
            format!("[{}]", all.join(", "))
        }
        None => format!("[{added}]"),
    };
    let text = match path.as_slice() {
        [block, attr] => format!("# {shown}\n{block} {{\n  {attr} = {value}\n}}\n"),
        _ => format!("# {shown}\nvirtual_network_subnet_ids = {value}\n"),
    };
    let edits = edit::hcl_edit(src, offset, len, &[(path, value)]);
    Some(Snippet {
        input: "terraform",
        language: "hcl",
        text,
        edits: edits.unwrap_or_default(),
    })
}
