//! The store against SQLite and PostgreSQL: every test runs against both (the PostgreSQL half
//! says it was skipped when no server answers, unless MOAT_REQUIRE_POSTGRES is set).

use moat_store::testing::{self, TestDb};
use moat_store::{Counts, NewSnapshot, Scope, Store, StoreError};
use std::future::Future;

/// Runs `body` on a fresh database of each kind, removing it afterwards even when the body
/// fails.
async fn on_both<F, Fut>(label: &str, body: F)
where
    F: Fn(Store) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let mut dbs = vec![testing::sqlite(label).await];
    dbs.extend(testing::postgres(label).await);
    for db in dbs {
        let kind = format!("{:?}", db.store.backend());
        let outcome = tokio::spawn(body(db.store.clone())).await;
        TestDb::finish(db).await;
        if let Err(e) = outcome {
            panic!("{label} on {kind}: {e}");
        }
    }
}

fn snapshot(project: &str, at: i64, files: &[(&str, &str)]) -> NewSnapshot {
    NewSnapshot {
        project: project.into(),
        created_at: at,
        revision: Some(format!("rev{at}")),
        pusher: "ci".into(),
        input_format: "native".into(),
        moat_version: "0.1.0".into(),
        counts: Counts {
            errors: 1,
            warnings: 2,
            infos: 3,
            suppressed: 0,
            ops_work: 5,
            ops_fail: 1,
            ops_unknown: 0,
            flows_allowed: 7,
            flows_denied: 8,
            flows_unknown: 9,
        },
        files: files
            .iter()
            .map(|(p, c)| (p.to_string(), c.as_bytes().to_vec()))
            .collect(),
        documents: vec![("findings".into(), "[]".into())],
    }
}

#[tokio::test]
async fn migrations_apply_once() {
    on_both("migrations", |store| async move {
        assert_eq!(store.schema_version().await.unwrap(), 1);
        store.close().await;
    })
    .await;
    // Connecting again to a migrated database changes nothing.
    let db = testing::sqlite("migrate_again").await;
    let again = Store::connect(&db.url, Default::default()).await.unwrap();
    assert_eq!(again.schema_version().await.unwrap(), 1);
    again.close().await;
    db.finish().await;
    if let Some(db) = testing::postgres("migrate_again").await {
        let opts = moat_store::Options {
            schema: db.schema.clone(),
            max_connections: Some(2),
        };
        let again = Store::connect(&db.url, opts).await.unwrap();
        assert_eq!(again.schema_version().await.unwrap(), 1);
        again.close().await;
        db.finish().await;
    }
}

#[tokio::test]
async fn snapshots_round_trip() {
    on_both("round_trip", |store| async move {
        let files = [
            ("main.yaml", "workspaces: []\n"),
            ("net/vnet.yaml", "x: 1\n"),
        ];
        let a = store
            .insert_snapshot(&snapshot("prod", 1000, &files))
            .await
            .unwrap();
        let b = store
            .insert_snapshot(&snapshot("prod", 2000, &files[..1]))
            .await
            .unwrap();
        let c = store
            .insert_snapshot(&snapshot("dev", 1500, &[]))
            .await
            .unwrap();
        assert!(a < b && b < c);
        let projects = store.projects().await.unwrap();
        let names: Vec<_> = projects
            .iter()
            .map(|p| (p.name.as_str(), p.snapshots))
            .collect();
        assert_eq!(names, [("dev", 1), ("prod", 2)]);
        assert_eq!(projects[1].latest.as_ref().map(|s| s.id), Some(b));
        let history = store.snapshots("prod").await.unwrap();
        assert_eq!(history.iter().map(|s| s.id).collect::<Vec<_>>(), [a, b]);
        let s = store.snapshot(a).await.unwrap().unwrap();
        assert_eq!(s.project, "prod");
        assert_eq!(s.revision.as_deref(), Some("rev1000"));
        assert_eq!(s.counts.flows_unknown, 9);
        assert_eq!(s.counts.ops_work, 5);
        let got = store.files(a).await.unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(got[1], ("net/vnet.yaml".to_string(), b"x: 1\n".to_vec()));
        assert_eq!(
            store.document(a, "findings").await.unwrap().as_deref(),
            Some("[]")
        );
        assert_eq!(store.document(a, "nothing").await.unwrap(), None);
        assert_eq!(store.snapshot(9999).await.unwrap(), None);
        assert!(store.snapshots("none").await.unwrap().is_empty());
        store.close().await;
    })
    .await;
}

