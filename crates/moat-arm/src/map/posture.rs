//! Security posture settings of ARM resources: the workspace's two public access switches and
//! identity, local authentication and idle shutdown of computes, shared keys and TLS of storage,
//! anonymous pull of container registries.

use super::{ArmResource, F, Rec, at, json_bool, json_text, pna};
use moat_model::enums::{IdentityType, PublicNetworkAccess};
use moat_model::ml::{PUBLIC_ACCESS_CONFLICT, public_access_of};
use serde_json::Value as Json;

/// The workspace's public network access from `publicNetworkAccess` and the legacy
/// `allowPublicAccessWhenBehindVnet`, with the legacy switch as written.
pub(super) fn workspace_public_access(
    p: &Json,
    rec: &mut Rec,
) -> (PublicNetworkAccess, Option<bool>) {
    let set = rec.opt_enm(p, &["publicNetworkAccess"], "public_network_access", pna);
    let legacy = match at(p, &["allowPublicAccessWhenBehindVnet"]) {
        F::Known(v) => {
            let b = json_bool(v);
            if b.is_none() {
                rec.warn(format!(
                    "`allowPublicAccessWhenBehindVnet` of {} is not a boolean",
                    rec.resource
                ));
            }
            b
        }
        F::Unknown(r) => {
            // Which way it goes decides the workspace's exposure.
            rec.unknown("public_network_access", &r);
            None
        }
        F::Absent => None,
    };
    match public_access_of(set, legacy) {
        Some(v) => (v, legacy),
        None => {
            rec.unknown("public_network_access", PUBLIC_ACCESS_CONFLICT);
            // Stored as open: a workspace that may be public is never shown as private.
            (PublicNetworkAccess::Enabled, legacy)
        }
    }
}

/// The workspace's identity kind, its primary user-assigned identity, and its user-assigned
/// identities (the keys of `identity.userAssignedIdentities`).
pub(super) fn workspace_identity(
    res: &ArmResource,
    rec: &mut Rec,
) -> (Option<IdentityType>, Option<String>, Vec<String>) {
    let kind = match res.identity.as_ref().map(|i| at(i, &["type"])) {
        Some(F::Known(v)) => json_text(v).as_deref().and_then(IdentityType::parse),
        Some(F::Unknown(r)) => {
            rec.unknown("identity", &r);
            None
        }
        _ => None,
    };
    let primary = rec
        .str(
            &res.properties,
            &["primaryUserAssignedIdentity"],
            "primary_user_assigned_identity",
        )
        .filter(|s| !s.is_empty());
    let users = match res
        .identity
        .as_ref()
        .map(|i| at(i, &["userAssignedIdentities"]))
    {
        Some(F::Known(Json::Object(m))) => m.keys().cloned().collect(),
        Some(F::Unknown(r)) => {
            rec.unknown("user_assigned_identities", &r);
            Vec::new()
        }
        _ => Vec::new(),
    };
    (kind, primary, users)
}

/// `disableLocalAuth` of a compute (on the compute resource's own properties).
pub(super) fn compute_local_auth_disabled(p: &Json, rec: &mut Rec) -> bool {
    // Unknown reads as enabled, Azure's default and the weaker setting.
    rec.bool(p, &["disableLocalAuth"], "disable_local_auth", false, false)
}

/// `idleTimeBeforeShutdown` of a compute instance (in the inner properties).
pub(super) fn idle_time_before_shutdown(inner: &Json, rec: &mut Rec) -> Option<String> {
    rec.str(
        inner,
        &["idleTimeBeforeShutdown"],
        "idle_time_before_shutdown",
    )
    .filter(|s| !s.is_empty())
}

/// `allowSharedKeyAccess` (null or absent = allowed) and `minimumTlsVersion` of a storage account.
pub(super) fn storage_keys_and_tls(p: &Json, rec: &mut Rec) -> (bool, Option<String>) {
    let shared = rec.bool(
        p,
        &["allowSharedKeyAccess"],
        "allow_shared_key_access",
        true,
        true,
    );
    let tls = rec.str(p, &["minimumTlsVersion"], "minimum_tls_version");
    (shared, tls)
}

/// `allowBlobPublicAccess` of a storage account (absent = false, Azure's default for a new
/// account; unknown = allowed, with the unknown recorded).
pub(super) fn storage_blob_public_access(p: &Json, rec: &mut Rec) -> bool {
    rec.bool(
        p,
        &["allowBlobPublicAccess"],
        "allow_blob_public_access",
        false,
        true,
    )
}

/// `anonymousPullEnabled` of a container registry.
pub(super) fn acr_anonymous_pull(p: &Json, rec: &mut Rec) -> bool {
    rec.bool(
        p,
        &["anonymousPullEnabled"],
        "anonymous_pull_enabled",
        false,
        true,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use moat_model::Provenance;
    use serde_json::json;

    fn rec() -> Rec {
        Rec::new("workspace/ws".into(), &Provenance::default())
    }

    #[test]
    fn legacy_switch_alone_decides_and_a_disagreement_is_unknown() {
        // facts §1.1: the two switches overwrite each other, the last write wins.
        let mut r = rec();
        let (v, l) =
            workspace_public_access(&json!({"allowPublicAccessWhenBehindVnet": true}), &mut r);
        assert_eq!((v, l), (PublicNetworkAccess::Enabled, Some(true)));
        assert!(r.unknowns.is_empty());

        let mut r = rec();
        let both =
            json!({"publicNetworkAccess": "Disabled", "allowPublicAccessWhenBehindVnet": true});
        let (v, _) = workspace_public_access(&both, &mut r);
        assert_eq!(v, PublicNetworkAccess::Enabled, "never shown as private");
        assert_eq!(r.unknowns.len(), 1);
        assert_eq!(r.unknowns[0].field, "public_network_access");

        let mut r = rec();
        let agree =
            json!({"publicNetworkAccess": "Disabled", "allowPublicAccessWhenBehindVnet": false});
        assert_eq!(
            workspace_public_access(&agree, &mut r).0,
            PublicNetworkAccess::Disabled
        );
        assert!(r.unknowns.is_empty());

        let mut r = rec();
        assert_eq!(
            workspace_public_access(&json!({}), &mut r).0,
            PublicNetworkAccess::Enabled
        );
    }

    #[test]
    fn storage_shared_keys_default_to_allowed() {
        let mut r = rec();
        assert_eq!(storage_keys_and_tls(&json!({}), &mut r), (true, None));
        let p = json!({"allowSharedKeyAccess": false, "minimumTlsVersion": "TLS1_2"});
        assert_eq!(
            storage_keys_and_tls(&p, &mut r),
            (false, Some("TLS1_2".into()))
        );
    }
}
