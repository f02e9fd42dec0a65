//! Compiled reads (`src/graphql/compiled/`) answer exactly as the resolvers do: every
//! query here, and random selections, run for all seven kinds of principal on two
//! instances over one database, one planning its queries and one not
//! (`CONCORD_COMPILED_READS=false`), and the two answers must be the same bytes. Every
//! other test's queries are compared too, as maps: the tests' apps run with
//! `CONCORD_COMPILED_READS=verify` (`helpers::test_settings`).

use crate::helpers::{TestApp, compiled_reads, spawn_seeded_app_with, start_instance};
use crate::matrix::{client_token, contribution, stakeholder};
use concord::config::CompiledReads;
use entity::enums::Role;
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

/// The two instances, and a token per principal (`None`: anonymous).
struct Pair {
    app: TestApp,
    resolved: String,
    tokens: Vec<(&'static str, Option<String>)>,
}

impl Pair {
    async fn new() -> Pair {
        let app = spawn_seeded_app_with(compiled_reads(CompiledReads::On)).await;
        // Its own connection, so that `app.query_count()` counts the planning instance's
        // statements alone.
        let db = concord::db::connect(&app.db_url).await.unwrap();
        let resolved = start_instance(
            &compiled_reads(CompiledReads::Off),
            concord::startup::Databases::one(db),
            app.auth.clone(),
        );
        let gov_a = stakeholder(&app, "Government delegation 1").await;
        let gov_b = stakeholder(&app, "Government delegation 2").await;
        let civil = stakeholder(&app, "Civil society organization 1").await;
        // Contributions every principal sees differently.
        contribution(
            &app,
            stakeholder(&app, "Government delegation 3").await,
            "PUBLISHED",
            "MEMBER_STATES",
        )
        .await;
        contribution(&app, gov_a, "DRAFT", "PUBLIC").await;
        contribution(&app, gov_b, "SUBMITTED", "MEMBER_STATES").await;
        contribution(&app, civil, "DRAFT", "PUBLIC").await;
        // Some not attributed: their stakeholder is masked for most.
        app.db
            .execute_unprepared("UPDATE contribution SET attributed = false WHERE id % 7 = 3")
            .await
            .unwrap();
        // Policy issues and mechanisms raised: up to three of each a contribution, with
        // every stance (the report's seed tags none).
        for tagging in [
            "INSERT INTO contribution_issue (contribution_id, policy_issue_id)              SELECT c.id, p.id FROM contribution c, policy_issue p WHERE (c.id * 7 + p.id) % 9 = 0",
            "INSERT INTO contribution_mechanism (contribution_id, mechanism_id, stance)              SELECT c.id, m.id, CASE (c.id + m.id) % 4 WHEN 0 THEN 'SUPPORTS' WHEN 1 THEN 'OPPOSES'              WHEN 2 THEN 'PROPOSES' ELSE 'MENTIONS' END              FROM contribution c, mechanism m WHERE (c.id * 5 + m.id) % 8 = 0",
        ] {
            app.db.execute_unprepared(tagging).await.unwrap();
        }
        let admin = app
            .sign_in_as("sec@un.example", Role::Secretariat, None)
            .await;
        let tokens = vec![
            ("anonymous", None),
            (
                "observer",
                Some(
                    app.sign_in_as("obs@un.example", Role::Observer, Some(civil))
                        .await,
                ),
            ),
            (
                "member A",
                Some(
                    app.sign_in_as("a@gov.example", Role::MemberState, Some(gov_a))
                        .await,
                ),
            ),
            (
                "member B",
                Some(
                    app.sign_in_as("b@gov.example", Role::MemberState, Some(gov_b))
                        .await,
                ),
            ),
            (
                "read client",
                Some(client_token(&app, &admin, gov_a, "MEMBER_STATE", &["read"]).await),
            ),
            (
                "submit client",
                Some(client_token(&app, &admin, civil, "OBSERVER", &["read", "submit"]).await),
            ),
            ("secretariat", Some(admin)),
        ];
        Pair {
            app,
            resolved,
            tokens,
        }
    }

    /// The raw answer of one instance.
    async fn ask(
        &self,
        base: &str,
        token: Option<&str>,
        query: &str,
        variables: &Value,
    ) -> (u16, String) {
        let mut request = self
            .app
            .client
            .post(format!("{base}/graphql"))
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.unwrap();
        (response.status().as_u16(), response.text().await.unwrap())
    }

