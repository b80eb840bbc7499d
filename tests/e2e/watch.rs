//! `watch` against the emulator's growing run (`demo/live`, created when the server starts):
//! a first look, looks after the planted events, a wait that ends with the news, the end of
//! the run, and cursors that are refused.

use std::time::{Duration, Instant};

use wandb_emulator::seed::live::{
    seconds_to, EXPLOSION_STEP, ID, LAST_STEP, NAN_FROM, PROJECT, SPIKE_FROM, VAL_EVERY,
};

use crate::support::{request_count, server, tokens, Cli};

/// Most o200k tokens of any answer.
const MAX_TOKENS: usize = 400;

fn live() -> String {
    format!("demo/{PROJECT}/{ID}")
}

/// The answer's cursor, from its last line.
fn cursor(text: &str) -> String {
    let last = text.lines().last().unwrap_or_default();
    let token = last
        .strip_prefix("# next: --cursor ")
        .unwrap_or_else(|| panic!("no cursor line last in\n{text}"));
    assert!(token.len() <= 200 && !token.contains(' '), "{token}");
    token.to_string()
}

/// The finding rows: (kind, key, step, detail).
fn findings(text: &str) -> Vec<(String, String, u64, String)> {
    text.lines()
        .filter_map(|line| {
            let mut reader = csv::ReaderBuilder::new()
                .has_headers(false)
                .from_reader(line.as_bytes());
            let record = reader.records().next()?.ok()?;
            let step = record.get(2)?.parse().ok()?;
            let detail = record.get(record.len() - 1)?.to_string();
            Some((record[0].to_string(), record[1].to_string(), step, detail))
        })
        .collect()
}

/// One look: its text, and the requests it made (counted by the server).
fn look(s: &wandb_emulator::RunningServer, args: &[&str]) -> (String, u64) {
    let before = request_count(s);
    let mut all = vec!["watch", "demo/live/live0run"];
    all.extend(args);
    let out = Cli::against(s).run(&all);
    let text = out.ok().to_string();
    assert!(
        tokens(&text) <= MAX_TOKENS,
        "{} tokens:\n{text}",
        tokens(&text)
    );
    (text, request_count(s) - before)
}

fn sleep_until(start: Instant, seconds: f64) {
    let at = start + Duration::from_secs_f64(seconds);
    if let Some(left) = at.checked_duration_since(Instant::now()) {
        std::thread::sleep(left);
    }
}

#[test]
fn a_growing_run_watched_until_it_finishes() {
    let start = Instant::now();
    let s = server();
    assert_eq!(live(), "demo/live/live0run");
    let mut seen: Vec<(String, String, u64, String)> = Vec::new();

    // The first look: the state, the progress, the findings so far and a cursor.
    let (first, requests) = look(&s, &[]);
    assert!(first.starts_with("running: step "), "{first}");
    assert!(requests <= 6, "{requests} requests:\n{first}");
    let c0 = cursor(&first);
    seen.extend(findings(&first));

    // After the spike has recovered and before the explosion: at most the spike is new.
    sleep_until(start, seconds_to(SPIKE_FROM) + 1.5);
    let (early, requests) = look(&s, &["--cursor", &c0]);
    assert!(requests <= 6, "{requests} requests:\n{early}");
    assert!(early.contains(" (+"), "new rows since the cursor:\n{early}");
    seen.extend(findings(&early));
    let spikes: Vec<_> = seen.iter().filter(|f| f.0 == "spike").collect();
    assert_eq!(spikes.len(), 1, "{first}\n{early}");
    assert_eq!((spikes[0].1.as_str(), spikes[0].2), ("loss", SPIKE_FROM));
    assert!(spikes[0].3.ends_with("(exact step)"), "{early}");
    let c1 = cursor(&early);

    // Waiting from there returns soon after the explosion, not at the end of the wait.
    let waited = Instant::now();
    let (news, requests) = look(&s, &["--cursor", &c1, "--wait", "50"]);
    let at = start.elapsed().as_secs_f64();
    assert!(
        at >= seconds_to(EXPLOSION_STEP) && at < seconds_to(EXPLOSION_STEP) + 5.0 + 4.0,
        "answered {at:.1}s after the start:\n{news}"
    );
    assert!(waited.elapsed() < Duration::from_secs(40), "{news}");
    assert!(
        news.contains("\n# waited ") && news.contains(" until news"),
        "{news}"
    );
    let new = findings(&news);
    let explosion = new.iter().find(|f| f.0 == "explosion").expect(&news);
    assert_eq!(
        (explosion.1.as_str(), explosion.2),
        ("grad_norm", EXPLOSION_STEP)
    );
    assert!(explosion.3.ends_with("(exact step)"), "{news}");
    assert!(
        new.iter().all(|f| f.0 != "spike"),
        "the spike again:\n{news}"
    );
    // One request per poll while nothing happens; the poll with news zooms.
    let polls = (at - seconds_to(SPIKE_FROM) - 1.5) / 5.0;
    assert!(
        requests as f64 <= polls + 6.0,
        "{requests} requests:\n{news}"
    );
    seen.extend(new);
    let c2 = cursor(&news);

    // The NaN onset, at its exact step, then the end of the run as a state change.
    sleep_until(
        start,
        seconds_to(NAN_FROM.next_multiple_of(VAL_EVERY)) + 1.0,
    );
    let (nan, _) = look(&s, &["--cursor", &c2]);
    seen.extend(findings(&nan));
    let c3 = cursor(&nan);
    let (end, _) = look(&s, &["--cursor", &c3, "--wait", "45"]);
    assert!(
        start.elapsed().as_secs_f64() < seconds_to(LAST_STEP) + 5.0 + 4.0,
        "{end}"
    );
    assert!(
        end.starts_with(&format!("finished (was running): step {LAST_STEP} (+")),
        "{end}"
    );
    seen.extend(findings(&end));

    // Every planted event exactly once, at its exact step, over all the looks.
    let mut events: Vec<(&str, &str, u64)> = seen
        .iter()
        .map(|f| (f.0.as_str(), f.1.as_str(), f.2))
        .collect();
    events.sort_by_key(|e| e.2);
    assert_eq!(
        events,
        vec![
            ("spike", "loss", SPIKE_FROM),
            ("explosion", "grad_norm", EXPLOSION_STEP),
            ("divergence", "loss", NAN_FROM),
            (
                "divergence",
                "val_loss",
                NAN_FROM.next_multiple_of(VAL_EVERY)
            ),
        ],
        "{first}\n{early}\n{news}\n{nan}\n{end}"
    );

    // Nothing new: one request, a few tokens, the same cursor.
    let c4 = cursor(&end);
    let (idle, requests) = look(&s, &["--cursor", &c4]);
    assert_eq!(requests, 1, "{idle}");
    assert!(
        idle.starts_with(&format!("finished: step {LAST_STEP}, no new rows")),
        "{idle}"
    );
    assert!(tokens(&idle) <= 70, "{} tokens:\n{idle}", tokens(&idle));
    assert_eq!(cursor(&idle), c4);

    // An old cursor still works: the long stretch since it is read as diagnose reads it,
    // within six requests, each event once.
    let (catch_up, requests) = look(&s, &["--cursor", &c0]);
    assert!(requests <= 6, "{requests} requests:\n{catch_up}");
    let again = findings(&catch_up);
    assert!(
        again
            .iter()
            .any(|f| f.0 == "explosion" && f.2 == EXPLOSION_STEP),
        "{catch_up}"
    );
    assert!(
        again.iter().any(|f| f.0 == "divergence" && f.2 == NAN_FROM),
        "{catch_up}"
    );
}

