//! A look's answer: the run's state and progress, its new rows, its new findings (as
//! `diagnose` writes them), and the cursor for the next look as the last line.

use crate::analysis::detection::crash::{self, Ending};
use crate::analysis::detection::finding::table;
use crate::analysis::detection::{Finding, Keys};
use crate::analysis::watch::cursor::{self, fingerprint, state_code, Cursor, Level, ROLES};
use crate::analysis::watch::rows::KeyRows;
use crate::model::paths::RunPath;
use crate::model::{Coverage, RunState};
use crate::text::numfmt::format_sig;
use crate::text::{timefmt, tokens};

/// The most o200k tokens an answer takes (by the component's estimate, which errs high).
pub const MAX_TOKENS: usize = 400;
const DIGITS: usize = 4;

/// What a look found, for [`answer`].
pub struct Look<'a> {
    pub run: &'a RunPath,
    pub before: Option<&'a Cursor>,
    pub state: &'a RunState,
    /// The run's last step, from its `historyKeys` (`None`: nothing logged yet).
    pub last_step: Option<u64>,
    pub now_unix: i64,
    /// The keys looked at; `None` when there were no new rows to read.
    pub keys: Option<Keys>,
    pub rows: Vec<KeyRows>,
    pub coverage: Coverage,
    /// New findings only (`analysis::watch::look::new_findings`).
    pub findings: Vec<Finding>,
    pub levels: [Level; ROLES],
    /// `#` lines before the cursor's (requests made, how long a `--wait` waited).
    pub notes: Vec<String>,
}

/// The run's state as a watcher sees it: W&B's, or `stalled` for a `running` run silent for
/// as long as `diagnose` calls it stalled.
pub fn state_of(run: &RunState, now_unix: i64) -> String {
    match crash::ending(run, now_unix) {
        Some(Ending::Stalled(_)) => "stalled".into(),
        _ => run.state.clone(),
    }
}

/// The cursor after `look`.
pub fn next_cursor(look: &Look) -> Cursor {
    let before = look.before.cloned().unwrap_or_default();
    let mut reported = before.reported;
    reported.extend(
        look.findings
            .iter()
            .map(|f| fingerprint(f.kind, &f.key, f.step)),
    );
    let heartbeat = heartbeat(look.state);
    Cursor {
        run_tag: cursor::run_tag(look.run),
        last_step: look.last_step.max(before.last_step),
        // The rate is over rows: the heartbeat moves on with the step it goes with.
        heartbeat: if look.last_step > before.last_step || before.heartbeat.is_none() {
            heartbeat
        } else {
            before.heartbeat
        },
        state: state_code(&state_of(look.state, look.now_unix)),
        levels: look.levels,
        reported,
    }
}

fn heartbeat(state: &RunState) -> Option<i64> {
    timefmt::unix_seconds(state.heartbeat_at.as_deref()?)
}

/// The answer's text, its last line the next cursor.
pub fn answer(look: &Look) -> String {
    let next = next_cursor(look);
    let mut head = vec![progress(look, &next)];
    if !look.rows.is_empty() {
        head.push(rows_line(look));
    }
    let tail: Vec<String> = look
        .notes
        .iter()
        .map(|n| format!("# {n}"))
        .chain([format!("# next: --cursor {}", next.encode())])
        .collect();
    let mut findings = finding_rows(look);
    let fits = |rows: &[String], cut: usize| {
        let mut all: Vec<&str> = head.iter().map(String::as_str).collect();
        all.extend(rows.iter().map(String::as_str));
        all.extend(tail.iter().map(String::as_str));
        let note = cut_note(cut, look.run);
        tokens::estimate(&(all.join("\n") + &note)) + 4 <= MAX_TOKENS
    };
    // Findings beyond the budget are left to `diagnose`, which shows them all; a header
    // alone is no use.
    let mut cut = 0;
    while findings.len() > 1 && !fits(&findings, cut) {
        findings.pop();
        cut += 1;
        if findings.len() == 1 {
            findings.clear();
            cut = look.findings.len();
        }
    }
    let mut lines = head;
    lines.extend(findings);
    if cut > 0 {
        lines.push(cut_note(cut, look.run).trim().to_string());
    }
    lines.extend(tail);
    lines.join("\n") + "\n"
}

