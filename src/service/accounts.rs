//! Accounts: people who sign in. Managed by the secretariat; every change is audited.

use crate::auth::{Auth, password, secret};
use crate::error::{AppError, AppResult, MutationError, MutationResult, UserError, UserErrorCode};
use crate::paging::{self, Listing, Page};
use crate::policy::{self, Readable};
use crate::service::audit::{self, Actor, Change};
use crate::service::{Versioned, save_at_version};
use crate::viewer::{Principal, Scopes, Subject, Viewer};
use chrono::{DateTime, Utc};
use entity::account::{ActiveModel, Column, Entity, Model};
use entity::enums::{PrincipalStatus, Role, StakeholderGroup};
use entity::{password_reset, stakeholder};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    Set, TransactionTrait,
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

/// Lowercased, trimmed email, or why it is refused.
fn normalize_email(email: &str) -> Result<(String, String), UserError> {
    let trimmed = email.trim();
    let valid = trimmed.len() <= 320
        && !trimmed.contains(char::is_whitespace)
        && trimmed.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        });
    if !valid {
        return Err(UserError::new(
            "email",
            UserErrorCode::Invalid,
            "Enter an email address such as name@example.org",
        ));
    }
    Ok((trimmed.to_owned(), trimmed.to_lowercase()))
}

fn check_display_name(name: &str) -> Result<String, UserError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(UserError::new(
            "displayName",
            UserErrorCode::Invalid,
            "The display name must have 1 to 200 characters",
        ));
    }
    Ok(name.to_owned())
}

