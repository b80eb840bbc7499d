//! The adversarial component (tests/escape-guest) tries to get out of the sandbox; every
//! attempt must fail with the specific denial or limit, and the host stays healthy after.

use wandb_emulator::DEMO_API_KEY;

use crate::support::{escape_component, server, Cli, Output};

fn attack(s: &wandb_emulator::RunningServer, extra: &[&str], spec: &str) -> Output {
    attack_timed(s, extra, spec).0
}

/// The attack's output and how long the attacking call took (the health check excluded).
fn attack_timed(
    s: &wandb_emulator::RunningServer,
    extra: &[&str],
    spec: &str,
) -> (Output, std::time::Duration) {
    let component = escape_component().to_str().unwrap().to_string();
    let mut args: Vec<&str> = vec!["--component", &component];
    args.extend_from_slice(extra);
    args.extend_from_slice(&["summary", spec]);
    let started = std::time::Instant::now();
    let out = Cli::against(s).run(&args);
    let took = started.elapsed();
    // Healthy afterwards: the real component still works against the same server.
    assert!(Cli::against(s)
        .run(&["list-runs", "demo/vision", "--limit", "1"])
        .ok()
        .starts_with("id,"));
    (out, took)
}

#[test]
fn other_hosts_ports_schemes_and_ip_aliases_are_denied() {
    let s = server();
    let port = s.addr.port();
    for target in [
        format!("http://example.com:{port}/"),
        format!("http://127.0.0.1:{}/", port.wrapping_add(1)),
        format!("https://127.0.0.1:{port}/"),
        format!("http://localhost:{port}/"),
        format!("http://[::1]:{port}/"),
        format!("http://127.1:{port}/"),
        format!("http://2130706433:{port}/"),
        format!("http://0x7f.0.0.1:{port}/"),
        format!("http://[::ffff:127.0.0.1]:{port}/"),
        format!("http://0.0.0.0:{port}/"),
        format!("http://127.0.0.1:0{port}/"),
        "http://169.254.169.254/latest/meta-data/".to_string(),
    ] {
        let out = attack(&s, &[], &format!("fetch {target}"));
        let line = out.fails(6);
        assert!(line.starts_with("error: denied: "), "{target}: {line}");
    }
}

#[test]
fn user_info_in_the_url_is_refused() {
    let s = server();
    let out = attack(&s, &[], &format!("fetch http://user:pw@{}/__stats", s.addr));
    assert_ne!(out.code, 0, "{}", out.stdout);
    assert!(out.stdout.is_empty());
}

#[test]
fn the_guest_cannot_set_authorization_or_host() {
    let s = server();
    for (verb, header) in [("auth", "authorization"), ("host", "host")] {
        let out = attack(&s, &[], &format!("{verb} {}/__stats", s.base_url()));
        let line = out.fails(5);
        assert!(
            line.to_ascii_lowercase().contains("forbidden") || line.contains(header),
            "{verb}: {line}"
        );
    }
}

#[test]
fn the_environment_holds_only_what_the_guest_needs() {
    let s = server();
    let out = attack(&s, &[], "env");
    let text = out.ok();
    assert_eq!(
        text.trim_end(),
        format!(
            "env: WANDB_BASE_URL={} WANDB_AGENT_RETRIES=3 WANDB_AGENT_TIMEOUT=60 WANDB_AGENT_HOST=cli WANDB_AGENT_MAX_OUTPUT_TOKENS=4000; args:",
            s.base_url()
        )
    );
    assert!(!text.contains(DEMO_API_KEY));
}

#[test]
fn files_are_out_of_reach() {
    let s = server();
    assert_eq!(
        attack(&s, &[], "files").ok(),
        "files: every attempt failed\n"
    );
}

#[test]
fn the_api_key_is_nowhere_the_guest_can_look() {
    use base64::Engine;
    let s = server();
    let out = attack(&s, &[], &format!("hunt {}/__stats", s.base_url()));
    let text = out.ok();
    let encoded = base64::engine::general_purpose::STANDARD.encode(format!("api:{DEMO_API_KEY}"));
    assert!(
        !text.contains(DEMO_API_KEY) && !text.contains(&encoded),
        "{text}"
    );
    assert!(
        text.contains("response 200"),
        "the hunt did reach the server: {text}"
    );
    assert!(
        text.trim_end()
            .ends_with("memory hits for the Basic-auth prefix: 0"),
        "{text}"
    );
}

#[test]
fn unbounded_allocation_hits_the_memory_limit() {
    let s = server();
    let line = attack(&s, &["--max-memory-mb", "64"], "alloc")
        .fails(9)
        .to_string();
    assert_eq!(
        line,
        "error: the component exceeded its memory limit of 64 MiB (raise --max-memory-mb)"
    );
}

