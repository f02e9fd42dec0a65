//! The shape of the crate, checked from its source (see `docs/ARCHITECTURE.md`): no
//! module imports one that imports it back, services stay small enough to read in one
//! sitting, and role checks live in `src/policy.rs` alone.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Longest service file, in lines.
const MAX_SERVICE_LINES: usize = 450;

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// The module path of a file: `src/http/graphql.rs` is `http::graphql`, a folder's
/// `mod.rs` is the folder.
fn module_of(src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).expect("under src");
    let mut parts: Vec<String> = rel
        .with_extension("")
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    parts
}

/// The code of a file without its unit tests and comments.
fn code(text: &str) -> String {
    let text = match text.find("#[cfg(test)]\nmod tests") {
        Some(i) => &text[..i],
        None => text,
    };
    text.lines()
        .map(|line| line.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

fn ident_end(s: &str) -> usize {
    s.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(s.len())
}

/// Every `crate::…` path a file names (with `super::` and `self::` made absolute, and
/// `use crate::a::{b, c}` counted as `a::b` and `a::c`).
fn named_paths(module: &[String], code: &str) -> Vec<Vec<String>> {
    let absolute = |prefix: &[String]| {
        if prefix.is_empty() {
            "crate::".to_owned()
        } else {
            format!("crate::{}::", prefix.join("::"))
        }
    };
    let code = code
        .replace(
            "super::",
            &absolute(&module[..module.len().saturating_sub(1)]),
        )
        .replace("self::", &absolute(module));
    let mut paths = Vec::new();
    let mut rest = code.as_str();
    while let Some(i) = rest.find("crate::") {
        rest = &rest[i + "crate::".len()..];
        let mut path = Vec::new();
        let mut cursor = rest;
        loop {
            let end = ident_end(cursor);
            if end == 0 {
                break;
            }
            path.push(cursor[..end].to_owned());
            cursor = &cursor[end..];
            match cursor.strip_prefix("::") {
                Some(next) => cursor = next,
                None => break,
            }
        }
        if let Some(group) = cursor.strip_prefix('{') {
            let mut depth = 0;
            let mut item_start = true;
            for (i, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => item_start = true,
                    c if item_start && (c.is_ascii_alphabetic() || c == '_') => {
                        let name = &group[i..i + ident_end(&group[i..])];
                        let mut item = path.clone();
                        if name != "self" {
                            item.push(name.to_owned());
                        }
                        paths.push(item);
                        item_start = false;
                    }
                    _ => {}
                }
            }
        } else {
            paths.push(path);
        }
    }
    paths
}

/// Which module each module of the tree under `src` names (`crate::…` paths; a folder's
/// own items, used by its files, are not an import back).
fn imports(src: &Path) -> BTreeMap<Vec<String>, BTreeSet<Vec<String>>> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let modules: BTreeMap<Vec<String>, PathBuf> = files
        .iter()
        .map(|f| (module_of(src, f), f.clone()))
        .collect();
    let is_folder = |m: &[String]| {
        modules.get(m).is_some_and(|f| {
            f.file_name()
                .is_some_and(|n| n == "mod.rs" || n == "lib.rs")
        })
    };
    let resolve = |path: &[String]| -> Option<Vec<String>> {
        (1..=path.len())
            .rev()
            .map(|k| path[..k].to_vec())
            .find(|prefix| modules.contains_key(prefix))
    };
    let mut edges: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = BTreeMap::new();
    for (module, file) in &modules {
        let text = std::fs::read_to_string(file).expect("read");
        for path in named_paths(module, &code(&text)) {
            let Some(target) = resolve(&path) else {
                continue;
            };
            let inside = module.len() > target.len() && module.starts_with(&target);
            if target != *module && !(inside && is_folder(&target)) {
                edges.entry(module.clone()).or_default().insert(target);
            }
        }
    }
    edges
}

/// The layers of `docs/ARCHITECTURE.md`, lowest first: a module may name modules of its
/// own layer or of lower ones, never of a higher one.
const LAYERS: [&[&str]; 6] = [
    &["error", "ids", "viewer", "config", "metrics", "telemetry"],
    &[
        "domain", "policy", "auth", "db", "pooler", "paging", "events",
    ],
    &["service"],
    &["graphql", "seed"],
    &["http"],
    &["startup", "cli", "main", "lib"],
];

/// The rank of a top-level module (`None`: it has no layer yet).
fn rank(module: &[String]) -> Option<usize> {
    let top = module.first().map_or("lib", String::as_str);
    LAYERS.iter().position(|layer| layer.contains(&top))
}

