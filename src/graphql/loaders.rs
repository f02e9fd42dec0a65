//! Batching loaders: every relation resolves through one of these, so a page of N
//! rows costs one query per relation, never one per row. A loader is made per
//! request, for that request's viewer, so nothing cached crosses callers.

use crate::db::Handle;
use crate::paging::{Page, Slice};
use crate::service::contributions::{ContributionFilter, Parent};
use crate::service::relations::{self, Child, Relation};
use crate::service::statistics::Counts;
use crate::service::{
    consultations, contributions, documents, mechanisms, meetings, policy_issues, stakeholders,
    statistics, translations,
};
use crate::viewer::Viewer;
use async_graphql::dataloader::{DataLoader, Loader};
use entity::enums::MechanismFunction;
use entity::{
    consultation, contribution, contribution_revision, contribution_translation, document,
    mechanism, meeting, policy_issue, stakeholder,
};
use std::collections::HashMap;

/// How long a loader waits after its first key for the rest of a batch: siblings in a
/// list register their keys within one pass of the executor. async-graphql's default,
/// 1 ms, is mostly waiting on every level of a query; with none, batches split under
/// load (a page of 50 with stakeholders fell from 1,525 to 449 req/s); 500 µs keeps
/// them whole (docs/BENCHMARKS.md) once the pass is over (see [`Loaders::new`]).
const LOADER_DELAY: std::time::Duration = std::time::Duration::from_micros(500);

/// The per-request loader set.
pub struct Loaders {
    db: Handle,
    viewer: Viewer,
}

impl Loaders {
    /// A batch's load first yields to the worker's scheduler, which wakes a yielded task
    /// only once the tasks ready to run have run (or after a bounded number of them):
    /// a request's pass over a list may itself yield midway (tokio's cooperative
    /// budget), and a load started on the clock alone then took half the siblings'
    /// keys (73 stakeholders' contributions in batches of 53 and 20 on a busy machine).
    pub fn new(db: Handle, viewer: Viewer) -> DataLoader<Loaders> {
        DataLoader::new(Loaders { db, viewer }, |load| {
            tokio::spawn(async move {
                tokio::task::yield_now().await;
                load.await
            })
        })
        .delay(LOADER_DELAY)
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
loader!(/// The report of a consultation, if the viewer may see it.
    ReportOfConsultation => entity::report::Model,
    |l, ids| crate::service::reports::of_consultations(&l.db, &l.viewer, ids));
loader!(/// The attempts of a webhook delivery (reached only through a webhook the caller manages).
    AttemptsOfDelivery => Vec<entity::webhook_attempt::Model>,
    |l, ids| crate::service::webhooks::attempts_of(&l.db, ids));
loader!(/// The translations of a revision (which the caller reads already).
    TranslationsOfRevision => Vec<contribution_translation::Model>,
    |l, ids| translations::of_revisions(&l.db, ids));
loader!(/// The functions of a mechanism.
    FunctionsOfMechanism => Vec<MechanismFunction>, |l, ids| mechanisms::functions(&l.db, ids));
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

/// The documents of a revision: `(contribution id, revision number)` (reached only
/// through a contribution or revision the viewer reads already).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AttachmentsOfRevision(pub i64, pub i32);

impl Loader<AttachmentsOfRevision> for Loaders {
    type Value = Vec<entity::attachment::Model>;
    type Error = async_graphql::Error;

    async fn load(
        &self,
        keys: &[AttachmentsOfRevision],
    ) -> Result<HashMap<AttachmentsOfRevision, Self::Value>, Self::Error> {
        let pairs: Vec<(i64, i32)> = keys.iter().map(|k| (k.0, k.1)).collect();
        let loaded = crate::service::attachments::attach::of_revisions(&self.db, &pairs).await?;
        Ok(loaded
            .into_iter()
            .map(|((c, n), v)| (AttachmentsOfRevision(c, n), v))
            .collect())
    }
}

/// One page of a parent's readable contributions (a nested connection).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ContributionsOf {
    pub parent: Parent,
    pub parent_id: i64,
    pub filter: ContributionFilter,
    pub page: Page,
}

impl Loader<ContributionsOf> for Loaders {
    type Value = Slice<contribution::Model>;
    type Error = async_graphql::Error;

