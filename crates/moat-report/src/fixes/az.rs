//! Fixes as `az` commands, for a deployment read from Azure (a live export, Azure ML CLI YAML):
//! there, a setting is changed by a command, not in a file.

use super::{Kind, NsgRule, Snippet, Target};
use moat_rules::change::Setting;

/// The command that applies a setting, if one does.
fn command(t: &Target, s: Setting) -> Option<String> {
    use Kind::*;
    use Setting::*;
    let n = t.name;
    let rg = format!(
        "--resource-group {}",
        resource_group(t).unwrap_or("<resource-group>")
    );
    Some(match (t.kind, s) {
        (Workspace, PublicNetworkAccessDisabled) => {
            format!("az ml workspace update --name {n} {rg} --public-network-access Disabled")
        }
        (Storage, PublicNetworkAccessDisabled) => {
            format!("az storage account update --name {n} {rg} --public-network-access Disabled")
        }
        (Storage, SharedKeyAccessDisabled) => {
            format!("az storage account update --name {n} {rg} --allow-shared-key-access false")
        }
        (KeyVault, PublicNetworkAccessDisabled) => {
            format!("az keyvault update --name {n} {rg} --public-network-access Disabled")
        }
        (Storage, TrustedServicesAllowed) => {
            format!("az storage account update --name {n} {rg} --bypass AzureServices")
        }
        (KeyVault, TrustedServicesAllowed) => {
            format!("az keyvault update --name {n} {rg} --bypass AzureServices")
        }
        (Acr, PublicNetworkAccessDisabled) => {
            format!("az acr update --name {n} {rg} --public-network-enabled false")
        }
        (Acr, AdminUserDisabled) => format!("az acr update --name {n} {rg} --admin-enabled false"),
        (Acr, AnonymousPullDisabled) => {
            format!("az acr update --name {n} {rg} --anonymous-pull-enabled false")
        }
        (Acr, SkuPremium) => format!("az acr update --name {n} {rg} --sku Premium"),
        (Subnet, PrivateEndpointPoliciesDisabled) => format!(
            "az network vnet subnet update --vnet-name {} --name {n} {rg} --private-endpoint-network-policies Disabled",
            t.workspace?
        ),
        (Acr, DataEndpointEnabled) => {
            format!("az acr update --name {n} {rg} --data-endpoint-enabled true")
        }
        (Storage, BlobPublicAccessDisabled) => {
            format!("az storage account update --name {n} {rg} --allow-blob-public-access false")
        }
        (Workspace, ManagedNetworkInternetOutbound) => format!(
            "az ml workspace update --name {n} {rg} --managed-network allow_internet_outbound"
        ),
        (Acr, TrustedServicesAllowed) => {
            format!("az acr update --name {n} {rg} --allow-trusted-services true")
        }
        (OnlineEndpoint, PublicNetworkAccessDisabled) => format!(
            "az ml online-endpoint update --name {n} --workspace-name {} {rg} --set public_network_access=disabled",
            t.workspace?
        ),
        (Compute { instance: false }, MinNodesZero) => format!(
            "az ml compute update --name {n} --workspace-name {} {rg} --min-instances 0",
            t.workspace?
        ),
        (Workspace, ManagedNetworkProvisioned) => {
            format!("az ml workspace provision-network --name {n} {rg}")
        }
        _ => return None,
    })
}

/// The resource group in the resource's id, for a resource read from Azure.
pub(super) fn resource_group<'a>(t: &Target<'a>) -> Option<&'a str> {
    let id = id(t)?;
    let mut parts = id.split('/');
    parts.find(|p| p.eq_ignore_ascii_case("resourceGroups"))?;
    parts.next().filter(|g| !g.is_empty())
}

/// The commands, one a line.
pub(super) fn set(t: &Target, settings: &[Setting]) -> Option<Snippet> {
    let lines: Vec<String> = settings
        .iter()
        .map(|s| command(t, *s))
        .collect::<Option<_>>()?;
    Some(Snippet {
        input: "az",
        language: "sh",
        text: lines.join("\n") + "\n",
        edits: Vec::new(),
    })
}

