//! End-to-end in a real browser: headless Chromium driven over WebDriver (chromedriver).
//! Skipped with a notice when chromedriver is not installed, unless SALESDESK_REQUIRE_BROWSER=1.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use salesdesk_test_support::{DEMO_PASSWORD, TestApp};

struct Driver {
    child: Child,
    port: u16,
    _profile: tempfile::TempDir,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn chromedriver() -> Option<String> {
    ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
        .map(str::to_string)
}

async fn start() -> Option<(Driver, Client)> {
    let Some(bin) = chromedriver() else {
        if std::env::var("SALESDESK_REQUIRE_BROWSER").as_deref() == Ok("1") {
            panic!("SALESDESK_REQUIRE_BROWSER=1 but chromedriver is not installed");
        }
        eprintln!(
            "skipped: browser test needs chromedriver (apt-get install chromium chromium-driver)"
        );
        return None;
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(bin)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let profile = tempfile::tempdir().unwrap();
    let driver = Driver {
        child,
        port,
        _profile: profile,
    };
    let caps: serde_json::Map<String, serde_json::Value> = serde_json::from_value(serde_json::json!({
        "goog:chromeOptions": {
            "binary": "/usr/bin/chromium",
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--window-size=1280,900",
                     format!("--user-data-dir={}", driver._profile.path().display())]
        }
    }))
    .unwrap();
    let url = format!("http://127.0.0.1:{}", driver.port);
    for _ in 0..50 {
        match ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps.clone())
            .connect(&url)
            .await
        {
            Ok(c) => return Some((driver, c)),
            Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
    panic!("chromedriver did not accept a session");
}

#[tokio::test]
async fn a_person_logs_in_through_the_real_login_page_and_sees_the_dashboard() {
    let Some((_driver, b)) = start().await else {
        return;
    };
    let t = TestApp::with_demo().await;
    b.goto(&t.url("/")).await.unwrap();
    // Sent to the login page first.
    assert!(b.current_url().await.unwrap().path().starts_with("/login"));
    b.find(Locator::Css("#login"))
        .await
        .unwrap()
        .send_keys("north.manager")
        .await
        .unwrap();
    b.find(Locator::Css("#password"))
        .await
        .unwrap()
        .send_keys(DEMO_PASSWORD)
        .await
        .unwrap();
    b.find(Locator::Css("button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    // The login page has an <h1> too: wait until the browser has left it before reading.
    let mut on_dashboard = false;
    for _ in 0..100 {
        if b.current_url().await.unwrap().path() == "/" {
            on_dashboard = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(on_dashboard, "login did not lead to the dashboard");
    let h1 = b.wait().for_element(Locator::Css("main h1")).await.unwrap();
    assert_eq!(h1.text().await.unwrap(), "你好，李明华");
    let body = b
        .find(Locator::Css("body"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(body.contains("地区销售经理"), "{body}");
    assert!(
        body.contains("华北大区"),
        "the manager's scope names their region"
    );
    // The navigation leads to the people directory, filtered to the manager's region.
    b.goto(&t.url("/people?region=1")).await.unwrap();
    let rows = b
        .find_all(Locator::Css("table.list tbody tr"))
        .await
        .unwrap();
    assert_eq!(rows.len(), 9);
    b.close().await.unwrap();
}
