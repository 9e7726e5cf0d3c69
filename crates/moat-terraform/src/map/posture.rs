//! Security posture attributes: the workspace's two public access switches and identity, local
//! authentication of computes, shared keys and TLS of storage, anonymous pull of registries.

use super::{Mapper, at};
use crate::value::ResObj;
use moat_model::Unknown;
use moat_model::enums::{IdentityType, PublicNetworkAccess};
use moat_model::ml::{PUBLIC_ACCESS_CONFLICT, public_access_of};

impl Mapper<'_> {
    /// `public_network_access_enabled` and the legacy `public_access_behind_virtual_network_enabled`
    /// (azurerm's name for `allowPublicAccessWhenBehindVnet`), combined as Azure applies them.
    pub(super) fn workspace_public_access(
        &mut self,
        o: &ResObj,
        res: &str,
    ) -> (PublicNetworkAccess, Option<bool>) {
        let set = self
            .b(
                o,
                "public_network_access_enabled",
                res,
                "public_network_access",
            )
            .map(|b| {
                if b {
                    PublicNetworkAccess::Enabled
                } else {
                    PublicNetworkAccess::Disabled
                }
            });
        let legacy = self.b(
            o,
            "public_access_behind_virtual_network_enabled",
            res,
            "public_network_access",
        );
        match public_access_of(set, legacy) {
            Some(v) => (v, legacy),
            None => {
                self.t.unknowns.push(Unknown {
                    resource: res.to_string(),
                    field: "public_network_access".into(),
                    reason: PUBLIC_ACCESS_CONFLICT.into(),
                    at: at(o),
                });
                // A workspace that may be public is never shown as private.
                (PublicNetworkAccess::Enabled, legacy)
            }
        }
    }

    /// The `identity` block's type and `identity_ids`, and `primary_user_assigned_identity`.
    pub(super) fn workspace_identity(
        &mut self,
        o: &ResObj,
        res: &str,
    ) -> (Option<IdentityType>, Option<String>, Vec<String>) {
        let block = self.block(o, "identity", res);
        let kind = block.as_ref().and_then(|i| {
            self.enum_of(
                i,
                "type",
                res,
                "identity",
                IdentityType::parse,
                IdentityType::NAMES,
            )
        });
        let users = block.map_or_else(Vec::new, |i| {
            self.strs(&i, "identity_ids", res, "user_assigned_identities")
        });
        let primary = self.s(
            o,
            "primary_user_assigned_identity",
            res,
            "primary_user_assigned_identity",
        );
        (kind, primary, users)
    }

    /// `local_auth_enabled` of a compute (azurerm's default: true), as `disable_local_auth`.
    pub(super) fn compute_local_auth_disabled(&mut self, o: &ResObj, res: &str) -> bool {
        self.b(o, "local_auth_enabled", res, "disable_local_auth")
            .is_some_and(|b| !b)
    }

    /// `shared_access_key_enabled` (default true) and `min_tls_version` (azurerm sends `TLS1_2`
    /// when it is not written).
    pub(super) fn storage_keys_and_tls(&mut self, o: &ResObj, res: &str) -> (bool, Option<String>) {
        let shared = self
            .b(
                o,
                "shared_access_key_enabled",
                res,
                "allow_shared_key_access",
            )
            .unwrap_or(true);
        let tls = match super::get(o, "min_tls_version") {
            None => Some("TLS1_2".to_string()),
            Some(_) => self.s(o, "min_tls_version", res, "minimum_tls_version"),
        };
        (shared, tls)
    }

    /// `allow_nested_items_to_be_public` of a storage account: azurerm sends true when it is
    /// not written.
    pub(super) fn storage_blob_public_access(&mut self, o: &ResObj, res: &str) -> bool {
        self.b(
            o,
            "allow_nested_items_to_be_public",
            res,
            "allow_blob_public_access",
        )
        .unwrap_or(true)
    }

    /// `anonymous_pull_enabled` of a container registry (default false).
    pub(super) fn acr_anonymous_pull(&mut self, o: &ResObj, res: &str) -> bool {
        self.b(o, "anonymous_pull_enabled", res, "anonymous_pull_enabled")
            .unwrap_or(false)
    }
}
