//! Property-based fuzzing of every parser of server data and of user input. Each property is
//! "never panics, and what it accepts is well-formed". CI runs the default 256 cases per
//! property; for a longer run: `PROPTEST_CASES=200000 cargo test --release -p wandb-agent-guest --test fuzz`.

use proptest::prelude::*;
use serde_json::{json, Value};

use wandb_agent_guest::analysis::detection::KeyChoice;
use wandb_agent_guest::model::paths::{parse_project_path, parse_run_path};
use wandb_agent_guest::model::{
    as_f64, Coverage, Fetched, HistoryRequest, HistoryTable, ListOptions, Spec,
};
use wandb_agent_guest::ops::history::{render_curve, render_stats, Budget};
use wandb_agent_guest::ops::list_runs::list_runs;
use wandb_agent_guest::ops::{diagnose, summary, with_context};
use wandb_agent_guest::source::wandb::graphql::{parse_response, Reply, Transport};
use wandb_agent_guest::source::wandb::reader::with_source;
use wandb_agent_guest::source::wandb::series::parse_all;
use wandb_agent_guest::source::wandb::{lenient_json, Client};
use wandb_agent_guest::text::{reduce, tokens};

/// Arbitrary JSON, including the non-finite spellings W&B uses.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<f64>().prop_map(
                |f| serde_json::Number::from_f64(f).map_or(Value::from("NaN"), Value::Number)
            ),
            prop_oneof![
                Just("NaN".to_string()),
                Just("Infinity".to_string()),
                Just("-Infinity".to_string())
            ]
            .prop_map(Value::from),
            ".{0,20}".prop_map(Value::from),
        ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_/]{0,8}", inner, 0..8)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A transport answering every request with one canned reply.
struct Canned(Vec<u8>);

impl Transport for Canned {
    fn post_graphql(&self, _: &str) -> wandb_agent_guest::error::Result<Reply> {
        Ok(Reply {
            status: 200,
            body: self.0.clone(),
            ..Reply::default()
        })
    }
}

proptest! {
    #[test]
    fn lenient_json_never_panics(text in ".{0,200}") {
        let _ = lenient_json::parse(&text);
    }

    #[test]
    fn lenient_json_keeps_standard_json_intact(v in json_value()) {
        // Exactly what serde_json makes of standard JSON (float parsing included).
        let text = v.to_string();
        prop_assert_eq!(lenient_json::parse(&text).unwrap(), serde_json::from_str::<Value>(&text).unwrap());
    }

    #[test]
    fn bare_tokens_survive_anywhere(v in json_value(), token in prop_oneof![Just("NaN"), Just("Infinity"), Just("-Infinity")]) {
        let text = json!({"x": v, "y": "__T__"}).to_string().replace("\"__T__\"", token);
        let parsed = lenient_json::parse(&text).unwrap();
        prop_assert!(as_f64(&parsed["y"]).is_some_and(|f| !f.is_finite()));
    }

    #[test]
    fn run_paths_never_panic_and_round_trip(input in ".{0,80}") {
        if let Ok(run) = parse_run_path(&input) {
            prop_assert_eq!(parse_run_path(&run.to_string()).unwrap(), run);
        }
        let _ = parse_project_path(&input, Some("me"));
    }

    #[test]
    fn graphql_replies_never_panic(status in 0u16..600, body in prop::collection::vec(any::<u8>(), 0..300)) {
        let _ = parse_response(status, &body, "srv");
    }

    #[test]
    fn history_results_never_panic(results in json_value(), samples in 1u32..5) {
        let specs = vec![Spec::of("loss", samples, None, None)];
        let _ = parse_all(&specs, &results, "srv");
        let _ = parse_all(&specs, &json!([results]), "srv");
    }

    #[test]
    fn summaries_render_one_line_of_json(config in json_value(), summary_v in json_value(), budget in 0u32..800) {
        let text = summary::render(&config, &summary_v, &[], budget, summary::select::Asked::default());
        let mut lines = text.lines();
        prop_assert!(serde_json::from_str::<Value>(lines.next().unwrap()).is_ok());
        prop_assert!(lines.all(|l| l.starts_with("# ")));
    }

    #[test]
    fn run_lists_from_arbitrary_replies_never_panic(project in json_value()) {
        let body = json!({"data": {"project": project}}).to_string();
        let options = ListOptions { limit: 3, ..ListOptions::default() };
        let project_path = parse_project_path("e/p", None).unwrap();
        let _ = with_context(&Client::new(&Canned(body.into_bytes()), "srv"), &[], |cx| list_runs(cx, &project_path, &options, &[]));
    }

    #[test]
    fn diagnose_from_arbitrary_replies_never_panics(run in json_value()) {
        let body = json!({"data": {"project": {"run": run}}}).to_string();
        let path = parse_run_path("e/p/abc").unwrap();
        let _ = with_source(&Client::new(&Canned(body.into_bytes()), "srv"), |source| diagnose::diagnose(source, &path, &KeyChoice::default()));
    }

    #[test]
    fn curves_reduce_within_budget_and_keep_order(
        points in prop::collection::vec((0u64..1_000_000, prop_oneof![any::<f64>(), Just(f64::NAN)]), 1..400),
        budget in 0u32..3000,
    ) {
        let request = HistoryRequest::new(&["k".to_string()], Some(1000), None, None).unwrap();
        let rows: Vec<Value> = points.iter().map(|(s, v)| json!({"_step": s, "k": serde_json::Number::from_f64(*v).map_or(Value::from("NaN"), Value::Number)})).collect();
        let series = parse_all(&request.first_specs(), &json!([rows]), "srv").unwrap();
        let table = HistoryTable::outer_join(&request.keys, &series);
        let chosen = reduce::select(&table, 50);
        prop_assert!(chosen.windows(2).all(|w| w[0] < w[1]));
        let fetched = Fetched { table, last_step: Some(1_000_000), coverage: Coverage::Every, exact: vec![true] };
        let text = render_curve(&fetched, &request, Budget::of(budget));
        prop_assert!(text.starts_with("_step,k\n") && text.ends_with('\n'));
        let rows = text.lines().count() - 2;
        if budget == 0 {
            prop_assert_eq!(rows, fetched.table.rows.len(), "budget 0 prints every row");
        } else if rows > 6 {
            // Past the rows always kept (first, last, the extremes, the NaN onset and the value
            // before it), the budget holds by the estimate the output ceiling counts with.
            let estimated = tokens::estimate(&text);
            prop_assert!(estimated <= budget as usize, "{} estimated tokens for budget {}", estimated, budget);
        }
        let _ = render_stats(&fetched, &request);
    }
}
