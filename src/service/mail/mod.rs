//! Email: a durable outbox. An email is written as a row in the transaction of the
//! change it tells of ([`enqueue`]), so a change that commits is never left untold,
//! even if the process dies right after; [`send::Mailer`] sends the rows over SMTP from
//! any instance, with retries and exponential backoff, each attempt logged.
//!
//! A row keeps what its message is made from, not the message: a link's token is
//! derived again from the row's nonce under the server's link key when it is sent
//! (`auth::secret::link_token`), so reading the table gives no working link.

mod compose;
pub mod notices;
pub mod send;
pub mod text;

use crate::error::AppResult;
use crate::policy::{self, Action};
use crate::viewer::Viewer;
use chrono::Utc;
use entity::email_message;
use entity::enums::{EmailLanguage, EmailStatus};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde_json::Value;
use std::collections::HashMap;

/// What an email says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// An invitation to hold an account, with its link.
    Invitation,
    /// A password-reset link the secretariat issued.
    PasswordReset,
    /// "Forgot password?": the address as typed; whether an account holds it is
    /// decided when the email is sent, never in the request.
    ResetRequest,
    /// A contribution of the holder's stakeholder was published, unpublished or
    /// withdrawn.
    Moderation,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Invitation => "invitation",
            Kind::PasswordReset => "password_reset",
            Kind::ResetRequest => "reset_request",
            Kind::Moderation => "moderation",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        [
            Kind::Invitation,
            Kind::PasswordReset,
            Kind::ResetRequest,
            Kind::Moderation,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// Writes an email to the outbox, in the caller's transaction; returns its row. Call
/// [`send::nudge`] once the transaction commits.
pub async fn enqueue<C: ConnectionTrait>(
    db: &C,
    kind: Kind,
    recipient: &str,
    language: EmailLanguage,
    params: Value,
) -> AppResult<i64> {
    let now = Utc::now();
    let row = email_message::ActiveModel {
        kind: Set(kind.as_str().to_owned()),
        recipient: Set(recipient.to_owned()),
        language: Set(language),
        params: Set(params.to_string()),
        status: Set(EmailStatus::Pending),
        attempts: Set(0),
        next_attempt_at: Set(now),
        lease_until: Set(None),
        last_error: Set(None),
        created_at: Set(now),
        sent_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(row.id)
}

/// Emails of the outbox by id, for what the API shows of their delivery: the
/// secretariat's (to anyone else, none).
pub async fn by_ids(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    ids: &[i64],
) -> AppResult<HashMap<i64, email_message::Model>> {
    if policy::may(viewer, Action::ManageIdentities).is_err() {
        return Ok(HashMap::new());
    }
    Ok(email_message::Entity::find()
        .filter(email_message::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|m| (m.id, m))
        .collect())
}
