//! `concord operations add|list`: the allow-list of persisted operations.
//!
//! `add` takes `.graphql` files (one document each, with its fragments; the stored text
//! is the file's, so clients must send it byte for byte or by its SHA-256), directories
//! of them (searched recursively), and Apollo persisted-query manifests
//! (`.json`, `"format": "apollo-persisted-query-manifest"`, as Apollo's
//! `generate-persisted-query-manifest` writes them, each `body` stored as is). Every
//! document is checked first (it parses, has an operation, selects only fields the
//! schema has); if any fails nothing is added, and the command exits with status 3
//! naming each problem.

use super::Database;
use crate::graphql::cost::{Types, unknown_fields};
use crate::service::operations::{self, Allowed, MAX_DOCUMENT_BYTES};
use sea_orm::DatabaseConnection;
use std::path::{Path, PathBuf};

#[derive(clap::Subcommand, Debug)]
pub enum OperationsAction {
    /// Put operations on the allow-list: `.graphql` files (one document each, stored as
    /// written: clients send that text or its SHA-256), directories of them, or Apollo
    /// persisted-query manifests (`.json`). All are checked first; if one fails, none is
    /// added.
    Add {
        #[arg(required = true)]
        paths: Vec<std::path::PathBuf>,
        /// Print what was added as JSON.
        #[arg(long)]
        json: bool,
    },
    /// List the allow-list.
    List {
        /// Print it as JSON, documents included.
        #[arg(long)]
        json: bool,
    },
}

/// `concord operations`.
pub async fn run(database: &Database, action: OperationsAction) -> anyhow::Result<()> {
    let db = database.open().await?;
    match action {
        OperationsAction::Add { paths, json } => add(&db, &paths, json).await,
        OperationsAction::List { json } => list(&db, json).await,
    }
}

/// A document to allow, with where it came from.
struct Candidate {
    source: String,
    document: String,
    name: Option<String>,
}

/// Checks every document under `paths`, then allows them all; prints what it did.
async fn add(db: &DatabaseConnection, paths: &[PathBuf], json: bool) -> anyhow::Result<()> {
    let mut candidates = Vec::new();
    let mut problems = Vec::new();
    for path in paths {
        collect(path, &mut candidates, &mut problems);
    }
    let types = Types::of_sdl(&crate::graphql::sdl()).map_err(anyhow::Error::msg)?;
    for candidate in &mut candidates {
        match check(&types, &candidate.document) {
            Ok(names) => {
                if candidate.name.is_none() && !names.is_empty() {
                    candidate.name = Some(names.join(","));
                }
            }
            Err(problem) => problems.push(format!("{}: {problem}", candidate.source)),
        }
    }
    if candidates.is_empty() && problems.is_empty() {
        problems.push("no .graphql file or manifest found".to_owned());
    }
    if !problems.is_empty() {
        // Refused input: exit status 3, nothing added, each problem named.
        return Err(super::admin::Refused(serde_json::json!({
            "errors": problems
                .iter()
                .map(|p| serde_json::json!({ "field": "document", "code": "INVALID", "message": p }))
                .collect::<Vec<_>>(),
        }))
        .into());
    }
    let mut added: Vec<(String, Allowed)> = Vec::new();
    for candidate in candidates {
        let allowed = operations::allow(db, &candidate.document, candidate.name).await?;
        added.push((candidate.source, allowed));
    }
    if json {
        let rows: Vec<serde_json::Value> = added
            .iter()
            .map(|(source, a)| {
                serde_json::json!({ "source": source, "hash": a.hash, "name": a.name, "existed": a.existed })
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&rows)?);
    } else {
        for (source, a) in &added {
            let state = if a.existed {
                "already allowed"
            } else {
                "allowed"
            };
            println!(
                "{state} {} {} ({source})",
                a.hash,
                a.name.as_deref().unwrap_or("(anonymous)")
            );
        }
    }
    Ok(())
}

/// Prints the allow-list.
async fn list(db: &DatabaseConnection, json: bool) -> anyhow::Result<()> {
    let rows = operations::allowed(db).await?;
    if json {
        let rows: Vec<serde_json::Value> = rows
            .iter()
            .map(|r| serde_json::json!({ "hash": r.hash, "name": r.name, "document": r.document, "createdAt": r.created_at }))
            .collect();
        println!("{}", serde_json::to_string_pretty(&rows)?);
    } else {
        for row in &rows {
            println!(
                "{} {}",
                row.hash,
                row.name.as_deref().unwrap_or("(anonymous)")
            );
        }
        println!("{} operations allowed", rows.len());
    }
    Ok(())
}