    /// Runs `query` as every principal on both instances; the answers must be the same.
    /// Returns the planning instance's answers.
    async fn same(&self, query: &str, variables: Value) -> Vec<Value> {
        let mut answers = Vec::new();
        for (who, token) in &self.tokens {
            let planned = self
                .ask(&self.app.address, token.as_deref(), query, &variables)
                .await;
            let resolved = self
                .ask(&self.resolved, token.as_deref(), query, &variables)
                .await;
            assert_eq!(
                planned, resolved,
                "{who}: the plan and the resolvers answer differently to {query} with {variables}"
            );
            answers.push(serde_json::from_str(&planned.1).unwrap());
        }
        answers
    }
}

const EVERY_CONTRIBUTION_FIELD: &str = "id version kind status visibility title language body \
    attributed embargoed onBehalfOfGroup withdrawnReason submittedAt publishedAt createdAt \
    updatedAt group __typename stakeholder { id version name acronym group accreditation \
    countryCode regionalGroup website createdAt updatedAt __typename }";

#[tokio::test]
async fn every_query_answers_the_same_through_the_plan_and_the_resolvers() {
    let pair = Pair::new().await;
    let all = format!(
        "{{ contributions(first: 100) {{ totalCount pageInfo {{ hasNextPage hasPreviousPage startCursor endCursor __typename }} edges {{ __typename cursor node {{ {EVERY_CONTRIBUTION_FIELD} }} }} __typename }} }}"
    );
    let answers = pair.same(&all, json!({})).await;
    // The cases differ between principals (else they would prove little).
    let counts: Vec<i64> = answers
        .iter()
        .map(|a| a["data"]["contributions"]["totalCount"].as_i64().unwrap())
        .collect();
    assert!(counts.iter().any(|c| *c != counts[0]), "{counts:?}");
    let masked = answers[0]["data"]["contributions"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["node"]["stakeholder"].is_null())
        .count();
    assert!(
        masked > 0,
        "some stakeholders are masked from the anonymous"
    );

    // Every contribution by ID, and its cursors, as each principal reads them.
    let secretariat = answers.last().unwrap();
    let edges = secretariat["data"]["contributions"]["edges"]
        .as_array()
        .unwrap();
    assert!(edges.len() > 50);
    let by_id = format!(
        "query($id: ID!) {{ node(id: $id) {{ id ... on Contribution {{ {EVERY_CONTRIBUTION_FIELD} }} ... on Stakeholder {{ name }} }} one: contribution(id: $id) {{ title stakeholder {{ name }} }} }}"
    );
    for edge in edges.iter().step_by(7).chain(edges.iter().rev().take(6)) {
        let id = edge["node"]["id"].as_str().unwrap();
        pair.same(&by_id, json!({ "id": id })).await;
        let cursor = edge["cursor"].as_str().unwrap();
        for page in [
            "query($c: String) { contributions(first: 7, after: $c) { pageInfo { hasNextPage hasPreviousPage startCursor endCursor } nodes { id title } } }",
            "query($c: String) { contributions(last: 5, before: $c) { pageInfo { hasPreviousPage hasNextPage } edges { cursor node { id stakeholder { name } } } } }",
            "query($c: String) { contributions(first: 3, after: $c) { edges { cursor } } }",
        ] {
            pair.same(page, json!({ "c": cursor })).await;
        }
    }

    let shapes = [
        "{ __typename }",
        "{ contributions(first: 50) { nodes { id title publishedAt stakeholder { name } } } }",
        "{ contributions { nodes { id } } }",
        "{ contributions(first: 0) { totalCount nodes { id } pageInfo { hasNextPage startCursor } } }",
        "{ contributions(last: 4) { pageInfo { hasNextPage hasPreviousPage startCursor endCursor } nodes { id } } }",
        "{ contributions(first: 10, orderBy: { field: PUBLISHED_AT, direction: DESC }) { edges { cursor node { id publishedAt } } } }",
        "{ contributions(first: 10, orderBy: { field: SUBMITTED_AT }) { pageInfo { endCursor } edges { cursor node { id submittedAt } } } }",
        "{ contributions(first: 20, filter: { kinds: [WRITTEN_COMMENT], stakeholderGroups: [GOVERNMENT] }) { totalCount nodes { id group kind } } }",
        "{ contributions(filter: { statuses: [DRAFT, SUBMITTED] }) { totalCount nodes { id status stakeholder { name } } } }",
        "{ contributions(filter: { visibilities: [MEMBER_STATES] }) { totalCount nodes { id visibility } } }",
        "{ contributions(filter: { search: \"internet\" }) { totalCount nodes { id title } } }",
        "{ contributions(filter: { languages: [\"fr\", \"en\"], published: { from: \"2010-01-01T00:00:00Z\" } }) { totalCount nodes { id language } } }",
        "{ stakeholders(first: 30) { totalCount nodes { name contributions(first: 3) { totalCount nodes { id title stakeholder { name } } pageInfo { hasNextPage hasPreviousPage endCursor } } } } }",
        "{ stakeholders(first: 10, filter: { groups: [CIVIL_SOCIETY] }) { edges { cursor node { id contributions(first: 2, filter: { statuses: [PUBLISHED] }) { edges { cursor node { id } } } } } } }",
        "{ stakeholders(first: 10, orderBy: { field: NAME, direction: DESC }) { pageInfo { endCursor } nodes { name acronym contributions(last: 2) { totalCount nodes { id body } } } } }",
        "{ stakeholders(first: 5, filter: { search: \"government\" }) { nodes { contributions(first: 2) { nodes { stakeholder { name contributions(first: 1) { totalCount } } } } } } }",
        "{ stakeholders(first: 100) { nodes { id contributions(first: 10, filter: { statuses: [DRAFT] }) { totalCount } } } }",
        "{ a: contributions(first: 1) { nodes { id } } b: stakeholders(first: 1) { nodes { name } } t: __typename }",
        "{ stakeholders(first: 100) { nodes { contributions(first: 10) { nodes { revisions(first: 1) { nodes { body } } } } } } }",
        "{ contributions(first: 30) { nodes { id revisions(last: 2, orderBy: { field: CREATED_AT, direction: DESC }) { totalCount pageInfo { hasNextPage hasPreviousPage startCursor } edges { cursor node { __typename id number title body language contentHash createdAt } } } } } }",
        "{ contributions(first: 5) { nodes { revisions { nodes { translations { language } } } } } }",
        "{ contributions(first: 40) { nodes { id issues(first: 3) { totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } nodes { __typename id version slug title description area onWsisList } } } } }",
        "{ contributions(first: 10, after: \"Y3Vyc29yOjU\") { edges { node { title issues(last: 2, orderBy: { field: TITLE, direction: DESC }) { edges { __typename cursor node { slug } } pageInfo { hasPreviousPage } } } } } }",
        "{ stakeholders(first: 10) { nodes { contributions(first: 5) { nodes { issues { nodes { title } } revisions(first: 1) { nodes { number } } } } } } }",
        "{ contributions(first: 5) { nodes { issues(first: 2) { nodes { title mechanisms { nodes { name } } } } } } }",
        "{ contributions(first: 30) { nodes { id mechanisms(first: 3) { totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { __typename cursor node { __typename stance mechanism { __typename id version name acronym kind scope status established description } } } } } } }",
        "{ contributions(first: 10, after: \"Y3Vyc29yOjM\") { nodes { mechanisms(last: 2) { nodes { stance } pageInfo { hasPreviousPage } } } } }",
        "{ contributions(first: 5) { nodes { mechanisms { nodes { mechanism { name functions } } } } } }",
        "query($yes: Boolean!) { ...Q } fragment Q on Query { contributions(first: 2) { nodes { ...C id @include(if: $yes) } } } fragment C on Contribution { title @skip(if: $yes) body }",
        "{ contributions(first: 3) { ... on ContributionConnection { nodes { ... on Node { id } ... on Contribution { title } } } } }",
        // The resolvers' alone: each gives way whole.
        "{ contributions(first: 2) { nodes { id title(language: \"fr\") } } }",
        "{ contributions(first: 2) { nodes { id id } } }",
        "{ contributions(first: 2) { nodes { id } edges { node { title } } } }",
        // Some root fields planned, the others resolved beside them (or, when a planned
        // one gives way, all resolved).
        "{ contributions(first: 2) { nodes { id } } consultations(first: 1) { nodes { title } } }",
        "{ t: __typename a: contributions(first: 3) { totalCount nodes { id title stakeholder { name } } } consultations(first: 2) { nodes { title } } b: stakeholders(first: 2) { nodes { name contributions(first: 1) { nodes { id } } } } }",
        "{ contributions(first: 2) { nodes { id } } c: contribution(id: \"bad\") { id } }",
        "{ contributions(first: 2) { nodes { id } } big: stakeholders(first: 500) { nodes { name } } }",
        "{ s: stakeholders(first: 3) { nodes { name } } policyIssues(first: 2) { nodes { title } } n: node(id: \"Q29udHJpYnV0aW9uOjk5OTk5\") { id } }",
        "{ contributions(first: 2) { nodes { id title(language: \"fr\") } } s: stakeholders(first: 2) { totalCount nodes { name } } }",
        "query($yes: Boolean!) { contributions(first: 2) @include(if: $yes) { nodes { id } } mechanisms(first: 2) { nodes { name } } }",
        "{ contributions(first: 2) { nodes { meeting { title } } } }",
        // Bad input: the resolvers' errors, whichever instance.
        "{ contributions(first: 500) { nodes { id } } }",
        "{ contributions(after: \"garbage\") { nodes { id } } }",
        "{ contributions(first: 1, last: 1) { nodes { id } } }",
        "{ contributions(filter: { consultation: \"bad\" }) { nodes { id } } }",
        "{ contributions(filter: { submitted: { from: \"2011-01-01T00:00:00Z\", to: \"2010-01-01T00:00:00Z\" } }) { nodes { id } } }",
        "{ contribution(id: \"bad\") { id } }",
        "{ contribution(id: \"Q29udHJpYnV0aW9uOjk5OTk5\") { id } }",
        "{ node(id: \"Q29udHJpYnV0aW9uOjk5OTk5\") { id } }",
        "{ contributions(first: 2) { nodes { nope } } }",
        "{ stakeholders(first: 2) { nodes { contributions(first: 101) { totalCount } } } }",
    ];
    for query in shapes {
        pair.same(query, json!({ "yes": true })).await;
        pair.same(query, json!({ "yes": false })).await;
    }
    // The nested issues and mechanisms compared above are not empty.
    let tagged = pair
        .same(
            "{ contributions(first: 20) { nodes { issues { totalCount } mechanisms { totalCount nodes { mechanism { name } } } } } }",
            json!({}),
        )
        .await;
    let nodes = tagged.last().unwrap()["data"]["contributions"]["nodes"]
        .as_array()
        .unwrap()
        .clone();
    let sum = |field: &str| -> i64 {
        nodes
            .iter()
            .map(|n| n[field]["totalCount"].as_i64().unwrap())
            .sum()
    };
    assert!(sum("issues") > 0 && sum("mechanisms") > 0, "{nodes:?}");
}

/// A small deterministic generator (xorshift), so that a failure can be replayed.
struct Random(u64);

impl Random {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    /// Some of `items`, each under an alias now and then.
    fn some(&mut self, items: &[&str]) -> String {
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            if self.below(3) == 0 {
                continue;
            }
            if self.below(5) == 0 {
                out.push(format!("f{i}: {item}"));
            } else {
                out.push((*item).to_owned());
            }
        }
        if out.is_empty() {
            out.push("__typename".into());
        }
        out.join(" ")
    }

