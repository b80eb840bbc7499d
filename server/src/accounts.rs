//! Who is calling: each API key belongs to one user, who sees only their own entity's
//! projects, as on W&B where a key reads what its user may read. The emulator knows two
//! users, so tests can check that a server holding several clients' keys (the host's
//! `mcp --http`) never shows one client another's data.

use axum::http::{header, HeaderMap};
use base64::Engine;

/// The second user's key (40+ characters, as the official client requires).
pub const SECOND_API_KEY: &str = "acme_fedcba9876543210fedcba9876543210fedc";
pub const SECOND_ENTITY: &str = "acme";
pub const SECOND_USER: &str = "acme-user";

/// A user: their API key, their username and the entity whose projects they can read.
#[derive(Clone, Debug)]
pub struct Account {
    pub key: String,
    pub username: String,
    pub entity: String,
}

/// The demo user (with `demo_key`) and the second user.
pub fn accounts(demo_key: &str) -> Vec<Account> {
    vec![
        Account {
            key: demo_key.to_string(),
            username: crate::demo::DEMO_USER.into(),
            entity: crate::demo::DEMO_ENTITY.into(),
        },
        Account {
            key: SECOND_API_KEY.into(),
            username: SECOND_USER.into(),
            entity: SECOND_ENTITY.into(),
        },
    ]
}

/// The account whose key the request carries: `Authorization: Basic base64("api:" + key)`.
pub fn caller<'a>(headers: &HeaderMap, accounts: &'a [Account]) -> Option<&'a Account> {
    let token = headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Basic ")?
        .trim();
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(token)
        .ok()?;
    let key = std::str::from_utf8(&decoded).ok()?.strip_prefix("api:")?;
    accounts.iter().find(|a| a.key == key)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn basic(key: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        let token = base64::engine::general_purpose::STANDARD.encode(format!("api:{key}"));
        h.insert(
            header::AUTHORIZATION,
            format!("Basic {token}").parse().unwrap(),
        );
        h
    }

    #[test]
    fn each_key_is_its_own_user_and_others_are_nobody() {
        let all = accounts("k1_0123456789012345678901234567890123456");
        assert_eq!(
            caller(&basic("k1_0123456789012345678901234567890123456"), &all)
                .unwrap()
                .entity,
            "demo"
        );
        assert_eq!(caller(&basic(SECOND_API_KEY), &all).unwrap().entity, "acme");
        assert!(caller(&basic("nope"), &all).is_none());
        assert!(caller(&HeaderMap::new(), &all).is_none());
    }
}
