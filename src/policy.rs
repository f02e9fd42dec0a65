//! The one place that decides who may do what.
//!
//! Reads: every read path (lists, single fetches, `node(id:)`, nested fields,
//! statistics, exports, live updates) filters through the conditions below, so a
//! hidden record is absent everywhere alike: missing from lists, uncounted, and
//! `NOT_FOUND` when asked for by ID.
//!
//! Writes: every service that changes state asks [`may`] with the [`Action`] it is
//! about to take (one variant per row of the role table), or one of the rules below
//! it that refine a row (whose written comment a draft is, who may withdraw what).
//!
//! The role table, which the tests at the bottom check for every principal:
//!
//! | action | anonymous | OBSERVER | MEMBER_STATE | SECRETARIAT |
//! |---|---|---|---|---|
//! | read stakeholders, issues, mechanisms, consultations, meetings | yes | yes | yes | yes |
//! | read PUBLISHED + PUBLIC contributions, statistics over them | yes | yes | yes | yes |
//! | read MEMBER_STATES contributions | no | no | yes | yes |
//! | read own stakeholder's drafts and submissions | — | yes | yes | yes (all) |
//! | create/edit/submit/withdraw a WRITTEN_COMMENT for own stakeholder while OPEN | no | yes | yes | yes (any) |
//! | give a contribution MEMBER_STATES visibility | no | no | yes | yes |
//! | record PRESENTATION / INFORMAL_INTERVENTION at a meeting | no | no | no | yes |
//! | publish, unpublish, withdraw any contribution (with reason) | no | no | no | yes |
//! | tag contributions with issues and mechanisms | no | own | own | any |
//! | manage stakeholders, consultations, meetings, issues, mechanisms | no | no | no | yes |
//! | manage accounts and API clients, read the audit log | no | no | no | yes |
//! | draft and publish reports (published ones are public) | no | no | no | yes |
//! | translate own stakeholder's contributions (official translations: secretariat) | no | own | own | any |
//! | register webhooks for own endpoints | no | client with `read` | client with `read` | yes (any) |
//!
//! API clients act with their role (MEMBER_STATE or OBSERVER, never SECRETARIAT),
//! narrowed by their scopes: without `read` a client reads only what it writes (its own
//! stakeholder's contributions); without `submit` it changes nothing. Consultations in
//! status DRAFT are the secretariat's alone until opened.

use crate::error::{AppError, AppResult, MutationResult, UserError, UserErrorCode};
use crate::viewer::{Principal, Subject, Viewer};
use entity::contribution::{Column, Entity};
use entity::enums::{
    ConsultationStatus, ContributionStatus, PrincipalStatus, Role, StakeholderGroup, Visibility,
};
use sea_orm::sea_query::{Query, SelectStatement};
use sea_orm::{ColumnTrait, Condition};

