//! The ids of the operations of the catalog (rules.md, "Operations"), shared by `ops`, the
//! rules that own an operation's requirements, and the reports. Clients declare the
//! operations they perform by these names (`operations: [studio.open]`).

use serde::{Serialize, Serializer};
use std::fmt;

macro_rules! op_ids {
    ($($(#[$m:meta])* $v:ident = $s:literal,)*) => {
        /// An operation people perform with Azure ML.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum OpId {
            $($(#[$m])* $v,)*
        }

        impl OpId {
            /// Every operation id, in declaration order.
            pub const ALL: &'static [OpId] = &[$(OpId::$v,)*];

            /// The id as written in inputs and reports (`studio.open`).
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(OpId::$v => $s,)*
                }
            }
        }
    };
}

op_ids! {
    StudioOpen = "studio.open",
    StudioData = "studio.data",
    SdkConnect = "sdk.connect",
    ComputeCreate = "compute.create",
    JobRun = "job.run",
    JobRegistryAsset = "job.registry-asset",
    ImageBuild = "image.build",
    RegistryCreateFromLocal = "registry.create-from-local",
    /// Creating an environment asset in a registry: declared by clients, it has no flows of
    /// its own beyond `registry.create-from-local`; REG004 owns its requirement.
    RegistryCreateEnvironment = "registry.create-environment",
    RegistryShareFromWorkspace = "registry.share-from-workspace",
    RegistryDiscover = "registry.discover",
    EndpointDeployFromRegistry = "endpoint.deploy-from-registry",
    EndpointScore = "endpoint.score",
    EndpointOutbound = "endpoint.outbound",
}

impl OpId {
    /// The operation of a name as clients declare it.
    pub fn parse(s: &str) -> Option<OpId> {
        OpId::ALL.iter().copied().find(|o| o.as_str() == s)
    }

    /// Whether the operation acts on a registry.
    pub fn is_registry(self) -> bool {
        self.as_str().starts_with("registry.")
    }
}

impl fmt::Display for OpId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl Serialize for OpId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}
