//! The secretariat's work from the command line, for scripts and the first day:
//! `concord account list|disable|enable|reset-password`, `concord client
//! create|list|rotate|revoke`, `concord consultation open|close`. Each goes through
//! the same services as the API, as the secretariat, audited as `system`, so the same
//! input is refused for the same reasons. `--json` prints one JSON object; secrets are
//! printed once.
//!
//! Exit status: 0 done; 3 the input was refused (named something that does not exist,
//! or broke a rule: the reasons are printed, and nothing changed); 1 anything else
//! (the database could not be reached…); 2 a usage error (from the argument parser).

use crate::auth::Auth;
use crate::config::AuthSettings;
use crate::error::{MutationError, MutationResult};
use crate::ids::{GlobalId, NodeType};
use crate::paging::Page;
use crate::service::{accounts, api_clients, consultations, passwords};
use clap::Subcommand;
use entity::enums::{ConsultationStatus, PrincipalStatus, Role};
use entity::{account, api_client, consultation};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use secrecy::ExposeSecret;
use serde_json::{Value, json};

/// The input was refused: the process exits with status 3.
#[derive(Debug)]
pub struct Refused(pub Value);

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let messages: Vec<String> = self.0["errors"]
            .as_array()
            .map(|errors| {
                errors
                    .iter()
                    .map(|e| match e["field"].as_str() {
                        Some(field) if !field.is_empty() => {
                            format!("{field}: {}", e["message"].as_str().unwrap_or_default())
                        }
                        _ => e["message"].as_str().unwrap_or_default().to_owned(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        write!(f, "refused: {}", messages.join("; "))
    }
}

impl std::error::Error for Refused {}

/// A refusal of one input (exit status 3).
pub(crate) fn refused(field: &str, code: &str, message: impl Into<String>) -> anyhow::Error {
    Refused(json!({ "errors": [{ "field": field, "code": code, "message": message.into() }] }))
        .into()
}

/// A service's answer: the value, or `Refused` with every reason.
pub(crate) fn settle<T>(result: MutationResult<T>) -> anyhow::Result<T> {
    match result {
        Ok(value) => Ok(value),
        Err(MutationError::Input(errors)) => Err(Refused(json!({
            "errors": errors.iter().map(|e| json!({
                "field": e.field.last().cloned().unwrap_or_default(),
                "code": async_graphql::InputType::to_value(&crate::graphql::enums::UserErrorCode::from(e.code)).to_string(),
                "message": e.message,
            })).collect::<Vec<_>>()
        }))
        .into()),
        Err(MutationError::App(err)) => match err.code() {
            "NOT_FOUND" | "CONFLICT" | "BAD_USER_INPUT" | "FORBIDDEN" => {
                Err(refused("", err.code(), err.message()))
            }
            _ => Err(anyhow::anyhow!(err.message())),
        },
    }
}

pub(crate) fn print(json_output: bool, value: Value, text: String) {
    if json_output {
        println!("{value}");
    } else {
        println!("{text}");
    }
}

#[derive(Subcommand, Debug)]
pub enum ClientAction {
    /// Register a partner's API client; its secret is printed once.
    Create {
        #[arg(long)]
        name: String,
        /// The stakeholder it speaks for (global ID or number).
        #[arg(long)]
        stakeholder: String,
        /// MEMBER_STATE (for a Government) or OBSERVER.
        #[arg(long)]
        role: String,
        /// `read` and/or `submit` (repeat the flag).
        #[arg(long = "scope", required = true)]
        scopes: Vec<String>,
        #[arg(long)]
        json: bool,
    },
    /// List the API clients.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Replace a client's secret (printed once); the old one stops working at once.
    Rotate {
        /// Its `client_id` or global ID.
        client: String,
        #[arg(long)]
        json: bool,
    },
    /// Revoke a client: its secret and tokens stop working.
    Revoke {
        /// Its `client_id` or global ID.
        client: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum ConsultationAction {
    /// Open a DRAFT consultation for contributions.
    Open {
        /// Its slug or global ID.
        consultation: String,
        #[arg(long)]
        json: bool,
    },
    /// Close an OPEN consultation (embargoed submissions are published).
    Close {
        /// Its slug or global ID.
        consultation: String,
        #[arg(long)]
        json: bool,
    },
}

async fn find_account(db: &DatabaseConnection, raw: &str) -> anyhow::Result<account::Model> {
    if let Some(a) = accounts::by_email(db, raw)
        .await
        .map_err(|e| anyhow::anyhow!(e.message()))?
    {
        return Ok(a);
    }
    let id = GlobalId::decode_as(raw, NodeType::Account).ok();
    let found = match id {
        Some(id) => account::Entity::find_by_id(id).one(db).await?,
        None => None,
    };
    found.ok_or_else(|| refused("account", "NOT_FOUND", format!("No account {raw}")))
}

async fn find_client(db: &DatabaseConnection, raw: &str) -> anyhow::Result<api_client::Model> {
    let by_client_id = api_client::Entity::find()
        .filter(api_client::Column::ClientId.eq(raw))
        .one(db)
        .await?;
    let found = match by_client_id {
        Some(c) => Some(c),
        None => match GlobalId::decode_as(raw, NodeType::ApiClient).ok() {
            Some(id) => api_client::Entity::find_by_id(id).one(db).await?,
            None => None,
        },
    };
    found.ok_or_else(|| refused("client", "NOT_FOUND", format!("No API client {raw}")))
}

async fn find_consultation(
    db: &DatabaseConnection,
    raw: &str,
) -> anyhow::Result<consultation::Model> {
    let by_slug = consultation::Entity::find()
        .filter(consultation::Column::Slug.eq(raw))
        .one(db)
        .await?;
    let found = match by_slug {
        Some(c) => Some(c),
        None => match GlobalId::decode_as(raw, NodeType::Consultation).ok() {
            Some(id) => consultation::Entity::find_by_id(id).one(db).await?,
            None => None,
        },
    };
    found.ok_or_else(|| {
        refused(
            "consultation",
            "NOT_FOUND",
            format!("No consultation {raw}"),
        )
    })
}

fn account_json(a: &account::Model) -> Value {
    json!({
        "id": GlobalId::new(NodeType::Account, a.id).encode(),
        "email": a.email,
        "displayName": a.display_name,
        "role": a.role.as_str(),
        "stakeholder": a.stakeholder_id.map(|s| GlobalId::new(NodeType::Stakeholder, s).encode()),
        "status": a.status.as_str(),
    })
}

fn client_json(c: &api_client::Model) -> Value {
    json!({
        "id": GlobalId::new(NodeType::ApiClient, c.id).encode(),
        "clientId": c.client_id,
        "name": c.name,
        "role": c.role.as_str(),
        "stakeholder": GlobalId::new(NodeType::Stakeholder, c.stakeholder_id).encode(),
        "scopes": api_clients::scopes(c).names(),
        "status": c.status.as_str(),
    })
}

/// `concord account list`.
pub async fn account_list(
    db: &DatabaseConnection,
    filter: accounts::AccountFilter,
    json_output: bool,
) -> anyhow::Result<()> {
    let viewer = crate::policy::command_line();
    let mut rows = Vec::new();
    let mut after = None;
    loop {
        let page = Page::forward(after, 100);
        let listing = accounts::list(db, &viewer, &filter, &page)
            .await
            .map_err(|e| anyhow::anyhow!(e.message()))?;
        after = listing.slice.items.last().map(|a| a.id);
        let more = listing.slice.has_next;
        rows.extend(listing.slice.items);
        if !more {
            break;
        }
    }
    if json_output {
        println!(
            "{}",
            json!({ "accounts": rows.iter().map(account_json).collect::<Vec<_>>() })
        );
    } else {
        for a in &rows {
            println!(
                "{}\t{}\t{}\t{}",
                a.email,
                a.role.as_str(),
                a.status.as_str(),
                a.display_name
            );
        }
    }
    Ok(())
}

/// `concord account disable|enable`.
pub async fn account_status(
    db: &DatabaseConnection,
    who: &str,
    status: PrincipalStatus,
    json_output: bool,
) -> anyhow::Result<()> {
    let a = find_account(db, who).await?;
    let after =
        settle(accounts::set_status(db, &crate::policy::command_line(), a.id, status).await)?;
    print(
        json_output,
        json!({ "account": account_json(&after) }),
        format!("{}: {}", after.email, after.status.as_str()),
    );
    Ok(())
}

/// `concord account reset-password`.
pub async fn account_reset(
    db: &DatabaseConnection,
    who: &str,
    auth: &AuthSettings,
    json_output: bool,
) -> anyhow::Result<()> {
    let a = find_account(db, who).await?;
    let auth: Auth = crate::auth::setup::load(db, auth).await?;
    let (token, expires) = settle(
        passwords::issue_reset(db, &auth, &crate::policy::command_line(), a.id, false).await,
    )?;
    let token = token
        .as_ref()
        .map(|t| t.expose_secret())
        .unwrap_or_default();
    print(
        json_output,
        json!({ "account": account_json(&a), "resetToken": token, "expiresAt": expires }),
        format!(
            "password-reset token for {} (works once, until {}; not shown again):\n{token}",
            a.email,
            expires.to_rfc3339()
        ),
    );
    Ok(())
}

/// `concord client …`.
pub async fn client(db: &DatabaseConnection, action: ClientAction) -> anyhow::Result<()> {
    let viewer = crate::policy::command_line();
    match action {
        ClientAction::Create {
            name,
            stakeholder,
            role,
            scopes,
            json,
        } => {
            let role = Role::ALL
                .iter()
                .copied()
                .find(|r| r.as_str() == role)
                .ok_or_else(|| refused("role", "INVALID", format!("Unknown role {role}")))?;
            let stakeholder_id = match stakeholder.parse::<i64>() {
                Ok(id) => id,
                Err(_) => GlobalId::decode_as(&stakeholder, NodeType::Stakeholder)
                    .map_err(|e| refused("stakeholder", "INVALID", e.message()))?,
            };
            let input = api_clients::NewApiClient {
                name,
                stakeholder_id,
                role,
                scopes,
            };
            let (c, secret) = settle(api_clients::create(db, &viewer, input).await)?;
            let secret = secret.expose_secret();
            print(
                json,
                json!({ "client": client_json(&c), "clientSecret": secret }),
                format!(
                    "registered {} (client_id {}); its secret, shown once:\n{secret}",
                    c.name, c.client_id
                ),
            );
        }
        ClientAction::List { json } => {
            let listing = api_clients::list(db, &viewer, &Page::forward(None, 100))
                .await
                .map_err(|e| anyhow::anyhow!(e.message()))?;
            let rows = listing.slice.items;
            if json {
                println!(
                    "{}",
                    json!({ "clients": rows.iter().map(client_json).collect::<Vec<_>>() })
                );
            } else {
                for c in &rows {
                    println!(
                        "{}\t{}\t{}\t{}\t{}",
                        c.client_id,
                        c.name,
                        c.role.as_str(),
                        api_clients::scopes(c).names().join(" "),
                        c.status.as_str()
                    );
                }
            }
        }
        ClientAction::Rotate { client, json } => {
            let c = find_client(db, &client).await?;
            let (c, secret) = settle(api_clients::rotate(db, &viewer, c.id).await)?;
            let secret = secret.expose_secret();
            print(
                json,
                json!({ "client": client_json(&c), "clientSecret": secret }),
                format!("new secret for {} (shown once):\n{secret}", c.client_id),
            );
        }
        ClientAction::Revoke { client, json } => {
            let c = find_client(db, &client).await?;
            let c = settle(api_clients::revoke(db, &viewer, c.id).await)?;
            print(
                json,
                json!({ "client": client_json(&c) }),
                format!("{}: {}", c.client_id, c.status.as_str()),
            );
        }
    }
    Ok(())
}

/// `concord consultation open|close`.
pub async fn consultation(
    db: &DatabaseConnection,
    action: ConsultationAction,
) -> anyhow::Result<()> {
    let (raw, to, json_output) = match &action {
        ConsultationAction::Open { consultation, json } => {
            (consultation, ConsultationStatus::Open, *json)
        }
        ConsultationAction::Close { consultation, json } => {
            (consultation, ConsultationStatus::Closed, *json)
        }
    };
    let c = find_consultation(db, raw).await?;
    let (after, released) = settle(
        consultations::advance(db, &crate::policy::command_line(), c.id, c.version, to).await,
    )?;
    print(
        json_output,
        json!({
            "consultation": {
                "id": GlobalId::new(NodeType::Consultation, after.id).encode(),
                "slug": after.slug,
                "status": after.status.as_str(),
                "version": after.version,
            },
            "publishedFromEmbargo": released.len(),
        }),
        format!("{}: {}", after.slug, after.status.as_str()),
    );
    Ok(())
}
