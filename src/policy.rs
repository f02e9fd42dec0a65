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

/// Contributions whose stakeholder `viewer` may learn: attributed ones, and for the
/// secretariat and the stakeholder's own principals, all. A non-attributed contribution
/// is counted under its group only, so lists by stakeholder leave it out.
pub fn attribution_visible(viewer: &Viewer) -> Condition {
    let attributed = Condition::any().add(Column::Attributed.eq(true));
    match viewer {
        Viewer::Anonymous => attributed,
        Viewer::Principal(p) if p.role == Role::Secretariat => Condition::all(),
        Viewer::Principal(p) => match p.stakeholder_id {
            Some(own) => attributed.add(Column::StakeholderId.eq(own)),
            None => attributed,
        },
    }
}

/// Whether `viewer` may learn who made this contribution.
pub fn sees_attribution(viewer: &Viewer, contribution: &entity::contribution::Model) -> bool {
    contribution.attributed
        || viewer.principal().is_some_and(|p| {
            p.role == Role::Secretariat || p.stakeholder_id == Some(contribution.stakeholder_id)
        })
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

/// Writing a written comment for `stakeholder_id` (create, edit, submit, withdraw):
/// members and observers for their own stakeholder, the secretariat for any. Whether
/// the consultation is open is the workflow's check (a `userErrors` entry), not access.
pub fn may_write_comment(viewer: &Viewer, stakeholder_id: i64) -> AppResult<()> {
    let p = writer(viewer)?;
    if p.role == Role::Secretariat || p.stakeholder_id == Some(stakeholder_id) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// Giving a contribution of `stakeholder_id` MEMBER_STATES visibility: a member state
/// for its own, the secretariat for any.
pub fn may_restrict_to_member_states(viewer: &Viewer, stakeholder_id: i64) -> AppResult<()> {
    let p = writer(viewer)?;
    match p.role {
        Role::Secretariat => Ok(()),
        Role::MemberState if p.stakeholder_id == Some(stakeholder_id) => Ok(()),
        _ => Err(AppError::Forbidden),
    }
}

/// Tagging a contribution of `stakeholder_id` with issues and mechanisms: its own
/// stakeholder's principals, the secretariat for any.
pub fn may_tag(viewer: &Viewer, stakeholder_id: i64) -> AppResult<()> {
    may_write_comment(viewer, stakeholder_id)
}

/// Recording presentations and interventions at meetings; publishing, unpublishing and
/// withdrawing any contribution; managing stakeholders, consultations, meetings,
/// issues and mechanisms; managing accounts and API clients: the secretariat.
pub fn may_administer(viewer: &Viewer) -> AppResult<()> {
    secretariat_writer(viewer).map(|_| ())
}

/// Tombstones `viewer` may read: those of contributions it could read while they were
/// published (by their visibility then), and its own stakeholder's.
pub fn readable_tombstones(viewer: &Viewer) -> Condition {
    use entity::contribution_tombstone::Column as T;
    let public = Condition::all().add(T::Visibility.eq(Visibility::Public));
    match viewer {
        Viewer::Anonymous => public,
        Viewer::Principal(p) if p.role == Role::Secretariat => Condition::all(),
        Viewer::Principal(p) => {
            let mut any = Condition::any().add(public);
            if p.role == Role::MemberState {
                any = any.add(T::Visibility.eq(Visibility::MemberStates));
            }
            if let Some(own) = p.stakeholder_id {
                any = any.add(T::StakeholderId.eq(own));
            }
            any
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::viewer::Scopes;

    const OWN: i64 = 1; // the observer's and the submit client's stakeholder
    const A: i64 = 2; // member state A (and the read client)
    const B: i64 = 3; // member state B

    fn principal(subject: Subject, role: Role, stakeholder: i64, scopes: Scopes) -> Viewer {
        Viewer::Principal(Principal {
            subject,
            role,
            stakeholder_id: Some(stakeholder),
            scopes,
        })
    }

    fn principals() -> Vec<(&'static str, Viewer)> {
        let read = Scopes {
            read: true,
            submit: false,
        };
        vec![
            ("anonymous", Viewer::Anonymous),
            (
                "observer",
                principal(Subject::Account(1), Role::Observer, OWN, Scopes::ALL),
            ),
            (
                "member A",
                principal(Subject::Account(2), Role::MemberState, A, Scopes::ALL),
            ),
            (
                "member B",
                principal(Subject::Account(3), Role::MemberState, B, Scopes::ALL),
            ),
            (
                "secretariat",
                Viewer::Principal(Principal {
                    subject: Subject::Account(4),
                    role: Role::Secretariat,
                    stakeholder_id: None,
                    scopes: Scopes::ALL,
                }),
            ),
            (
                "read client",
                principal(Subject::Client(1), Role::MemberState, A, read),
            ),
            (
                "submit client",
                principal(Subject::Client(2), Role::Observer, OWN, Scopes::ALL),
            ),
        ]
    }

    /// Own stakeholder of each principal in `principals()`, for "own" rows.
    fn own(i: usize) -> i64 {
        [OWN, OWN, A, B, OWN, A, OWN][i]
    }

    /// DESIGN.md's write rows, every principal, with "own" meaning the principal's
    /// stakeholder, plus the cross cases (member A acting for B).
    #[test]
    fn the_write_rows_of_the_role_table() {
        type Row = (&'static str, [bool; 7], Box<dyn Fn(&Viewer, usize) -> bool>);
        let rows: Vec<Row> = vec![
            (
                "write a WRITTEN_COMMENT for own stakeholder",
                [false, true, true, true, true, false, true],
                Box::new(|v, i| may_write_comment(v, own(i)).is_ok()),
            ),
            (
                "write a WRITTEN_COMMENT for member B",
                [false, false, false, true, true, false, false],
                Box::new(|v, _| may_write_comment(v, B).is_ok()),
            ),
            (
                "give own contribution MEMBER_STATES visibility",
                [false, false, true, true, true, false, false],
                Box::new(|v, i| may_restrict_to_member_states(v, own(i)).is_ok()),
            ),
            (
                "record PRESENTATION / INFORMAL_INTERVENTION",
                [false, false, false, false, true, false, false],
                Box::new(|v, _| may_administer(v).is_ok()),
            ),
            (
                "publish, unpublish, withdraw any contribution",
                [false, false, false, false, true, false, false],
                Box::new(|v, _| may_administer(v).is_ok()),
            ),
            (
                "tag own contributions",
                [false, true, true, true, true, false, true],
                Box::new(|v, i| may_tag(v, own(i)).is_ok()),
            ),
            (
                "tag member B's contributions",
                [false, false, false, true, true, false, false],
                Box::new(|v, _| may_tag(v, B).is_ok()),
            ),
            (
                "manage stakeholders, consultations, meetings, issues, mechanisms",
                [false, false, false, false, true, false, false],
                Box::new(|v, _| may_administer(v).is_ok()),
            ),
            (
                "manage accounts and API clients",
                [false, false, false, false, true, false, false],
                Box::new(|v, _| may_administer(v).is_ok()),
            ),
            (
                "read the audit log",
                [false, false, false, false, true, false, false],
                Box::new(|v, _| secretariat(v).is_ok()),
            ),
        ];
        let principals = principals();
        let mut table = format!("{:<66}", "action");
        for (name, _) in &principals {
            table.push_str(&format!(" | {name:<13}"));
        }
        table.push('\n');
        let mut wrong = Vec::new();
        for (action, expected, check) in &rows {
            table.push_str(&format!("{action:<66}"));
            for (i, (name, viewer)) in principals.iter().enumerate() {
                let got = check(viewer, i);
                table.push_str(&format!(
                    " | {:<13}",
                    if got { "allowed" } else { "refused" }
                ));
                if got != expected[i] {
                    wrong.push(format!("{action} / {name}"));
                }
            }
            table.push('\n');
        }
        println!("{table}");
        assert!(wrong.is_empty(), "{wrong:?}\n{table}");
    }

    #[test]
    fn refusals_say_who_must_sign_in_and_who_may_not() {
        assert_eq!(
            may_administer(&Viewer::Anonymous).unwrap_err().code(),
            "UNAUTHENTICATED"
        );
        let observer = &principals()[1].1;
        assert_eq!(may_administer(observer).unwrap_err().code(), "FORBIDDEN");
    }
}