/// Contributions `viewer` may read: published PUBLIC ones for everyone, published
/// MEMBER_STATES ones for member states too, every one of one's own stakeholder
/// (drafts and submissions included), and everything for the secretariat.
pub fn readable_contributions(viewer: &Viewer) -> Condition {
    let published_public = Condition::all()
        .add(Column::Status.eq(ContributionStatus::Published))
        .add(Column::Visibility.eq(Visibility::Public));
    match viewer {
        Viewer::Anonymous => published_public,
        Viewer::Principal(p) if !p.scopes.read => own_only(p),
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

/// Whether every contribution `viewer` may read is published (as
/// [`readable_contributions`] decides): an anonymous caller's, or a principal's who may
/// read and has no stakeholder of its own and is not the secretariat.
pub fn reads_only_published(viewer: &Viewer) -> bool {
    match viewer {
        Viewer::Anonymous => true,
        Viewer::Principal(p) => {
            p.scopes.read && p.role != Role::Secretariat && p.stakeholder_id.is_none()
        }
    }
}

/// Whether `viewer` may read `c` (as [`readable_contributions`] decides in SQL), for
/// what is decided outside a query: which webhook owners hear of a contribution.
pub fn reads_contribution(viewer: &Viewer, c: &entity::contribution::Model) -> bool {
    let own = |p: &Principal| p.stakeholder_id == Some(c.stakeholder_id);
    let published = c.status == ContributionStatus::Published;
    match viewer {
        Viewer::Anonymous => published && c.visibility == Visibility::Public,
        Viewer::Principal(p) if !p.scopes.read => own(p),
        Viewer::Principal(p) if p.role == Role::Secretariat => true,
        Viewer::Principal(p) => {
            let visible = c.visibility == Visibility::Public
                || (p.role == Role::MemberState && c.visibility == Visibility::MemberStates);
            (published && visible) || own(p)
        }
    }
}

/// What a principal without the `read` scope reads: its own stakeholder's contributions.
fn own_only(p: &Principal) -> Condition {
    match p.stakeholder_id {
        Some(own) => Condition::all().add(Column::StakeholderId.eq(own)),
        None => Condition::all().add(Column::Id.is_null()),
    }
}

/// Whether `viewer` may browse what is public (stakeholders, consultations, meetings,
/// policy issues, mechanisms, documents) on its own: every caller but an API client
/// without the `read` scope, which reads only what it writes.
pub fn may_browse(viewer: &Viewer) -> AppResult<()> {
    match viewer.principal() {
        Some(p) if !p.scopes.read => Err(AppError::Forbidden),
        _ => Ok(()),
    }
}

/// Consultations `viewer` may find: DRAFT ones are the secretariat's alone until opened.
pub fn readable_consultations(viewer: &Viewer) -> Condition {
    use entity::consultation::Column as C;
    if is_secretariat(viewer) {
        Condition::all()
    } else {
        Condition::all().add(C::Status.ne(ConsultationStatus::Draft))
    }
}

/// Whether `viewer` may find a consultation in `status` (see [`readable_consultations`]).
pub fn sees_consultation(viewer: &Viewer, status: ConsultationStatus) -> bool {
    status != ConsultationStatus::Draft || is_secretariat(viewer)
}

fn is_secretariat(viewer: &Viewer) -> bool {
    viewer
        .principal()
        .is_some_and(|p| p.role == Role::Secretariat)
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

/// What `viewer` counts in statistics: the contributions it may read (see
/// [`readable_contributions`]) that were conveyed to the consultation (submitted or
/// published; not drafts, not withdrawn), in the terms of the kept tallies: the (status,
/// visibility) buckets it counts of every stakeholder's contributions, and the
/// stakeholder whose counted contributions it counts in every bucket. The `statistics`
/// service adds the two without counting one twice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountedBuckets {
    pub everyone: Vec<(ContributionStatus, Visibility)>,
    pub own_stakeholder: Option<i64>,
}

/// The statuses statistics count: what was conveyed to the consultation.
pub const COUNTED_STATUSES: [ContributionStatus; 2] =
    [ContributionStatus::Submitted, ContributionStatus::Published];

/// What `viewer` counts in statistics (see [`CountedBuckets`]).
pub fn counted_buckets(viewer: &Viewer) -> CountedBuckets {
    let published = |visibilities: &[Visibility]| {
        visibilities
            .iter()
            .map(|&v| (ContributionStatus::Published, v))
            .collect()
    };
    match viewer {
        Viewer::Anonymous => CountedBuckets {
            everyone: published(&[Visibility::Public]),
            own_stakeholder: None,
        },
        Viewer::Principal(p) if !p.scopes.read => CountedBuckets {
            everyone: Vec::new(),
            own_stakeholder: p.stakeholder_id,
        },
        Viewer::Principal(p) if p.role == Role::Secretariat => CountedBuckets {
            everyone: COUNTED_STATUSES
                .iter()
                .flat_map(|&s| Visibility::ALL.iter().map(move |&v| (s, v)))
                .collect(),
            own_stakeholder: None,
        },
        Viewer::Principal(p) => CountedBuckets {
            everyone: if p.role == Role::MemberState {
                published(&[Visibility::Public, Visibility::MemberStates])
            } else {
                published(&[Visibility::Public])
            },
            own_stakeholder: p.stakeholder_id,
        },
    }
}

/// Whether `viewer` may use the API at all: anyone, or only signed-in principals when
/// anonymous access is switched off (sign-in itself stays open).
pub fn may_use_api(viewer: &Viewer, anonymous_access: bool) -> AppResult<()> {
    if !anonymous_access && *viewer == Viewer::Anonymous {
        return Err(AppError::Unauthenticated("Sign in to use this API"));
    }
    Ok(())
}

/// The signed-in principal, or `UNAUTHENTICATED`.
fn signed_in(viewer: &Viewer) -> AppResult<&Principal> {
    viewer
        .principal()
        .ok_or(AppError::Unauthenticated("Sign in to do this"))
}

/// A principal allowed to change state: accounts, and API clients with the `submit`
/// scope. A read-only client is `FORBIDDEN` from every mutation.
fn writer(viewer: &Viewer) -> AppResult<&Principal> {
    let p = signed_in(viewer)?;
    if !p.scopes.submit {
        return Err(AppError::Forbidden);
    }
    Ok(p)
}

/// The secretariat.
fn secretariat(viewer: &Viewer) -> AppResult<&Principal> {
    let p = signed_in(viewer)?;
    if p.role != Role::Secretariat {
        return Err(AppError::Forbidden);
    }
    Ok(p)
}

/// The secretariat, changing state.
fn secretariat_writer(viewer: &Viewer) -> AppResult<&Principal> {
    secretariat(viewer)?;
    writer(viewer)
}

/// A writer acting for `stakeholder_id`: its own principals, or the secretariat for any.
fn for_stakeholder(viewer: &Viewer, stakeholder_id: i64) -> AppResult<&Principal> {
    let p = writer(viewer)?;
    if p.role == Role::Secretariat || p.stakeholder_id == Some(stakeholder_id) {
        Ok(p)
    } else {
        Err(AppError::Forbidden)
    }
}

/// A principal that may change anything at all (signed in; an API client with the
/// `submit` scope): the first check of every change, before anything is looked up, so
/// that the anonymous caller hears `UNAUTHENTICATED` whatever it names.
pub fn may_write(viewer: &Viewer) -> AppResult<&Principal> {
    writer(viewer)
}

/// Upload a document to attach: a principal that may write comments (one speaking for
/// a stakeholder, or the secretariat). Whether it may attach it to a given contribution
/// is [`Action::WriteComment`]'s check when it does.
pub fn may_upload(viewer: &Viewer) -> AppResult<&Principal> {
    let p = writer(viewer)?;
    if p.role == Role::Secretariat || p.stakeholder_id.is_some() {
        Ok(p)
    } else {
        Err(AppError::Forbidden)
    }
}

/// What a principal may be asked to do: one variant per row of the role table (reads
/// of public records and of contributions are conditions, above). Refusals are
/// `UNAUTHENTICATED` for the anonymous caller and `FORBIDDEN` for anyone else.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Create, edit, submit or withdraw a written comment of `stakeholder_id`: its own
    /// principals, the secretariat for any. (Whether the consultation is open is the
    /// workflow's check, a `userErrors` entry, not access.)
    WriteComment { stakeholder_id: i64 },
    /// Give a contribution of `stakeholder_id` MEMBER_STATES visibility: a member state
    /// for its own, the secretariat for any.
    RestrictToMemberStates { stakeholder_id: i64 },
    /// Record a presentation or informal intervention made at a meeting: the secretariat.
    RecordAtMeeting,
    /// Publish, unpublish or withdraw any contribution: the secretariat.
    Moderate,
    /// Tag a contribution of `stakeholder_id` with issues and mechanisms: its own
    /// stakeholder's principals, the secretariat for any.
    Tag { stakeholder_id: i64 },
    /// Manage stakeholders, consultations, meetings, policy issues and mechanisms: the
    /// secretariat.
    ManageCatalogue,
    /// Create, change, disable accounts and API clients: the secretariat.
    ManageIdentities,
    /// List accounts and API clients: the secretariat (others see only themselves).
    ListIdentities,
    /// Read the audit log: the secretariat.
    ReadAuditLog,
    /// Draft a consultation's report and publish it: the secretariat.
    DraftReport,
    /// Add a translation of a contribution of `stakeholder_id`: its own stakeholder's
    /// principals, the secretariat for any (only the secretariat's are official).
    Translate { stakeholder_id: i64 },
    /// Register webhooks and read their deliveries: the secretariat (any endpoint), and
    /// a partner's API client with the `read` scope (its own endpoints, which hear only
    /// what it may read). Accounts of member states and observers use an API client.
    ManageWebhooks,
}

/// Whether `viewer` may take `action`; the principal if so.
pub fn may(viewer: &Viewer, action: Action) -> AppResult<&Principal> {
    match action {
        Action::WriteComment { stakeholder_id }
        | Action::Tag { stakeholder_id }
        | Action::Translate { stakeholder_id } => for_stakeholder(viewer, stakeholder_id),
        Action::RestrictToMemberStates { stakeholder_id } => {
            let p = writer(viewer)?;
            match p.role {
                Role::Secretariat => Ok(p),
                Role::MemberState if p.stakeholder_id == Some(stakeholder_id) => Ok(p),
                _ => Err(AppError::Forbidden),
            }
        }
        Action::RecordAtMeeting
        | Action::Moderate
        | Action::ManageCatalogue
        | Action::ManageIdentities
        | Action::DraftReport => secretariat_writer(viewer),
        Action::ManageWebhooks => {
            let p = signed_in(viewer)?;
            match (p.role, p.subject) {
                (Role::Secretariat, _) => writer(viewer),
                (_, Subject::Client(_)) if p.scopes.read => Ok(p),
                _ => Err(AppError::Forbidden),
            }
        }
        Action::ListIdentities | Action::ReadAuditLog => secretariat(viewer),
    }
}

/// The command line's viewer (`concord account disable`, …): the secretariat, acting
/// with the database's own authority, audited as `system`.
pub fn command_line() -> Viewer {
    Viewer::Principal(Principal {
        subject: Subject::System,
        role: Role::Secretariat,
        stakeholder_id: None,
        scopes: crate::viewer::Scopes::ALL,
    })
}

/// Whether `viewer` may read report drafts and previews: the secretariat.
pub fn may_read_drafts(viewer: &Viewer) -> AppResult<&Principal> {
    secretariat(viewer)
}

/// Whether a translation `viewer` adds may be marked official: the secretariat's only.
pub fn may_translate_officially(viewer: &Viewer) -> bool {
    is_secretariat(viewer)
}

/// Whether `viewer` manages every webhook (the secretariat) rather than only its own.
pub fn manages_all_webhooks(viewer: &Viewer) -> bool {
    is_secretariat(viewer)
}

/// The stakeholder a new written comment is from: the one named, else the writer's own.
/// `None` when the caller must name one (the secretariat speaks for no stakeholder).
pub fn comment_stakeholder(viewer: &Viewer, named: Option<i64>) -> AppResult<Option<i64>> {
    let p = writer(viewer)?;
    Ok(match (named, p.stakeholder_id) {
        (Some(id), _) => Some(id),
        (None, Some(own)) if p.role != Role::Secretariat => Some(own),
        _ => None,
    })
}

/// Whether `viewer` may give a contribution of `stakeholder_id` this visibility:
/// PUBLIC and SECRETARIAT (only the secretariat reads it) are any author's choice;
/// MEMBER_STATES is [`Action::RestrictToMemberStates`].
pub fn may_give_visibility(
    viewer: &Viewer,
    stakeholder_id: i64,
    visibility: Visibility,
) -> AppResult<()> {
    match visibility {
        Visibility::Public | Visibility::Secretariat => Ok(()),
        Visibility::MemberStates => {
            may(viewer, Action::RestrictToMemberStates { stakeholder_id }).map(|_| ())
        }
    }
}

/// When a withdrawal is allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Withdrawal {
    /// The secretariat withdraws any contribution, at any time.
    AnyTime,
    /// An author withdraws its own written comment while the consultation is open.
    WhileOpen,
}

