//! Business logic, one module per domain noun, reads and writes together. Services
//! take the connection and the [`Viewer`](crate::viewer::Viewer), ask
//! [`crate::policy`] before anything else (for every write, and for every read of
//! something not public), parse input into [`crate::domain`] types, and return typed
//! errors. No GraphQL in here.

pub mod accounts;
pub mod api_clients;
pub mod attachments;
pub mod audit;
pub mod consultations;
pub mod contributions;
pub mod documents;
pub mod idempotency;
pub mod invitations;
pub mod mail;
pub mod mechanisms;
pub mod meetings;
pub mod operations;
pub mod outbox;
pub mod passwords;
pub mod policy_issues;
pub mod principals;
pub mod quotas;
pub mod receipts;
pub mod refresh_tokens;
pub mod relations;
pub mod reports;
pub mod rows;
pub mod search;
pub mod second_factor;
pub mod sessions;
pub mod setup;
pub mod stakeholders;
pub mod statistics;
pub mod tally;
pub mod tombstones;
pub mod translations;
pub mod versions;
pub mod webhooks;
