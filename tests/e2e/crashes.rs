//! Why did it die: `logs`, `system` and the crash findings of `diagnose` on the emulator's
//! `demo/crashes` runs (each dies a different way), the cross-origin log-file fallback, and
//! the bad cases (no output, a flood of progress bars with invalid UTF-8, an expired or
//! redirecting file URL, a bad pattern). Longer than our usual modules on purpose: one
//! demo crash or bad case per test.

use wandb_emulator::seed::crashes::ids;
use wandb_emulator::RunningServer;

use crate::support::{escape_component, get_json, request_count, server, tokens, Cli};

fn path(id: &str) -> String {
    format!("demo/crashes/{id}")
}

/// What the file server saw: one JSON object per request.
fn file_requests(s: &RunningServer) -> Vec<serde_json::Value> {
    match get_json(s.files_addr, "/__requests") {
        serde_json::Value::Array(list) => list,
        other => panic!("/__requests is not a list: {other}"),
    }
}

/// `cli` against `s`, `args`, and the GraphQL requests it made.
fn counted(s: &RunningServer, args: &[&str]) -> (crate::support::Output, u64) {
    let before = request_count(s);
    let out = Cli::against(s).run(args);
    (out, request_count(s) - before)
}

#[test]
fn logs_show_the_tail_with_stderr_marked_in_one_request() {
    let s = server();
    let (out, requests) = counted(&s, &["logs", &path(ids::CUDA_OOM), "--tail", "3"]);
    let text = out.ok();
    assert_eq!(requests, 1);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4, "{text}");
    assert_eq!(
        lines[0],
        "412!   File \"/workspace/model.py\", line 88, in forward"
    );
    assert!(lines[2].starts_with("414! torch.OutOfMemoryError: CUDA out of memory."));
    assert_eq!(
        lines[3],
        "# run cudaoom1 failed (exit code 1); 3 lines shown of 415 console lines; stderr marked !; 1 request"
    );
}

#[test]
fn logs_errors_keep_the_traceback_ends_and_name_each_cause() {
    let s = server();
    for (id, cause, exception) in [
        (
            ids::CUDA_OOM,
            "out of GPU memory",
            "414! torch.OutOfMemoryError: CUDA out of memory.",
        ),
        (
            ids::HOST_OOM,
            "out of host memory (killed by the OOM killer)",
            "45! Killed",
        ),
        (
            ids::NCCL_TIMEOUT,
            "an NCCL/distributed timeout or failure",
            "210! torch.distributed.DistBackendError: NCCL communicator was aborted",
        ),
        (
            ids::PREEMPTED,
            "preemption",
            "103! wandb: WARNING Received SIGTERM",
        ),
        (
            ids::NO_TRACEBACK,
            "unknown",
            "6! error: --data-dir /mnt/eval/shard-07 does not exist",
        ),
        (
            ids::PROGRESS_FLOOD,
            "a NaN/Inf check failed",
            "120005! RuntimeError: Function 'MulBackward0' returned nan values",
        ),
    ] {
        let out = Cli::against(&s).run(&["logs", &path(id), "--errors"]);
        let text = out.ok();
        assert!(
            text.lines().any(|l| l.starts_with(exception)),
            "{id}: {text}"
        );
        assert!(
            text.lines()
                .last()
                .unwrap()
                .contains(&format!("likely cause: {cause};")),
            "{id}: {text}"
        );
        assert!(tokens(text) <= 600, "{id}: {} tokens", tokens(text));
    }
    // A full traceback: its first frame, a gap, its last frame, the exception.
    let text = Cli::against(&s)
        .run(&["logs", &path(ids::CUDA_OOM), "--errors"])
        .ok()
        .to_string();
    assert!(text.starts_with("403! Traceback (most recent call last):\n404!   File \"/workspace/train.py\", line 212, in <module>\n405!     main()\n…\n412!   File \"/workspace/model.py\""), "{text}");
}

