//! A run's console tail (docs/wandb-wire.md, "Console log"): `logLines(last:)` in one
//! request; when the server has no streamed lines, the tail of the newest `output.log` run
//! file, read with an HTTP Range request from its pre-signed URL (another origin, no
//! credentials; a URL that expired is asked for again once; a redirect is not followed).

use serde_json::{json, Value};

use crate::error::{AgentError, Result};
use crate::model::paths::{origin_of, RunPath};
use crate::model::{Line, LinesFrom, RunState, Tail};
use crate::source::wandb::{documents, graphql, Client};

/// Bytes of a log file's end read by the fallback (about a thousand lines).
pub const FILE_TAIL_BYTES: u64 = 96 * 1024;

impl RunState {
    pub fn of(node: &Value) -> RunState {
        let text = |k: &str| node.get(k).and_then(Value::as_str).map(str::to_string);
        RunState {
            state: text("state").unwrap_or_default(),
            exitcode: node.get("exitcode").and_then(Value::as_i64),
            heartbeat_at: text("heartbeatAt"),
            created_at: text("createdAt"),
            history_lines: node.get("historyLineCount").and_then(Value::as_u64),
        }
    }
}

/// The last `last` lines of the console (fewer from a file: what its last bytes hold).
pub fn tail(client: &Client, run: &RunPath, last: u32) -> Result<Tail> {
    let vars = json!({"entity": run.entity, "project": run.project, "runName": run.run_id});
    let mut tail_vars = vars.clone();
    tail_vars["last"] = json!(last);
    let mut requests = 1;
    let (node, streamed) = match client.query(documents::CONSOLE_TAIL, tail_vars) {
        Ok(data) => {
            let node = graphql::run_node(&data, run)?.clone();
            let lines = streamed_lines(&node);
            (node, lines)
        }
        // Servers before `logLines` reject the whole document: ask for the rest alone.
        Err(AgentError::Server(m)) if m.contains("logLines") => {
            requests += 1;
            let data = client.query(documents::RUN_STATE, vars)?;
            (graphql::run_node(&data, run)?.clone(), None)
        }
        Err(e) => return Err(e),
    };
    let run_state = RunState::of(&node);
    if let Some(lines) = streamed.filter(|l| !l.is_empty()) {
        let total = node.get("logLineCount").and_then(Value::as_u64);
        return Ok(Tail {
            lines,
            source: LinesFrom::Stream { total },
            run: run_state,
            requests,
        });
    }
    let (lines, source) = file_tail(client, run, &mut requests)?;
    Ok(Tail {
        lines,
        source,
        run: run_state,
        requests,
    })
}

/// `logLines` edges as lines; `None` when the field is null (no streamed console).
pub fn streamed_lines(node: &Value) -> Option<Vec<Line>> {
    let edges = node.get("logLines")?.get("edges")?.as_array()?;
    Some(
        edges
            .iter()
            .filter_map(|e| e.get("node"))
            .map(|n| Line {
                number: n.get("number").and_then(Value::as_u64),
                stderr: n.get("level").and_then(Value::as_str) == Some("error"),
                text: n
                    .get("line")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
            })
            .collect(),
    )
}

