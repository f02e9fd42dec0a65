//! Partners' API clients.

use super::announced;
use crate::graphql::args::id_of;
use crate::graphql::context::request;
use crate::graphql::types::{ApiClient, Scope, UserErrorObject, outcome};
use crate::ids::NodeType;
use crate::service::api_clients::{self, NewApiClient};
use crate::viewer::Subject;
use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use entity::enums::Role;
use secrecy::ExposeSecret;

/// API clients.
#[derive(Default)]
pub struct ApiClientMutation;

/// A new API client.
#[derive(InputObject)]
pub struct ApiClientCreateInput {
    /// What the partner calls it.
    pub name: String,
    /// The stakeholder it belongs to.
    pub stakeholder: ID,
    /// The role its tokens carry.
    pub role: Role,
    /// Its scopes (at least one).
    pub scopes: Vec<Scope>,
}

/// One API client.
#[derive(InputObject)]
pub struct ApiClientIdInput {
    /// The API client.
    pub id: ID,
}

/// The result of an API client mutation.
#[derive(SimpleObject)]
pub struct ApiClientPayload {
    /// The client as it now is; null when nothing changed.
    pub api_client: Option<ApiClient>,
    /// The client's secret, shown this once (on create and rotate only).
    pub client_secret: Option<String>,
    /// Problems with the input; empty on success.
    pub user_errors: Vec<UserErrorObject>,
}

fn client_payload(
    result: crate::error::MutationResult<(entity::api_client::Model, Option<String>)>,
) -> Result<ApiClientPayload> {
    let (value, user_errors) = outcome(result)?;
    let (api_client, client_secret) = match value {
        Some((client, secret)) => (Some(ApiClient(client)), secret),
        None => (None, None),
    };
    Ok(ApiClientPayload {
        api_client,
        client_secret,
        user_errors,
    })
}

/// API clients.
#[Object]
impl ApiClientMutation {
    /// Registers a partner's API client (secretariat); the secret is shown once.
    async fn api_client_create(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new client.")] input: ApiClientCreateInput,
    ) -> Result<ApiClientPayload> {
        let rd = request(ctx)?;
        let new = NewApiClient {
            name: input.name,
            stakeholder_id: id_of(&input.stakeholder, NodeType::Stakeholder)?,
            role: input.role,
            scopes: input.scopes.iter().map(|s| s.name().to_owned()).collect(),
        };
        client_payload(
            api_clients::create(&rd.db, &rd.viewer, new)
                .await
                .map(|(c, s)| (c, Some(s.expose_secret().to_owned()))),
        )
    }

    /// Replaces a client's secret (secretariat); the old one stops working at once.
    async fn api_client_rotate_secret(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The client.")] input: ApiClientIdInput,
    ) -> Result<ApiClientPayload> {
        let rd = request(ctx)?;
        let id = id_of(&input.id, NodeType::ApiClient)?;
        let result = api_clients::rotate(&rd.db, &rd.viewer, id).await;
        let result = announced(rd, Subject::Client(id), result).await;
        client_payload(result.map(|(c, s)| (c, Some(s.expose_secret().to_owned()))))
    }

    /// Revokes a client (secretariat): its secret and its tokens stop working.
    async fn api_client_revoke(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The client.")] input: ApiClientIdInput,
    ) -> Result<ApiClientPayload> {
        let rd = request(ctx)?;
        let id = id_of(&input.id, NodeType::ApiClient)?;
        let result = api_clients::revoke(&rd.db, &rd.viewer, id).await;
        let result = announced(rd, Subject::Client(id), result).await;
        client_payload(result.map(|c| (c, None)))
    }
}