/// Whether `viewer` may withdraw a contribution of `stakeholder_id` (`written_comment`:
/// whether it is a written comment; meeting records are the secretariat's to withdraw).
pub fn withdrawal(
    viewer: &Viewer,
    stakeholder_id: i64,
    written_comment: bool,
) -> AppResult<Withdrawal> {
    writer(viewer)?;
    if may(viewer, Action::Moderate).is_ok() {
        return Ok(Withdrawal::AnyTime);
    }
    may(viewer, Action::WriteComment { stakeholder_id })?;
    if !written_comment {
        return Err(AppError::Forbidden);
    }
    Ok(Withdrawal::WhileOpen)
}

/// Whether an account of `role` must sign in with a second factor, when the secretariat
/// requires one of its accounts (`required_for_secretariat`).
pub fn second_factor_required(role: Role, required_for_secretariat: bool) -> bool {
    required_for_secretariat && role == Role::Secretariat
}

/// The signed-in person's own account (changing one's password): not an API client.
pub fn own_account(viewer: &Viewer) -> AppResult<i64> {
    let p = writer(viewer)?;
    match p.subject {
        Subject::Account(id) => Ok(id),
        Subject::Client(_) | Subject::System => Err(AppError::Forbidden),
    }
}

/// Disabling or enabling account `account_id`: [`Action::ManageIdentities`], and
/// nobody disables their own account (a `NOT_ALLOWED` entry in `userErrors`).
pub fn may_set_account_status(
    viewer: &Viewer,
    account_id: i64,
    status: PrincipalStatus,
) -> MutationResult<()> {
    let p = may(viewer, Action::ManageIdentities)?;
    if status == PrincipalStatus::Disabled && p.subject == Subject::Account(account_id) {
        return Err(UserError::new(
            "id",
            UserErrorCode::NotAllowed,
            "You cannot disable your own account",
        )
        .into());
    }
    Ok(())
}