/// The newest console file: multipart `logs/output_*.log` parts sort by time in their names;
/// otherwise `output.log` (or a labelled `output_<label>.log`). Files without `updatedAt`
/// are the server's "open handles" for files that do not exist.
fn newest_log_file(files: &[Value]) -> Option<&Value> {
    let name = |f: &Value| {
        f.get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let exists = |f: &&Value| f.get("updatedAt").is_some_and(|u| !u.is_null());
    let parts = files
        .iter()
        .filter(exists)
        .filter(|f| name(f).starts_with("logs/output"))
        .max_by_key(|f| name(f));
    parts.or_else(|| {
        files
            .iter()
            .filter(exists)
            .filter(|f| {
                let n = name(f);
                n == "output.log" || (n.starts_with("output_") && n.ends_with(".log"))
            })
            .max_by_key(|f| {
                f.get("updatedAt")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string()
            })
    })
}

/// The newest log file among a run node's `files` (as a crash context carries them): its
/// name and the origin its `directUrl` is on.
pub fn log_file_in(node: &Value, client: &Client) -> Option<(String, String)> {
    let files: Vec<Value> = node
        .pointer("/files/edges")?
        .as_array()?
        .iter()
        .filter_map(|e| e.get("node").cloned())
        .collect();
    let file = newest_log_file(&files)?;
    let url = absolute_url(file.get("directUrl")?.as_str()?, client).ok()?;
    let name = file.get("name")?.as_str()?.to_string();
    Some((name, origin_of(&url).to_string()))
}

/// The log file's node (name, `directUrl`, size), from a fresh `RunFiles` request.
fn find_log_file(client: &Client, run: &RunPath) -> Result<Option<Value>> {
    let data = client.query(
        documents::RUN_FILES,
        json!({"entity": run.entity, "project": run.project, "name": run.run_id,
               "fileLimit": 50, "pattern": "%output%.log"}),
    )?;
    let node = graphql::run_node(&data, run)?;
    let files: Vec<Value> = node
        .pointer("/files/edges")
        .and_then(Value::as_array)
        .map(|edges| {
            edges
                .iter()
                .filter_map(|e| e.get("node").cloned())
                .collect()
        })
        .unwrap_or_default();
    Ok(newest_log_file(&files).cloned())
}

/// A log file the host does not let the component read: which, and on what origin, so the
/// reader can be told what to allow.
#[derive(Debug, Clone, PartialEq)]
pub struct Unreachable {
    pub name: String,
    pub origin: String,
}

/// The end of the newest log file (`requests` counts the round trips made); a file on an
/// origin the host refuses is a `denied` error naming it.
pub fn file_tail(
    client: &Client,
    run: &RunPath,
    requests: &mut u32,
) -> Result<(Vec<Line>, LinesFrom)> {
    file_tail_or_unreachable(client, run, requests)?
        .map_err(|u| AgentError::Denied(crate::hints::denied(&u.origin)))
}

/// [`file_tail`], with a log file on a refused origin named instead of failing the call.
pub fn file_tail_or_unreachable(
    client: &Client,
    run: &RunPath,
    requests: &mut u32,
) -> Result<std::result::Result<(Vec<Line>, LinesFrom), Unreachable>> {
    *requests += 1;
    let Some(mut file) = find_log_file(client, run)? else {
        return Ok(Ok((Vec::new(), LinesFrom::Nothing)));
    };
    let name = file
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or("output.log")
        .to_string();
    let size = file.get("sizeBytes").and_then(Value::as_u64).unwrap_or(0);
    let start = size.saturating_sub(FILE_TAIL_BYTES);
    let range = format!("bytes={start}-");
    let mut refreshed = false;
    let reply = loop {
        let url = absolute_url(
            file.get("directUrl")
                .and_then(Value::as_str)
                .unwrap_or_default(),
            client,
        )?;
        *requests += 1;
        let reply = match client.transport.get_file(&url, Some(&range)) {
            Err(AgentError::Denied(_)) => {
                return Ok(Err(Unreachable {
                    name,
                    origin: origin_of(&url).to_string(),
                }))
            }
            reply => reply?,
        };
        match reply.status {
            // A pre-signed URL that expired: ask for a fresh one, once.
            401 | 403 if !refreshed => {
                refreshed = true;
                *requests += 1;
                match find_log_file(client, run)? {
                    Some(fresh) => file = fresh,
                    None => return Ok(Ok((Vec::new(), LinesFrom::Nothing))),
                }
            }
            _ => break reply,
        }
    };
    let body = match reply.status {
        206 => reply.body,
        // The whole file: cut locally.
        200 => {
            let skip = reply.body.len().saturating_sub(FILE_TAIL_BYTES as usize);
            reply.body[skip..].to_vec()
        }
        300..=399 => {
            return Err(AgentError::Server(format!(
            "the storage server redirected the log file {name} to {}; redirects are not followed",
            reply
                .location
                .as_deref()
                .map_or("another address", origin_of)
        )))
        }
        status => {
            return Err(AgentError::Server(format!(
                "the storage server answered HTTP {status} for the log file {name}: {}",
                graphql::excerpt(&reply.body)
            )))
        }
    };
    let read = body.len() as u64;
    let text = String::from_utf8_lossy(&body);
    let mut lines: Vec<Line> = text
        .split('\n')
        .map(|l| Line {
            number: None,
            stderr: false,
            text: l.trim_end_matches('\r').to_string(),
        })
        .collect();
    // A read that starts mid-file starts mid-line; the file ends with a newline.
    if start > 0 && read < size && !lines.is_empty() {
        lines.remove(0);
    }
    if lines.last().is_some_and(|l| l.text.is_empty()) {
        lines.pop();
    }
    Ok(Ok((lines, LinesFrom::File { name, read, size })))
}

/// A `directUrl` as given, or prefixed with the base URL when the server sent a path.
fn absolute_url(url: &str, client: &Client) -> Result<String> {
    if url.starts_with("http://") || url.starts_with("https://") {
        Ok(url.to_string())
    } else if url.starts_with('/') {
        Ok(format!("{}{url}", client.base_url))
    } else {
        Err(AgentError::Server(format!(
            "{} sent a log file without a usable URL",
            client.server
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_newest_log_file_wins() {
        let files = vec![
            json!({"name": "output.log", "updatedAt": "2026-11-01T10:00:00"}),
            json!({"name": "logs/output_20261101_090000_000000001.log", "updatedAt": "2026-11-01T09:00:00"}),
            json!({"name": "logs/output_20261101_100000_000000001.log", "updatedAt": "2026-11-01T10:00:00"}),
            json!({"name": "output_missing.log", "updatedAt": null}),
        ];
        assert_eq!(
            newest_log_file(&files).unwrap()["name"],
            "logs/output_20261101_100000_000000001.log"
        );
        assert_eq!(newest_log_file(&files[..1]).unwrap()["name"], "output.log");
        assert!(newest_log_file(&files[3..]).is_none());
    }
}
