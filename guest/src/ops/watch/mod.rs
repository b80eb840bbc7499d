//! `watch`: what is new in a run since the last look. This module drives the source; the
//! logic is `analysis::watch`, the answer [`render`].
//!
//! A look: one request for the run's state, its keys and last step, and the rows after the
//! cursor of the usual keys (every row, up to 2,000 per key); when they came back thinned,
//! or the run logs its keys under other names, a second with the dense windows over the new
//! rows (`diagnose`'s, from the cursor on); the zoom rounds of any suspect (at most three);
//! and, when the run has just ended badly, one for why: at most six. A look with nothing new
//! is one request. `--wait` repeats the look every [`POLL`] until there is news (a new finding or a
//! state change) or the wait is over.

mod render;
#[cfg(test)]
mod scenario;

use std::time::{Duration, Instant};

use wandb_agent_commands::Watch;

use crate::analysis::detection::{
    crash, guess_keys, speculative, Dense, Finding, KeyChoice, Keys, Tracks,
};
use crate::analysis::watch::cursor::{state_code, Level, ROLES};
use crate::analysis::watch::rows::{self, KeyRows};
use crate::analysis::watch::{look, Cursor};
use crate::error::Result;
use crate::model::paths::{self, RunPath};
use crate::model::{Coverage, RunState, Spec};
use crate::ops::{Context, Run};
use crate::source::plan::SAMPLES_PER_WINDOW;
use crate::source::Source;
use crate::text::timefmt;

use self::render::{answer, next_cursor, state_of, Look};

/// How often a `--wait` looks again.
pub const POLL: Duration = Duration::from_secs(5);
/// The longest wait when the host gives no time limit.
pub const MAX_WAIT_S: u64 = 3_600;

impl Run for Watch {
    fn run(self, cx: &Context) -> Result<String> {
        let run = paths::parse_run_path(&self.run)?;
        let before = match &self.cursor {
            Some(text) => Some(Cursor::decode(text, &run)?),
            None => None,
        };
        let wait = self.wait.map(|asked| Wait::clamped(asked, cx.time_limit_s));
        watch(cx.source, &run, before.as_ref(), wait)
    }
}

/// How long a call may wait, and why when less than asked.
#[derive(Debug, Clone, PartialEq)]
pub struct Wait {
    pub seconds: u64,
    pub clamped: Option<String>,
}

impl Wait {
    /// `asked` seconds within the call's time limit, leaving a quarter of it (at most 15 s)
    /// for the last look.
    pub fn clamped(asked: u32, time_limit_s: Option<u64>) -> Wait {
        let asked = u64::from(asked);
        let (most, why) = match time_limit_s {
            Some(limit) => (
                limit - (limit / 4).min(15),
                format!(" to fit the call's {limit}s --timeout"),
            ),
            None => (MAX_WAIT_S, ", the longest wait".to_string()),
        };
        Wait {
            seconds: asked.min(most),
            clamped: (asked > most).then(|| format!("--wait {asked} shortened to {most}s{why}")),
        }
    }
}

fn watch(
    source: &dyn Source,
    run: &RunPath,
    before: Option<&Cursor>,
    wait: Option<Wait>,
) -> Result<String> {
    let requests_before = source.requests();
    let start = Instant::now();
    let mut seen = look_once(source, run, before)?;
    let mut notes = Vec::new();
    if wait.is_some() && before.is_none() {
        notes.push("no wait: a first look answers at once (--wait waits with --cursor)".into());
    }
    if let (Some(wait), Some(_)) = (&wait, before) {
        let limit = Duration::from_secs(wait.seconds);
        while !seen.news(before) && seen.may_change() && start.elapsed() + POLL <= limit {
            std::thread::sleep(POLL);
            let cursor = next_cursor(&seen.look(run, before, Vec::new()));
            let later = look_once(source, run, Some(&cursor))?;
            seen = seen.then(later);
        }
        let waited = timefmt::duration(start.elapsed().as_secs() as i64);
        let outcome = if seen.news(before) {
            "until news"
        } else {
            "with no news"
        };
        let mut note = match &wait.clamped {
            Some(why) => format!("waited {waited} {outcome} ({why})"),
            None => format!("waited {waited} {outcome}"),
        };
        if !seen.news(before) && !seen.may_change() {
            note.push_str("; the run has ended: nothing more will come");
        }
        notes.push(note);
    }
    let requests = source.requests() - requests_before;
    notes.push(format!(
        "{requests} request{}",
        if requests == 1 { "" } else { "s" }
    ));
    Ok(answer(&seen.look(run, before, notes)))
}

/// What one or more looks saw (a [`Look`] without its borrowed parts).
struct Seen {
    state: RunState,
    last_step: Option<u64>,
    now_unix: i64,
    keys: Option<Keys>,
    rows: Vec<KeyRows>,
    coverage: Coverage,
    findings: Vec<Finding>,
    levels: [Level; ROLES],
}