#[tokio::test]
async fn a_failed_snapshot_leaves_nothing() {
    on_both("atomic", |store| async move {
        // Two files of one path break the transaction at its last statement: the project and
        // the snapshot it had written are gone with it.
        let bad = snapshot("half", 1, &[("a.yaml", "1"), ("a.yaml", "2")]);
        assert!(matches!(
            store.insert_snapshot(&bad).await,
            Err(StoreError::Db(_))
        ));
        assert!(store.projects().await.unwrap().is_empty());
        assert!(store.snapshots("half").await.unwrap().is_empty());
        // The store goes on working.
        store
            .insert_snapshot(&snapshot("half", 2, &[("a.yaml", "1")]))
            .await
            .unwrap();
        assert_eq!(store.snapshots("half").await.unwrap().len(), 1);
        store.close().await;
    })
    .await;
}

#[tokio::test]
async fn concurrent_snapshots_of_one_new_project() {
    on_both("concurrent", |store| async move {
        let mut tasks = Vec::new();
        for i in 0..8 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                store
                    .insert_snapshot(&snapshot("shared", i, &[("t.yaml", "a")]))
                    .await
                    .unwrap()
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        let p = store.projects().await.unwrap();
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].snapshots, 8);
        store.close().await;
    })
    .await;
}

#[tokio::test]
async fn tokens_are_stored_hashed_and_scoped() {
    on_both("tokens", |store| async move {
        assert!(!store.has_tokens().await.unwrap());
        let push = store.create_token("ci", Scope::Push).await.unwrap();
        let read = store.create_token("viewer", Scope::Read).await.unwrap();
        assert!(store.has_tokens().await.unwrap());
        assert!(matches!(
            store.create_token("ci", Scope::Read).await,
            Err(StoreError::TokenExists(_))
        ));
        let p = store.verify_token(&push).await.unwrap().unwrap();
        assert_eq!((p.name.as_str(), p.scope), ("ci", Scope::Push));
        assert!(p.scope.allows(Scope::Read) && p.scope.allows(Scope::Push));
        let r = store.verify_token(&read).await.unwrap().unwrap();
        assert!(r.scope.allows(Scope::Read) && !r.scope.allows(Scope::Push));
        // A secret changed in its last character, another token's secret under this id, and
        // strings that are not tokens are all refused.
        let mut wrong = push.clone();
        let last = if wrong.ends_with('0') { "1" } else { "0" };
        wrong.replace_range(wrong.len() - 1.., last);
        assert_eq!(store.verify_token(&wrong).await.unwrap(), None);
        let (push_id, _) = push.rsplit_once('_').unwrap();
        let (_, read_secret) = read.rsplit_once('_').unwrap();
        let swapped = format!("{push_id}_{read_secret}");
        assert_eq!(store.verify_token(&swapped).await.unwrap(), None);
        for junk in ["", "moat_", "moat_x_y", "Bearer abc", "moat_999_00"] {
            assert_eq!(store.verify_token(junk).await.unwrap(), None, "{junk}");
        }
        let names: Vec<_> = store
            .tokens()
            .await
            .unwrap()
            .into_iter()
            .map(|t| t.name)
            .collect();
        assert_eq!(names, ["ci", "viewer"]);
        store.revoke_token("ci").await.unwrap();
        assert_eq!(store.verify_token(&push).await.unwrap(), None);
        assert!(matches!(
            store.revoke_token("ci").await,
            Err(StoreError::NoToken(_))
        ));
        store.close().await;
    })
    .await;
}

#[tokio::test]
async fn secrets_are_not_stored() {
    // The secret appears nowhere in the database file, only its digest.
    let db = testing::sqlite("secret_file").await;
    let token = db.store.create_token("ci", Scope::Push).await.unwrap();
    let secret = token.rsplit_once('_').unwrap().1.to_string();
    db.store.close().await;
    let path = db.url.trim_start_matches("sqlite://").to_string();
    let mut bytes = std::fs::read(&path).unwrap();
    bytes.extend(std::fs::read(format!("{path}-wal")).unwrap_or_default());
    let text = String::from_utf8_lossy(&bytes);
    assert!(!text.contains(&secret));
    db.finish().await;
}

#[tokio::test]
async fn bad_urls_and_schema_names_are_refused() {
    assert!(matches!(
        Store::connect("mysql://x", Default::default()).await,
        Err(StoreError::Url(_))
    ));
    let opts = moat_store::Options {
        schema: Some("x\"; DROP TABLE y".into()),
        max_connections: None,
    };
    assert!(matches!(
        Store::connect(&testing::postgres_url(), opts).await,
        Err(StoreError::SchemaName(_))
    ));
}
