//! Concord: a GraphQL API server for open, multi-stakeholder consultations.

pub mod auth;
pub mod cli;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod events;
pub mod graphql;
pub mod http;
pub mod ids;
pub mod metrics;
pub mod paging;
pub mod policy;
pub mod pooler;
pub mod seed;
pub mod service;
pub mod startup;
pub mod telemetry;
pub mod viewer;
