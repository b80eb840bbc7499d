//! `Run.logLines`: a run's console served as GraphQL pages (docs/wandb-wire.md, "Console
//! log"), generated from the run's [`Console`](crate::model::console::Console).

use crate::model::run::Run;

/// The most lines one `logLines` request returns (the legacy resolver's cap, as reported).
pub const MAX_LINES_PER_REQUEST: u64 = 10_000;

#[derive(async_graphql::SimpleObject)]
pub struct LogLine {
    pub number: i64,
    pub timestamp: String,
    pub level: String,
    pub label: String,
    pub line: String,
}

#[derive(async_graphql::SimpleObject)]
pub struct LogLineEdge {
    pub node: LogLine,
    pub cursor: String,
}

#[derive(async_graphql::SimpleObject)]
#[graphql(name = "LogLinePageInfo")]
pub struct LogLinePageInfo {
    pub end_cursor: Option<String>,
    pub has_next_page: bool,
}

#[derive(async_graphql::SimpleObject)]
pub struct LogLineConnection {
    pub edges: Vec<LogLineEdge>,
    pub page_info: LogLinePageInfo,
}

/// `logLines(last:)` (the tail, ascending) or `logLines(first:, after:)` (forward pages whose
/// cursor is the last line's number); `None` when the run wrote no console output.
pub fn log_lines(
    run: &Run,
    last: Option<i32>,
    first: Option<i32>,
    after: Option<&str>,
) -> Option<LogLineConnection> {
    let console = run.console.as_ref().filter(|_| run.console_streamed)?;
    let total = console.len();
    let clamp = |n: Option<i32>| {
        n.map_or(MAX_LINES_PER_REQUEST, |n| n.max(0) as u64)
            .min(MAX_LINES_PER_REQUEST)
    };
    let (from, to) = match last {
        Some(_) => (total.saturating_sub(clamp(last)), total),
        None => {
            let start = after
                .and_then(|a| a.parse::<u64>().ok())
                .map_or(0, |n| n + 1);
            (start.min(total), (start + clamp(first)).min(total))
        }
    };
    let per_line = run.runtime_s / total.max(1) as f64;
    let edges = (from..to)
        .filter_map(|n| {
            let (stderr, bytes) = console.line(n)?;
            let seconds = run.start_unix + n as f64 * per_line;
            let timestamp = chrono::DateTime::from_timestamp(seconds as i64, 0)
                .map(|t| t.format("%Y-%m-%dT%H:%M:%S%.6f").to_string())
                .unwrap_or_default();
            Some(LogLineEdge {
                node: LogLine {
                    number: n as i64,
                    timestamp,
                    level: if stderr {
                        "error".into()
                    } else {
                        String::new()
                    },
                    label: String::new(),
                    line: String::from_utf8_lossy(&bytes).into_owned(),
                },
                cursor: n.to_string(),
            })
        })
        .collect::<Vec<_>>();
    Some(LogLineConnection {
        page_info: LogLinePageInfo {
            end_cursor: edges.last().map(|e| e.cursor.clone()),
            has_next_page: to < total,
        },
        edges,
    })
}