/// A workspace's image build compute with `az ml workspace update --image-build-compute`.
pub(super) fn image_build_compute(t: &Target, compute: &str) -> Option<Snippet> {
    (t.kind == Kind::Workspace).then_some(())?;
    let rg = resource_group(t).unwrap_or("<resource-group>");
    Some(Snippet {
        input: "az",
        language: "sh",
        text: format!(
            "az ml workspace update --name {} --resource-group {rg} --image-build-compute {compute}\n",
            t.name
        ),
        edits: Vec::new(),
    })
}

/// An FQDN outbound rule with `az ml workspace outbound-rule set`.
pub(super) fn fqdn_rule(t: &Target, name: &str, destination: &str) -> Option<Snippet> {
    let rg = resource_group(t).unwrap_or("<resource-group>");
    Some(Snippet {
        input: "az",
        language: "sh",
        text: format!(
            "az ml workspace outbound-rule set --resource-group {rg} --workspace-name {} --rule {name} --type fqdn --destination '{destination}'\n",
            t.name
        ),
        edits: Vec::new(),
    })
}

/// A zone link with `az network private-dns link vnet create`; the VNet by id when the export
/// gives it (it may sit in another resource group than the zone).
pub(super) fn link_zone(t: &Target, vnet: &Target) -> Option<Snippet> {
    let rg = resource_group(t).unwrap_or("<resource-group>");
    let net = id(vnet).unwrap_or(vnet.name);
    Some(Snippet {
        input: "az",
        language: "sh",
        text: format!(
            "az network private-dns link vnet create --resource-group {rg} --zone-name {} --name {} --virtual-network {net} --registration-enabled false\n",
            t.name, vnet.name
        ),
        edits: Vec::new(),
    })
}

/// The resource's id, for a resource read from Azure.
pub(super) fn id<'a>(t: &Target<'a>) -> Option<&'a str> {
    let (node, found) = t.tree?.pointer(&t.at.pointer);
    node.get("id").filter(|_| found)?.text()
}

/// A security rule with `az network nsg rule create`.
pub(super) fn nsg_rule(t: &Target, r: &NsgRule) -> Option<Snippet> {
    let rg = resource_group(t).unwrap_or("<resource-group>");
    let quote = |s: &str| {
        if s == "*" {
            "'*'".to_string()
        } else {
            s.to_string()
        }
    };
    Some(Snippet {
        input: "az",
        language: "sh",
        text: format!(
            "az network nsg rule create --resource-group {rg} --nsg-name {} --name {} --priority {} --direction {} --access Allow --protocol {} --source-address-prefixes {} --source-port-ranges '*' --destination-address-prefixes {} --destination-port-ranges {}\n",
            t.name,
            r.name,
            r.priority,
            r.direction,
            quote(r.protocol),
            quote(r.source),
            quote(r.destination),
            quote(r.ports)
        ),
        edits: Vec::new(),
    })
}

/// A service endpoint with `az network vnet subnet update`, which sets the subnet's whole
/// list: the service with every endpoint the subnet has.
pub(super) fn service_endpoint(t: &Target, service: &str, model: &[&str]) -> Option<Snippet> {
    let rg = resource_group(t).unwrap_or("<resource-group>");
    let all: Vec<&str> = std::iter::once(service)
        .chain(model.iter().copied())
        .collect();
    Some(Snippet {
        input: "az",
        language: "sh",
        text: format!(
            "az network vnet subnet update --resource-group {rg} --vnet-name {} --name {} --service-endpoints {}\n",
            t.workspace?,
            t.name,
            all.join(" ")
        ),
        edits: Vec::new(),
    })
}

/// A virtual network rule with `az storage account network-rule add`; the subnet by id when
/// the export gives it (its VNet may sit in another resource group than the account).
pub(super) fn vnet_rule(t: &Target, subnet: &Target) -> Option<Snippet> {
    let rg = resource_group(t).unwrap_or("<resource-group>");
    // A subnet read inside its VNet has the VNet's id.
    let subnet_id = id(subnet).map(|id| {
        if id.to_ascii_lowercase().contains("/subnets/") {
            id.to_string()
        } else {
            format!("{id}/subnets/{}", subnet.name)
        }
    });
    let target = match subnet_id {
        Some(id) => format!("--subnet {id}"),
        None => format!("--vnet-name {} --subnet {}", subnet.workspace?, subnet.name),
    };
    Some(Snippet {
        input: "az",
        language: "sh",
        text: format!(
            "az storage account network-rule add --resource-group {rg} --account-name {} {target}\n",
            t.name
        ),
        edits: Vec::new(),
    })
}
