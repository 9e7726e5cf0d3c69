//! `moat push` to a server on loopback, then what its pages and API show, on SQLite and on
//! PostgreSQL.

mod common;

use common::{Server, example, modified, on_both};

#[tokio::test]
async fn a_pushed_example_is_analysed_stored_and_shown() {
    on_both("pushed_example", false, |s| async move {
        let v = s
            .push("demo", &example("private-registry"), None)
            .await
            .expect("the push is stored");
        let id = v["id"].as_i64().unwrap();
        assert_eq!(v["project"], "demo");
        assert_eq!(v["revision"], "abc123");
        assert_eq!(v["pusher"], "tester");
        assert_eq!(v["url"], format!("/snapshots/{id}"));
        // The same counts `moat check` gives for this example: no error.
        assert_eq!(v["findings"]["error"], 0, "{v}");
        assert!(v["operations"]["works"].as_i64().unwrap() > 0, "{v}");

        let projects = s.json("/api/v1/projects").await;
        assert_eq!(projects["projects"][0]["name"], "demo");
        assert_eq!(projects["projects"][0]["snapshots"], 1);
        let snap = s.json(&format!("/api/v1/snapshots/{id}")).await;
        assert_eq!(snap["inventory"]["workspaces"][0]["name"], "ws");
        let ops = snap["operations_results"].as_array().unwrap();
        assert!(
            ops.iter()
                .any(|o| o["op"] == "job.registry-asset" && o["status"] == "works"),
            "the registry asset job works in this example"
        );
        // The inputs are stored, with paths relative to the deployment.
        let files = s.json(&format!("/api/v1/snapshots/{id}/files")).await;
        let paths: Vec<&str> = files["files"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["path"].as_str().unwrap())
            .collect();
        assert!(paths.contains(&"topology.yaml"), "{paths:?}");
        // Findings name their file as the deployment does, never the server's folder.
        let findings = s.json(&format!("/api/v1/snapshots/{id}/findings")).await;
        let text = findings.to_string();
        assert!(!text.contains("moat-serve-"), "{text}");
        assert!(text.contains("\"file\":\"topology.yaml\""), "{text}");

        // The pages.
        let (status, home) = s.get("/").await;
        assert_eq!(status, 200);
        assert!(
            home.contains("<a href=\"/projects/demo\">demo</a>"),
            "{home}"
        );
        let (status, history) = s.get("/projects/demo").await;
        assert_eq!(status, 200);
        assert!(history.contains(&format!("<a href=\"/snapshots/{id}\">{id}</a>")));
        let (status, overview) = s.get(&format!("/snapshots/{id}")).await;
        assert_eq!(status, 200);
        assert!(overview.contains("workspace ws"), "posture");
        assert!(overview.contains("id=\"operations\""), "matrix");
        assert!(overview.contains("job.registry-asset"));
        let (status, topo) = s.get(&format!("/snapshots/{id}/topology")).await;
        assert_eq!(status, 200);
        for key in [
            "data-key=\"vnet/vnet\"",
            "data-key=\"subnet/vnet/training\"",
            "data-key=\"subnet/vnet/pe\"",
            "data-key=\"registry/contosoreg\"",
            "data-key=\"compute/cpu-cluster\"",
            "class=\"edge private-link\"",
        ] {
            assert!(topo.contains(key), "{key} is drawn");
        }
        // Each element's properties say where it is declared.
        assert!(
            topo.contains("\"$at\":{\"file\":\"topology.yaml\""),
            "provenance"
        );
        s.db.store.close().await;
    })
    .await;
}