#[test]
fn a_flood_of_progress_bars_and_garbage_stays_small_and_clean() {
    let s = server();
    let out = Cli::against(&s).run(&["logs", &path(ids::PROGRESS_FLOOD), "--tail", "400"]);
    let text = out.ok();
    assert!(tokens(text) <= 600, "{} tokens", tokens(text));
    assert!(text.contains("similar lines]"), "{text}");
    assert!(!text.contains('\u{1b}') && !text.contains('\u{0}') && !text.contains('\u{7}'));
    assert!(
        // Colours stripped; the NUL and BEL left over are shown escaped.
        text.contains("120001! binary: \\x00\\x07\u{fffd}(\u{fffd} ok"),
        "{text}"
    );
    assert!(
        text.lines().last().unwrap().contains("(120006 in all)"),
        "{text}"
    );
}

#[test]
fn grep_keeps_matching_lines_and_a_bad_pattern_is_one_line() {
    let s = server();
    let text = Cli::against(&s)
        .run(&["logs", &path(ids::NCCL_TIMEOUT), "--grep", "Watchdog|NCCL"])
        .ok()
        .to_string();
    assert_eq!(text.lines().count(), 3, "{text}");
    assert!(text.contains("lines matching /Watchdog|NCCL/"), "{text}");
    let bad = Cli::against(&s).run(&["logs", &path(ids::NCCL_TIMEOUT), "--grep", "(unclosed"]);
    assert!(bad
        .fails(2)
        .starts_with("error: invalid grep pattern `(unclosed`"));
    let zero = Cli::against(&s).run(&["logs", &path(ids::NCCL_TIMEOUT), "--tail", "0"]);
    assert_eq!(zero.fails(2), "error: tail must be between 1 and 10000");
}

#[test]
fn a_run_without_console_output_says_so() {
    let s = server();
    let out = Cli::against(&s).run(&["logs", &path(ids::NO_OUTPUT)]);
    assert_eq!(
        out.ok(),
        "# run noout007 finished (exit code 0); no console output (no streamed lines and no output.log); 2 requests\n"
    );
}

#[test]
fn without_streamed_lines_the_log_file_tail_is_read_by_range_without_credentials() {
    let s = server();
    let storage = s.files_origin();
    let (out, graphql) = counted(
        &s,
        &[
            "logs",
            &path(ids::FILE_ONLY),
            "--errors",
            "--allow",
            &storage,
        ],
    );
    let text = out.ok();
    assert!(text.ends_with("OSError: [Errno 28] No space left on device\n# run oldlog09 failed (exit code 1); 6 lines shown from the last 96 KiB of output.log (9.3 MiB in all; no streamed lines); likely cause: the disk is full; 3 requests\n"), "{text}");
    assert_eq!(graphql, 2);
    let seen = file_requests(&s);
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(seen[0]["path"], "/demo/crashes/oldlog09/output.log");
    assert_eq!(
        seen[0]["authorization"], false,
        "credentials reached the storage"
    );
    assert_eq!(seen[0]["cookie"], false);
    let range = seen[0]["range"].as_str().unwrap();
    assert!(
        range.starts_with("bytes=") && range.ends_with('-') && range != "bytes=0-",
        "{range}"
    );
}

#[test]
fn the_storage_origin_must_be_allowed() {
    let s = server();
    let out = Cli::against(&s).run(&["logs", &path(ids::FILE_ONLY)]);
    assert_eq!(
        out.fails(6),
        format!(
            "error: request to {0} denied by the host's allowlist; allow it with --allow {0}",
            s.files_origin()
        )
    );
    assert!(file_requests(&s).is_empty());
}

