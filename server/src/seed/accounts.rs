//! The emulator's two users, so tests can check that a server holding several clients'
//! keys (the host's `mcp --http`) never shows one client another's data; and the second
//! user's project, `acme/private`.

use serde_json::json;

use crate::model::account::Account;
use crate::model::series::NanWire;
use crate::seed::builder::{RunSpec, DEMO_ENTITY, DEMO_USER};
use crate::seed::vision::{config, standard_metrics};

/// The second user's key (40+ characters, as the official client requires).
pub const SECOND_API_KEY: &str = "acme_fedcba9876543210fedcba9876543210fedc";
pub const SECOND_ENTITY: &str = "acme";
pub const SECOND_USER: &str = "acme-user";

/// The demo user (with `demo_key`) and the second user.
pub fn accounts(demo_key: &str) -> Vec<Account> {
    vec![
        Account {
            key: demo_key.to_string(),
            username: DEMO_USER.into(),
            entity: DEMO_ENTITY.into(),
        },
        Account {
            key: SECOND_API_KEY.into(),
            username: SECOND_USER.into(),
            entity: SECOND_ENTITY.into(),
        },
    ]
}

/// The second user's runs: ids and names no demo run has, so a test can tell whose data a
/// client saw.
pub(crate) fn private_runs() -> Vec<RunSpec> {
    vec![RunSpec {
        id: "acme0001".into(),
        name: "acme-private-baseline".into(),
        state: "finished",
        hours: 2,
        last_step: 5_000,
        seconds_per_step: 0.2,
        config: config(2e-4, "adamw", "vit-b16", 64),
        metrics: standard_metrics(5_000, 2.3, 0.6),
        nan_wire: NanWire::String,
        extra_summary: json!({}),
    }]
}
