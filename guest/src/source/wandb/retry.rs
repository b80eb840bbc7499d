//! Retries around a transport: 429 and 5xx (but 501) and network failures are retried with
//! capped exponential backoff, honouring `Retry-After`, bounded in attempts and total time.
//! 400/401/403/404 and other 4xx are final at once, as are allowlist denials and a response
//! the host refused as over its size limit (`wandb::http` makes that a server error).

use std::time::Duration;

use crate::error::{AgentError, Result};
use crate::source::wandb::graphql::{self, Reply, Transport};

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub max_retries: u32,
    pub first_wait: Duration,
    pub max_wait: Duration,
    /// No wait may end later than this after the first attempt began.
    pub budget: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 3,
            first_wait: Duration::from_secs(1),
            max_wait: Duration::from_secs(8),
            budget: Duration::from_secs(30),
        }
    }
}

/// Time, abstracted so the policy unit-tests without sleeping.
pub trait Clock {
    fn elapsed(&self) -> Duration;
    fn sleep(&self, d: Duration);
}

pub struct SystemClock(std::time::Instant);

impl SystemClock {
    pub fn new() -> Self {
        SystemClock(std::time::Instant::now())
    }
}

impl Default for SystemClock {
    fn default() -> Self {
        SystemClock::new()
    }
}

impl Clock for SystemClock {
    fn elapsed(&self) -> Duration {
        self.0.elapsed()
    }
    fn sleep(&self, d: Duration) {
        std::thread::sleep(d);
    }
}

/// The wait a `Retry-After` header asks for: delay-seconds, or an HTTP-date (RFC 9110 §10.2.3;
/// a date already past means "now"). Anything unparsable is ignored: the backoff applies.
pub fn parse_retry_after(value: &str, now: std::time::SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(date.duration_since(now).unwrap_or(Duration::ZERO))
}

pub fn retryable_status(status: u16) -> bool {
    status == 429 || (500..600).contains(&status) && status != 501
}

pub struct Retrying<'a, C: Clock> {
    pub inner: &'a dyn Transport,
    pub policy: RetryPolicy,
    pub clock: C,
    /// How the server is named in messages.
    pub server: String,
}

impl<C: Clock> Retrying<'_, C> {
    fn backoff(&self, retry: u32) -> Duration {
        let factor = 2u32.saturating_pow(retry.min(16));
        self.policy
            .first_wait
            .saturating_mul(factor)
            .min(self.policy.max_wait)
    }

    fn give_up(&self, what: &str, attempts: u32, last: Result<Reply>) -> Result<Reply> {
        let seconds = self.clock.elapsed().as_secs_f64().round() as u64;
        let span = format!(
            "after {attempts} attempt{} over {seconds} s",
            if attempts == 1 { "" } else { "s" }
        );
        match last {
            Ok(reply) => Err(AgentError::Server(format!(
                "HTTP {} from {} {span}{what}: {}",
                reply.status,
                self.server,
                graphql::reason(&reply.body)
            ))),
            Err(AgentError::Network(m)) if attempts > 1 => {
                Err(AgentError::Network(format!("{m} ({span}{what})")))
            }
            Err(e) => Err(e),
        }
    }
}

