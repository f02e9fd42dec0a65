//! The benchmark script keeps working: `bench/run.py --smoke` seeds a tiny synthetic
//! dataset into a database of its own, starts this build's server on it, writes every
//! query shape, runs each (with Python's requests, not wrk) and prints the table. It
//! fails if a shape cannot be written or answers with an error.

use crate::helpers::TestDb;
use std::process::Command;

#[tokio::test]
async fn the_benchmark_runs_every_shape_at_a_tiny_size() {
    let db = TestDb::create().await;
    let port = crate::helpers::free_port();
    let out = std::env::temp_dir().join(format!("concord-bench-smoke-{port}"));
    let root = env!("CARGO_MANIFEST_DIR");
    let run = Command::new("python3")
        .current_dir(root)
        .args([
            "bench/run.py",
            "--smoke",
            "--peers",
            "concord",
            "--seconds",
            "1",
        ])
        .args(["--contributions", "400", "--stakeholders", "20"])
        .args(["--binary", env!("CARGO_BIN_EXE_concord")])
        .args(["--database-url", &db.url])
        .args(["--port", &port.to_string()])
        .arg("--out")
        .arg(&out)
        .output()
        .expect("python3 runs bench/run.py");
    let _ = std::fs::remove_dir_all(&out);
    let stdout = String::from_utf8_lossy(&run.stdout);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{stdout}\n{stderr}");
    for shape in [
        "trivial",
        "page50_stakeholder",
        "nested50x10_total",
        "nested100x10_body",
        "node_by_id",
        "statistics",
        "search_selective",
        "search_broad",
        "export_csv",
    ] {
        let row = stdout
            .lines()
            .find(|l| l.starts_with(&format!("| {shape} |")))
            .unwrap_or_else(|| panic!("no row for {shape}:\n{stdout}"));
        // | shape | Concord's req/s (p50/p99 ms) | ratio (none without peers) |
        let concord = row.split('|').nth(2).unwrap_or("").trim();
        assert!(
            concord.contains("req/s") || concord.contains('('),
            "{shape} was measured: {row}"
        );
        assert!(!concord.contains('—'), "{shape} was measured: {row}");
    }
    assert!(stdout.contains("| peak RSS MB |"), "{stdout}");
}
