//! Tool-call slots: at most `--max-concurrent` calls run at once, the others wait. On a shared
//! server (`mcp --http`) the slots are also shared between clients (keys): a client gets a slot
//! while it holds fewer than half of them, and more only while no other client is waiting and
//! one slot stays free for the next client to come, so one key's slow calls cannot keep another
//! key's calls waiting behind them.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use sha2::{Digest, Sha256};
use tokio::sync::Notify;

use crate::grant::policy::Grant;

/// A client told apart by a hash of its credentials (no key is kept).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Client([u8; 32]);

impl Client {
    /// The client whose key a call's grant carries (stdio: the one user).
    pub fn of(grant: &Grant) -> Client {
        Client::hash(grant.authorization.as_deref().unwrap_or(""))
    }

    /// The client sending `Authorization: Bearer <key>`.
    pub fn of_key(key: &str) -> Client {
        Client::hash(key)
    }

    fn hash(text: &str) -> Client {
        Client(Sha256::digest(text.as_bytes()).into())
    }
}

pub struct Slots {
    total: usize,
    /// Whether clients share the slots fairly (`mcp --http`); stdio has one client.
    shared: bool,
    state: Mutex<State>,
    freed: Notify,
}

#[derive(Default)]
struct State {
    busy: usize,
    held: HashMap<Client, usize>,
    waiting: HashMap<Client, usize>,
}

impl State {
    fn others_waiting(&self, client: &Client) -> bool {
        self.waiting.keys().any(|c| c != client)
    }
}

/// A running call's slot; given back when dropped.
pub struct Slot {
    slots: Arc<Slots>,
    client: Client,
}

impl Slots {
    pub fn new(total: usize, shared: bool) -> Arc<Slots> {
        Arc::new(Slots {
            total: total.max(1),
            shared,
            state: Mutex::new(State::default()),
            freed: Notify::new(),
        })
    }

    /// The slots one client may hold while others wait: half of them, at least one.
    pub fn share(&self) -> usize {
        (self.total / 2).max(1)
    }

    fn may_take(&self, state: &State, client: &Client) -> bool {
        if state.busy >= self.total {
            return false;
        }
        if !self.shared {
            return true;
        }
        let held = state.held.get(client).copied().unwrap_or(0);
        held < self.share() || (!state.others_waiting(client) && state.busy + 1 < self.total)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits for a slot `client` may take.
    pub async fn acquire(self: &Arc<Self>, client: Client) -> Slot {
        let mut queued: Option<Queued> = None;
        loop {
            let freed = self.freed.notified();
            tokio::pin!(freed);
            // Registered before the check, so a slot freed in between still wakes us.
            freed.as_mut().enable();
            {
                let mut state = self.lock();
                if self.may_take(&state, &client) {
                    state.busy += 1;
                    *state.held.entry(client).or_default() += 1;
                    drop(state);
                    // Leaving the queue may let another client past its share rule.
                    drop(queued.take());
                    return Slot {
                        slots: self.clone(),
                        client,
                    };
                }
                if queued.is_none() {
                    *state.waiting.entry(client).or_default() += 1;
                    queued = Some(Queued {
                        slots: self.clone(),
                        client,
                    });
                }
            }
            freed.await;
        }
    }
}

/// A waiting call; leaves the queue when it gets a slot or is cancelled.
struct Queued {
    slots: Arc<Slots>,
    client: Client,
}

impl Drop for Queued {
    fn drop(&mut self) {
        let mut state = self.slots.lock();
        if let Some(n) = state.waiting.get_mut(&self.client) {
            *n -= 1;
            if *n == 0 {
                state.waiting.remove(&self.client);
            }
        }
        drop(state);
        self.slots.freed.notify_waiters();
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut state = self.slots.lock();
        state.busy -= 1;
        if let Some(n) = state.held.get_mut(&self.client) {
            *n -= 1;
            if *n == 0 {
                state.held.remove(&self.client);
            }
        }
        drop(state);
        self.slots.freed.notify_waiters();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn client(n: u8) -> Client {
        Client([n; 32])
    }

    async fn try_acquire(slots: &Arc<Slots>, c: Client) -> Option<Slot> {
        tokio::time::timeout(Duration::from_millis(50), slots.acquire(c))
            .await
            .ok()
    }

    #[tokio::test]
    async fn one_client_alone_leaves_one_slot_for_the_next() {
        let slots = Slots::new(8, true);
        let mut a = Vec::new();
        for _ in 0..7 {
            a.push(try_acquire(&slots, client(1)).await.expect("a slot"));
        }
        assert!(try_acquire(&slots, client(1)).await.is_none());
        // Another client gets the slot kept free at once.
        let b = try_acquire(&slots, client(2)).await;
        assert!(b.is_some());
    }

    #[tokio::test]
    async fn while_another_client_waits_nobody_takes_more_than_half() {
        let slots = Slots::new(4, true);
        let a1 = slots.acquire(client(1)).await;
        let a2 = slots.acquire(client(1)).await;
        let a3 = slots.acquire(client(1)).await;
        let b1 = slots.acquire(client(2)).await;
        // Full. B waits for a second slot; when A's call ends, B gets it, not A's next call.
        let waiting_b = tokio::spawn({
            let slots = slots.clone();
            async move { slots.acquire(client(2)).await }
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        let waiting_a = tokio::spawn({
            let slots = slots.clone();
            async move { slots.acquire(client(1)).await }
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        drop(a1);
        let b2 = tokio::time::timeout(Duration::from_secs(1), waiting_b)
            .await
            .expect("B served")
            .unwrap();
        assert!(!waiting_a.is_finished());
        drop((a2, a3, b1, b2));
        assert!(tokio::time::timeout(Duration::from_secs(1), waiting_a)
            .await
            .is_ok());
    }

    #[tokio::test]
    async fn unshared_slots_are_all_one_clients() {
        let slots = Slots::new(3, false);
        let held: Vec<Slot> = vec![
            slots.acquire(client(1)).await,
            slots.acquire(client(1)).await,
            slots.acquire(client(1)).await,
        ];
        assert!(try_acquire(&slots, client(1)).await.is_none());
        drop(held);
        assert!(try_acquire(&slots, client(1)).await.is_some());
    }

    #[tokio::test]
    async fn a_cancelled_wait_leaves_the_queue() {
        let slots = Slots::new(2, true);
        let _a = slots.acquire(client(1)).await;
        let _b = slots.acquire(client(2)).await;
        assert!(try_acquire(&slots, client(2)).await.is_none());
        assert!(slots.lock().waiting.is_empty());
    }
}
