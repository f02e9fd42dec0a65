//! Invitations: the secretariat asks a person, by email, to hold an account (role,
//! stakeholder, language); the person sets a password through a one-time link that
//! expires and is bound to that email. A newer invitation to the same email replaces
//! the older (its link stops working). With an SMTP server the link goes by email,
//! written to the outbox in the invitation's transaction; without one it is handed
//! back, for the secretariat to hand over.

use crate::auth::{Auth, password, secret};
use crate::db::Db;
use crate::domain::{Checks, DisplayName, Email, name_from_email};
use crate::error::{MutationError, MutationResult, UserError, UserErrorCode};
use crate::policy::{self, Action};
use crate::service::accounts::{self, Holder};
use crate::service::audit::{self, Actor, Change};
use crate::service::mail::{self, Kind};
use crate::viewer::Viewer;
use chrono::Utc;
use entity::enums::{EmailLanguage, Role};
use entity::{account, invitation};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use secrecy::SecretString;
use serde_json::json;

/// Who to invite.
#[derive(Debug, Clone)]
pub struct NewInvitation {
    pub email: String,
    /// None: read from the email (`jane.doe@…` is "Jane Doe").
    pub display_name: Option<String>,
    pub role: Role,
    pub stakeholder_id: Option<i64>,
    pub language: EmailLanguage,
}

/// An invitation made.
pub struct Invited {
    pub invitation: invitation::Model,
    /// The link's token, when it is handed over rather than emailed.
    pub token: Option<SecretString>,
}

/// Invites a person (secretariat).
pub async fn invite(
    db: &impl Db,
    auth: &Auth,
    viewer: &Viewer,
    input: NewInvitation,
    by_email: bool,
) -> MutationResult<Invited> {
    policy::may(viewer, Action::ManageIdentities)?;
    let actor = Actor::of(viewer);
    let by = actor.account_id;
    invite_as(db, auth, &actor, by, input, by_email).await
}

/// Invites a person on behalf of `actor`, without a policy check: for the command line
/// (`concord account invite`).
#[tracing::instrument(
    name = "invitations::invite_as",
    level = "info",
    skip_all,
    err(Debug, level = "debug")
)]
pub async fn invite_as(
    db: &impl Db,
    auth: &Auth,
    actor: &Actor,
    invited_by: Option<i64>,
    input: NewInvitation,
    by_email: bool,
) -> MutationResult<Invited> {
    let mut checks = Checks::default();
    let email = checks.check(Email::parse(&input.email));
    let name = input
        .display_name
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| name_from_email(input.email.trim()));
    let display_name = checks.take(DisplayName::parse(&name));
    match accounts::check_stakeholder(db, input.role, input.stakeholder_id).await {
        Ok(()) => {}
        Err(MutationError::Input(errors)) => errors.into_iter().for_each(|e| checks.fail(e)),
        Err(other) => return Err(other),
    }
    let email = checks.finish_with(email)?;
    accounts::not_taken(db, &email).await?;
    let nonce = secret::new_nonce()?;
    let token = secret::link_token(&auth.link_key, "cri_", &nonce);
    let now = Utc::now();
    let txn = db.begin().await?;
    // The older invitations to this email stop working.
    invitation::Entity::update_many()
        .col_expr(invitation::Column::SupersededAt, Expr::value(now))
        .filter(invitation::Column::EmailNormalized.eq(email.normalized()))
        .filter(invitation::Column::AcceptedAt.is_null())
        .filter(invitation::Column::SupersededAt.is_null())
        .exec(&txn)
        .await?;
    let (as_entered, normalized) = email.into_parts();
    let row = invitation::ActiveModel {
        email: Set(as_entered.clone()),
        email_normalized: Set(normalized),
        display_name: Set(display_name.into_string()),
        role: Set(input.role),
        stakeholder_id: Set(input.stakeholder_id),
        language: Set(input.language),
        token_hash: Set(secret::digest(&token)),
        expires_at: Set(now + auth.invitation_ttl),
        invited_by: Set(invited_by),
        created_at: Set(now),
        accepted_at: Set(None),
        account_id: Set(None),
        superseded_at: Set(None),
        email_message_id: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let row = if by_email {
        let message = mail::enqueue(
            &txn,
            Kind::Invitation,
            &as_entered,
            input.language,
            json!({ "nonce": nonce, "invitation": row.id }),
        )
        .await?;
        let mut update: invitation::ActiveModel = row.into();
        update.email_message_id = Set(Some(message));
        update.update(&txn).await?
    } else {
        row
    };
    audit::append(
        &txn,
        actor,
        Change {
            action: "account.invite",
            target_type: "Invitation",
            target_id: Some(row.id),
            before: None,
            after: None,
        },
    )
    .await?;
    txn.commit().await?;
    if by_email {
        mail::send::nudge();
    }
    Ok(Invited {
        invitation: row,
        token: (!by_email).then(|| SecretString::from(token)),
    })
}

