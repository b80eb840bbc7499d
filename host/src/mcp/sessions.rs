//! Which key opened which session. rmcp's session manager knows sessions only by id, and the id
//! travels in clear HTTP; here each session is bound to a hash of the key that opened it, so a
//! request naming it with another key is answered as if it did not exist (404), whether it is
//! a POST, a GET (a stream, or a replay of a call's result) or a DELETE. The table also caps the
//! sessions one key, and all keys together, may hold.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;

use super::slots::Client;

/// Why a new session was refused.
#[derive(Debug, PartialEq)]
pub enum Full {
    /// This key holds its maximum.
    Key(usize),
    /// The server holds its maximum.
    Server(usize),
}

pub struct Sessions {
    per_key: usize,
    total: usize,
    manager: Arc<LocalSessionManager>,
    state: Mutex<Bindings>,
}

#[derive(Default)]
struct Bindings {
    owners: HashMap<String, Client>,
    /// Sessions being opened (their `initialize` is on its way), counted against the caps.
    opening: HashMap<Client, usize>,
}

impl Bindings {
    fn held_by(&self, client: &Client) -> usize {
        self.owners.values().filter(|c| *c == client).count()
            + self.opening.get(client).copied().unwrap_or(0)
    }

    fn held(&self) -> usize {
        self.owners.len() + self.opening.values().sum::<usize>()
    }
}

/// A place for a session being opened; given back unless [`Sessions::bind`] uses it.
pub struct Opening {
    sessions: Arc<Sessions>,
    client: Client,
}

impl Drop for Opening {
    fn drop(&mut self) {
        let mut state = self.sessions.lock();
        if let Some(n) = state.opening.get_mut(&self.client) {
            *n -= 1;
            if *n == 0 {
                state.opening.remove(&self.client);
            }
        }
    }
}

impl Sessions {
    pub fn new(manager: Arc<LocalSessionManager>, per_key: usize, total: usize) -> Arc<Sessions> {
        Arc::new(Sessions {
            per_key,
            total,
            manager,
            state: Mutex::new(Bindings::default()),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Bindings> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether session `id` exists for `client` (a session of another key does not).
    pub fn owned_by(&self, id: &str, client: &Client) -> bool {
        self.lock().owners.get(id) == Some(client)
    }

    /// Room for one more session of `client`, or why not. Sessions rmcp has since closed
    /// (idle ones after 5 minutes) are forgotten first when a cap is reached.
    pub async fn open(self: &Arc<Self>, client: Client) -> Result<Opening, Full> {
        if self.over_caps(&client).is_some() {
            self.forget_closed().await;
        }
        let mut state = self.lock();
        if state.held_by(&client) >= self.per_key {
            return Err(Full::Key(self.per_key));
        }
        if state.held() >= self.total {
            return Err(Full::Server(self.total));
        }
        *state.opening.entry(client).or_default() += 1;
        Ok(Opening {
            sessions: self.clone(),
            client,
        })
    }

    fn over_caps(&self, client: &Client) -> Option<Full> {
        let state = self.lock();
        if state.held_by(client) >= self.per_key {
            Some(Full::Key(self.per_key))
        } else if state.held() >= self.total {
            Some(Full::Server(self.total))
        } else {
            None
        }
    }

    /// Binds the session `id` that `opening` produced to its client.
    pub fn bind(&self, opening: Opening, id: String) {
        self.lock().owners.insert(id, opening.client);
        // Dropping `opening` gives back its place, now held by the binding.
    }

    /// Forgets session `id` (closed by its client).
    pub fn unbind(&self, id: &str) {
        self.lock().owners.remove(id);
    }

    async fn forget_closed(&self) {
        let live = self.manager.sessions.read().await;
        self.lock()
            .owners
            .retain(|id, _| live.contains_key(id.as_str()));
    }

    /// Sessions bound now.
    #[cfg(test)]
    fn bound(&self) -> usize {
        self.lock().owners.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(n: u8) -> Client {
        Client::of_key(&n.to_string())
    }

    #[tokio::test]
    async fn caps_per_key_and_in_total_count_sessions_being_opened() {
        let sessions = Sessions::new(Arc::new(LocalSessionManager::default()), 2, 3);
        let a1 = sessions.open(client(1)).await.unwrap();
        let a2 = sessions.open(client(1)).await.unwrap();
        assert_eq!(sessions.open(client(1)).await.err(), Some(Full::Key(2)));
        let b1 = sessions.open(client(2)).await.unwrap();
        assert_eq!(sessions.open(client(3)).await.err(), Some(Full::Server(3)));
        // An `initialize` that produced no session gives its place back.
        drop(a2);
        sessions.bind(a1, "s1".into());
        sessions.bind(b1, "s2".into());
        assert!(sessions.owned_by("s1", &client(1)));
        assert!(!sessions.owned_by("s1", &client(2)));
        assert!(!sessions.owned_by("nope", &client(1)));
        let c1 = sessions.open(client(3)).await;
        assert!(c1.is_ok());
        drop(c1);
        sessions.unbind("s1");
        assert!(!sessions.owned_by("s1", &client(1)));
    }

    #[tokio::test]
    async fn sessions_rmcp_closed_are_forgotten_when_a_cap_is_reached() {
        // The manager holds none of these ids: they were closed (idle) meanwhile.
        let sessions = Sessions::new(Arc::new(LocalSessionManager::default()), 1, 10);
        let a = sessions.open(client(1)).await.unwrap();
        sessions.bind(a, "gone".into());
        assert_eq!(sessions.bound(), 1);
        let again = sessions.open(client(1)).await;
        assert!(again.is_ok());
        assert_eq!(sessions.bound(), 0);
    }
}
