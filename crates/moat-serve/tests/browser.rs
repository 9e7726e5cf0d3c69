//! The pages as a person sees them: headless Chromium, driven over WebDriver by chromedriver
//! (Debian's `chromium` and `chromium-driver`), opens the server's pages, runs a trace in the
//! explorer, clicks an element of the topology, and takes screenshots whose pixels are
//! checked. Without Chromium the test says it was skipped, unless `MOAT_REQUIRE_BROWSER` is
//! set (as `.ci/run` sets it): then it fails.

mod common;

use common::{Server, example};
use fantoccini::{Client, ClientBuilder, Locator};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const REQUIRE_VAR: &str = "MOAT_REQUIRE_BROWSER";

/// The first of these programs on the PATH or at its Debian path.
fn program(names: &[&str]) -> Option<PathBuf> {
    for n in names {
        let direct = Path::new("/usr/bin").join(n);
        if direct.is_file() {
            return Some(direct);
        }
        if let Some(paths) = std::env::var_os("PATH") {
            for dir in std::env::split_paths(&paths) {
                let p = dir.join(n);
                if p.is_file() {
                    return Some(p);
                }
            }
        }
    }
    None
}

/// Stops a process this test started, and waits for it.
struct Started(Child);

impl Drop for Started {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Counts the pixels of a PNG close to a colour.
fn pixels_near(png_bytes: &[u8], rgb: (u8, u8, u8), tolerance: i32) -> usize {
    let decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
    let mut reader = decoder.read_info().expect("a PNG");
    let mut buf = vec![0; reader.output_buffer_size().expect("a size")];
    let info = reader.next_frame(&mut buf).expect("a frame");
    let channels = info.color_type.samples();
    assert!(channels >= 3, "a colour screenshot");
    buf[..info.buffer_size()]
        .chunks(channels)
        .filter(|p| {
            (i32::from(p[0]) - i32::from(rgb.0)).abs() <= tolerance
                && (i32::from(p[1]) - i32::from(rgb.1)).abs() <= tolerance
                && (i32::from(p[2]) - i32::from(rgb.2)).abs() <= tolerance
        })
        .count()
}

async fn text(c: &Client, css: &str) -> String {
    c.wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css} is shown: {e}"))
        .text()
        .await
        .unwrap()
}

async fn session(driver_port: u16, profile: &Path, chromium: &Path) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": chromium,
            "args": [
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--window-size=1400,1000",
                format!("--user-data-dir={}", profile.display()),
            ]
        }),
    );
    let url = format!("http://127.0.0.1:{driver_port}");
    let mut last = None;
    // chromedriver needs a moment to listen.
    for _ in 0..50 {
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        match ClientBuilder::new(connector)
            .capabilities(caps.clone())
            .connect(&url)
            .await
        {
            Ok(c) => return c,
            Err(e) => last = Some(e),
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("no WebDriver session at {url}: {last:?}");
}

#[tokio::test]
async fn a_person_browses_a_pushed_deployment_and_runs_a_trace() {
    let (Some(chromium), Some(driver)) = (
        program(&["chromium", "chromium-browser"]),
        program(&["chromedriver"]),
    ) else {
        if std::env::var_os(REQUIRE_VAR).is_some() {
            panic!("{REQUIRE_VAR} is set but chromium or chromedriver is missing");
        }
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "skipped: the browser test needs chromium and chromedriver \
             (apt-get install chromium chromium-driver)"
        );
        return;
    };
    let db = moat_store::testing::sqlite("browser").await;
    let s = Server::start(db, false).await;
    let v = s
        .push(
            "managed",
            &example("managed-network-approved-outbound"),
            None,
        )
        .await
        .unwrap();
    let id = v["id"].as_i64().unwrap();
    let reg = s
        .push("registry", &example("private-registry"), None)
        .await
        .unwrap();
    let reg_id = reg["id"].as_i64().unwrap();

    let port = free_port();
    let profile = std::env::temp_dir().join(format!("moat-browser-{}-{port}", std::process::id()));
    std::fs::create_dir_all(&profile).unwrap();
    let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let started = Started(
        Command::new(&driver)
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts"),
    );
    let session = session(port, &profile, &chromium).await;
    let c = session.clone();
    let base = s.base.clone();
    let outcome = async move {
        // The project list links to each project's history.
        c.goto(&format!("{}/", base)).await.unwrap();
        let projects = text(&c, "#projects").await;
        assert!(
            projects.contains("managed") && projects.contains("registry"),
            "{projects}"
        );
        c.find(Locator::LinkText("registry"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        let snapshots = text(&c, "#snapshots").await;
        assert!(snapshots.contains("abc123"), "{snapshots}");

        // The overview: posture, operations, findings.
        c.goto(&format!("{}/snapshots/{reg_id}", base))
            .await
            .unwrap();
        let ops = text(&c, "#operations").await;
        assert!(
            ops.contains("job.registry-asset") && ops.contains("works"),
            "{ops}"
        );

        // The topology: click the registry's private endpoint subnet, see where it is declared.
        c.goto(&format!("{}/snapshots/{reg_id}/topology", base))
            .await
            .unwrap();
        c.wait()
            .for_element(Locator::Css("#topology"))
            .await
            .unwrap();
        c.find(Locator::Css("g.el[data-key='compute/cpu-cluster']"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        let props = text(&c, "#props").await;
        assert!(props.starts_with("compute/cpu-cluster"), "{props}");
        assert!(props.contains("declared: topology.yaml:"), "{props}");
        let topo = c
            .find(Locator::Css("#topology"))
            .await
            .unwrap()
            .screenshot()
            .await
            .unwrap();
        std::fs::write(shots.join("topology.png"), &topo).unwrap();
        // The VNet's container fill and the compute's fill are on the picture.
        assert!(
            pixels_near(&topo, (0xee, 0xf4, 0xfb), 2) > 5_000,
            "VNet containers drawn"
        );
        assert!(
            pixels_near(&topo, (0xea, 0xf7, 0xea), 2) > 500,
            "computes drawn"
        );

        // The trace explorer: a package download from a managed network that only approves
        // listed outbound hosts is denied, and the managed network is where it stops.
        c.goto(&format!("{}/snapshots/{id}/trace", base))
            .await
            .unwrap();
        let from = c.find(Locator::Id("from")).await.unwrap();
        from.send_keys("compute/cpu-cluster").await.unwrap();
        c.find(Locator::Id("to"))
            .await
            .unwrap()
            .send_keys("fqdn:github.com")
            .await
            .unwrap();
        c.find(Locator::Id("run"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        let verdict = text(&c, "#verdict").await;
        assert!(verdict.starts_with("DENIED"), "{verdict}");
        let blocked = text(&c, "#hops tr.blocked").await;
        assert!(blocked.contains("MVN_NOT_APPROVED"), "{blocked}");
        let page = c.screenshot().await.unwrap();
        std::fs::write(shots.join("trace.png"), &page).unwrap();
        // The blocking row's background and the path drawn in green are on the screen.
        assert!(
            pixels_near(&page, (0xfd, 0xe8, 0xe6), 2) > 2_000,
            "blocking hop shown"
        );
        assert!(
            pixels_near(&page, (0x1e, 0x7d, 0x32), 30) > 100,
            "path drawn"
        );
    };
    let r = tokio::spawn(outcome).await;
    let _ = session.close().await;
    drop(started);
    let _ = std::fs::remove_dir_all(&profile);
    s.stop().await;
    if let Err(e) = r {
        std::panic::resume_unwind(e.into_panic());
    }
}
