//! Translations of a contribution's revisions into the other official languages of
//! the United Nations (ar, en, es, fr, ru, zh). Its author's principals and the
//! secretariat add them; only the secretariat's may be official. A translation is of
//! one revision: a new revision starts without any. The receipt's hash stays over the
//! original; the current revision's translations are searched like the original.

use crate::db::Db;
use crate::domain::ContributionText;
use crate::error::{AppError, AppResult, MutationResult, UserError, UserErrorCode};
use crate::policy::{self, Action};
use crate::service::audit::{self, Actor};
use crate::service::{contributions, search};
use crate::viewer::{Subject, Viewer};
use chrono::Utc;
use entity::contribution_revision;
use entity::contribution_translation::{ActiveModel, Column, Entity, Model};
use entity::enums::ContributionStatus;
use sea_orm::ActiveValue::{NotSet, Unchanged};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use std::collections::HashMap;

/// The official languages of the United Nations, in which translations are kept.
pub const LANGUAGES: [&str; 6] = ["ar", "en", "es", "fr", "ru", "zh"];

/// The language a translation is asked in, if it is one of [`LANGUAGES`] (its primary
/// subtag, lowercased: `fr-CA` asks for `fr`).
pub fn official_language(raw: &str) -> Option<&'static str> {
    let primary = raw
        .trim()
        .split('-')
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    LANGUAGES.iter().copied().find(|l| *l == primary)
}

/// `supplied_as` of a translation the secretariat supplied.
pub const SECRETARIAT: &str = "SECRETARIAT";
/// `supplied_as` of a translation one of the stakeholder's own principals supplied.
pub const CONTRIBUTOR: &str = "CONTRIBUTOR";

/// Who supplied a translation, as `viewer` may be told of it: the principal
/// (`account:ID`, `client:ID`, `system`) to those who may see the contribution's
/// attribution; to anyone else only "the secretariat" or "the contributor", so that a
/// translation never names the author of a contribution that is not attributed.
pub fn supplier_shown(
    viewer: &Viewer,
    contribution: &entity::contribution::Model,
    translation: &Model,
) -> String {
    if policy::sees_attribution(viewer, contribution) {
        translation.supplied_by.clone()
    } else if translation.supplied_as == SECRETARIAT {
        "the secretariat".to_owned()
    } else {
        "the contributor".to_owned()
    }
}

/// The official language a text is asked in (see [`official_language`]), or
/// `BAD_USER_INPUT` naming them.
pub fn wanted(raw: &str) -> AppResult<&'static str> {
    official_language(raw).ok_or_else(|| {
        AppError::bad_input(format!(
            "Texts are kept in the UN's official languages: {}",
            LANGUAGES.join(", ")
        ))
    })
}

/// Whether a revision is written in `wanted` (its own text answers, no translation).
pub fn is_original_language(revision: &contribution_revision::Model, wanted: &str) -> bool {
    official_language(&revision.language) == Some(wanted)
}

/// A contribution's text in a language: a translation, or the original when there is
/// none (`fallback`) or when the original is in that language.
pub struct Localized {
    pub language: String,
    pub requested: String,
    pub title: String,
    pub body: String,
    pub is_original: bool,
    pub fallback: bool,
    pub official: bool,
    /// Who supplied the translation, as `viewer` may be told ([`supplier_shown`]);
    /// `None` for the original.
    pub supplied_by: Option<String>,
}

/// The text of `contribution`'s `revision` in `wanted` for `viewer`: the original when
/// it is in that language, else its translation into it among `translations` (the
/// revision's), else the original as a fallback.
pub fn localize(
    viewer: &Viewer,
    contribution: &entity::contribution::Model,
    revision: contribution_revision::Model,
    translations: Vec<Model>,
    wanted: &'static str,
) -> Localized {
    let original = |revision: contribution_revision::Model, fallback| Localized {
        language: revision.language,
        requested: wanted.to_owned(),
        title: revision.title,
        body: revision.body,
        is_original: true,
        fallback,
        official: true,
        supplied_by: None,
    };
    if is_original_language(&revision, wanted) {
        return original(revision, false);
    }
    match translations.into_iter().find(|t| t.language == wanted) {
        Some(t) => Localized {
            supplied_by: Some(supplier_shown(viewer, contribution, &t)),
            language: t.language,
            requested: wanted.to_owned(),
            title: t.title,
            body: t.body,
            is_original: false,
            fallback: false,
            official: t.official,
        },
        None => original(revision, true),
    }
}

/// A translation to add.
#[derive(Debug, Clone)]
pub struct NewTranslation {
    pub contribution_id: i64,
    /// The revision translated; the current one when not given.
    pub revision_number: Option<i32>,
    pub language: String,
    pub title: String,
    pub body: String,
    pub official: bool,
}

