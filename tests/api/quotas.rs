//! Rate limits: each principal's budget of cost points, charged before a request runs,
//! shared by every instance through the database, shown in `rateLimit`, the
//! `RateLimit-*` headers and `extensions.cost`, and refused with `RATE_LIMITED` (429,
//! `Retry-After`) when spent.

use crate::clients::{client, token_request};
use crate::helpers::{TestApp, spawn_app_with, test_settings};
use concord::config::{RateLimits, parse_rate_limit};
use concord::seed::{self, Dataset};
use concord::service::quotas::{self, Limit};
use entity::enums::Role;
use serde_json::{Value, json};
use std::time::Duration;

fn limits(rules: &[&str]) -> RateLimits {
    let rules: Vec<_> = rules.iter().map(|r| parse_rate_limit(r).unwrap()).collect();
    RateLimits::from_rules(&rules).unwrap()
}

async fn app_with(rules: &[&str]) -> TestApp {
    let mut settings = test_settings();
    settings.rate_limits = limits(rules);
    let app = spawn_app_with(settings).await;
    seed::run(&app.db, Dataset::Report2010).await.unwrap();
    app
}

/// The response's status, rate-limit headers and body.
async fn send(
    app: &TestApp,
    address: &str,
    token: Option<&str>,
    query: &str,
) -> (u16, Vec<Option<String>>, Value) {
    let mut request = app
        .client
        .post(format!("{address}/graphql"))
        .json(&json!({ "query": query }));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
    };
    let headers = vec![
        header("ratelimit-limit"),
        header("ratelimit-remaining"),
        header("ratelimit-reset"),
        header("ratelimit-policy"),
        header("retry-after"),
    ];
    (
        response.status().as_u16(),
        headers,
        response.json().await.unwrap(),
    )
}

/// A query of a few thousand points (what it costs is read from `extensions.cost`).
const COSTLY: &str = "{ rateLimit { cost limit remaining windowSeconds resetAt } contributions(first: 100) { totalCount nodes { title body } } }";

