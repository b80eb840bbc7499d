//! The catalog: every demo project, built. [`store`] is the one entry point from seed data
//! to the server (the crate root hands it to the API).

use crate::model::run::{Project, Store};
use crate::seed::builder::{project, DEMO_ENTITY};
use crate::seed::{
    accounts, cluster, crashes, detection, dynamics, finetune, fleet, frameworks, live, long_runs,
    lr_sweep, sweep, vision,
};

/// How long `demo/slow` takes to answer any query.
pub const SLOW_ANSWER: std::time::Duration = std::time::Duration::from_secs(3);

/// The demo store: `demo/vision` (the main project), `demo/empty` (no runs), `demo/llm-finetune`
/// (best-of-last-N, overfitting), `demo/detection` (planted events of known widths),
/// `demo/crashes` (runs that died), `demo/frameworks` (Trainer, Lightning, Keras), `demo/sweep`,
/// `demo/fleet`, `demo/long-runs`, `demo/lr-sweep`, `demo/cluster`, `demo/dynamics`,
/// `demo/live` (a run that grows while the server runs) (see their modules);
/// `demo/slow` (one run, every query answered after [`SLOW_ANSWER`]); and the second user's
/// `acme/private` (`accounts`).
pub fn store() -> Store {
    Store {
        projects: vec![
            project(DEMO_ENTITY, "vision", 101, vision::runs()),
            project(DEMO_ENTITY, "empty", 102, vec![]),
            project(DEMO_ENTITY, "llm-finetune", 103, finetune::runs()),
            project(DEMO_ENTITY, "detection", 104, detection::runs()),
            crashes::project(105),
            frameworks::project_of(106),
            project(
                accounts::SECOND_ENTITY,
                "private",
                107,
                accounts::private_runs(),
            ),
            Project {
                answer_delay: SLOW_ANSWER,
                ..project(
                    DEMO_ENTITY,
                    "slow",
                    108,
                    vision::runs().into_iter().take(1).collect(),
                )
            },
            sweep::project_of(109),
            fleet::project_of(110),
            long_runs::project_of(111),
            lr_sweep::project_of(121),
            cluster::project_of(122),
            dynamics::project_of(123),
            live::project_of(124),
        ],
    }
}
