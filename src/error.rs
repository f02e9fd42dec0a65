//! The error policy. Services return [`AppError`]; it becomes a GraphQL error with
//! `extensions.code`. Internal causes are logged and never sent to the client.
//!
//! `AppError` deliberately does not implement `Display`: async-graphql converts any
//! `Display` type into an error without a code, and that must not happen by accident.

use async_graphql::ErrorExtensions;
use sea_orm::DbErr;

/// What went wrong, in terms a client can act on.
#[derive(Debug)]
pub enum AppError {
    /// The input is invalid (`BAD_USER_INPUT`); the message says how.
    BadInput(String),
    /// The record does not exist or the caller may not see it (`NOT_FOUND`).
    NotFound(&'static str),
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
            AppError::Internal(_) => "INTERNAL_SERVER_ERROR",
        }
    }

    /// The message shown to the client.
    pub fn message(&self) -> String {
        match self {
            AppError::BadInput(message) => message.clone(),
            AppError::NotFound(what) => format!("{what} not found"),
            AppError::Internal(_) => "Internal server error".to_owned(),
        }
    }
}

impl From<DbErr> for AppError {
    fn from(err: DbErr) -> Self {
        AppError::Internal(err.into())
    }
}

impl From<anyhow::Error> for AppError {
    fn from(err: anyhow::Error) -> Self {
        AppError::Internal(err)
    }
}

impl From<AppError> for async_graphql::Error {
    fn from(err: AppError) -> Self {
        if let AppError::Internal(cause) = &err {
            tracing::error!(error = ?cause, "internal error while resolving a request");
        }
        let code = err.code();
        async_graphql::Error::new(err.message()).extend_with(|_, ext| ext.set("code", code))
    }
}

/// Result of a service call.
pub type AppResult<T> = Result<T, AppError>;
