//! A hostile or broken server: every case gives one clear line on stderr, a non-zero exit,
//! no panic and nothing on stdout; or, for odd but valid data, correct output.

use crate::support::{http, Behaviour, Cli, Output, RawServer};

const RUN: &str = "demo/vision/x7k2m9qa";

/// Runs the CLI against `server` with retries off: one request per call.
fn against(server: &RawServer, args: &[&str]) -> Output {
    let mut full = vec!["--retries", "0"];
    full.extend_from_slice(args);
    retrying(server, &full)
}

/// Runs the CLI against `server` with the default retry policy unless `args` sets one.
fn retrying(server: &RawServer, args: &[&str]) -> Output {
    let base_url = server.base_url();
    let mut full = vec!["--base-url", base_url.as_str()];
    full.extend_from_slice(args);
    Cli::new().env("WANDB_API_KEY", "k").run(&full)
}

fn always(b: Behaviour) -> RawServer {
    RawServer::start(move |_| b.clone())
}

/// Each (body, expected fragment of the error line) answered with HTTP 200.
#[test]
fn malformed_and_mistyped_replies_are_server_errors() {
    let cases: &[(&str, &[&str], &str)] = &[
        ("<html>gateway</html>", &["list-runs", "demo/vision"], "sent a reply that is not JSON: <html>gateway</html>"),
        ("{\"data\":{\"project\":", &["summary", RUN], "sent a reply that is not JSON"),
        ("", &["summary", RUN], "sent a reply that is not JSON: empty body"),
        ("{\"errors\":[{\"message\":\"project not found\",\"path\":[\"project\"]}],\"data\":null}", &["summary", RUN], "answered with an error: project not found"),
        ("{\"data\":null}", &["summary", RUN], "sent a GraphQL reply without data"),
        ("{\"data\":{\"project\":{}}}", &["list-runs", "demo/vision"], "sent a run list without edges"),
        ("{\"data\":{\"project\":{\"runs\":{\"edges\":[{\"node\":{\"name\":5}}]}}}}", &["list-runs", "demo/vision"], "listed a run without an id"),
        ("{\"data\":{\"project\":{\"run\":{\"config\":\"{not json\",\"summaryMetrics\":\"{}\"}}}}", &["summary", RUN], "sent run config that is not valid JSON"),
        ("{\"data\":{\"project\":{\"run\":{\"config\":7}}}}", &["summary", RUN], "sent run config of an unexpected type: number"),
        ("{\"data\":{\"project\":{\"run\":{\"historyKeys\":null,\"sampledHistory\":\"oops\"}}}}", &["history", RUN, "--keys", "loss"], "sent no sampledHistory list"),
        ("{\"data\":{\"project\":{\"run\":{\"sampledHistory\":[[{\"loss\":1}]]}}}}", &["history", RUN, "--keys", "loss"], "history row without a numeric _step"),
        ("{\"data\":{\"project\":{\"run\":{\"sampledHistory\":[[],[]]}}}}", &["history", RUN, "--keys", "loss"], "answered 2 history specs of 1"),
    ];
    for (body, args, expected) in cases {
        let server = always(http(200, "", body));
        let out = against(&server, args);
        let line = out.fails(7);
        assert!(line.contains(expected), "{body}: {line}");
    }
}

#[test]
fn http_errors_map_to_their_kind_and_are_not_retried() {
    for (status, code, expected) in [
        (401, 4, "HTTP 401: bad key"),
        (403, 4, "HTTP 403: bad key"),
        (404, 7, "HTTP 404 from"),
        (400, 7, "HTTP 400 from"),
    ] {
        let server = always(http(status, "", "{\"errors\":[{\"message\":\"bad key\"}]}"));
        let out = retrying(&server, &["summary", RUN]);
        assert!(
            out.fails(code).contains(expected),
            "{status}: {}",
            out.stderr
        );
        assert_eq!(server.count(), 1, "{status} must not be retried");
    }
}

#[test]
fn rate_limits_are_retried_honouring_retry_after_then_reported() {
    let server = always(http(
        429,
        "retry-after: 1\r\n",
        "{\"errors\":[{\"message\":\"rate limit exceeded\"}]}",
    ));
    let started = std::time::Instant::now();
    let out = retrying(&server, &["--retries", "2", "summary", RUN]);
    let line = out.fails(7).to_string();
    assert_eq!(server.count(), 3);
    assert!(started.elapsed() >= std::time::Duration::from_secs(2));
    assert!(
        line.ends_with(&format!(
            "HTTP 429 from {} after 3 attempts over 2 s: rate limit exceeded",
            server.addr
        )),
        "{line}"
    );
}

