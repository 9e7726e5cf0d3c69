//! Addresses: one syntax naming every endpoint of a flow, in every command and input format.
//!
//! ```text
//! workspace/ws            registry/contosoreg:storage     storage/wsdata:blob
//! subnet/vnet/training    ip:10.0.1.4                     internet
//! fqdn:pypi.org           client/alice                    vm/jumpbox
//! ```

use serde::{Deserialize, Serialize};
use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

/// The kinds of named resources an address can point at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    Workspace,
    Registry,
    Storage,
    Keyvault,
    Acr,
    Compute,
    Vm,
    Aks,
    OnlineEndpoint,
    Client,
    Ampls,
    Firewall,
    PrivateEndpoint,
}

impl Kind {
    /// Every kind.
    pub const ALL: &'static [Kind] = &[
        Kind::Workspace,
        Kind::Registry,
        Kind::Storage,
        Kind::Keyvault,
        Kind::Acr,
        Kind::Compute,
        Kind::Vm,
        Kind::Aks,
        Kind::OnlineEndpoint,
        Kind::Client,
        Kind::Ampls,
        Kind::Firewall,
        Kind::PrivateEndpoint,
    ];

    /// The spelling used in addresses.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Workspace => "workspace",
            Kind::Registry => "registry",
            Kind::Storage => "storage",
            Kind::Keyvault => "keyvault",
            Kind::Acr => "acr",
            Kind::Compute => "compute",
            Kind::Vm => "vm",
            Kind::Aks => "aks",
            Kind::OnlineEndpoint => "online-endpoint",
            Kind::Client => "client",
            Kind::Ampls => "ampls",
            Kind::Firewall => "firewall",
            Kind::PrivateEndpoint => "private-endpoint",
        }
    }

    /// Parses an address kind.
    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.iter().copied().find(|k| k.as_str() == s)
    }

    /// Sub-resources valid after `:` for this kind.
    pub fn sub_resources(self) -> &'static [&'static str] {
        match self {
            Kind::Storage => &["blob", "file", "queue", "table", "dfs", "web"],
            Kind::Registry => &["storage", "acr"],
            Kind::Workspace => &["notebooks"],
            _ => &[],
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A parsed address.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Address {
    /// A named resource, optionally a sub-resource of it.
    Resource {
        kind: Kind,
        name: String,
        sub: Option<String>,
    },
    /// A subnet of a virtual network.
    Subnet { vnet: String, subnet: String },
    /// A single IP address, located by the model (subnet, on-premises, or internet).
    Ip(IpAddr),
    /// A host name, resolved from the source's place.
    Fqdn(String),
    /// The public addresses of a service tag (`tag:AzureMachineLearning`, `tag:Storage.EastUS`),
    /// or, as a source, Azure infrastructure sending from them.
    Tag(String),
    /// Anywhere on the public internet.
    Internet,
}

/// Why an address did not parse.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct AddressError {
    /// What is wrong.
    pub message: String,
    /// How to write it instead.
    pub hint: Option<String>,
}

fn err(message: impl Into<String>, hint: Option<String>) -> AddressError {
    AddressError {
        message: message.into(),
        hint,
    }
}

const FORMS: &str = "expected <kind>/<name>[:<sub-resource>], subnet/<vnet>/<subnet>, ip:<address>, fqdn:<name>, tag:<service tag> or internet";

impl FromStr for Address {
    type Err = AddressError;

    fn from_str(s: &str) -> Result<Self, AddressError> {
        let s = s.trim();
        if s.eq_ignore_ascii_case("internet") {
            return Ok(Address::Internet);
        }
        if let Some(ip) = s.strip_prefix("ip:") {
            return ip.parse().map(Address::Ip).map_err(|_| {
                err(
                    format!("`{ip}` is not an IP address"),
                    Some("write ip:10.0.1.4".into()),
                )
            });
        }
        if let Some(tag) = s.strip_prefix("tag:") {
            let ok = !tag.is_empty()
                && tag.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                && tag
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
            if !ok {
                return Err(err(
                    format!("`{tag}` is not a service tag name"),
                    Some("write tag:AzureMachineLearning".into()),
                ));
            }
            return Ok(Address::Tag(tag.to_string()));
        }
        if let Some(name) = s.strip_prefix("fqdn:") {
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            if name.is_empty() || name.contains('/') || name.contains(' ') {
                return Err(err(
                    format!("`{name}` is not a host name"),
                    Some("write fqdn:pypi.org".into()),
                ));
            }
            return Ok(Address::Fqdn(name));
        }
        let Some((kind, rest)) = s.split_once('/') else {
            return Err(err(format!("`{s}` is not an address"), Some(FORMS.into())));
        };
        if kind == "subnet" {
            let Some((vnet, subnet)) = rest.split_once('/') else {
                return Err(err(
                    format!("`{s}` names no subnet"),
                    Some("write subnet/<vnet>/<subnet>".into()),
                ));
            };
            if vnet.is_empty() || subnet.is_empty() || subnet.contains('/') {
                return Err(err(
                    format!("`{s}` is not a subnet address"),
                    Some("write subnet/<vnet>/<subnet>".into()),
                ));
            }
            return Ok(Address::Subnet {
                vnet: vnet.into(),
                subnet: subnet.into(),
            });
        }
        let Some(kind) = Kind::parse(kind) else {
            let known: Vec<&str> = Kind::ALL
                .iter()
                .map(|k| k.as_str())
                .chain(["subnet"])
                .collect();
            let hint = crate::suggest::did_you_mean(kind, known.iter().copied())
                .map(|k| format!("did you mean `{k}`?"))
                .unwrap_or_else(|| format!("kinds: {}", known.join(", ")));
            return Err(err(format!("unknown address kind `{kind}`"), Some(hint)));
        };
        let (name, sub) = match rest.split_once(':') {
            Some((n, sub)) => (n, Some(sub.to_ascii_lowercase())),
            None => (rest, None),
        };
        // A compute's name is scoped to its workspace: `compute/<workspace>/<name>`.
        let scoped = kind == Kind::Compute
            && name
                .split_once('/')
                .is_some_and(|(w, n)| !w.is_empty() && !n.is_empty() && !n.contains('/'));
        if name.is_empty() || (name.contains('/') && !scoped) {
            return Err(err(
                format!("`{s}` has no resource name"),
                Some(format!("write {kind}/<name>")),
            ));
        }
        if let Some(sub) = &sub {
            let valid = kind.sub_resources();
            if !valid.contains(&sub.as_str()) {
                let hint = if valid.is_empty() {
                    format!("{kind} has no sub-resources")
                } else {
                    format!("sub-resources of {kind}: {}", valid.join(", "))
                };
                return Err(err(
                    format!("`{sub}` is not a sub-resource of {kind}"),
                    Some(hint),
                ));
            }
        }
        Ok(Address::Resource {
            kind,
            name: name.into(),
            sub,
        })
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Address::Resource {
                kind,
                name,
                sub: None,
            } => write!(f, "{kind}/{name}"),
            Address::Resource {
                kind,
                name,
                sub: Some(s),
            } => write!(f, "{kind}/{name}:{s}"),
            Address::Subnet { vnet, subnet } => write!(f, "subnet/{vnet}/{subnet}"),
            Address::Ip(ip) => write!(f, "ip:{ip}"),
            Address::Fqdn(n) => write!(f, "fqdn:{n}"),
            Address::Tag(t) => write!(f, "tag:{t}"),
            Address::Internet => f.write_str("internet"),
        }
    }
}