#[tokio::test]
async fn findings_filter_by_code_severity_and_resource() {
    on_both("filter", false, |s| async move {
        let v = s
            .push("filters", &example("hub-spoke-firewall"), None)
            .await
            .unwrap();
        let id = v["id"].as_i64().unwrap();
        let all = s.json(&format!("/api/v1/snapshots/{id}/findings")).await;
        let all = all["findings"].as_array().unwrap().clone();
        assert!(all.len() >= 2, "{all:?}");
        let code = all[0]["code"].as_str().unwrap().to_string();
        let by_code = s
            .json(&format!("/api/v1/snapshots/{id}/findings?code={code}"))
            .await;
        let by_code = by_code["findings"].as_array().unwrap();
        assert!(!by_code.is_empty() && by_code.iter().all(|f| f["code"] == code));
        let warnings = s
            .json(&format!("/api/v1/snapshots/{id}/findings?severity=warning"))
            .await;
        assert!(
            warnings["findings"]
                .as_array()
                .unwrap()
                .iter()
                .all(|f| f["severity"] == "warning")
        );
        let none = s
            .json(&format!(
                "/api/v1/snapshots/{id}/findings?resource=no-such-thing"
            ))
            .await;
        assert!(none["findings"].as_array().unwrap().is_empty());
        // The page filters the same way and links each finding to its rule's documentation.
        let (_, page) = s.get(&format!("/snapshots/{id}?code={code}")).await;
        assert_eq!(
            page.matches("class=\"finding\"").count(),
            by_code.len(),
            "{page}"
        );
        assert!(page.contains(&format!("href=\"/rules/{code}\"")));
        let (status, rule) = s.get(&format!("/rules/{code}")).await;
        assert_eq!(status, 200);
        assert!(rule.contains("<h2>Fix</h2>") && rule.contains("<h2>Sources</h2>"));
        s.db.store.close().await;
    })
    .await;
}

#[tokio::test]
async fn the_trace_explorer_lists_hops_and_marks_the_path() {
    on_both("trace", false, |s| async move {
        let v = s
            .push("trace", &example("managed-network-approved-outbound"), None)
            .await
            .unwrap();
        let id = v["id"].as_i64().unwrap();
        // README: a managed network in approved-outbound mode stops a package download.
        let t = s
            .json(&format!(
                "/api/v1/snapshots/{id}/trace?from=compute/cpu-cluster&to=fqdn:github.com&port=443"
            ))
            .await;
        assert_eq!(t["verdict"], "denied", "{t}");
        assert_eq!(t["blocked_by"]["code"], "MVN_NOT_APPROVED");
        let (status, page) = s
            .get(&format!(
                "/snapshots/{id}/trace?from=compute/cpu-cluster&to=fqdn:github.com&port=443"
            ))
            .await;
        assert_eq!(status, 200);
        assert!(page.contains("id=\"verdict\" class=\"denied\""), "{page}");
        assert!(
            page.contains("<tr class=\"blocked\">"),
            "the blocking hop is marked"
        );
        assert!(page.contains("MVN_NOT_APPROVED"));
        assert!(page.contains("id=\"fix\""));
        // A misspelt address is a 400 with the message, the form shown again.
        let (status, page) = s
            .get(&format!(
                "/snapshots/{id}/trace?from=compute/cpu-clustr&to=internet"
            ))
            .await;
        assert_eq!(status, 400, "{page}");
        assert!(page.contains("id=\"trace-error\""));
        assert!(page.contains("cpu-cluster"), "did you mean");
        let (status, body) = s
            .get(&format!(
                "/api/v1/snapshots/{id}/trace?from=nonsense&to=internet"
            ))
            .await;
        assert_eq!(status, 400, "{body}");
        let (status, _) = s
            .get(&format!(
                "/api/v1/snapshots/{id}/trace?from=compute/cpu-cluster&to=internet&port=99999"
            ))
            .await;
        assert_eq!(status, 400);
        s.db.store.close().await;
    })
    .await;
}

#[tokio::test]
async fn history_and_the_diff_of_two_snapshots() {
    on_both("history", false, |s| async move {
        let a = s
            .push("hist", &example("private-registry"), None)
            .await
            .unwrap();
        // The registry's storage opened to the internet: the change of a public access flag.
        let changed = modified(
            "private-registry",
            "storage: { public_network_access: Disabled }",
            "storage: { public_network_access: Enabled }",
        );
        let b = s.push("hist", &changed, None).await.unwrap();
        std::fs::remove_dir_all(&changed).unwrap();
        let (a, b) = (a["id"].as_i64().unwrap(), b["id"].as_i64().unwrap());
        let list = s.json("/api/v1/projects/hist/snapshots").await;
        let ids: Vec<i64> = list["snapshots"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["id"].as_i64().unwrap())
            .collect();
        assert_eq!(ids, [a, b]);
        let d = s.json(&format!("/api/v1/diff?base={a}&head={b}")).await;
        let new = d["findings"]["new"].as_array().unwrap();
        assert!(
            new.iter()
                .any(|f| f["resource"].as_str().unwrap_or("").contains("contosoreg")),
            "a finding on the registry is new: {d}"
        );
        assert!(d["findings"]["fixed"].as_array().unwrap().is_empty());
        let (status, page) = s.get(&format!("/diff?base={a}&head={b}")).await;
        assert_eq!(status, 200);
        assert!(page.contains("id=\"diff-summary\""));
        assert!(page.contains("id=\"findings-new\""));
        assert!(page.contains("contosoreg"));
        let (status, hist) = s.get("/projects/hist").await;
        assert_eq!(status, 200);
        assert!(hist.contains("id=\"timeline\""));
        assert!(hist.contains("id=\"diff-form\""));
        // Comparing with a snapshot that does not exist is a 404.
        let (status, _) = s.get(&format!("/diff?base={a}&head=99999")).await;
        assert_eq!(status, 404);
        s.db.store.close().await;
    })
    .await;
}

