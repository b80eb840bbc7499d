//! An adversarial component for the host's sandbox tests. It exports `wandb-summary` with the
//! wandb-agent world's signature (its own world, `wit/escape.wit`), so the real host runs it,
//! but `wandb-summary(attack)` performs the escape attempt its argument names and reports what
//! happened; the tests assert every attempt fails in the expected way.
//!
//! Attacks: `fetch URL`, `auth URL` (set Authorization), `host URL` (set Host), `env`,
//! `files`, `alloc`, `loop`, `read URL` (read a body to its end), `flood URL N`, `hunt URL`
//! (look for credentials in the environment, arguments, files, a response and all of memory),
//! `method VERB URL` (e.g. `TRACE`, which some servers echo with the request's headers),
//! `forwarded URL` (proxy headers: `X-Forwarded-Host`, `Forwarded`, `X-Real-IP`, `Via`).
//!
//! Host-side allocation attacks (memory the host allocates on the component's behalf, which the
//! component's own linear-memory limit never sees), each keeping everything it creates:
//! `header-maps N BYTES` (header maps with one large value each), `requests N` (outgoing
//! requests), `handles N` (pollables), `header-list N BYTES` (one header map from a list of N
//! large headers), `unsent-bodies N` (request bodies written as far as the host lets, never
//! sent), `paths N BYTES` (requests with a long path each). Any attack followed by
//! `ballast MB` first fills that much of its own linear memory.

#![cfg(target_arch = "wasm32")]

use waki::header::HeaderName;
use waki::{Client, ErrorCode};

wit_bindgen::generate!({ path: "wit", world: "escape", generate_all });

struct Escape;

fn describe(url: &str, e: anyhow::Error) -> Error {
    match e.downcast_ref::<ErrorCode>() {
        Some(ErrorCode::HttpRequestDenied) => Error::Denied(format!("denied: {url}")),
        Some(code) => Error::Network(format!("{url}: {code:?}")),
        None => Error::Network(format!("{url}: {e}")),
    }
}

