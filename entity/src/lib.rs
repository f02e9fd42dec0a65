//! SeaORM entities of Concord's data model. Database rows only: the GraphQL types
//! that present them live in the `concord` crate, so the schema can evolve apart
//! from the tables. The domain enums are shared, since their values are the same in both.

pub mod enums;

pub mod account;
pub mod api_client;
pub mod attachment;
pub mod audit_event;
pub mod consultation;
pub mod consultation_document;
pub mod contribution;
pub mod contribution_issue;
pub mod contribution_mechanism;
pub mod contribution_revision;
pub mod contribution_tally;
pub mod contribution_tombstone;
pub mod contribution_translation;
pub mod document;
pub mod email_attempt;
pub mod email_message;
pub mod idempotency_key;
pub mod invitation;
pub mod login_throttle;
pub mod mechanism;
pub mod mechanism_function;
pub mod mechanism_issue;
pub mod meeting;
pub mod password_reset;
pub mod persisted_operation;
pub mod policy_issue;
pub mod recovery_code;
pub mod refresh_token;
pub mod report;
pub mod report_paragraph;
pub mod report_publication;
pub mod report_section;
pub mod server_setting;
pub mod signing_key;
pub mod stakeholder;
pub mod stakeholder_tally;
pub mod upload;
pub mod webhook;
pub mod webhook_attempt;
pub mod webhook_delivery;
