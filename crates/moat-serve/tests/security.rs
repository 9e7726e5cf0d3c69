//! The server's security: tokens and their scopes, loopback by default, bounded uploads,
//! archives that cannot leave their folder, and bad input answered with a 4xx and the located
//! message — never a 500.

mod common;

use common::{Server, example, on_both};
use moat_serve::push::PushError;
use moat_store::Scope;

/// A tar archive with one entry of this path and body, written byte by byte so that no
/// library check stops a path that leaves the folder.
fn raw_tar(path: &str, kind: u8, body: &[u8]) -> Vec<u8> {
    let mut h = [0u8; 512];
    h[..path.len()].copy_from_slice(path.as_bytes());
    h[100..107].copy_from_slice(b"0000644");
    h[108..115].copy_from_slice(b"0000000");
    h[116..123].copy_from_slice(b"0000000");
    h[124..135].copy_from_slice(format!("{:011o}", body.len()).as_bytes());
    h[136..147].copy_from_slice(b"00000000000");
    h[156] = kind;
    h[148..156].copy_from_slice(b"        ");
    let sum: u32 = h.iter().map(|&b| u32::from(b)).sum();
    h[148..155].copy_from_slice(format!("{sum:06o}\0").as_bytes());
    let mut out = h.to_vec();
    out.extend_from_slice(body);
    out.resize(out.len().div_ceil(512) * 512 + 1024, 0);
    out
}

#[tokio::test]
async fn tokens_are_required_and_scoped() {
    on_both("tokens", true, |s| async move {
        let push = s.db.store.create_token("ci", Scope::Push).await.unwrap();
        let read =
            s.db.store
                .create_token("viewer", Scope::Read)
                .await
                .unwrap();
        // Without a token: 401, on pages and API alike.
        for p in ["/", "/api/v1/projects", "/snapshots/1"] {
            let (status, _) = s.get(p).await;
            assert_eq!(status, 401, "{p}");
        }
        let err = s
            .push("secure", &example("private-registry"), None)
            .await
            .unwrap_err();
        assert!(
            matches!(err, PushError::Refused { status: 401, .. }),
            "{err}"
        );
        // A wrong token is refused the same way.
        let (status, _) = s
            .get_with("/", &[("authorization", "Bearer moat_1_00".into())])
            .await;
        assert_eq!(status, 401);
        // A read token reads and cannot push.
        let (status, _) = s
            .get_with(
                "/api/v1/projects",
                &[("authorization", format!("Bearer {read}"))],
            )
            .await;
        assert_eq!(status, 200);
        let err = s
            .push("secure", &example("private-registry"), Some(&read))
            .await
            .unwrap_err();
        assert!(
            matches!(err, PushError::Refused { status: 403, .. }),
            "{err}"
        );
        // A push token pushes; the snapshot names the token as its pusher.
        let v = s
            .push("secure", &example("private-registry"), Some(&push))
            .await
            .unwrap();
        assert_eq!(v["pusher"], "ci");
        // Re-analysing writes a snapshot: a read token may not, a push token may.
        let again = |token: String| {
            let url = format!("{}/api/v1/snapshots/{}/reanalyse", s.base, v["id"]);
            async move {
                moat_serve::push::request(
                    "POST",
                    &url,
                    &[("authorization", format!("Bearer {token}"))],
                    Vec::new(),
                )
                .await
                .unwrap()
                .0
            }
        };
        assert_eq!(again(read.clone()).await, 403);
        assert_eq!(again(push.clone()).await, 201);
        // The sign-in form's cookie reads the pages.
        let (status, page) = s
            .get_with("/", &[("cookie", format!("moat_token={read}"))])
            .await;
        assert_eq!(status, 200);
        assert!(page.contains("secure"));
        // The sign-in page itself is open.
        let (status, page) = s.get("/login").await;
        assert_eq!(status, 200);
        assert!(page.contains("name=\"token\""));
        s.db.store.close().await;
    })
    .await;
}

