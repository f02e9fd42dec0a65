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
