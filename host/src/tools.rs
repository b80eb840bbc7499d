//! The operations as tools: a name, a description and an input schema for each export, all
//! derived — the description from the export's WIT docs (copied into the build by
//! `build.rs`), the schema from the operation's declaration in `wandb-agent-commands`.

use serde_json::Value;
use wandb_agent_commands::Operation;

include!(concat!(env!("OUT_DIR"), "/export_docs.rs"));

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
            description: description(export),
            input_schema: match serde_json::to_value(Operation::input_schema(export)) {
                Ok(Value::Object(schema)) => schema,
                _ => serde_json::Map::new(),
            },
        })
        .collect()
}

pub fn tool_name(export: &str) -> String {
    export.replace('-', "_")
}

/// The export's WIT docs as one text: wrapped lines joined, paragraphs kept, and other
/// exports named as the tools they are.
fn description(export: &str) -> String {
    let docs = EXPORT_DOCS
        .iter()
        .find(|(name, _)| *name == export)
        .map_or("", |(_, docs)| docs);
    let mut text = docs
        .split("\n\n")
        .map(|paragraph| paragraph.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join("\n\n");
    for other in Operation::EXPORTS {
        text = text.replace(&format!("`{other}`"), &format!("`{}`", tool_name(other)));
    }
    text
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
                "{} has no WIT docs",
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

    /// Every declaration names exactly the parameters of its export in the embedded component,
    /// requires every one that has no empty value, and never an `option<..>`.
    #[test]
    fn declarations_match_the_component_exports() {
        use wasmtime::component::{types::ComponentItem, Type};
        let engine = wasmtime::Engine::default();
        let component =
            wasmtime::component::Component::new(&engine, crate::component::EMBEDDED).unwrap();
        let ty = component.component_type();
        for tool in catalog() {
            let export = ty.get_export(&engine, tool.export).map(|e| e.ty);
            let Some(ComponentItem::ComponentFunc(func)) = export else {
                panic!("the component does not export `{}`", tool.export);
            };
            let params: Vec<(String, Type)> = func
                .params()
                .map(|(name, ty)| (name.replace('-', "_"), ty))
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