#[test]
fn server_errors_back_off_and_recovery_succeeds() {
    let server = always(http(500, "", "internal"));
    let out = retrying(&server, &["--retries", "1", "summary", RUN]);
    assert!(
        out.fails(7)
            .ends_with("after 2 attempts over 1 s: internal"),
        "{}",
        out.stderr
    );
    let flaky = RawServer::start(|n| {
        if n == 0 {
            http(503, "", "busy")
        } else {
            http(200, "", "{\"data\":{\"project\":{\"run\":{\"config\":\"{}\",\"summaryMetrics\":\"{\\\"loss\\\": NaN}\"}}}}")
        }
    });
    let out = retrying(&flaky, &["summary", RUN]);
    assert_eq!(out.ok(), "{\"config\":{},\"summary\":{\"loss\":\"NaN\"}}\n");
}

#[test]
fn a_long_retry_after_is_not_waited_for() {
    let server = always(http(503, "retry-after: 3600\r\n", "maintenance"));
    let out = retrying(&server, &["summary", RUN]);
    assert!(
        out.fails(7)
            .contains("the server asked to wait 3600 s more, past the retry budget"),
        "{}",
        out.stderr
    );
}

/// Retry-After may also be an HTTP-date (RFC 9110): a date seconds ahead is waited for, one
/// an hour ahead is past the retry budget and reported at once.
#[test]
fn a_retry_after_date_is_honoured() {
    let date_in = |secs| {
        let at = std::time::SystemTime::now() + std::time::Duration::from_secs(secs);
        format!("retry-after: {}\r\n", httpdate::fmt_http_date(at))
    };
    let flaky = RawServer::start(move |n| {
        if n == 0 {
            http(503, &date_in(4), "busy")
        } else {
            http(
                200,
                "",
                "{\"data\":{\"project\":{\"run\":{\"config\":\"{}\",\"summaryMetrics\":\"{}\"}}}}",
            )
        }
    });
    let started = std::time::Instant::now();
    let out = retrying(&flaky, &["summary", RUN]);
    assert_eq!(out.ok(), "{\"config\":{},\"summary\":{}}\n");
    // The date has one-second resolution: the wait is 3-4 s, where the backoff would be 1 s.
    assert!(started.elapsed() >= std::time::Duration::from_millis(2500));

    let closed = always(http(503, &date_in(3600), "maintenance"));
    let started = std::time::Instant::now();
    let out = retrying(&closed, &["summary", RUN]);
    let stderr = out.fails(7);
    assert!(
        stderr.contains("(the server asked to wait 35") && stderr.contains("past the retry budget"),
        "{stderr}"
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
}

#[test]
fn truncated_body_is_one_line() {
    let server = always(Behaviour::Send(
        b"HTTP/1.1 200 OK\r\ncontent-length: 5000\r\n\r\n{\"data\":{\"proj".to_vec(),
    ));
    let out = against(&server, &["summary", RUN]);
    assert_ne!(out.code, 0);
    out.fails(out.code);
}

#[test]
fn huge_body_hits_the_response_limit() {
    let big = format!(
        "{{\"data\":{{\"project\":{{\"run\":{{\"notes\":\"{}\"}}}}}}}}",
        "x".repeat(3 << 20)
    );
    let server = always(http(200, "", &big));
    let line = against(&server, &["--max-response-mb", "1", "summary", RUN])
        .fails(9)
        .to_string();
    assert!(
        line.contains("exceeded 1 MiB and was cut off (raise --max-response-mb)"),
        "{line}"
    );
}

/// With retries on, a response cut off at the size limit is downloaded once: the host refuses
/// to send the same request again and the component does not retry that refusal.
#[test]
fn an_oversized_response_is_not_retried() {
    let big = format!(
        "{{\"data\":{{\"project\":{{\"run\":{{\"notes\":\"{}\"}}}}}}}}",
        "x".repeat(3 << 20)
    );
    let server = always(http(200, "", &big));
    // Warm the compile cache first, so that only the call itself is timed.
    against(&server, &["--max-response-mb", "1", "summary", RUN]).fails(9);
    let before = server.count();
    let started = std::time::Instant::now();
    let line = retrying(&server, &["--max-response-mb", "1", "summary", RUN])
        .fails(9)
        .to_string();
    let took = started.elapsed();
    assert!(
        line.contains("exceeded 1 MiB and was cut off (raise --max-response-mb)"),
        "{line}"
    );
    assert_eq!(server.count() - before, 1, "downloaded more than once");
    // At most the first backoff (1 s), never the 1+2+4 s of three retries.
    assert!(took < std::time::Duration::from_secs(5), "{took:?}");
}

#[test]
fn a_body_that_trickles_forever_hits_the_call_timeout() {
    let server = always(Behaviour::Trickle);
    let started = std::time::Instant::now();
    let line = against(&server, &["--timeout", "3", "summary", RUN])
        .fails(9)
        .to_string();
    assert!(line.contains("took longer than 3s"), "{line}");
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
}

#[test]
fn a_server_that_never_answers_hits_the_first_byte_timeout() {
    let server = always(Behaviour::Hang);
    let started = std::time::Instant::now();
    let line = against(&server, &["--io-timeout", "1", "summary", RUN])
        .fails(5)
        .to_string();
    assert!(line.contains("cannot reach"), "{line}");
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
}

#[test]
fn odd_but_valid_data_is_rendered_safely() {
    let long = "n".repeat(5000);
    let body = format!(
        "{{\"data\":{{\"project\":{{\"runCount\":NaN,\"allRunCount\":\"x\",\"runs\":{{\"edges\":[{{\"node\":{{\"name\":\"abc12345\",\"displayName\":\"模型, \\\"🚀\\\"\",\"state\":\"finished\",\"historyLineCount\":Infinity}}}},{{\"node\":{{\"name\":\"def67890\",\"displayName\":\"{long}\",\"state\":\"running\"}}}}],\"pageInfo\":{{\"hasNextPage\":false}}}}}}}}}}"
    );
    let server = always(http(200, "", &body));
    let out = against(&server, &["list-runs", "demo/vision"]);
    let text = out.ok();
    assert!(
        text.contains("abc12345,\"模型, \"\"🚀\"\"\",finished,,,\n"),
        "{text}"
    );
    let long_row = text.lines().find(|l| l.starts_with("def67890")).unwrap();
    assert!(
        long_row.len() < 300 && long_row.contains("…(+4880 chars)"),
        "{long_row}"
    );
    // An empty project is not an error.
    let empty = always(http(200, "", "{\"data\":{\"project\":{\"runCount\":0,\"runs\":{\"edges\":[],\"pageInfo\":{\"hasNextPage\":false}}}}}"));
    assert_eq!(
        against(&empty, &["list-runs", "demo/vision"]).ok(),
        "id,name,state,created_at,runtime_s,steps\n"
    );
}

#[test]
fn redirects_are_not_followed() {
    let target = always(http(200, "", "{\"data\":{}}"));
    let server = always(http(
        302,
        &format!("location: {}/graphql\r\n", target.base_url()),
        "",
    ));
    let line = against(&server, &["--allow", &target.base_url(), "summary", RUN])
        .fails(7)
        .to_string();
    assert!(line.contains("HTTP 302 from"), "{line}");
    assert_eq!(target.count(), 0, "the redirect target was never contacted");
}

/// A server from before `logLines` rejects the field; logs then asks for the run alone and
/// falls back to the log file (here: there is none), in three requests.
#[test]
fn a_server_without_log_lines_falls_back_to_run_files() {
    let server = RawServer::start(|n| {
        match n {
        0 => http(
            200,
            "",
            "{\"errors\":[{\"message\":\"Cannot query field \\\"logLines\\\" on type \\\"Run\\\".\"}],\"data\":null}",
        ),
        1 => http(
            200,
            "",
            "{\"data\":{\"project\":{\"run\":{\"state\":\"failed\",\"exitcode\":3}}}}",
        ),
        _ => http(
            200,
            "",
            "{\"data\":{\"project\":{\"run\":{\"files\":{\"edges\":[{\"node\":{\"name\":\"output.log\",\"directUrl\":\"http://127.0.0.1:9/x\",\"sizeBytes\":0,\"updatedAt\":null}}]}}}}}",
        ),
    }
    });
    let out = against(&server, &["logs", RUN]);
    assert_eq!(
        out.ok(),
        "# run x7k2m9qa failed (exit code 3); no console output (no streamed lines and no output.log); 3 requests\n"
    );
    assert_eq!(server.count(), 3);
}

/// System rows that are not JSON, or not a list at all.
#[test]
fn malformed_system_rows_are_skipped_or_refused() {
    let rows = always(http(
        200,
        "",
        "{\"data\":{\"project\":{\"run\":{\"state\":\"finished\",\"events\":[\"{not json\",\"{\\\"_runtime\\\":0,\\\"system.cpu\\\":5}\",\"{\\\"_runtime\\\":15,\\\"system.cpu\\\":7}\",\"[1]\"]}}}}",
    ));
    let out = against(&rows, &["system", RUN]);
    let text = out.ok();
    assert!(text.contains("\ncpu,%,5,7,6,7,"), "{text}");
    assert!(
        text.trim_end().ends_with("; 2 unreadable rows skipped"),
        "{text}"
    );
    let not_a_list = always(http(
        200,
        "",
        "{\"data\":{\"project\":{\"run\":{\"state\":\"finished\",\"events\":\"oops\"}}}}",
    ));
    let line = against(&not_a_list, &["system", RUN]).fails(7).to_string();
    assert!(
        line.contains("sent system metrics (events) that are not a list"),
        "{line}"
    );
}