#[tokio::test]
async fn every_response_says_what_is_left_and_a_spent_budget_is_refused_on_every_instance() {
    let app = app_with(&["ANONYMOUS=30000/60"]).await;
    let (status, headers, body) = send(&app, &app.address, None, COSTLY).await;
    assert_eq!(status, 200, "{body}");
    let cost = body["extensions"]["cost"]["requested"].as_u64().unwrap();
    let rate = &body["data"]["rateLimit"];
    assert_eq!(rate["cost"], cost);
    assert_eq!(rate["limit"], 30_000);
    assert_eq!(rate["windowSeconds"], 60);
    let remaining = rate["remaining"].as_u64().unwrap();
    // A few points may have flowed back since the charge; never more than were spent.
    assert!(remaining >= 30_000 - cost && remaining <= 30_000, "{rate}");
    assert_eq!(headers[0].as_deref(), Some("30000"));
    assert_eq!(headers[1].as_deref(), Some(remaining.to_string().as_str()));
    let reset: u64 = headers[2].as_deref().unwrap().parse().unwrap();
    assert!((1..=60).contains(&reset), "{headers:?}");
    assert_eq!(headers[3].as_deref(), Some("30000;w=60"));
    assert_eq!(headers[4], None);
    let reset_at = chrono::DateTime::parse_from_rfc3339(rate["resetAt"].as_str().unwrap()).unwrap();
    assert!(reset_at > chrono::Utc::now());

    // Another instance on the same database charges the same bucket.
    let mut same = test_settings();
    same.rate_limits = limits(&["ANONYMOUS=30000/60"]);
    let other_address = app.another_instance(&same);

    let mut refused = None;
    for i in 0..20 {
        let address = if i % 2 == 0 {
            &other_address
        } else {
            &app.address
        };
        let (status, headers, body) = send(&app, address, None, COSTLY).await;
        if status == 429 {
            refused = Some((headers, body));
            break;
        }
        assert_eq!(status, 200, "{body}");
    }
    let (headers, body) = refused.expect("the budget ran out within 20 requests");
    let error = &body["errors"][0];
    assert_eq!(error["extensions"]["code"], "RATE_LIMITED", "{body}");
    assert!(body.get("data").is_none(), "{body}");
    let retry: u64 = headers[4].as_deref().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry), "{headers:?}");
    assert_eq!(error["extensions"]["retryAfter"], retry);
    assert!(
        error["message"].as_str().unwrap().contains("retry in"),
        "{body}"
    );
    assert!(headers[1].as_deref().unwrap().parse::<u64>().unwrap() < cost);

    // A cheap request still fits where a costly one did not.
    let (status, _, body) = send(&app, &app.address, None, "{ __typename }").await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn budgets_are_per_address_per_role_and_per_client() {
    let mut settings = test_settings();
    settings.rate_limits = limits(&[
        "ANONYMOUS=30000/60",
        "SECRETARIAT=100000/60",
        "OBSERVER=40000/1m",
    ]);
    settings.trusted_proxies = vec![concord::config::parse_proxy("127.0.0.1").unwrap()];
    let app = spawn_app_with(settings.clone()).await;
    seed::run(&app.db, Dataset::Report2010).await.unwrap();

    // Two addresses behind the trusted proxy: two buckets.
    let remaining_for = |ip: &'static str| {
        let app = &app;
        async move {
            let body: Value = app
                .client
                .post(app.url("/graphql"))
                .header("x-forwarded-for", ip)
                .json(&json!({ "query": "{ rateLimit { remaining } contributions(first: 100) { nodes { title } } }" }))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            body["data"]["rateLimit"]["remaining"].as_u64().unwrap()
        }
    };
    let first = remaining_for("203.0.113.7").await;
    let again = remaining_for("203.0.113.7").await;
    let elsewhere = remaining_for("198.51.100.9").await;
    assert!(again < first, "{first} {again}");
    assert!(elsewhere > again, "{elsewhere} {again}");

    let admin = app
        .sign_in_as("sec@un.example", Role::Secretariat, None)
        .await;
    let (_, _, body) = send(
        &app,
        &app.address,
        Some(&admin),
        "{ rateLimit { limit windowSeconds } }",
    )
    .await;
    assert_eq!(
        body["data"]["rateLimit"],
        json!({ "limit": 100000, "windowSeconds": 60 })
    );

    // An OBSERVER client: its role's budget, unless it has its own.
    let (client_id, secret, _) = client(&app, &admin, &["read"]).await;
    let (_, token) = token_request(
        &app,
        Some((&client_id, &secret)),
        &[("grant_type", "client_credentials")],
    )
    .await;
    let token = token["access_token"].as_str().unwrap().to_owned();
    let (_, _, body) = send(&app, &app.address, Some(&token), "{ rateLimit { limit } }").await;
    assert_eq!(body["data"]["rateLimit"]["limit"], 40_000, "{body}");

    settings.rate_limits = limits(&[
        "ANONYMOUS=30000/60",
        "OBSERVER=40000/60",
        &format!("client:{client_id}=50000/30s"),
    ]);
    let other_address = app.another_instance(&settings);
    let (_, headers, body) = send(
        &app,
        &other_address,
        Some(&token),
        "{ rateLimit { limit windowSeconds } }",
    )
    .await;
    assert_eq!(
        body["data"]["rateLimit"],
        json!({ "limit": 50000, "windowSeconds": 30 }),
        "{body}"
    );
    assert_eq!(headers[3].as_deref(), Some("50000;w=30"));
}

#[tokio::test]
async fn the_bucket_drains_at_its_rate_and_never_overflows() {
    let app = app_with(&["ANONYMOUS=30000/60"]).await;
    let limit = Limit {
        points: 60_000,
        window: Duration::from_secs(60),
    };
    let t0 = 1_000_000_000_000_i64;
    // PostgreSQL's table, or with SQLite the process's memory.
    let buckets = quotas::Buckets::for_database(&app.db);
    let charge = |cost: u64, at: i64| buckets.charge("test:bucket", cost, limit, at);
    let first = charge(25_000, t0).await.unwrap();
    assert!(first.allowed);
    assert_eq!(first.remaining, 35_000);
    assert_eq!(first.reset_after, Duration::from_millis(25_000));
    let second = charge(25_000, t0).await.unwrap();
    assert!(second.allowed);
    assert_eq!(second.remaining, 10_000);
    // Full: refused, nothing poured in, and told when 25,000 fit (15 s at 1,000 a second).
    let third = charge(25_000, t0).await.unwrap();
    assert!(!third.allowed);
    assert_eq!(third.remaining, 10_000);
    assert_eq!(third.retry_after, Duration::from_millis(15_000));
    // 15 s later it fits.
    let later = charge(25_000, t0 + 15_000).await.unwrap();
    assert!(later.allowed, "{later:?}");
    assert_eq!(later.remaining, 0);
    // A minute after that, the bucket is empty again (it never goes below zero).
    let idle = charge(1, t0 + 15_000 + 120_000).await.unwrap();
    assert_eq!(idle.remaining, 59_999);
}

