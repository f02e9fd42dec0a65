use crate::helpers::spawn_app;
use serde_json::{Value, json};

#[test]
fn committed_schema_matches_concord_schema() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_concord"))
        .arg("schema")
        .output()
        .expect("run concord schema");
    assert!(output.status.success());
    let printed = String::from_utf8(output.stdout).unwrap();
    let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql"))
        .expect("schema.graphql is committed");
    assert!(
        printed == committed,
        "schema.graphql is out of date: run `cargo run -- schema > schema.graphql`"
    );
}

#[tokio::test]
async fn the_committed_schema_says_what_the_live_one_says_of_its_scalars() {
    let app = spawn_app().await;
    let data = app
        .data(
            r#"{ __type(name: "DateTime") { description specifiedByURL } }"#,
            json!({}),
        )
        .await;
    let url = data["__type"]["specifiedByURL"].as_str().unwrap();
    let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql"))
        .expect("schema.graphql is committed");
    assert!(
        committed.contains(&format!("scalar DateTime @specifiedBy(url: \"{url}\")")),
        "schema.graphql names {url}"
    );
    let description = data["__type"]["description"].as_str().unwrap();
    assert!(description.contains("RFC 3339"), "{description}");
    assert!(
        !description.contains("DateTime<Utc>"),
        "no Rust in it: {description}"
    );
}

const INTROSPECTION: &str = r#"{
  __schema {
    types {
      name kind description
      fields { name description args { name description } }
      inputFields { name description }
      enumValues { name description }
    }
  }
}"#;

fn described(v: &Value) -> bool {
    v.as_str().is_some_and(|s| !s.trim().is_empty())
}

#[tokio::test]
async fn every_type_field_argument_and_enum_value_has_a_description() {
    let app = spawn_app().await;
    let data = app.data(INTROSPECTION, json!({})).await;
    let mut missing = Vec::new();
    for t in data["__schema"]["types"].as_array().unwrap() {
        let name = t["name"].as_str().unwrap();
        // The spec's own types and scalars are described by the spec.
        if name.starts_with("__") || ["String", "Int", "Float", "Boolean", "ID"].contains(&name) {
            continue;
        }
        if !described(&t["description"]) {
            missing.push(name.to_owned());
        }
        for f in t["fields"].as_array().into_iter().flatten() {
            let field = format!("{name}.{}", f["name"].as_str().unwrap());
            if !described(&f["description"]) {
                missing.push(field.clone());
            }
            for a in f["args"].as_array().into_iter().flatten() {
                if !described(&a["description"]) {
                    missing.push(format!("{field}({})", a["name"].as_str().unwrap()));
                }
            }
        }
        for key in ["inputFields", "enumValues"] {
            for f in t[key].as_array().into_iter().flatten() {
                if !described(&f["description"]) {
                    missing.push(format!("{name}.{}", f["name"].as_str().unwrap()));
                }
            }
        }
    }
    assert!(missing.is_empty(), "undescribed: {missing:?}");
}

/// The last release's schema: the newest `docs/schema/vX.Y.Z.graphql`.
fn last_release() -> (String, String) {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/schema");
    let mut releases: Vec<(Vec<u64>, String)> = std::fs::read_dir(dir)
        .expect("docs/schema")
        .filter_map(|e| {
            let name = e.ok()?.file_name().into_string().ok()?;
            let version = name.strip_prefix('v')?.strip_suffix(".graphql")?.to_owned();
            let parts = version
                .split('.')
                .map(|p| p.parse().ok())
                .collect::<Option<Vec<u64>>>()?;
            Some((parts, version))
        })
        .collect();
    releases.sort();
    let (_, version) = releases.pop().expect("a released schema in docs/schema");
    let sdl = std::fs::read_to_string(format!("{dir}/v{version}.graphql")).unwrap();
    (version, sdl)
}

#[test]
fn breaking_changes_since_the_last_release_are_listed_in_the_changelog() {
    let (version, released) = last_release();
    let changes = concord::graphql::schema_diff::diff(&released, &concord::graphql::sdl()).unwrap();
    let changelog = include_str!("../../CHANGELOG.md");
    let unreleased = changelog
        .split("\n## Unreleased\n")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .expect("an Unreleased section in CHANGELOG.md");
    let unlisted: Vec<String> = changes
        .iter()
        .filter(|c| c.breaking && !unreleased.contains(&format!("`{}`", c.path)))
        .map(|c| c.message.clone())
        .collect();
    assert!(
        unlisted.is_empty(),
        "breaking changes since v{version} that CHANGELOG.md's Unreleased section does not \
         list (name each in backticks): {unlisted:#?}"
    );
    // The recorded release is the tagged one, where the tag is at hand.
    let tagged = std::process::Command::new("git")
        .args(["show", &format!("v{version}:schema.graphql")])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output();
    if let Ok(out) = tagged
        && out.status.success()
    {
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            released,
            "docs/schema/v{version}.graphql is not the tag's schema"
        );
    }
}

/// Whether a deprecation reason names its removal date as the policy asks.
fn names_removal_date(reason: &str) -> bool {
    reason
        .split("Removal after ")
        .nth(1)
        .and_then(|rest| rest.get(..10))
        .is_some_and(|date| chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").is_ok())
}

#[test]
fn deprecations_name_a_removal_date() {
    assert!(names_removal_date(
        "Use `title` instead. Removal after 2027-06-30."
    ));
    assert!(!names_removal_date("Use `title` instead."));
    assert!(!names_removal_date("Removal after soon."));
    let sdl = concord::graphql::sdl();
    for (i, _) in sdl.match_indices("@deprecated") {
        let reason = sdl[i..].split('"').nth(1).unwrap_or("");
        assert!(
            names_removal_date(reason),
            "a deprecation without \"Removal after YYYY-MM-DD\": {}",
            &sdl[i..(i + 120).min(sdl.len())]
        );
    }
}
