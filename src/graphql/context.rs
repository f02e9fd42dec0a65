//! What each request carries into resolvers, and the one way a resolver reaches it.

use crate::auth::Auth;
use crate::db::Handle;
use crate::events::Events;
use crate::graphql::loaders::Loaders;
use crate::policy;
use crate::service::principals::Live;
use crate::viewer::Viewer;
use async_graphql::Context;
use async_graphql::dataloader::DataLoader;
use std::sync::Arc;

/// What each request carries into resolvers.
pub struct RequestData {
    pub db: Handle,
    pub viewer: Viewer,
    pub loader: DataLoader<Loaders>,
    pub auth: Arc<Auth>,
    /// The client's address, for throttling failed sign-ins.
    pub client_ip: Option<String>,
    /// Publication and access events, for live updates.
    pub events: Events,
    /// On a WebSocket, the connection's principal, read again for every event.
    pub live: Option<Arc<Live>>,
    /// What this request cost the caller's rate-limit bucket (`None`: limits are off).
    pub quota: Option<crate::service::quotas::Charge>,
    /// Where webhooks may point.
    pub webhook_targets: crate::service::webhooks::Targets,
    /// Whether links (invitations, password resets) go to their holder by email.
    pub links_by_email: bool,
    /// Where documents go, and the rules for them.
    pub attachments: Option<Arc<crate::service::attachments::Attachments>>,
}

impl RequestData {
    pub fn new(
        db: Handle,
        viewer: Viewer,
        auth: Arc<Auth>,
        client_ip: Option<String>,
        events: Events,
    ) -> RequestData {
        let loader = Loaders::new(db.clone(), viewer.clone());
        RequestData {
            db,
            viewer,
            loader,
            auth,
            client_ip,
            events,
            live: None,
            quota: None,
            webhook_targets: Default::default(),
            links_by_email: false,
            attachments: None,
        }
    }

    /// The same, with where documents go.
    pub fn with_attachments(
        mut self,
        attachments: Option<Arc<crate::service::attachments::Attachments>>,
    ) -> RequestData {
        self.attachments = attachments;
        self
    }

    /// Where documents go (set on every request the server runs).
    pub fn attachments(&self) -> async_graphql::Result<&crate::service::attachments::Attachments> {
        self.attachments
            .as_deref()
            .ok_or_else(|| async_graphql::Error::new("attachments are not configured"))
    }

    /// The same, with whether links go by email.
    pub fn with_links_by_email(mut self, yes: bool) -> RequestData {
        self.links_by_email = yes;
        self
    }

    /// The same, with where webhooks may point.
    pub fn with_targets(mut self, targets: crate::service::webhooks::Targets) -> RequestData {
        self.webhook_targets = targets;
        self
    }

    /// The same, with what the request cost the caller's rate-limit bucket.
    pub fn with_quota(mut self, quota: Option<crate::service::quotas::Charge>) -> RequestData {
        self.quota = quota;
        self
    }

    /// The same, for an operation on a WebSocket whose principal is `live`.
    pub fn with_live(mut self, live: Option<Arc<Live>>) -> RequestData {
        self.live = live;
        self
    }
}

/// The request's data, from a resolver's context. When anonymous access is switched
/// off, an anonymous caller gets `UNAUTHENTICATED` here, for every field but sign-in.
pub(crate) fn request<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a RequestData> {
    let rd = request_public(ctx)?;
    policy::may_use_api(&rd.viewer, rd.auth.anonymous_access)?;
    Ok(rd)
}

/// The request's data for the fields anyone may call (sign-in, password reset).
pub(crate) fn request_public<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a RequestData> {
    ctx.data::<RequestData>()
}
