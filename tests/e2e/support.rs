//! Shared test harness: the real CLI binary, the real emulator on 127.0.0.1:0, real HTTP.

use std::path::{Path, PathBuf};
use std::process::Command;

use wandb_emulator::{RunningServer, DEMO_API_KEY};

pub const BIN: &str = env!("CARGO_BIN_EXE_wandb-agent");

pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

pub fn server() -> RunningServer {
    wandb_emulator::spawn("127.0.0.1:0".parse().unwrap(), DEMO_API_KEY).expect("emulator starts")
}

pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    /// Asserts success and returns stdout.
    pub fn ok(&self) -> &str {
        assert_eq!(
            self.code, 0,
            "stderr: {}\nstdout: {}",
            self.stderr, self.stdout
        );
        assert!(self.stderr.is_empty(), "unexpected stderr: {}", self.stderr);
        &self.stdout
    }

    /// Asserts a failure with `code`, exactly one line on stderr, nothing on stdout; returns the line.
    pub fn fails(&self, code: i32) -> &str {
        assert_eq!(
            self.code, code,
            "stdout: {}\nstderr: {}",
            self.stdout, self.stderr
        );
        assert!(
            self.stdout.is_empty(),
            "partial output on failure: {}",
            self.stdout
        );
        assert_eq!(
            self.stderr.lines().count(),
            1,
            "want one line, got: {}",
            self.stderr
        );
        assert!(!self.stderr.contains("panicked"), "{}", self.stderr);
        self.stderr.trim_end()
    }
}

/// A CLI invocation with a clean environment: no inherited variables, an empty HOME.
pub struct Cli {
    command: Command,
    _home: tempfile::TempDir,
}

impl Cli {
    pub fn new() -> Cli {
        let home = tempfile::tempdir().unwrap();
        let mut command = Command::new(BIN);
        command
            .env_clear()
            .env("HOME", home.path())
            .env("PATH", std::env::var("PATH").unwrap_or_default());
        // One shared compile cache keeps the suite fast (and exercises the cache).
        command.env(
            "WANDB_AGENT_CACHE_DIR",
            workspace().join("target").join("test-component-cache"),
        );
        Cli {
            command,
            _home: home,
        }
    }

    /// Against `server` with the demo key.
    pub fn against(server: &RunningServer) -> Cli {
        let mut cli = Cli::new();
        cli.env("WANDB_BASE_URL", &server.base_url())
            .env("WANDB_API_KEY", DEMO_API_KEY);
        cli
    }

    pub fn home(&self) -> &Path {
        self._home.path()
    }

    pub fn env(&mut self, key: &str, value: &str) -> &mut Cli {
        self.command.env(key, value);
        self
    }

    pub fn env_remove(&mut self, key: &str) -> &mut Cli {
        self.command.env_remove(key);
        self
    }

    /// Runs like [`Cli::run`] and also returns the process's peak RSS in MiB.
    ///
    /// Linux folds the address space a process had before `exec` into its `ru_maxrss`, so a
    /// child spawned straight from this (large) test process would report this process's size.
    /// A small Python parent spawns the CLI instead and reports the CLI's `ru_maxrss` from
    /// `wait4`, which is then at least the parent's own ~10 MiB: below the CLI's baseline.
    pub fn run_measured(&mut self, args: &[&str]) -> (Output, u64) {
        const SPAWNER: &str = "import os, subprocess, sys\n\
            p = subprocess.Popen(sys.argv[2:])\n\
            _, status, usage = os.wait4(p.pid, 0)\n\
            open(sys.argv[1], 'w').write(str(usage.ru_maxrss))\n\
            sys.exit(os.waitstatus_to_exitcode(status) & 0xff)\n";
        let report = tempfile::NamedTempFile::new().unwrap();
        // The same clean environment; the CLI and its arguments as the spawner's arguments.
        let mut python = Command::new("python3");
        python.env_clear();
        for (key, value) in self.command.get_envs() {
            if let Some(value) = value {
                python.env(key, value);
            }
        }
        python
            .arg("-c")
            .arg(SPAWNER)
            .arg(report.path())
            .arg(self.command.get_program())
            .args(self.command.get_args())
            .args(args);
        let out = python.output().expect("python3 runs");
        let kib: u64 = std::fs::read_to_string(report.path())
            .unwrap()
            .trim()
            .parse()
            .expect("the spawner wrote the peak RSS");
        let output = Output {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        };
        (output, kib / 1024)
    }

    /// Runs the CLI; every output stays under the default output ceiling unless the call
    /// sets its own (`--max-output-tokens`), in every test.
    pub fn run(&mut self, args: &[&str]) -> Output {
        let out = self.command.args(args).output().expect("binary runs");
        let output = Output {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        };
        // The command's arguments, these included.
        let own_ceiling = self
            .command
            .get_args()
            .any(|a| a.to_string_lossy().starts_with("--max-output-tokens"));
        if !own_ceiling && output.stdout.len() > CEILING {
            let n = tokens(&output.stdout);
            assert!(
                n <= CEILING,
                "{args:?}: {n} tokens, over the output ceiling"
            );
        }
        output
    }
}

/// The default output ceiling, in o200k tokens.
pub const CEILING: usize = 4000;

/// o200k tokens of `text`, counted with the real tokenizer (tiktoken-rs).
/// A CSV answer's records after its header, `#` lines left out.
pub fn csv_records(text: &str) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(true)
        .comment(Some(b'#'))
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

pub fn tokens(text: &str) -> usize {
    static ENCODER: std::sync::OnceLock<tiktoken_rs::CoreBPE> = std::sync::OnceLock::new();
    ENCODER
        .get_or_init(|| tiktoken_rs::o200k_base().unwrap())
        .encode_with_special_tokens(text)
        .len()
}

