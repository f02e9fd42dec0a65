//! The principal behind a verified access token, as its record says now: the one
//! lookup the HTTP layer makes for every request and WebSocket.

use crate::error::AppResult;
use crate::service::api_clients;
use crate::viewer::{Principal, Scopes, Subject};
use entity::enums::PrincipalStatus;
use entity::{account, api_client};
use sea_orm::{DatabaseConnection, EntityTrait};

/// The principal behind a verified token, as its record says now: a disabled account
/// or revoked client gets `None`, and a changed role or stakeholder applies at once.
/// Clients keep only the token's scopes that they still hold.
pub async fn current(
    db: &DatabaseConnection,
    subject: Subject,
    token_scopes: Scopes,
) -> AppResult<Option<Principal>> {
    let principal = match subject {
        Subject::Account(id) => account::Entity::find_by_id(id)
            .one(db)
            .await?
            .filter(|a| a.status == PrincipalStatus::Active)
            .map(|a| Principal {
                subject,
                role: a.role,
                stakeholder_id: a.stakeholder_id,
                scopes: Scopes::ALL,
            }),
        Subject::Client(id) => api_client::Entity::find_by_id(id)
            .one(db)
            .await?
            .filter(|c| c.status == PrincipalStatus::Active)
            .map(|c| {
                let held = api_clients::scopes(&c);
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
