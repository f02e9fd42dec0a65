//! Accounts: people who sign in. Managed by the secretariat; every change is audited.
//! Passwords are [`super::passwords`]; sign-in is [`super::sessions`].

use crate::auth::password;
use crate::db::Db;
use crate::domain::{Checks, DisplayName, Email};
use crate::error::{AppError, AppResult, MutationError, MutationResult, UserError, UserErrorCode};
use crate::paging::{self, Listing, Page};
use crate::policy::{self, Action, SpeaksFor};
use crate::service::audit::{self, Actor, Change};
use crate::service::refresh_tokens;
use crate::service::versions::save_at_version;
use crate::viewer::Viewer;
use chrono::Utc;
use entity::account::{ActiveModel, Column, Entity, Model};
use entity::enums::{EmailLanguage, PrincipalStatus, Role};
use entity::stakeholder;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    Set,
};
use std::collections::HashMap;

/// A new account.
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub email: String,
    pub display_name: String,
    pub password: String,
    pub role: Role,
    pub stakeholder_id: Option<i64>,
}

/// Changes to an account; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct AccountChanges {
    pub display_name: Option<String>,
    pub role: Option<Role>,
    /// `Some(None)` removes the stakeholder (allowed for the secretariat only).
    pub stakeholder_id: Option<Option<i64>>,
}

/// The stakeholder an account of `role` speaks for fits the role ([`policy::speaks_for`]).
pub(crate) async fn check_stakeholder<C: ConnectionTrait>(
    db: &C,
    role: Role,
    stakeholder_id: Option<i64>,
) -> Result<(), MutationError> {
    let speaks_for = policy::speaks_for(role);
    let Some(id) = stakeholder_id else {
        if speaks_for == SpeaksFor::Optional {
            return Ok(());
        }
        return Err(UserError::new(
            "stakeholder",
            UserErrorCode::Invalid,
            "Member state and observer accounts must speak for a stakeholder",
        )
        .into());
    };
    let Some(row) = stakeholder::Entity::find_by_id(id).one(db).await? else {
        return Err(UserError::new(
            "stakeholder",
            UserErrorCode::NotFound,
            "No such stakeholder",
        )
        .into());
    };
    if !speaks_for.admits(row.stakeholder_group) {
        return Err(UserError::new(
            "stakeholder",
            UserErrorCode::Invalid,
            "A member state account must speak for a Government",
        )
        .into());
    }
    Ok(())
}

/// Creates an account (secretariat).
pub async fn create(db: &impl Db, viewer: &Viewer, input: NewAccount) -> MutationResult<Model> {
    policy::may(viewer, Action::ManageIdentities)?;
    create_as(db, &Actor::of(viewer), input).await
}