#[test]
fn an_infinite_loop_is_interrupted() {
    let s = server();
    let (out, took) = attack_timed(&s, &["--timeout", "2"], "loop");
    assert_eq!(
        out.fails(9),
        "error: the call took longer than 2s and was stopped (raise --timeout)"
    );
    // Generous for a loaded CI machine (loading the component is not part of the 2 s).
    assert!(took < std::time::Duration::from_secs(15), "{took:?}");
}

#[test]
fn request_floods_are_capped() {
    let s = server();
    let line = attack(
        &s,
        &["--max-requests", "5"],
        &format!("flood {}/__stats 20", s.base_url()),
    )
    .fails(9)
    .to_string();
    assert_eq!(
        line,
        "error: the call made more than 5 HTTP requests and was stopped (raise --max-requests)"
    );
}

#[test]
fn an_endless_response_read_is_stopped() {
    let trickle = crate::support::RawServer::start(|_| crate::support::Behaviour::Trickle);
    let s = server();
    let line = attack(
        &s,
        &["--timeout", "2", "--allow", &trickle.base_url()],
        &format!("read {}/", trickle.base_url()),
    )
    .fails(9)
    .to_string();
    assert!(line.contains("took longer than 2s"), "{line}");
}

#[test]
fn credentials_go_to_the_base_url_only() {
    use crate::support::{http, RawServer};
    let other = RawServer::start(|_| http(200, "", "{}"));
    let s = server();
    // The base URL gets the header (so this test can tell the difference)...
    let base = RawServer::start(|_| http(200, "", "{}"));
    let component = escape_component().to_str().unwrap().to_string();
    Cli::new()
        .env("WANDB_API_KEY", DEMO_API_KEY)
        .run(&[
            "--base-url",
            &base.base_url(),
            "--component",
            &component,
            "summary",
            &format!("fetch {}/x", base.base_url()),
        ])
        .ok();
    assert!(
        base.heads.lock().unwrap()[0].contains("\nauthorization: basic "),
        "{:?}",
        base.heads.lock().unwrap()
    );
    // ...an allowed other origin never does.
    let out = attack(
        &s,
        &["--allow", &other.base_url()],
        &format!("fetch {}/x", other.base_url()),
    );
    assert!(out.ok().starts_with("reached"));
    let heads = other.heads.lock().unwrap();
    assert_eq!(heads.len(), 1);
    assert!(!heads[0].contains("authorization"), "{}", heads[0]);
}

/// The head of the one request the escape component's `spec` made to a fresh base URL that
/// answers everything with 200 (`{base}` in `spec` is its URL), with the demo key set.
fn base_sees(spec: &str) -> String {
    use crate::support::{http, RawServer};
    let base = RawServer::start(|_| http(200, "", "{}"));
    let component = escape_component().to_str().unwrap().to_string();
    let spec = spec.replace("{base}", &base.base_url());
    let out = Cli::new().env("WANDB_API_KEY", DEMO_API_KEY).run(&[
        "--base-url",
        &base.base_url(),
        "--component",
        &component,
        "summary",
        &spec,
    ]);
    assert!(out.ok().contains("HTTP 200"), "{spec}: {}", out.stdout);
    let heads = base.heads.lock().unwrap();
    assert_eq!(heads.len(), 1, "{spec}: {heads:?}");
    heads[0].clone()
}

#[test]
fn the_key_goes_only_with_api_methods_to_origin_paths() {
    // The control: the methods the API uses, to a path on the origin, carry the key.
    for spec in ["method GET {base}/x", "fetch {base}/graphql?q=1"] {
        let head = base_sees(spec);
        assert!(head.contains("\nauthorization: basic "), "{spec}: {head}");
    }
    // A server that echoes TRACE (or any other method) would hand the key back; a `//` path
    // reads as another host to some servers and proxies.
    for spec in [
        "method TRACE {base}/x",
        "method PUT {base}/x",
        "method DELETE {base}/x",
        "method PROPFIND {base}/x",
        "fetch {base}//evil.example/x",
        "method TRACE {base}//x",
    ] {
        let head = base_sees(spec);
        let verb = spec.split_whitespace().nth(1).unwrap().to_ascii_lowercase();
        let verb = if verb.starts_with("{base}") {
            "get".into()
        } else {
            verb
        };
        assert!(head.starts_with(&format!("{verb} ")), "{spec}: {head}");
        assert!(!head.contains("authorization"), "{spec}: {head}");
    }
}