/// The documents at `path`: a file, a manifest, or a directory of them.
fn collect(path: &Path, out: &mut Vec<Candidate>, problems: &mut Vec<String>) {
    let shown = path.display().to_string();
    if path.is_dir() {
        let mut entries: Vec<PathBuf> = match std::fs::read_dir(path) {
            Ok(entries) => entries.filter_map(|e| e.ok().map(|e| e.path())).collect(),
            Err(err) => {
                problems.push(format!("{shown}: {err}"));
                return;
            }
        };
        entries.sort();
        for entry in entries {
            let graphql = entry
                .extension()
                .is_some_and(|e| e == "graphql" || e == "gql");
            if entry.is_dir() || graphql {
                collect(&entry, out, problems);
            }
        }
        return;
    }
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(err) => {
            problems.push(format!("{shown}: {err}"));
            return;
        }
    };
    if path.extension().is_some_and(|e| e == "json") {
        match manifest(&text) {
            Ok(operations) => {
                out.extend(operations.into_iter().map(|(name, document)| Candidate {
                    source: format!("{shown}#{name}"),
                    document,
                    name: Some(name),
                }))
            }
            Err(problem) => problems.push(format!("{shown}: {problem}")),
        }
        return;
    }
    out.push(Candidate {
        source: shown,
        document: text,
        name: None,
    });
}

/// The (name, body) pairs of an Apollo persisted-query manifest.
fn manifest(text: &str) -> Result<Vec<(String, String)>, String> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    if value["format"] != "apollo-persisted-query-manifest" {
        return Err("a .json file must be an Apollo persisted-query manifest \
                    (\"format\": \"apollo-persisted-query-manifest\")"
            .to_owned());
    }
    let operations = value["operations"]
        .as_array()
        .ok_or("the manifest has no \"operations\" list")?;
    operations
        .iter()
        .enumerate()
        .map(|(i, op)| {
            let body = op["body"]
                .as_str()
                .ok_or(format!("operation {i} has no \"body\""))?;
            if let Some(id) = op["id"].as_str()
                && id != operations::hash(body)
            {
                return Err(format!(
                    "operation {i}: \"id\" {id} is not the SHA-256 of its body"
                ));
            }
            let name = op["name"].as_str().unwrap_or("(anonymous)").to_owned();
            Ok((name, body.to_owned()))
        })
        .collect()
}

/// Checks one document; returns its operations' names.
fn check(types: &Types, document: &str) -> Result<Vec<String>, String> {
    if document.len() > MAX_DOCUMENT_BYTES {
        return Err(format!("longer than {MAX_DOCUMENT_BYTES} bytes"));
    }
    let doc = async_graphql::parser::parse_query(document).map_err(|e| {
        crate::graphql::error_codes::short_parse_error(&e.to_string())
            .unwrap_or_else(|| e.to_string())
    })?;
    let mut names: Vec<String> = doc
        .operations
        .iter()
        .filter_map(|(name, _)| name.map(|n| n.to_string()))
        .collect();
    // The parser keeps several operations in a map: name them in a stable order.
    names.sort();
    let unknown = unknown_fields(types, &doc);
    if !unknown.is_empty() {
        return Err(format!("unknown fields: {}", unknown.join(", ")));
    }
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn types() -> Types {
        Types::of_sdl(&crate::graphql::sdl()).unwrap()
    }

    #[test]
    fn documents_are_checked_before_they_are_allowed() {
        let t = types();
        assert_eq!(
            check(
                &t,
                "query Stats { consultations(first: 1) { nodes { title } } }"
            ),
            Ok(vec!["Stats".to_owned()])
        );
        assert_eq!(
            check(&t, "{ consultations { nodes { tilte } } }"),
            Err("unknown fields: Consultation.tilte".to_owned())
        );
        assert!(
            check(&t, "{ consultations { ")
                .unwrap_err()
                .starts_with("Syntax error at line 1")
        );
        assert_eq!(
            check(&t, "fragment F on Query { __typename }"),
            Err("document does not contain an operation".to_owned())
        );
    }

    #[test]
    fn manifests_are_read_and_their_ids_checked() {
        let body = "query A { viewer { role } }";
        let good = serde_json::json!({ "format": "apollo-persisted-query-manifest", "version": 1,
            "operations": [{ "id": operations::hash(body), "name": "A", "type": "query", "body": body }] });
        assert_eq!(
            manifest(&good.to_string()),
            Ok(vec![("A".to_owned(), body.to_owned())])
        );
        let bad = serde_json::json!({ "format": "apollo-persisted-query-manifest",
            "operations": [{ "id": "00", "name": "A", "body": body }] });
        assert!(
            manifest(&bad.to_string())
                .unwrap_err()
                .contains("not the SHA-256")
        );
        assert!(manifest("{}").unwrap_err().contains("manifest"));
    }
}
