//! The WIT exports. Their `impl Guest` is written from the WIT by `build.rs`: each export
//! passes its parameters as JSON arguments named as in the WIT (a record's fields in place of
//! the record) to [`call`], which reads them as the operation `wandb-agent-commands` declares
//! under the export's name — the same way the host reads a tool call's arguments. The errors
//! map onto the WIT's variant here.

// wit-bindgen's own glue (`_export_*_cabi`) takes an export's parameters as the canonical
// ABI flattens them, records field by field: up to 12 core values, whatever the WIT groups.
// Our `impl Guest` methods take at most 7.
#![allow(clippy::too_many_arguments)]

use serde_json::Value;
use wandb_agent_commands::Operation;

use crate::error::AgentError;

// `generate_all`: the world imports WASI interfaces; their bindings go unused (waki has its
// own), but wit-bindgen wants every imported interface accounted for.
wit_bindgen::generate!({ path: "../wit", world: "wandb-agent", generate_all });

struct Component;

/// A parameter's value as a JSON argument (enums: `build.rs` writes theirs, by case name).
trait Argument {
    fn json(self) -> Value;
}

macro_rules! plain_arguments {
    ($($t:ty),*) => {
        $(impl Argument for $t {
            fn json(self) -> Value {
                Value::from(self)
            }
        })*
    };
}

plain_arguments!(String, bool, u32, u64);

impl<T: Argument> Argument for Option<T> {
    fn json(self) -> Value {
        self.map_or(Value::Null, Argument::json)
    }
}

impl<T: Argument> Argument for Vec<T> {
    fn json(self) -> Value {
        Value::Array(self.into_iter().map(Argument::json).collect())
    }
}

/// Runs the operation declared for `export` with `arguments`. An argument its declaration
/// does not read is a mismatch between the WIT and the declaration: the host's tests check
/// every export against its declaration, so this is a bad input only in a broken build.
fn call(export: &str, arguments: Vec<(&str, Value)>) -> Result<String, Error> {
    let arguments = arguments
        .into_iter()
        .map(|(name, value)| (name.to_string(), value))
        .collect();
    let operation = Operation::from_arguments(export, Value::Object(arguments))
        .ok_or_else(|| AgentError::BadInput(format!("no operation is declared for `{export}`")))?
        .map_err(|e| AgentError::BadInput(format!("arguments of `{export}`: {e}")))?;
    Ok(crate::run_with_environment(operation)?)
}

impl From<AgentError> for Error {
    fn from(e: AgentError) -> Error {
        match e {
            AgentError::NotFound(m) => Error::NotFound(m),
            AgentError::MissingKeys {
                message,
                missing,
                available,
            } => Error::MissingKeys(MissingKeys {
                message,
                missing,
                available,
            }),
            AgentError::Unauthorized(m) => Error::Unauthorized(m),
            AgentError::Network(m) => Error::Network(m),
            AgentError::Denied(m) => Error::Denied(m),
            AgentError::BadInput(m) => Error::BadInput(m),
            AgentError::Server(m) => Error::Server(m),
        }
    }
}

include!(concat!(env!("OUT_DIR"), "/exports.rs"));

export!(Component);