    async fn load(
        &self,
        keys: &[ContributionsOf],
    ) -> Result<HashMap<ContributionsOf, Self::Value>, Self::Error> {
        // Keys that differ only by parent share one statement.
        let mut groups: HashMap<(Parent, &ContributionFilter, Page), Vec<i64>> = HashMap::new();
        for k in keys {
            groups
                .entry((k.parent, &k.filter, k.page.clone()))
                .or_default()
                .push(k.parent_id);
        }
        let mut out = HashMap::new();
        for ((parent, filter, page), ids) in groups {
            let pages =
                contributions::pages_by_parent(&self.db, &self.viewer, parent, &ids, filter, &page)
                    .await?;
            for (parent_id, slice) in pages {
                let key = ContributionsOf {
                    parent,
                    parent_id,
                    filter: filter.clone(),
                    page: page.clone(),
                };
                out.insert(key, slice);
            }
        }
        Ok(out)
    }
}

/// How many readable contributions a parent has (a nested connection's `totalCount`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ContributionCountOf {
    pub parent: Parent,
    pub parent_id: i64,
    pub filter: ContributionFilter,
}

impl Loader<ContributionCountOf> for Loaders {
    type Value = u64;
    type Error = async_graphql::Error;

    async fn load(
        &self,
        keys: &[ContributionCountOf],
    ) -> Result<HashMap<ContributionCountOf, u64>, Self::Error> {
        let mut groups: HashMap<(Parent, &ContributionFilter), Vec<i64>> = HashMap::new();
        for k in keys {
            groups
                .entry((k.parent, &k.filter))
                .or_default()
                .push(k.parent_id);
        }
        let mut out = HashMap::new();
        for ((parent, filter), ids) in groups {
            let counts =
                contributions::counts_by_parent(&self.db, &self.viewer, parent, &ids, filter)
                    .await?;
            for parent_id in ids {
                let n = counts.get(&parent_id).copied().unwrap_or(0);
                out.insert(
                    ContributionCountOf {
                        parent,
                        parent_id,
                        filter: filter.clone(),
                    },
                    n,
                );
            }
        }
        Ok(out)
    }
}

/// One page of a relation's children for one parent (a nested connection).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PageOf<R> {
    pub relation: R,
    pub parent_id: i64,
    pub page: Page,
}

impl<R: Relation> Loader<PageOf<R>> for Loaders {
    type Value = Slice<Child<R>>;
    type Error = async_graphql::Error;

    async fn load(
        &self,
        keys: &[PageOf<R>],
    ) -> Result<HashMap<PageOf<R>, Self::Value>, Self::Error> {
        // Keys that differ only by parent share one statement.
        let mut groups: HashMap<Page, Vec<i64>> = HashMap::new();
        for k in keys {
            groups.entry(k.page.clone()).or_default().push(k.parent_id);
        }
        let mut out = HashMap::new();
        for (page, ids) in groups {
            for (parent_id, slice) in
                relations::pages::<R>(&self.db, &self.viewer, &ids, &page).await?
            {
                let relation = keys[0].relation;
                out.insert(
                    PageOf {
                        relation,
                        parent_id,
                        page: page.clone(),
                    },
                    slice,
                );
            }
        }
        Ok(out)
    }
}

/// How many children of a relation one parent has (a nested connection's `totalCount`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CountOf<R> {
    pub relation: R,
    pub parent_id: i64,
}

impl<R: Relation> Loader<CountOf<R>> for Loaders {
    type Value = u64;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[CountOf<R>]) -> Result<HashMap<CountOf<R>, u64>, Self::Error> {
        let ids: Vec<i64> = keys.iter().map(|k| k.parent_id).collect();
        let counts = relations::counts::<R>(&self.db, &self.viewer, &ids).await?;
        Ok(keys
            .iter()
            .map(|&k| (k, counts.get(&k.parent_id).copied().unwrap_or(0)))
            .collect())
    }
}

loader!(/// An account by id, if the viewer may see it (the secretariat, or oneself).
    AccountKey => entity::account::Model,
    |l, ids| crate::service::accounts::by_ids(&l.db, &l.viewer, ids));
loader!(/// An email of the outbox by id, for the secretariat.
    EmailMessageKey => entity::email_message::Model,
    |l, ids| crate::service::mail::by_ids(&l.db, &l.viewer, ids));
loader!(/// An API client by id, for the secretariat.
    ApiClientKey => entity::api_client::Model,
    |l, ids| crate::service::api_clients::by_ids(&l.db, &l.viewer, ids));
loader!(/// An audit event by id, for the secretariat.
    AuditEventKey => entity::audit_event::Model,
    |l, ids| crate::service::audit::by_ids(&l.db, &l.viewer, ids));
loader!(/// A tombstone by id, if the viewer may read it.
    TombstoneKey => entity::contribution_tombstone::Model,
    |l, ids| crate::service::tombstones::by_ids(&l.db, &l.viewer, ids));