    fn contribution(&mut self, depth: usize) -> String {
        let mut fields = vec![
            "id",
            "title",
            "status",
            "kind",
            "visibility",
            "publishedAt",
            "submittedAt",
            "group",
            "attributed",
            "language",
            "body",
            "version",
            "withdrawnReason",
            "onBehalfOfGroup",
        ];
        // Now and then a field only the resolvers know.
        if self.below(8) == 0 {
            fields.push(self.pick(&["agendaItem", "meeting { title }", "title(language: \"es\")"]));
        }
        if self.below(3) == 0 {
            fields.push(self.pick(&[
                "revisions(first: 1) { nodes { body number } }",
                "revisions { totalCount edges { cursor node { id title contentHash } } }",
                "revisions(last: 1) { pageInfo { hasPreviousPage } nodes { language createdAt } }",
                "issues(first: 2) { totalCount nodes { slug area onWsisList } }",
                "issues(orderBy: { field: TITLE }) { edges { cursor node { id title } } }",
                "mechanisms(first: 2) { totalCount nodes { stance mechanism { name kind scope } } }",
            ]));
        }
        let stakeholder = if depth < 2 {
            format!("stakeholder {{ {} }}", self.stakeholder(depth + 1))
        } else {
            "stakeholder { name }".into()
        };
        fields.push(&stakeholder);
        let mut out = self.some(&fields);
        if self.below(4) == 0 {
            out = format!("... on Contribution {{ {out} }}");
        }
        out
    }

