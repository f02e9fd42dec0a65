//! What an email of the outbox says when it is sent: rendered from its row and the
//! records it names as they are now (an invitation accepted or replaced, a reset used,
//! an account that turned moderation emails off: nothing is sent).

use super::Kind;
use super::text::{self, Moderation, ModerationNotice, Rendered};
use crate::auth::secret;
use chrono::{DateTime, Utc};
use entity::enums::PrincipalStatus;
use entity::{account, email_message, invitation, password_reset, stakeholder};
use sea_orm::{DatabaseConnection, EntityTrait};
use serde_json::Value;

/// What to do with an email.
pub(super) enum Prepared {
    Send(Rendered),
    /// Nothing to send, and why (never told to whoever asked).
    Drop(String),
}

pub(super) fn params(m: &email_message::Model) -> Value {
    serde_json::from_str(&m.params).unwrap_or(Value::Null)
}

/// The message an email's row stands for now, or why there is none any more.
pub(super) async fn prepare(
    db: &DatabaseConnection,
    key: &[u8; 32],
    base: &str,
    m: &email_message::Model,
) -> anyhow::Result<Prepared> {
    let p = params(m);
    let nonce = p.get("nonce").and_then(Value::as_str).unwrap_or_default();
    let until = |t: DateTime<Utc>| t.format("%Y-%m-%d %H:%M").to_string();
    let language = m.language;
    Ok(match Kind::parse(&m.kind) {
        Some(Kind::Invitation) => {
            let id = p.get("invitation").and_then(Value::as_i64).unwrap_or(0);
            let Some(inv) = invitation::Entity::find_by_id(id).one(db).await? else {
                return Ok(Prepared::Drop("the invitation no longer exists".into()));
            };
            if inv.accepted_at.is_some() || inv.superseded_at.is_some() {
                return Ok(Prepared::Drop(
                    "the invitation was accepted or replaced before it was sent".into(),
                ));
            }
            let stakeholder = match inv.stakeholder_id {
                Some(s) => stakeholder::Entity::find_by_id(s)
                    .one(db)
                    .await?
                    .map(|s| s.name),
                None => None,
            };
            let token = secret::link_token(key, "cri_", nonce);
            Prepared::Send(text::invitation(
                language,
                &inv.display_name,
                inv.role,
                stakeholder.as_deref(),
                &until(inv.expires_at),
                &format!("{base}/console#/accept/{token}"),
            ))
        }
        Some(Kind::PasswordReset) | Some(Kind::ResetRequest) => {
            let id = p.get("reset").and_then(Value::as_i64).unwrap_or(0);
            let Some(reset) = password_reset::Entity::find_by_id(id).one(db).await? else {
                return Ok(Prepared::Drop("the reset no longer exists".into()));
            };
            if reset.used_at.is_some() || reset.expires_at < Utc::now() {
                return Ok(Prepared::Drop(
                    "the reset was used or expired before it was sent".into(),
                ));
            }
            let Some(holder) = account::Entity::find_by_id(reset.account_id)
                .one(db)
                .await?
            else {
                return Ok(Prepared::Drop("the account no longer exists".into()));
            };
            let token = secret::link_token(key, "crs_", nonce);
            Prepared::Send(text::password_reset(
                language,
                &holder.display_name,
                &until(reset.expires_at),
                &format!("{base}/console#/reset/{token}"),
            ))
        }
        Some(Kind::Moderation) => {
            let id = p.get("account").and_then(Value::as_i64).unwrap_or(0);
            let holder = account::Entity::find_by_id(id).one(db).await?;
            let Some(holder) =
                holder.filter(|a| a.status == PrincipalStatus::Active && a.moderation_emails)
            else {
                return Ok(Prepared::Drop(
                    "the account is disabled or no longer wants moderation emails".into(),
                ));
            };
            let s = |k: &str| {
                p.get(k)
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned()
            };
            let action: Moderation = serde_json::from_value(p["action"].clone())
                .map_err(|e| anyhow::anyhow!("moderation email {}: {e}", m.id))?;
            let reason = s("reason");
            Prepared::Send(text::moderation(
                holder.language,
                &ModerationNotice {
                    name: &holder.display_name,
                    action,
                    title: &s("title"),
                    consultation: &s("consultation"),
                    stakeholder: &s("stakeholder"),
                    reason: (!reason.is_empty()).then_some(reason.as_str()),
                    link: &format!("{base}/console#/consultations/{}", s("consultationId")),
                    settings_link: &format!("{base}/console#/settings"),
                },
            ))
        }
        None => Prepared::Drop(format!("unknown kind of email: {}", m.kind)),
    })
}