fn get(url: &str, header: Option<(&'static str, &str)>) -> Result<(u16, Vec<u8>, String), Error> {
    let mut request = Client::new().get(url);
    if let Some((name, value)) = header {
        request = request.header(HeaderName::from_static(name), value);
    }
    let response = request.send().map_err(|e| describe(url, e))?;
    let status = response.status_code();
    let headers = format!("{:?}", response.headers());
    let body = response.body().map_err(|e| describe(url, e))?;
    Ok((status, body, headers))
}

fn fetch(url: &str, header: Option<(&'static str, &str)>) -> Result<String, Error> {
    let (status, body, _) = get(url, header)?;
    Ok(format!(
        "reached {url}: HTTP {status}, {} bytes",
        body.len()
    ))
}

/// A request with any method; the reply's body is returned (an echo would show the key).
fn method(verb: &str, url: &str) -> Result<String, Error> {
    let method = match verb {
        "TRACE" => waki::Method::Trace,
        "PUT" => waki::Method::Put,
        "DELETE" => waki::Method::Delete,
        "OPTIONS" => waki::Method::Options,
        "GET" => waki::Method::Get,
        other => waki::Method::Other(other.to_string()),
    };
    let response = Client::new()
        .request(method, url)
        .send()
        .map_err(|e| describe(url, e))?;
    let status = response.status_code();
    let body = response.body().map_err(|e| describe(url, e))?;
    Ok(format!(
        "{verb} {url}: HTTP {status}, body {}",
        String::from_utf8_lossy(&body)
    ))
}

/// A GET carrying the headers a proxy uses to route a request or name its client.
fn forwarded(url: &str) -> Result<String, Error> {
    let response = Client::new()
        .get(url)
        .header(HeaderName::from_static("x-forwarded-host"), "evil.example")
        .header(HeaderName::from_static("x-forwarded-for"), "203.0.113.9")
        .header(HeaderName::from_static("forwarded"), "host=evil.example")
        .header(HeaderName::from_static("x-real-ip"), "203.0.113.9")
        .header(HeaderName::from_static("via"), "1.1 evil.example")
        .send()
        .map_err(|e| describe(url, e))?;
    Ok(format!("reached {url}: HTTP {}", response.status_code()))
}

fn env() -> String {
    let vars: Vec<String> = std::env::vars().map(|(k, v)| format!("{k}={v}")).collect();
    let args: Vec<String> = std::env::args().collect();
    format!("env: {}; args: {}", vars.join(" "), args.join(" "))
}

fn files() -> String {
    let attempts = [
        ("read_dir /", std::fs::read_dir("/").map(|_| ())),
        ("read_dir .", std::fs::read_dir(".").map(|_| ())),
        ("read /etc/passwd", std::fs::read("/etc/passwd").map(|_| ())),
        ("read ~/.netrc", std::fs::read("/root/.netrc").map(|_| ())),
        ("write /tmp/escape", std::fs::write("/tmp/escape", b"x")),
    ];
    let opened: Vec<&str> = attempts
        .iter()
        .filter(|(_, r)| r.is_ok())
        .map(|(name, _)| *name)
        .collect();
    if opened.is_empty() {
        "files: every attempt failed".into()
    } else {
        format!("files: OPENED {}", opened.join(", "))
    }
}

/// Everything a component could try in a directory the host granted for runs on disk
/// (`/local/...`): read inside it (allowed), change anything in it, climb out of it, follow a
/// symlink out of it, and read a hard link to a file elsewhere (the same file: a pre-open
/// cannot tell). One line: what opened, what was refused.
fn granted(dir: &str) -> String {
    use std::fs::{self, OpenOptions};
    let at = |name: &str| format!("{dir}/{name}");
    let attempts: Vec<(&str, std::io::Result<()>)> = vec![
        ("read inside.txt", fs::read(at("inside.txt")).map(|_| ())),
        ("list the directory", fs::read_dir(dir).map(|_| ())),
        ("read hard-link", fs::read(at("hard-link")).map(|_| ())),
        ("write planted", fs::write(at("planted"), b"x")),
        (
            "append inside.txt",
            OpenOptions::new()
                .append(true)
                .open(at("inside.txt"))
                .map(|_| ()),
        ),
        (
            "truncate inside.txt",
            OpenOptions::new()
                .write(true)
                .truncate(true)
                .open(at("inside.txt"))
                .map(|_| ()),
        ),
        ("mkdir sub", fs::create_dir(at("sub"))),
        (
            "rename inside.txt",
            fs::rename(at("inside.txt"), at("moved.txt")),
        ),
        ("remove inside.txt", fs::remove_file(at("inside.txt"))),
        ("list ..", fs::read_dir(at("..")).map(|_| ())),
        (
            "read ../../etc/passwd",
            fs::read(at("../../../etc/passwd")).map(|_| ()),
        ),
        ("list /local", fs::read_dir("/local").map(|_| ())),
        ("list /", fs::read_dir("/").map(|_| ())),
        ("read link-out", fs::read(at("link-out")).map(|_| ())),
        (
            "list dir-link-out",
            fs::read_dir(at("dir-link-out")).map(|_| ()),
        ),
    ];
    let mut attempts = attempts;
    // A URL planted in the directory (a server the test counts requests on): a local call is
    // granted no network.
    if let Ok(target) = fs::read_to_string(at("target.txt")) {
        let sent = fetch(target.trim(), None)
            .map(|_| ())
            .map_err(|_| std::io::Error::other("refused"));
        attempts.push(("send http", sent));
    }
    let (opened, refused): (Vec<_>, Vec<_>) = attempts.iter().partition(|(_, r)| r.is_ok());
    let names = |v: Vec<&(&str, std::io::Result<()>)>| {
        v.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
    };
    let vars: Vec<String> = std::env::vars().map(|(k, v)| format!("{k}={v}")).collect();
    format!(
        "granted: opened {}; refused {}; env: {}",
        names(opened),
        names(refused),
        vars.join(" ")
    )
}

/// Every place a credential could be: the environment, arguments, a response from the
/// server (status line, headers, body), and the whole linear memory.
fn hunt(url: &str) -> String {
    let mut seen = env();
    if let Ok((status, body, headers)) = get(url, None) {
        seen.push_str(&format!(
            "; response {status} headers {headers} body {}",
            String::from_utf8_lossy(&body)
        ));
    }
    // Built at run time so the pattern itself is not a literal in this component's data.
    let pattern: Vec<u8> = "pBXY cisaB".bytes().rev().collect();
    let hits = memory_hits(&pattern);
    format!("{seen}; memory hits for the Basic-auth prefix: {hits}")
}

/// How often `pattern` occurs in linear memory (outside the pattern's own buffer), read byte
/// by byte from address 1.
fn memory_hits(pattern: &[u8]) -> usize {
    let len = core::arch::wasm32::memory_size(0) * 65536;
    let own = pattern.as_ptr() as usize..pattern.as_ptr() as usize + pattern.len();
    let mut hits = 0;
    let mut matched = 0;
    for addr in (1..len).filter(|a| !own.contains(a)) {
        // SAFETY: every address below memory_size is readable linear memory.
        let byte = unsafe { std::ptr::read_volatile(addr as *const u8) };
        matched = if byte == pattern[matched] {
            matched + 1
        } else if byte == pattern[0] {
            1
        } else {
            0
        };
        if matched == pattern.len() {
            hits += 1;
            matched = 0;
        }
    }
    hits
}

mod hoard {
    //! Host-side allocation attacks through the raw wasi:http and wasi:clocks bindings.

    use super::wasi::clocks::monotonic_clock;
    use super::wasi::http::types::{Fields, OutgoingBody, OutgoingRequest};

    /// Keeps every resource it is given until the call ends (the host must hold them).
    #[derive(Default)]
    pub struct Hoard {
        fields: Vec<Fields>,
        requests: Vec<OutgoingRequest>,
        bodies: Vec<OutgoingBody>,
        streams: Vec<super::wasi::io::streams::OutputStream>,
        pollables: Vec<super::wasi::io::poll::Pollable>,
    }

    fn value(bytes: usize) -> Vec<u8> {
        vec![b'a'; bytes]
    }

    impl Hoard {
        pub fn header_maps(&mut self, n: usize, bytes: usize) -> String {
            let v = value(bytes);
            let mut refused = 0;
            for _ in 0..n {
                let f = Fields::new();
                refused += usize::from(f.append(&"x-hoard".to_string(), &v).is_err());
                self.fields.push(f);
            }
            format!("kept {n} header maps ({refused} values refused)")
        }

        pub fn requests(&mut self, n: usize) -> String {
            for _ in 0..n {
                self.requests.push(OutgoingRequest::new(Fields::new()));
            }
            format!("kept {n} requests")
        }

        pub fn handles(&mut self, n: usize) -> String {
            for _ in 0..n {
                self.pollables
                    .push(monotonic_clock::subscribe_duration(3_600_000_000_000));
            }
            format!("kept {n} pollables")
        }

        pub fn header_list(&mut self, n: usize, bytes: usize) -> String {
            let entries: Vec<(String, Vec<u8>)> =
                (0..n).map(|i| (format!("x-h{i}"), value(bytes))).collect();
            match Fields::from_list(&entries) {
                Ok(f) => {
                    self.fields.push(f);
                    format!("one header map of {n} headers")
                }
                Err(e) => format!("header list refused: {e:?}"),
            }
        }

        pub fn unsent_bodies(&mut self, n: usize) -> String {
            let chunk = value(1 << 16);
            let mut written = 0usize;
            for _ in 0..n {
                let request = OutgoingRequest::new(Fields::new());
                let Ok(body) = request.body() else { continue };
                let Ok(stream) = body.write() else { continue };
                // Write what the host allows, never flush, never send.
                while let Ok(permit) = stream.check_write() {
                    if permit == 0 {
                        break;
                    }
                    let take = chunk.len().min(permit as usize);
                    if stream.write(&chunk[..take]).is_err() {
                        break;
                    }
                    written += take;
                }
                self.streams.push(stream);
                self.bodies.push(body);
                self.requests.push(request);
            }
            format!("kept {n} unsent bodies holding {written} bytes")
        }

        pub fn paths(&mut self, n: usize, bytes: usize) -> String {
            let path = format!("/{}", "p".repeat(bytes));
            for _ in 0..n {
                let r = OutgoingRequest::new(Fields::new());
                let _ = r.set_path_with_query(Some(&path));
                self.requests.push(r);
            }
            format!("kept {n} requests with {bytes}-byte paths")
        }
    }
}

fn attack(spec: &str) -> Result<String, Error> {
    // `... ballast MB`: first fill that much linear memory, so that host-side allocations are
    // what pushes the call over its limit.
    let (spec, _ballast) = match spec.rsplit_once(" ballast ") {
        Some((rest, mb)) => {
            let mb: usize = mb.trim().parse().unwrap_or(0);
            (rest, std::hint::black_box(vec![1u8; mb << 20]))
        }
        None => (spec, Vec::new()),
    };
    let mut parts = spec.split_whitespace();
    let verb = parts.next().unwrap_or("");
    let url = parts.next().unwrap_or("");
    match verb {
        "fetch" => fetch(url, None),
        "auth" => fetch(url, Some(("authorization", "Basic c3RvbGVuOmtleQ=="))),
        "host" => fetch(url, Some(("host", "evil.example"))),
        "env" => Ok(env()),
        "files" => Ok(files()),
        _ if spec.starts_with("/local/") => Ok(granted(spec.trim_end_matches('/'))),
        "alloc" => {
            let mut hoard: Vec<Vec<u8>> = Vec::new();
            loop {
                hoard.push(vec![1u8; 1 << 20]);
            }
        }
        "loop" => {
            let mut x: u64 = 0;
            loop {
                x = std::hint::black_box(x.wrapping_add(1));
            }
        }
        "read" => {
            let (status, body, _) = get(url, None)?;
            Ok(format!("read {url}: HTTP {status}, {} bytes", body.len()))
        }
        "flood" => {
            let n: u32 = parts.next().and_then(|n| n.parse().ok()).unwrap_or(100);
            for i in 0..n {
                get(url, None).map_err(|e| Error::Network(format!("request {i}: {e:?}")))?;
            }
            Ok(format!("made {n} requests"))
        }
        "hunt" => Ok(hunt(url)),
        // Here the second word is the method and the third the URL.
        "method" => method(url, parts.next().unwrap_or("")),
        "forwarded" => forwarded(url),
        "header-maps" | "requests" | "handles" | "header-list" | "unsent-bodies" | "paths" => {
            // Here the second word is a count, not a URL.
            let n: usize = url.parse().unwrap_or(1000);
            let bytes: usize = parts.next().and_then(|b| b.parse().ok()).unwrap_or(1024);
            let mut hoard = hoard::Hoard::default();
            let report = match verb {
                "header-maps" => hoard.header_maps(n, bytes),
                "requests" => hoard.requests(n),
                "handles" => hoard.handles(n),
                "header-list" => hoard.header_list(n, bytes),
                "unsent-bodies" => hoard.unsent_bodies(n),
                _ => hoard.paths(n, bytes),
            };
            Ok(report)
        }
        other => Err(Error::BadInput(format!("unknown attack `{other}`"))),
    }
}

impl Guest for Escape {
    fn wandb_summary(spec: String) -> Result<String, Error> {
        attack(&spec)
    }
}

export!(Escape);