    fn stakeholder(&mut self, depth: usize) -> String {
        let mut fields = vec![
            "id",
            "name",
            "acronym",
            "group",
            "countryCode",
            "regionalGroup",
        ];
        let nested = if depth < 2 {
            format!(
                "contributions{} {}",
                self.args(),
                self.connection(depth + 1)
            )
        } else {
            String::new()
        };
        if !nested.is_empty() {
            fields.push(&nested);
        }
        self.some(&fields)
    }

    fn args(&mut self) -> String {
        let mut args = Vec::new();
        match self.below(4) {
            0 => args.push(format!("first: {}", self.below(12))),
            1 => args.push(format!("last: {}", 1 + self.below(5))),
            _ => {}
        }
        if self.below(3) == 0 {
            args.push(
                self.pick(&[
                    "orderBy: { field: PUBLISHED_AT, direction: DESC }",
                    "orderBy: { field: UPDATED_AT }",
                    "filter: { statuses: [PUBLISHED] }",
                    "filter: { kinds: [PRESENTATION, INFORMAL_INTERVENTION] }",
                    "filter: { stakeholderGroups: [PRIVATE_SECTOR, CIVIL_SOCIETY] }",
                ])
                .to_owned(),
            );
        }
        if args.is_empty() {
            String::new()
        } else {
            format!("({})", args.join(", "))
        }
    }

