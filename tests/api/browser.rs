//! Headless Chromium for the browser tests, driven over WebDriver by Debian's
//! `chromedriver` (no downloaded browser). The browser may reach 127.0.0.1 and nothing
//! else: every host name fails to resolve.
//!
//! Where Chromium or chromedriver is missing the browser tests say so on stderr and pass,
//! unless `CONCORD_REQUIRE_TOOLS` is set (CI sets it, after installing both): then they
//! fail.

use serde_json::{Value, json};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// A browser session; the driver process ends with it.
pub struct Browser {
    driver: Child,
    base: String,
    session: String,
    client: reqwest::Client,
}

impl Browser {
    /// Starts a headless browser, or `None` (having said why) where none is installed
    /// and none is required.
    pub async fn start(test: &str) -> Option<Browser> {
        // reqwest is built without a TLS provider of its own (see the telemetry module).
        concord::telemetry::install_crypto_provider();
        if !Path::new(CHROMIUM).exists() || !Path::new(CHROMEDRIVER).exists() {
            let message = format!(
                "{test}: needs Debian's chromium and chromium-driver \
                 (apt-get install chromium chromium-driver)"
            );
            if std::env::var_os("CONCORD_REQUIRE_TOOLS").is_some() {
                panic!("{message}");
            }
            eprintln!("SKIPPED {message}");
            return None;
        }
        let port = crate::helpers::free_port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let base = format!("http://127.0.0.1:{port}");
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(r) = client.get(format!("{base}/status")).send().await
                && r.status().is_success()
            {
                break;
            }
            assert!(Instant::now() < deadline, "chromedriver did not start");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let capabilities = json!({ "capabilities": { "alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu",
                    "--disable-dev-shm-usage", "--window-size=1280,800",
                    "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync",
                    // No network beyond 127.0.0.1: every name fails to resolve.
                    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
                ],
            },
        } } });
        let mut browser = Browser {
            driver,
            base,
            session: String::new(),
            client,
        };
        let created = browser.call("POST", "/session", capabilities).await;
        browser.session = created["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("a WebDriver session: {created}"))
            .to_owned();
        Some(browser)
    }

    async fn call(&self, method: &str, path: &str, body: Value) -> Value {
        let url = format!("{}{path}", self.base);
        let request = match method {
            "POST" => self.client.post(url).json(&body),
            "DELETE" => self.client.delete(url),
            _ => self.client.get(url),
        };
        let response: Value = request
            .send()
            .await
            .expect("WebDriver request")
            .json()
            .await
            .expect("WebDriver JSON");
        response["value"].clone()
    }

    /// Opens `url` and waits for it to load.
    pub async fn goto(&self, url: &str) {
        let path = format!("/session/{}/url", self.session);
        let result = self.call("POST", &path, json!({ "url": url })).await;
        assert!(result.is_null(), "navigate to {url}: {result}");
    }

    /// axe-core's findings on the page as it stands (`[]`: none), each as
    /// "rule: the elements"; `None` where Node.js (which installs axe-core from
    /// `tests/node`) is missing and not required.
    pub async fn axe_violations(&self) -> Option<Value> {
        if !crate::nodejs::available("axe-core") {
            return None;
        }
        let dir = crate::nodejs::dir("tests/node");
        let source = tokio::task::spawn_blocking(move || {
            crate::nodejs::install(&dir);
            std::fs::read_to_string(dir.join("node_modules/axe-core/axe.min.js")).expect("axe-core")
        })
        .await
        .unwrap();
        self.run(&source, json!([])).await;
        Some(
            self.run(
                "return axe.run(document, { resultTypes: ['violations'] }).then(r => \
                   r.violations.map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', ')));",
                json!([]),
            )
            .await,
        )
    }

    /// Runs `script` (a function body; `arguments` are `args`) and returns its value.
    pub async fn run(&self, script: &str, args: Value) -> Value {
        let path = format!("/session/{}/execute/sync", self.session);
        self.call("POST", &path, json!({ "script": script, "args": args }))
            .await
    }

    /// Runs `script` until it returns something other than null or false; panics after
    /// `seconds` with `what` and the last value.
    pub async fn wait_for(&self, what: &str, seconds: u64, script: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(seconds);
        loop {
            let value = self.run(script, json!([])).await;
            if !value.is_null() && value != Value::Bool(false) {
                return value;
            }
            assert!(
                Instant::now() < deadline,
                "waited {seconds} s for {what}: {value}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Resizes the window (to take a taller screenshot).
    #[allow(dead_code)]
    pub async fn set_window(&self, width: u32, height: u32) {
        let path = format!("/session/{}/window/rect", self.session);
        self.call("POST", &path, json!({ "width": width, "height": height }))
            .await;
    }

    /// The value of the page's cookie `name` (HttpOnly ones too: the browser's own view).
    #[allow(dead_code)]
    pub async fn cookie(&self, name: &str) -> String {
        let path = format!("/session/{}/cookie/{name}", self.session);
        let cookie = self.call("GET", &path, Value::Null).await;
        cookie["value"]
            .as_str()
            .unwrap_or_else(|| panic!("no cookie {name}: {cookie}"))
            .to_owned()
    }

    /// A PNG of the window.
    #[allow(dead_code)]
    pub async fn screenshot(&self) -> Vec<u8> {
        use base64::Engine;
        let path = format!("/session/{}/screenshot", self.session);
        let data = self.call("GET", &path, Value::Null).await;
        base64::engine::general_purpose::STANDARD
            .decode(data.as_str().expect("a screenshot"))
            .expect("base64")
    }

    /// Every URL the page loaded (the page itself, its scripts, styles, fetches).
    pub async fn loaded_urls(&self) -> Vec<String> {
        let urls = self
            .run(
                "return [location.href].concat(performance.getEntriesByType('resource').map(e => e.name));",
                json!([]),
            )
            .await;
        urls.as_array()
            .expect("a list")
            .iter()
            .map(|u| u.as_str().unwrap_or_default().to_owned())
            .collect()
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Ending the session closes Chromium (a plain HTTP/1.1 DELETE: no runtime here);
        // then the driver goes.
        use std::io::{Read, Write};
        let address = self.base.trim_start_matches("http://");
        if let Ok(mut stream) = std::net::TcpStream::connect(address) {
            let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
            let _ = write!(
                stream,
                "DELETE /session/{} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n",
                self.session
            );
            let _ = stream.read_to_end(&mut Vec::new());
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
