use crate::support::{request_count, server, Cli};

const HEADER: &str = "id,name,state,created_at,runtime_s,steps";

fn ids(csv: &str) -> Vec<&str> {
    csv.lines()
        .skip(1)
        .filter(|l| !l.starts_with('#'))
        .map(|l| l.split(',').next().unwrap())
        .collect()
}

#[test]
fn default_listing_is_newest_first_hides_crashed_and_short_and_says_so() {
    let s = server();
    let out = Cli::against(&s).run(&["list-runs", "demo/vision"]);
    assert_eq!(
        out.ok(),
        format!(
            "{HEADER}\n\
             k5e6y7mx,multi-cadence,finished,2026-11-03T12:00:00,3000,10001\n\
             m3d1ah1s,with-media,finished,2026-11-03T08:00:00,1500,5001\n\
             r8u9n1ng,vit-running,running,2026-11-03T00:00:00,10000,50001\n\
             l0ng1m2x,resnet50-long,finished,2026-11-02T14:00:00,60000,1200001\n\
             d1v3rg3n,lr-too-high,failed,2026-11-02T08:00:00,1500,5001\n\
             p3n8v4rt,adamw-lr3e-4,finished,2026-11-01T14:00:00,9000,30001\n\
             x7k2m9qa,baseline-sgd,finished,2026-11-01T08:00:00,6000,20001\n\
             # 2 crashed hidden (include-crashed to show); 2 short hidden (<10 steps or <60s; include-short to show)\n"
        )
    );
}

#[test]
fn listing_takes_one_request() {
    let s = server();
    let before = request_count(&s);
    Cli::against(&s).run(&["list-runs", "demo/vision"]).ok();
    assert_eq!(request_count(&s) - before, 1);
}

#[test]
fn include_flags_show_hidden_runs() {
    let s = server();
    let crashed = Cli::against(&s).run(&["list-runs", "demo/vision", "--include-crashed"]);
    let crashed_ids = ids(crashed.ok());
    assert!(crashed_ids.contains(&"c9d2e1fx"), "{crashed_ids:?}");
    // oom-crash is crashed *and* short: still hidden as short.
    assert!(!crashed_ids.contains(&"c4r5h6ed"));
    assert!(
        crashed
            .stdout
            .ends_with("# 3 short hidden (<10 steps or <60s; include-short to show)\n"),
        "{}",
        crashed.stdout
    );

    let short = Cli::against(&s).run(&["list-runs", "demo/vision", "--include-short"]);
    let short_ids = ids(short.ok());
    assert!(
        short_ids.contains(&"s1h0rt01") && short_ids.contains(&"s2q4k8wz"),
        "{short_ids:?}"
    );
    assert!(!short_ids.contains(&"c9d2e1fx"));

    let all = Cli::against(&s).run(&[
        "list-runs",
        "demo/vision",
        "--include-crashed",
        "--include-short",
        "--limit",
        "50",
    ]);
    assert_eq!(ids(all.ok()).len(), 11);
    assert_eq!(
        all.stdout.lines().last().unwrap(),
        "x7k2m9qa,baseline-sgd,finished,2026-11-01T08:00:00,6000,20001"
    );
}

#[test]
fn limit_cuts_and_counts_the_rest() {
    let s = server();
    let out = Cli::against(&s).run(&["list-runs", "demo/vision", "--limit", "2"]);
    assert_eq!(ids(out.ok()), ["k5e6y7mx", "m3d1ah1s"]);
    assert!(
        out.stdout.ends_with(
            "# 2 crashed hidden (include-crashed to show); 7 older not listed (raise limit)\n"
        ),
        "{}",
        out.stdout
    );
}

#[test]
fn limit_pages_past_hidden_runs() {
    // With short runs hidden, filling 6 rows needs more runs than the first page holds.
    let s = server();
    let out = Cli::against(&s).run(&["list-runs", "demo/vision", "--limit", "6"]);
    assert_eq!(
        ids(out.ok()),
        ["k5e6y7mx", "m3d1ah1s", "r8u9n1ng", "l0ng1m2x", "d1v3rg3n", "p3n8v4rt"]
    );
}