    fn connection(&mut self, depth: usize) -> String {
        let node = self.contribution(depth);
        let mut parts = Vec::new();
        if self.below(2) == 0 {
            parts.push("totalCount".to_owned());
        }
        if self.below(3) == 0 {
            parts.push("pageInfo { hasNextPage hasPreviousPage endCursor }".to_owned());
        }
        if self.below(2) == 0 {
            parts.push(format!("nodes {{ {node} }}"));
        } else {
            parts.push(format!("edges {{ cursor node {{ {node} }} }}"));
        }
        format!("{{ {} }}", parts.join(" "))
    }
}

#[tokio::test]
async fn random_selections_answer_the_same_through_the_plan_and_the_resolvers() {
    let pair = Pair::new().await;
    let mut random = Random(SEED);
    for _ in 0..40 {
        let root = if random.below(2) == 0 {
            format!("contributions{} {}", random.args(), random.connection(0))
        } else {
            format!(
                "stakeholders(first: {}) {{ totalCount nodes {{ {} }} }}",
                1 + random.below(40),
                random.stakeholder(0)
            )
        };
        pair.same(&format!("{{ {root} }}"), json!({})).await;
    }
}

/// The generator's seed.
const SEED: u64 = 0x5eed_c0de_0c0d;

/// Statements the planning instance runs for one query (its own connection counts them).
async fn statements(pair: &Pair, query: &str) -> usize {
    let before = pair.app.query_count();
    let (status, body) = pair.ask(&pair.app.address, None, query, &json!({})).await;
    assert_eq!(status, 200, "{body}");
    assert!(!body.contains("\"errors\""), "{body}");
    pair.app.query_count() - before
}

