//! `GET /attachments/{id}`: a document's bytes, streamed from the store, under exactly
//! its contribution's read policy. A document the caller may not read is missing: the
//! same 404, body and work (one statement) as an ID that never existed. The response
//! carries the stored type, a safe file name, `nosniff`, a strong `ETag` (the SHA-256)
//! and honours `Range` (one range), `If-Range` and `If-None-Match`.

use super::error::HttpError;
use super::principal;
use super::state::AppState;
use crate::ids::{GlobalId, NodeType};
use crate::service::attachments::read;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, ByteRangeSpec, Header, HeaderValue, Range};
use actix_web::{HttpRequest, HttpResponse, web};
use async_graphql::futures_util::TryStreamExt;
use object_store::{GetOptions, GetRange};

fn missing() -> HttpResponse {
    actix_web::ResponseError::error_response(&HttpError::new(
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
        "No such attachment",
    ))
}

/// `GET` (and `HEAD`) `/attachments/{id}`.
pub async fn download(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> HttpResponse {
    let viewer = match principal::from_request(&state, &req).await {
        Ok(viewer) => viewer,
        Err(err) => return actix_web::ResponseError::error_response(&err),
    };
    // Anonymous access switched off: as for the API, the export and the report.
    if let Err(err) = crate::policy::may_use_api(&viewer, state.auth.anonymous_access) {
        return actix_web::ResponseError::error_response(&HttpError::from(err));
    }
    // A malformed ID costs the same statement as a missing one.
    let id = GlobalId::decode_as(&path, NodeType::Attachment).unwrap_or(0);
    let row = match read::readable(state.reads(), &viewer, id).await {
        Ok(Some(row)) => row,
        Ok(None) => return missing(),
        Err(err) => {
            return actix_web::ResponseError::error_response(&HttpError::from(
                crate::error::AppError::from(err),
            ));
        }
    };
    let etag = format!("\"{}\"", row.sha256);
    let size = row.size as u64;
    if let Some(tags) = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        && tags.split(',').any(|t| t.trim() == etag || t.trim() == "*")
    {
        return HttpResponse::NotModified()
            .insert_header((header::ETAG, etag))
            .finish();
    }
    let range = wanted_range(&req, &etag, size);
    let (status, start, end) = match range {
        Wanted::Whole => (StatusCode::OK, 0, size),
        Wanted::Part(start, end) => (StatusCode::PARTIAL_CONTENT, start, end + 1),
        Wanted::Unsatisfiable => {
            return HttpResponse::RangeNotSatisfiable()
                .insert_header((header::CONTENT_RANGE, format!("bytes */{size}")))
                .insert_header((header::ETAG, etag))
                .finish();
        }
    };
    let mut response = HttpResponse::build(status);
    response
        .insert_header((header::CONTENT_TYPE, row.content_type.clone()))
        .insert_header((header::CONTENT_DISPOSITION, disposition(&row.name)))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; sandbox",
        ))
        .insert_header((header::CACHE_CONTROL, "private, no-cache"))
        .insert_header((header::ETAG, etag))
        .insert_header((header::ACCEPT_RANGES, "bytes"));
    if status == StatusCode::PARTIAL_CONTENT {
        response.insert_header((
            header::CONTENT_RANGE,
            format!("bytes {start}-{}/{size}", end - 1),
        ));
    }
    if req.method() == actix_web::http::Method::HEAD || start == end {
        response.no_chunking(end - start);
        return response.finish();
    }
    let options = GetOptions {
        range: (status == StatusCode::PARTIAL_CONTENT).then_some(GetRange::Bounded(start..end)),
        ..Default::default()
    };
    let store = state.attachments.store();
    let got = match store
        .get_opts(&state.attachments.path(&row.blob_key), options)
        .await
    {
        Ok(got) => got,
        Err(err) => {
            tracing::error!(attachment = row.id, "the blob cannot be read: {err}");
            return actix_web::ResponseError::error_response(&HttpError::from(
                crate::error::AppError::Internal(err.into()),
            ));
        }
    };
    response.no_chunking(end - start);
    response.streaming(got.into_stream().map_err(std::io::Error::other))
}

enum Wanted {
    Whole,
    Part(u64, u64),
    Unsatisfiable,
}

/// The one range asked for (several, or a stale `If-Range`: the whole document).
fn wanted_range(req: &HttpRequest, etag: &str, size: u64) -> Wanted {
    if !req.headers().contains_key(header::RANGE) {
        return Wanted::Whole;
    }
    if let Some(if_range) = req.headers().get(header::IF_RANGE)
        && if_range.to_str().ok().map(str::trim) != Some(etag)
    {
        return Wanted::Whole;
    }
    let Ok(Range::Bytes(specs)) = Range::parse(req) else {
        return Wanted::Whole;
    };
    let [spec]: [ByteRangeSpec; 1] = match specs.try_into() {
        Ok(one) => one,
        Err(_) => return Wanted::Whole,
    };
    match spec.to_satisfiable_range(size) {
        Some((start, end)) => Wanted::Part(start, end),
        None => Wanted::Unsatisfiable,
    }
}

/// `attachment` with the name as ASCII (anything else, quotes and backslashes as `_`)
/// and in full as RFC 5987's `filename*`.
fn disposition(name: &str) -> HeaderValue {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = url::form_urlencoded::byte_serialize(name.as_bytes())
        .collect::<String>()
        .replace('+', "%20");
    HeaderValue::from_str(&format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("attachment"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_file_name_is_made_safe_for_the_header() {
        let value = super::disposition("Position \"finale\" de l'État\\.pdf");
        let text = value.to_str().unwrap();
        assert!(
            text.starts_with("attachment; filename=\"Position _finale_ de l'_tat_.pdf\"; "),
            "{text}"
        );
        assert!(
            text.ends_with("filename*=UTF-8''Position%20%22finale%22%20de%20l%27%C3%89tat%5C.pdf"),
            "{text}"
        );
    }
}
