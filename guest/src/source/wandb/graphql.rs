//! The GraphQL envelope: the request body, the transport that carries it, and what a reply's
//! status, `errors` and `data` mean (the documents themselves are in `documents`).

use serde_json::{json, Value};

use crate::error::{AgentError, Result};
use crate::model::paths::RunPath;
use crate::source::wandb::lenient_json;

/// The JSON body of a GraphQL POST.
pub fn request_body(query: &str, variables: Value) -> String {
    json!({ "query": query, "variables": variables }).to_string()
}

/// An HTTP reply: status, body, and the server's `Retry-After`, if it sent one.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Reply {
    pub status: u16,
    pub body: Vec<u8>,
    pub retry_after: Option<std::time::Duration>,
    /// `Location`, on a redirect (never followed: see `get_file`).
    pub location: Option<String>,
}

/// A transport that counts its round trips (outputs that report them use it).
pub struct Counting<'a> {
    inner: &'a dyn Transport,
    count: std::cell::Cell<u32>,
}

impl<'a> Counting<'a> {
    pub fn new(inner: &'a dyn Transport) -> Counting<'a> {
        Counting {
            inner,
            count: std::cell::Cell::new(0),
        }
    }

    pub fn count(&self) -> u32 {
        self.count.get()
    }
}

impl Transport for Counting<'_> {
    fn post_graphql(&self, body: &str) -> Result<Reply> {
        self.count.set(self.count.get() + 1);
        self.inner.post_graphql(body)
    }

    fn get_file(&self, url: &str, range: Option<&str>) -> Result<Reply> {
        self.count.set(self.count.get() + 1);
        self.inner.get_file(url, range)
    }
}

/// Something that can POST a GraphQL body and hand back the reply, and GET a run file.
/// The component uses wasi:http (with retries around it); unit tests use canned replies.
pub trait Transport {
    fn post_graphql(&self, body: &str) -> Result<Reply>;

    /// GETs `url` — a run file's pre-signed storage URL, on another origin than the API —
    /// with an optional `Range` header and **no credentials**, never following a redirect.
    fn get_file(&self, url: &str, range: Option<&str>) -> Result<Reply> {
        let _ = range;
        Err(AgentError::Network(format!(
            "this transport cannot fetch files ({url})"
        )))
    }
}

/// Why a reply failed, in a few words: its GraphQL error messages, else an excerpt of it.
pub fn reason(bytes: &[u8]) -> String {
    std::str::from_utf8(bytes)
        .ok()
        .and_then(|t| lenient_json::parse(t).ok())
        .as_ref()
        .and_then(first_error_message)
        .unwrap_or_else(|| excerpt(bytes))
}

/// The first GraphQL error message in a body, if any.
fn first_error_message(body: &Value) -> Option<String> {
    let errors = body.get("errors")?.as_array()?;
    let messages: Vec<&str> = errors
        .iter()
        .filter_map(|e| e.get("message").and_then(Value::as_str))
        .collect();
    if messages.is_empty() {
        None
    } else {
        Some(messages.join("; "))
    }
}

/// A short, printable excerpt of an unexpected body.
pub fn excerpt(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() > 120 {
        format!("{}…", flat.chars().take(120).collect::<String>())
    } else if flat.is_empty() {
        "empty body".into()
    } else {
        flat
    }
}

/// Turns an HTTP reply into the GraphQL `data` object, or a typed error.
pub fn parse_response(status: u16, bytes: &[u8], server: &str) -> Result<Value> {
    match status {
        200 => {}
        401 | 403 => {
            return Err(AgentError::Unauthorized(format!(
                "{server} rejected the credentials (HTTP {status}: {}); {}",
                reason(bytes),
                crate::hints::credentials()
            )))
        }
        _ => {
            return Err(AgentError::Server(format!(
                "HTTP {status} from {server}: {}",
                reason(bytes)
            )))
        }
    }
    let parsed = std::str::from_utf8(bytes)
        .ok()
        .and_then(|t| lenient_json::parse(t).ok());
    let Some(mut body) = parsed else {
        return Err(AgentError::Server(format!(
            "{server} sent a reply that is not JSON: {}",
            excerpt(bytes)
        )));
    };
    if let Some(message) = first_error_message(&body) {
        return Err(AgentError::Server(format!(
            "{server} answered with an error: {message}"
        )));
    }
    // Taken, not cloned: a page of runs with their curves is tens of MB as values.
    match body.get_mut("data").map(Value::take) {
        Some(data) if data.is_object() => Ok(data),
        _ => Err(AgentError::Server(format!(
            "{server} sent a GraphQL reply without data: {}",
            excerpt(bytes)
        ))),
    }
}

/// The `project.run` object of a reply, or the not-found error the user should see.
pub fn run_node<'a>(data: &'a Value, run: &RunPath) -> Result<&'a Value> {
    let project = data
        .get("project")
        .filter(|p| !p.is_null())
        .ok_or_else(|| {
            AgentError::NotFound(format!(
                "Project {} not found (or not visible with these credentials)",
                run.project_path()
            ))
        })?;
    project.get("run").filter(|r| !r.is_null()).ok_or_else(|| {
        AgentError::NotFound(format!(
            "Run {} not found in {}; {}",
            run.run_id,
            run.project_path(),
            crate::hints::list_runs(&run.project_path().to_string(), false)
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ok_reply_gives_data() {
        let data = parse_response(200, br#"{"data":{"project":null}}"#, "srv").unwrap();
        assert_eq!(data, json!({"project": null}));
    }

    #[test]
    fn unauthorized_reply_names_the_reason() {
        let err = parse_response(
            401,
            br#"{"errors":[{"message":"user is not logged in"}]}"#,
            "srv",
        )
        .unwrap_err();
        match err {
            AgentError::Unauthorized(m) => {
                assert!(m.contains("HTTP 401: user is not logged in"), "{m}")
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn graphql_errors_fail_even_with_data() {
        let err = parse_response(
            200,
            br#"{"data":{"project":{}},"errors":[{"message":"boom"}]}"#,
            "srv",
        )
        .unwrap_err();
        assert_eq!(
            err,
            AgentError::Server("srv answered with an error: boom".into())
        );
    }

    #[test]
    fn malformed_replies_are_server_errors() {
        for body in [
            &b"<html>oops</html>"[..],
            b"",
            b"{\"data\": 3}",
            b"{\"data\":{\"a\":",
            b"\xff\xfe",
        ] {
            assert!(
                matches!(parse_response(200, body, "srv"), Err(AgentError::Server(_))),
                "{body:?}"
            );
        }
        let err = parse_response(500, b"internal", "srv").unwrap_err();
        assert_eq!(
            err,
            AgentError::Server("HTTP 500 from srv: internal".into())
        );
    }
    #[test]
    fn not_found_messages() {
        let run = crate::model::paths::parse_run_path("e/p/abc").unwrap();
        let err = run_node(&json!({"project": null}), &run).unwrap_err();
        assert_eq!(
            err.message(),
            "Project e/p not found (or not visible with these credentials)"
        );
        let err = run_node(&json!({"project": {"run": null}}), &run).unwrap_err();
        assert_eq!(
            err.message(),
            "Run abc not found in e/p; list runs with wandb-list-runs (project \"e/p\")"
        );
    }
}