#[test]
fn thousands_of_runs_page_by_cursor_up_to_the_thousand_run_limit() {
    use wandb_emulator::seed::fleet::{crashed, id, nightly, RUNS};
    // demo/fleet holds 2,400 runs: a thousand rows take five pages of 200.
    let s = server();
    let counted = |args: &[&str]| {
        let before = request_count(&s);
        let out = Cli::against(&s).run(args).ok().to_string();
        (out, request_count(&s) - before)
    };
    let (out, requests) = counted(&[
        "list-runs",
        "demo/fleet",
        "--limit",
        "1000",
        "--include-crashed",
        // 1,000 rows pass the default output ceiling.
        "--max-output-tokens",
        "0",
    ]);
    let newest: Vec<String> = (0..RUNS).rev().take(1000).map(id).collect();
    assert_eq!(
        ids(&out),
        newest,
        "the 1,000 newest, newest first, none twice"
    );
    assert_eq!(requests, 5);
    assert!(
        out.ends_with(&format!(
            "\n# {} older not listed (raise limit)\n",
            RUNS - 1000
        )),
        "{out}"
    );

    // Crashed runs hidden: the rows reach further back, and the counts span every page.
    let (out, requests) = counted(&[
        "list-runs",
        "demo/fleet",
        "--limit",
        "1000",
        "--max-output-tokens",
        "0",
    ]);
    let kept: Vec<String> = (0..RUNS)
        .rev()
        .filter(|i| !crashed(*i))
        .take(1000)
        .map(id)
        .collect();
    assert_eq!(ids(&out), kept);
    assert_eq!(requests, 5);
    let hidden = (0..RUNS).filter(|i| crashed(*i)).count();
    assert!(
        out.ends_with(&format!(
            "\n# {hidden} crashed hidden (include-crashed to show); {} older not listed (raise limit)\n",
            RUNS - hidden - 1000
        )),
        "{out}"
    );

    // A filter over all of them is evaluated and counted by the server, in one request.
    let (out, requests) = counted(&[
        "list-runs",
        "demo/fleet",
        "--tag",
        "nightly",
        "--limit",
        "3",
    ]);
    let matching = (0..RUNS).filter(|i| nightly(*i) && !crashed(*i)).count();
    let first: Vec<String> = (0..RUNS)
        .rev()
        .filter(|i| nightly(*i) && !crashed(*i))
        .take(3)
        .map(id)
        .collect();
    assert_eq!(ids(&out), first);
    assert_eq!(requests, 1);
    let crashed_nightly = (0..RUNS).filter(|i| nightly(*i) && crashed(*i)).count();
    assert_eq!(
        out.lines().last().unwrap(),
        format!(
            "# {matching} runs match the filters; {crashed_nightly} crashed hidden (include-crashed to show); {} older not listed (raise limit)",
            matching - 3
        ),
        "{out}"
    );

    // Past the limit: refused before any request.
    let before = request_count(&s);
    let err = Cli::against(&s)
        .run(&["list-runs", "demo/fleet", "--limit", "1001"])
        .fails(2)
        .to_string();
    assert!(err.contains("1000"), "{err}");
    assert_eq!(request_count(&s), before);
}

#[test]
fn created_at_descends() {
    let s = server();
    let out = Cli::against(&s).run(&[
        "list-runs",
        "demo/vision",
        "--include-crashed",
        "--include-short",
        "--limit",
        "20",
    ]);
    let created: Vec<&str> = out
        .ok()
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(3).unwrap())
        .collect();
    let mut sorted = created.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(created, sorted);
}

#[test]
fn empty_project_prints_only_the_header() {
    let s = server();
    assert_eq!(
        Cli::against(&s).run(&["list-runs", "demo/empty"]).ok(),
        format!("{HEADER}\n")
    );
}

#[test]
fn default_entity_from_environment() {
    let s = server();
    let out =
        Cli::against(&s)
            .env("WANDB_ENTITY", "demo")
            .run(&["list-runs", "vision", "--limit", "1"]);
    assert_eq!(ids(out.ok()), ["k5e6y7mx"]);
}

#[test]
fn unknown_project_is_not_found() {
    let s = server();
    let line = Cli::against(&s)
        .run(&["list-runs", "demo/nope"])
        .fails(3)
        .to_string();
    assert_eq!(
        line,
        "error: Project demo/nope not found (or not visible with these credentials)"
    );
}

#[test]
fn bad_input_is_a_usage_error() {
    let s = server();
    let line = Cli::against(&s)
        .run(&["list-runs", "just-a-project"])
        .fails(2)
        .to_string();
    assert!(line.contains("expected ENTITY/PROJECT"), "{line}");
    let line = Cli::against(&s)
        .run(&["list-runs", "demo/vision", "--limit", "0"])
        .fails(2)
        .to_string();
    assert_eq!(line, "error: limit must be between 1 and 1000");
    let line = Cli::against(&s)
        .run(&["list-runs", "demo/vision", "--limit", "many"])
        .fails(2)
        .to_string();
    assert!(line.contains("invalid value 'many'"), "{line}");
}
