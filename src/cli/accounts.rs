//! `concord account`: accounts, made and managed through the services as the
//! secretariat (`policy::command_line()`), audited as `system`.

use super::{Database, admin};
use crate::config::AuthSettings;
use crate::domain::name_from_email;
use crate::ids::{GlobalId, NodeType};
use crate::service::accounts::{self, NewAccount};
use crate::service::audit::Actor;
use crate::service::invitations::{self, NewInvitation};
use clap::Subcommand;
use entity::enums::{EmailLanguage, PrincipalStatus, Role};
use std::io::Read;

// Parsed once per run: the size of the variants that carry every setting does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand, Debug)]
pub enum AccountAction {
    /// Create an account, e.g. the first secretariat account. The password is read
    /// from standard input, never from the command line.
    Create {
        #[arg(long)]
        email: String,
        /// SECRETARIAT, MEMBER_STATE or OBSERVER.
        #[arg(long)]
        role: String,
        /// The stakeholder it speaks for (its global ID or number); required for
        /// MEMBER_STATE and OBSERVER.
        #[arg(long)]
        stakeholder: Option<String>,
        /// Name shown to others (defaults to a name read from the email's local part:
        /// `jane.doe@…` is "Jane Doe").
        #[arg(long)]
        display_name: Option<String>,
        /// Read the password from standard input (required).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// Invite a person to hold an account: a one-time link to choose a password, bound
    /// to the email. With an SMTP server configured (`CONCORD_SMTP_*`) the link is
    /// written to the outbox and the running servers email it; without, it is printed
    /// to hand over.
    Invite {
        #[arg(long)]
        email: String,
        /// SECRETARIAT, MEMBER_STATE or OBSERVER.
        #[arg(long)]
        role: String,
        /// The stakeholder it speaks for (its global ID or number); required for
        /// MEMBER_STATE and OBSERVER.
        #[arg(long)]
        stakeholder: Option<String>,
        /// Name shown to others (defaults to a name read from the email).
        #[arg(long)]
        display_name: Option<String>,
        /// The language of its emails: EN or FR.
        #[arg(long, default_value = "EN")]
        language: String,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        auth: AuthSettings,
        #[command(flatten)]
        mail: crate::config::MailArgs,
    },
    /// List accounts (every field given narrows the list).
    List {
        /// Email or display name containing this text.
        #[arg(long)]
        search: Option<String>,
        /// SECRETARIAT, MEMBER_STATE or OBSERVER.
        #[arg(long)]
        role: Option<String>,
        /// ACTIVE or DISABLED.
        #[arg(long)]
        status: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Disable an account (by email or global ID): it can no longer sign in, and its
    /// tokens are refused from the next request on.
    Disable {
        account: String,
        #[arg(long)]
        json: bool,
    },
    /// Enable a disabled account (by email or global ID).
    Enable {
        account: String,
        #[arg(long)]
        json: bool,
    },
    /// Issue a one-time password-reset token for an account (printed once).
    ResetPassword {
        account: String,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        auth: AuthSettings,
    },
}

fn parse_role(role: &str) -> anyhow::Result<Role> {
    Role::ALL
        .iter()
        .copied()
        .find(|r| r.as_str() == role)
        .ok_or_else(|| {
            admin::refused(
                "role",
                "INVALID",
                format!("unknown role {role}; use SECRETARIAT, MEMBER_STATE or OBSERVER"),
            )
        })
}

fn parse_stakeholder(raw: &str) -> anyhow::Result<i64> {
    if let Ok(id) = raw.parse::<i64>() {
        return Ok(id);
    }
    GlobalId::decode_as(raw, NodeType::Stakeholder)
        .map_err(|e| admin::refused("stakeholder", "INVALID", e.message()))
}

/// `concord account`.
pub async fn run(database: &Database, action: AccountAction) -> anyhow::Result<()> {
    match action {
        AccountAction::Create {
            email,
            role,
            stakeholder,
            display_name,
            password_stdin: _,
        } => {
            let role = parse_role(&role)?;
            let stakeholder_id = stakeholder.as_deref().map(parse_stakeholder).transpose()?;
            let mut password = String::new();
            std::io::stdin().read_to_string(&mut password)?;
            let password = password.trim_end_matches(['\r', '\n']).to_owned();
            let db = database.connect().await?;
            crate::service::setup::migrate(&db).await?;
            let input = NewAccount {
                display_name: display_name.unwrap_or_else(|| name_from_email(&email)),
                email,
                password,
                role,
                stakeholder_id,
            };
            let account = admin::settle(accounts::create_as(&db, &Actor::system(), input).await)?;
            println!(
                "created account {} ({})",
                account.email,
                GlobalId::new(NodeType::Account, account.id).encode()
            );
            Ok(())
        }
        AccountAction::Invite {
            email,
            role,
            stakeholder,
            display_name,
            language,
            json,
            auth,
            mail,
        } => {
            let role = parse_role(&role)?;
            let stakeholder_id = stakeholder.as_deref().map(parse_stakeholder).transpose()?;
            let language = EmailLanguage::ALL
                .iter()
                .copied()
                .find(|l| l.as_str() == language.to_uppercase())
                .ok_or_else(|| {
                    admin::refused(
                        "language",
                        "INVALID",
                        format!("unknown language {language}; use EN or FR"),
                    )
                })?;
            let mail = mail.settings()?;
            let db = database.open().await?;
            let auth = crate::auth::setup::load(&db, &auth).await?;
            let by_email = mail.smtp.is_some();
            let input = NewInvitation {
                email,
                display_name,
                role,
                stakeholder_id,
                language,
            };
            let invited = admin::settle(
                invitations::invite_as(&db, &auth, &Actor::system(), None, input, by_email).await,
            )?;
            let inv = &invited.invitation;
            let link = invited.token.as_ref().map(|t| {
                format!(
                    "{}/console#/accept/{}",
                    mail.public_url,
                    secrecy::ExposeSecret::expose_secret(t)
                )
            });
            let id = GlobalId::new(NodeType::Invitation, inv.id).encode();
            let text = match &link {
                Some(link) => format!(
                    "invited {} ({id}); hand over this link (works once, until {}; not shown again):\n{link}",
                    inv.email,
                    inv.expires_at.to_rfc3339()
                ),
                None => format!(
                    "invited {} ({id}); the link goes by email (until {})",
                    inv.email,
                    inv.expires_at.to_rfc3339()
                ),
            };
            admin::print(
                json,
                serde_json::json!({
                    "invitation": {
                        "id": id,
                        "email": inv.email,
                        "displayName": inv.display_name,
                        "role": inv.role.as_str(),
                        "stakeholder": inv.stakeholder_id.map(|s| GlobalId::new(NodeType::Stakeholder, s).encode()),
                        "language": inv.language.as_str(),
                        "expiresAt": inv.expires_at,
                    },
                    "emailed": by_email,
                    "link": link,
                }),
                text,
            );
            Ok(())
        }
        AccountAction::List {
            search,
            role,
            status,
            json,
        } => {
            let role = role.as_deref().map(parse_role).transpose()?;
            let status = match status.as_deref() {
                None => None,
                Some("ACTIVE") => Some(PrincipalStatus::Active),
                Some("DISABLED") => Some(PrincipalStatus::Disabled),
                Some(other) => {
                    return Err(admin::refused(
                        "status",
                        "INVALID",
                        format!("unknown status {other}; use ACTIVE or DISABLED"),
                    ));
                }
            };
            let filter = accounts::AccountFilter {
                search,
                roles: role.map(|r| vec![r]),
                statuses: status.map(|s| vec![s]),
                stakeholder_id: None,
            };
            admin::account_list(&database.open().await?, filter, json).await
        }
        AccountAction::Disable { account, json } => {
            let db = database.open().await?;
            admin::account_status(&db, &account, PrincipalStatus::Disabled, json).await
        }
        AccountAction::Enable { account, json } => {
            let db = database.open().await?;
            admin::account_status(&db, &account, PrincipalStatus::Active, json).await
        }
        AccountAction::ResetPassword {
            account,
            json,
            auth,
        } => {
            let db = database.open().await?;
            admin::account_reset(&db, &account, &auth, json).await
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::domain::name_from_email;

    #[test]
    fn an_account_made_without_a_name_is_named_from_its_email() {
        assert_eq!(name_from_email("jane.doe@gov.example"), "Jane Doe");
        assert_eq!(name_from_email("admin@un.example"), "Admin");
        assert_eq!(
            name_from_email("j_smith-jr+console@un.example"),
            "J Smith Jr"
        );
        assert_eq!(name_from_email("élodie.martin@un.example"), "Élodie Martin");
        assert_eq!(name_from_email("+x@un.example"), "+x@un.example");
    }
}
