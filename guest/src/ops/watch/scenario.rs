//! Looks at a run as it grows, through the pure pieces in order (the operation adds only the
//! fetching): a first look, a look after a planted event, a look with nothing new, the end.

use tiktoken_rs::o200k_base;

use super::render::{answer, next_cursor, Look, MAX_TOKENS};
use crate::analysis::detection::{guess_keys, KeyChoice, Keys, Tracks};
use crate::analysis::watch::cursor::{Cursor, Level, ROLES};
use crate::analysis::watch::look;
use crate::model::paths::{parse_run_path, RunPath};
use crate::model::Coverage;
use crate::model::RunState;
use crate::model::Series;

const SPIKE: u64 = 300;
const EXPLOSION: u64 = 1_503;
const NAN_FROM: u64 = 1_561;
const CREATED: i64 = 1_800_000_000;

/// The emulator's `demo/live` in miniature: 100 steps a second, a loss spike, a gradient
/// explosion that stays, then NaN losses; `val_loss` every 50 steps.
fn value(key: &str, s: u64) -> Option<f64> {
    let wobble = ((s * 7919) % 13) as f64 / 130.0;
    let decay = (-(s as f64) / 600.0).exp();
    Some(match key {
        "loss" if s >= NAN_FROM => f64::NAN,
        "loss" if (SPIKE..SPIKE + 30).contains(&s) => 3.0 * (0.4 + 2.0 * decay + wobble),
        "loss" => 0.4 + 2.0 * decay + wobble,
        "grad_norm" if s >= EXPLOSION => 50.0 * (0.8 + 3.0 * decay + wobble),
        "grad_norm" => 0.8 + 3.0 * decay + wobble,
        "val_loss" if !s.is_multiple_of(50) => return None,
        "val_loss" if s >= NAN_FROM => f64::NAN,
        "val_loss" => 0.5 + 2.0 * decay,
        "epoch" => (s / 100) as f64,
        _ => return None,
    })
}

fn run() -> RunPath {
    parse_run_path("demo/live/live0run").unwrap()
}

fn keys() -> Keys {
    let available = ["epoch", "grad_norm", "loss", "val_loss"].map(String::from);
    guess_keys(&available, &KeyChoice::default()).unwrap()
}

fn state(state: &str, last: u64) -> RunState {
    let at = |unix: i64| {
        chrono::DateTime::from_timestamp(unix, 0)
            .unwrap()
            .naive_utc()
            .format("%Y-%m-%dT%H:%M:%S")
            .to_string()
    };
    RunState {
        state: state.into(),
        exitcode: (state == "finished").then_some(0),
        heartbeat_at: Some(at(CREATED + last as i64 / 100)),
        created_at: Some(at(CREATED)),
        history_lines: Some(last + 1),
    }
}

/// One look at the run once `last` is logged, the way the operation drives it: the rows
/// after the cursor (whole), detection, the answer. Returns the text and the next cursor.
fn look_at(last: u64, run_state: &str, before: Option<&Cursor>) -> (String, Cursor) {
    let from = before.and_then(|c| c.last_step).map_or(0, |s| s + 1);
    let series = ["loss", "grad_norm", "val_loss", "epoch"].map(|k| {
        let points = (from..=last)
            .filter_map(|s| Some((s, value(k, s)?)))
            .collect();
        (
            k.to_string(),
            Series {
                points,
                complete: true,
            },
        )
    });
    let tracks = Tracks::whole_run(series, Some(last));
    let keys = keys();
    let state = state(run_state, last);
    let new = last >= from;
    let (rows, levels, findings) = if new {
        let opened = look::open(keys.clone(), tracks, before, from);
        let (found, _) = opened.case.close(Vec::new());
        (
            opened.rows,
            opened.levels,
            look::new_findings(found, before),
        )
    } else {
        let was = before.map_or([Level::default(); ROLES], |c| c.levels);
        (Vec::new(), was, Vec::new())
    };
    let run = run();
    let look = Look {
        run: &run,
        before,
        state: &state,
        last_step: Some(last),
        now_unix: CREATED + last as i64 / 100 + 2,
        keys: new.then_some(keys),
        rows,
        coverage: Coverage::Every,
        findings,
        levels,
        notes: vec!["1 request".into()],
    };
    let next = next_cursor(&look);
    (answer(&look), next)
}

fn tokens(text: &str) -> usize {
    o200k_base().unwrap().encode_ordinary(text).len()
}