#[test]
fn an_expired_url_is_asked_for_again_once_and_a_redirect_is_not_followed() {
    let s = server();
    let storage = s.files_origin();
    let out = Cli::against(&s).run(&[
        "logs",
        &path(ids::EXPIRED_URL),
        "--errors",
        "--allow",
        &storage,
    ]);
    let text = out.ok();
    assert!(
        text.contains("likely cause: a data-loader worker failed; 5 requests"),
        "{text}"
    );
    let redirected = Cli::against(&s).run(&["logs", &path(ids::REDIRECT), "--allow", &storage]);
    assert_eq!(
        redirected.fails(7),
        "error: the storage server redirected the log file output.log to http://127.0.0.1:9; redirects are not followed"
    );
    let seen: Vec<String> = file_requests(&s)
        .iter()
        .map(|r| r["path"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        seen,
        [
            "/demo/crashes/expird10/output.log",
            "/demo/crashes/expird10/output.log",
            "/demo/crashes/redir011/output.log"
        ]
    );
}

#[test]
fn a_component_cannot_point_the_storage_grant_elsewhere() {
    // With the storage origin allowed, a hostile component still reaches nothing else (the
    // redirect target, another port of the same host), and the host adds no credentials to
    // what it sends to the storage origin.
    let s = server();
    let storage = s.files_origin();
    let component = escape_component().to_str().unwrap().to_string();
    for target in [
        "http://127.0.0.1:9/collect?stolen=1".to_string(),
        format!("http://127.0.0.1:{}/", s.files_addr.port().wrapping_add(1)),
    ] {
        let out = Cli::against(&s).run(&[
            "--component",
            &component,
            "--allow",
            &storage,
            "summary",
            &format!("fetch {target}"),
        ]);
        assert!(out.fails(6).starts_with("error: denied: "), "{target}");
    }
    let out = Cli::against(&s).run(&[
        "--component",
        &component,
        "--allow",
        &storage,
        "summary",
        &format!("fetch {storage}/demo/crashes/oldlog09/output.log"),
    ]);
    assert_ne!(
        out.code, 6,
        "the allowed storage origin is reachable: {}",
        out.stderr
    );
    let seen = file_requests(&s);
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(seen[0]["authorization"], false);
}

#[test]
fn diagnose_names_each_crash_with_its_evidence() {
    let s = server();
    let storage = s.files_origin();
    // (run, the crash row up to its step, the row after its epoch, requests).
    for (id, head, tail, requests) in [
        (ids::CUDA_OOM, "crash,gpu-out-of-memory,4100,", "1,\"failed (exit code 1), out of GPU memory: torch.OutOfMemoryError: CUDA out of memory.", 3),
        (ids::HOST_OOM, "crash,host-out-of-memory,1500,", ",\"crashed, out of host memory (killed by the OOM killer): Killed\"", 2),
        (ids::NCCL_TIMEOUT, "crash,distributed-timeout,9000,", "1,\"failed (exit code 1), an NCCL/distributed timeout or failure: torch.distributed.DistBackendError", 3),
        (ids::PREEMPTED, "crash,preempted,2200,", ",\"preempted, preemption: wandb: WARNING Received SIGTERM", 3),
        (ids::NO_TRACEBACK, "crash,unknown,20,", "2,\"failed (exit code 2), unknown: error: --data-dir /mnt/eval/shard-07 does not exist\"", 2),
        (ids::PROGRESS_FLOOD, "crash,nan-inf-check,3000,", "1,\"failed (exit code 1), a NaN/Inf check failed: RuntimeError: Function 'MulBackward0' returned nan values in its 0th output.\"", 3),
        (ids::FILE_ONLY, "crash,disk-full,3000,", "1,\"failed (exit code 1), the disk is full: OSError: [Errno 28] No space left on device\"", 5),
        (ids::STALLED, "crash,stalled,6000,", ",\"still `running` but no heartbeat for ", 3),
    ] {
        let (out, graphql) = counted(&s, &["diagnose", &path(id), "--allow", &storage]);
        let text = out.ok();
        let row = text.lines().find(|l| l.starts_with(head));
        // Past the epoch column: exact or approximate, it depends on sampling.
        let rest = row.and_then(|r| r[head.len()..].split_once(',')).map(|(_, rest)| rest);
        assert!(rest.is_some_and(|r| r.starts_with(tail)), "{id}: {text}");
        assert!(text.trim_end().ends_with(&format!("{requests} requests")), "{id}: {text}");
        assert!(graphql <= requests, "{id}: {graphql} GraphQL requests");
        assert!(tokens(text) <= 400, "{id}: {} tokens", tokens(text));
    }
}

#[test]
fn diagnose_backs_crashes_with_system_metrics() {
    let s = server();
    let oom = Cli::against(&s).run(&["diagnose", &path(ids::CUDA_OOM)]);
    assert!(
        oom.ok().starts_with(
            "finding,key,step,epoch,value,detail\ngpu-memory-full,system.gpu.7.memoryAllocated,"
        ),
        "{}",
        oom.stdout
    );
    assert!(oom
        .stdout
        .contains("GPU memory ≥95% on 8 of the GPUs in the last 5m00s before the end"));
    let host = Cli::against(&s).run(&["diagnose", &path(ids::HOST_OOM)]);
    assert!(host.ok().contains("\nmemory-ramp,system.proc.memory.rssMB,1500,1,1005000,process RSS climbed from 19.5 GiB to 981 GiB over 37m30s"), "{}", host.stdout);
    let stalled = Cli::against(&s).run(&["diagnose", &path(ids::STALLED)]);
    assert!(
        stalled.ok().contains("\ngpu-idle,system.gpu.0-7.gpu,"),
        "{}",
        stalled.stdout
    );
    assert!(stalled
        .stdout
        .contains("GPU utilisation fell to 0% at 1h45m of runtime"));
    // A healthy finished run costs no extra request.
    let (healthy, graphql) = counted(&s, &["diagnose", &path(ids::NO_OUTPUT)]);
    assert!(healthy
        .ok()
        .starts_with("finding,key,step,epoch,value,detail\nnone,"));
    assert_eq!(graphql, 1);
}

#[test]
fn system_collapses_alike_gpus_within_budget() {
    let s = server();
    let (out, graphql) = counted(&s, &["system", &path(ids::CUDA_OOM)]);
    let text = out.ok();
    assert_eq!(graphql, 1);
    assert!(tokens(text) <= 400, "{} tokens", tokens(text));
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "metric,unit,min,max,mean,last,spark");
    assert!(
        lines[2].starts_with("gpu.0-7.memoryAllocated,%,74,100,"),
        "{text}"
    );
    assert!(
        lines[3].starts_with("gpu.0-7.memoryAllocatedBytes,GiB,59.2,80,"),
        "{text}"
    );
    assert!(text.contains("\nnetwork.recv,MB/s,,,,9,flat\n"), "{text}");
    assert!(
        lines
            .last()
            .unwrap()
            .starts_with("# run cudaoom1 failed; 1h42m of runtime"),
        "{text}"
    );
    let rss = Cli::against(&s).run(&["system", &path(ids::HOST_OOM), "--keys", "rss"]);
    assert!(
        rss.ok().contains("\nproc.memory.rssMB,GiB,19.5,981,"),
        "{}",
        rss.stdout
    );
    assert_eq!(rss.stdout.lines().count(), 3, "{}", rss.stdout);
}