impl Address {
    /// The address of an ARM resource id of a kind moat models
    /// (`/subscriptions/../providers/Microsoft.Storage/storageAccounts/x` -> `storage/x`).
    pub fn from_arm_id(id: &str) -> Option<Address> {
        let lower = id.to_ascii_lowercase();
        let rest = lower.split("/providers/").nth(1)?;
        let parts: Vec<&str> = rest.split('/').collect();
        if parts.len() < 3 {
            return None;
        }
        let kind = match (parts[0], parts[1]) {
            ("microsoft.machinelearningservices", "workspaces") => Kind::Workspace,
            ("microsoft.machinelearningservices", "registries") => Kind::Registry,
            ("microsoft.storage", "storageaccounts") => Kind::Storage,
            ("microsoft.keyvault", "vaults") => Kind::Keyvault,
            ("microsoft.containerregistry", "registries") => Kind::Acr,
            ("microsoft.compute", "virtualmachines") => Kind::Vm,
            ("microsoft.insights", "privatelinkscopes") => Kind::Ampls,
            _ => return None,
        };
        // Keep the name's original spelling: ARM names are case-insensitive but shown as written.
        let start = id.len() - rest.len();
        let original: Vec<&str> = id[start..].split('/').collect();
        let name = original.get(2).copied().unwrap_or(parts[2]);
        (!name.is_empty()).then(|| Address::resource(kind, name))
    }

