//! What of a config and a summary fits the budget: null and empty values dropped, big nested
//! maps (`id2label`) shown as a placeholder, the hyperparameters an engineer looks for first,
//! then validation-, loss- and accuracy-like metrics, then a few other metrics, then the rest
//! of the config and of the summary in order until the budget;
//! a `#` note says what was left out and how to get it.

use serde_json::{Map, Value};

use crate::analysis::direction::{direction, is_eval};
use crate::hints;
use crate::text::clean::value_at;

/// Nested maps with more entries than this become `"<map of N>"`.
pub const MAX_MAP_ENTRIES: usize = 8;
/// Summary metrics that go before the remaining config keys, at most.
const PRIORITY_METRICS: usize = 12;
/// The other summary metrics that go before the remaining config keys, at most (a summary
/// of hundreds of per-class metrics must not crowd out the config).
const EARLY_METRICS: usize = 12;
/// Left-out keys named in the note, at most.
const NAMED_LEFT_OUT: usize = 8;
/// What the `#` note and the JSON frame cost, about (its longest form).
const FRAME_TOKENS: usize = 100;

/// Well-known hyperparameter names across Hugging Face `TrainingArguments`, Lightning, Keras
/// and plain configs, in the order they are shown.
const HYPERPARAMETERS: [&str; 49] = [
    "learning_rate",
    "lr",
    "base_lr",
    "max_lr",
    "per_device_train_batch_size",
    "train_batch_size",
    "batch_size",
    "global_batch_size",
    "per_device_eval_batch_size",
    "eval_batch_size",
    "gradient_accumulation_steps",
    "accumulate_grad_batches",
    "num_train_epochs",
    "epochs",
    "max_epochs",
    "num_epochs",
    "n_epochs",
    "max_steps",
    "total_steps",
    "num_train_steps",
    "warmup_steps",
    "warmup_ratio",
    "warmup_epochs",
    "weight_decay",
    "lr_scheduler_type",
    "lr_scheduler",
    "scheduler",
    "optim",
    "optimizer",
    "momentum",
    "seed",
    "bf16",
    "fp16",
    "precision",
    "mixed_precision",
    "_name_or_path",
    "model_name_or_path",
    "model_name",
    "base_model",
    "model",
    "model_type",
    "architectures",
    "arch",
    "max_grad_norm",
    "gradient_clip_val",
    "grad_clip",
    "clip_grad_norm",
    "dropout",
    "label_smoothing",
];

/// Keys asked for by name (`config-keys`, `summary-keys`): shown as they are, even `null`,
/// outside the budget. A section with keys asked for shows only those.
#[derive(Debug, Clone, Copy, Default)]
pub struct Asked<'a> {
    pub config: &'a [String],
    pub summary: &'a [String],
}

impl Asked<'_> {
    fn is_empty(&self) -> bool {
        self.config.is_empty() && self.summary.is_empty()
    }
}

/// The entries of `map` named by `keys` (exact names, else dotted paths), and a note naming
/// those it does not have.
fn pick(
    map: &Map<String, Value>,
    keys: &[String],
    section: &str,
) -> (Map<String, Value>, Option<String>) {
    let mut picked = Map::new();
    let mut missing = Vec::new();
    for key in keys {
        match value_at(map, key) {
            Some(v) => {
                picked.insert(key.clone(), v.clone());
            }
            None => missing.push(format!("`{key}`")),
        }
    }
    let note = (!missing.is_empty()).then(|| format!("no {section} key {}", missing.join(", ")));
    (picked, note)
}

pub struct Choice {
    pub config: Value,
    pub summary: Value,
    pub notes: Vec<String>,
}

/// Tokens one `"key":value,` entry costs, about.
/// An entry's tokens as the output ceiling counts them: `"key":value,`.
fn cost(key: &str, value: &Value) -> usize {
    crate::text::tokens::estimate(&format!("{}:{value},", Value::from(key)))
}

/// Drops `null` and empty values (at any depth) and collapses big maps; `None` when nothing
/// is left of the value.
fn prune(value: &Value) -> Option<Value> {
    match value {
        Value::Null => None,
        Value::String(s) if s.is_empty() => None,
        Value::Array(items) if items.is_empty() => None,
        Value::Object(m) => {
            let kept: Map<String, Value> = m
                .iter()
                .filter_map(|(k, v)| Some((k.clone(), prune(v)?)))
                .collect();
            match kept.len() {
                0 => None,
                n if n > MAX_MAP_ENTRIES => Some(Value::String(format!("<map of {n}>"))),
                _ => Some(Value::Object(kept)),
            }
        }
        other => Some(other.clone()),
    }
}