/// Each import of a module of a higher layer, and each module without a layer.
fn upward_imports(src: &Path) -> Vec<String> {
    let mut found = Vec::new();
    for (module, targets) in imports(src) {
        let Some(from) = rank(&module) else {
            found.push(format!("{} has no layer", module.join("/")));
            continue;
        };
        for target in targets {
            match rank(&target) {
                Some(to) if to <= from => {}
                _ => found.push(format!("{} -> {}", module.join("/"), target.join("/"))),
            }
        }
    }
    found
}

#[test]
fn no_module_imports_one_that_imports_it_back() {
    let edges = imports(&src());
    let reaches = |from: &Vec<String>, to: &Vec<String>| {
        let mut seen = BTreeSet::new();
        let mut stack = vec![from.clone()];
        while let Some(m) = stack.pop() {
            if &m == to {
                return true;
            }
            if seen.insert(m.clone()) {
                stack.extend(edges.get(&m).into_iter().flatten().cloned());
            }
        }
        false
    };
    let mut circles = Vec::new();
    for (module, targets) in &edges {
        for target in targets {
            if reaches(target, module) {
                circles.push(format!("{} -> {}", module.join("/"), target.join("/")));
            }
        }
    }
    assert!(
        circles.is_empty(),
        "modules that import each other (directly or through others): {circles:#?}"
    );
    // The check sees imports at all: the HTTP layer names the GraphQL schema.
    assert!(
        edges[&vec!["http".to_owned(), "state".to_owned()]].contains(&vec!["graphql".to_owned()])
    );
}

#[test]
fn no_layer_imports_a_higher_one() {
    let upward = upward_imports(&src());
    assert!(
        upward.is_empty(),
        "imports of a higher layer (see LAYERS and docs/ARCHITECTURE.md): {upward:#?}"
    );
}

#[test]
fn an_upward_import_fails_the_check() {
    // A tree of three layers in which the settings name a service.
    let root = std::env::temp_dir().join(format!("concord-layers-{}", std::process::id()));
    let src = root.join("src");
    std::fs::create_dir_all(src.join("service")).unwrap();
    for (file, text) in [
        ("lib.rs", "pub mod config; pub mod service; pub mod http;"),
        ("config.rs", "pub use crate::service::quotas::Limit;\n"),
        ("service/mod.rs", "pub mod quotas;"),
        (
            "service/quotas.rs",
            "use crate::error::AppError;\npub struct Limit;",
        ),
        ("error.rs", "pub struct AppError;"),
        ("http.rs", "use crate::{config, service::quotas};"),
        ("plugins.rs", "use crate::error::AppError;"),
    ] {
        std::fs::write(src.join(file), text).unwrap();
    }
    let found = upward_imports(&src);
    std::fs::remove_dir_all(&root).unwrap();
    assert_eq!(
        found,
        ["config -> service/quotas", "plugins has no layer"],
        "only the upward import and the module without a layer"
    );
}

#[test]
fn every_sql_string_built_with_format_says_why_it_is_safe() {
    const SQL: [&str; 8] = [
        "SELECT ",
        "INSERT INTO",
        "UPDATE ",
        "DELETE FROM",
        "CREATE ",
        "DROP ",
        "ALTER ",
        "LISTEN ",
    ];
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let mut unexplained = Vec::new();
    let mut seen = 0;
    for file in &files {
        let text = std::fs::read_to_string(file).expect("read");
        let text = match text.find("#[cfg(test)]\nmod tests") {
            Some(i) => &text[..i],
            None => &text,
        };
        let lines: Vec<&str> = text.lines().collect();
        for (n, line) in lines.iter().enumerate() {
            let Some(at) = line.find("format!(") else {
                continue;
            };
            // The format string: this line's rest and the next two.
            let string: String = std::iter::once(&line[at..])
                .chain(lines.iter().skip(n + 1).take(2).copied())
                .collect::<Vec<_>>()
                .join(" ");
            if !SQL.iter().any(|k| string.contains(k)) {
                continue;
            }
            seen += 1;
            let said = lines[n.saturating_sub(4)..n]
                .iter()
                .any(|l| l.trim_start().starts_with("// SQL safe:"));
            if !said {
                unexplained.push(format!("{}:{}", file.display(), n + 1));
            }
        }
    }
    assert!(
        seen >= 8,
        "the check finds the SQL built with format! ({seen})"
    );
    assert!(
        unexplained.is_empty(),
        "SQL built with format! without a `// SQL safe: …` comment just above: {unexplained:#?}"
    );
}