/// Member states and observers speak for a stakeholder; a member state for a Government.
async fn check_stakeholder<C: ConnectionTrait>(
    db: &C,
    role: Role,
    stakeholder_id: Option<i64>,
) -> Result<(), MutationError> {
    let Some(id) = stakeholder_id else {
        if role == Role::Secretariat {
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
    if role == Role::MemberState && row.stakeholder_group != StakeholderGroup::Government {
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
pub async fn create(
    db: &DatabaseConnection,
    viewer: &Viewer,
    input: NewAccount,
) -> MutationResult<Model> {
    policy::secretariat_writer(viewer)?;
    create_as(db, &Actor::of(viewer), input).await
}

/// Creates an account on behalf of `actor`, without a policy check: for the command
/// line (`concord account create`), which runs with the database's own authority.
pub async fn create_as(
    db: &DatabaseConnection,
    actor: &Actor,
    input: NewAccount,
) -> MutationResult<Model> {
    let mut errors = Vec::new();
    let email = normalize_email(&input.email)
        .map_err(|e| errors.push(e))
        .ok();
    let display_name = check_display_name(&input.display_name)
        .map_err(|e| errors.push(e))
        .ok();
    if let Err(message) = password::check_strength(&input.password) {
        errors.push(UserError::new("password", UserErrorCode::Invalid, message));
    }
    match check_stakeholder(db, input.role, input.stakeholder_id).await {
        Ok(()) => {}
        Err(MutationError::Input(mut e)) => errors.append(&mut e),
        Err(other) => return Err(other),
    }
    let (Some((email, normalized)), Some(display_name), true) =
        (email, display_name, errors.is_empty())
    else {
        return Err(MutationError::Input(errors));
    };
    if Entity::find()
        .filter(Column::EmailNormalized.eq(&normalized))
        .one(db)
        .await?
        .is_some()
    {
        return Err(UserError::new(
            "email",
            UserErrorCode::Taken,
            "An account with this email already exists",
        )
        .into());
    }
    let password_hash = password::hash(&input.password)?;
    let now = Utc::now();
    let txn = db.begin().await?;
    let row = ActiveModel {
        email: Set(email),
        email_normalized: Set(normalized),
        display_name: Set(display_name),
        password_hash: Set(password_hash),
        role: Set(input.role),
        stakeholder_id: Set(input.stakeholder_id),
        status: Set(PrincipalStatus::Active),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|e| match e.sql_err() {
        // Lost a race with an identical create: same answer as the check above.
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => UserError::new(
            "email",
            UserErrorCode::Taken,
            "An account with this email already exists",
        )
        .into(),
        _ => MutationError::from(e),
    })?;
    audit::record(
        &txn,
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
    txn.commit().await?;
    Ok(row)
}

async fn find(db: &impl ConnectionTrait, id: i64) -> MutationResult<Model> {
    Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| UserError::new("id", UserErrorCode::NotFound, "No such account").into())
}

/// Saves `after` in place of `before` with an audit event, in one transaction.
async fn save(
    db: &DatabaseConnection,
    actor: &Actor,
    action: &str,
    before: Model,
    after: ActiveModel,
) -> MutationResult<Model> {
    let txn = db.begin().await?;
    let cols = Versioned {
        id: Column::Id,
        version: Column::Version,
        updated_at: Column::UpdatedAt,
    };
    let row = save_at_version(&txn, cols, before.id, before.version, after, "account").await?;
    audit::record(
        &txn,
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
    txn.commit().await?;
    Ok(row)
}

/// Changes an account's role, stakeholder or name (secretariat).
pub async fn update(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: i64,
    version: i32,
    changes: AccountChanges,
) -> MutationResult<Model> {
    policy::secretariat_writer(viewer)?;
    let before = find(db, id).await?;
    if before.version != version {
        return Err(AppError::Conflict("account").into());
    }
    let mut row: ActiveModel = before.clone().into();
    if let Some(name) = &changes.display_name {
        row.display_name = Set(check_display_name(name)?);
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
pub async fn set_status(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: i64,
    status: PrincipalStatus,
) -> MutationResult<Model> {
    let p = policy::secretariat_writer(viewer)?;
    if status == PrincipalStatus::Disabled && p.subject == Subject::Account(id) {
        return Err(UserError::new(
            "id",
            UserErrorCode::NotAllowed,
            "You cannot disable your own account",
        )
        .into());
    }
    let before = find(db, id).await?;
    let mut row: ActiveModel = before.clone().into();
    row.status = Set(status);
    let action = match status {
        PrincipalStatus::Active => "account.enable",
        PrincipalStatus::Disabled => "account.disable",
    };
    let row = save(db, &Actor::of(viewer), action, before, row).await?;
    if status == PrincipalStatus::Disabled {
        super::sessions::revoke_all(db, id).await?;
    }
    Ok(row)
}

/// Issues a one-time, expiring password-reset token for an account (secretariat).
pub async fn issue_password_reset(
    db: &DatabaseConnection,
    auth: &Auth,
    viewer: &Viewer,
    id: i64,
) -> MutationResult<(String, DateTime<Utc>)> {
    policy::secretariat_writer(viewer)?;
    let account = find(db, id).await?;
    let token = secret::new_token("crs_")?;
    let now = Utc::now();
    let expires = now + auth.reset_ttl;
    let txn = db.begin().await?;
    password_reset::ActiveModel {
        account_id: Set(account.id),
        token_hash: Set(secret::digest(&token)),
        expires_at: Set(expires),
        created_at: Set(now),
        used_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        &Actor::of(viewer),
        Change {
            action: "account.password_reset_issue",
            target_type: "Account",
            target_id: Some(account.id),
            before: None,
            after: None,
        },
    )
    .await?;
    txn.commit().await?;
    Ok((token, expires))
}

/// Sets a new password with a reset token; the token works once.
pub async fn complete_password_reset(
    db: &DatabaseConnection,
    token: &str,
    new_password: &str,
) -> MutationResult<()> {
    if let Err(message) = password::check_strength(new_password) {
        return Err(UserError::new("newPassword", UserErrorCode::Invalid, message).into());
    }
    let invalid = || {
        MutationError::App(AppError::Unauthenticated(
            "This reset token is not valid; ask the secretariat for a new one",
        ))
    };
    let reset = password_reset::Entity::find()
        .filter(password_reset::Column::TokenHash.eq(secret::digest(token)))
        .one(db)
        .await?
        .ok_or_else(invalid)?;
    if reset.used_at.is_some() || reset.expires_at < Utc::now() {
        return Err(invalid());
    }
    let account = find(db, reset.account_id).await?;
    let hash = password::hash(new_password)?;
    let txn = db.begin().await?;
    // Conditional, so two concurrent uses cannot both succeed.
    let used = password_reset::Entity::update_many()
        .col_expr(
            password_reset::Column::UsedAt,
            sea_orm::sea_query::Expr::value(Utc::now()),
        )
        .filter(password_reset::Column::Id.eq(reset.id))
        .filter(password_reset::Column::UsedAt.is_null())
        .exec(&txn)
        .await?;
    if used.rows_affected != 1 {
        return Err(invalid());
    }
    let mut row: ActiveModel = account.clone().into();
    row.password_hash = Set(hash);
    row.updated_at = Set(Utc::now());
    row.version = Set(account.version + 1);
    let row = row.update(&txn).await?;
    let actor = Actor {
        account_id: Some(account.id),
        client_id: None,
        label: format!("account:{}", account.id),
    };
    audit::record(
        &txn,
        &actor,
        Change {
            action: "account.password_reset_complete",
            target_type: "Account",
            target_id: Some(row.id),
            before: Some(audit::state_hash(&account)),
            after: Some(audit::state_hash(&row)),
        },
    )
    .await?;
    txn.commit().await?;
    super::sessions::revoke_all(db, account.id).await?;
    Ok(())
}

/// Changes the signed-in account's own password.
pub async fn change_password(
    db: &DatabaseConnection,
    viewer: &Viewer,
    current: &str,
    new_password: &str,
) -> MutationResult<()> {
    let p = policy::writer(viewer)?;
    let Subject::Account(id) = p.subject else {
        return Err(AppError::Forbidden.into());
    };
    let account = find(db, id).await?;
    if !password::verify(current, &account.password_hash) {
        return Err(UserError::new(
            "currentPassword",
            UserErrorCode::Invalid,
            "The current password is wrong",
        )
        .into());
    }
    if let Err(message) = password::check_strength(new_password) {
        return Err(UserError::new("newPassword", UserErrorCode::Invalid, message).into());
    }
    let mut row: ActiveModel = account.clone().into();
    row.password_hash = Set(password::hash(new_password)?);
    save(
        db,
        &Actor::of(viewer),
        "account.password_change",
        account,
        row,
    )
    .await?;
    Ok(())
}

/// Accounts, for the secretariat.
pub async fn list(
    db: &DatabaseConnection,
    viewer: &Viewer,
    page: &Page,
) -> AppResult<Listing<Model>> {
    policy::secretariat(viewer)?;
    paging::list(db, Entity::find(), Column::Id, page).await
}

/// Accounts by id that `viewer` may see: all for the secretariat, one's own otherwise.
pub async fn by_ids(
    db: &DatabaseConnection,
    viewer: &Viewer,
    ids: &[i64],
) -> AppResult<HashMap<i64, Model>> {
    let select = Entity::find().filter(Column::Id.is_in(ids.iter().copied()));
    let select = match policy::readable_accounts(viewer) {
        Readable::All => select,
        Readable::Only(own) => select.filter(Column::Id.eq(own)),
        Readable::Nothing => return Ok(HashMap::new()),
    };
    Ok(select
        .all(db)
        .await?
        .into_iter()
        .map(|m| (m.id, m))
        .collect())
}

/// The account with this email (any case), for sign-in.
pub async fn by_email(db: &DatabaseConnection, email: &str) -> AppResult<Option<Model>> {
    Ok(Entity::find()
        .filter(Column::EmailNormalized.eq(email.trim().to_lowercase()))
        .one(db)
        .await?)
}

/// The principal behind a verified token, as its record says now: a disabled account
/// or revoked client gets `None`, and a changed role or stakeholder applies at once.
/// Clients keep only the token's scopes that they still hold.
pub async fn current_principal(
    db: &DatabaseConnection,
    subject: Subject,
    token_scopes: Scopes,
) -> AppResult<Option<Principal>> {
    let principal = match subject {
        Subject::Account(id) => Entity::find_by_id(id)
            .one(db)
            .await?
            .filter(|a| a.status == PrincipalStatus::Active)
            .map(|a| Principal {
                subject,
                role: a.role,
                stakeholder_id: a.stakeholder_id,
                scopes: Scopes::ALL,
            }),
        Subject::Client(id) => entity::api_client::Entity::find_by_id(id)
            .one(db)
            .await?
            .filter(|c| c.status == PrincipalStatus::Active)
            .map(|c| {
                let held = super::api_clients::scopes(&c);
                let scopes = Scopes {
                    read: held.read && token_scopes.read,
                    submit: held.submit && token_scopes.submit,
                };
                Principal {
                    subject,
                    role: c.role,
                    stakeholder_id: Some(c.stakeholder_id),
                    scopes,
                }
            }),
    };
    Ok(principal)
}
