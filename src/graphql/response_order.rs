//! Puts a response's fields in the order the query selected them, as the GraphQL spec
//! asks ("ordered by the order in which they appear in the query"). async-graphql
//! writes each object's fields in the order their resolvers finish (its issue #612), so
//! `{ consultations { … } stakeholders { … } }` could come back either way round.

use super::prepared::Prepared;
use super::selection::Walk;
use async_graphql::parser::types::SelectionSet;
use async_graphql::{Name, Value};

/// Reorders `data`, the result of the operation `prepared` runs.
pub fn in_query_order(data: &mut Value, prepared: &Prepared) {
    if let Some((walk, operation)) = prepared.walk() {
        reorder(data, walk, &[&operation.selection_set.node]);
    }
}

/// The response keys an object selected by some selection sets has, in order, each with
/// the sets that select into its value.
type Keys<'a> = Vec<(Name, Vec<&'a SelectionSet>)>;

/// Reorders a value selected by `sets` (several when the same key is selected more
/// than once, whose sub-selections merge). The keys are worked out once for a whole
/// list, and an object already in order is left as it is.
fn reorder<'a>(value: &mut Value, walk: Walk<'a>, sets: &[&'a SelectionSet]) {
    if !matches!(value, Value::List(_) | Value::Object(_)) {
        return;
    }
    let mut keys: Keys = Vec::new();
    for set in sets {
        walk.fields("", set, 0, &mut |met| {
            let field = met.field;
            let key = field.alias.as_ref().unwrap_or(&field.name).node.clone();
            let inner = &field.selection_set.node;
            match keys.iter_mut().find(|(k, _)| *k == key) {
                Some((_, subsets)) => subsets.push(inner),
                None => keys.push((key, vec![inner])),
            }
        });
    }
    reorder_with(value, walk, &keys);
}

fn reorder_with<'a>(value: &mut Value, walk: Walk<'a>, keys: &Keys<'a>) {
    match value {
        Value::List(items) => {
            for item in items {
                reorder_with(item, walk, keys);
            }
        }
        Value::Object(map) => {
            let mut expected = keys.iter().filter(|(key, _)| map.contains_key(key));
            let in_order = map.len() == expected.clone().count()
                && map
                    .keys()
                    .all(|k| expected.next().is_some_and(|(key, _)| key == k));
            if !in_order {
                let mut old = std::mem::take(map);
                for (key, _) in keys {
                    if let Some(inner) = old.shift_remove(key) {
                        map.insert(key.clone(), inner);
                    }
                }
                // Anything not found in the selection stays, after the rest.
                map.extend(old);
            }
            for (key, subsets) in keys {
                if let Some(inner) = map.get_mut(key) {
                    reorder(inner, walk, subsets);
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(value: &Value) -> Vec<String> {
        match value {
            Value::Object(map) => map.keys().map(|k| k.to_string()).collect(),
            _ => Vec::new(),
        }
    }

    #[test]
    fn fields_come_back_in_the_order_asked_through_aliases_and_fragments() {
        let prepared = Prepared::parse(async_graphql::Request::new(
            "{ b: stakeholders { nodes { name id } } ...F a: __typename } \
             fragment F on Query { consultations { id } b: stakeholders { nodes { group } } }",
        ));
        let mut data = Value::from_json(serde_json::json!({
            "consultations": { "id": "c" },
            "a": "Query",
            "b": { "nodes": [ { "group": "G", "id": "1", "name": "N" } ] },
        }))
        .unwrap();
        in_query_order(&mut data, &prepared);
        assert_eq!(keys(&data), ["b", "consultations", "a"]);
        let Value::Object(map) = &data else { panic!() };
        let Value::Object(b) = &map["b"] else {
            panic!()
        };
        let Value::List(nodes) = &b["nodes"] else {
            panic!()
        };
        // The two selections of `b` merge: name, id, then group.
        assert_eq!(keys(&nodes[0]), ["name", "id", "group"]);
    }
}
