//! Named client locations: who opens studio or calls the SDK, and from where.

use crate::Provenance;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

/// Where a client sits.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ClientPlace {
    /// Somewhere on the public internet.
    Internet,
    /// On premises, behind the site-to-site VPN or ExpressRoute connections of the topology.
    OnPremises,
    /// Logged on to a VM in a VNet (a jump box reached through Bastion).
    Vm(String),
    /// Connected by point-to-site VPN to a virtual network gateway.
    PointToSite(String),
}

impl FromStr for ClientPlace {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let t = s.trim();
        match t.to_ascii_lowercase().as_str() {
            "internet" => return Ok(ClientPlace::Internet),
            "onprem" | "on-premises" | "onpremises" => return Ok(ClientPlace::OnPremises),
            _ => {}
        }
        if let Some(vm) = t.strip_prefix("vm/") {
            return Ok(ClientPlace::Vm(vm.to_string()));
        }
        if let Some(gw) = t.strip_prefix("p2s/") {
            return Ok(ClientPlace::PointToSite(gw.to_string()));
        }
        Err(format!(
            "`{t}` is not a client place (write internet, onprem, vm/<name> or p2s/<gateway>)"
        ))
    }
}

impl fmt::Display for ClientPlace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientPlace::Internet => f.write_str("internet"),
            ClientPlace::OnPremises => f.write_str("onprem"),
            ClientPlace::Vm(v) => write!(f, "vm/{v}"),
            ClientPlace::PointToSite(g) => write!(f, "p2s/{g}"),
        }
    }
}

impl Serialize for ClientPlace {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ClientPlace {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

impl JsonSchema for ClientPlace {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "ClientPlace".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({"type": "string", "description": "internet, onprem, vm/<name> or p2s/<gateway>"})
    }
}

/// A named client location: people or programs that use the workspace or registry.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Client {
    pub name: String,
    /// `internet`, `onprem`, `vm/<name>` or `p2s/<gateway>`.
    pub location: ClientPlace,
    /// The client's own address (on-premises or point-to-site address, or its internet address).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub address: Option<IpAddr>,
    /// The address the client's traffic shows on the internet (its SNAT address).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub public_address: Option<IpAddr>,
    /// DNS servers the client uses (on-premises or point-to-site); VM clients use their VNet's.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub dns_servers: Vec<IpAddr>,
    /// Intent: the operations this client performs (`studio.open`, `sdk.connect`, ...).
    #[serde(default)]
    pub operations: Vec<String>,
    /// The identity the client acts as (for role checks); the client name when absent.
    #[serde(default)]
    pub principal: Option<String>,
    /// An explicit web proxy the client's HTTPS goes through (declared).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proxy: Option<ClientProxy>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    #[serde(
        rename = "$at",
        default,
        skip_serializing_if = "Provenance::is_unknown"
    )]
    #[schemars(skip)]
    pub at: Provenance,
}

/// A client's web proxy, as its configuration (or PAC file) declares it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClientProxy {
    /// Host names the client reaches directly, not through the proxy (`*.api.azureml.ms`,
    /// `.azureml.ms`, `*`).
    #[serde(default)]
    pub bypass: Vec<String>,
}
