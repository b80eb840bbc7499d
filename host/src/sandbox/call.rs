//! An export called by name through wasmtime's dynamic component API: the operation's JSON
//! arguments become the export's parameters, typed by the component's own signature, and its
//! `result<string, error>` comes back as text or a [`GuestError`]. No per-operation code: the
//! declarations in `wandb-agent-commands` name their fields as the WIT names its parameters,
//! a record parameter's fields (a run filter, a step window) as arguments of their own.

use serde_json::Value;
use wandb_agent_commands::ErrorKind;
use wasmtime::component::{Type, Val};

/// Why the guest said an operation failed: the WIT's `error` variant.
#[derive(Debug, Clone, PartialEq)]
pub struct GuestError {
    pub kind: ErrorKind,
    /// One line that reads well on its own.
    pub message: String,
}

/// The export's parameters from JSON `arguments` named in snake case (`min_step` is the
/// parameter `min-step`); a record parameter gathers its fields from arguments named as they
/// are (`include_crashed`, `where`). An argument the export does not take, or of the wrong
/// type, is an error: the declaration and the component disagree.
pub fn parameters<'a>(
    export: &str,
    params: impl Iterator<Item = (&'a str, Type)>,
    arguments: &Value,
) -> Result<Vec<Val>, String> {
    let empty = serde_json::Map::new();
    let given = match arguments {
        Value::Object(map) => map,
        Value::Null => &empty,
        other => {
            return Err(format!(
                "arguments of `{export}` are not an object: {other}"
            ))
        }
    };
    let params: Vec<(&str, Type)> = params.collect();
    let unknown: Vec<&str> = given
        .keys()
        .map(String::as_str)
        .filter(|key| {
            !params.iter().any(|(name, ty)| match ty {
                Type::Record(record) => record.fields().any(|f| snake(f.name) == *key),
                _ => snake(name) == *key,
            })
        })
        .collect();
    if !unknown.is_empty() {
        return Err(format!(
            "`{export}` of this component takes no argument {}",
            unknown.join(", ")
        ));
    }
    let argument = |name: &str, ty: &Type| {
        let value = given.get(&snake(name)).unwrap_or(&Value::Null);
        to_val(value, ty).map_err(|why| format!("argument `{name}` of `{export}`: {why}"))
    };
    params
        .iter()
        .map(|(name, ty)| match ty {
            Type::Record(record) => Ok(Val::Record(
                record
                    .fields()
                    .map(|f| Ok((f.name.to_string(), argument(f.name, &f.ty)?)))
                    .collect::<Result<_, String>>()?,
            )),
            _ => argument(name, ty),
        })
        .collect()
}

/// A WIT name as an argument's: `min-step` is `min_step`.
fn snake(name: &str) -> String {
    name.replace('-', "_")
}

fn to_val(value: &Value, ty: &Type) -> Result<Val, String> {
    let wrong = || format!("expected {}, got {value}", describe(ty));
    Ok(match ty {
        Type::Option(inner) => match value {
            Value::Null => Val::Option(None),
            v => Val::Option(Some(Box::new(to_val(v, &inner.ty())?))),
        },
        Type::String => Val::String(value.as_str().ok_or_else(wrong)?.to_string()),
        Type::Bool => Val::Bool(value.as_bool().ok_or_else(wrong)?),
        Type::U32 => Val::U32(
            value
                .as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .ok_or_else(wrong)?,
        ),
        Type::U64 => Val::U64(value.as_u64().ok_or_else(wrong)?),
        // An omitted list argument is an empty list (MCP clients leave optional ones out).
        Type::List(_) if value.is_null() => Val::List(vec![]),
        Type::List(list) => {
            let element = list.ty();
            let items = value.as_array().ok_or_else(wrong)?;
            Val::List(
                items
                    .iter()
                    .map(|item| to_val(item, &element))
                    .collect::<Result<_, _>>()?,
            )
        }
        Type::Enum(cases) => {
            let case = value.as_str().ok_or_else(wrong)?;
            if !cases.names().any(|n| n == case) {
                return Err(wrong());
            }
            Val::Enum(case.to_string())
        }
        other => return Err(format!("parameters of type {other:?} are not supported")),
    })
}

