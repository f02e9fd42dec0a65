//! `GET /consultations/{id}/contributions.csv` and `.ndjson`: streamed exports,
//! authenticated like the API, a page of rows at a time (never the whole list in memory).

use crate::http::{AppState, authenticate, error_body};
use crate::ids::{GlobalId, NodeType};
use crate::service::consultations;
use crate::service::export::{self, COLUMNS, ExportRow};
use crate::viewer::Viewer;
use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, web};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Csv,
    Ndjson,
}

fn csv_line(fields: &[String]) -> anyhow::Result<Bytes> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(fields)?;
    Ok(Bytes::from(writer.into_inner()?))
}

fn encode(format: Format, rows: &[ExportRow]) -> anyhow::Result<Bytes> {
    let mut out = Vec::new();
    for row in rows {
        match format {
            Format::Csv => out.extend_from_slice(&csv_line(&row.fields())?),
            Format::Ndjson => {
                serde_json::to_writer(&mut out, row)?;
                out.push(b'\n');
            }
        }
    }
    Ok(Bytes::from(out))
}

/// The export handler; `file` is `contributions.csv` or `contributions.ndjson`.
pub async fn contributions(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> HttpResponse {
    let (raw_id, file) = path.into_inner();
    let format = match file.as_str() {
        "contributions.csv" => Format::Csv,
        "contributions.ndjson" => Format::Ndjson,
        _ => {
            return HttpResponse::NotFound().json(error_body(
                "Export as contributions.csv or contributions.ndjson",
                "NOT_FOUND",
            ));
        }
    };
    let viewer = match authenticate(&state, &req).await {
        Ok(viewer) => viewer,
        Err(response) => return response,
    };
    if viewer == Viewer::Anonymous && !state.auth.anonymous_access {
        return HttpResponse::Unauthorized()
            .json(error_body("Sign in to use this API", "UNAUTHENTICATED"));
    }
    let consultation_id = match GlobalId::decode_as(&raw_id, NodeType::Consultation) {
        Ok(id) => id,
        Err(err) => return HttpResponse::BadRequest().json(error_body(&err.message(), err.code())),
    };
    match consultations::by_ids(&state.db, &[consultation_id]).await {
        Ok(found) if found.contains_key(&consultation_id) => {}
        Ok(_) => {
            return HttpResponse::NotFound()
                .json(error_body("Consultation not found", "NOT_FOUND"));
        }
        Err(err) => {
            tracing::error!(error = ?err, "export");
            return HttpResponse::ServiceUnavailable()
                .json(error_body("Try again shortly", "INTERNAL_SERVER_ERROR"));
        }
    }
    let db = state.db.clone();
    let stream = async_stream::try_stream! {
        if format == Format::Csv {
            let header: Vec<String> = COLUMNS.iter().map(|c| (*c).to_owned()).collect();
            yield csv_line(&header).map_err(actix_web::error::ErrorInternalServerError)?;
        }
        let mut after = None;
        loop {
            let (rows, next) = export::page(&db, &viewer, consultation_id, after, export::PAGE_SIZE)
                .await
                .map_err(|e| actix_web::error::ErrorInternalServerError(e.message()))?;
            yield encode(format, &rows).map_err(actix_web::error::ErrorInternalServerError)?;
            match next {
                Some(id) => after = Some(id),
                None => break,
            }
        }
    };
    let (content_type, extension) = match format {
        Format::Csv => ("text/csv; charset=utf-8", "csv"),
        Format::Ndjson => ("application/x-ndjson", "ndjson"),
    };
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, content_type))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"contributions.{extension}\""),
        ))
        .streaming::<_, actix_web::Error>(stream)
}
