//! Arguments as resolvers receive them, turned into what services take: global IDs
//! into row ids of the expected type, paging arguments into a [`Page`]. Anything
//! malformed is `BAD_USER_INPUT`.

use crate::error::AppError;
use crate::ids::{GlobalId, NodeType};
use crate::paging::{Order, Page, PageArgs};
use async_graphql::{Context, ID, Result};

/// The row id behind a global ID of type `t`.
pub(crate) fn id_of(raw: &ID, t: NodeType) -> Result<i64> {
    Ok(GlobalId::decode_as(raw, t)?)
}

/// The row ids behind a list of global IDs of type `t`.
pub(crate) fn ids_of(raw: &[ID], t: NodeType) -> Result<Vec<i64>> {
    raw.iter().map(|r| id_of(r, t)).collect()
}

/// The stakeholder an optional argument names.
pub(crate) fn stakeholder_of(raw: Option<&ID>) -> Result<Option<i64>> {
    raw.map(|r| id_of(r, NodeType::Stakeholder)).transpose()
}

/// A time argument within the years both databases store (`BAD_USER_INPUT` if not).
pub(crate) fn moment(
    name: &str,
    value: Option<chrono::DateTime<chrono::Utc>>,
) -> Result<Option<chrono::DateTime<chrono::Utc>>, AppError> {
    value
        .map(|at| crate::domain::moment(name, at))
        .transpose()
        .map_err(|e| AppError::bad_input(format!("`{name}`: {}", e.message)))
}

/// Validates a connection field's paging arguments, for a list in its default order.
pub(crate) fn page(
    ctx: &Context<'_>,
    first: Option<i32>,
    after: Option<String>,
    last: Option<i32>,
    before: Option<String>,
) -> Result<Page, AppError> {
    page_by(ctx, None::<Order>, first, after, last, before)
}

/// Validates a connection field's `orderBy` and paging arguments; cursors must come
/// from a page in the same order. Whether items lie beyond the cursor a page starts
/// from costs a statement of its own: it is found only when the client reads `pageInfo`.
pub(crate) fn page_by(
    ctx: &Context<'_>,
    order_by: Option<impl Into<Order>>,
    first: Option<i32>,
    after: Option<String>,
    last: Option<i32>,
    before: Option<String>,
) -> Result<Page, AppError> {
    let mut page = Page::parse(
        &PageArgs {
            first,
            after,
            last,
            before,
        },
        order_by.map(Into::into).unwrap_or_default(),
    )?;
    page.far_side = ctx.look_ahead().field("pageInfo").exists();
    Ok(page)
}
