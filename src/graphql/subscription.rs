//! The subscription root, served over WebSocket at `/graphql/ws`
//! (graphql-transport-ws; the access token goes in `connection_init`).

use super::context::request;
use super::types::Contribution;
use crate::events::Published;
use crate::ids::{GlobalId, NodeType};
use crate::service::contributions;
use crate::service::principals::Refusal;
use async_graphql::futures_util::Stream;
use async_graphql::{Context, ID, Subscription as SubscriptionObject};
use tokio::sync::broadcast::error::RecvError;

/// Live updates.
#[derive(Default)]
pub struct Subscription;

/// Live updates.
#[SubscriptionObject]
impl Subscription {
    /// Each contribution of a consultation as it is published (by the secretariat, or
    /// when an embargo lifts), if the subscriber may read it when it is published.
    async fn contribution_published(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A Consultation ID.")] consultation_id: ID,
    ) -> async_graphql::Result<impl Stream<Item = Contribution>> {
        let rd = request(ctx)?;
        let consultation = GlobalId::decode_as(&consultation_id, NodeType::Consultation)?;
        let mut rx = rd.events.subscribe();
        let db = rd.db.clone();
        let viewer = rd.viewer.clone();
        let live = rd.live.clone();
        Ok(async_stream::stream! {
            loop {
                let event: Published = match rx.recv().await {
                    Ok(event) => event,
                    Err(RecvError::Lagged(_)) => continue,
                    Err(RecvError::Closed) => break,
                };
                if event.consultation_id != consultation {
                    continue;
                }
                // The subscriber as its record says now: a changed role applies to this
                // event, and an ended session or disabled account ends the stream.
                let viewer = match &live {
                    None => viewer.clone(),
                    Some(live) => match live.viewer().await {
                        Ok(viewer) => viewer,
                        Err(Refusal::Ended(_)) => break,
                        Err(Refusal::Unavailable) => continue,
                    },
                };
                // The same policy as every read: only what this subscriber may see.
                match contributions::by_ids(&db, &viewer, &[event.contribution_id]).await {
                    Ok(mut found) => {
                        if let Some(row) = found.remove(&event.contribution_id) {
                            yield Contribution(row);
                        }
                    }
                    Err(err) => tracing::error!(error = ?err, "loading a published contribution"),
                }
            }
        })
    }
}
