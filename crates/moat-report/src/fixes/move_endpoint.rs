//! Fixes that put a private endpoint in another subnet of its VNet: the subnet replaced where
//! the endpoint names it, in the native format and in Terraform (which re-creates the endpoint,
//! as Azure sets an endpoint's subnet only when it creates it). A template would redeploy the
//! endpoint in place, which Azure refuses for a new subnet, and `az` has no command that moves
//! one: neither gets a snippet. An endpoint with a fixed address keeps none: its address in the
//! new subnet is the user's to choose.

use super::native::scalar;
use super::{Input, Lang, Snippet, Trees, edit, language, resolve};
use moat_model::{Provenance, Topology};

/// Where the endpoint of that name is written.
pub(super) fn endpoint_at<'t>(t: &'t Topology, name: &str) -> Option<&'t Provenance> {
    t.private_endpoints
        .iter()
        .find(|p| p.name == name)
        .map(|p| &p.at)
}

/// The endpoint `name` in `subnet` (`vnet/subnet`), in the language of its file.
pub(super) fn render(input: &Input, trees: &mut Trees, name: &str, subnet: &str) -> Vec<Snippet> {
    let t = input.topology;
    let Some(pe) = t.private_endpoints.iter().find(|p| p.name == name) else {
        return Vec::new();
    };
    let src = input.sources.iter().find(|s| s.name == pe.at.file);
    let snippet = match language(input.format, &pe.at.file) {
        Lang::Native => {
            if let Some(src) = src {
                trees.load(src);
            }
            let root = src.and_then(|s| trees.get(s));
            // A static address belongs to the old subnet: moving the endpoint is then the
            // user's to decide.
            if pe.ip_address.is_some() {
                return Vec::new();
            }
            let edits = src.zip(root).and_then(|(src, root)| {
                edit::tree_edit(
                    src,
                    root,
                    &pe.at.pointer,
                    &[(vec!["subnet"], scalar(subnet))],
                    edit::Syntax::Yaml,
                )
            });
            Some(Snippet {
                input: "native",
                language: "yaml",
                text: format!(
                    "private_endpoints:\n  - name: {}\n    subnet: {}\n",
                    scalar(name),
                    scalar(subnet)
                ),
                edits: edits.unwrap_or_default(),
            })
        }
        Lang::Terraform => terraform(input, pe, subnet),
        Lang::Arm | Lang::Az => None,
    };
    snippet.into_iter().collect()
}

/// `subnet_id` set to the subnet's block, declared in the endpoint's module as an
/// `azurerm_subnet`; none where the block fixes the endpoint's address (`ip_configuration`).
fn terraform(
    input: &Input,
    pe: &moat_model::privatelink::PrivateEndpoint,
    subnet: &str,
) -> Option<Snippet> {
    use super::endpoint::tf_ref;
    let s = resolve(input.topology, &format!("subnet/{subnet}"))?;
    let (module, endpoint) = tf_ref(&pe.at.pointer)?;
    let (sm, reference) = tf_ref(&s.at.pointer)?;
    if sm != module || !reference.starts_with("azurerm_subnet.") {
        return None;
    }
    let (ty, label) = endpoint.split_once('.')?;
    // A block of several instances (`count`, `for_each`) places them all: moving one is a
    // change of its own.
    if ty != "azurerm_private_endpoint" || label.contains('[') {
        return None;
    }
    let src = input
        .sources
        .iter()
        .find(|x| x.name == pe.at.file && x.name.ends_with(".tf"));
    // Without the text, whether the block fixes the address is not known.
    let block = src.and_then(|x| x.text.get(pe.at.offset..pe.at.offset + pe.at.len))?;
    if block.contains("ip_configuration") {
        return None;
    }
    let value = format!("{reference}.id");
    let edits = src.and_then(|src| {
        edit::hcl_edit(
            src,
            pe.at.offset,
            pe.at.len,
            &[(vec!["subnet_id"], value.clone())],
        )
    });
    Some(Snippet {
        input: "terraform",
        language: "hcl",
        text: format!("resource \"{ty}\" \"{label}\" {{\n  subnet_id = {value}\n}}\n"),
        edits: edits.unwrap_or_default(),
    })
}