/// GraphQL requests the server has received so far.
pub fn request_count(server: &RunningServer) -> u64 {
    get_json(server.addr, "/__stats")["graphql_requests"]
        .as_u64()
        .unwrap()
}

/// The JSON body of `GET path` on the emulator at `addr` (its test endpoints).
pub fn get_json(addr: std::net::SocketAddr, path: &str) -> serde_json::Value {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut text = String::new();
    stream.read_to_string(&mut text).unwrap();
    let body = text.split("\r\n\r\n").nth(1).unwrap_or("");
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{path} sent no JSON ({e}): {body}"))
}

/// The `.cwasm` files in a compile-cache directory.
pub fn cached(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "cwasm"))
        .collect()
}

/// The hostile test component (tests/escape-guest), built for wasm32-wasip2 the first time a
/// test asks for it (the host build compiles only the shipped component), into the same
/// `target/guest` as host/build.rs's guest build. A failed build fails the test that asked.
pub fn escape_component() -> &'static Path {
    static BUILT: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BUILT.get_or_init(build_escape_component)
}

fn build_escape_component() -> PathBuf {
    let target_dir = workspace().join("target").join("guest");
    let mut command = Command::new(env!("CARGO"));
    command
        .current_dir(workspace())
        .args(["build", "--quiet", "--package", "escape-guest"])
        .args(["--target", "wasm32-wasip2", "--profile", "guest"])
        .arg("--target-dir")
        .arg(&target_dir);
    // As in host/build.rs: the test run's own settings must not reach the wasm build.
    for var in [
        "RUSTFLAGS",
        "CARGO_ENCODED_RUSTFLAGS",
        "CARGO_BUILD_TARGET",
        "CARGO_TARGET_DIR",
        "CARGO_MAKEFLAGS",
        "MAKEFLAGS",
        "MFLAGS",
    ] {
        command.env_remove(var);
    }
    let status = command
        .status()
        .unwrap_or_else(|e| panic!("cannot run cargo to build tests/escape-guest: {e}"));
    assert!(
        status.success(),
        "building tests/escape-guest for wasm32-wasip2 failed (see above; \
         `rustup target add wasm32-wasip2` if the target is missing)"
    );
    let wasm = target_dir
        .join("wasm32-wasip2")
        .join("guest")
        .join("escape_guest.wasm");
    assert!(wasm.is_file(), "{} was not built", wasm.display());
    wasm
}

/// What a [`RawServer`] does with each request.
#[derive(Clone)]
pub enum Behaviour {
    /// Send these bytes (a whole HTTP response, or a broken one) and close.
    Send(Vec<u8>),
    /// Send a status line and headers, then one body byte every 200 ms, forever.
    Trickle,
    /// Read the request and never answer.
    Hang,
}

/// A hand-rolled HTTP server on 127.0.0.1:0 for replies no real server would send. The n-th
/// request (counting from 0) gets `script(n)`.
pub struct RawServer {
    pub addr: std::net::SocketAddr,
    pub requests: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    /// The head (request line and headers, lowercased) of every request received.
    pub heads: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl RawServer {
    pub fn start(script: impl Fn(usize) -> Behaviour + Send + Sync + 'static) -> RawServer {
        use std::sync::atomic::Ordering;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let requests = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counter = requests.clone();
        let heads = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let recorded = heads.clone();
        let script = std::sync::Arc::new(script);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let n = counter.fetch_add(1, Ordering::SeqCst);
                let behaviour = script(n);
                let recorded = recorded.clone();
                std::thread::spawn(move || serve_one(stream, behaviour, recorded));
            }
        });
        RawServer {
            addr,
            requests,
            heads,
        }
    }

    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn count(&self) -> usize {
        self.requests.load(std::sync::atomic::Ordering::SeqCst)
    }
}

/// Reads one request (headers, then a chunked or sized body) so the client sees a clean
/// reply; returns its head, lowercased.
fn read_request(stream: &mut std::net::TcpStream) -> String {
    use std::io::Read;
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    let _ = stream.set_read_timeout(Some(std::time::Duration::from_secs(5)));
    loop {
        let text = String::from_utf8_lossy(&data).to_ascii_lowercase();
        if let Some(end) = text.find("\r\n\r\n") {
            let body = &text[end + 4..];
            let done = if text.contains("transfer-encoding: chunked") {
                body.contains("0\r\n\r\n")
            } else {
                let len = text
                    .lines()
                    .find_map(|l| {
                        l.strip_prefix("content-length:")
                            .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                    })
                    .unwrap_or(0);
                body.len() >= len
            };
            if done {
                return text[..end].to_string();
            }
        }
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return String::from_utf8_lossy(&data).to_ascii_lowercase(),
            Ok(n) => data.extend_from_slice(&buf[..n]),
        }
    }
}

fn serve_one(
    mut stream: std::net::TcpStream,
    behaviour: Behaviour,
    heads: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
) {
    use std::io::Write;
    let head = read_request(&mut stream);
    heads.lock().unwrap().push(head);
    match behaviour {
        Behaviour::Send(bytes) => {
            let _ = stream.write_all(&bytes);
        }
        Behaviour::Trickle => {
            let _ = stream.write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100000000\r\n\r\n{");
            while stream.write_all(b" ").is_ok() {
                std::thread::sleep(std::time::Duration::from_millis(200));
            }
        }
        Behaviour::Hang => std::thread::sleep(std::time::Duration::from_secs(120)),
    }
}

/// A complete HTTP/1.1 response with a JSON (or any) body.
pub fn http(status: u16, extra_headers: &str, body: &str) -> Behaviour {
    Behaviour::Send(
        format!(
            "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n{extra_headers}\r\n{body}",
            body.len()
        )
        .into_bytes(),
    )
}
