//! Logging: `RUST_LOG` filters (default `info`, PostgreSQL's notices left out), to
//! standard error, as text or, with
//! `CONCORD_LOG_FORMAT=json`, one JSON object a line (with the spans it was logged in:
//! `span` the innermost, `spans` all of them, such as the request's with its
//! `request_id`, method and path, and the service call's, e.g. `sessions::login`).
//! Services open a span per call (`#[instrument]`: writes at `info`, reads at `debug`;
//! an error they return is logged in it at `debug`).
//!
//! Traces: when `OTEL_EXPORTER_OTLP_ENDPOINT` is set (e.g. `http://collector:4318`), the
//! same spans are exported over OTLP/HTTP (protobuf) to `…/v1/traces`, as service
//! `concord` (`OTEL_SERVICE_NAME` overrides it); the standard `OTEL_*` variables of the
//! OpenTelemetry SDK apply (`OTEL_EXPORTER_OTLP_HEADERS`, `OTEL_BSP_SCHEDULE_DELAY`…).

use std::sync::OnceLock;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::Layer;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// The trace exporter, kept to flush it at exit.
static TRACES: OnceLock<opentelemetry_sdk::trace::SdkTracerProvider> = OnceLock::new();

pub fn init() {
    install_crypto_provider();
    // PostgreSQL's notices (e.g. "there is no transaction in progress", which the
    // transaction-pooler mode's release draws after a transaction committed) are not
    // Concord's to report; RUST_LOG can still ask for them.
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx::postgres::notice=error"));
    let json = match std::env::var("CONCORD_LOG_FORMAT").as_deref() {
        Ok("json") => true,
        Ok("text") | Err(_) => false,
        Ok(other) => {
            eprintln!("CONCORD_LOG_FORMAT={other} is not json or text; logging text");
            false
        }
    };
    let logs = if json {
        tracing_subscriber::fmt::layer()
            .with_writer(std::io::stderr)
            .json()
            .with_current_span(true)
            // Every span the line was logged in (the request's, with its id, and the
            // service call's), not only the innermost.
            .with_span_list(true)
            .boxed()
    } else {
        // Colours only on a terminal, so log files and collectors get plain text.
        let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
        tracing_subscriber::fmt::layer()
            .with_writer(std::io::stderr)
            .with_ansi(ansi)
            .boxed()
    };
    let traces = std::env::var("OTEL_EXPORTER_OTLP_ENDPOINT")
        .ok()
        .filter(|endpoint| !endpoint.is_empty())
        .and_then(|endpoint| match trace_layer() {
            Ok(layer) => Some(layer),
            Err(err) => {
                eprintln!(
                    "OTEL_EXPORTER_OTLP_ENDPOINT={endpoint}: traces will not be exported: {err}"
                );
                None
            }
        });
    // A second init (tests) is harmless.
    let _ = tracing_subscriber::registry()
        .with(filter)
        .with(logs)
        .with(traces)
        .try_init();
}

/// The layer that exports spans over OTLP/HTTP.
fn trace_layer<S>() -> anyhow::Result<Box<dyn Layer<S> + Send + Sync>>
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a> + Send + Sync,
{
    use opentelemetry::trace::TracerProvider as _;
    use opentelemetry_otlp::WithExportConfig as _;
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_protocol(opentelemetry_otlp::Protocol::HttpBinary)
        .build()?;
    let service = std::env::var("OTEL_SERVICE_NAME").unwrap_or_else(|_| "concord".to_owned());
    let provider = opentelemetry_sdk::trace::SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_resource(
            opentelemetry_sdk::Resource::builder()
                .with_service_name(service)
                .build(),
        )
        .build();
    let tracer = provider.tracer("concord");
    let _ = TRACES.set(provider);
    Ok(tracing_opentelemetry::layer().with_tracer(tracer).boxed())
}

/// Sends the spans not yet exported (at exit).
pub fn shutdown() {
    if let Some(provider) = TRACES.get()
        && let Err(err) = provider.shutdown()
    {
        eprintln!("traces: the last spans could not be exported: {err}");
    }
}

/// Makes ring the process's TLS crypto provider (the one sqlx's rustls uses): the HTTP
/// clients (webhook deliveries, the OTLP exporter) are built without a provider of
/// their own, and rustls needs exactly one. Idempotent.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}
