//! Which operation of a document a request runs, decided once and the same way
//! everywhere a rule depends on it (the method a mutation needs, idempotent retries,
//! the read replica, cost, metrics, response order): the spec's `GetOperation`
//! (<https://spec.graphql.org/October2021/#GetOperation()>). With an `operationName`,
//! the operation of that name; without one, the document's only operation, named or
//! not. Anything else runs nothing (the schema then reports why).

use async_graphql::parser::types::{DocumentOperations, ExecutableDocument, OperationDefinition};

/// The operation `name` selects in `doc` (see the module's documentation), with its
/// name; `None` when it selects none.
pub fn get<'a>(
    doc: &'a ExecutableDocument,
    name: Option<&str>,
) -> Option<(Option<&'a str>, &'a OperationDefinition)> {
    match (&doc.operations, name) {
        // An anonymous operation has no name for `operationName` to match.
        (DocumentOperations::Single(_), Some(_)) => None,
        (DocumentOperations::Single(op), None) => Some((None, &op.node)),
        (DocumentOperations::Multiple(ops), Some(name)) => ops
            .get_key_value(name)
            .map(|(n, op)| (Some(n.as_str()), &op.node)),
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => ops
            .iter()
            .next()
            .map(|(n, op)| (Some(n.as_str()), &op.node)),
        (DocumentOperations::Multiple(_), None) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::get;
    use async_graphql::parser::parse_query;
    use async_graphql::parser::types::OperationType;

    fn chosen(query: &str, name: Option<&str>) -> Option<(Option<String>, OperationType)> {
        let doc = parse_query(query).unwrap();
        get(&doc, name).map(|(n, op)| (n.map(str::to_owned), op.ty))
    }

    #[test]
    fn the_only_operation_named_or_not_or_the_one_named() {
        use OperationType::*;
        assert_eq!(chosen("{ a }", None), Some((None, Query)));
        assert_eq!(chosen("mutation { a }", None), Some((None, Mutation)));
        assert_eq!(chosen("{ a }", Some("A")), None);
        assert_eq!(
            chosen("mutation M { a }", None),
            Some((Some("M".into()), Mutation))
        );
        assert_eq!(
            chosen("mutation M { a }", Some("M")),
            Some((Some("M".into()), Mutation))
        );
        assert_eq!(chosen("mutation M { a }", Some("N")), None);
        let two = "query Q { a } mutation M { b }";
        assert_eq!(chosen(two, None), None);
        assert_eq!(chosen(two, Some("Q")), Some((Some("Q".into()), Query)));
        assert_eq!(chosen(two, Some("M")), Some((Some("M".into()), Mutation)));
    }
}