fn link_refused(message: &str) -> MutationError {
    UserError::new("token", UserErrorCode::Invalid, message).into()
}

/// Accepts an invitation: makes its account with the chosen password (and name, if
/// given). The link works once, until it expires, and only while no account holds its
/// email.
#[tracing::instrument(
    name = "invitations::accept",
    level = "info",
    skip_all,
    err(Debug, level = "debug")
)]
pub async fn accept(
    db: &impl Db,
    token: &str,
    new_password: &str,
    display_name: Option<&str>,
) -> MutationResult<account::Model> {
    let found = invitation::Entity::find()
        .filter(invitation::Column::TokenHash.eq(secret::digest(token.trim())))
        .one(db)
        .await?;
    let Some(inv) = found else {
        return Err(link_refused(
            "This invitation link is not valid; check that it was copied whole, or ask the secretariat for a new one",
        ));
    };
    if inv.accepted_at.is_some() {
        return Err(link_refused(
            "This invitation has already been used; sign in with the email it was sent to",
        ));
    }
    if inv.superseded_at.is_some() {
        return Err(link_refused(
            "A newer invitation was sent to this email; use the link in the latest one",
        ));
    }
    if inv.expires_at < Utc::now() {
        return Err(link_refused(
            "This invitation has expired; ask the secretariat to invite you again",
        ));
    }
    let mut checks = Checks::default();
    if let Err(message) = password::check_strength(new_password) {
        checks.fail(UserError::new("password", UserErrorCode::Invalid, message));
    }
    let name = match display_name.filter(|n| !n.trim().is_empty()) {
        Some(n) => checks.take(DisplayName::parse(n)),
        None => checks.take(DisplayName::parse(&inv.display_name)),
    };
    let email = checks.check(Email::parse(&inv.email));
    let email = checks.finish_with(email)?;
    let hash = password::hash(new_password).await?;
    let txn = db.begin().await?;
    // Conditional, so two concurrent uses cannot both succeed.
    let now = Utc::now();
    let used = invitation::Entity::update_many()
        .col_expr(invitation::Column::AcceptedAt, Expr::value(now))
        .filter(invitation::Column::Id.eq(inv.id))
        .filter(invitation::Column::AcceptedAt.is_null())
        .filter(invitation::Column::SupersededAt.is_null())
        .exec(&txn)
        .await?;
    if used.rows_affected != 1 {
        return Err(link_refused(
            "This invitation has already been used; sign in with the email it was sent to",
        ));
    }
    let row = accounts::insert_in(
        &txn,
        &Actor::system(),
        Holder {
            email,
            display_name: name.into_string(),
            password_hash: hash,
            role: inv.role,
            stakeholder_id: inv.stakeholder_id,
            language: inv.language,
        },
    )
    .await?;
    invitation::Entity::update_many()
        .col_expr(invitation::Column::AccountId, Expr::value(row.id))
        .filter(invitation::Column::Id.eq(inv.id))
        .exec(&txn)
        .await?;
    audit::append(
        &txn,
        &Actor::account(row.id),
        Change {
            action: "account.invitation_accept",
            target_type: "Invitation",
            target_id: Some(inv.id),
            before: None,
            after: None,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

/// The invitations not yet accepted, newest first (secretariat).
pub async fn pending(
    db: &impl Db,
    viewer: &Viewer,
    limit: u64,
) -> crate::error::AppResult<Vec<invitation::Model>> {
    policy::may(viewer, Action::ManageIdentities)?;
    Ok(invitation::Entity::find()
        .filter(invitation::Column::AcceptedAt.is_null())
        .filter(invitation::Column::SupersededAt.is_null())
        .order_by_desc(invitation::Column::Id)
        .limit(limit)
        .all(db)
        .await?)
}

/// One invitation (the secretariat's; to anyone else, none).
pub async fn by_id(
    db: &impl Db,
    viewer: &Viewer,
    id: i64,
) -> crate::error::AppResult<Option<invitation::Model>> {
    if policy::may(viewer, Action::ManageIdentities).is_err() {
        return Ok(None);
    }
    Ok(invitation::Entity::find_by_id(id).one(db).await?)
}