#[test]
fn system_reads_the_older_key_names_and_says_when_there_is_nothing() {
    let s = server();
    let legacy = Cli::against(&s).run(&["system", &path(ids::PREEMPTED), "--keys", "memory,disk"]);
    let text = legacy.ok();
    assert!(text.contains("\nmemory,%,"), "{text}");
    assert!(text.contains("\ndisk.in,MiB/s,"), "{text}");
    let none = Cli::against(&s).run(&["system", &path(ids::NO_OUTPUT)]);
    assert_eq!(
        none.ok(),
        "metric,unit,min,max,mean,last,spark\n# run noout007 has no system metrics\n"
    );
    let bad = Cli::against(&s).run(&["system", &path(ids::NO_OUTPUT), "--samples", "1"]);
    assert_eq!(bad.fails(2), "error: samples must be between 2 and 10000");
}

#[test]
fn list_runs_adds_the_exit_code_of_failed_runs() {
    let s = server();
    let out = Cli::against(&s).run(&[
        "list-runs",
        "demo/crashes",
        "--include-crashed",
        "--include-short",
        "--limit",
        "20",
    ]);
    let text = out.ok();
    assert!(
        text.starts_with("id,name,state,created_at,runtime_s,steps,exit\n"),
        "{text}"
    );
    assert!(text.contains("\ncudaoom1,llama-ft-bs64,failed,"), "{text}");
    assert!(
        text.lines()
            .any(|l| l.starts_with("cudaoom1,") && l.ends_with(",1")),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with("noout007,") && l.ends_with(",")),
        "{text}"
    );
}
