//! Credentials, the allowlist and the cache, end to end.

use wandb_emulator::DEMO_API_KEY;

use crate::support::{escape_component, server, Cli};

#[test]
fn wrong_key_is_one_clear_line() {
    let s = server();
    let out = Cli::against(&s)
        .env(
            "WANDB_API_KEY",
            "wrong_key_wrong_key_wrong_key_wrong_key_00",
        )
        .run(&["list-runs", "demo/vision"]);
    let line = out.fails(4);
    assert!(
        line.contains("rejected the credentials (HTTP 401: user is not logged in)"),
        "{line}"
    );
    assert!(line.contains("WANDB_API_KEY"), "{line}");
}

#[test]
fn missing_key_is_unauthorized() {
    let s = server();
    let mut cli = Cli::against(&s);
    cli.env_remove("WANDB_API_KEY");
    assert!(cli
        .run(&["summary", "demo/vision/x7k2m9qa"])
        .fails(4)
        .contains("HTTP 401"));
}

#[test]
fn key_from_netrc_for_the_base_url_netloc() {
    let s = server();
    let mut cli = Cli::against(&s);
    cli.env_remove("WANDB_API_KEY");
    let netrc = format!(
        "machine {}\n  login user\n  password {DEMO_API_KEY}\n",
        s.addr
    );
    std::fs::write(cli.home().join(".netrc"), netrc).unwrap();
    assert!(cli
        .run(&["list-runs", "demo/vision", "--limit", "1"])
        .ok()
        .starts_with("id,"));
}

#[test]
fn netrc_entry_for_another_machine_is_not_used() {
    let s = server();
    let mut cli = Cli::against(&s);
    cli.env_remove("WANDB_API_KEY");
    let netrc = format!("machine api.wandb.ai login user password {DEMO_API_KEY}\n");
    std::fs::write(cli.home().join(".netrc"), netrc).unwrap();
    cli.run(&["list-runs", "demo/vision"]).fails(4);
}

#[test]
fn unreachable_server_is_a_network_error() {
    // A port that was free a moment ago: nothing listens there now.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out = Cli::new()
        .env("WANDB_BASE_URL", &format!("http://127.0.0.1:{port}"))
        .run(&["list-runs", "demo/vision"]);
    let line = out.fails(5);
    assert!(
        line.contains(&format!("cannot reach http://127.0.0.1:{port}/graphql")),
        "{line}"
    );
}

#[test]
fn bad_base_url_and_allow_entries_are_usage_errors() {
    let line = Cli::new()
        .env("WANDB_BASE_URL", "not a url")
        .run(&["list-runs", "demo/vision"])
        .fails(2)
        .to_string();
    assert!(line.contains("invalid --base-url"), "{line}");
    let line = Cli::new()
        .run(&["--allow", "evil.example", "list-runs", "demo/vision"])
        .fails(2)
        .to_string();
    assert!(line.contains("scheme://host[:port]"), "{line}");
}

#[test]
fn requests_off_the_allowlist_are_denied() {
    let s = server();
    let other = server();
    let component = escape_component().to_str().unwrap().to_string();
    // The base URL's origin is reachable...
    let ok = Cli::against(&s).run(&[
        "--component",
        &component,
        "summary",
        &format!("fetch {}/__stats", s.base_url()),
    ]);
    assert!(ok.ok().starts_with("reached"), "{}", ok.stdout);
    // ...another port on the same host is not, nor another spelling of the same host.
    for target in [
        format!("{}/__stats", other.base_url()),
        format!("http://localhost:{}/__stats", s.addr.port()),
        format!("https://{}/__stats", s.addr),
    ] {
        let line = Cli::against(&s)
            .run(&[
                "--component",
                &component,
                "summary",
                &format!("fetch {target}"),
            ])
            .fails(6)
            .to_string();
        assert_eq!(line, format!("error: denied: {target}"));
    }
    // Unless explicitly allowed.
    let allowed = Cli::against(&s).run(&[
        "--component",
        &component,
        "--allow",
        &other.base_url(),
        "summary",
        &format!("fetch {}/__stats", other.base_url()),
    ]);
    assert!(allowed.ok().starts_with("reached"));
}

#[test]
fn missing_component_file_is_one_line() {
    let line = Cli::new()
        .run(&[
            "--component",
            "/nonexistent/x.wasm",
            "list-runs",
            "demo/vision",
        ])
        .fails(2)
        .to_string();
    assert!(
        line.starts_with("error: cannot read component /nonexistent/x.wasm"),
        "{line}"
    );
}

#[test]
fn works_without_cache() {
    let s = server();
    assert!(Cli::against(&s)
        .run(&["--no-cache", "list-runs", "demo/vision", "--limit", "1"])
        .ok()
        .starts_with("id,"));
}
