//! `GET /consultations/{id}/report.html` and `.md`: the consultation's published report
//! (its latest version, frozen), or with `?preview=true` the secretariat's draft rendered
//! now. `{id}` is the consultation's global ID or its slug. The Markdown is exactly what
//! the publication's SHA-256 covers (`Repr-Digest` carries it too).

use super::error::HttpError;
use super::principal;
use super::state::AppState;
use crate::ids::{GlobalId, NodeType};
use crate::policy;
use crate::service::{consultations, reports};
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use base64::Engine;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use sha2::{Digest, Sha256};

/// `?preview=true`: the draft, rendered now (secretariat).
#[derive(serde::Deserialize)]
pub struct ReportOptions {
    preview: Option<String>,
}

/// Which rendering.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Html,
    Markdown,
}

fn not_found(message: &'static str) -> HttpError {
    HttpError::new(StatusCode::NOT_FOUND, "NOT_FOUND", message)
}

/// Serves the report of consultation `raw_id` as `format`.
pub async fn serve(
    state: web::Data<AppState>,
    req: HttpRequest,
    raw_id: String,
    format: Format,
) -> Result<HttpResponse, HttpError> {
    let options = web::Query::<ReportOptions>::from_query(req.query_string())
        .map_err(|_| HttpError::bad_request("BAD_USER_INPUT", "The only option is preview=true"))?;
    let preview = match options.preview.as_deref() {
        None | Some("0" | "false") => false,
        Some("1" | "true") => true,
        Some(_) => {
            return Err(HttpError::bad_request(
                "BAD_USER_INPUT",
                "preview is true (the draft, rendered now; secretariat) or false",
            ));
        }
    };
    let viewer = principal::from_request(&state, &req).await?;
    policy::may_use_api(&viewer, state.auth.anonymous_access)?;
    let db = state.reads();
    let consultation_id = match GlobalId::decode_as(&raw_id, NodeType::Consultation) {
        Ok(id) => id,
        Err(_) => {
            entity::consultation::Entity::find()
                .filter(entity::consultation::Column::Slug.eq(raw_id.as_str()))
                .one(db)
                .await
                .map_err(crate::error::AppError::from)?
                .ok_or_else(|| not_found("Consultation not found"))?
                .id
        }
    };
    consultations::get(db, &viewer, consultation_id).await?;
    let report = reports::of_consultations(db, &viewer, &[consultation_id])
        .await?
        .remove(&consultation_id)
        .ok_or_else(|| not_found("This consultation has no published report"))?;
    let (markdown, html, version) = if preview {
        let r = reports::preview(db, &viewer, &report).await?;
        (r.markdown, r.html, None)
    } else {
        let p = reports::latest_publication(db, report.id)
            .await?
            .ok_or_else(|| {
                not_found(
                    "The report is not published yet (the secretariat may ask for ?preview=true)",
                )
            })?;
        (p.markdown, p.html, Some(p.number))
    };
    let (body, content_type) = match format {
        Format::Markdown => (markdown, "text/markdown; charset=utf-8"),
        Format::Html => (html, "text/html; charset=utf-8"),
    };
    let digest = Sha256::digest(body.as_bytes());
    let mut response = HttpResponse::Ok();
    response
        .insert_header((header::CONTENT_TYPE, content_type))
        .insert_header((header::ETAG, format!("\"{}\"", hex::encode(digest))))
        .insert_header((
            "Repr-Digest",
            format!(
                "sha-256=:{}:",
                base64::engine::general_purpose::STANDARD.encode(digest)
            ),
        ))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'unsafe-inline'; img-src data:",
        ))
        .insert_header((
            header::CACHE_CONTROL,
            if preview { "no-store" } else { "no-cache" },
        ));
    if let Some(n) = version {
        response.insert_header(("Concord-Report-Version", n.to_string()));
    }
    Ok(response.body(body))
}
