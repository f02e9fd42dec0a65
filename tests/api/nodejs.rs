//! Node.js programs the tests run against a live server: `tests/node/` (Apollo Client)
//! and `clients/typescript/` (the generated client). Their packages are installed once
//! per test run with `npm ci` from the committed lock files. Where Node.js is missing the
//! tests that need it say so on stderr and pass, unless `CONCORD_REQUIRE_TOOLS` is set
//! (CI sets it): then they fail.

use serde_json::Value;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Mutex;

/// A directory of the repository.
pub fn dir(relative: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(relative)
}

/// Whether `node` and `npm` run; where they do not, says so (or fails, if required).
pub fn available(test: &str) -> bool {
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

/// Installs a directory's packages once per test run (tests run in parallel: one
/// installs, the others wait).
pub fn install(dir: &Path) {
    static INSTALLED: Mutex<Option<HashSet<PathBuf>>> = Mutex::new(None);
    let mut installed = INSTALLED.lock().unwrap_or_else(|p| p.into_inner());
    let installed = installed.get_or_insert_with(HashSet::new);
    if installed.contains(dir) {
        return;
    }
    let output = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(dir)
        .output()
        .expect("run npm ci");
    assert!(
        output.status.success(),
        "npm ci in {} failed:\n{}",
        dir.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    installed.insert(dir.to_owned());
}

/// Runs `program args` in `dir` (off the async runtime), having installed its packages.
pub async fn command(dir: PathBuf, program: &str, args: &[&str]) -> Output {
    let program = program.to_owned();
    let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
    tokio::task::spawn_blocking(move || {
        install(&dir);
        Command::new(&program)
            .args(&args)
            .current_dir(&dir)
            .output()
            .unwrap_or_else(|e| panic!("run {program}: {e}"))
    })
    .await
    .expect("the node task")
}

/// Asserts a command succeeded and returns the JSON it printed.
pub fn json_of(output: &Output) -> Value {
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let last = stdout.trim().lines().last().unwrap_or_default();
    serde_json::from_str(last).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

/// Runs `tests/node/SCRIPT` with `args` and returns the JSON it prints; `None` where
/// Node.js is missing and not required.
pub async fn run(test: &str, script: &str, args: &[&str]) -> Option<Value> {
    if !available(test) {
        return None;
    }
    let mut all = vec![script];
    all.extend_from_slice(args);
    Some(json_of(&command(dir("tests/node"), "node", &all).await))
}
