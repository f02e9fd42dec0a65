//! The error policy. Services return [`AppError`]; it becomes a GraphQL error with
//! `extensions.code`. Internal causes are logged and never sent to the client.
//!
//! `AppError` deliberately does not implement `Display`: async-graphql converts any
//! `Display` type into an error without a code, and that must not happen by accident.

use sea_orm::DbErr;

/// What went wrong, in terms a client can act on.
#[derive(Debug)]
pub enum AppError {
    /// The input is invalid (`BAD_USER_INPUT`); the message says how.
    BadInput(String),
    /// The record does not exist or the caller may not see it (`NOT_FOUND`).
    NotFound(&'static str),
    /// No valid credentials (`UNAUTHENTICATED`); never says which part was wrong.
    Unauthenticated(&'static str),
    /// Signed in, but not allowed to do this (`FORBIDDEN`).
    Forbidden,
    /// Too many attempts (`RATE_LIMITED`); the message says when to retry.
    RateLimited(String),
    /// The record changed since the version the caller edited (`CONFLICT`).
    Conflict(&'static str),
    /// The database cannot be reached just now (`SERVICE_UNAVAILABLE`): retry later.
    Unavailable,
    /// The password was right and a second factor is needed: a code
    /// (`SECOND_FACTOR_REQUIRED`), or an enrolment first
    /// (`SECOND_FACTOR_ENROLLMENT_REQUIRED`, with `extensions.enrollmentToken`).
    SecondFactor {
        message: &'static str,
        enrollment_token: Option<String>,
    },
    /// A failure of ours (`INTERNAL_SERVER_ERROR`); logged, not shown.
    Internal(anyhow::Error),
}

impl AppError {
    pub fn bad_input(message: impl Into<String>) -> Self {
        AppError::BadInput(message.into())
    }

    /// The `extensions.code` of this error.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::BadInput(_) => "BAD_USER_INPUT",
            AppError::NotFound(_) => "NOT_FOUND",
            AppError::Unauthenticated(_) => "UNAUTHENTICATED",
            AppError::Forbidden => "FORBIDDEN",
            AppError::RateLimited(_) => "RATE_LIMITED",
            AppError::Conflict(_) => "CONFLICT",
            AppError::Unavailable => "SERVICE_UNAVAILABLE",
            AppError::SecondFactor {
                enrollment_token: None,
                ..
            } => "SECOND_FACTOR_REQUIRED",
            AppError::SecondFactor { .. } => "SECOND_FACTOR_ENROLLMENT_REQUIRED",
            AppError::Internal(_) => "INTERNAL_SERVER_ERROR",
        }
    }

    /// The message shown to the client.
    pub fn message(&self) -> String {
        match self {
            AppError::BadInput(message) => message.clone(),
            AppError::NotFound(what) => format!("{what} not found"),
            AppError::Unauthenticated(message) => (*message).to_owned(),
            AppError::Forbidden => "You are not allowed to do this".to_owned(),
            AppError::RateLimited(message) => message.clone(),
            AppError::Conflict(what) => format!(
                "This {what} has changed since the version you edited; read it again and retry"
            ),
            AppError::Unavailable => {
                "The service cannot reach its database just now; retry shortly".to_owned()
            }
            AppError::SecondFactor { message, .. } => (*message).to_owned(),
            AppError::Internal(_) => "Internal server error".to_owned(),
        }
    }
}

impl From<DbErr> for AppError {
    fn from(err: DbErr) -> Self {
        if is_outage(&err) {
            tracing::warn!(error = %err, "database unreachable");
            AppError::Unavailable
        } else {
            AppError::Internal(err.into())
        }
    }
}

/// Whether a database error means the database cannot be reached (rather than that a
/// statement failed): no connection to be had, or the connection lost mid-way.
pub fn is_outage(err: &DbErr) -> bool {
    use sea_orm::sqlx::Error as Sqlx;
    use sea_orm::{ConnAcquireErr, RuntimeErr};
    let sqlx = match err {
        DbErr::ConnectionAcquire(ConnAcquireErr::Timeout | ConnAcquireErr::ConnectionClosed) => {
            return true;
        }
        DbErr::Conn(RuntimeErr::SqlxError(e))
        | DbErr::Exec(RuntimeErr::SqlxError(e))
        | DbErr::Query(RuntimeErr::SqlxError(e)) => e,
        DbErr::Conn(_) => return true,
        _ => return false,
    };
    match sqlx.as_ref() {
        Sqlx::Io(_) | Sqlx::PoolTimedOut | Sqlx::PoolClosed | Sqlx::WorkerCrashed => true,
        // The server ending the connection: shutting down (57P01, 57P02), starting up
        // (57P03), or any connection exception (class 08). A connection in use within
        // the last second is not tested before its statement (`db::IDLE_TEST`), so a
        // shutdown is met here first.
        Sqlx::Database(e) => e
            .code()
            .is_some_and(|code| code.starts_with("08") || code.starts_with("57P0")),
        _ => false,
    }
}

impl From<anyhow::Error> for AppError {
    fn from(err: anyhow::Error) -> Self {
        AppError::Internal(err)
    }
}

/// Result of a service call.
pub type AppResult<T> = Result<T, AppError>;

/// A problem with a mutation's input, returned in the payload's `userErrors`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserError {
    /// Path to the input field, e.g. `["input", "email"]`.
    pub field: Vec<String>,
    pub message: String,
    pub code: UserErrorCode,
}

/// What kind of input problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserErrorCode {
    /// The value is malformed or out of range.
    Invalid,
    /// The value must be unique and is already taken.
    Taken,
    /// A referenced record does not exist.
    NotFound,
    /// The change is not allowed in the record's current state.
    NotAllowed,
    /// A document is larger than allowed, or a revision has too many.
    TooLarge,
    /// A document's content is not of a type accepted (or not what its name says).
    UnsupportedType,
    /// The uploader's storage quota would be exceeded.
    QuotaExceeded,
}

impl UserError {
    pub fn new(field: &str, code: UserErrorCode, message: impl Into<String>) -> UserError {
        UserError {
            field: vec!["input".to_owned(), field.to_owned()],
            message: message.into(),
            code,
        }
    }

    /// `field` must be unique among records of kind `what` and is already taken.
    pub fn taken(field: &str, what: &str) -> UserError {
        UserError::new(
            field,
            UserErrorCode::Taken,
            format!("A {what} with this {field} already exists"),
        )
    }
}

/// How a mutation's service call fails: bad input (in the payload) or an error.
#[derive(Debug)]
pub enum MutationError {
    Input(Vec<UserError>),
    App(AppError),
}

impl From<AppError> for MutationError {
    fn from(err: AppError) -> Self {
        MutationError::App(err)
    }
}

impl From<DbErr> for MutationError {
    fn from(err: DbErr) -> Self {
        MutationError::App(err.into())
    }
}

impl From<anyhow::Error> for MutationError {
    fn from(err: anyhow::Error) -> Self {
        MutationError::App(err.into())
    }
}

impl From<UserError> for MutationError {
    fn from(err: UserError) -> Self {
        MutationError::Input(vec![err])
    }
}

/// Result of a mutation's service call.
pub type MutationResult<T> = Result<T, MutationError>;