#[tokio::test]
async fn a_planned_query_reads_each_level_in_one_statement() {
    let pair = Pair::new().await;
    let first = pair
        .app
        .data("{ contributions(first: 1) { nodes { id } } }", json!({}))
        .await;
    let id = first["contributions"]["nodes"][0]["id"].as_str().unwrap();
    // A contribution and its stakeholder: one statement (the resolvers run two).
    let by_id = format!(
        "{{ node(id: \"{id}\") {{ ... on Contribution {{ id title publishedAt stakeholder {{ name }} }} }} }}"
    );
    assert_eq!(statements(&pair, &by_id).await, 1);
    // A page of 50 with their stakeholders: one.
    let page = "{ contributions(first: 50) { nodes { id title publishedAt group stakeholder { name } } } }";
    assert_eq!(statements(&pair, page).await, 1);
    // The same with the page's far side and the whole count: three.
    let paged = "{ contributions(first: 5, after: \"Y3Vyc29yOjU\") { totalCount pageInfo { hasPreviousPage } nodes { id stakeholder { name } } } }";
    assert_eq!(statements(&pair, paged).await, 3);
    // Stakeholders, their contributions and counts, those contributions' bodies and
    // first revisions: one a level (stakeholders, pages, counts, bodies, revisions).
    let nested = "{ stakeholders(first: 20) { nodes { name contributions(first: 3) { totalCount nodes { title body revisions(first: 1) { nodes { number } } } } } } }";
    assert_eq!(statements(&pair, nested).await, 5);
    // A page of 50 with the issues each raises: one statement for the page, one for
    // every contribution's issues.
    let issues =
        "{ contributions(first: 50) { nodes { id title issues(first: 5) { nodes { title } } } } }";
    assert_eq!(statements(&pair, issues).await, 2);
    // With the mechanisms each discusses: the page, the stances, their mechanisms.
    let stances = "{ contributions(first: 50) { nodes { id mechanisms(first: 5) { nodes { stance mechanism { name } } } } } }";
    assert_eq!(statements(&pair, stances).await, 3);
    // A stakeholder's contributions with their stakeholders: the pages carry them.
    let theirs = "{ stakeholders(first: 20) { nodes { contributions(first: 3) { nodes { id group stakeholder { name } } } } } }";
    assert_eq!(statements(&pair, theirs).await, 2);
    // Beside a root field the planner does not know, the page of 50 is still read in
    // one statement (the resolvers read it in two: the page, then its stakeholders).
    let other = "{ consultations(first: 2) { nodes { title } } }";
    let alone = statements(&pair, other).await;
    let both = format!(
        "{{ {} {} }}",
        &page[1..page.len() - 1],
        &other[1..other.len() - 1]
    );
    assert_eq!(statements(&pair, &both).await, 1 + alone, "{both}");
}

/// Under `CONCORD_COMPILED_READS=verify` (the tests' apps), a plan that knows some root
/// fields is compared, field by field, with the resolvers' answer: enums, dates and
/// nested pages included, it agrees.
#[tokio::test]
async fn a_partial_plan_agrees_with_the_resolvers_under_verify() {
    let app = crate::helpers::spawn_seeded_app().await;
    let body = app
        .graphql(
            "{ contributions(first: 5) { totalCount nodes { id kind status visibility group publishedAt stakeholder { name group } issues(first: 2) { nodes { area title } } } } consultations(first: 1) { nodes { title status } } }",
            json!({}),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    assert_eq!(
        body["data"]["contributions"]["nodes"]
            .as_array()
            .map(Vec::len),
        Some(5),
        "{body}"
    );
    assert!(body["data"]["consultations"]["nodes"][0]["status"].is_string());
}

#[tokio::test]
async fn root_fields_are_counted_by_how_they_ran() {
    let app = crate::helpers::spawn_seeded_app().await;
    // A server of its own, so that its metrics count only these requests.
    let (_serving, port) = crate::pooler::serve(&[
        ("DATABASE_URL", &app.db_url),
        ("CONCORD_COMPILED_READS", "true"),
    ])
    .await;
    let address = format!("http://127.0.0.1:{port}");
    let counts = || async {
        let mut counts = Vec::new();
        for path in ["compiled", "resolved", "fallback"] {
            let name = format!("concord_graphql_root_fields_total{{path=\"{path}\"}}");
            counts.push(crate::helpers::counter(&app.client, &address, &name).await);
        }
        counts
    };
    let ask = |query: &'static str| {
        let request = app
            .client
            .post(format!("{address}/graphql"))
            .json(&json!({ "query": query }));
        async move { request.send().await.unwrap().json::<Value>().await.unwrap() }
    };
    // Two root fields planned, one resolved beside them.
    let mixed = ask("{ a: contributions(first: 2) { nodes { id title } } consultations(first: 1) { nodes { title } } b: stakeholders(first: 1) { totalCount } }").await;
    assert!(mixed["errors"].is_null(), "{mixed}");
    assert_eq!(mixed["data"]["a"]["nodes"].as_array().unwrap().len(), 2);
    assert_eq!(
        mixed["data"]["consultations"]["nodes"][0]["title"]
            .as_str()
            .map(str::is_empty),
        Some(false),
        "{mixed}"
    );
    assert!(mixed["data"]["b"]["totalCount"].as_i64().unwrap() > 0);
    assert_eq!(counts().await, vec![2, 1, 0]);
    // A planned field that gives way (not found) leaves them all to the resolvers,
    // which say why.
    let gave_way = ask("{ contribution(id: \"Q29udHJpYnV0aW9uOjk5OTk5\") { id } consultations(first: 1) { totalCount } }").await;
    assert_eq!(
        gave_way["errors"][0]["extensions"]["code"], "NOT_FOUND",
        "{gave_way}"
    );
    assert!(
        gave_way["data"]["consultations"]["totalCount"]
            .as_i64()
            .is_some()
    );
    assert_eq!(counts().await, vec![2, 2, 1]);
    // Known whole: compiled; known not at all: resolved.
    ask("{ contributions(first: 1) { nodes { id } } }").await;
    ask("{ consultations(first: 1) { nodes { id } } }").await;
    assert_eq!(counts().await, vec![3, 3, 1]);
}