impl<C: Clock> Transport for Retrying<'_, C> {
    /// A file read is one attempt: its caller re-queries the URL on failure (pre-signed URLs
    /// expire), which a blind retry could not do.
    fn get_file(&self, url: &str, range: Option<&str>) -> Result<Reply> {
        self.inner.get_file(url, range)
    }

    fn post_graphql(&self, body: &str) -> Result<Reply> {
        let mut attempts = 0;
        loop {
            attempts += 1;
            let outcome = self.inner.post_graphql(body);
            let retry_after = match &outcome {
                Ok(reply) if retryable_status(reply.status) => reply.retry_after,
                Err(AgentError::Network(_)) => None,
                _ => return outcome,
            };
            if attempts > self.policy.max_retries {
                return self.give_up("", attempts, outcome);
            }
            let wait = retry_after.unwrap_or_else(|| self.backoff(attempts - 1));
            if self.clock.elapsed() + wait > self.policy.budget {
                let why = match retry_after {
                    Some(w) => format!(
                        " (the server asked to wait {} s more, past the retry budget)",
                        w.as_secs()
                    ),
                    None => String::new(),
                };
                return self.give_up(&why, attempts, outcome);
            }
            self.clock.sleep(wait);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::{Cell, RefCell};

    struct FakeClock(Cell<Duration>, RefCell<Vec<Duration>>);
    impl Clock for &FakeClock {
        fn elapsed(&self) -> Duration {
            self.0.get()
        }
        fn sleep(&self, d: Duration) {
            self.1.borrow_mut().push(d);
            self.0.set(self.0.get() + d);
        }
    }

    struct Script(RefCell<Vec<Result<Reply>>>, Cell<u32>);
    impl Transport for Script {
        fn post_graphql(&self, _: &str) -> Result<Reply> {
            self.1.set(self.1.get() + 1);
            self.0.borrow_mut().remove(0)
        }
    }

    fn reply(status: u16, retry_after: Option<u64>) -> Result<Reply> {
        Ok(Reply {
            location: None,
            status,
            body: br#"{"errors":[{"message":"slow down"}]}"#.to_vec(),
            retry_after: retry_after.map(Duration::from_secs),
        })
    }

    fn run(script: Vec<Result<Reply>>) -> (Result<Reply>, Vec<Duration>, u32) {
        let clock = FakeClock(Cell::new(Duration::ZERO), RefCell::new(vec![]));
        let transport = Script(RefCell::new(script), Cell::new(0));
        let r = Retrying {
            inner: &transport,
            policy: RetryPolicy::default(),
            clock: &clock,
            server: "srv".into(),
        };
        let out = r.post_graphql("{}");
        let waits = clock.1.borrow().clone();
        (out, waits, transport.1.get())
    }

    #[test]
    fn backs_off_exponentially_then_gives_up_with_a_count() {
        let (out, waits, calls) = run(vec![
            reply(503, None),
            reply(503, None),
            reply(503, None),
            reply(503, None),
        ]);
        assert_eq!(calls, 4);
        assert_eq!(waits, [1, 2, 4].map(Duration::from_secs));
        assert_eq!(
            out.unwrap_err(),
            AgentError::Server("HTTP 503 from srv after 4 attempts over 7 s: slow down".into())
        );
    }

    #[test]
    fn honours_retry_after_and_recovers() {
        let (out, waits, _) = run(vec![reply(429, Some(3)), reply(200, None)]);
        assert_eq!(out.unwrap().status, 200);
        assert_eq!(waits, [Duration::from_secs(3)]);
    }

    #[test]
    fn retry_after_past_the_budget_gives_up_at_once() {
        let (out, waits, calls) = run(vec![reply(429, Some(120))]);
        assert!(waits.is_empty() && calls == 1);
        let msg = out.unwrap_err().to_string();
        assert_eq!(msg, "HTTP 429 from srv after 1 attempt over 0 s (the server asked to wait 120 s more, past the retry budget): slow down");
    }

    #[test]
    fn retry_after_takes_seconds_or_an_http_date() {
        let now = httpdate::parse_http_date("Sat, 28 Nov 2026 12:00:00 GMT").unwrap();
        let wait = |v: &str| parse_retry_after(v, now);
        assert_eq!(wait(" 7 "), Some(Duration::from_secs(7)));
        assert_eq!(
            wait("Sat, 28 Nov 2026 12:00:05 GMT"),
            Some(Duration::from_secs(5))
        );
        // Obsolete forms HTTP still allows.
        assert_eq!(
            wait("Saturday, 28-Nov-26 12:01:00 GMT"),
            Some(Duration::from_secs(60))
        );
        assert_eq!(wait("Sat, 28 Nov 2026 11:00:00 GMT"), Some(Duration::ZERO));
        for junk in ["", "-1", "1.5", "soon", "Sat, 99 Nov 2026 12:00:00 GMT"] {
            assert_eq!(wait(junk), None, "{junk:?}");
        }
    }

    #[test]
    fn client_errors_and_denials_are_final() {
        for status in [400, 401, 403, 404, 501] {
            let (out, waits, calls) = run(vec![reply(status, None)]);
            assert_eq!((out.unwrap().status, waits.len(), calls), (status, 0, 1));
        }
        let (out, _, calls) = run(vec![Err(AgentError::Denied("no".into()))]);
        assert_eq!(
            (out.unwrap_err(), calls),
            (AgentError::Denied("no".into()), 1)
        );
        let too_large = || AgentError::Server("the response from u is over the size limit".into());
        let (out, waits, calls) = run(vec![Err(too_large())]);
        assert_eq!((out.unwrap_err(), waits.len(), calls), (too_large(), 0, 1));
    }

    #[test]
    fn network_errors_are_retried() {
        let net = || {
            Err(AgentError::Network(
                "cannot reach x: connection refused".into(),
            ))
        };
        let (out, _, calls) = run(vec![net(), net(), net(), net()]);
        assert_eq!(calls, 4);
        assert_eq!(
            out.unwrap_err().to_string(),
            "cannot reach x: connection refused (after 4 attempts over 7 s)"
        );
        let (out, _, _) = run(vec![net(), reply(200, None)]);
        assert!(out.is_ok());
    }
}