impl Seen {
    fn look<'a>(
        &'a self,
        run: &'a RunPath,
        before: Option<&'a Cursor>,
        notes: Vec<String>,
    ) -> Look<'a> {
        Look {
            run,
            before,
            state: &self.state,
            last_step: self.last_step,
            now_unix: self.now_unix,
            keys: self.keys.clone(),
            rows: self.rows.clone(),
            coverage: self.coverage,
            findings: self.findings.clone(),
            levels: self.levels,
            notes,
        }
    }

    /// Worth ending a wait for: a new finding, or the state changed.
    fn news(&self, before: Option<&Cursor>) -> bool {
        let state = state_code(&state_of(&self.state, self.now_unix));
        !self.findings.is_empty() || before.is_some_and(|c| c.state != state)
    }

    /// Whether waiting can bring news: a run that ended (finished, failed, crashed, ...)
    /// logs nothing more; a running or stalled one may.
    fn may_change(&self) -> bool {
        crate::model::runs::may_log_more(&self.state.state)
    }

    /// These looks followed by a later one.
    fn then(self, later: Seen) -> Seen {
        let coverage = if later.coverage.safe_width() >= self.coverage.safe_width() {
            later.coverage
        } else {
            self.coverage
        };
        let mut findings = self.findings;
        findings.extend(later.findings);
        Seen {
            state: later.state,
            last_step: later.last_step.max(self.last_step),
            now_unix: later.now_unix,
            keys: later.keys.or(self.keys),
            rows: rows::join(self.rows, later.rows),
            coverage,
            findings,
            levels: later.levels,
        }
    }
}

/// One look after `before` (from the start without one).
fn look_once(source: &dyn Source, run: &RunPath, before: Option<&Cursor>) -> Result<Seen> {
    let from = before.and_then(|c| c.last_step).map_or(0, |s| s + 1);
    let choice = KeyChoice::default();
    let names = speculative(&choice);
    let min_step = Some(from).filter(|&f| f > 0);
    let specs: Vec<Spec> = names
        .iter()
        .map(|k| Spec::of(k, SAMPLES_PER_WINDOW, min_step, None))
        .collect();
    let first = source.history(run, &specs, true)?;
    let now_unix = timefmt::now_unix();
    let last_step = first.keys.last_step;
    let available = first.keys.available.clone().unwrap_or_default();
    let new_rows = last_step.is_some_and(|l| l >= from) && !available.is_empty();
    let state = state_of(&first.run, now_unix);
    let ended = crash::ending(&first.run, now_unix).is_some()
        && before.is_none_or(|c| c.state != state_code(&state));
    let mut seen = Seen {
        state: first.run.clone(),
        last_step,
        now_unix,
        keys: None,
        rows: Vec::new(),
        coverage: Coverage::Every,
        findings: Vec::new(),
        levels: before.map_or([Level::default(); ROLES], |c| c.levels),
    };
    if !new_rows && !(ended && !available.is_empty()) {
        return Ok(seen);
    }
    let keys = guess_keys(&available, &choice)?;
    let mut tracks = Tracks::default();
    if new_rows {
        let last = last_step.unwrap_or(from);
        tracks = Tracks::whole_run(names.iter().cloned().zip(first.series), last_step);
        // Whole over the new rows only, not the run.
        for name in &names {
            if let Some(track) = tracks.get_mut(name) {
                track.whole = if track.series.complete {
                    vec![(from, last)]
                } else {
                    Vec::new()
                };
            }
        }
        let dense = Dense::after(from, &keys, &tracks, last_step, SAMPLES_PER_WINDOW);
        let specs = dense.specs();
        let answers = if specs.is_empty() {
            Vec::new()
        } else {
            source.history(run, &specs, false)?.series
        };
        seen.coverage = source.delivered(dense.absorb(&keys, &mut tracks, answers));
    }
    let mut opened = look::open(keys, tracks, before, from);
    while let Some(round) = opened.case.next_round() {
        let reply = source.history(run, &round.specs, false)?;
        opened.case.absorb(round, reply.series);
    }
    let extra = match crash::ending(&first.run, now_unix).filter(|_| ended) {
        Some(ending) => {
            // One request, as triage reads it: a console kept only in a log file (on another
            // origin, up to three more) is left to `diagnose`, and the finding says where.
            let context = source
                .crash_contexts(&run.project_path(), &[run.run_id.as_str()])?
                .into_iter()
                .next()
                .ok_or_else(|| crate::error::AgentError::NotFound(format!("run {run}")))?;
            crash::from_context(&context, &ending, &first.run, last_step.unwrap_or(0))
        }
        None => Vec::new(),
    };
    let (found, keys) = opened.case.close(extra);
    seen.findings = look::new_findings(found, before);
    seen.keys = Some(keys);
    seen.rows = opened.rows;
    if new_rows {
        seen.levels = opened.levels;
    }
    Ok(seen)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_are_clamped_to_the_time_limit_and_say_so() {
        assert_eq!(
            Wait::clamped(30, Some(60)),
            Wait {
                seconds: 30,
                clamped: None
            }
        );
        let w = Wait::clamped(120, Some(60));
        assert_eq!(w.seconds, 45);
        assert_eq!(
            w.clamped.as_deref(),
            Some("--wait 120 shortened to 45s to fit the call's 60s --timeout")
        );
        assert_eq!(Wait::clamped(20, Some(20)).seconds, 15);
        assert_eq!(Wait::clamped(9_999, None).seconds, MAX_WAIT_S);
    }
}
