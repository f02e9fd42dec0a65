//! Partner API clients: OAuth 2.0 client credentials. The secretariat creates, rotates
//! and revokes them; the secret is returned once and stored only as its SHA-256.

use crate::auth::secret;
use crate::db::Db;
use crate::domain::{Checks, Name};
use crate::error::{AppResult, MutationError, MutationResult, UserError, UserErrorCode};
use crate::paging::{self, Listing, Page};
use crate::policy::{self, Action};
use crate::service::versions::save_at_version;
use crate::service::{audit, stakeholders};
use crate::viewer::{Scopes, Viewer};
use chrono::Utc;
use entity::api_client::{ActiveModel, Column, Entity, Model};
use entity::enums::{PrincipalStatus, Role};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use secrecy::SecretString;
use std::collections::HashMap;

/// A new API client.
#[derive(Debug, Clone)]
pub struct NewApiClient {
    pub name: String,
    pub stakeholder_id: i64,
    pub role: Role,
    /// Scope names: `read`, `submit`.
    pub scopes: Vec<String>,
}

/// The scopes a client holds, from its stored form.
pub fn scopes(model: &Model) -> Scopes {
    let names: Vec<String> = model.scopes.split_whitespace().map(str::to_owned).collect();
    Scopes::parse(&names)
}

/// The id of a client's current credential, the `sid` of its tokens: replacing the
/// secret changes it, so tokens issued under the old secret are refused at once.
pub fn credential_id(model: &Model) -> String {
    secret::digest(&format!("credential:{}", model.secret_hash))[..16].to_owned()
}

async fn audit_change(
    txn: &impl sea_orm::ConnectionTrait,
    viewer: &Viewer,
    action: &str,
    before: Option<&Model>,
    after: &Model,
) -> AppResult<()> {
    audit::append_change(txn, viewer, action, ("ApiClient", after.id), before, after).await
}

/// Creates a client; returns it and its secret (shown this once).
#[tracing::instrument(
    name = "api_clients::create",
    level = "info",
    skip_all,
    err(Debug, level = "debug")
)]
pub async fn create(
    db: &impl Db,
    viewer: &Viewer,
    input: NewApiClient,
) -> MutationResult<(Model, SecretString)> {
    policy::may(viewer, Action::ManageIdentities)?;
    let mut checks = Checks::default();
    let name = checks.take(Name::parse(&input.name));
    if let Some(bad) = input.scopes.iter().find(|s| *s != "read" && *s != "submit") {
        checks.fail(UserError::new(
            "scopes",
            UserErrorCode::Invalid,
            format!("Unknown scope \"{bad}\"; use read or submit"),
        ));
    }
    let scopes = Scopes::parse(&input.scopes);
    if !scopes.read && !scopes.submit {
        checks.fail(UserError::new(
            "scopes",
            UserErrorCode::Invalid,
            "Give the client at least one scope",
        ));
    }
    if !policy::client_may_hold(input.role) {
        checks.fail(UserError::new(
            "role",
            UserErrorCode::Invalid,
            "An API client acts as MEMBER_STATE or OBSERVER, never as SECRETARIAT",
        ));
    }
    checks.finish()?;
    let stakeholder = stakeholders::require(db, "stakeholder", input.stakeholder_id).await?;
    if !policy::speaks_for(input.role).admits(stakeholder.stakeholder_group) {
        return Err(UserError::new(
            "stakeholder",
            UserErrorCode::Invalid,
            "A member state client must speak for a Government",
        )
        .into());
    }
    let client_id = format!("cc_{}", hex::encode(secret::random_bytes(12)?));
    let client_secret = secret::new_token("ccs_")?;
    let now = Utc::now();
    let txn = db.begin().await?;
    let row = ActiveModel {
        client_id: Set(client_id),
        name: Set(name.into_string()),
        stakeholder_id: Set(input.stakeholder_id),
        role: Set(input.role),
        scopes: Set(scopes.names().join(" ")),
        secret_hash: Set(secret::digest(&client_secret)),
        status: Set(PrincipalStatus::Active),
        created_at: Set(now),
        updated_at: Set(now),
        secret_rotated_at: Set(None),
        version: Set(1),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit_change(&txn, viewer, "api_client.create", None, &row).await?;
    txn.commit().await?;
    Ok((row, SecretString::from(client_secret)))
}

async fn find(db: &impl Db, id: i64) -> MutationResult<Model> {
    Entity::find_by_id(id).one(db).await?.ok_or_else(|| {
        MutationError::from(UserError::new(
            "id",
            UserErrorCode::NotFound,
            "No such API client",
        ))
    })
}

/// Replaces a client's secret; the old one, and every token issued under it, stops
/// working at once.
#[tracing::instrument(
    name = "api_clients::rotate",
    level = "info",
    skip_all,
    err(Debug, level = "debug")
)]
pub async fn rotate(
    db: &impl Db,
    viewer: &Viewer,
    id: i64,
) -> MutationResult<(Model, SecretString)> {
    policy::may(viewer, Action::ManageIdentities)?;
    let before = find(db, id).await?;
    let client_secret = secret::new_token("ccs_")?;
    let changes = ActiveModel {
        secret_hash: Set(secret::digest(&client_secret)),
        secret_rotated_at: Set(Some(Utc::now())),
        ..Default::default()
    };
    let row = save(db, viewer, "api_client.rotate_secret", &before, changes).await?;
    Ok((row, SecretString::from(client_secret)))
}