fn finding_lines(text: &str) -> Vec<&str> {
    text.lines()
        .filter(|l| {
            l.split(',')
                .nth(2)
                .is_some_and(|s| s.parse::<u64>().is_ok())
        })
        .collect()
}

#[test]
fn a_growing_run_seen_look_by_look() {
    let (first, c1) = look_at(800, "running", None);
    assert!(
        first.starts_with("running: step 800, 100 steps/s, heartbeat 2s ago\n"),
        "{first}"
    );
    assert!(first.contains("rows 0..800: loss "), "{first}");
    let rows = finding_lines(&first);
    assert_eq!(rows.len(), 1, "{first}");
    assert!(rows[0].starts_with("spike,loss,300,3,"), "{first}");
    let last = first.lines().last().unwrap();
    let cursor = last.strip_prefix("# next: --cursor ").expect(last);
    assert_eq!(Cursor::decode(cursor, &run()).unwrap(), c1);

    // Nothing new: a few tokens, the same cursor.
    let (idle, same) = look_at(800, "running", Some(&c1));
    assert_eq!(same, c1);
    assert_eq!(idle.lines().count(), 3, "{idle}");
    assert!(
        idle.starts_with("running: step 800, no new rows, heartbeat 2s ago\n"),
        "{idle}"
    );
    assert!(tokens(&idle) < 70, "{} tokens: {idle}", tokens(&idle));

    // After the explosion and the NaN onset: both at their exact steps, the spike not again.
    let (after, c2) = look_at(1_600, "running", Some(&c1));
    let rows = finding_lines(&after);
    let got: Vec<(&str, &str, &str)> = rows
        .iter()
        .map(|r| {
            let f: Vec<&str> = r.split(',').collect();
            (f[0], f[1], f[2])
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("explosion", "grad_norm", "1503"),
            ("divergence", "loss", "1561"),
            ("divergence", "val_loss", "1600"),
        ],
        "{after}"
    );
    assert!(
        after.starts_with("running: step 1600 (+800), 100 steps/s"),
        "{after}"
    );
    assert!(after.contains("rows 801..1600: loss nan ["), "{after}");
    assert!(c2.levels[0].non_finite && !c2.levels[1].non_finite);

    // The end: a state change, no finding repeated.
    let (end, c3) = look_at(2_400, "finished", Some(&c2));
    assert!(
        end.starts_with("finished (was running): step 2400 (+800)"),
        "{end}"
    );
    assert_eq!(finding_lines(&end), Vec::<&str>::new(), "{end}");
    assert!(end.contains("\nno new findings\n"), "{end}");
    let (still, _) = look_at(2_400, "finished", Some(&c3));
    assert!(
        still.starts_with("finished: step 2400, no new rows"),
        "{still}"
    );

    // An old cursor still works (the tool keeps nothing): everything since it, once.
    let (catch_up, _) = look_at(2_400, "finished", Some(&c1));
    assert_eq!(finding_lines(&catch_up).len(), 3, "{catch_up}");
    for text in [&first, &idle, &after, &end, &still, &catch_up] {
        assert!(
            tokens(text) <= MAX_TOKENS,
            "{} tokens: {text}",
            tokens(text)
        );
    }
}

#[test]
fn many_findings_stay_within_the_budget_and_say_where_the_rest_are() {
    let (_, c1) = look_at(100, "running", None);
    let run = run();
    let state = state("running", 200);
    let finding = |i: u64| crate::analysis::detection::Finding {
        kind: "spike",
        key: "loss".into(),
        step: 101 + i,
        epoch: "1".into(),
        counter: String::new(),
        value: 9.0,
        detail: "×3 its running level 1.2; peak 9 at ~105; recovered by ~110 (exact step)".into(),
    };
    let look = Look {
        run: &run,
        before: Some(&c1),
        state: &state,
        last_step: Some(200),
        now_unix: CREATED + 4,
        keys: Some(keys()),
        rows: Vec::new(),
        coverage: Coverage::Every,
        findings: (0..40).map(finding).collect(),
        levels: c1.levels,
        notes: Vec::new(),
    };
    let text = answer(&look);
    assert!(
        tokens(&text) <= MAX_TOKENS,
        "{} tokens: {text}",
        tokens(&text)
    );
    assert!(
        text.contains(" more findings not shown: diagnose demo/live/live0run lists them all\n"),
        "{text}"
    );
}