#[tokio::test]
async fn lowering_a_budget_caps_the_levels_already_poured() {
    let app = app_with(&["ANONYMOUS=30000/60"]).await;
    let hour = Duration::from_secs(3600);
    let generous = Limit {
        points: 1_000_000,
        window: hour,
    };
    let lowered = Limit {
        points: 100_000,
        window: hour,
    };
    let t0 = 1_000_000_000_000_i64;
    let buckets = quotas::Buckets::for_database(&app.db);
    // A caller spends 900,000 of the generous budget...
    let spent = buckets
        .charge("test:lowered", 900_000, generous, t0)
        .await
        .unwrap();
    assert!(spent.allowed);
    // ...and the operator lowers it to 100,000 an hour. The caller is over the new
    // budget, so refused for now, but its level counts as a full bucket of the new
    // budget, not as 900,000 to drain at the new rate (eight hours): it waits at most a
    // window, and a point fits after 36 ms (100,000 an hour).
    let now = buckets
        .charge("test:lowered", 1, lowered, t0)
        .await
        .unwrap();
    assert!(!now.allowed);
    assert_eq!(now.remaining, 0);
    assert!(now.reset_after <= hour, "{now:?}");
    assert_eq!(now.retry_after, Duration::from_millis(36));
    let soon = buckets
        .charge("test:lowered", 1, lowered, t0 + 37)
        .await
        .unwrap();
    assert!(soon.allowed, "{soon:?}");
    // A window later the whole new budget is there.
    let later = buckets
        .charge("test:lowered", 100_000, lowered, t0 + 37 + 3_600_000)
        .await
        .unwrap();
    assert!(later.allowed, "{later:?}");
}

#[tokio::test]
async fn introspection_costs_little() {
    let app = app_with(&["ANONYMOUS=30000/60"]).await;
    let query = include_str!("fixtures/introspection.graphql");
    let (status, _, body) = send(&app, &app.address, None, query).await;
    assert_eq!(status, 200);
    let cost = body["extensions"]["cost"]["requested"].as_u64().unwrap();
    assert!(cost < 200, "the standard introspection query costs {cost}");
}

#[test]
fn bad_rate_limit_rules_are_refused_with_a_reason() {
    for (rule, reason) in [
        ("ANONYMOUS=-5/60", "not a whole number"),
        ("ANONYMOUS=10/60", "from 25000 points"),
        ("ANONYMOUS=9999999999999/60", "from 25000 points"),
        ("ANONYMOUS=30000/0", "1 second to 24 hours"),
        ("ANONYMOUS=30000/2d", "1 second to 24 hours"),
        ("ANONYMOUS=30000/25h", "1 second to 24 hours"),
        ("EVERYONE=30000/60", "is not ANONYMOUS"),
        ("ANONYMOUS", "WHO=POINTS/WINDOW"),
        ("ANONYMOUS=30000", "POINTS/WINDOW"),
    ] {
        let error = parse_rate_limit(rule).unwrap_err();
        assert!(error.contains(reason), "{rule}: {error}");
    }
    let off = parse_rate_limit("off").unwrap();
    let other = parse_rate_limit("ANONYMOUS=30000/60").unwrap();
    assert!(RateLimits::from_rules(&[off.clone(), other]).is_err());
    assert!(!RateLimits::from_rules(&[off]).unwrap().enabled());
}

#[test]
fn the_server_will_not_start_with_a_bad_rule() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_concord"))
        .args(["serve", "--rate-limit", "ANONYMOUS=10/60"])
        .env("DATABASE_URL", "sqlite::memory:")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("from 25000 points"), "{stderr}");
}

#[tokio::test]
async fn instances_sharing_a_bucket_never_spend_more_than_the_budget_together() {
    let app = app_with(&["ANONYMOUS=30000/60"]).await;
    let limit = Limit {
        points: 25_000,
        window: Duration::from_secs(3600),
    };
    // Two instances (on PostgreSQL each leases shares of the shared bucket).
    let first = quotas::Buckets::for_database(&app.db);
    let second = quotas::Buckets::for_database(&app.db);
    let now = chrono::Utc::now().timestamp_millis();
    let (mut spent, mut refusals) = (0_u64, 0);
    for i in 0..600 {
        let buckets = if i % 3 == 0 { &second } else { &first };
        let charge = buckets
            .charge("test:shared", 100, limit, now)
            .await
            .unwrap();
        if charge.allowed {
            spent += 100;
        } else {
            refusals += 1;
            assert!(charge.retry_after > Duration::ZERO);
        }
    }
    assert!(spent <= 25_000, "{spent} points spent of 25,000");
    // What a lease leaves unspent is lost: at most a share (1 %) per instance.
    assert!(spent >= 25_000 - 2 * 250, "only {spent} points spent");
    assert!(refusals >= 600 - 250, "{refusals}");
}
