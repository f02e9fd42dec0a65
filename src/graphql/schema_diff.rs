//! What changed between two versions of the schema, and which changes break clients
//! (graphql-inspector's rules, for what Concord's schema uses): a type, field, argument,
//! input field, enum value, union member or interface removed; a type's kind changed; an
//! output made nullable or of another type; an input made required or of another type;
//! a required argument or input field added. Additions are safe.

use async_graphql::Positioned;
use async_graphql::parser::types::{
    BaseType, FieldDefinition, InputValueDefinition, Type, TypeKind, TypeSystemDefinition,
};
use std::collections::BTreeMap;

/// One difference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// What changed: `Type`, `Type.field`, `Type.field(argument:)`, `Enum.VALUE`.
    pub path: String,
    pub breaking: bool,
    pub message: String,
}

/// The changes from `old` to `new` (two SDL texts), breaking ones first.
pub fn diff(old: &str, new: &str) -> Result<Vec<Change>, String> {
    let old = types(old).map_err(|e| format!("the old schema: {e}"))?;
    let new = types(new).map_err(|e| format!("the new schema: {e}"))?;
    let mut changes = Vec::new();
    for (name, before) in &old {
        match new.get(name) {
            None => changes.push(breaking(name, format!("type {name} was removed"))),
            Some(after) => compare_type(name, before, after, &mut changes),
        }
    }
    for name in new.keys().filter(|n| !old.contains_key(*n)) {
        changes.push(safe(name, format!("type {name} was added")));
    }
    changes.sort_by_key(|c| (!c.breaking, c.path.clone()));
    Ok(changes)
}

fn breaking(path: &str, message: String) -> Change {
    Change {
        path: path.to_owned(),
        breaking: true,
        message,
    }
}

fn safe(path: &str, message: String) -> Change {
    Change {
        path: path.to_owned(),
        breaking: false,
        message,
    }
}

fn types(sdl: &str) -> Result<BTreeMap<String, TypeKind>, String> {
    let doc = async_graphql::parser::parse_schema(sdl).map_err(|e| e.to_string())?;
    Ok(doc
        .definitions
        .into_iter()
        .filter_map(|d| match d {
            TypeSystemDefinition::Type(t) => Some((t.node.name.node.to_string(), t.node.kind)),
            _ => None,
        })
        .collect())
}

fn kind_name(kind: &TypeKind) -> &'static str {
    match kind {
        TypeKind::Scalar => "scalar",
        TypeKind::Object(_) => "object",
        TypeKind::Interface(_) => "interface",
        TypeKind::Union(_) => "union",
        TypeKind::Enum(_) => "enum",
        TypeKind::InputObject(_) => "input",
    }
}

fn compare_type(name: &str, before: &TypeKind, after: &TypeKind, out: &mut Vec<Change>) {
    match (before, after) {
        (TypeKind::Object(a), TypeKind::Object(b)) => {
            compare_fields(name, &a.fields, &b.fields, out);
            compare_names(name, "interface", &a.implements, &b.implements, out);
        }
        (TypeKind::Interface(a), TypeKind::Interface(b)) => {
            compare_fields(name, &a.fields, &b.fields, out);
            compare_names(name, "interface", &a.implements, &b.implements, out);
        }
        (TypeKind::Union(a), TypeKind::Union(b)) => {
            compare_names(name, "member", &a.members, &b.members, out)
        }
        (TypeKind::Enum(a), TypeKind::Enum(b)) => {
            let values = |e: &async_graphql::parser::types::EnumType| -> Vec<String> {
                e.values
                    .iter()
                    .map(|v| v.node.value.node.to_string())
                    .collect()
            };
            let (a, b) = (values(a), values(b));
            for v in a.iter().filter(|v| !b.contains(v)) {
                out.push(breaking(
                    &format!("{name}.{v}"),
                    format!("enum value {name}.{v} was removed"),
                ));
            }
            for v in b.iter().filter(|v| !a.contains(v)) {
                out.push(safe(
                    &format!("{name}.{v}"),
                    format!("enum value {name}.{v} was added"),
                ));
            }
        }
        (TypeKind::InputObject(a), TypeKind::InputObject(b)) => {
            compare_inputs(name, "input field", &a.fields, &b.fields, out)
        }
        (TypeKind::Scalar, TypeKind::Scalar) => {}
        _ => out.push(breaking(
            name,
            format!(
                "{name} changed from {} to {}",
                kind_name(before),
                kind_name(after)
            ),
        )),
    }
}

fn compare_names(
    name: &str,
    what: &str,
    before: &[Positioned<async_graphql::Name>],
    after: &[Positioned<async_graphql::Name>],
    out: &mut Vec<Change>,
) {
    for gone in before
        .iter()
        .filter(|b| !after.iter().any(|a| a.node == b.node))
    {
        out.push(breaking(
            &format!("{name}|{}", gone.node),
            format!("{what} {} was removed from {name}", gone.node),
        ));
    }
}

