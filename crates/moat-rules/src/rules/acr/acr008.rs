//! ACR008 image-build-unknown-compute.

use crate::rules::util::workspace_at;
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity, prose};
use moat_engine::{OpId, RuleCode};

/// The rule.
pub struct Acr008;
/// Its registration.
pub static RULE: Acr008 = Acr008;

static DOC: RuleDoc = RuleDoc {
    code: "ACR008",
    name: "image-build-unknown-compute",
    severity: Severity::Error,
    what: "image_build_compute names a compute that does not exist in the workspace.",
    why: "Azure accepts any name in image_build_compute, but images can only be built once a compute cluster of that name exists in the workspace: until then every environment build fails.",
    example: "workspaces: [{ name: ws, image_build_compute: cpu-cluster }]\ncomputes: []",
    fix: "Create the CPU compute cluster named in image_build_compute before building images, or correct the name.",
    fix_form: FixForm::Prose(prose::DESIGN),
    sources: &[doc!(
        PL,
        "The compute referenced by image_build_compute must be created before building images"
    )],
    covers: &["§6.46"],
    path: false,
};

impl Rule for Acr008 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        // The image.build operation states the requirement; this rule reports it.
        for r in cx.op(OpId::ImageBuild) {
            for req in r
                .requirements
                .iter()
                .filter(|q| q.rule == Some(RuleCode::Acr008) && q.met != Some(true))
            {
                let Some(ws) = r.subject.name_of(moat_model::address::Kind::Workspace) else {
                    continue;
                };
                let f = if req.met == Some(false) {
                    // A cluster that exists replaces the missing name; whether the compute the
                    // input leaves open exists is the user's to say (below).
                    let f = Finding::new(
                        &DOC,
                        r.subject.to_string(),
                        format!(
                            "workspace {ws}: {} ({}), so image builds have no compute",
                            req.what.replace(" exists", " does not exist"),
                            req.why
                        ),
                        DOC.fix,
                        &workspace_at(cx, ws),
                    );
                    super::acr003::with_build_cluster(cx, ws, f)
                } else {
                    // Whether it exists is open: reported as undecided, never as an error.
                    let name =
                        cx.e.ix
                            .workspaces
                            .get(ws)
                            .and_then(|&i| cx.t.workspaces[i].image_build_compute.as_deref())
                            .unwrap_or_default();
                    let mut f = Finding::new(
                        &DOC,
                        r.subject.to_string(),
                        format!(
                            "workspace {ws}: image_build_compute names {name}, which the input does not declare: image builds fail unless it exists in the workspace"
                        ),
                        DOC.fix,
                        &workspace_at(cx, ws),
                    )
                    .needing(Some(req.why.clone()));
                    f.severity = Severity::Warning.min(DOC.severity);
                    f
                };
                out.push(f);
            }
        }
    }
}
