//! The HTTP face of the emulator: `POST /graphql` with Basic auth, as the real API.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde_json::{json, Value};

use crate::api::auth::caller;
use crate::api::files::FileStore;
use crate::api::schema::WandbSchema;
use crate::model::account::Account;
use crate::model::nonfinite::unquote_markers;
use crate::model::run::Store;

pub struct AppState {
    pub schema: WandbSchema,
    /// The store as of each request, when the data changes while the server runs (the seed's
    /// growing run); it takes the place of the schema's own store.
    pub store_now: Option<Box<dyn Fn() -> Arc<Store> + Send + Sync>>,
    /// Run files: `GET /files/...` (a file's `url`) redirects to its pre-signed storage URL.
    pub files: Arc<FileStore>,
    /// The users and their keys; a request sees only its caller's entity.
    pub accounts: Vec<Account>,
    /// GraphQL requests received, readable at `GET /__stats` (tests count round trips).
    pub graphql_requests: AtomicU64,
    /// HTTP requests of any kind on both origins (run files too), also at `GET /__stats`.
    pub http_requests: Arc<AtomicU64>,
    /// When set, one JSON line per GraphQL request: its body and the bytes in and out
    /// (the benchmark replays the bodies with curl and sums the bytes).
    pub request_log: Option<std::sync::Mutex<std::fs::File>>,
}

fn log_request(state: &AppState, body: &[u8], bytes_out: usize) {
    use std::io::Write;
    if let Some(file) = &state.request_log {
        let line = json!({"bytes_in": body.len(), "bytes_out": bytes_out, "body": String::from_utf8_lossy(body)});
        if let Ok(mut f) = file.lock() {
            let _ = writeln!(f, "{line}");
        }
    }
}

pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/graphql", post(graphql))
        // wandb-core posts telemetry here; accept and drop it.
        .route("/sdk/otel/v1/{kind}", post(|| async { StatusCode::OK }))
        .route("/__stats", get(stats))
        .route(
            "/files/{entity}/{project}/{run}/{*name}",
            get(file_redirect),
        )
        .with_state(state)
}

/// `router` with every request counted in `requests` and answered only after `delay`: the
/// round trip of a remote server, for benchmarks that count requests and wall time per
/// question. `/__stats` (the tests' own reading of the counters) is neither counted nor
/// delayed.
pub fn round_trip(router: Router, delay: std::time::Duration, requests: Arc<AtomicU64>) -> Router {
    router.layer(axum::middleware::from_fn(
        move |request: axum::extract::Request, next: axum::middleware::Next| {
            let requests = requests.clone();
            async move {
                if request.uri().path() != "/__stats" {
                    requests.fetch_add(1, Ordering::SeqCst);
                    if !delay.is_zero() {
                        tokio::time::sleep(delay).await;
                    }
                }
                next.run(request).await
            }
        },
    ))
}

fn json_reply(status: StatusCode, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

fn error_reply(status: StatusCode, message: &str) -> Response {
    json_reply(
        status,
        json!({"errors": [{"message": message}]}).to_string(),
    )
}

/// A run file's `url`: with credentials, a redirect to its pre-signed storage URL, as W&B's
/// file endpoint answers (the official client downloads through it).
async fn file_redirect(
    State(state): State<Arc<AppState>>,
    axum::extract::Path((entity, project, run, name)): axum::extract::Path<(
        String,
        String,
        String,
        String,
    )>,
    headers: HeaderMap,
) -> Response {
    let Some(account) = caller(&headers, &state.accounts) else {
        return error_reply(StatusCode::UNAUTHORIZED, "user is not logged in");
    };
    if account.entity != entity {
        return error_reply(StatusCode::NOT_FOUND, "file not found");
    }
    match state.files.signed_url(&entity, &project, &run, &name) {
        Some(url) => (StatusCode::FOUND, [(header::LOCATION, url)]).into_response(),
        None => error_reply(StatusCode::NOT_FOUND, "file not found"),
    }
}

async fn stats(State(state): State<Arc<AppState>>) -> Response {
    let n = state.graphql_requests.load(Ordering::SeqCst);
    let all = state.http_requests.load(Ordering::SeqCst);
    json_reply(
        StatusCode::OK,
        json!({"graphql_requests": n, "http_requests": all}).to_string(),
    )
}

async fn graphql(State(state): State<Arc<AppState>>, headers: HeaderMap, body: Bytes) -> Response {
    state.graphql_requests.fetch_add(1, Ordering::SeqCst);
    let Some(account) = caller(&headers, &state.accounts) else {
        return error_reply(StatusCode::UNAUTHORIZED, "user is not logged in");
    };
    let Ok(envelope) = serde_json::from_slice::<Value>(&body) else {
        return error_reply(StatusCode::BAD_REQUEST, "request body is not JSON");
    };
    let Some(query) = envelope.get("query").and_then(Value::as_str) else {
        return error_reply(StatusCode::BAD_REQUEST, "request body has no query");
    };
    let mut request = async_graphql::Request::new(query).data(account.clone());
    if let Some(store_now) = &state.store_now {
        request = request.data(store_now());
    }
    if let Some(variables) = envelope.get("variables").filter(|v| v.is_object()) {
        request = request.variables(async_graphql::Variables::from_json(variables.clone()));
    }
    // wandb-core sends `"operationName": ""` for Python-originated documents.
    if let Some(name) = envelope
        .get("operationName")
        .and_then(Value::as_str)
        .filter(|n| !n.is_empty())
    {
        request = request.operation_name(name);
    }
    let response = state.schema.execute(request).await;
    match serde_json::to_string(&response) {
        Ok(text) => {
            let text = unquote_markers(&text);
            log_request(&state, &body, text.len());
            json_reply(StatusCode::OK, text)
        }
        Err(e) => error_reply(
            StatusCode::INTERNAL_SERVER_ERROR,
            &format!("serialising the reply failed: {e}"),
        ),
    }
}