/// Revokes a client: its secret and its tokens stop working.
#[tracing::instrument(
    name = "api_clients::revoke",
    level = "info",
    skip_all,
    err(Debug, level = "debug")
)]
pub async fn revoke(db: &impl Db, viewer: &Viewer, id: i64) -> MutationResult<Model> {
    policy::may(viewer, Action::ManageIdentities)?;
    let before = find(db, id).await?;
    let changes = ActiveModel {
        status: Set(PrincipalStatus::Disabled),
        ..Default::default()
    };
    save(db, viewer, "api_client.revoke", &before, changes).await
}

/// Saves `changes` to a client still at the version `before` was read at (else
/// `CONFLICT`: another change came first), with its audit event.
async fn save(
    db: &impl Db,
    viewer: &Viewer,
    action: &str,
    before: &Model,
    changes: ActiveModel,
) -> MutationResult<Model> {
    let txn = db.begin().await?;
    let row = save_at_version(&txn, before.id, before.version, changes, "API client").await?;
    audit_change(&txn, viewer, action, Some(before), &row).await?;
    txn.commit().await?;
    Ok(row)
}

/// The active client with these credentials, if they are right.
#[tracing::instrument(
    name = "api_clients::authenticate",
    level = "debug",
    skip_all,
    err(Debug, level = "debug")
)]
pub async fn authenticate(
    db: &impl Db,
    client_id: &str,
    client_secret: &str,
) -> AppResult<Option<Model>> {
    let row = Entity::find()
        .filter(Column::ClientId.eq(client_id))
        .one(db)
        .await?;
    Ok(row.filter(|c| {
        c.status == PrincipalStatus::Active && c.secret_hash == secret::digest(client_secret)
    }))
}

/// Clients, for the secretariat.
pub async fn list(db: &impl Db, viewer: &Viewer, page: &Page) -> AppResult<Listing<Model>> {
    policy::may(viewer, Action::ListIdentities)?;
    paging::list(db, Entity::find(), Column::Id, page).await
}

/// Clients by id that `viewer` may see: all for the secretariat, itself for a client.
pub async fn by_ids(db: &impl Db, viewer: &Viewer, ids: &[i64]) -> AppResult<HashMap<i64, Model>> {
    let reading = super::rows::Reading::principals::<Entity>(policy::readable_clients(viewer));
    super::rows::by_ids::<Entity>(db, reading, ids).await
}
