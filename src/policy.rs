//! The one place that decides what a viewer may read. Every read path (lists, single
//! fetches, `node(id:)`, nested fields, statistics) filters through these conditions,
//! so a hidden record is absent everywhere alike: missing from lists, uncounted, and
//! `NOT_FOUND` when asked for by ID.

use crate::error::{AppError, AppResult};
use crate::viewer::{Principal, Subject, Viewer};
use entity::contribution::{Column, Entity};
use entity::enums::{ContributionStatus, Role, Visibility};
use sea_orm::sea_query::{Query, SelectStatement};
use sea_orm::{ColumnTrait, Condition};

/// Contributions `viewer` may read (DESIGN.md, "Roles and what each may do").
pub fn readable_contributions(viewer: &Viewer) -> Condition {
    let published_public = Condition::all()
        .add(Column::Status.eq(ContributionStatus::Published))
        .add(Column::Visibility.eq(Visibility::Public));
    match viewer {
        Viewer::Anonymous => published_public,
        Viewer::Principal(p) if p.role == Role::Secretariat => Condition::all(),
        Viewer::Principal(p) => {
            let mut published = Condition::any().add(Column::Visibility.eq(Visibility::Public));
            if p.role == Role::MemberState {
                published = published.add(Column::Visibility.eq(Visibility::MemberStates));
            }
            let mut readable = Condition::any().add(
                Condition::all()
                    .add(Column::Status.eq(ContributionStatus::Published))
                    .add(published),
            );
            if let Some(own) = p.stakeholder_id {
                readable = readable.add(Column::StakeholderId.eq(own));
            }
            readable
        }
    }
}

/// Ids of the contributions `viewer` may read, as a subquery: what hangs from a
/// contribution (revisions, links) is readable exactly when the contribution is.
pub fn readable_contribution_ids(viewer: &Viewer) -> SelectStatement {
    Query::select()
        .column(Column::Id)
        .from(Entity)
        .cond_where(readable_contributions(viewer))
        .take()
}

/// Contributions counted in statistics: those `viewer` may read that were actually
/// conveyed to the consultation (submitted or published; not drafts, not withdrawn).
pub fn counted_contributions(viewer: &Viewer) -> Condition {
    Condition::all()
        .add(readable_contributions(viewer))
        .add(Column::Status.is_in([ContributionStatus::Submitted, ContributionStatus::Published]))
}

/// The signed-in principal, or `UNAUTHENTICATED`.
pub fn signed_in(viewer: &Viewer) -> AppResult<&Principal> {
    viewer
        .principal()
        .ok_or(AppError::Unauthenticated("Sign in to do this"))
}

/// A principal allowed to change state: accounts, and API clients with the `submit`
/// scope. A read-only client is `FORBIDDEN` from every mutation.
pub fn writer(viewer: &Viewer) -> AppResult<&Principal> {
    let p = signed_in(viewer)?;
    if !p.scopes.submit {
        return Err(AppError::Forbidden);
    }
    Ok(p)
}

/// The secretariat (managing accounts, API clients and consultations; reading the audit log).
pub fn secretariat(viewer: &Viewer) -> AppResult<&Principal> {
    let p = signed_in(viewer)?;
    if p.role != Role::Secretariat {
        return Err(AppError::Forbidden);
    }
    Ok(p)
}

/// The secretariat, changing state.
pub fn secretariat_writer(viewer: &Viewer) -> AppResult<&Principal> {
    secretariat(viewer)?;
    writer(viewer)
}

/// Which records of one kind a viewer may read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Readable {
    All,
    Only(i64),
    Nothing,
}

/// Accounts: the secretariat reads all; anyone else only their own.
pub fn readable_accounts(viewer: &Viewer) -> Readable {
    readable_principals(viewer, |s| match s {
        Subject::Account(id) => Some(id),
        Subject::Client(_) => None,
    })
}

/// API clients: the secretariat reads all; a client only itself.
pub fn readable_clients(viewer: &Viewer) -> Readable {
    readable_principals(viewer, |s| match s {
        Subject::Client(id) => Some(id),
        Subject::Account(_) => None,
    })
}

fn readable_principals(viewer: &Viewer, own: fn(Subject) -> Option<i64>) -> Readable {
    match viewer.principal() {
        None => Readable::Nothing,
        Some(p) if p.role == Role::Secretariat => Readable::All,
        Some(p) => own(p.subject).map_or(Readable::Nothing, Readable::Only),
    }
}
