//! `orderBy` arguments: one input and one enum of sortable fields per kind of record,
//! each field a column, paged by keyset on (column, id). Without `orderBy` a list is in
//! order of creation (by id).

use crate::paging::{Order, SortColumn};
use async_graphql::Enum;

/// Which way a list is ordered.
#[derive(Enum, Copy, Clone, Debug, Default, PartialEq, Eq)]
pub enum OrderDirection {
    /// Smallest (earliest, A to Z) first; items without a value last.
    #[default]
    Asc,
    /// Largest (latest, Z to A) first; items without a value first.
    Desc,
}

/// Declares an `orderBy` input and its enum of fields, each naming its column.
macro_rules! order_by {
    (
        $input:ident, $field:ident, $what:literal,
        { $( $(#[doc = $doc:literal])* $variant:ident => $column:ident ),+ $(,)? }
    ) => {
        #[doc = concat!("The fields a list of ", $what, " can be ordered by; ties go in order of creation.")]
        #[derive(async_graphql::Enum, Copy, Clone, Debug, PartialEq, Eq)]
        pub enum $field {
            $( $(#[doc = $doc])* $variant ),+
        }

        impl $field {
            fn column(self) -> SortColumn {
                match self {
                    $( $field::$variant => SortColumn::$column ),+
                }
            }
        }

        #[doc = concat!("The order of a list of ", $what, ".")]
        #[derive(async_graphql::InputObject, Copy, Clone, Debug)]
        pub struct $input {
            /// The field to order by.
            pub field: $field,
            /// Which way; ascending if not given.
            #[graphql(default)]
            pub direction: OrderDirection,
        }

        impl From<$input> for Order {
            fn from(order: $input) -> Order {
                Order {
                    column: Some(order.field.column()),
                    descending: order.direction == OrderDirection::Desc,
                }
            }
        }
    };
}

order_by!(ContributionOrder, ContributionOrderField, "contributions", {
    /// When the contribution was created.
    CreatedAt => CreatedAt,
    /// When it last changed.
    UpdatedAt => UpdatedAt,
    /// When it was submitted; drafts have none.
    SubmittedAt => SubmittedAt,
    /// When it was published; unpublished ones have none.
    PublishedAt => PublishedAt,
    /// Its title.
    Title => Title,
});

order_by!(StakeholderOrder, StakeholderOrderField, "stakeholders", {
    /// When the record was created.
    CreatedAt => CreatedAt,
    /// When the record last changed.
    UpdatedAt => UpdatedAt,
    /// Its full name.
    Name => Name,
});

order_by!(ConsultationOrder, ConsultationOrderField, "consultations", {
    /// When the record was created.
    CreatedAt => CreatedAt,
    /// When the record last changed.
    UpdatedAt => UpdatedAt,
    /// When it opens for contributions.
    OpensAt => OpensAt,
    /// When it closes.
    ClosesAt => ClosesAt,
    /// Its title.
    Title => Title,
});

order_by!(PolicyIssueOrder, PolicyIssueOrderField, "policy issues", {
    /// When the record was created.
    CreatedAt => CreatedAt,
    /// When the record last changed.
    UpdatedAt => UpdatedAt,
    /// Its title.
    Title => Title,
});

order_by!(MechanismOrder, MechanismOrderField, "mechanisms", {
    /// When the record was created.
    CreatedAt => CreatedAt,
    /// When the record last changed.
    UpdatedAt => UpdatedAt,
    /// Its name.
    Name => Name,
});

order_by!(DocumentOrder, DocumentOrderField, "documents", {
    /// When the record was created.
    CreatedAt => CreatedAt,
    /// Its United Nations document symbol.
    Symbol => Symbol,
    /// Its title.
    Title => Title,
});

order_by!(MeetingOrder, MeetingOrderField, "meetings", {
    /// When the record was created.
    CreatedAt => CreatedAt,
    /// When the record last changed.
    UpdatedAt => UpdatedAt,
    /// The day it is held.
    HeldOn => HeldOn,
    /// Its title.
    Title => Title,
});

order_by!(RevisionOrder, RevisionOrderField, "revisions", {
    /// When the revision was made.
    CreatedAt => CreatedAt,
    /// Its number.
    Number => Number,
});

order_by!(AccountOrder, AccountOrderField, "accounts", {
    /// When the account was created.
    CreatedAt => CreatedAt,
    /// When it last changed.
    UpdatedAt => UpdatedAt,
    /// Its email address, compared case-insensitively.
    Email => EmailNormalized,
    /// Its display name.
    DisplayName => DisplayName,
});

order_by!(ApiClientOrder, ApiClientOrderField, "API clients", {
    /// When the client was registered.
    CreatedAt => CreatedAt,
    /// When it last changed.
    UpdatedAt => UpdatedAt,
    /// Its name.
    Name => Name,
});

order_by!(AuditEventOrder, AuditEventOrderField, "audit events", {
    /// When it happened.
    OccurredAt => OccurredAt,
});

order_by!(TombstoneOrder, TombstoneOrderField, "tombstones", {
    /// When the contribution left the public record.
    OccurredAt => OccurredAt,
});
