//! Node.js clients of the API (`tests/node/`), run by the tests against a live server.
//! Their packages are installed once per test run with `npm ci` from the committed
//! lock file. Where Node.js is missing the tests that need it say so on stderr and pass,
//! unless `CONCORD_REQUIRE_TOOLS` is set (CI sets it): then they fail.

use serde_json::Value;
use std::path::PathBuf;
use std::process::Command;
use std::sync::Mutex;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/node")
}

/// Whether `node` and `npm` run, or `None` (having said why) where they are missing and
/// not required.
fn available(test: &str) -> bool {
    let runs = |program: &str| {
        Command::new(program)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if runs("node") && runs("npm") {
        return true;
    }
    let message = format!("{test}: needs Node.js and npm (Debian: apt-get install nodejs npm)");
    if std::env::var_os("CONCORD_REQUIRE_TOOLS").is_some() {
        panic!("{message}");
    }
    eprintln!("SKIPPED {message}");
    false
}

/// Installs `tests/node`'s packages once (tests run in parallel: one installs, the others
/// wait).
fn install() {
    static INSTALLED: Mutex<bool> = Mutex::new(false);
    let mut installed = INSTALLED.lock().unwrap_or_else(|p| p.into_inner());
    if *installed {
        return;
    }
    let output = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(dir())
        .output()
        .expect("run npm ci");
    assert!(
        output.status.success(),
        "npm ci in tests/node failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    *installed = true;
}

/// Runs `tests/node/SCRIPT` with `args` and returns the JSON it prints; `None` where
/// Node.js is missing and not required.
pub async fn run(test: &str, script: &str, args: &[&str]) -> Option<Value> {
    if !available(test) {
        return None;
    }
    let script = script.to_owned();
    let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
    let output = tokio::task::spawn_blocking(move || {
        install();
        Command::new("node")
            .arg(&script)
            .args(&args)
            .current_dir(dir())
            .output()
            .expect("run node")
    })
    .await
    .expect("the node task");
    assert!(
        output.status.success(),
        "node failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    Some(serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("{e}: {stdout}")))
}
