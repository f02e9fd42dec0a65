//! The deployment of docs/DEPLOY.md with the real parts (issue 21, point 4): Debian's
//! PgBouncer in front of PostgreSQL, Debian's nginx running `docs/deploy/nginx.conf`
//! (its upstreams pointed at 127.0.0.1) over two `concord serve` processes. Under a
//! steady load of mixed queries and mutations through nginx: no errors; a subscriber on
//! one instance hears a publication made on the other; PgBouncer restarted, then one
//! instance killed with SIGKILL, each costing what is printed and each recovered from.
//! PostgreSQL only; where nginx or pgbouncer is missing the test says so, and fails
//! under `CONCORD_REQUIRE_TOOLS`.

use crate::helpers::{free_port, spawn_seeded_app};
use crate::pooler::{Bouncer, Serving};
use entity::enums::Role;
use serde_json::{Value, json};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

const NGINX: &str = "/usr/sbin/nginx";

/// A process stopped (SIGKILL) when dropped.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `concord serve` with these variables (see [`crate::pooler::serve`]), once ready.
async fn serve(client: &reqwest::Client, env: &[(&str, &str)]) -> (Serving, u16) {
    let (serving, port) = crate::pooler::serve(env).await;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let ready = client
            .get(format!("http://127.0.0.1:{port}/readyz"))
            .send()
            .await
            .is_ok_and(|r| r.status() == 200);
        if ready {
            return (serving, port);
        }
        assert!(
            Instant::now() < deadline,
            "an instance did not become ready"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// nginx with the repository's own configuration, balancing over `upstreams`.
fn nginx(upstreams: [u16; 2]) -> (Killed, u16, std::path::PathBuf) {
    let port = free_port();
    let dir = std::env::temp_dir().join(format!("concord-nginx-{port}"));
    std::fs::create_dir_all(&dir).unwrap();
    let conf = include_str!("../../docs/deploy/nginx.conf")
        .replace(
            "server concord-1:8080",
            &format!("server 127.0.0.1:{}", upstreams[0]),
        )
        .replace(
            "server concord-2:8080",
            &format!("server 127.0.0.1:{}", upstreams[1]),
        )
        .replace("listen 80;", &format!("listen 127.0.0.1:{port};"));
    assert!(
        conf.contains(&format!("127.0.0.1:{}", upstreams[1])),
        "{conf}"
    );
    std::fs::write(dir.join("nginx.conf"), conf).unwrap();
    let globals = format!(
        "daemon off; pid {0}/nginx.pid; error_log {0}/error.log;",
        dir.display()
    );
    let child = Command::new(NGINX)
        .args(["-c", dir.join("nginx.conf").to_str().unwrap()])
        .args(["-p", dir.to_str().unwrap(), "-g", &globals])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start nginx");
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "nginx did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    (Killed(child), port, dir)
}

/// What the load saw in one phase.
#[derive(Debug, Default, Clone)]
struct Tally {
    ok: usize,
    failed: Vec<String>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn behind_nginx_and_pgbouncer_two_instances_serve_survive_a_pooler_restart_and_a_kill() {
    let app = spawn_seeded_app().await;
    if !app.db_url.starts_with("postgres") {
        eprintln!("SKIPPED the deployment test: PostgreSQL only (set TEST_DATABASE_URL)");
        return;
    }
    if !std::path::Path::new(NGINX).exists() {
        let message = "the deployment test needs Debian's nginx (apt-get install nginx)";
        if std::env::var_os("CONCORD_REQUIRE_TOOLS").is_some() {
            panic!("{message}");
        }
        eprintln!("SKIPPED {message}");
        return;
    }
    // Debian's PgBouncer (1.18) keeps prepared statements only in session mode.
    let Some(mut bouncer) = Bouncer::start(&app, "session", "the deployment test") else {
        return;
    };
    let through = bouncer.url(&app);
    // LISTEN on a direct connection (through the pooler it would hold a server
    // connection for good, and PgBouncer's safe shutdown waits for every one); pool
    // connections at most five seconds old, so that a restart completes within that.
    let env = [
        ("DATABASE_URL", through.as_str()),
        ("CONCORD_LISTEN_DATABASE_URL", app.db_url.as_str()),
        ("CONCORD_DB_MAX_LIFETIME", "5"),
    ];
    let (first, first_port) = serve(&app.client, &env).await;
    let (second, second_port) = serve(&app.client, &env).await;
    let (_nginx, lb, _dir) = nginx([first_port, second_port]);
    let lb = format!("http://127.0.0.1:{lb}");
    let admin = app
        .sign_in_as("sec@un.example", Role::Secretariat, None)
        .await;

    // A subscriber on one instance hears a publication made on the other.
    let gov = crate::workflow::stakeholder_id(&app, "Government delegation 1").await;
    let member = app
        .sign_in_as("a@gov.example", Role::MemberState, Some(gov))
        .await;
    let consultation = crate::workflow::open_consultation(&app, &admin, "balanced").await;
    let mut socket = crate::live::subscribe(
        &format!("http://127.0.0.1:{first_port}"),
        None,
        &consultation,
    )
    .await;
    let on_second = format!("http://127.0.0.1:{second_port}/graphql");
    let post = |url: String, token: String, query: &'static str, variables: Value| {
        let client = app.client.clone();
        async move {
            client
                .post(url)
                .bearer_auth(token)
                .json(&json!({ "query": query, "variables": variables }))
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    let created = post(on_second.clone(), member.clone(), "mutation($c: ID!) { contributionCreate(input: { consultation: $c, title: \"Heard\", body: \"B\", language: \"en\" }) { contribution { id } } }", json!({ "c": consultation })).await;
    let id = created["data"]["contributionCreate"]["contribution"]["id"].clone();
    post(on_second.clone(), member.clone(), "mutation($id: ID!) { contributionSubmit(input: { id: $id, version: 1 }) { contribution { id } } }", json!({ "id": id })).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    post(on_second, admin.clone(), "mutation($id: ID!) { contributionPublish(input: { id: $id, version: 2 }) { contribution { status } } }", json!({ "id": id })).await;
    assert_eq!(crate::live::published_id(&mut socket).await, id);

    // The load: four clients through nginx, queries and (one in four) mutations, each
    // mutation with an Idempotency-Key (and retried once with it on a 502, as
    // docs/DEPLOY.md tells clients to).
    let phase = Arc::new(std::sync::Mutex::new(0usize));
    let tallies = Arc::new(std::sync::Mutex::new(vec![Tally::default(); 4]));
    let stop = Arc::new(AtomicBool::new(false));
    let mut clients = Vec::new();
    for worker in 0..4 {
        let (client, lb, admin) = (app.client.clone(), lb.clone(), admin.clone());
        let (phase, tallies, stop) = (phase.clone(), tallies.clone(), stop.clone());
        clients.push(tokio::spawn(async move {
            let mut n = 0usize;
            while !stop.load(Ordering::SeqCst) {
                n += 1;
                let mutation = n.is_multiple_of(4);
                let (query, variables) = if mutation {
                    (
                        "mutation($n: String!) { stakeholderCreate(input: { name: $n, group: CIVIL_SOCIETY, accreditation: WSIS_ACCREDITED }) { stakeholder { id } userErrors { code } } }",
                        json!({ "n": format!("Balanced {worker}-{n}") }),
                    )
                } else {
                    (
                        "{ consultations(first: 2) { nodes { title statistics { total } } } }",
                        json!({}),
                    )
                };
                let key = format!("load-{worker}-{n}");
                let mut outcome = String::new();
                for _attempt in 0..2 {
                    let mut request = client
                        .post(format!("{lb}/graphql"))
                        .bearer_auth(&admin)
                        .timeout(Duration::from_secs(10))
                        .json(&json!({ "query": query, "variables": variables }));
                    if mutation {
                        request = request.header("idempotency-key", &key);
                    }
                    outcome = match request.send().await {
                        Err(err) => format!("transport: {err}"),
                        Ok(response) => {
                            let status = response.status().as_u16();
                            let body: Value = response.json().await.unwrap_or(Value::Null);
                            if status == 200
                                && body.get("errors").is_none()
                                && body
                                    .pointer("/data/stakeholderCreate/userErrors/0")
                                    .is_none()
                            {
                                String::new()
                            } else {
                                format!("{status} {body}")
                            }
                        }
                    };
                    if outcome.is_empty() || !outcome.starts_with("502") {
                        break;
                    }
                }
                let at = *phase.lock().unwrap();
                let mut tallies = tallies.lock().unwrap();
                if outcome.is_empty() {
                    tallies[at].ok += 1;
                } else {
                    tallies[at].failed.push(outcome);
                }
            }
        }));
    }
    let set_phase = |p: usize| *phase.lock().unwrap() = p;
    // Phase 0: steady.
    tokio::time::sleep(Duration::from_secs(3)).await;
    // Phase 1: PgBouncer restarted (a safe shutdown, SIGINT, then started again).
    set_phase(1);
    // (On a thread of its own: the load goes on meanwhile.)
    let stopped_in = tokio::task::block_in_place(|| bouncer.restart());
    tokio::time::sleep(Duration::from_secs(3)).await;
    // Phase 2: one instance killed outright.
    set_phase(2);
    drop(second);
    tokio::time::sleep(Duration::from_secs(4)).await;
    // Phase 3: on the one left.
    set_phase(3);
    tokio::time::sleep(Duration::from_secs(3)).await;
    stop.store(true, Ordering::SeqCst);
    for client in clients {
        client.await.unwrap();
    }
    let tallies = tallies.lock().unwrap().clone();
    for (name, t) in [
        "steady",
        "pgbouncer restarted",
        "an instance killed",
        "after",
    ]
    .iter()
    .zip(&tallies)
    {
        println!(
            "{name}: {} answered, {} failed{}",
            t.ok,
            t.failed.len(),
            t.failed
                .first()
                .map(|f| format!(" (first: {f:.200})"))
                .unwrap_or_default()
        );
    }
    println!("pgbouncer stopped in {stopped_in:?} and was started again");
    // Its safe shutdown waited for Concord's connections, which let go within their
    // lifetime (and the request in flight).
    assert!(stopped_in < Duration::from_secs(12), "{stopped_in:?}");
    assert!(
        tallies[0].ok > 20 && tallies[0].failed.is_empty(),
        "steady: {:?}",
        tallies[0]
    );
    assert!(tallies[1].ok > 0, "requests go on after the pooler restart");
    assert!(tallies[2].ok > 0, "requests go on after the kill");
    assert!(
        tallies[3].ok > 20 && tallies[3].failed.is_empty(),
        "after both: {:?}",
        tallies[3]
    );
    drop(first);
}