fn compare_fields(
    parent: &str,
    before: &[Positioned<FieldDefinition>],
    after: &[Positioned<FieldDefinition>],
    out: &mut Vec<Change>,
) {
    for old in before {
        let field = old.node.name.node.as_str();
        let path = format!("{parent}.{field}");
        let Some(new) = after
            .iter()
            .find(|n| n.node.name.node == old.node.name.node)
        else {
            out.push(breaking(&path, format!("field {path} was removed")));
            continue;
        };
        let (was, is) = (&old.node.ty.node, &new.node.ty.node);
        if !output_compatible(was, is) {
            out.push(breaking(
                &path,
                format!("field {path} changed type from {was} to {is}"),
            ));
        } else if was != is {
            out.push(safe(
                &path,
                format!("field {path} changed type from {was} to {is}"),
            ));
        }
        compare_inputs(
            &path,
            "argument",
            &old.node.arguments,
            &new.node.arguments,
            out,
        );
    }
    for new in after
        .iter()
        .filter(|n| !before.iter().any(|o| o.node.name.node == n.node.name.node))
    {
        let path = format!("{parent}.{}", new.node.name.node);
        out.push(safe(&path, format!("field {path} was added")));
    }
}

fn compare_inputs(
    parent: &str,
    what: &str,
    before: &[Positioned<InputValueDefinition>],
    after: &[Positioned<InputValueDefinition>],
    out: &mut Vec<Change>,
) {
    let path_of = |name: &str| {
        if what == "argument" {
            format!("{parent}({name}:)")
        } else {
            format!("{parent}.{name}")
        }
    };
    for old in before {
        let path = path_of(old.node.name.node.as_str());
        let Some(new) = after
            .iter()
            .find(|n| n.node.name.node == old.node.name.node)
        else {
            out.push(breaking(&path, format!("{what} {path} was removed")));
            continue;
        };
        let (was, is) = (&old.node.ty.node, &new.node.ty.node);
        if !input_compatible(was, is) {
            out.push(breaking(
                &path,
                format!("{what} {path} changed type from {was} to {is}"),
            ));
        } else if was != is {
            out.push(safe(
                &path,
                format!("{what} {path} changed type from {was} to {is}"),
            ));
        }
    }
    for new in after
        .iter()
        .filter(|n| !before.iter().any(|o| o.node.name.node == n.node.name.node))
    {
        let path = path_of(new.node.name.node.as_str());
        if !new.node.ty.node.nullable && new.node.default_value.is_none() {
            out.push(breaking(&path, format!("required {what} {path} was added")));
        } else {
            out.push(safe(&path, format!("optional {what} {path} was added")));
        }
    }
}

/// An output may become non-null, never nullable, and keeps its named type.
fn output_compatible(old: &Type, new: &Type) -> bool {
    if !old.nullable && new.nullable {
        return false;
    }
    same_shape(&old.base, &new.base, output_compatible)
}

/// An input may become nullable, never required, and keeps its named type.
fn input_compatible(old: &Type, new: &Type) -> bool {
    if old.nullable && !new.nullable {
        return false;
    }
    same_shape(&old.base, &new.base, input_compatible)
}

fn same_shape(old: &BaseType, new: &BaseType, inner: fn(&Type, &Type) -> bool) -> bool {
    match (old, new) {
        (BaseType::Named(a), BaseType::Named(b)) => a == b,
        (BaseType::List(a), BaseType::List(b)) => inner(a, b),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::diff;

    fn breaking(old: &str, new: &str) -> Vec<String> {
        diff(old, new)
            .unwrap()
            .into_iter()
            .filter(|c| c.breaking)
            .map(|c| c.path)
            .collect()
    }

    #[test]
    fn removals_and_narrowings_break_additions_do_not() {
        let old = "type Query { a: String b: Int! c(x: Int): [T!]! } type T { id: ID! } \
                   enum E { ONE TWO } input I { p: Int q: String! } union U = T | Query";
        assert!(breaking(old, old).is_empty());
        let new = "type Query { a: String! b: Int c(x: Int!, y: Int): [T!]! d: Int } \
                   type T { id: ID! } enum E { ONE THREE } input I { p: Int! q: String r: Int! } \
                   union U = T";
        assert_eq!(
            breaking(old, new),
            vec!["E.TWO", "I.p", "I.r", "Query.b", "Query.c(x:)", "U|Query"]
        );
        let all = diff(old, new).unwrap();
        let safe: Vec<&str> = all
            .iter()
            .filter(|c| !c.breaking)
            .map(|c| c.path.as_str())
            .collect();
        assert!(safe.contains(&"Query.a"), "{safe:?}");
        assert!(safe.contains(&"Query.d"));
        assert!(safe.contains(&"E.THREE"));
        assert!(safe.contains(&"Query.c(y:)"));
        assert!(safe.contains(&"I.q"));
    }

    #[test]
    fn removed_types_fields_and_changed_kinds_break() {
        assert_eq!(
            breaking(
                "type Query { a: T } type T { x: Int }",
                "type Query { a: T } scalar T"
            ),
            vec!["T"]
        );
        assert_eq!(
            breaking(
                "type Query { a: T } type T { x: Int y: Int }",
                "type Query { a: T } type T { x: Int }"
            ),
            vec!["T.y"]
        );
        assert_eq!(
            breaking("type Query { a: [String] }", "type Query { a: String }"),
            vec!["Query.a"]
        );
    }
}