/// Creates an account on behalf of `actor`, without a policy check: for the command
/// line (`concord account create`), which runs with the database's own authority.
#[tracing::instrument(
    name = "accounts::create_as",
    level = "info",
    skip_all,
    err(Debug, level = "debug")
)]
pub async fn create_as(db: &impl Db, actor: &Actor, input: NewAccount) -> MutationResult<Model> {
    let mut checks = Checks::default();
    let email = checks.check(Email::parse(&input.email));
    let display_name = checks.take(DisplayName::parse(&input.display_name));
    if let Err(message) = password::check_strength(&input.password) {
        checks.fail(UserError::new("password", UserErrorCode::Invalid, message));
    }
    match check_stakeholder(db, input.role, input.stakeholder_id).await {
        Ok(()) => {}
        Err(MutationError::Input(errors)) => errors.into_iter().for_each(|e| checks.fail(e)),
        Err(other) => return Err(other),
    }
    let email = checks.finish_with(email)?;
    not_taken(db, &email).await?;
    let password_hash = password::hash(&input.password).await?;
    let txn = db.begin().await?;
    let row = insert_in(
        &txn,
        actor,
        Holder {
            email,
            display_name: display_name.into_string(),
            password_hash,
            role: input.role,
            stakeholder_id: input.stakeholder_id,
            language: EmailLanguage::En,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

/// `TAKEN` when an account already holds `email` (in any case).
pub(crate) async fn not_taken(db: &impl ConnectionTrait, email: &Email) -> MutationResult<()> {
    let taken = Entity::find()
        .filter(Column::EmailNormalized.eq(email.normalized()))
        .one(db)
        .await?
        .is_some();
    if taken {
        return Err(UserError::new(
            "email",
            UserErrorCode::Taken,
            "An account with this email already exists",
        )
        .into());
    }
    Ok(())
}

/// Who a new account is for.
pub(crate) struct Holder {
    pub email: Email,
    pub display_name: String,
    pub password_hash: String,
    pub role: Role,
    pub stakeholder_id: Option<i64>,
    pub language: EmailLanguage,
}

/// Inserts an account, audited, in the caller's transaction; an email already taken is
/// `TAKEN` (a lost race included).
pub(crate) async fn insert_in(
    txn: &DatabaseTransaction,
    actor: &Actor,
    holder: Holder,
) -> MutationResult<Model> {
    let now = Utc::now();
    let (email, email_normalized) = holder.email.into_parts();
    let row = ActiveModel {
        email: Set(email),
        email_normalized: Set(email_normalized),
        display_name: Set(holder.display_name),
        password_hash: Set(holder.password_hash),
        role: Set(holder.role),
        stakeholder_id: Set(holder.stakeholder_id),
        status: Set(PrincipalStatus::Active),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
        language: Set(holder.language),
        moderation_emails: Set(true),
        ..Default::default()
    }
    .insert(txn)
    .await
    .map_err(|e| match e.sql_err() {
        // Lost a race with an identical create: same answer as the check before.
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => UserError::new(
            "email",
            UserErrorCode::Taken,
            "An account with this email already exists",
        )
        .into(),
        _ => MutationError::from(e),
    })?;
    audit::append(
        txn,
        actor,
        Change {
            action: "account.create",
            target_type: "Account",
            target_id: Some(row.id),
            before: None,
            after: Some(audit::state_hash(&row)),
        },
    )
    .await?;
    Ok(row)
}

/// The account `id`, or a `NOT_FOUND` entry in `userErrors`.
pub(crate) async fn find(db: &impl ConnectionTrait, id: i64) -> MutationResult<Model> {
    Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| UserError::new("id", UserErrorCode::NotFound, "No such account").into())
}

/// Saves `after` in place of `before` at its version, with an audit event, in one
/// transaction.
pub(crate) async fn save(
    db: &impl Db,
    actor: &Actor,
    action: &str,
    before: Model,
    after: ActiveModel,
) -> MutationResult<Model> {
    let txn = db.begin().await?;
    let row = save_in(&txn, actor, action, before, after).await?;
    txn.commit().await?;
    Ok(row)
}

/// Saves `after` in place of `before` at its version, with an audit event, inside the
/// caller's transaction.
pub(crate) async fn save_in(
    txn: &DatabaseTransaction,
    actor: &Actor,
    action: &str,
    before: Model,
    after: ActiveModel,
) -> MutationResult<Model> {
    let row = save_at_version(txn, before.id, before.version, after, "account").await?;
    audit::append(
        txn,
        actor,
        Change {
            action,
            target_type: "Account",
            target_id: Some(row.id),
            before: Some(audit::state_hash(&before)),
            after: Some(audit::state_hash(&row)),
        },
    )
    .await?;
    Ok(row)
}

/// Changes an account's role, stakeholder or name (secretariat).
#[tracing::instrument(
    name = "accounts::update",
    level = "info",
    skip_all,
    err(Debug, level = "debug")
)]
pub async fn update(
    db: &impl Db,
    viewer: &Viewer,
    id: i64,
    version: i32,
    changes: AccountChanges,
) -> MutationResult<Model> {
    policy::may(viewer, Action::ManageIdentities)?;
    let before = find(db, id).await?;
    if before.version != version {
        return Err(AppError::Conflict("account").into());
    }
    let mut row: ActiveModel = before.clone().into();
    if let Some(name) = &changes.display_name {
        row.display_name = Set(DisplayName::parse(name)?.into_string());
    }
    let role = changes.role.unwrap_or(before.role);
    let stakeholder_id = changes.stakeholder_id.unwrap_or(before.stakeholder_id);
    check_stakeholder(db, role, stakeholder_id).await?;
    row.role = Set(role);
    row.stakeholder_id = Set(stakeholder_id);
    save(db, &Actor::of(viewer), "account.update", before, row).await
}

