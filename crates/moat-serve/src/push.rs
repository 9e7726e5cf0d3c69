//! `moat push`: packs a deployment and sends it to a server, which analyses and stores it.
//! Plain HTTP (a server reached over TLS sits behind a proxy that terminates it).

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;
use std::path::PathBuf;

/// What to push where.
#[derive(Clone, Debug)]
pub struct Push {
    pub input: PathBuf,
    /// `http://host:port`.
    pub server: String,
    pub project: String,
    pub token: Option<String>,
    pub revision: Option<String>,
    pub pusher: Option<String>,
    /// The largest archive to send.
    pub limit: usize,
}

/// Why a push did not store a snapshot.
#[derive(Debug, thiserror::Error)]
pub enum PushError {
    #[error("{0}")]
    Usage(String),
    #[error(transparent)]
    Pack(#[from] crate::archive::PackError),
    #[error("{0}")]
    Http(String),
    /// The server refused: its status, message and located details.
    #[error("the server refused the push ({status}): {message}")]
    Refused {
        status: u16,
        message: String,
        details: Vec<String>,
    },
}

/// One HTTP exchange: the status and the body.
pub async fn request(
    method: &str,
    url: &str,
    headers: &[(&str, String)],
    body: Vec<u8>,
) -> Result<(u16, Vec<u8>), String> {
    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let mut req = hyper::Request::builder().method(method).uri(url);
    for (k, v) in headers {
        req = req.header(*k, v.as_str());
    }
    let req = req
        .body(Full::new(Bytes::from(body)))
        .map_err(|e| format!("{url}: {e}"))?;
    let resp = client
        .request(req)
        .await
        .map_err(|e| format!("{url}: cannot reach the server: {e}"))?;
    let status = resp.status().as_u16();
    let body = resp
        .into_body()
        .collect()
        .await
        .map_err(|e| format!("{url}: reading the answer: {e}"))?
        .to_bytes()
        .to_vec();
    Ok((status, body))
}

/// Packs and sends a deployment; the server's answer on success (the snapshot, its counts
/// and its page's path).
pub async fn push(p: &Push) -> Result<Value, PushError> {
    if !crate::valid_project(&p.project) {
        return Err(PushError::Usage(format!(
            "--project {}: use 1 to 64 letters, digits, `.`, `_` or `-`, not starting with `.`",
            p.project
        )));
    }
    let server = p.server.trim_end_matches('/');
    if !server.starts_with("http://") {
        return Err(PushError::Usage(format!(
            "--server {server}: give an http:// URL (a server behind TLS is reached through its proxy's http address)"
        )));
    }
    let archive = crate::archive::pack(&p.input, p.limit)?;
    let url = format!("{server}/api/v1/projects/{}/snapshots", p.project);
    let mut headers = vec![("content-type", "application/x-tar".to_string())];
    if let Some(t) = &p.token {
        headers.push(("authorization", format!("Bearer {t}")));
    }
    if let Some(r) = &p.revision {
        headers.push(("x-moat-revision", r.clone()));
    }
    if let Some(u) = &p.pusher {
        headers.push(("x-moat-pusher", u.clone()));
    }
    let (status, body) = request("POST", &url, &headers, archive)
        .await
        .map_err(PushError::Http)?;
    let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    if status == 201 {
        return Ok(v);
    }
    let message = v["error"]
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| String::from_utf8_lossy(&body).chars().take(300).collect());
    let details = v["details"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_string)
        .collect();
    Err(PushError::Refused {
        status,
        message,
        details,
    })
}