/// Adds a translation of a revision (its stakeholder's principals, the secretariat).
pub async fn add(db: &impl Db, viewer: &Viewer, input: NewTranslation) -> MutationResult<Model> {
    policy::may_write(viewer)?;
    let Some(c) = contributions::by_ids(db, viewer, &[input.contribution_id])
        .await?
        .remove(&input.contribution_id)
    else {
        return Err(AppError::NotFound("Contribution").into());
    };
    let p = policy::may(
        viewer,
        Action::Translate {
            stakeholder_id: c.stakeholder_id,
        },
    )?
    .clone();
    if input.official && !policy::may_translate_officially(viewer) {
        return Err(UserError::new(
            "official",
            UserErrorCode::NotAllowed,
            "Only the secretariat supplies official translations; add it as unofficial",
        )
        .into());
    }
    if c.status == ContributionStatus::Withdrawn {
        return Err(UserError::new(
            "contribution",
            UserErrorCode::NotAllowed,
            "The contribution is withdrawn",
        )
        .into());
    }
    let number = input.revision_number.unwrap_or(c.latest_revision);
    let Some(revision) = contribution_revision::Entity::find()
        .filter(contribution_revision::Column::ContributionId.eq(c.id))
        .filter(contribution_revision::Column::Number.eq(number))
        .one(db)
        .await?
    else {
        return Err(UserError::new(
            "revision",
            UserErrorCode::NotFound,
            format!("The contribution has no revision {number}"),
        )
        .into());
    };
    let Some(language) = official_language(&input.language) else {
        return Err(UserError::new(
            "language",
            UserErrorCode::Invalid,
            format!(
                "Translations are kept in the UN's official languages: {}",
                LANGUAGES.join(", ")
            ),
        )
        .into());
    };
    if official_language(&revision.language) == Some(language) {
        return Err(UserError::new(
            "language",
            UserErrorCode::Invalid,
            format!("The revision is written in {language} already"),
        )
        .into());
    }
    let text = ContributionText::parse(&input.title, &input.body, language)?;
    // One translation per revision and language; the secretariat's official one is
    // always possible: it replaces an unofficial one (the audit log records the change,
    // with the hash of what it replaced).
    let taken = Entity::find()
        .filter(Column::RevisionId.eq(revision.id))
        .filter(Column::Language.eq(language))
        .one(db)
        .await?;
    let replaced = match taken {
        Some(taken) if input.official && !taken.official => Some(taken),
        Some(taken) => {
            let which = if taken.official { "an official" } else { "a" };
            return Err(UserError::new(
                "language",
                UserErrorCode::Taken,
                format!("Revision {number} has {which} {language} translation already"),
            )
            .into());
        }
        None => None,
    };
    let (account, client) = match p.subject {
        Subject::Account(id) => (Some(id), None),
        Subject::Client(id) => (None, Some(id)),
        Subject::System => (None, None),
    };
    let txn = db.begin().await?;
    let row = ActiveModel {
        id: match &replaced {
            Some(old) => Unchanged(old.id),
            None => NotSet,
        },
        contribution_id: Set(c.id),
        revision_id: Set(revision.id),
        language: Set(language.to_owned()),
        title: Set(text.title().to_owned()),
        body: Set(text.body().to_owned()),
        official: Set(input.official),
        supplied_by_account_id: Set(account),
        supplied_by_client_id: Set(client),
        supplied_by: Set(Actor::of(viewer).label),
        supplied_as: Set(if policy::may_translate_officially(viewer) {
            SECRETARIAT.to_owned()
        } else {
            CONTRIBUTOR.to_owned()
        }),
        created_at: Set(Utc::now()),
    };
    let row = if replaced.is_some() {
        row.update(&txn).await?
    } else {
        row.insert(&txn).await?
    };
    if revision.number == c.latest_revision {
        let text = search::translations_text(&txn, revision.id).await?;
        search::set_translations(&txn, c.id, &text).await?;
    }
    audit::append_change(
        &txn,
        viewer,
        "contribution.translate",
        ("ContributionTranslation", row.id),
        replaced.as_ref(),
        &row,
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

/// The translations of these revisions (whose contributions the caller may read), by
/// revision, in language order.
pub async fn of_revisions(
    db: &impl Db,
    revision_ids: &[i64],
) -> AppResult<HashMap<i64, Vec<Model>>> {
    let rows = Entity::find()
        .filter(Column::RevisionId.is_in(revision_ids.iter().copied()))
        .order_by_asc(Column::Language)
        .all(db)
        .await?;
    Ok(super::rows::group_by_parent(
        rows.into_iter().map(|r| (r.revision_id, r)),
    ))
}

/// A translation by id, if the viewer may read its contribution.
pub async fn by_id(db: &impl Db, viewer: &Viewer, id: i64) -> AppResult<Option<Model>> {
    let Some(row) = Entity::find_by_id(id).one(db).await? else {
        return Ok(None);
    };
    let readable = contributions::by_ids(db, viewer, &[row.contribution_id]).await?;
    Ok(readable.contains_key(&row.contribution_id).then_some(row))
}
