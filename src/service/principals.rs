//! The principal behind a verified access token, as its record says now: the one
//! lookup the HTTP layer makes for every request and for every event and operation of
//! a WebSocket.

use crate::error::AppResult;
use crate::service::{api_clients, refresh_tokens};
use crate::viewer::{Principal, Scopes, Subject};
use entity::enums::PrincipalStatus;
use entity::{account, api_client};
use sea_orm::{DatabaseConnection, EntityTrait};

/// Where a token's principal stands now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Standing {
    /// Active, with its current role, stakeholder and scopes.
    Active(Principal),
    /// The token's session or credential has ended (logout, refresh-token reuse, a new
    /// client secret), or its subject no longer exists: sign in again.
    Ended,
    /// The account is disabled or the client revoked.
    Disabled,
}

/// Where the principal behind a verified token stands, as its record says now: a
/// changed role or stakeholder applies at once; a client keeps only the token's scopes
/// that it still holds.
pub async fn current(
    db: &DatabaseConnection,
    subject: Subject,
    sid: &str,
    token_scopes: Scopes,
) -> AppResult<Standing> {
    Ok(match subject {
        Subject::Account(id) => match account::Entity::find_by_id(id).one(db).await? {
            None => Standing::Ended,
            Some(a) if a.status != PrincipalStatus::Active => Standing::Disabled,
            Some(a) => {
                if !refresh_tokens::session_active(db, id, sid).await? {
                    return Ok(Standing::Ended);
                }
                Standing::Active(Principal {
                    subject,
                    role: a.role,
                    stakeholder_id: a.stakeholder_id,
                    scopes: Scopes::ALL,
                })
            }
        },
        Subject::Client(id) => match api_client::Entity::find_by_id(id).one(db).await? {
            None => Standing::Ended,
            Some(c) if c.status != PrincipalStatus::Active => Standing::Disabled,
            Some(c) if api_clients::credential_id(&c) != sid => Standing::Ended,
            Some(c) => {
                let held = api_clients::scopes(&c);
                Standing::Active(Principal {
                    subject,
                    role: c.role,
                    stakeholder_id: Some(c.stakeholder_id),
                    scopes: Scopes {
                        read: held.read && token_scopes.read,
                        submit: held.submit && token_scopes.submit,
                    },
                })
            }
        },
    })
}
