//! Is this key one W&B accepts? Asked once before a session (or a sessionless call) is let in,
//! through the component's cheapest call (the host itself does no W&B work), and remembered by
//! a hash of the key for [`VERDICT_TTL`], so made-up keys cost one check each and cannot open
//! sessions. Concurrent first requests with one key share one check.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::{OnceCell, Semaphore};

use super::slots::Client;

/// How long an answer about a key is trusted.
pub const VERDICT_TTL: Duration = Duration::from_secs(600);
/// Checks running at once (each is one instance and one W&B request).
const CHECKS_AT_ONCE: usize = 4;
/// Forget answers that are stale or were never given once the table is this large.
const PRUNE_AT: usize = 10_000;

#[derive(Clone, Debug, PartialEq)]
pub enum Verdict {
    Accepted,
    /// W&B refused the key; the text says what to do.
    Refused(String),
}

/// The check itself: `Ok(verdict)`, or `Err(why)` when no answer could be had (W&B
/// unreachable, a limit hit) — such an outcome is not remembered.
pub type Check = Arc<
    dyn Fn(String) -> Pin<Box<dyn Future<Output = Result<Verdict, String>> + Send>> + Send + Sync,
>;

pub struct KeyChecks {
    check: Check,
    ttl: Duration,
    answers: Mutex<HashMap<Client, Arc<Answer>>>,
    running: Semaphore,
}

#[derive(Default)]
struct Answer {
    cell: OnceCell<(Verdict, Instant)>,
}

impl Answer {
    fn fresh(&self, now: Instant, ttl: Duration) -> Option<&Verdict> {
        self.cell
            .get()
            .filter(|(_, at)| now.saturating_duration_since(*at) < ttl)
            .map(|(verdict, _)| verdict)
    }
}

impl KeyChecks {
    pub fn new(check: Check, ttl: Duration) -> KeyChecks {
        KeyChecks {
            check,
            ttl,
            answers: Mutex::new(HashMap::new()),
            running: Semaphore::new(CHECKS_AT_ONCE),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Client, Arc<Answer>>> {
        self.answers.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The remembered answer for `client`, if still fresh: no W&B work.
    pub fn known(&self, client: &Client) -> Option<Verdict> {
        let now = Instant::now();
        self.lock()
            .get(client)
            .and_then(|answer| answer.fresh(now, self.ttl).cloned())
    }

    /// The answer for `client`'s `key`: remembered, or checked now (once for all who ask at
    /// the same time).
    pub async fn verdict(&self, client: Client, key: &str) -> Result<Verdict, String> {
        let answer = {
            let now = Instant::now();
            let mut answers = self.lock();
            if answers.len() >= PRUNE_AT {
                let ttl = self.ttl;
                // Entries someone is still waiting on are kept.
                answers.retain(|_, a| Arc::strong_count(a) > 1 || a.fresh(now, ttl).is_some());
            }
            let stale = answers
                .get(&client)
                .is_some_and(|a| a.cell.initialized() && a.fresh(now, self.ttl).is_none());
            if stale {
                answers.remove(&client);
            }
            answers.entry(client).or_default().clone()
        };
        let (verdict, _) = answer
            .cell
            .get_or_try_init(|| async {
                let _turn = self
                    .running
                    .acquire()
                    .await
                    .map_err(|_| "the server is shutting down".to_string())?;
                let verdict = (self.check)(key.to_string()).await?;
                Ok::<_, String>((verdict, Instant::now()))
            })
            .await?;
        Ok(verdict.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn counting(calls: Arc<AtomicUsize>, delay: Duration) -> Check {
        Arc::new(move |key: String| {
            let calls = calls.clone();
            Box::pin(async move {
                calls.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(delay).await;
                match key.as_str() {
                    "good" => Ok(Verdict::Accepted),
                    "down" => Err("W&B is unreachable".to_string()),
                    _ => Ok(Verdict::Refused("no".into())),
                }
            })
        })
    }

    fn client(n: u8) -> Client {
        Client::of_key(&n.to_string())
    }

    #[tokio::test]
    async fn one_check_per_key_however_many_ask_at_once() {
        let calls = Arc::new(AtomicUsize::new(0));
        let checks = Arc::new(KeyChecks::new(
            counting(calls.clone(), Duration::from_millis(50)),
            VERDICT_TTL,
        ));
        assert_eq!(checks.known(&client(1)), None);
        let asks = (0..20).map(|_| {
            let checks = checks.clone();
            tokio::spawn(async move { checks.verdict(client(1), "good").await })
        });
        for ask in asks {
            assert_eq!(ask.await.unwrap(), Ok(Verdict::Accepted));
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        assert_eq!(checks.known(&client(1)), Some(Verdict::Accepted));
        assert_eq!(
            checks.verdict(client(2), "made-up").await,
            Ok(Verdict::Refused("no".into()))
        );
        assert_eq!(
            checks.known(&client(2)),
            Some(Verdict::Refused("no".into()))
        );
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn no_answer_is_not_remembered_and_answers_expire() {
        let calls = Arc::new(AtomicUsize::new(0));
        let checks = KeyChecks::new(counting(calls.clone(), Duration::ZERO), Duration::ZERO);
        assert!(checks.verdict(client(3), "down").await.is_err());
        assert!(checks.verdict(client(3), "down").await.is_err());
        assert_eq!(calls.load(Ordering::SeqCst), 2);
        // With a TTL of zero every answer is stale at once: asked again each time.
        checks.verdict(client(4), "good").await.unwrap();
        assert_eq!(checks.known(&client(4)), None);
        checks.verdict(client(4), "good").await.unwrap();
        assert_eq!(calls.load(Ordering::SeqCst), 4);
    }
}
