//! Who is calling: each API key belongs to one user, who sees only their own entity's
//! projects, as on W&B where a key reads what its user may read. The accounts themselves
//! are seed data (`seed::accounts`), handed to the API when it starts.

use axum::http::{header, HeaderMap};
use base64::Engine;

use crate::model::account::Account;

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
    use crate::seed::accounts::{accounts, SECOND_API_KEY};

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
