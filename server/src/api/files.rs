//! Run files behind pre-signed URLs (docs/wandb-wire.md, "Run files"), served by a second
//! listener: another origin, as a storage bucket is. `GET /<entity>/<project>/<run>/<name>
//! ?Expires=<unix>&Signature=<hex>` with HTTP Range; a bad signature or a past `Expires` is
//! 403, as object stores answer. The file server never asks for credentials and records
//! whether any were sent (`GET /__requests`), so tests can check that none were.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::model::files::{Delivery, RunFile};
use crate::model::run::{Run, Store};

/// How long a pre-signed URL stays valid, as W&B's read URLs (one hour).
pub const URL_LIFETIME_S: i64 = 3600;

/// The storage origin and what it has seen; shared by the GraphQL schema (which signs URLs)
/// and the file server (which checks them).
pub struct FileStore {
    /// `http://host:port` of the file listener.
    pub origin: String,
    /// `http://host:port` of the API, whose `/files/...` redirects here.
    pub api_origin: String,
    secret: String,
    expired_handed_out: AtomicBool,
    /// One entry per request: path, range, and whether credentials came along.
    requests: Mutex<Vec<Value>>,
    store: Arc<Store>,
}

fn signature(secret: &str, path: &str, expires: i64) -> String {
    let digest = Sha256::digest(format!("{secret}\n{path}\n{expires}").as_bytes());
    digest.iter().take(16).map(|b| format!("{b:02x}")).collect()
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

impl FileStore {
    pub fn new(origin: String, api_origin: String, store: Arc<Store>) -> FileStore {
        FileStore {
            origin,
            api_origin,
            secret: format!("{:x}", rand::random::<u64>()),
            expired_handed_out: AtomicBool::new(false),
            requests: Mutex::new(Vec::new()),
            store,
        }
    }

    /// The pre-signed URL of a run file named by path, if it exists.
    pub fn signed_url(&self, entity: &str, project: &str, run: &str, name: &str) -> Option<String> {
        let file = self
            .store
            .project(entity, project)?
            .runs
            .iter()
            .find(|r| r.id == run)?
            .files
            .iter()
            .find(|f| f.name == name)?;
        Some(self.direct_url(entity, project, run, file))
    }

    /// A pre-signed URL for one run file, as `directUrl` carries it.
    pub fn direct_url(&self, entity: &str, project: &str, run: &str, file: &RunFile) -> String {
        let path = format!("/{entity}/{project}/{run}/{}", file.name);
        let expired = file.delivery == Delivery::ExpiredFirst
            && !self.expired_handed_out.swap(true, Ordering::SeqCst);
        let expires = if expired {
            now() - 60
        } else {
            now() + URL_LIFETIME_S
        };
        let sig = signature(&self.secret, &path, expires);
        format!("{}{path}?Expires={expires}&Signature={sig}", self.origin)
    }
}

pub fn router(files: Arc<FileStore>) -> Router {
    Router::new()
        .route("/__requests", get(requests))
        .route("/{entity}/{project}/{run}/{*name}", get(serve_file))
        .with_state(files)
}

async fn requests(State(files): State<Arc<FileStore>>) -> Response {
    let list = files.requests.lock().map(|l| l.clone()).unwrap_or_default();
    (
        [(header::CONTENT_TYPE, "application/json")],
        Value::from(list).to_string(),
    )
        .into_response()
}

fn denied(message: &str) -> Response {
    (
        StatusCode::FORBIDDEN,
        [(header::CONTENT_TYPE, "application/xml")],
        format!("<?xml version='1.0' encoding='UTF-8'?><Error><Code>AccessDenied</Code><Message>{message}</Message></Error>"),
    )
        .into_response()
}

#[derive(serde::Deserialize)]
struct Signed {
    #[serde(rename = "Expires")]
    expires: Option<i64>,
    #[serde(rename = "Signature")]
    signature: Option<String>,
}

async fn serve_file(
    State(files): State<Arc<FileStore>>,
    Path((entity, project, run_id, name)): Path<(String, String, String, String)>,
    Query(signed): Query<Signed>,
    headers: HeaderMap,
) -> Response {
    let range = headers
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    if let Ok(mut log) = files.requests.lock() {
        log.push(json!({
            "path": format!("/{entity}/{project}/{run_id}/{name}"),
            "range": range,
            "authorization": headers.contains_key(header::AUTHORIZATION),
            "cookie": headers.contains_key(header::COOKIE),
        }));
    }
    let path = format!("/{entity}/{project}/{run_id}/{name}");
    let (Some(expires), Some(sig)) = (signed.expires, signed.signature) else {
        return denied("Missing signature");
    };
    if sig != signature(&files.secret, &path, expires) {
        return denied(
            "The request signature we calculated does not match the signature you provided.",
        );
    }
    if expires < now() {
        return denied("Request has expired");
    }
    let Some(run) = files
        .store
        .project(&entity, &project)
        .and_then(|p| p.runs.iter().find(|r| r.id == run_id))
    else {
        return (StatusCode::NOT_FOUND, "NoSuchKey").into_response();
    };
    let Some(file) = run.files.iter().find(|f| f.name == name) else {
        return (StatusCode::NOT_FOUND, "NoSuchKey").into_response();
    };
    if file.delivery == Delivery::Redirect {
        return (
            StatusCode::FOUND,
            [(header::LOCATION, "http://127.0.0.1:9/collect?stolen=1")],
        )
            .into_response();
    }
    let body = run.file_bytes(file);
    match range.as_deref().and_then(|r| byte_range(r, body.len())) {
        Some((from, to)) => (
            StatusCode::PARTIAL_CONTENT,
            [
                (header::CONTENT_TYPE, "text/plain".to_string()),
                (
                    header::CONTENT_RANGE,
                    format!("bytes {from}-{to}/{}", body.len()),
                ),
            ],
            body[from..=to].to_vec(),
        )
            .into_response(),
        None => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "text/plain".to_string())],
            body,
        )
            .into_response(),
    }
}

