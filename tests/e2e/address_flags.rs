//! `--base-url` and `--allow` take each address one way only, and never repeat a key that a
//! URL carried: every refusal is one line (exit 2) naming the form to write.

use crate::support::Cli;

/// The error line for these flags (before any request: no server is needed).
fn refused(args: &[&str]) -> String {
    let mut full = args.to_vec();
    full.extend_from_slice(&["list-runs", "demo/vision"]);
    let out = Cli::new().env("WANDB_API_KEY", "k").run(&full);
    out.fails(2).to_string()
}

#[test]
fn odd_spellings_of_an_address_name_the_canonical_form() {
    for (url, expected) in [
        (
            "http://2130706433:8080",
            "the host `2130706433` is not written the canonical way; write it as 127.0.0.1",
        ),
        ("http://127.1:8080", "write it as 127.0.0.1"),
        ("http://0177.0.0.1:8080", "write it as 127.0.0.1"),
        ("http://0x7f.0.0.1:8080", "write it as 127.0.0.1"),
        (
            "http://[::ffff:127.0.0.1]:8080",
            "is an IPv4 address written as IPv6; write it as 127.0.0.1",
        ),
        (
            "http://localhost.:8080",
            "the host `localhost.` ends with a dot; write it as localhost",
        ),
        (
            "http://127.0.0.1:028190",
            "the port `028190` has a leading zero; write it as :28190",
        ),
        ("http://*:8080", "`*` is a wildcard; name one host"),
    ] {
        let line = refused(&["--base-url", url]);
        assert!(
            line.starts_with(&format!("error: invalid --base-url `{url}`: "))
                && line.contains(expected),
            "{url}: {line}"
        );
        let line = refused(&["--base-url", "http://127.0.0.1:8080", "--allow", url]);
        assert!(
            line.starts_with(&format!("error: invalid allowlist entry `{url}`: "))
                && line.contains(expected)
                && line.ends_with("write it as scheme://host[:port], e.g. https://api.wandb.ai"),
            "--allow {url}: {line}"
        );
    }
}

#[test]
fn a_key_in_a_url_is_never_repeated() {
    const KEY: &str = "SECRETKEY0123456789";
    for args in [
        vec![
            "--base-url",
            "http://api:SECRETKEY0123456789@127.0.0.1:8080",
        ],
        // Refused by the URL parser first (port out of range): still not shown.
        vec![
            "--base-url",
            "http://api:SECRETKEY0123456789@127.0.0.1:99999",
        ],
        vec!["--base-url", "http://SECRETKEY0123456789@127.0.0.1:8080/"],
        vec![
            "--base-url",
            "http://127.0.0.1:8080",
            "--allow",
            "http://api:SECRETKEY0123456789@127.0.0.1:9",
        ],
        // Malformed: no `//`, or no scheme at all.
        vec!["--base-url", "http:/api:SECRETKEY0123456789@127.0.0.1:8080"],
        vec!["--base-url", "api:SECRETKEY0123456789@127.0.0.1:8080"],
        vec![
            "--base-url",
            "http://127.0.0.1:8080",
            "--allow",
            "api:SECRETKEY0123456789@127.0.0.1:9",
        ],
    ] {
        let line = refused(&args);
        assert!(!line.contains(KEY), "{args:?}: {line}");
        assert!(line.contains("127.0.0.1"), "{args:?}: {line}");
    }
    let line = refused(&[
        "--base-url",
        "http://api:SECRETKEY0123456789@127.0.0.1:8080",
    ]);
    assert_eq!(
        line,
        "error: invalid --base-url `http://127.0.0.1:8080`: user info (user:password@) is not allowed in a URL; give the key in WANDB_API_KEY or ~/.netrc"
    );
}