#[tokio::test]
async fn a_query_validated_before_runs_its_plan_without_the_executor() {
    let app = crate::helpers::spawn_seeded_app().await;
    let secretariat = app
        .sign_in_as("sec@un.example", Role::Secretariat, None)
        .await;
    // A server of its own (its metrics count only these requests), planning queries.
    let (_serving, port) = crate::pooler::serve(&[
        ("DATABASE_URL", &app.db_url),
        ("CONCORD_COMPILED_READS", "true"),
    ])
    .await;
    let address = format!("http://127.0.0.1:{port}");
    let reused = || {
        crate::helpers::counter(
            &app.client,
            &address,
            "concord_graphql_validations_reused_total",
        )
    };
    let ask = |token: Option<String>, query: &'static str, variables: Value| {
        let mut request = app
            .client
            .post(format!("{address}/graphql"))
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        async move {
            let response = request.send().await.unwrap();
            (response.status().as_u16(), response.text().await.unwrap())
        }
    };
    let page = "query($n: Int) { contributions(first: $n) { nodes { id title } } }";
    let first = ask(None, page, json!({ "n": 2 })).await;
    assert_eq!(first.0, 200, "{}", first.1);
    assert_eq!(
        reused().await,
        0,
        "validated by the executor the first time"
    );
    // The same operation again: the same bytes, without the executor.
    assert_eq!(ask(None, page, json!({ "n": 2 })).await, first);
    assert_eq!(reused().await, 1);
    // Other variables are validated first; then they too are known.
    let three = ask(None, page, json!({ "n": 3 })).await;
    let nodes: Value = serde_json::from_str(&three.1).unwrap();
    assert_eq!(
        nodes["data"]["contributions"]["nodes"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    assert_eq!(reused().await, 1);
    assert_eq!(ask(None, page, json!({ "n": 3 })).await, three);
    assert_eq!(reused().await, 2);
    // A variable of the wrong type fails validation, every time: a failure is not kept.
    for _ in 0..2 {
        let (status, body) = ask(None, page, json!({ "n": "three" })).await;
        let body: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(status, 200);
        assert!(body["errors"][0]["message"].is_string(), "{body}");
        assert!(body["data"].is_null(), "{body}");
    }
    assert_eq!(reused().await, 2);
    // Known for one caller, the operation still answers as the resolvers do for
    // another: the secretariat's draft is found by the secretariat, and for an
    // anonymous caller the plan gives way and the resolvers say it is not found.
    let draft = crate::matrix::contribution(
        &app,
        crate::matrix::stakeholder(&app, "Government delegation 1").await,
        "DRAFT",
        "PUBLIC",
    )
    .await;
    let by_id = "query($id: ID!) { contribution(id: $id) { id status } }";
    let variables = json!({ "id": draft });
    for _ in 0..2 {
        let (status, body) = ask(Some(secretariat.clone()), by_id, variables.clone()).await;
        assert_eq!(status, 200);
        assert!(body.contains("\"status\":\"DRAFT\""), "{body}");
    }
    assert_eq!(reused().await, 3);
    let (_, hidden) = ask(None, by_id, variables.clone()).await;
    let hidden: Value = serde_json::from_str(&hidden).unwrap();
    assert_eq!(
        hidden["errors"][0]["extensions"]["code"], "NOT_FOUND",
        "{hidden}"
    );
    assert_eq!(reused().await, 3, "the plan gave way: not counted");
}