#[test]
fn proxy_headers_from_the_component_are_dropped() {
    let head = base_sees("forwarded {base}/x");
    assert!(head.contains("\nauthorization: basic "), "{head}");
    for name in [
        "x-forwarded-",
        "\nforwarded:",
        "x-real-ip",
        "\nvia:",
        "evil.example",
    ] {
        assert!(!head.contains(name), "{name} reached the server: {head}");
    }
}

/// A host-side allocation attack under `--max-memory-mb limit`: the call fails with the limit's
/// one line (exit 9), the host's peak RSS stays under the limit + 64 MiB (and under twice the
/// limit for small limits), and the real component still works afterwards.
fn hoard(s: &wandb_emulator::RunningServer, limit_mb: u64, spec: &str) -> String {
    let component = escape_component().to_str().unwrap().to_string();
    let limit = limit_mb.to_string();
    // Compiling the component (on a cold cache) takes more memory than any attack may: do it
    // first, unmeasured.
    Cli::against(s)
        .run(&["--component", &component, "summary", "env"])
        .ok();
    let started = std::time::Instant::now();
    let (out, peak_mb) = Cli::against(s).run_measured(&[
        "--component",
        &component,
        "--max-memory-mb",
        &limit,
        "summary",
        spec,
    ]);
    let took = started.elapsed();
    let line = out.fails(9).to_string();
    let bound = (limit_mb + 64).min(if limit_mb < 64 {
        2 * limit_mb
    } else {
        u64::MAX
    });
    assert!(
        peak_mb < bound,
        "`{spec}` under {limit_mb} MiB: peak RSS {peak_mb} MiB (bound {bound}); {line}"
    );
    assert!(
        took < std::time::Duration::from_secs(30),
        "{spec}: {took:?}"
    );
    assert!(Cli::against(s)
        .run(&["list-runs", "demo/vision", "--limit", "1"])
        .ok()
        .starts_with("id,"));
    line
}

#[test]
fn many_large_header_maps_hit_the_size_and_resource_limits() {
    let s = server();
    // 20,000 maps of a 120 KB value each: 2.3 GB in the host before the limits.
    let line = hoard(&s, 256, "header-maps 20000 120000");
    assert_eq!(
        line,
        "error: the component made a header map larger than the host allows (16 KiB)"
    );
    // Values under the per-map size limit: the resource cap (smaller for a small limit).
    let line = hoard(&s, 256, "header-maps 20000 8000");
    assert_eq!(
        line,
        "error: the component exceeded its limit of 1024 host resources held at once (header maps, requests, bodies, streams, pollables) (raise --max-memory-mb)"
    );
    let line = hoard(&s, 32, "header-maps 20000 8000");
    assert!(line.contains("its limit of 128 host resources"), "{line}");
}

#[test]
fn kept_requests_handles_and_unsent_bodies_hit_the_resource_limit() {
    let s = server();
    for spec in ["requests 12000", "handles 100000", "unsent-bodies 5000"] {
        let line = hoard(&s, 256, spec);
        assert!(
            line.contains("its limit of 1024 host resources"),
            "{spec}: {line}"
        );
    }
}

#[test]
fn what_the_host_holds_counts_against_the_memory_limit() {
    let s = server();
    // 200 MiB of linear memory, then 60 KB paths (about the longest a URI may be) on up to
    // 1,000 requests: the host holds the rest of the 256 MiB, and then some.
    let line = hoard(&s, 256, "paths 1000 60000 ballast 200");
    assert!(
        line.starts_with("error: the component exceeded its memory limit of 256 MiB, ")
            && line
                .ends_with("MiB of it allocated by the host on its behalf (raise --max-memory-mb)"),
        "{line}"
    );
    // Without ballast the resource cap stops it first (1,024 requests of 64 KB at most).
    let line = hoard(&s, 256, "paths 5000 60000");
    assert!(line.contains("its limit of 1024 host resources"), "{line}");
}

#[test]
fn one_huge_header_list_is_refused_within_the_limit() {
    let s = server();
    // 60,000 headers of 1 KB in one list (60 MB, copied from the component into the host for
    // the call): refused by the size limit of one header map, and the copy counts against
    // the memory limit while it exists.
    let component = escape_component().to_str().unwrap().to_string();
    let (out, peak_mb) = Cli::against(&s).run_measured(&[
        "--component",
        &component,
        "summary",
        "header-list 60000 1000",
    ]);
    assert!(peak_mb < 256 + 64, "peak RSS {peak_mb} MiB");
    assert_eq!(
        out.fails(9),
        "error: the component made a header map larger than the host allows (16 KiB)"
    );
}