#[tokio::test]
async fn concurrent_pushes_each_store_a_whole_snapshot() {
    on_both("concurrent_push", false, |s| async move {
        let mut tasks = Vec::new();
        for i in 0..6 {
            let s = s.clone();
            tasks.push(tokio::spawn(async move {
                let ex = if i % 2 == 0 {
                    "private-registry"
                } else {
                    "workspace-private-endpoint"
                };
                s.push("many", &example(ex), None).await.unwrap()
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        let list = s.json("/api/v1/projects/many/snapshots").await;
        assert_eq!(list["snapshots"].as_array().unwrap().len(), 6);
        s.db.store.close().await;
    })
    .await;
}

#[tokio::test]
async fn unknown_pages_and_snapshots_are_404() {
    let db = moat_store::testing::sqlite("not_found").await;
    let s = Server::start(db, false).await;
    for p in [
        "/snapshots/42",
        "/snapshots/42/topology",
        "/snapshots/42/trace",
        "/projects/none",
        "/rules/NOPE001",
        "/nothing",
        "/api/v1/snapshots/42",
        "/api/v1/projects/none/snapshots",
        "/api/v1/nothing",
    ] {
        let (status, _) = s.get(p).await;
        assert_eq!(status, 404, "{p}");
    }
    let (status, _) = s.get("/snapshots/not-a-number").await;
    assert_eq!(status, 400);
    s.stop().await;
}

#[tokio::test]
async fn stored_inputs_are_analysed_again_as_a_new_snapshot() {
    on_both("reanalyse", false, |s| async move {
        let v = s
            .push("again", &example("hub-spoke-firewall"), None)
            .await
            .unwrap();
        let first = v["id"].as_i64().unwrap();
        let (status, body) = moat_serve::push::request(
            "POST",
            &format!("{}/api/v1/snapshots/{first}/reanalyse", s.base),
            &[],
            Vec::new(),
        )
        .await
        .unwrap();
        assert_eq!(status, 201, "{}", String::from_utf8_lossy(&body));
        let again: serde_json::Value = serde_json::from_slice(&body).unwrap();
        let second = again["id"].as_i64().unwrap();
        assert_ne!(second, first, "a new snapshot; the original stays");
        assert_eq!(again["reanalysis_of"], first);
        assert_eq!(again["url"], format!("/snapshots/{second}"));
        // The same project and revision, the same inputs; this moat's analysis of them.
        for key in [
            "project",
            "revision",
            "pusher",
            "input_format",
            "findings",
            "operations",
            "flows",
        ] {
            assert_eq!(again[key], v[key], "{key}");
        }
        let files = |id: i64| {
            let s = s.clone();
            async move { s.json(&format!("/api/v1/snapshots/{id}/files")).await["files"].clone() }
        };
        assert_eq!(files(first).await, files(second).await);
        let list = s.json("/api/v1/projects/again/snapshots").await;
        assert_eq!(list["snapshots"].as_array().unwrap().len(), 2);
        // Nothing to re-analyse: 404.
        let (status, _) = moat_serve::push::request(
            "POST",
            &format!("{}/api/v1/snapshots/999/reanalyse", s.base),
            &[],
            Vec::new(),
        )
        .await
        .unwrap();
        assert_eq!(status, 404);
        s.db.store.close().await;
    })
    .await;
}
