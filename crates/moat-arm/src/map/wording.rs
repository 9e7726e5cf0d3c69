//! How the mapper's messages name the input they read: an ARM template, the azapi resources of
//! a Terraform configuration (whose bodies the mapper reads), or a live export. A Terraform
//! user wrote no template; a message that says so points them nowhere.

use moat_model::Provenance;

/// The input the mapped resources come from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Input {
    #[default]
    Template,
    Terraform,
    Live,
}

impl Input {
    /// "this template".
    pub(crate) fn this(self) -> &'static str {
        match self {
            Input::Template => "this template",
            Input::Terraform => "this configuration",
            Input::Live => "this export",
        }
    }

    /// "the template".
    pub(crate) fn the(self) -> &'static str {
        match self {
            Input::Template => "the template",
            Input::Terraform => "the configuration",
            Input::Live => "the export",
        }
    }

    /// What the input does with its resources: "deploy".
    pub(crate) fn deploy(self) -> &'static str {
        match self {
            Input::Template => "deploy",
            Input::Terraform => "declare",
            Input::Live => "hold",
        }
    }

    /// "deploys".
    pub(crate) fn deploys(self) -> &'static str {
        match self {
            Input::Template => "deploys",
            Input::Terraform => "declares",
            Input::Live => "holds",
        }
    }

    /// "deployed by this template".
    pub(crate) fn deployed_by(self) -> &'static str {
        match self {
            Input::Template => "deployed by this template",
            Input::Terraform => "declared in this configuration",
            Input::Live => "in this export",
        }
    }

    /// The hint to have a resource outside the input (`what`: "subnet") analysed.
    pub(crate) fn give(self, what: &str) -> String {
        match self {
            Input::Template => {
                format!("give the {what}'s template (or a live export of it) to have it analysed")
            }
            Input::Terraform => format!(
                "declare the {what} in the configuration (or give a live export of it) to have it analysed"
            ),
            Input::Live => format!("add the {what} to the export to have it analysed"),
        }
    }

    /// What refers to a resource declared elsewhere, for a resource written at `at`: "the
    /// template", "the body of `azapi_resource.pe`".
    pub(crate) fn referrer(self, at: &Provenance) -> String {
        match self {
            Input::Terraform if !at.pointer.is_empty() => {
                format!("the body of `{}`", at.pointer)
            }
            other => other.the().to_string(),
        }
    }
}
