//! Concord's API tests: the real app over HTTP on port 0, each test against its own
//! fresh database. SQLite by default; PostgreSQL when `TEST_DATABASE_URL` is set.

mod access;
mod accounts;
mod architecture;
mod batching;
mod bench;
mod browser;
mod cli;
mod clients;
mod deploy;
mod export;
mod graphiql;
mod helpers;
mod http;
mod identity;
mod live;
mod matrix;
mod metrics;
mod nested;
mod node;
mod nodejs;
mod openapi;
mod ordering;
mod outage;
mod paging;
mod persisted;
mod quotas;
mod refusals;
mod schema;
mod search;
mod seed;
mod sessions;
mod sockets;
mod statistics;
mod typescript_client;
mod workflow;