/// Whom a principal of a role speaks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpeaksFor {
    /// MEMBER_STATE: a Government.
    Government,
    /// OBSERVER: a stakeholder of any group.
    AnyStakeholder,
    /// SECRETARIAT: no stakeholder needed.
    Optional,
}

impl SpeaksFor {
    /// Whether a stakeholder of `group` fits.
    pub fn admits(self, group: StakeholderGroup) -> bool {
        self != SpeaksFor::Government || group == StakeholderGroup::Government
    }
}

/// Whether an API client may act with `role`: MEMBER_STATE (for a Government) or
/// OBSERVER; never SECRETARIAT, whose work is done by people, on the record.
pub fn client_may_hold(role: Role) -> bool {
    role != Role::Secretariat
}

/// Whom a principal (an account or an API client) of `role` speaks for.
pub fn speaks_for(role: Role) -> SpeaksFor {
    match role {
        Role::MemberState => SpeaksFor::Government,
        Role::Observer => SpeaksFor::AnyStakeholder,
        Role::Secretariat => SpeaksFor::Optional,
    }
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
        Subject::Client(_) | Subject::System => None,
    })
}

/// API clients: the secretariat reads all; a client only itself.
pub fn readable_clients(viewer: &Viewer) -> Readable {
    readable_principals(viewer, |s| match s {
        Subject::Client(id) => Some(id),
        Subject::Account(_) | Subject::System => None,
    })
}