/// Files under `src` whose code (tests and comments left out) holds `needle`, as paths
/// relative to `src`.
fn files_naming(needle: &str) -> BTreeSet<String> {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    files
        .iter()
        .filter(|f| code(&std::fs::read_to_string(f).expect("read")).contains(needle))
        .map(|f| f.strip_prefix(src()).unwrap().display().to_string())
        .collect()
}

#[test]
fn below_the_graphql_layer_nothing_names_async_graphql_and_one_module_parses_requests() {
    let named: Vec<String> = files_naming("async_graphql")
        .into_iter()
        .filter(|f| {
            let module = module_of(&src(), &src().join(f));
            rank(&module) < rank(&["graphql".to_owned()])
        })
        .collect();
    assert!(named.is_empty(), "below graphql/: {named:?}");
    // The request's document is parsed in one place (the command line parses what an
    // operator puts on the allow-list).
    assert_eq!(
        files_naming("parse_query"),
        BTreeSet::from([
            "cli/operations.rs".to_owned(),
            "graphql/prepared.rs".to_owned()
        ])
    );
}

#[test]
fn service_files_stay_small() {
    let mut files = Vec::new();
    rust_files(&src().join("service"), &mut files);
    let long: Vec<String> = files
        .iter()
        .filter_map(|f| {
            let lines = std::fs::read_to_string(f).expect("read").lines().count();
            (lines > MAX_SERVICE_LINES).then(|| format!("{} ({lines} lines)", f.display()))
        })
        .collect();
    assert!(
        long.is_empty(),
        "service files over {MAX_SERVICE_LINES} lines: {long:?}"
    );
    assert!(files.len() > 10, "found the services: {files:?}");
}

#[test]
fn role_checks_live_in_the_policy_module() {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let patterns = [
        "Role::Secretariat",
        "Role::MemberState",
        "Role::Observer",
        ".role ==",
        ".role !=",
        "role == ",
        "role != ",
    ];
    let mut found = Vec::new();
    let policy = src().join("policy");
    for file in files
        .iter()
        .filter(|f| !f.ends_with("policy.rs") && !f.starts_with(&policy))
    {
        let text = std::fs::read_to_string(file).expect("read");
        for (n, line) in code(&text).lines().enumerate() {
            if patterns.iter().any(|p| line.contains(p)) {
                found.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "role checks outside src/policy.rs: {found:#?}"
    );
}

#[test]
fn every_error_code_sent_is_in_the_schema_and_the_readme() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let schema = std::fs::read_to_string(root.join("schema.graphql")).expect("schema");
    let block = schema
        .split("enum ErrorCode {")
        .nth(1)
        .and_then(|rest| rest.split('}').next())
        .expect("schema.graphql has enum ErrorCode");
    let listed: std::collections::BTreeSet<String> = block
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_uppercase() || c == '_'))
        .map(str::to_owned)
        .collect();
    assert!(listed.len() >= 19, "{listed:?}");

    // Every code-like literal in the code that sends errors is one of them.
    let mut files = vec![
        src().join("error.rs"),
        src().join("graphql/error_codes.rs"),
        src().join("graphql/limits.rs"),
    ];
    rust_files(&src().join("http"), &mut files);
    let mut sent = std::collections::BTreeSet::new();
    for file in &files {
        let text = std::fs::read_to_string(file).expect("read");
        for literal in text.split('"').skip(1).step_by(2) {
            let code_like =
                literal.len() > 3 && literal.chars().all(|c| c.is_ascii_uppercase() || c == '_');
            if code_like && !["POST", "GET"].contains(&literal) {
                sent.insert(literal.to_owned());
            }
        }
    }
    let unlisted: Vec<_> = sent.difference(&listed).collect();
    assert!(
        unlisted.is_empty(),
        "codes sent but not in ErrorCode: {unlisted:?}"
    );
    let never_sent: Vec<_> = listed.difference(&sent).collect();
    assert!(
        never_sent.is_empty(),
        "ErrorCode values never sent: {never_sent:?}"
    );

    let readme = std::fs::read_to_string(root.join("README.md")).expect("README");
    let undocumented: Vec<_> = listed
        .iter()
        .filter(|code| !readme.contains(&format!("`{code}`")))
        .collect();
    assert!(
        undocumented.is_empty(),
        "codes not in the README: {undocumented:?}"
    );
}
