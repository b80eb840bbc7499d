//! The operations: each module turns one operation's arguments (declared once in
//! `wandb-agent-commands`, mirroring the WIT export) into compact text, through a [`Client`].
//! The component's exports and its command build both come in through [`run`].

pub mod best;
pub mod binned;
pub mod compare;
pub mod config_diff;
pub mod diagnose;
pub mod direction;
pub mod history;
pub mod list_runs;
pub mod logs;
pub mod params;
pub mod summary;
pub mod system;
pub mod triage;
pub mod watch;

use wandb_agent_commands::{Handle, Operation};

use crate::error::Result;
use crate::text::safe;
use crate::text::tokens;
use crate::wandb::Client;

/// One operation's work: implemented by its module for its arguments struct.
pub trait Run {
    fn run(self, client: &Client) -> Result<String>;
}

/// Runs any operation. Its text and its errors pass through `text::safe` here, the one place
/// where control characters from a server or a run are escaped for every operation.
pub fn run(operation: Operation, client: &Client) -> Result<String> {
    let format = match operation {
        Operation::Summary(_) => safe::Format::Json,
        _ => safe::Format::Text,
    };
    operation
        .handle(Runner(client))
        .map(|text| safe::output(text, format))
        .map_err(|e| e.map_text(safe::message))
}

/// Hands every operation's arguments to its [`Run`] implementation.
struct Runner<'a, 'c>(&'a Client<'c>);

impl<A: Run> Handle<A> for Runner<'_, '_> {
    type Output = Result<String>;
    fn handle(self, args: A) -> Result<String> {
        // Operations with a budget keep it under the ceiling themselves, counted the same
        // way, so this cuts only what has no budget (a long listing, many keys' statistics).
        let text = args.run(self.0)?;
        Ok(tokens::within_ceiling(text, self.0.max_output_tokens))
    }
}