fn readable_principals(viewer: &Viewer, own: fn(Subject) -> Option<i64>) -> Readable {
    match viewer.principal() {
        None => Readable::Nothing,
        Some(p) if p.role == Role::Secretariat => Readable::All,
        Some(p) => own(p.subject).map_or(Readable::Nothing, Readable::Only),
    }
}

/// Tombstones `viewer` may read: those of contributions it could read while they were
/// published (by their visibility then), and its own stakeholder's.
pub fn readable_tombstones(viewer: &Viewer) -> Condition {
    use entity::contribution_tombstone::Column as T;
    let public = Condition::all().add(T::Visibility.eq(Visibility::Public));
    match viewer {
        Viewer::Anonymous => public,
        Viewer::Principal(p) if !p.scopes.read => match p.stakeholder_id {
            Some(own) => Condition::all().add(T::StakeholderId.eq(own)),
            None => Condition::all().add(T::Id.is_null()),
        },
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

/// Each role's budget of cost points a minute unless configured otherwise (an anonymous
/// address has 300,000): the secretariat's work is larger, a member state's or an
/// observer's account or API client reads and writes for one stakeholder.
pub fn default_budgets() -> [(Role, u64); 3] {
    [
        (Role::MemberState, 600_000),
        (Role::Observer, 600_000),
        (Role::Secretariat, 1_200_000),
    ]
}

/// The budget of a principal of `role`: the one `configured` for its role, else its
/// default a minute ([`default_budgets`]), else `anonymous`.
pub fn budget_of(
    configured: &[(Role, crate::config::Limit)],
    role: Role,
    anonymous: crate::config::Limit,
) -> crate::config::Limit {
    let default = || {
        default_budgets()
            .iter()
            .find(|(r, _)| *r == role)
            .map_or(anonymous, |(_, points)| crate::config::Limit {
                points: *points,
                window: std::time::Duration::from_secs(60),
            })
    };
    configured
        .iter()
        .find(|(r, _)| *r == role)
        .map_or_else(default, |(_, limit)| *limit)
}

#[cfg(test)]
mod tests;