/// Disables or enables an account (secretariat). A disabled account's tokens are
/// refused from the next request on, and its sessions are ended.
#[tracing::instrument(
    name = "accounts::set_status",
    level = "info",
    skip_all,
    err(Debug, level = "debug")
)]
pub async fn set_status(
    db: &impl Db,
    viewer: &Viewer,
    id: i64,
    status: PrincipalStatus,
) -> MutationResult<Model> {
    policy::may_set_account_status(viewer, id, status)?;
    let before = find(db, id).await?;
    let mut row: ActiveModel = before.clone().into();
    row.status = Set(status);
    let action = match status {
        PrincipalStatus::Active => "account.enable",
        PrincipalStatus::Disabled => "account.disable",
    };
    let txn = db.begin().await?;
    let row = save_in(&txn, &Actor::of(viewer), action, before, row).await?;
    if status == PrincipalStatus::Disabled {
        // In the same transaction: a disabled account keeps no session.
        refresh_tokens::revoke_all(&txn, id).await?;
    }
    txn.commit().await?;
    Ok(row)
}

/// Changes the signed-in account's own email preferences (`None` leaves one as it is).
pub async fn set_preferences(
    db: &impl Db,
    viewer: &Viewer,
    language: Option<EmailLanguage>,
    moderation_emails: Option<bool>,
) -> MutationResult<Model> {
    let id = policy::own_account(viewer)?;
    let before = find(db, id).await?;
    let mut row: ActiveModel = before.clone().into();
    if let Some(language) = language {
        row.language = Set(language);
    }
    if let Some(yes) = moderation_emails {
        row.moderation_emails = Set(yes);
    }
    save(db, &Actor::of(viewer), "account.preferences", before, row).await
}

/// Accounts, for the secretariat.
pub async fn list(
    db: &impl Db,
    viewer: &Viewer,
    filter: &AccountFilter,
    page: &Page,
) -> AppResult<Listing<Model>> {
    policy::may(viewer, Action::ListIdentities)?;
    let mut select = Entity::find();
    // Email or display name containing the text, in any case.
    let columns = [Column::EmailNormalized, Column::DisplayName];
    if let Some(cond) = super::rows::containing(filter.search.as_deref(), &columns) {
        select = select.filter(cond);
    }
    if let Some(roles) = &filter.roles {
        select = select.filter(Column::Role.is_in(roles.iter().copied()));
    }
    if let Some(statuses) = &filter.statuses {
        select = select.filter(Column::Status.is_in(statuses.iter().copied()));
    }
    if let Some(stakeholder) = filter.stakeholder_id {
        select = select.filter(Column::StakeholderId.eq(stakeholder));
    }
    paging::list(db, select, Column::Id, page).await
}

/// Which accounts to list; every field given narrows the list.
#[derive(Debug, Clone, Default)]
pub struct AccountFilter {
    /// Email or display name containing this text (any case).
    pub search: Option<String>,
    pub roles: Option<Vec<entity::enums::Role>>,
    pub statuses: Option<Vec<entity::enums::PrincipalStatus>>,
    pub stakeholder_id: Option<i64>,
}

/// Accounts by id that `viewer` may see: all for the secretariat, one's own otherwise.
pub async fn by_ids(db: &impl Db, viewer: &Viewer, ids: &[i64]) -> AppResult<HashMap<i64, Model>> {
    let reading = super::rows::Reading::principals::<Entity>(policy::readable_accounts(viewer));
    super::rows::by_ids::<Entity>(db, reading, ids).await
}

/// The account with this email (any case), for sign-in.
pub async fn by_email(db: &impl Db, email: &str) -> AppResult<Option<Model>> {
    Ok(Entity::find()
        .filter(Column::EmailNormalized.eq(email.trim().to_lowercase()))
        .one(db)
        .await?)
}