#[tokio::test]
async fn any_address_but_loopback_needs_tokens() {
    let db = moat_store::testing::sqlite("non_loopback").await;
    let mut cfg = moat_serve::Config::new(&db.url);
    cfg.listen = "0.0.0.0:0".parse().unwrap();
    let err = moat_serve::spawn(&cfg, db.store.clone()).await.unwrap_err();
    assert!(matches!(err, moat_serve::ServeError::NoTokens(_)), "{err}");
    assert!(err.to_string().contains("moat token create"));
    // The default is loopback.
    assert!(
        moat_serve::Config::new("sqlite://x.db")
            .listen
            .ip()
            .is_loopback()
    );
    db.finish().await;
}

#[tokio::test]
async fn bad_uploads_are_4xx_with_the_reason() {
    on_both("bad_uploads", false, |s| async move {
        let cases: Vec<(&str, Vec<u8>, u16, &str)> = vec![
            (
                "escape",
                raw_tar("../outside.yaml", b'0', b"workspaces: []\n"),
                400,
                "leaves the deployment's folder",
            ),
            (
                "absolute",
                raw_tar("/etc/moat.yaml", b'0', b"workspaces: []\n"),
                400,
                "leaves the deployment's folder",
            ),
            (
                "symlink",
                raw_tar("link.yaml", b'2', b""),
                400,
                "only files and folders",
            ),
            ("not-tar", b"hello".to_vec(), 400, "the upload"),
        ];
        for (name, body, want, says) in cases {
            let (status, v) = s.push_bytes("bad", body).await;
            assert_eq!(status, want, "{name}: {v}");
            assert!(v["error"].as_str().unwrap().contains(says), "{name}: {v}");
        }
        // A project name that is not one.
        let (status, _) = s
            .push_bytes("..%2Fetc", raw_tar("a.yaml", b'0', b"x: 1\n"))
            .await;
        assert_eq!(status, 400);
        // An input moat cannot read: 422 with file:line:column.
        let (status, v) = s
            .push_bytes(
                "bad",
                raw_tar(
                    "topology.yaml",
                    b'0',
                    b"workspaces:\n  - name: ws\n    publik: 1\n",
                ),
            )
            .await;
        assert_eq!(status, 422, "{v}");
        let details = v["details"].as_array().unwrap();
        assert!(
            details
                .iter()
                .any(|d| d.as_str().unwrap().starts_with("topology.yaml:3:")),
            "{v}"
        );
        // Nothing of a refused push is stored.
        assert!(s.db.store.projects().await.unwrap().is_empty());
        s.db.store.close().await;
    })
    .await;
}

#[tokio::test]
async fn uploads_are_bounded() {
    let db = moat_store::testing::sqlite("bounded").await;
    let mut cfg = moat_serve::Config::new(&db.url);
    cfg.listen = "127.0.0.1:0".parse().unwrap();
    cfg.limits.archive_bytes = 64 << 10;
    let (addr, task) = moat_serve::spawn(&cfg, db.store.clone()).await.unwrap();
    let big = raw_tar("big.yaml", b'0', &vec![b'#'; 200 << 10]);
    let (status, body) = moat_serve::push::request(
        "POST",
        &format!("http://{addr}/api/v1/projects/big/snapshots"),
        &[],
        big,
    )
    .await
    .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(status, 413, "{v}");
    assert!(v["error"].as_str().unwrap().contains("65536 bytes"), "{v}");
    task.abort();
    db.finish().await;
}

#[tokio::test]
async fn pages_escape_what_the_input_says() {
    let db = moat_store::testing::sqlite("escape_html").await;
    let s = Server::start(db, false).await;
    let dir = common::modified("private-registry", "name: ws\n", "name: \"ws<script>x\"\n");
    // Whatever moat says of such a name, the pages never carry it as markup.
    if let Ok(v) = s.push("xss", &dir, None).await {
        let id = v["id"].as_i64().unwrap();
        for p in [
            format!("/snapshots/{id}"),
            format!("/snapshots/{id}/topology"),
            "/".to_string(),
        ] {
            let (_, page) = s.get(&p).await;
            assert!(!page.contains("<script>x"), "{p}");
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
    s.stop().await;
}