#[test]
fn bad_and_foreign_cursors_are_one_clear_line() {
    let s = server();
    let (first, _) = look(&s, &[]);
    let mine = cursor(&first);
    let other = Cli::against(&s).run(&["watch", "demo/vision/x7k2m9qa", "--cursor", &mine]);
    let line = other.fails(2);
    assert!(line.contains("belongs to another run"), "{line}");
    for bad in ["w1nonsense", "hello", &mine[..mine.len() - 2], "w1", ""] {
        let out = Cli::against(&s).run(&["watch", &live(), "--cursor", bad]);
        let line = out.fails(2);
        assert!(line.contains("is not a watch cursor"), "{bad}: {line}");
    }
}

#[test]
fn a_wait_longer_than_the_time_limit_is_shortened_and_says_so() {
    let s = server();
    // A stalled run: it may log again, so the wait is held (until the last poll that fits).
    let run = "demo/sweep/sw000149";
    // A first look does not wait, and says so.
    let started = Instant::now();
    let first = Cli::against(&s).run(&["watch", run, "--wait", "30"]);
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(
        first
            .ok()
            .contains("# no wait: a first look answers at once (--wait waits with --cursor)"),
        "{}",
        first.ok()
    );
    let c = cursor(first.ok());
    let started = Instant::now();
    let out = Cli::against(&s).run(&[
        "--timeout",
        "12",
        "watch",
        run,
        "--cursor",
        &c,
        "--wait",
        "300",
    ]);
    let text = out.ok();
    let took = started.elapsed();
    assert!(
        took >= Duration::from_secs(5) && took < Duration::from_secs(12),
        "{took:?}: {text}"
    );
    assert!(
        text.contains("with no news (--wait 300 shortened to 9s to fit the call's 12s --timeout)"),
        "{text}"
    );
    assert!(text.starts_with("stalled: step "), "{text}");
}

#[test]
fn a_wait_on_a_run_that_ended_returns_at_once() {
    let s = server();
    let run = "demo/vision/x7k2m9qa";
    let c = cursor(Cli::against(&s).run(&["watch", run]).ok());
    let started = Instant::now();
    let text = Cli::against(&s)
        .run(&["watch", run, "--cursor", &c, "--wait", "30"])
        .ok()
        .to_string();
    assert!(started.elapsed() < Duration::from_secs(4), "{text}");
    assert!(text.starts_with("finished: step "), "{text}");
    assert!(
        text.contains("# waited 0s with no news; the run has ended: nothing more will come"),
        "{text}"
    );
}
