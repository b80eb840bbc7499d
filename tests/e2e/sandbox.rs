//! Credentials, the allowlist and the cache, end to end.

use wandb_emulator::DEMO_API_KEY;

use crate::support::{cached, escape_component, server, Cli};

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

/// This machine's own name, when every address it resolves to is private or loopback (as in
/// /etc/hosts on most machines and containers).
fn private_hostname() -> Option<String> {
    use std::net::ToSocketAddrs;
    let mut buf = [0u8; 256];
    // SAFETY: the buffer is valid for its length; gethostname NUL-terminates within it.
    if unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) } != 0 {
        return None;
    }
    let name = std::ffi::CStr::from_bytes_until_nul(&buf)
        .ok()?
        .to_str()
        .ok()?
        .to_string();
    let addrs: Vec<std::net::IpAddr> = (name.as_str(), 80)
        .to_socket_addrs()
        .ok()?
        .map(|a| a.ip())
        .collect();
    let private = |ip: &std::net::IpAddr| match ip {
        std::net::IpAddr::V4(v4) => v4.is_loopback() || v4.is_private() || v4.is_link_local(),
        std::net::IpAddr::V6(v6) => v6.is_loopback() || (v6.segments()[0] & 0xfe00) == 0xfc00,
    };
    (!addrs.is_empty() && addrs.iter().all(private) && name != "localhost").then_some(name)
}

#[test]
fn a_name_that_resolves_to_a_private_address_is_refused() {
    let s = server();
    let Some(name) = private_hostname() else {
        eprintln!("skipped: this machine's name does not resolve to private addresses only");
        return;
    };
    let port = s.addr.port();
    let line = Cli::new()
        .env("WANDB_API_KEY", wandb_emulator::DEMO_API_KEY)
        .run(&[
            "--base-url",
            &format!("http://{name}:{port}"),
            "list-runs",
            "demo/vision",
        ])
        .fails(6)
        .to_string();
    assert!(
        line.starts_with(&format!("error: {name} resolved to "))
            && line.contains("which is not a public address"),
        "{line}"
    );
    // Named explicitly, `localhost` is the user's choice: it works.
    Cli::new()
        .env("WANDB_API_KEY", wandb_emulator::DEMO_API_KEY)
        .run(&[
            "--base-url",
            &format!("http://localhost:{port}"),
            "list-runs",
            "demo/vision",
            "--limit",
            "1",
        ])
        .ok();
}

/// Loading a `.cwasm` runs native code: a planted entry (here the hostile component compiled
/// under the real component's name) is loaded only when the directory and the file are this
/// user's alone.
#[test]
fn a_planted_cache_entry_is_refused_unless_private() {
    use std::os::unix::fs::PermissionsExt;
    let s = server();
    let escape = escape_component().to_str().unwrap().to_string();
    let list = |cache: &std::path::Path| {
        Cli::against(&s).run(&[
            "--cache-dir",
            cache.to_str().unwrap(),
            "list-runs",
            "demo/vision",
            "--limit",
            "1",
        ])
    };
    let hostile_dir = tempfile::tempdir().unwrap();
    Cli::against(&s)
        .run(&[
            "--cache-dir",
            hostile_dir.path().to_str().unwrap(),
            "--component",
            &escape,
            "summary",
            "env",
        ])
        .ok();
    let hostile = cached(hostile_dir.path()).pop().unwrap();
    let plant = |mode: u32| {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("cache");
        assert!(list(&dir).ok().starts_with("id,"));
        let entry = cached(&dir).pop().unwrap();
        std::fs::copy(&hostile, &entry).unwrap();
        std::fs::set_permissions(&entry, std::fs::Permissions::from_mode(mode)).unwrap();
        (root, dir, entry)
    };
    // Control: private to this user, the planted entry is trusted and runs (this is what the
    // checks below prevent).
    let (_root, dir, _) = plant(0o600);
    // (The escape component exports only `wandb-summary`: the planted code is what ran.)
    assert!(list(&dir)
        .fails(8)
        .contains("the component has no export `wandb-list-runs`"));
    // World-writable entry: refused, compiled again and replaced by a private one.
    let (_root, dir, entry) = plant(0o666);
    assert!(list(&dir).ok().starts_with("id,"));
    let mode = std::fs::metadata(&entry).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    // A directory others can write: not used at all, and a warning says why.
    let (_root, dir, _) = plant(0o600);
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
    let out = list(&dir);
    assert!(
        out.code == 0 && out.stdout.starts_with("id,"),
        "{}",
        out.stderr
    );
    assert_eq!(
        out.stderr,
        format!(
            "warning: not using the compile cache {0}: {0} can be written by other users (mode 777); compiling in memory (make it private, or pick another --cache-dir)\n",
            dir.display()
        )
    );
    // Another user's entry (only root can make one here).
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        let (_root, dir, entry) = plant(0o600);
        std::os::unix::fs::chown(&entry, Some(65534), Some(65534)).unwrap();
        assert!(list(&dir).ok().starts_with("id,"));
    }
}

/// The host's own TLS client (it connects to pinned addresses itself): against a server with a
/// self-signed certificate for `localhost` the handshake runs and the certificate is refused,
/// in one line. Needs the `openssl` command to make the server; skipped without it.
#[test]
fn a_certificate_nobody_vouches_for_is_refused() {
    use std::process::{Command, Stdio};
    let dir = tempfile::tempdir().unwrap();
    let (key, cert) = (dir.path().join("key.pem"), dir.path().join("cert.pem"));
    let made = Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
        ])
        .args(["-subj", "/CN=localhost", "-keyout"])
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .stderr(Stdio::null())
        .status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("skipped: no openssl command to make a test certificate");
        return;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = Command::new("openssl")
        .args(["s_server", "-quiet", "-www", "-accept"])
        .arg(format!("127.0.0.1:{port}"))
        .arg("-cert")
        .arg(&cert)
        .arg("-key")
        .arg(&key)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed().as_secs() < 10,
            "openssl s_server did not start"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let out = Cli::new().env("WANDB_API_KEY", DEMO_API_KEY).run(&[
        "--base-url",
        &format!("https://localhost:{port}"),
        "--retries",
        "0",
        "list-runs",
        "demo/vision",
    ]);
    let _ = server.kill();
    let _ = server.wait();
    assert_eq!(
        out.fails(5),
        format!(
            "error: cannot reach https://localhost:{port}/graphql: its TLS certificate is not trusted"
        )
    );
}