fn cut_note(cut: usize, run: &RunPath) -> String {
    if cut == 0 {
        return String::new();
    }
    format!(
        "\n# {cut} more finding{} not shown: diagnose {}/{}/{} lists them all",
        if cut == 1 { "" } else { "s" },
        run.entity,
        run.project,
        run.run_id
    )
}

/// `running: step 1,600 (+800), 100 steps/s, heartbeat 2s ago`.
fn progress(look: &Look, next: &Cursor) -> String {
    let now = cursor::state_name(next.state);
    let state = match look.before.map(|c| c.state) {
        Some(was) if was != next.state => format!("{now} (was {})", cursor::state_name(was)),
        _ if next.state == 0 => look.state.state.clone(),
        _ => now.to_string(),
    };
    let Some(last) = look.last_step else {
        return format!("{state}: no steps logged yet");
    };
    let before = look.before.and_then(|c| c.last_step);
    let mut text = format!("{state}: step {last}");
    match before {
        Some(b) if last > b => text.push_str(&format!(" (+{})", last - b)),
        Some(_) => text.push_str(", no new rows"),
        None if look.before.is_some() => text.push_str(&format!(" (+{})", last + 1)),
        None => {}
    }
    if let Some(rate) = rate(look, last) {
        text.push_str(&format!(", {} steps/s", format_sig(rate, 3)));
    }
    if let Some(beat) = heartbeat(look.state) {
        let ago = timefmt::duration(look.now_unix - beat);
        text.push_str(&format!(", heartbeat {ago} ago"));
    }
    text
}

/// Steps per second: since the cursor's look, or over the whole run on a first look.
fn rate(look: &Look, last: u64) -> Option<f64> {
    let beat = heartbeat(look.state)?;
    let (steps, since) = match look.before {
        Some(c) => (last.checked_sub(c.last_step?)?, c.heartbeat?),
        None => (
            last,
            timefmt::unix_seconds(look.state.created_at.as_deref()?)?,
        ),
    };
    let seconds = beat - since;
    (steps > 0 && seconds > 0).then(|| steps as f64 / seconds as f64)
}

/// `rows 801..1600: loss 0.93 [0.91..1.3]; grad_norm 140 [2.1..160]; ...` — last value, then
/// the finite range and how many values were not finite.
fn rows_line(look: &Look) -> String {
    let lo = look.rows.iter().map(|r| r.first_step).min().unwrap_or(0);
    let hi = look.rows.iter().map(|r| r.last_step).max().unwrap_or(0);
    let keys: Vec<String> = look
        .rows
        .iter()
        .map(|r| {
            let mut text = format!("{} {}", r.key, format_sig(r.last, DIGITS));
            if let (Some(min), Some(max)) = (r.min, r.max) {
                if r.points > 1 {
                    let (a, b) = (format_sig(min, DIGITS), format_sig(max, DIGITS));
                    text.push_str(&format!(" [{a}..{b}]"));
                }
            }
            if r.non_finite > 0 {
                text.push_str(&format!(" {} non-finite", r.non_finite));
            }
            text
        })
        .collect();
    let sampled = match look.coverage {
        Coverage::Every => String::new(),
        other => format!(" ({})", other.density()),
    };
    format!("rows {lo}..{hi}{sampled}: {}", keys.join("; "))
}

/// The findings as `diagnose` writes them (its header and rows), or one line when there is
/// none.
fn finding_rows(look: &Look) -> Vec<String> {
    let Some(keys) = &look.keys else {
        return Vec::new();
    };
    if look.findings.is_empty() {
        let what = if look.before.is_some() {
            "no new findings"
        } else {
            "no findings"
        };
        return vec![what.to_string()];
    }
    let csv = table(&look.findings, keys.counter.as_deref());
    let text = String::from_utf8(csv.into_inner().unwrap_or_default()).unwrap_or_default();
    text.lines().map(str::to_string).collect()
}