fn describe(ty: &Type) -> String {
    match ty {
        Type::Option(inner) => format!("{} or null", describe(&inner.ty())),
        Type::String => "a string".into(),
        Type::Bool => "true or false".into(),
        Type::U32 => "a whole number below 2^32".into(),
        Type::U64 => "a whole number".into(),
        Type::List(list) => format!("a list of {}", describe(&list.ty())),
        Type::Enum(cases) => format!("one of {}", cases.names().collect::<Vec<_>>().join(", ")),
        other => format!("{other:?}"),
    }
}

/// The outcome of an export returning `result<string, error>`.
pub fn outcome(export: &str, result: Val) -> Result<Result<String, GuestError>, String> {
    let unexpected = |what: &dyn std::fmt::Debug| {
        format!("`{export}` returned {what:?}, not result<string, error>")
    };
    match result {
        Val::Result(Ok(Some(text))) => match *text {
            Val::String(text) => Ok(Ok(text)),
            other => Err(unexpected(&other)),
        },
        Val::Result(Err(Some(error))) => match *error {
            Val::Variant(case, payload) => {
                let kind = ErrorKind::of_case(&case).ok_or_else(|| unexpected(&case))?;
                let message = payload
                    .as_deref()
                    .and_then(message_of)
                    .ok_or_else(|| unexpected(&payload))?;
                Ok(Err(GuestError { kind, message }))
            }
            other => Err(unexpected(&other)),
        },
        other => Err(unexpected(&other)),
    }
}

/// The message of an error case: its string, or the `message` field of its record.
fn message_of(payload: &Val) -> Option<String> {
    match payload {
        Val::String(message) => Some(message.clone()),
        Val::Record(fields) => fields.iter().find_map(|(name, value)| match value {
            Val::String(message) if name == "message" => Some(message.clone()),
            _ => None,
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasmtime::component::types::{ComponentFunc, ComponentItem};

    /// The embedded component's exports (compiled once: it takes a while).
    fn exports(names: &[&str]) -> Vec<ComponentFunc> {
        let engine = wasmtime::Engine::default();
        let component =
            wasmtime::component::Component::new(&engine, crate::sandbox::component::EMBEDDED)
                .unwrap();
        let ty = component.component_type();
        names
            .iter()
            .map(|name| match ty.get_export(&engine, name).map(|e| e.ty) {
                Some(ComponentItem::ComponentFunc(func)) => func,
                _ => panic!("the component does not export `{name}`"),
            })
            .collect()
    }

    /// The component's `error` variant has the contract's cases, in its order, in every
    /// export's result.
    #[test]
    fn every_export_fails_with_the_contracts_cases() {
        let contract: Vec<&str> = ErrorKind::ALL.iter().map(|k| k.case()).collect();
        let names = wandb_agent_commands::Operation::EXPORTS;
        for (name, func) in names.iter().zip(exports(names)) {
            let result = func.results().next();
            let Some(Type::Result(result)) = result else {
                panic!("`{name}` does not return a result");
            };
            let Some(Type::Variant(error)) = result.err() else {
                panic!("`{name}` does not fail with a variant");
            };
            let cases: Vec<String> = error.cases().map(|c| c.name.to_string()).collect();
            assert_eq!(cases, contract, "{name}");
        }
    }

    /// Flat arguments fill a record parameter's fields; one the export does not take anywhere
    /// is refused.
    #[test]
    fn record_parameters_gather_their_fields_from_flat_arguments() {
        let [func] = &exports(&["wandb-triage"])[..] else {
            unreachable!()
        };
        let arguments =
            serde_json::json!({"project": "e/p", "where": ["config.lr<1"], "sweep": "s1"});
        let params = parameters("wandb-triage", func.params(), &arguments).unwrap();
        let [Val::String(project), Val::Option(None), Val::Record(filter)] = &params[..] else {
            panic!("{params:?}");
        };
        assert_eq!(project, "e/p");
        let field = |name: &str| {
            filter
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone())
        };
        assert_eq!(
            field("where"),
            Some(Val::List(vec![Val::String("config.lr<1".into())]))
        );
        assert_eq!(
            field("sweep"),
            Some(Val::Option(Some(Box::new(Val::String("s1".into())))))
        );
        assert_eq!(field("tag"), Some(Val::List(vec![])));
        let unknown = serde_json::json!({"project": "e/p", "filter": {}});
        let refused = parameters("wandb-triage", func.params(), &unknown).unwrap_err();
        assert_eq!(
            refused,
            "`wandb-triage` of this component takes no argument filter"
        );
    }
}
