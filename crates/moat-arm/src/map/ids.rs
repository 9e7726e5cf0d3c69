//! Reading ARM ids: canonical form, parent, type, resource group.

/// Canonical form of an id, for comparisons (ARM ids are case-insensitive).
pub fn canonical_id(id: &str) -> String {
    id.trim().trim_end_matches('/').to_lowercase()
}

/// The id of the parent of a child resource id (`…/virtualNetworks/v/subnets/s` → `…/virtualNetworks/v`).
pub(super) fn parent_id(id: &str) -> Option<String> {
    let t = id.trim_end_matches('/');
    let (rest, _) = t.rsplit_once('/')?;
    let (rest, _) = rest.rsplit_once('/')?;
    Some(rest.to_string())
}

pub(super) fn last_segment(name: &str) -> String {
    name.rsplit('/').next().unwrap_or(name).to_string()
}

/// The resource type named by an id (`Microsoft.Storage/storageAccounts`).
pub fn type_of_id(id: &str) -> Option<String> {
    let lower = id.to_ascii_lowercase();
    let pos = lower.rfind("/providers/")?;
    let rest = &id[pos + "/providers/".len()..];
    let segs: Vec<&str> = rest.split('/').collect();
    let mut t = segs.first()?.to_string();
    let mut i = 1;
    while i < segs.len() {
        t.push('/');
        t.push_str(segs[i]);
        i += 2;
    }
    Some(t)
}

/// The resource group named in an id.
pub(crate) fn resource_group_of(id: &str) -> Option<String> {
    let lower = id.to_ascii_lowercase();
    let pos = lower.find("/resourcegroups/")? + "/resourcegroups/".len();
    id[pos..].split('/').next().map(String::from)
}
