//! Deployments read back from their stored files, kept for the few snapshots last asked for
//! (a trace or a picture reads the whole model). What is kept can always be read again: the
//! database holds the truth, so servers need not share this.

use crate::analysis::{self, Workdir};
use crate::{AppError, Shared};
use moat_doc::Loaded;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

/// A snapshot's deployment and its configuration, with the folder it was read from, whose
/// name is taken out of what it reports. The folder stays while the model is kept: the
/// configuration may name a service tags file in it.
pub(crate) struct Model {
    pub(crate) loaded: Loaded,
    pub(crate) config: moat_config::Config,
    dir: Workdir,
}

impl Model {
    /// A text with the temporary folder taken out of its paths.
    pub(crate) fn relative(&self, text: &str) -> String {
        self.dir.relative(text)
    }
}

pub(crate) struct Cache {
    capacity: usize,
    entries: Mutex<VecDeque<(i64, Arc<Model>)>>,
}

impl Cache {
    pub(crate) fn new(capacity: usize) -> Cache {
        Cache {
            capacity,
            entries: Mutex::new(VecDeque::new()),
        }
    }

    fn get(&self, id: i64) -> Option<Arc<Model>> {
        let mut e = self.entries.lock().ok()?;
        let i = e.iter().position(|(k, _)| *k == id)?;
        let hit = e.remove(i)?;
        e.push_front(hit.clone());
        Some(hit.1)
    }

    fn put(&self, id: i64, m: Arc<Model>) {
        if let Ok(mut e) = self.entries.lock() {
            e.retain(|(k, _)| *k != id);
            e.push_front((id, m));
            e.truncate(self.capacity);
        }
    }
}

/// The deployment of a snapshot, read from its stored files.
pub(crate) async fn model(s: &Shared, id: i64) -> Result<Arc<Model>, AppError> {
    if let Some(m) = s.cache.get(id) {
        return Ok(m);
    }
    if s.store.snapshot(id).await?.is_none() {
        return Err(AppError::not_found(format!("no snapshot {id}")));
    }
    let files = s.store.files(id).await?;
    let m = s
        .pool
        .run(move || -> Result<Model, AppError> {
            let dir = Workdir::write(&files)
                .map_err(|e| AppError::internal(format!("writing snapshot {id}: {e}")))?;
            // A stored snapshot was read once; a newer moat may refuse what an older took.
            let (loaded, config) = analysis::load(&dir).map_err(|r| {
                AppError::unprocessable(
                    format!("snapshot {id} cannot be read by this version of moat"),
                    r.lines(),
                )
            })?;
            Ok(Model {
                loaded,
                config,
                dir,
            })
        })
        .await??;
    let m = Arc::new(m);
    s.cache.put(id, m.clone());
    Ok(m)
}
