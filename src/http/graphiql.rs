//! GraphiQL, from the binary: the page `GET /graphql` gives a browser, and its scripts
//! and styles under `/graphiql/VERSION/` (vendored from npm in `src/http/graphiql/`, with
//! their licences). Nothing is fetched from elsewhere, so it works on a network with no
//! way out. Subscriptions go over `/graphql/ws`; the Headers tab carries a bearer token to
//! both. With introspection switched off the page says so and asks for no schema.

use actix_web::http::header::{self, CacheControl, CacheDirective, ContentType};
use actix_web::{HttpResponse, web};

/// GraphiQL's version, in every asset's path (so that they can be cached for a year).
pub const VERSION: &str = "3.8.3";

/// The query the editor opens with: the README's first query (a test keeps them equal).
pub const FIRST_QUERY: &str = "{
  consultations(first: 1) {
    nodes {
      title
      statistics {
        total
        byKind { kind count }
        byGroup { group total byKind { kind count } }
      }
    }
  }
}
";

/// What the editor opens with: a word on signing in, then [`FIRST_QUERY`].
fn opening_text() -> String {
    format!(
        "# Concord: the report's table, counted from its data. Press the run button (Ctrl-Enter).\n\
         # Signed in? Put {{\"Authorization\": \"Bearer <access token>\"}} in the Headers tab\n\
         # below (the README's \"Signing in\" shows how to get one); subscriptions use it too.\n\
         {FIRST_QUERY}"
    )
}

/// The vendored files: name, media type, contents.
const ASSETS: &[(&str, &str, &[u8])] = &[
    (
        "graphiql.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("graphiql/graphiql.min.js"),
    ),
    (
        "graphiql.min.css",
        "text/css; charset=utf-8",
        include_bytes!("graphiql/graphiql.min.css"),
    ),
    (
        "react.production.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("graphiql/react.production.min.js"),
    ),
    (
        "react-dom.production.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("graphiql/react-dom.production.min.js"),
    ),
    (
        "graphql-ws.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("graphiql/graphql-ws.min.js"),
    ),
    (
        "concord.js",
        "text/javascript; charset=utf-8",
        include_bytes!("graphiql/concord.js"),
    ),
    (
        "concord.css",
        "text/css; charset=utf-8",
        include_bytes!("graphiql/concord.css"),
    ),
];

/// No script but the page's own files, no connection but to this server.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; \
     connect-src 'self' ws: wss:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// Escapes text for an HTML attribute value in double quotes.
fn attribute(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\n' => out.push_str("&#10;"),
            c => out.push(c),
        }
    }
    out
}

/// The page, for a server whose introspection is on or off.
pub fn page(introspection: bool) -> HttpResponse {
    let html = include_str!("graphiql/page.html")
        .replace("{ASSETS}", &format!("/graphiql/{VERSION}"))
        .replace("{ENDPOINT}", "/graphql")
        .replace("{SOCKET}", "/graphql/ws")
        .replace(
            "{INTROSPECTION}",
            if introspection { "true" } else { "false" },
        )
        .replace("{QUERY}", &attribute(&opening_text()));
    HttpResponse::Ok()
        .content_type(ContentType::html())
        .insert_header((header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header(CacheControl(vec![CacheDirective::NoCache]))
        .body(html)
}

/// `GET /graphiql/{version}/{file}`: a vendored file, cached for a year (its path
/// changes with the version); 404 for anything else.
pub async fn asset(path: web::Path<(String, String)>) -> HttpResponse {
    let (version, file) = path.into_inner();
    match ASSETS.iter().find(|(name, _, _)| *name == file) {
        Some((_, media_type, body)) if version == VERSION => HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, *media_type))
            .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
            .insert_header(CacheControl(vec![
                CacheDirective::Public,
                CacheDirective::MaxAge(31_536_000),
                CacheDirective::Extension("immutable".into(), None),
            ]))
            .body(*body),
        _ => HttpResponse::NotFound().json(super::error::error_body(
            "No such GraphiQL file",
            "NOT_FOUND",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::attribute;

    #[test]
    fn attribute_values_are_escaped() {
        assert_eq!(
            attribute("a \"b\" <c> & d\ne"),
            "a &quot;b&quot; &lt;c&gt; &amp; d&#10;e"
        );
    }
}
