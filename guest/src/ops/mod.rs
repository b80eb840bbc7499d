//! The operations, one thin module per export: each turns one operation's arguments (declared
//! once in `wandb-agent-commands`, mirroring the WIT export) into compact text, asking a
//! [`Source`] for runs and leaving the work to `analysis` and `text`. No operation imports
//! another. The component's exports and its command build both come in through [`run`].

pub mod best;
pub mod compare;
pub mod diagnose;
pub mod history;
pub mod history_png;
pub mod list_runs;
pub mod logs;
pub mod params;
pub mod summary;
pub mod system;
pub mod triage;
pub mod watch;

use wandb_agent_commands::{Handle, Operation};

use crate::error::Result;
use crate::source::disk::{source::is_local, Disk};
use crate::source::wandb::reader::with_source;
use crate::source::wandb::Client;
use crate::source::Source;
use crate::text::safe;
use crate::text::tokens;

/// What an operation works with: where runs come from, and the caller's settings.
#[derive(Clone, Copy)]
pub struct Context<'a> {
    pub source: &'a dyn Source,
    /// The entity a bare `PROJECT` path belongs to (`WANDB_ENTITY`).
    pub default_entity: Option<&'a str>,
    /// The most o200k tokens an output may have; `None` = no limit (see
    /// `wandb_agent_commands::ceiling`).
    pub max_output_tokens: Option<u32>,
    /// The call's time limit in seconds, when the host says: how long `watch` may wait.
    pub time_limit_s: Option<u64>,
}

impl Context<'_> {
    /// A budget as the output ceiling allows it (`0` = as much as it allows).
    pub fn budget(&self, asked: u32) -> u32 {
        wandb_agent_commands::ceiling::budget(asked, self.max_output_tokens)
    }
}

/// One operation's work: implemented by its module for its arguments struct.
pub trait Run {
    fn run(self, cx: &Context) -> Result<String>;
}

/// Runs any operation against the source its paths name, with `client`'s settings.
pub fn run(operation: Operation, client: &Client) -> Result<String> {
    let paths = operation.paths();
    with_context(client, &paths, |cx| run_in(operation, cx))
}

/// Runs `f` in a context with `client`'s settings and the source `paths` name: the
/// directories the host granted when they are runs on disk (`local/<i>/...`), else W&B
/// through `client`.
pub fn with_context<T>(client: &Client, paths: &[String], f: impl FnOnce(&Context) -> T) -> T {
    fn context<'a>(client: &'a Client, source: &'a dyn Source) -> Context<'a> {
        Context {
            source,
            default_entity: client.default_entity,
            max_output_tokens: client.max_output_tokens,
            time_limit_s: client.time_limit_s,
        }
    }
    if paths.iter().any(|p| is_local(p)) {
        f(&context(client, &Disk::default()))
    } else {
        with_source(client, |source| f(&context(client, source)))
    }
}

/// Runs any operation in `cx`. Its text and its errors pass through `text::safe` here, the
/// one place where control characters from a server or a run are escaped for every operation.
pub fn run_in(operation: Operation, cx: &Context) -> Result<String> {
    let format = match operation {
        Operation::Summary(_) => safe::Format::Json,
        _ => safe::Format::Text,
    };
    operation
        .handle(Runner(cx))
        .map(|text| match format {
            // One JSON line stays one JSON line.
            safe::Format::Json => text,
            safe::Format::Text => with_notes(text, &cx.source.notes()),
        })
        .map(|text| safe::output(text, format))
        .map_err(|e| e.map_text(safe::message))
}

/// `text` with the source's notes as its last `#` lines (before `watch`'s cursor line, which
/// stays last).
fn with_notes(text: String, notes: &[String]) -> String {
    if notes.is_empty() {
        return text;
    }
    let body = text.trim_end_matches('\n');
    let (body, cursor) = match body.rsplit_once('\n') {
        Some((before, last)) if last.starts_with("# next: ") => (before, Some(last)),
        _ => (body, None),
    };
    let mut lines: Vec<&str> = vec![body];
    lines.extend(notes.iter().map(String::as_str));
    lines.extend(cursor);
    lines.join("\n")
}

/// Hands every operation's arguments to its [`Run`] implementation.
struct Runner<'a, 'c>(&'a Context<'c>);

impl<A: Run> Handle<A> for Runner<'_, '_> {
    type Output = Result<String>;
    fn handle(self, args: A) -> Result<String> {
        // Operations with a budget keep it under the ceiling themselves, counted the same
        // way, so this cuts only what has no budget (a long listing, many keys' statistics).
        let text = args.run(self.0)?;
        Ok(tokens::within_ceiling(text, self.0.max_output_tokens))
    }
}

#[cfg(test)]
mod tests {
    use super::with_notes;

    #[test]
    fn notes_go_last_but_before_a_cursor() {
        let notes = vec!["# cut".to_string()];
        assert_eq!(with_notes("a\n# x\n".into(), &notes), "a\n# x\n# cut");
        assert_eq!(
            with_notes("a\n# next: --cursor c\n".into(), &notes),
            "a\n# cut\n# next: --cursor c"
        );
        assert_eq!(with_notes("a\n".into(), &[]), "a\n");
    }
}
