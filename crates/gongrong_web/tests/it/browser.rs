//! End to end in real headless Chromium (via chromedriver and WebDriver): sign in as a town
//! caseworker (the login form's CSRF token and cookie), check the stylesheet applies under the
//! strict CSP, search for a name, open the household, see the member; then open the
//! clerical-review queue, open a pair and decide "match" (a form post with the session's CSRF
//! token); sign out; sign in as an auditor, see the household masked, reveal one ID number
//! with a reason.
//!
//! Needs `/usr/bin/chromium` and `/usr/bin/chromedriver` (Debian: `apt-get install -y chromium
//! chromium-driver`); without them the test fails and says so.

use crate::common::{PASSWORD, fixture, head_id, spouse_id};
use fantoccini::{ClientBuilder, Locator};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// Kills chromedriver (and with it the browser it started) however the test ends.
struct ChromeDriver {
    child: Child,
    port: u16,
}

impl ChromeDriver {
    fn start() -> ChromeDriver {
        for bin in [CHROMIUM, CHROMEDRIVER] {
            assert!(
                Path::new(bin).exists(),
                "{bin} is missing: the browser test needs Chromium and chromedriver \
                 (install them with `apt-get install -y chromium chromium-driver`)"
            );
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free port");
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {CHROMEDRIVER}: {e}"));
        let driver = ChromeDriver { child, port };
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "chromedriver did not listen on port {port}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        driver
    }
}

impl Drop for ChromeDriver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// With `GONGRONG_SCREENSHOT_DIR` set, saves a PNG of the current page there (for a person to
/// look at the pages; the test does not need it).
async fn shot(client: &fantoccini::Client, name: &str) {
    if let Some(dir) = std::env::var_os("GONGRONG_SCREENSHOT_DIR") {
        let png = client.screenshot().await.unwrap();
        std::fs::write(Path::new(&dir).join(format!("{name}.png")), png).unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn caseworker_finds_a_household_in_chromium() {
    let fx = fixture().await;
    let pairs = crate::review::add_review_pairs(&fx.store).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(gongrong_web::serve(
        listener,
        fx.state.clone(),
        async move {
            let _ = stopped.await;
        },
    ));

    let driver = ChromeDriver::start();
    let profile = tempfile::tempdir().unwrap();
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": CHROMIUM,
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--window-size=1280,1000",
                format!("--user-data-dir={}", profile.path().display()),
            ],
        }),
    );
    // chromedriver is plain HTTP on loopback: no TLS stack needed.
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    let client = ClientBuilder::new(connector)
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .expect("a WebDriver session in headless Chromium");

    let result = async {
        let wait = Duration::from_secs(15);
        // Signed out: the dashboard sends us to the sign-in form.
        client.goto(&format!("{base}/")).await?;
        let user = client
            .wait()
            .at_most(wait)
            .for_element(Locator::Id("username"))
            .await?;
        assert_eq!(client.current_url().await?.path(), "/login");
        user.send_keys("town_a").await?;
        client
            .find(Locator::Id("password"))
            .await?
            .send_keys(PASSWORD)
            .await?;
        client
            .find(Locator::Css("form.stack button[type=submit]"))
            .await?
            .click()
            .await?;

        // Signed in: the header names the user.
        let name = client
            .wait()
            .at_most(wait)
            .for_element(Locator::Css(".user-name"))
            .await?;
        assert_eq!(name.text().await?, "镇街经办 周强");
        // The stylesheet applies under the CSP (no inline style anywhere): the header is red.
        let bg = client
            .execute(
                "return getComputedStyle(document.querySelector('header.site')).backgroundColor",
                vec![],
            )
            .await?;
        assert_eq!(bg, serde_json::json!("rgb(180, 35, 42)"));
        shot(&client, "dashboard").await;

        // Search by name through the search form.
        client
            .find(Locator::Css("nav.main a[href='/search']"))
            .await?
            .click()
            .await?;
        let q = client
            .wait()
            .at_most(wait)
            .for_element(Locator::Id("q"))
            .await?;
        q.send_keys("王大山").await?;
        client
            .find(Locator::Css("form.search button[type=submit]"))
            .await?
            .click()
            .await?;
        let link = client
            .wait()
            .at_most(wait)
            .for_element(Locator::Css("table.results td a"))
            .await?;
        assert_eq!(link.text().await?, "王大山");
        shot(&client, "search").await;
        link.click().await?;

        // The household page lists both members.
        client
            .wait()
            .at_most(wait)
            .for_element(Locator::Css("td.member-name"))
            .await?;
        assert_eq!(
            client.current_url().await?.path(),
            format!("/households/{}", fx.hh_dongguan)
        );
        let mut names = Vec::new();
        for cell in client.find_all(Locator::Css("td.member-name")).await? {
            names.push(cell.text().await?);
        }
        assert!(names.contains(&"王大山".to_owned()), "{names:?}");
        assert!(names.contains(&"李秀英".to_owned()), "{names:?}");
        shot(&client, "household").await;

        // English, then sign out.
        client
            .find(Locator::Css("a[href^='/lang/en']"))
            .await?
            .click()
            .await?;
        client
            .wait()
            .at_most(wait)
            .for_element(Locator::Css("html[lang='en']"))
            .await?;
        assert_eq!(
            client.current_url().await?.path(),
            format!("/households/{}", fx.hh_dongguan),
            "the switch comes back to the same page"
        );
        shot(&client, "household-en").await;

        // The clerical-review queue: open the most likely pair and decide "match".
        client
            .find(Locator::Css("nav.main a[href='/review']"))
            .await?
            .click()
            .await?;
        let open = client
            .wait()
            .at_most(wait)
            .for_element(Locator::Css("a.open-pair"))
            .await?;
        shot(&client, "review-queue").await;
        open.click().await?;
        let note = client
            .wait()
            .at_most(wait)
            .for_element(Locator::Id("note"))
            .await?;
        assert_eq!(
            client.current_url().await?.path(),
            format!("/review/{}", pairs.wang)
        );
        let mut names = Vec::new();
        for cell in client
            .find_all(Locator::Css("table.compare tr.differs th"))
            .await?
        {
            names.push(cell.text().await?);
        }
        assert!(!names.is_empty(), "differences highlighted");
        shot(&client, "review-pair").await;
        note.send_keys("same person, checked").await?;
        client
            .find(Locator::Css("button.decide-match"))
            .await?
            .click()
            .await?;
        client
            .wait()
            .at_most(wait)
            .for_element(Locator::Css("p.alert.saved"))
            .await?;
        let verdict = client
            .find(Locator::Css(".current-decision .verdict"))
            .await?
            .text()
            .await?;
        assert_eq!(verdict, "Same person");
        shot(&client, "review-decided").await;
        client
            .find(Locator::Css("form.signout button"))
            .await?
            .click()
            .await?;
        client
            .wait()
            .at_most(wait)
            .for_element(Locator::Id("username"))
            .await?;

        // An auditor sees the household masked and reveals one ID number, with a reason.
        client
            .find(Locator::Id("username"))
            .await?
            .send_keys("auditor")
            .await?;
        client
            .find(Locator::Id("password"))
            .await?
            .send_keys(PASSWORD)
            .await?;
        client
            .find(Locator::Css("form.stack button[type=submit]"))
            .await?
            .click()
            .await?;
        client
            .wait()
            .at_most(wait)
            .for_element(Locator::Css(".user-name"))
            .await?;
        client
            .goto(&format!("{base}/households/{}", fx.hh_dongguan))
            .await?;
        let reason = client
            .wait()
            .at_most(wait)
            .for_element(Locator::Id("reveal-reason"))
            .await?;
        let page = client.source().await?;
        assert!(!page.contains(head_id().as_str()), "masked on the page");
        assert!(page.contains(&head_id().masked()));
        reason.send_keys("抽查低保审批材料").await?;
        client
            .find(Locator::Css("form.reveal-form button[type=submit]"))
            .await?
            .click()
            .await?;
        let value = client
            .wait()
            .at_most(wait)
            .for_element(Locator::Css(".revealed-value"))
            .await?
            .text()
            .await?;
        assert!(
            value == head_id().as_str() || value == spouse_id().as_str(),
            "revealed {value}"
        );
        shot(&client, "revealed").await;
        Ok::<_, fantoccini::error::CmdError>(())
    }
    .await;

    let _ = client.close().await;
    drop(driver);
    let _ = stop.send(());
    server.await.unwrap().unwrap();
    result.unwrap();
    let decisions = fx.store.review_decisions().await.unwrap();
    assert_eq!(
        decisions,
        vec![(
            pairs.wang_key.0,
            pairs.wang_key.1,
            gongrong_store::ReviewVerdict::Match
        )]
    );
    // The browser's session carried the right tokens throughout: no refusal was logged, and
    // the reveal is on record with its reason.
    let events = fx.events(500).await;
    assert!(
        !events.iter().any(|e| e.action == "csrf.rejected"),
        "{events:?}"
    );
    assert!(events.iter().any(|e| e.action == "field.reveal"
        && e.actor == "auditor"
        && e.detail.ends_with("reason: 抽查低保审批材料")));
}
