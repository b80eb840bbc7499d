//! The operations as tools: a name, a description and an input schema for each export, all
//! from the operation's declaration in `wandb-agent-commands` — the description is the short
//! one declared there (the WIT's docs stay the full reference for plugin hosts), the schema
//! its arguments', compacted: an MCP client pays for the listing in every session.

use serde_json::Value;
use wandb_agent_commands::Operation;

/// One operation as an agent runtime sees it.
#[derive(Debug, Clone)]
pub struct ToolSpec {
    /// `wandb_list_runs` for the export `wandb-list-runs` (MCP clients expect identifiers).
    pub name: String,
    pub export: &'static str,
    pub description: String,
    /// A JSON Schema object for the arguments.
    pub input_schema: serde_json::Map<String, Value>,
}

/// Every declared operation, in declaration order.
pub fn catalog() -> Vec<ToolSpec> {
    Operation::EXPORTS
        .iter()
        .map(|&export| ToolSpec {
            name: tool_name(export),
            export,
            description: Operation::tool_description(export)
                .unwrap_or_default()
                .to_string(),
            input_schema: match serde_json::to_value(Operation::input_schema(export)) {
                Ok(Value::Object(schema)) => {
                    let mut schema = compact(schema);
                    if export != LIST_RUNS {
                        undescribe_filters(&mut schema);
                    }
                    schema
                }
                _ => serde_json::Map::new(),
            },
        })
        .collect()
}

/// The tool whose schema describes the run filters; the others' descriptions point to it.
const LIST_RUNS: &str = "wandb-list-runs";

/// The run filters' properties without their descriptions: they mean what they mean for
/// `wandb_list_runs`, and the tool's description says so ("Filters as in wandb_list_runs").
fn undescribe_filters(schema: &mut serde_json::Map<String, Value>) {
    let filter = schemars::schema_for!(wandb_agent_commands::RunFilter);
    let names: Vec<&String> = filter
        .get("properties")
        .and_then(Value::as_object)
        .map(|p| p.keys().collect())
        .unwrap_or_default();
    if let Some(Value::Object(properties)) = schema.get_mut("properties") {
        for name in names {
            if let Some(Value::Object(property)) = properties.get_mut(name) {
                property.remove("description");
            }
        }
    }
}

pub fn tool_name(export: &str) -> String {
    export.replace('-', "_")
}

/// The schema without what tells a client nothing it needs: the root's `$schema`, title and
/// description (the tool has its own), and each property's integer `format`, `minimum` and
/// empty `default`.
/// An optional property's `["integer", "null"]` becomes `"integer"`: leaving it out is how a
/// client says "none", and the call still accepts `null`.
fn compact(mut schema: serde_json::Map<String, Value>) -> serde_json::Map<String, Value> {
    for key in ["$schema", "title", "description"] {
        schema.remove(key);
    }
    let definitions = match schema.get("$defs") {
        Some(Value::Object(defs)) => defs.clone(),
        _ => serde_json::Map::new(),
    };
    if let Some(Value::Object(properties)) = schema.get_mut("properties") {
        for property in properties.values_mut() {
            let Value::Object(property) = property else {
                continue;
            };
            property.remove("format");
            property.remove("minimum");
            // `false`, `[]`: what leaving the argument out means anyway.
            property.remove("default");
            if let Some(Value::Array(types)) = property.get("type") {
                let not_null: Vec<&Value> = types.iter().filter(|t| *t != "null").collect();
                if let [only] = not_null[..] {
                    let only = only.clone();
                    property.insert("type".into(), only);
                }
            }
            // An optional enum (`mode`) is `anyOf` a reference and null: the enum, inlined.
            let choice = match property.get("anyOf") {
                Some(Value::Array(choices)) => {
                    let not_null: Vec<&Value> = choices
                        .iter()
                        .filter(|c| c.get("type").is_none_or(|t| t != "null"))
                        .collect();
                    match not_null[..] {
                        [only] => Some(only.clone()),
                        _ => None,
                    }
                }
                _ => None,
            };
            if let Some(choice) = choice {
                let target = choice
                    .get("$ref")
                    .and_then(Value::as_str)
                    .and_then(|r| r.strip_prefix("#/$defs/"))
                    .and_then(|name| definitions.get(name))
                    .unwrap_or(&choice);
                if let Value::Object(fields) = target {
                    property.remove("anyOf");
                    for (k, v) in fields {
                        property.entry(k.clone()).or_insert_with(|| v.clone());
                    }
                }
            }
        }
    }
    if !Value::Object(schema.clone())
        .to_string()
        .contains("\"$ref\"")
    {
        schema.remove("$defs");
    }
    schema
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_is_a_documented_tool() {
        let tools = catalog();
        assert_eq!(tools.len(), Operation::EXPORTS.len());
        for tool in &tools {
            assert!(
                tool.description.len() > 80,
                "{} has no description",
                tool.export
            );
            for export in Operation::EXPORTS {
                assert!(
                    !tool.description.contains(&format!("`{export}`")),
                    "{}",
                    tool.name
                );
            }
            assert_eq!(tool.input_schema["type"], "object", "{}", tool.name);
        }
        let history = tools.iter().find(|t| t.name == "wandb_history").unwrap();
        assert_eq!(
            history.input_schema["required"],
            serde_json::json!(["run", "keys"])
        );
        // The command line's `--stats` is not an argument of the export.
        assert!(history.input_schema["properties"].get("stats").is_none());
        assert!(history.input_schema["properties"].get("min_step").is_some());
    }

    /// Every declaration names exactly the parameters of its export in the embedded component
    /// (a record's fields in its place), requires every one that has no empty value, and never
    /// an `option<..>`.
    #[test]
    fn declarations_match_the_component_exports() {
        use wasmtime::component::{types::ComponentItem, Type};
        let engine = wasmtime::Engine::default();
        let component =
            wasmtime::component::Component::new(&engine, crate::sandbox::component::EMBEDDED)
                .unwrap();
        let ty = component.component_type();
        for tool in catalog() {
            let export = ty.get_export(&engine, tool.export).map(|e| e.ty);
            let Some(ComponentItem::ComponentFunc(func)) = export else {
                panic!("the component does not export `{}`", tool.export);
            };
            // A record's fields are arguments of their own (see `sandbox::call`).
            let params: Vec<(String, Type)> = func
                .params()
                .flat_map(|(name, ty)| match ty {
                    Type::Record(record) => record
                        .fields()
                        .map(|f| (f.name.replace('-', "_"), f.ty))
                        .collect(),
                    ty => vec![(name.replace('-', "_"), ty)],
                })
                .collect();
            let properties: Vec<&String> = tool.input_schema["properties"]
                .as_object()
                .unwrap()
                .keys()
                .collect();
            let mut names: Vec<&String> = params.iter().map(|(n, _)| n).collect();
            let mut declared = properties.clone();
            names.sort();
            declared.sort();
            assert_eq!(
                declared, names,
                "{}: declaration vs WIT parameters",
                tool.export
            );
            let required: Vec<&str> = tool.input_schema["required"]
                .as_array()
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            for (name, ty) in &params {
                let is_required = required.contains(&name.as_str());
                match ty {
                    // An option may be left out; it must not be demanded.
                    Type::Option(_) => assert!(!is_required, "{}: {name}", tool.export),
                    // A bool or a list has a natural empty value: either way.
                    Type::Bool | Type::List(_) => {}
                    _ => assert!(is_required, "{}: {name} must be required", tool.export),
                }
            }
        }
    }
}
