//! Many runs' history specs in as few requests as the server's limits allow (docs/wandb-wire.md,
//! "Many runs in one request"): the specs of several runs go into one aliased request
//! ([`history::fetch_many`]) until it may answer [`MAX_ROWS_PER_REQUEST`] rows or holds
//! [`MAX_SPECS_PER_REQUEST`] specs. What a real server accepts in one request is not documented;
//! when one answers as if a request was too large, its specs are halved and sent again.

use crate::error::{AgentError, Result};
use crate::model::paths::ProjectPath;
use crate::model::{Series, Spec};
use crate::source::wandb::history;
use crate::source::wandb::Client;

/// Rows one request may answer, over all its runs and specs. A sampled row is about 45 bytes
/// on the wire, so a full request is about 10 MB — the dense passes of five long runs — and
/// its JSON values take about 100 MiB of the component's memory (256 MiB by default).
pub const MAX_ROWS_PER_REQUEST: u64 = 240_000;
/// Specs in one request (each a `sampledHistory` result list of its own).
pub const MAX_SPECS_PER_REQUEST: usize = 600;
/// Halvings of one request at most: down to a sixteenth (15,000 rows, less than `diagnose`
/// asks of one run), a server that still fails is failing for another reason, and the call
/// ends with its error instead of spending requests.
const MAX_HALVINGS: u32 = 4;

/// Specs `from..to` of run `run`: what one request asks of that run.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Piece {
    run: usize,
    from: usize,
    to: usize,
}

/// Each run's specs, fetched in as few requests as the limits allow: one answer per run, one
/// series per key of each of its specs in order (as [`history::fetch_many`] gives them).
pub fn fetch(
    client: &Client,
    project: &ProjectPath,
    runs: &[(&str, &[Spec])],
) -> Result<Vec<Vec<Series>>> {
    let mut answers: Vec<Vec<Series>> = vec![Vec::new(); runs.len()];
    for request in pack(runs) {
        for (piece, series) in send(client, project, runs, &request, 0)? {
            answers[piece.run].extend(series);
        }
    }
    Ok(answers)
}

/// The requests: consecutive pieces of the runs' specs, each request filled up to the limits
/// (a run's specs may go in two requests; [`fetch`] joins their answers back in order).
fn pack(runs: &[(&str, &[Spec])]) -> Vec<Vec<Piece>> {
    let mut requests: Vec<Vec<Piece>> = Vec::new();
    let mut current: Vec<Piece> = Vec::new();
    let (mut rows, mut specs) = (0u64, 0usize);
    for (run, (_, run_specs)) in runs.iter().enumerate() {
        let mut from = 0;
        for (i, spec) in run_specs.iter().enumerate() {
            let asked = rows_at_most(spec);
            if specs > 0
                && (rows + asked > MAX_ROWS_PER_REQUEST || specs + 1 > MAX_SPECS_PER_REQUEST)
            {
                if i > from {
                    current.push(Piece { run, from, to: i });
                }
                requests.push(std::mem::take(&mut current));
                (rows, specs, from) = (0, 0, i);
            }
            rows += asked;
            specs += 1;
        }
        if run_specs.len() > from {
            current.push(Piece {
                run,
                from,
                to: run_specs.len(),
            });
        }
    }
    if !current.is_empty() {
        requests.push(current);
    }
    requests
}

/// The most rows a spec can answer: its samples, or fewer when its window has fewer steps
/// (a key has one value per step at most).
fn rows_at_most(spec: &Spec) -> u64 {
    let samples = u64::from(spec.samples);
    match (spec.min_step, spec.max_step) {
        (Some(a), Some(b)) => samples.min(b.saturating_sub(a) + 1),
        _ => samples,
    }
}

/// One request's pieces and their answers; halved and sent again, each half on its own, when
/// the server answers as if it was too large (`halvings` so far).
fn send(
    client: &Client,
    project: &ProjectPath,
    runs: &[(&str, &[Spec])],
    request: &[Piece],
    halvings: u32,
) -> Result<Vec<(Piece, Vec<Series>)>> {
    let asked: Vec<(&str, &[Spec])> = request
        .iter()
        .map(|p| (runs[p.run].0, &runs[p.run].1[p.from..p.to]))
        .collect();
    match history::fetch_many(client, project, &asked) {
        Ok(answers) => Ok(request.iter().copied().zip(answers).collect()),
        Err(e) if too_large(&e) && halvings < MAX_HALVINGS => match halves(request) {
            Some((a, b)) => {
                let mut got = send(client, project, runs, &a, halvings + 1)?;
                got.extend(send(client, project, runs, &b, halvings + 1)?);
                Ok(got)
            }
            None => Err(e),
        },
        Err(e) => Err(e),
    }
}

