//! Sharing declared in a deployment: a registry's model or data version whose asset URI
//! points into a workspace's datastore (or its storage account) is an asset shared from that
//! workspace to the registry (seed "Network isolation with registries", "Share assets from
//! workspace to registry": the registry reads the asset from the workspace's storage).

use super::*;

/// Where a shared asset is read from.
pub(super) enum ShareFrom {
    /// A workspace, named in an `azureml://.../workspaces/<name>/datastores/...` URI.
    Workspace(String),
    /// A storage account, named in a `https://<account>.blob.core.windows.net/...` URI.
    Storage(String),
}

/// The asset kind of a registry asset version type, and the property holding its URI.
fn asset_of(rtype: &str) -> Option<(AssetKind, &'static str)> {
    match rtype.to_ascii_lowercase().as_str() {
        "microsoft.machinelearningservices/registries/models/versions" => {
            Some((AssetKind::Model, "modelUri"))
        }
        "microsoft.machinelearningservices/registries/data/versions" => {
            Some((AssetKind::Data, "dataUri"))
        }
        _ => None,
    }
}

/// Whether a resource type is a registry asset version that may declare a share.
pub(super) fn is_asset_version(rtype: &str) -> bool {
    asset_of(rtype).is_some()
}

/// Where an asset URI reads from, if it is a workspace's datastore or a storage account.
fn source_of(uri: &str) -> Option<ShareFrom> {
    let lower = uri.to_ascii_lowercase();
    if lower.starts_with("azureml://") {
        // `to_ascii_lowercase` keeps byte offsets: the name is taken as written.
        let parts: Vec<&str> = uri["azureml://".len()..].split('/').collect();
        let ws = parts
            .iter()
            .position(|p| p.eq_ignore_ascii_case("workspaces"))?;
        let name = parts.get(ws + 1).filter(|n| !n.is_empty())?;
        // Only a datastore path is data the workspace holds.
        let datastore = parts.get(ws + 2)?.eq_ignore_ascii_case("datastores");
        datastore.then(|| ShareFrom::Workspace(name.to_string()))
    } else {
        let host = lower
            .strip_prefix("https://")
            .or_else(|| {
                lower
                    .strip_prefix("wasbs://")
                    .map(|r| r.split('@').nth(1).unwrap_or(""))
            })?
            .split('/')
            .next()?;
        let account = host.strip_suffix(".blob.core.windows.net")?;
        (!account.is_empty() && !account.contains('.')).then(|| ShareFrom::Storage(account.into()))
    }
}

/// The share a registry asset version declares, if its URI reads from a workspace.
pub(super) fn registry_asset(res: &ArmResource, rec: &mut Rec) -> Option<Payload> {
    let (asset, key) = asset_of(&res.rtype)?;
    let uri = rec.str(&res.properties, &[key], "asset_uri")?;
    let from = source_of(&uri)?;
    let registry = res.name.split('/').next().unwrap_or_default().to_string();
    Some(Payload::Share(
        from,
        ShareIntent {
            registry,
            assets: vec![asset],
        },
    ))
}

/// Adds the shares to the workspaces they come from; a workspace the template does not
/// deploy is recorded, as a reference outside the template is.
pub(super) fn attach(t: &mut Topology, ctx: &mut MapContext, shares: Vec<Pending>) {
    for pd in shares {
        let Payload::Share(from, share) = pd.payload else {
            continue;
        };
        let registry = ctx
            .resolve(&share.registry, &[Kind::Registry])
            .map(|x| x.name)
            .unwrap_or(share.registry.clone());
        let found = match &from {
            ShareFrom::Workspace(w) => t
                .workspaces
                .iter()
                .position(|x| x.name.eq_ignore_ascii_case(w)),
            ShareFrom::Storage(s) => t.workspaces.iter().position(|x| {
                x.storage_account
                    .as_deref()
                    .is_some_and(|a| a.eq_ignore_ascii_case(s))
            }),
        };
        let Some(i) = found else {
            let what = match &from {
                ShareFrom::Workspace(w) => format!("workspace `{w}`"),
                ShareFrom::Storage(s) => format!("a workspace whose storage is `{s}`"),
            };
            dangling(
                t,
                ctx,
                resource_label(&pd.res.rtype, &pd.res.name),
                "asset_uri",
                format!(
                    "its asset is read from {what}, which {} does not {}",
                    ctx.input.this(),
                    ctx.input.deploy()
                ),
                &pd.res.at,
                "the share is not checked",
            );
            continue;
        };
        let w = &mut t.workspaces[i];
        match w.shares_to.iter_mut().find(|s| s.registry == registry) {
            Some(s) => {
                for a in share.assets {
                    if !s.assets.contains(&a) {
                        s.assets.push(a);
                    }
                }
            }
            None => w.shares_to.push(ShareIntent {
                registry,
                assets: share.assets,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{ShareFrom, source_of};

    #[test]
    fn asset_uris_that_read_from_a_workspace() {
        let w = |u: &str| match source_of(u) {
            Some(ShareFrom::Workspace(w)) => Some(w),
            _ => None,
        };
        assert_eq!(
            w(
                "azureml://subscriptions/s/resourcegroups/rg/workspaces/WS1/datastores/workspaceblobstore/paths/model/"
            ),
            Some("WS1".into())
        );
        assert_eq!(w("azureml://registries/r/models/m/versions/1"), None);
        assert_eq!(w("azureml://datastores/d/paths/x"), None);
        assert!(matches!(
            source_of("https://wsstore.blob.core.windows.net/c/model.pkl"),
            Some(ShareFrom::Storage(s)) if s == "wsstore"
        ));
        assert!(source_of("https://example.com/model.pkl").is_none());
    }
}