/// Summary keys in the order they are shown: validation metrics, then loss- and accuracy-like
/// ones (at most [`PRIORITY_METRICS`] of both: the first part), then the rest.
fn metric_order(summary: &Map<String, Value>) -> (Vec<&String>, Vec<&String>) {
    let rank = |k: &str| match (direction(k, None).is_ok(), is_eval(k)) {
        (true, true) => 0,
        (true, false) => 1,
        (false, _) => 2,
    };
    let mut keys: Vec<&String> = summary.keys().collect();
    keys.sort_by_key(|k| rank(k)); // stable: each rank keeps the summary's order
    let first = keys
        .iter()
        .filter(|k| rank(k) < 2)
        .count()
        .min(PRIORITY_METRICS);
    let (head, tail) = keys.split_at(first);
    let mut tail = tail.to_vec();
    tail.sort(); // the over-the-cap metrics go back among the rest, in order
    (head.to_vec(), tail)
}

/// The kept (pruned) summary entries of `keys`, in that order.
fn metric_entries(keys: Vec<&String>, kept: &Map<String, Value>) -> Vec<(bool, String, Value)> {
    keys.into_iter()
        .filter_map(|k| Some((false, k.clone(), kept.get(k)?.clone())))
        .collect()
}

/// What of `config` and `summary` fits `budget` tokens (0: everything, as stored) after the
/// `reserved` tokens of the rest of the line, with the `asked` keys outside the budget.
pub fn select(
    config: &Map<String, Value>,
    summary: &Map<String, Value>,
    budget: u32,
    reserved: usize,
    asked: Asked,
) -> Choice {
    if budget == 0 && asked.is_empty() {
        return Choice {
            config: Value::Object(config.clone()),
            summary: Value::Object(summary.clone()),
            notes: vec![],
        };
    }
    let mut notes = Vec::new();
    let pruned = |m: &Map<String, Value>| -> Map<String, Value> {
        m.iter()
            .filter_map(|(k, v)| Some((k.clone(), prune(v)?)))
            .collect()
    };
    let config_kept = pruned(config);
    let summary_kept = pruned(summary);
    let (mut picked_config, missing) = pick(config, asked.config, "config");
    notes.extend(missing);
    let (mut picked_summary, missing) = pick(summary, asked.summary, "summary");
    notes.extend(missing);
    // Nulls are counted in the sections that follow the budget only.
    let mut dropped = 0;
    if asked.config.is_empty() {
        dropped += config.len() - config_kept.len();
    }
    if asked.summary.is_empty() {
        dropped += summary.len() - summary_kept.len();
    }

    // Entries in the order they are offered: (is_config, key, value). The hyperparameters,
    // then validation/loss/accuracy metrics and a few others, then the rest of the config,
    // then the rest of the summary; a section with keys asked for offers nothing more.
    let mut offered: Vec<(bool, String, Value)> = Vec::new();
    let is_hyper = |k: &str| HYPERPARAMETERS.iter().any(|h| h.eq_ignore_ascii_case(k));
    if asked.config.is_empty() {
        for name in HYPERPARAMETERS {
            if let Some((k, v)) = config_kept
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
            {
                offered.push((true, k.clone(), v.clone()));
            }
        }
    }
    let mut late = Vec::new();
    if asked.summary.is_empty() {
        let (first, rest) = metric_order(summary);
        offered.extend(metric_entries(first, &summary_kept));
        let mut rest = metric_entries(rest, &summary_kept);
        late = rest.split_off(rest.len().min(EARLY_METRICS));
        offered.extend(rest);
    }
    if asked.config.is_empty() {
        offered.extend(
            config_kept
                .iter()
                .filter(|(k, _)| !is_hyper(k))
                .map(|(k, v)| (true, k.clone(), v.clone())),
        );
    }
    offered.extend(late);

    let budget = if budget == 0 {
        usize::MAX
    } else {
        budget as usize
    };
    let mut spent = FRAME_TOKENS
        + reserved
        + picked_config
            .iter()
            .chain(&picked_summary)
            .map(|(k, v)| cost(k, v))
            .sum::<usize>();
    let mut left_out: Vec<(bool, String)> = Vec::new();
    for (is_config, key, value) in offered {
        let c = cost(&key, &value);
        if spent.saturating_add(c) > budget {
            left_out.push((is_config, key));
            continue;
        }
        spent += c;
        if is_config {
            picked_config.insert(key, value);
        } else {
            picked_summary.insert(key, value);
        }
    }
    if dropped > 0 {
        notes.push(format!("{dropped} null or empty values left out"));
    }
    if !left_out.is_empty() {
        let count = |config: bool| left_out.iter().filter(|(c, _)| *c == config).count();
        let named: Vec<&str> = left_out
            .iter()
            .take(NAMED_LEFT_OUT)
            .map(|(_, k)| k.as_str())
            .collect();
        notes.push(format!(
            "{} config and {} summary keys over the budget of {budget} tokens left out ({}{}); {} and {} pick keys, {} 0 shows all up to the output ceiling",
            count(true),
            count(false),
            named.join(", "),
            if left_out.len() > NAMED_LEFT_OUT {
                ", …"
            } else {
                ""
            },
            hints::option("config-keys"),
            hints::option("summary-keys"),
            hints::option("budget"),
        ));
    }
    Choice {
        config: Value::Object(picked_config),
        summary: Value::Object(picked_summary),
        notes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn nulls_go_big_maps_collapse_hyperparameters_first() {
        let labels: Map<String, Value> = (0..20)
            .map(|i| (i.to_string(), json!(format!("c{i}"))))
            .collect();
        let config = map(json!({
            "adam_beta1": 0.9, "bos_token_id": null, "debug": [], "id2label": labels,
            "learning_rate": 3e-5, "mp_parameters": "", "seed": 42, "zeta": {"a": null},
        }));
        let summary = map(json!({"eval/loss": 3.1, "train_runtime": 10.5, "x": null}));
        let c = select(&config, &summary, 500, 0, Asked::default());
        assert_eq!(
            c.config,
            json!({"adam_beta1": 0.9, "id2label": "<map of 20>", "learning_rate": 3e-5, "seed": 42})
        );
        assert_eq!(c.summary, json!({"eval/loss": 3.1, "train_runtime": 10.5}));
        assert_eq!(c.notes, vec!["5 null or empty values left out"]);
        // A tight budget keeps the hyperparameters and the validation metric.
        let tight = select(
            &config,
            &summary,
            FRAME_TOKENS as u32 + 25,
            0,
            Asked::default(),
        );
        assert_eq!(tight.config, json!({"learning_rate": 3e-5, "seed": 42}));
        assert_eq!(tight.summary, json!({"eval/loss": 3.1}));
        assert!(tight.notes[1].starts_with(
            "2 config and 1 summary keys over the budget of 125 tokens left out (train_runtime, adam_beta1, id2label)"
        ), "{:?}", tight.notes);
    }

    #[test]
    fn asked_keys_come_as_they_are() {
        let config = map(json!({"a": null, "opt": {"name": "adamw", "eps": 1e-8}, "b": 1}));
        let c = select(
            &config,
            &Map::new(),
            500,
            0,
            Asked {
                config: &["a".into(), "opt.name".into(), "nope".into()],
                summary: &[],
            },
        );
        assert_eq!(c.config, json!({"a": null, "opt.name": "adamw"}));
        assert_eq!(c.notes[0], "no config key `nope`");
        let all = select(&config, &Map::new(), 0, 0, Asked::default());
        assert_eq!(all.config, Value::Object(config));
    }

    #[test]
    fn asked_summary_keys_come_alone_and_the_config_follows_the_budget() {
        let config = map(json!({"lr": 0.1, "notes": null, "seed": 7}));
        let summary = map(json!({
            "val_acc": 0.8, "val_acc_class/7": 0.55, "val_acc_class/8": null, "loss": 1.2,
        }));
        let c = select(
            &config,
            &summary,
            500,
            0,
            Asked {
                config: &[],
                summary: &[
                    "val_acc_class/7".into(),
                    "val_acc_class/8".into(),
                    "nope".into(),
                ],
            },
        );
        assert_eq!(
            c.summary,
            json!({"val_acc_class/7": 0.55, "val_acc_class/8": null})
        );
        assert_eq!(c.config, json!({"lr": 0.1, "seed": 7}));
        assert_eq!(
            c.notes,
            vec!["no summary key `nope`", "1 null or empty values left out"]
        );
        // Asked keys are outside the budget: a budget too small for anything else keeps them.
        let tight = select(
            &config,
            &summary,
            1,
            0,
            Asked {
                config: &["seed".into()],
                summary: &["loss".into()],
            },
        );
        assert_eq!(tight.config, json!({"seed": 7}));
        assert_eq!(tight.summary, json!({"loss": 1.2}));
        assert_eq!(tight.notes, Vec::<String>::new());
    }
}
