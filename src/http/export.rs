//! `GET /consultations/{id}/contributions.csv` and `.ndjson`: streamed exports,
//! authenticated like the API, a page of rows at a time (never the whole list in memory).

use super::error::HttpError;
use super::principal;
use super::state::AppState;
use crate::ids::{GlobalId, NodeType};
use crate::policy;
use crate::service::consultations;
use crate::service::contributions::tabular::{self, COLUMNS, ContributionRow};
use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, web};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Csv,
    Ndjson,
}

/// A cell a spreadsheet would read as a formula (OWASP, "CSV injection"): it starts
/// with `=`, `+`, `-`, `@`, a tab or a carriage return.
fn formula_like(cell: &str) -> bool {
    cell.starts_with(['=', '+', '-', '@', '\t', '\r'])
}

/// One CSV line; a cell that a spreadsheet would run as a formula is written with a
/// leading `'`, which spreadsheets show as text (the NDJSON export keeps text as is).
fn csv_line(fields: &[String]) -> anyhow::Result<Bytes> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(fields.iter().map(|cell| {
        if formula_like(cell) {
            format!("'{cell}")
        } else {
            cell.clone()
        }
    }))?;
    Ok(Bytes::from(writer.into_inner()?))
}

/// The UTF-8 byte order mark, which tells spreadsheets the file is UTF-8.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// `?bom=1` (or `true`): start the CSV with a byte order mark. `?updatedSince=` (RFC
/// 3339): only the contributions changed at or after that moment, for mirrors that
/// export again what changed since their last run.
#[derive(serde::Deserialize)]
pub struct ExportOptions {
    bom: Option<String>,
    #[serde(rename = "updatedSince")]
    updated_since: Option<String>,
}

fn encode(format: Format, rows: &[ContributionRow]) -> anyhow::Result<Bytes> {
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

/// `GET /consultations/{id}/{file}`: the exports (`contributions.csv`,
/// `contributions.ndjson`) and the report (`report.html`, `report.md`).
pub async fn consultation_file(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, HttpError> {
    let (raw_id, file) = path.into_inner();
    let report = match file.as_str() {
        "report.html" => Some(super::report::Format::Html),
        "report.md" => Some(super::report::Format::Markdown),
        _ => None,
    };
    if let Some(format) = report {
        return super::report::serve(state, req, raw_id, format).await;
    }
    let options = web::Query::<ExportOptions>::from_query(req.query_string()).map_err(|_| {
        HttpError::bad_request("BAD_USER_INPUT", "The options are bom and updatedSince")
    })?;
    contributions(state, req, (raw_id, file), options.into_inner()).await
}

/// The export handler; `file` is `contributions.csv` or `contributions.ndjson`.
async fn contributions(
    state: web::Data<AppState>,
    req: HttpRequest,
    (raw_id, file): (String, String),
    options: ExportOptions,
) -> Result<HttpResponse, HttpError> {
    let bom = match options.bom.as_deref() {
        None | Some("0" | "false") => false,
        Some("1" | "true") => true,
        Some(_) => {
            return Err(HttpError::bad_request(
                "BAD_USER_INPUT",
                "bom is 1 (start the CSV with a UTF-8 byte order mark) or 0",
            ));
        }
    };
    let updated_since = match options.updated_since.as_deref() {
        None => None,
        Some(raw) => Some(
            chrono::DateTime::parse_from_rfc3339(raw)
                .map(|t| t.with_timezone(&chrono::Utc))
                .map_err(|_| {
                    HttpError::bad_request(
                        "BAD_USER_INPUT",
                        "updatedSince is an RFC 3339 date and time with its offset, \
                         e.g. 2010-12-14T00:00:00Z",
                    )
                })?,
        ),
    };
    let format = match file.as_str() {
        "contributions.csv" => Format::Csv,
        "contributions.ndjson" => Format::Ndjson,
        _ => {
            return Err(HttpError::new(
                actix_web::http::StatusCode::NOT_FOUND,
                "NOT_FOUND",
                "Export as contributions.csv or contributions.ndjson; the report is report.html or report.md",
            ));
        }
    };
    let viewer = principal::from_request(&state, &req).await?;
    policy::may_use_api(&viewer, state.auth.anonymous_access)?;
    let consultation_id = GlobalId::decode_as(&raw_id, NodeType::Consultation)?;
    consultations::get(state.reads(), &viewer, consultation_id).await?;
    let db = state.reads().clone();
    let stream = async_stream::try_stream! {
        if format == Format::Csv && bom {
            yield Bytes::from_static(BOM);
        }
        if format == Format::Csv {
            let header: Vec<String> = COLUMNS.iter().map(|c| (*c).to_owned()).collect();
            yield csv_line(&header).map_err(actix_web::error::ErrorInternalServerError)?;
        }
        let mut after = None;
        loop {
            let (rows, next) = tabular::page(&db, &viewer, consultation_id, updated_since, after, tabular::PAGE_SIZE)
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
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, content_type))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"contributions.{extension}\""),
        ))
        .streaming::<_, actix_web::Error>(stream))
}
