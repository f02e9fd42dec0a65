use super::{Stakeholder, dangling};
use crate::error::{MutationError, MutationResult, UserError};
use crate::graphql::connection::connection;
use crate::graphql::context::request;
use crate::graphql::enums::UserErrorCode;
use crate::graphql::loaders::{AccountKey, ApiClientKey, StakeholderKey};
use crate::ids::{GlobalId, NodeType};
use crate::service::api_clients;
use crate::viewer::{Principal, Subject};
use async_graphql::{Context, ID, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entity::enums::{EmailLanguage, PrincipalStatus, Role};
use entity::{account, api_client, audit_event};

/// The stakeholder an account (or an invitation) speaks for, through the loader.
pub(super) async fn stakeholder(ctx: &Context<'_>, id: Option<i64>) -> Result<Option<Stakeholder>> {
    let Some(id) = id else { return Ok(None) };
    let rd = request(ctx)?;
    let row = rd.loader.load_one(StakeholderKey(id)).await?;
    row.map(|s| Some(Stakeholder(s)))
        .ok_or_else(|| dangling("stakeholder", id))
}

/// A person who signs in. Visible to the secretariat, and to its own holder.
#[derive(Clone)]
pub struct Account(pub account::Model);

/// A person who signs in. Visible to the secretariat, and to its own holder.
#[Object]
impl Account {
    /// Opaque global ID.
    pub async fn id(&self) -> ID {
        GlobalId::new(NodeType::Account, self.0.id).encode().into()
    }

    /// Email address, as entered (sign-in compares it case-insensitively).
    async fn email(&self) -> &str {
        &self.0.email
    }

    /// Name shown to others.
    async fn display_name(&self) -> &str {
        &self.0.display_name
    }

    /// What the account may do.
    async fn role(&self) -> Role {
        self.0.role
    }

    /// The stakeholder it speaks for (member states and observers).
    async fn stakeholder(&self, ctx: &Context<'_>) -> Result<Option<Stakeholder>> {
        stakeholder(ctx, self.0.stakeholder_id).await
    }

    /// Whether it may sign in.
    async fn status(&self) -> PrincipalStatus {
        self.0.status
    }

    /// Increases with every change.
    async fn version(&self) -> i32 {
        self.0.version
    }

    /// When it was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When it last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }

    /// The language of the emails it receives.
    async fn language(&self) -> EmailLanguage {
        self.0.language
    }

    /// Whether its holder hears by email when the secretariat publishes, unpublishes or
    /// withdraws a contribution of its stakeholder.
    async fn moderation_emails(&self) -> bool {
        self.0.moderation_emails
    }

    /// Whether it signs in with a second factor (an authenticator app's code).
    async fn second_factor(&self) -> bool {
        self.0.totp_secret.is_some()
    }
}

connection!(
    AccountConnection,
    AccountEdge,
    Account,
    "A page of accounts.",
    "An account in a page, with its cursor."
);

/// A partner organization's programmatic identity, which obtains tokens with the OAuth
/// 2.0 client-credentials grant at `POST /oauth/token`. Visible to the secretariat.
#[derive(Clone)]
pub struct ApiClient(pub api_client::Model);

/// A partner organization's programmatic identity, which obtains tokens with the OAuth
/// 2.0 client-credentials grant at `POST /oauth/token`. Visible to the secretariat.
#[Object]
impl ApiClient {
    /// Opaque global ID.
    pub async fn id(&self) -> ID {
        GlobalId::new(NodeType::ApiClient, self.0.id)
            .encode()
            .into()
    }

    /// The OAuth `client_id`.
    async fn client_id(&self) -> &str {
        &self.0.client_id
    }

    /// What the partner calls this client.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// The role its tokens carry.
    async fn role(&self) -> Role {
        self.0.role
    }

    /// The scopes its tokens may carry.
    async fn scopes(&self) -> Vec<Scope> {
        Scope::of(api_clients::scopes(&self.0))
    }

    /// The stakeholder it belongs to.
    async fn stakeholder(&self, ctx: &Context<'_>) -> Result<Option<Stakeholder>> {
        stakeholder(ctx, Some(self.0.stakeholder_id)).await
    }

    /// ACTIVE, or DISABLED once revoked.
    async fn status(&self) -> PrincipalStatus {
        self.0.status
    }

    /// When it was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When its secret was last replaced.
    async fn secret_rotated_at(&self) -> Option<DateTime<Utc>> {
        self.0.secret_rotated_at
    }
}

connection!(
    ApiClientConnection,
    ApiClientEdge,
    ApiClient,
    "A page of API clients.",
    "An API client in a page, with its cursor."
);

/// One change of state, append-only and chained to the previous event by hash.
#[derive(Clone)]
pub struct AuditEvent(pub audit_event::Model);

/// One change of state, append-only and chained to the previous event by hash.
#[Object]
impl AuditEvent {
    /// Opaque global ID.
    pub async fn id(&self) -> ID {
        GlobalId::new(NodeType::AuditEvent, self.0.id)
            .encode()
            .into()
    }

    /// When it happened.
    async fn occurred_at(&self) -> DateTime<Utc> {
        self.0.occurred_at
    }

    /// Who acted: `account:<n>`, `client:<n>`, `system` or `anonymous`.
    async fn actor_label(&self) -> &str {
        &self.0.actor_label
    }

    /// The account that acted, if an account did.
    async fn actor_account(&self, ctx: &Context<'_>) -> Result<Option<Account>> {
        let Some(id) = self.0.actor_account_id else {
            return Ok(None);
        };
        Ok(request(ctx)?
            .loader
            .load_one(AccountKey(id))
            .await?
            .map(Account))
    }

    /// The API client that acted, if one did.
    async fn actor_client(&self, ctx: &Context<'_>) -> Result<Option<ApiClient>> {
        let Some(id) = self.0.actor_client_id else {
            return Ok(None);
        };
        Ok(request(ctx)?
            .loader
            .load_one(ApiClientKey(id))
            .await?
            .map(ApiClient))
    }

    /// What was done, e.g. `account.create`.
    async fn action(&self) -> &str {
        &self.0.action
    }

    /// The type of what changed, e.g. `Account`.
    async fn target_type(&self) -> &str {
        &self.0.target_type
    }

    /// The global ID of what changed.
    async fn target_id(&self) -> Option<ID> {
        let id = self.0.target_id?;
        let node_type = match self.0.target_type.as_str() {
            "Account" => NodeType::Account,
            "ApiClient" => NodeType::ApiClient,
            "Invitation" => NodeType::Invitation,
            _ => return Some(ID(id.to_string())),
        };
        Some(GlobalId::new(node_type, id).encode().into())
    }

    /// SHA-256 of the record before the change.
    async fn before_hash(&self) -> Option<&str> {
        self.0.before_hash.as_deref()
    }

    /// SHA-256 of the record after the change.
    async fn after_hash(&self) -> Option<&str> {
        self.0.after_hash.as_deref()
    }

    /// The previous event's hash (empty for the first event).
    async fn prev_hash(&self) -> &str {
        &self.0.prev_hash
    }

    /// This event's hash, over all of the above.
    async fn hash(&self) -> &str {
        &self.0.hash
    }
}

connection!(
    AuditEventConnection,
    AuditEventEdge,
    AuditEvent,
    "A page of audit events.",
    "An audit event in a page, with its cursor."
);

/// Who is calling: the principal behind the request's token.
pub struct ViewerInfo(pub Principal);

/// Who is calling: the principal behind the request's token.
#[Object(name = "Viewer")]
impl ViewerInfo {
    /// The role the caller acts with.
    async fn role(&self) -> Role {
        self.0.role
    }

    /// The stakeholder the caller speaks for.
    async fn stakeholder(&self, ctx: &Context<'_>) -> Result<Option<Stakeholder>> {
        stakeholder(ctx, self.0.stakeholder_id).await
    }

    /// What the caller's token allows.
    async fn scopes(&self) -> Vec<Scope> {
        Scope::of(self.0.scopes)
    }

    /// The caller's account, when it is a person.
    async fn account(&self, ctx: &Context<'_>) -> Result<Option<Account>> {
        let Subject::Account(id) = self.0.subject else {
            return Ok(None);
        };
        Ok(request(ctx)?
            .loader
            .load_one(AccountKey(id))
            .await?
            .map(Account))
    }

    /// The caller's API client, when it is a partner's program.
    async fn api_client(&self, ctx: &Context<'_>) -> Result<Option<ApiClient>> {
        let Subject::Client(id) = self.0.subject else {
            return Ok(None);
        };
        Ok(request(ctx)?
            .loader
            .load_one(ApiClientKey(id))
            .await?
            .map(ApiClient))
    }
}

/// A problem with a mutation's input: nothing was changed.
#[derive(SimpleObject, Clone)]
#[graphql(name = "UserError")]
pub struct UserErrorObject {
    /// Path to the input field at fault, e.g. `["input", "email"]`.
    pub field: Vec<String>,
    /// What is wrong, in words a person can act on.
    pub message: String,
    /// The kind of problem.
    pub code: UserErrorCode,
}

impl From<UserError> for UserErrorObject {
    fn from(e: UserError) -> Self {
        UserErrorObject {
            field: e.field,
            message: e.message,
            code: e.code.into(),
        }
    }
}

/// Splits a mutation's outcome into its result and its `userErrors`; other failures
/// are GraphQL errors (`FORBIDDEN`, `UNAUTHENTICATED`, …).
pub fn outcome<T>(result: MutationResult<T>) -> Result<(Option<T>, Vec<UserErrorObject>)> {
    match result {
        Ok(value) => Ok((Some(value), Vec::new())),
        Err(MutationError::Input(errors)) => {
            Ok((None, errors.into_iter().map(Into::into).collect()))
        }
        Err(MutationError::App(err)) => Err(err.into()),
    }
}

/// What a token allows (an account's tokens allow both). `/oauth/token` takes and gives
/// them in lowercase, as OAuth writes scopes: `read`, `submit`.
#[derive(async_graphql::Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Read what the principal's role may read.
    Read,
    /// Write: create, edit, submit and withdraw contributions for its stakeholder.
    Submit,
}

impl Scope {
    /// The scopes a set allows, in order.
    pub fn of(scopes: crate::viewer::Scopes) -> Vec<Scope> {
        let mut out = Vec::new();
        if scopes.read {
            out.push(Scope::Read);
        }
        if scopes.submit {
            out.push(Scope::Submit);
        }
        out
    }

    /// The OAuth name.
    pub fn name(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Submit => "submit",
        }
    }
}