/// A request's pieces split into two with about half the specs each, in order; `None` for a
/// single spec.
fn halves(request: &[Piece]) -> Option<(Vec<Piece>, Vec<Piece>)> {
    let total: usize = request.iter().map(|p| p.to - p.from).sum();
    if total < 2 {
        return None;
    }
    let mut left = total / 2;
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for &p in request {
        let n = p.to - p.from;
        if left >= n {
            a.push(p);
            left -= n;
        } else if left > 0 {
            a.push(Piece {
                to: p.from + left,
                ..p
            });
            b.push(Piece {
                from: p.from + left,
                ..p
            });
            left = 0;
        } else {
            b.push(p);
        }
    }
    Some((a, b))
}

/// Whether a failed request may succeed when smaller: the server said it was too large or too
/// complex (HTTP 413, or an error naming a limit), failed or timed out on it (5xx after the
/// retries, a read timeout). (Not a refused or timed-out connection: no smaller request would
/// reach the server either. Nor an answer cut off at the host's size limit: the host then
/// refuses every later request to that URL in the call, so that one call downloads an oversized
/// answer once, and the call ends with the host's word on `--max-response-mb`.)
fn too_large(error: &AgentError) -> bool {
    let message = error.message().to_ascii_lowercase();
    if message.contains("over the size limit") {
        return false;
    }
    let said = [
        "too large",
        "too big",
        "too many",
        "too complex",
        "complexity",
        "exceed",
        "limit",
        "timed out",
        "timeout",
    ]
    .iter()
    .any(|w| message.contains(w));
    match error {
        AgentError::Server(_) => {
            said || ["413", "500", "502", "503", "504"]
                .iter()
                .any(|code| message.starts_with(&format!("http {code} ")))
        }
        AgentError::Network(_) => ["read timed out", "bodysize", "body size"]
            .iter()
            .any(|w| message.contains(w)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;

    use serde_json::{json, Value};

    use super::*;
    use crate::source::wandb::graphql::{Reply, Transport};

    /// `n` specs of `samples` samples over consecutive windows of 10,000 steps.
    fn specs(n: usize, samples: u32) -> Vec<Spec> {
        (0..n as u64)
            .map(|i| Spec::of("loss", samples, Some(i * 10_000), Some(i * 10_000 + 9_999)))
            .collect()
    }

    #[test]
    fn runs_share_requests_up_to_the_limits() {
        let a = specs(3, 2000);
        let big = specs(130, 2000);
        let runs: Vec<(&str, &[Spec])> = vec![("a", &a), ("big", &big), ("c", &a)];
        let requests = pack(&runs);
        // 133 specs of 2,000 samples: 120 fit in a request.
        assert_eq!(requests.len(), 2);
        assert_eq!(
            requests[0],
            vec![
                Piece {
                    run: 0,
                    from: 0,
                    to: 3
                },
                Piece {
                    run: 1,
                    from: 0,
                    to: 117
                }
            ]
        );
        assert_eq!(
            requests[1],
            vec![
                Piece {
                    run: 1,
                    from: 117,
                    to: 130
                },
                Piece {
                    run: 2,
                    from: 0,
                    to: 3
                }
            ]
        );
        let small = specs(1_000, 10);
        let requests = pack(&[("s", &small[..])]);
        assert_eq!(requests.len(), 2, "{MAX_SPECS_PER_REQUEST} specs at most");
        assert!(pack(&[("e", &[][..])]).is_empty());
        // Windows of fewer steps than samples count their steps: 3,000 of them fit.
        let narrow: Vec<Spec> = (0..3_000)
            .map(|i| Spec::of("loss", 2000, Some(i * 50), Some(i * 50 + 49)))
            .collect();
        let requests = pack(&[("n", &narrow[..])]);
        assert_eq!(
            requests.len(),
            5,
            "by the spec count, not by 2,000 samples each"
        );
    }

    #[test]
    fn halves_split_pieces_by_spec_count() {
        let p = |run, from, to| Piece { run, from, to };
        let (a, b) = halves(&[p(0, 0, 3), p(1, 0, 5)]).unwrap();
        assert_eq!((a, b), (vec![p(0, 0, 3), p(1, 0, 1)], vec![p(1, 1, 5)]));
        let (a, b) = halves(&[p(0, 0, 1), p(1, 4, 5)]).unwrap();
        assert_eq!((a, b), (vec![p(0, 0, 1)], vec![p(1, 4, 5)]));
        assert!(halves(&[p(0, 2, 3)]).is_none());
    }

    #[test]
    fn size_errors_are_told_from_others() {
        for e in [
            AgentError::Server("HTTP 413 from srv: request entity too large".into()),
            AgentError::Server("HTTP 504 from srv: gateway".into()),
            AgentError::Server(
                "srv answered with an error: query complexity 12000 exceeds 10000".into(),
            ),
            AgentError::Network("cannot reach u: read timed out".into()),
            AgentError::Network("cannot reach u: HttpResponseBodySize(Some(67108864))".into()),
        ] {
            assert!(too_large(&e), "{e}");
        }
        for e in [
            AgentError::Server("the response from u is over the size limit".into()),
            AgentError::Server("HTTP 400 from srv: bad".into()),
            AgentError::Server("srv answered with an error: unknown field".into()),
            AgentError::Unauthorized("HTTP 401 from srv: too many keys".into()),
            AgentError::Network("cannot reach u: connection refused".into()),
            AgentError::Network("cannot reach u: connection timed out".into()),
        ] {
            assert!(!too_large(&e), "{e}");
        }
    }

    /// A server that refuses requests of more than `max_specs` specs with HTTP 413, and
    /// answers the others with one row per spec whose value is the spec's `minStep`.
    struct Strict {
        max_specs: usize,
        bodies: RefCell<Vec<usize>>,
    }

    impl Transport for Strict {
        fn post_graphql(&self, body: &str) -> Result<Reply> {
            let body: Value = serde_json::from_str(body).unwrap();
            let vars = body["variables"].as_object().unwrap();
            let runs: Vec<usize> = (0..)
                .take_while(|i| vars.contains_key(&format!("n{i}")))
                .collect();
            let count: usize = runs
                .iter()
                .map(|i| vars[&format!("s{i}")].as_array().unwrap().len())
                .sum();
            self.bodies.borrow_mut().push(count);
            if count > self.max_specs {
                return Ok(Reply {
                    status: 413,
                    body: b"request entity too large".to_vec(),
                    ..Reply::default()
                });
            }
            let mut data = serde_json::Map::new();
            for i in runs {
                let rows: Vec<Value> = vars[&format!("s{i}")]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|s| {
                        let spec: Value = serde_json::from_str(s.as_str().unwrap()).unwrap();
                        json!([{"_step": spec["minStep"], "loss": spec["minStep"]}])
                    })
                    .collect();
                data.insert(format!("r{i}"), json!({"run": {"sampledHistory": rows}}));
            }
            Ok(Reply {
                status: 200,
                body: json!({ "data": data }).to_string().into_bytes(),
                ..Reply::default()
            })
        }
    }

    #[test]
    fn a_request_too_large_is_halved_until_it_passes() {
        let server = Strict {
            max_specs: 2,
            bodies: RefCell::new(Vec::new()),
        };
        let client = Client::new(&server, "srv");
        let project = crate::model::paths::parse_project_path("e/p", None).unwrap();
        let (a, b) = (specs(3, 5), specs(2, 5));
        let answers = fetch(&client, &project, &[("a", &a), ("b", &b)]).unwrap();
        let firsts = |s: &Vec<Series>| s.iter().map(|s| s.points[0].0).collect::<Vec<_>>();
        assert_eq!(firsts(&answers[0]), vec![0, 10_000, 20_000]);
        assert_eq!(firsts(&answers[1]), vec![0, 10_000]);
        // 5 refused; 2 passes, 3 refused; 1 and 2 pass.
        assert_eq!(*server.bodies.borrow(), vec![5, 2, 3, 1, 2]);
        // A single spec too large fails with the server's reason.
        let one = Strict {
            max_specs: 0,
            bodies: RefCell::new(Vec::new()),
        };
        let err = fetch(&Client::new(&one, "srv"), &project, &[("a", &a[..1])]).unwrap_err();
        assert!(err.message().contains("HTTP 413"), "{err}");
        assert_eq!(*one.bodies.borrow(), vec![1]);
        // A server failing whatever the size: a few halvings, then its error.
        let down = Strict {
            max_specs: 0,
            bodies: RefCell::new(Vec::new()),
        };
        let many = specs(100, 5);
        let err = fetch(&Client::new(&down, "srv"), &project, &[("m", &many[..])]).unwrap_err();
        assert!(err.message().contains("HTTP 413"), "{err}");
        assert_eq!(*down.bodies.borrow(), vec![100, 50, 25, 12, 6]);
    }
}
