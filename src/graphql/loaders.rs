//! Batching loaders: every relation resolves through one of these, so a page of N
//! rows costs one query per relation, never one per row. A loader is made per
//! request, for that request's viewer, so nothing cached crosses callers.

use crate::service::statistics::Counts;
use crate::service::{
    consultations, contributions, documents, mechanisms, meetings, policy_issues, stakeholders,
    statistics,
};
use crate::viewer::Viewer;
use async_graphql::dataloader::{DataLoader, Loader};
use entity::enums::{MechanismFunction, Stance};
use entity::{
    consultation, contribution, contribution_revision, document, mechanism, meeting, policy_issue,
    stakeholder,
};
use sea_orm::DatabaseConnection;
use std::collections::HashMap;

/// The per-request loader set.
pub struct Loaders {
    db: DatabaseConnection,
    viewer: Viewer,
}

impl Loaders {
    pub fn new(db: DatabaseConnection, viewer: Viewer) -> DataLoader<Loaders> {
        DataLoader::new(Loaders { db, viewer }, tokio::spawn)
    }
}

/// Declares a key type and the service call that loads a batch of them.
macro_rules! loader {
    ($(#[$doc:meta])* $key:ident => $value:ty, |$this:ident, $ids:ident| $load:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub struct $key(pub i64);

        impl Loader<$key> for Loaders {
            type Value = $value;
            type Error = async_graphql::Error;

            async fn load(&self, keys: &[$key]) -> Result<HashMap<$key, $value>, Self::Error> {
                let $this = self;
                let $ids: Vec<i64> = keys.iter().map(|k| k.0).collect();
                let $ids = &$ids[..];
                let loaded: HashMap<i64, $value> = $load.await?;
                Ok(loaded.into_iter().map(|(k, v)| ($key(k), v)).collect())
            }
        }
    };
}

loader!(/// A stakeholder by id.
    StakeholderKey => stakeholder::Model, |l, ids| stakeholders::by_ids(&l.db, ids));
loader!(/// A consultation by id.
    ConsultationKey => consultation::Model, |l, ids| consultations::by_ids(&l.db, ids));
loader!(/// A meeting by id.
    MeetingKey => meeting::Model, |l, ids| meetings::by_ids(&l.db, ids));
loader!(/// A policy issue by id.
    PolicyIssueKey => policy_issue::Model, |l, ids| policy_issues::by_ids(&l.db, ids));
loader!(/// A mechanism by id.
    MechanismKey => mechanism::Model, |l, ids| mechanisms::by_ids(&l.db, ids));
loader!(/// A document by id.
    DocumentKey => document::Model, |l, ids| documents::by_ids(&l.db, ids));
loader!(/// A contribution by id, if the viewer may read it.
    ContributionKey => contribution::Model, |l, ids| contributions::by_ids(&l.db, &l.viewer, ids));
loader!(/// A revision by id, if the viewer may read its contribution.
    RevisionKey => contribution_revision::Model,
    |l, ids| contributions::revisions_by_ids(&l.db, &l.viewer, ids));
loader!(/// All revisions of a contribution.
    RevisionsOfContribution => Vec<contribution_revision::Model>,
    |l, ids| contributions::revisions_by_contributions(&l.db, &l.viewer, ids));
loader!(/// The issues a mechanism addresses.
    IssuesOfMechanism => Vec<policy_issue::Model>, |l, ids| policy_issues::by_mechanisms(&l.db, ids));
loader!(/// The issues a contribution raises.
    IssuesOfContribution => Vec<policy_issue::Model>,
    |l, ids| policy_issues::by_contributions(&l.db, ids));
loader!(/// The mechanisms that address an issue.
    MechanismsOfIssue => Vec<mechanism::Model>, |l, ids| mechanisms::by_issues(&l.db, ids));
loader!(/// The mechanisms a stakeholder hosts.
    MechanismsHostedBy => Vec<mechanism::Model>, |l, ids| mechanisms::by_hosts(&l.db, ids));
loader!(/// The mechanisms a contribution discusses, with stances.
    MechanismsOfContribution => Vec<(mechanism::Model, Stance)>,
    |l, ids| mechanisms::by_contributions(&l.db, ids));
loader!(/// The functions of a mechanism.
    FunctionsOfMechanism => Vec<MechanismFunction>, |l, ids| mechanisms::functions(&l.db, ids));
loader!(/// The documents a consultation cites.
    DocumentsOfConsultation => Vec<document::Model>, |l, ids| documents::by_consultations(&l.db, ids));
loader!(/// The contribution counts of a consultation.
    StatisticsOfConsultation => Counts,
    |l, ids| statistics::for_consultations(&l.db, &l.viewer, ids));

/// The revision a contribution shows now: `(contribution id, revision number)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RevisionNumberKey(pub i64, pub i32);

impl Loader<RevisionNumberKey> for Loaders {
    type Value = contribution_revision::Model;
    type Error = async_graphql::Error;

    async fn load(
        &self,
        keys: &[RevisionNumberKey],
    ) -> Result<HashMap<RevisionNumberKey, Self::Value>, Self::Error> {
        let pairs: Vec<(i64, i32)> = keys.iter().map(|k| (k.0, k.1)).collect();
        let loaded = contributions::revisions_by_number(&self.db, &self.viewer, &pairs).await?;
        Ok(loaded
            .into_iter()
            .map(|((c, n), v)| (RevisionNumberKey(c, n), v))
            .collect())
    }
}
