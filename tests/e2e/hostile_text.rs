//! A hostile server's text: control characters and bidirectional overrides in run names,
//! config, log lines, GraphQL error messages and error excerpts are printed escaped (`\x1b`
//! in CSV, `#` lines and messages, `\u001b` in JSON), never raw.

use crate::support::{http, Behaviour, Cli, Output, RawServer};

const RUN: &str = "demo/vision/x7k2m9qa";

/// The characters that must never reach a terminal raw.
fn is_unsafe(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{8}'
        | '\u{b}'..='\u{1f}'
        | '\u{7f}'..='\u{9f}'
        | '\u{202a}'..='\u{202e}'
        | '\u{2066}'..='\u{2069}')
}

fn assert_clean(out: &Output) {
    for (stream, text) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
        let bad: Vec<String> = text
            .chars()
            .filter(|&c| is_unsafe(c))
            .map(|c| format!("U+{:04X}", u32::from(c)))
            .collect();
        assert!(bad.is_empty(), "{stream} holds {bad:?}: {text:?}");
    }
}

/// The CLI against a server that answers every request with `reply`, retries off.
fn against(reply: Behaviour, args: &[&str]) -> Output {
    let server = RawServer::start(move |_| reply.clone());
    let base_url = server.base_url();
    let mut full = vec!["--base-url", base_url.as_str(), "--retries", "0"];
    full.extend_from_slice(args);
    let out = Cli::new().env("WANDB_API_KEY", "k").run(&full);
    assert_clean(&out);
    out
}

/// `\u001b]0;pwned\u0007` (retitle the terminal), `\u001b[2J` (clear it), an 8-bit CSI, DEL
/// and a right-to-left override, as JSON string escapes.
const PAYLOAD: &str = r"\u001b]0;pwned\u0007\u001b[2J\u009b31m\u007f\u202egnp.exe";
/// The same, as the output writes it in CSV, `#` lines and messages.
const SHOWN: &str = r"\x1b]0;pwned\x07\x1b[2J\x9b31m\x7f\u202egnp.exe";

#[test]
fn run_names_are_escaped_in_csv() {
    let body = format!(
        r#"{{"data":{{"project":{{"runCount":1,"runs":{{"edges":[{{"node":{{"name":"abc12345","displayName":"run{PAYLOAD}","state":"finished"}}}}],"pageInfo":{{"hasNextPage":false}}}}}}}}}}"#
    );
    let out = against(http(200, "", &body), &["list-runs", "demo/vision"]);
    assert_eq!(
        out.ok(),
        format!("id,name,state,created_at,runtime_s,steps\nabc12345,run{SHOWN},finished,,,\n")
    );
}

#[test]
fn config_is_escaped_in_json_and_reads_back_as_sent() {
    // The config is a JSON string holding JSON: the payload is escaped twice.
    let inner = PAYLOAD.replace('\\', r"\\");
    let body = format!(
        r#"{{"data":{{"project":{{"run":{{"config":"{{\"opt{inner}\": {{\"value\": \"adam{inner}\"}}}}","summaryMetrics":"{{}}"}}}}}}}}"#
    );
    let out = against(http(200, "", &body), &["summary", RUN]);
    let text = out.ok();
    assert!(
        text.contains(r"\u001b]0;pwned\u0007\u001b[2J\u009b31m\u007f\u202egnp.exe"),
        "{text}"
    );
    let line: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    let raw = "\u{1b}]0;pwned\u{7}\u{1b}[2J\u{9b}31m\u{7f}\u{202e}gnp.exe";
    assert_eq!(line["config"][format!("opt{raw}")], format!("adam{raw}"));
}

#[test]
fn log_lines_keep_colours_stripped_and_the_rest_escaped() {
    let body = format!(
        r#"{{"data":{{"project":{{"run":{{"state":"failed","exitcode":1,"logLineCount":2,"logLines":{{"edges":[{{"node":{{"number":1,"level":"info","line":"\u001b[1m\u001b[32mEpoch 1\u001b[0m done"}}}},{{"node":{{"number":2,"level":"error","line":"boom{PAYLOAD}"}}}}]}}}}}}}}}}"#
    );
    let out = against(http(200, "", &body), &["logs", RUN]);
    let text = out.ok();
    assert!(
        text.contains("Epoch 1 done"),
        "colours are stripped: {text}"
    );
    // The OSC and CSI sequences go as before; the 8-bit CSI, DEL and override are escaped.
    assert!(text.contains(r"boom\x9b31m\x7f\u202egnp.exe"), "{text}");
}

#[test]
fn graphql_error_messages_and_excerpts_are_escaped() {
    let body = format!(r#"{{"errors":[{{"message":"project {PAYLOAD} not found"}}],"data":null}}"#);
    let out = against(http(200, "", &body), &["summary", RUN]);
    let line = out.fails(7);
    assert!(
        line.contains(&format!("project {SHOWN} not found")),
        "{line}"
    );

    // Raw bytes, not JSON escapes: a body that is not JSON is quoted in the message.
    let raw = "<html>\u{1b}]0;pwned\u{7}\u{1b}[2J\u{9b}\u{202e}</html>";
    let out = against(http(200, "", raw), &["list-runs", "demo/vision"]);
    let line = out.fails(7);
    assert!(
        line.contains(
            r"sent a reply that is not JSON: <html>\x1b]0;pwned\x07\x1b[2J\x9b\u202e</html>"
        ),
        "{line}"
    );

    // An HTTP error's body.
    let out = against(http(500, "", raw), &["summary", RUN]);
    let line = out.fails(7);
    assert!(line.contains(r"\x1b]0;pwned\x07"), "{line}");
}