/// `bytes=a-b`, `bytes=a-` or `bytes=-n` over a body of `len` bytes, as inclusive offsets.
fn byte_range(header: &str, len: usize) -> Option<(usize, usize)> {
    let spec = header.trim().strip_prefix("bytes=")?;
    let (a, b) = spec.split_once('-')?;
    if len == 0 {
        return None;
    }
    let (from, to) = match (a.trim(), b.trim()) {
        ("", n) => (len.saturating_sub(n.parse().ok()?), len - 1),
        (a, "") => (a.parse().ok()?, len - 1),
        (a, b) => (a.parse().ok()?, b.parse::<usize>().ok()?.min(len - 1)),
    };
    (from <= to && from < len).then_some((from, to))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert_eq!(byte_range("bytes=0-9", 100), Some((0, 9)));
        assert_eq!(byte_range("bytes=90-", 100), Some((90, 99)));
        assert_eq!(byte_range("bytes=-10", 100), Some((90, 99)));
        assert_eq!(byte_range("bytes=-1000", 100), Some((0, 99)));
        assert_eq!(byte_range("bytes=100-", 100), None);
        assert_eq!(byte_range("items=1-2", 100), None);
    }
}

/// GraphQL `File` (the official client's `FileFragment` fields).
#[derive(async_graphql::SimpleObject)]
#[graphql(name = "File", complex)]
pub struct FileNode {
    pub id: String,
    pub name: String,
    #[graphql(skip)]
    pub url: Option<String>,
    pub direct_url: String,
    pub size_bytes: i64,
    pub mimetype: Option<String>,
    pub updated_at: Option<String>,
    pub md5: Option<String>,
}

#[async_graphql::ComplexObject]
impl FileNode {
    /// The file's address on the API (a redirect to `directUrl`); `upload: true` would ask for
    /// an upload URL, which the emulator does not offer.
    async fn url(&self, upload: Option<bool>) -> Option<String> {
        if upload == Some(true) {
            return None;
        }
        self.url.clone()
    }
}

#[derive(async_graphql::SimpleObject)]
pub struct FileEdge {
    pub node: FileNode,
    pub cursor: String,
}

#[derive(async_graphql::SimpleObject)]
#[graphql(name = "FilePageInfo")]
pub struct FilePageInfo {
    pub end_cursor: Option<String>,
    pub has_next_page: bool,
}

#[derive(async_graphql::SimpleObject)]
pub struct FileConnection {
    pub edges: Vec<FileEdge>,
    pub page_info: FilePageInfo,
}

/// MySQL `LIKE`: `%` any run of characters, `_` one character.
fn like(pattern: &str, name: &str) -> bool {
    let mut regex = String::from("^");
    for c in pattern.chars() {
        match c {
            '%' => regex.push_str(".*"),
            '_' => regex.push('.'),
            c => regex.push_str(&regex::escape(&c.to_string())),
        }
    }
    regex.push('$');
    regex::Regex::new(&regex).is_ok_and(|r| r.is_match(name))
}

/// `Run.files(names:, pattern:, first:, after:)`. A name that does not exist gets an "open
/// handle" without `updatedAt`, as the real server answers.
#[allow(clippy::too_many_arguments)] // the GraphQL field's arguments, one to one
pub fn run_files(
    files: &FileStore,
    entity: &str,
    project: &str,
    run: &Run,
    names: &[String],
    pattern: Option<&str>,
    first: usize,
    after: Option<&str>,
) -> FileConnection {
    let node = |file: &RunFile| FileNode {
        id: format!("{}:{}", run.id, file.name),
        name: file.name.clone(),
        url: Some(format!(
            "{}/files/{entity}/{project}/{}/{}",
            files.api_origin, run.id, file.name
        )),
        direct_url: files.direct_url(entity, project, &run.id, file),
        size_bytes: run.file_bytes(file).len() as i64,
        mimetype: Some("text/plain".into()),
        updated_at: Some(file.updated_at.clone()),
        md5: None,
    };
    let mut nodes: Vec<FileNode> = if names.is_empty() {
        run.files
            .iter()
            .filter(|f| pattern.is_none_or(|p| like(p, &f.name)))
            .map(node)
            .collect()
    } else {
        names
            .iter()
            .map(|name| match run.files.iter().find(|f| &f.name == name) {
                Some(file) => node(file),
                None => FileNode {
                    id: format!("{}:{name}", run.id),
                    name: name.clone(),
                    url: None,
                    direct_url: format!("{}/{entity}/{project}/{}/{name}", files.origin, run.id),
                    size_bytes: 0,
                    mimetype: None,
                    updated_at: None,
                    md5: None,
                },
            })
            .collect()
    };
    let start = after
        .and_then(|a| a.parse::<usize>().ok())
        .map_or(0, |i| i + 1);
    let total = nodes.len();
    let page: Vec<FileNode> = nodes.drain(start.min(total)..).take(first).collect();
    let edges: Vec<FileEdge> = page
        .into_iter()
        .enumerate()
        .map(|(i, node)| FileEdge {
            node,
            cursor: (start + i).to_string(),
        })
        .collect();
    FileConnection {
        page_info: FilePageInfo {
            end_cursor: edges.last().map(|e| e.cursor.clone()),
            has_next_page: start + edges.len() < total,
        },
        edges,
    }
}