    /// The name of the resource this address is, when it is one of kind `kind`.
    pub fn name_of(&self, kind: Kind) -> Option<&str> {
        match self {
            Address::Resource { kind: k, name, .. } if *k == kind => Some(name),
            _ => None,
        }
    }

    /// The name this address carries (a resource's name, a host name), for rewriting it.
    pub fn name_mut(&mut self) -> Option<&mut String> {
        match self {
            Address::Resource { name, .. } | Address::Fqdn(name) => Some(name),
            _ => None,
        }
    }

    /// A resource address without sub-resource.
    pub fn resource(kind: Kind, name: impl Into<String>) -> Address {
        Address::Resource {
            kind,
            name: name.into(),
            sub: None,
        }
    }

    /// The same address with a sub-resource.
    pub fn with_sub(self, sub: &str) -> Address {
        match self {
            Address::Resource { kind, name, .. } => Address::Resource {
                kind,
                name,
                sub: Some(sub.into()),
            },
            other => other,
        }
    }
}

impl Serialize for Address {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Address {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(|e: AddressError| {
            serde::de::Error::custom(match e.hint {
                Some(h) => format!("{}; {}", e.message, h),
                None => e.message,
            })
        })
    }
}

impl schemars::JsonSchema for Address {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Address".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "description": "An address: <kind>/<name>[:<sub-resource>], subnet/<vnet>/<subnet>, ip:<address>, fqdn:<name> or internet",
            "examples": ["workspace/ws", "registry/contosoreg:storage", "storage/wsdata:blob"]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_form() {
        for s in [
            "workspace/ws",
            "workspace/ws:notebooks",
            "registry/contosoreg:storage",
            "registry/contosoreg:acr",
            "storage/data:blob",
            "subnet/vnet/training",
            "ip:10.0.1.4",
            "fqdn:pypi.org",
            "tag:Storage.EastUS",
            "internet",
            "online-endpoint/score",
        ] {
            let a: Address = s.parse().unwrap();
            assert_eq!(a.to_string(), s);
        }
    }

    #[test]
    fn reads_arm_ids() {
        let a = Address::from_arm_id("/subscriptions/0/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/MyAccount").unwrap();
        assert_eq!(a.to_string(), "storage/MyAccount");
        assert!(
            Address::from_arm_id(
                "/subscriptions/0/resourceGroups/rg/providers/Microsoft.Web/sites/x"
            )
            .is_none()
        );
    }

    #[test]
    fn rejects_bad_forms_with_hints() {
        let e = "workspce/ws".parse::<Address>().unwrap_err();
        assert_eq!(e.hint.as_deref(), Some("did you mean `workspace`?"));
        let e = "storage/x:blobs".parse::<Address>().unwrap_err();
        assert!(e.hint.unwrap().contains("blob, file"));
        assert!("ip:10.0.0.300".parse::<Address>().is_err());
        assert!("subnet/vnet".parse::<Address>().is_err());
        assert!("workspace/".parse::<Address>().is_err());
    }
}
