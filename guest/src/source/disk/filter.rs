//! Run filters on disk: the same MongoDB-style JSON the W&B server is sent
//! ([`crate::source::filters`]), evaluated here on each run, so a flag means the same whichever
//! source answers. Only what the filter builder writes is understood: `$and`, `$in`, `$ne`,
//! `$regex`, `$lt`/`$lte`/`$gt`/`$gte` and plain equality.

use super::run::DiskRun;
use serde_json::{json, Value};

/// The fields a filter may name, for one run, as the server stores them.
pub fn document(run: &DiskRun) -> Value {
    json!({
        "state": run.state.state,
        "tags": run.info.tags,
        "group": run.info.group,
        "jobType": run.info.job_type,
        "sweep": run.info.sweep_id,
        "display_name": run.row.name,
        "createdAt": run.row.created_at,
        "config": run.config,
        "summary_metrics": run.summary,
    })
}

/// Whether `doc` passes `filter`.
pub fn matches(filter: &Value, doc: &Value) -> bool {
    let Some(clauses) = filter.as_object() else {
        return true;
    };
    clauses
        .iter()
        .all(|(field, condition)| match field.as_str() {
            "$and" => condition
                .as_array()
                .is_some_and(|all| all.iter().all(|f| matches(f, doc))),
            _ => holds(at(doc, field), condition),
        })
}

/// The value at a dotted path (`config.lr.value`), if any.
fn at<'a>(doc: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(doc, |here, part| here.get(part))
}

fn holds(value: Option<&Value>, condition: &Value) -> bool {
    let Some(ops) = condition
        .as_object()
        .filter(|o| o.keys().all(|k| k.starts_with('$')))
    else {
        return value.is_some_and(|v| equal(v, condition));
    };
    ops.iter().all(|(op, operand)| match op.as_str() {
        "$ne" => !value.is_some_and(|v| equal(v, operand)),
        "$in" => operand
            .as_array()
            .is_some_and(|options| options.iter().any(|o| value.is_some_and(|v| equal(v, o)))),
        "$regex" => match (value.and_then(Value::as_str), operand.as_str()) {
            (Some(text), Some(pattern)) => {
                regex_lite::Regex::new(pattern).is_ok_and(|re| re.is_match(text))
            }
            _ => false,
        },
        "$lt" | "$lte" | "$gt" | "$gte" => {
            value
                .and_then(|v| order(v, operand))
                .is_some_and(|o| match op.as_str() {
                    "$lt" => o.is_lt(),
                    "$lte" => o.is_le(),
                    "$gt" => o.is_gt(),
                    _ => o.is_ge(),
                })
        }
        _ => false,
    })
}

/// Equality as the server has it: numbers by value, and an array (tags) holding the value.
fn equal(value: &Value, wanted: &Value) -> bool {
    match (value, wanted) {
        (Value::Array(items), w) if !w.is_array() => items.iter().any(|i| equal(i, w)),
        (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
        _ => value == wanted,
    }
}

fn order(value: &Value, operand: &Value) -> Option<std::cmp::Ordering> {
    match (value, operand) {
        (Value::Number(a), Value::Number(b)) => a.as_f64()?.partial_cmp(&b.as_f64()?),
        (Value::String(a), Value::String(b)) => Some(a.cmp(b)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::filters;
    use wandb_agent_commands::RunFilter;

    fn doc() -> Value {
        json!({
            "state": "finished", "tags": ["base", "v2"], "group": "g", "jobType": "train",
            "sweep": "", "display_name": "lr-3e-4", "createdAt": "2026-12-06T10:00:00",
            "config": {"lr": {"value": 0.0003}, "model": {"value": {"depth": 12}}},
            "summary_metrics": {"val_loss": 0.41, "loss": "NaN"},
        })
    }

    fn passes(filter: RunFilter, hide_crashed: bool) -> bool {
        let json = filters::to_json(&filter, hide_crashed, 1_796_083_200).unwrap();
        matches(&json, &doc())
    }

    #[test]
    fn every_flag_as_the_server_reads_it() {
        let f = |f: fn(&mut RunFilter)| {
            let mut filter = RunFilter::default();
            f(&mut filter);
            filter
        };
        assert!(passes(RunFilter::default(), true));
        assert!(passes(
            f(|r| r.state = vec!["finished".into(), "failed".into()]),
            false
        ));
        assert!(!passes(f(|r| r.state = vec!["crashed".into()]), false));
        assert!(passes(f(|r| r.tag = vec!["v2".into()]), false));
        assert!(!passes(f(|r| r.tag = vec!["v3".into()]), false));
        assert!(passes(f(|r| r.group = Some("g".into())), false));
        assert!(!passes(f(|r| r.job_type = Some("eval".into())), false));
        assert!(passes(f(|r| r.name = Some("^lr-3".into())), false));
        assert!(!passes(f(|r| r.name = Some("^lr-1".into())), false));
        assert!(passes(f(|r| r.since = Some("2026-12-01".into())), false));
        assert!(!passes(f(|r| r.since = Some("2026-12-07".into())), false));
        assert!(passes(
            f(|r| r.conditions = vec!["config.lr<1e-3".into()]),
            false
        ));
        assert!(!passes(
            f(|r| r.conditions = vec!["config.lr>=1e-3".into()]),
            false
        ));
        assert!(passes(
            f(|r| r.conditions = vec!["config.model.depth=12".into()]),
            false
        ));
        assert!(passes(
            f(|r| r.conditions = vec!["summary.val_loss<=0.41".into(), "config.lr!=1".into()]),
            false
        ));
        assert!(
            !passes(f(|r| r.conditions = vec!["summary.loss<1".into()]), false),
            "NaN compares with nothing"
        );
        assert!(
            !passes(
                f(|r| r.conditions = vec!["summary.missing=1".into()]),
                false
            ),
            "a key the run lacks"
        );
    }
}
