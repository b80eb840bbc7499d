//! `logs`: the end of a run's console, made readable and cut to a token budget — the whole
//! tail, the lines matching `--grep`, or with `--errors` only the error context and the likely
//! cause (see [`errors`]).

use wandb_agent_commands::Logs;

use crate::analysis::console_errors;
use crate::error::{AgentError, Result};
use crate::model::paths;
use crate::model::{Line, LinesFrom, Tail};
use crate::ops::{Context, Run};
use crate::text::logtext::{self, Collapsed};
use crate::text::tokens;

pub const DEFAULT_TAIL: u32 = 40;
pub const DEFAULT_BUDGET: u32 = 600;
/// Lines fetched whatever `tail` is: enough to collapse progress bars before the end and to
/// find the traceback above a few screens of them.
pub const FETCH_LINES: u32 = 1000;
/// The most lines one request may ask for (the server's cap on `logLines`).
pub const MAX_TAIL: u32 = 10_000;
/// Failure-pattern lines shown with `--errors` besides the traceback.
const MAX_ERROR_LINES: usize = 8;

impl Run for Logs {
    fn run(self, cx: &Context) -> Result<String> {
        let run = paths::parse_run_path(&self.run)?;
        let tail = self.tail.unwrap_or(DEFAULT_TAIL);
        if tail == 0 || tail > MAX_TAIL {
            return Err(AgentError::BadInput(format!(
                "tail must be between 1 and {MAX_TAIL}"
            )));
        }
        let grep = match self
            .grep
            .as_deref()
            .map(str::trim)
            .filter(|g| !g.is_empty())
        {
            None => None,
            Some(pattern) => Some(regex_lite::Regex::new(pattern).map_err(|e| {
                AgentError::BadInput(format!(
                    "invalid grep pattern `{pattern}`: {}",
                    e.to_string().lines().last().unwrap_or("syntax error")
                ))
            })?),
        };
        let fetched = cx.source.console(&run, FETCH_LINES.max(tail))?;
        let view = View {
            tail: tail as usize,
            grep: grep.as_ref(),
            errors: self.errors,
            budget: cx.budget(self.budget.unwrap_or(DEFAULT_BUDGET)) as usize,
        };
        Ok(render(&run.run_id, &fetched, &view))
    }
}

/// What to show of the fetched lines.
pub struct View<'a> {
    pub tail: usize,
    pub grep: Option<&'a regex_lite::Regex>,
    pub errors: bool,
    /// Tokens; 0 = no limit.
    pub budget: usize,
}

/// A line ready to print.
#[derive(Debug, Clone)]
struct Shown {
    number: Option<u64>,
    stderr: bool,
    text: String,
}

impl Shown {
    fn of(line: &Line) -> Shown {
        Shown {
            number: line.number,
            stderr: line.stderr,
            text: logtext::clean(&line.text),
        }
    }

    fn print(&self, count: usize) -> String {
        let mark = if self.stderr { "!" } else { "" };
        let mut out = match self.number {
            Some(n) => format!("{n}{mark} {}", self.text),
            None => format!("{mark}{}", self.text),
        };
        if count > 1 {
            out.push_str(&format!(" [×{count} similar lines]"));
        }
        out
    }
}

/// An ellipsis between the parts of an error context.
const GAP: &str = "…";

pub fn render(run_id: &str, fetched: &Tail, view: &View) -> String {
    let lines: Vec<Shown> = fetched.lines.iter().map(Shown::of).collect();
    let (body, cause_note) = if view.errors {
        error_context(&lines, &fetched.run.state)
    } else {
        let kept: Vec<Shown> = match view.grep {
            Some(re) => lines.into_iter().filter(|l| re.is_match(&l.text)).collect(),
            None => lines,
        };
        let collapsed = logtext::collapse(&kept, |l: &Shown| l.text.as_str());
        let start = collapsed.len().saturating_sub(view.tail);
        let body: Vec<String> = collapsed[start..]
            .iter()
            .map(|Collapsed { item, count }| item.print(*count))
            .collect();
        (body, None)
    };
    // The trailer's longest form: every line but one left out.
    let longest = trailer(run_id, fetched, view, 1, body.len(), cause_note.clone());
    let (body, dropped) = within_budget(body, view.budget, tokens::estimate(&longest));
    let mut out = String::new();
    for line in &body {
        out.push_str(line);
        out.push('\n');
    }
    out.push_str(&trailer(
        run_id,
        fetched,
        view,
        body.len(),
        dropped,
        cause_note,
    ));
    out
}

/// The error context: the last traceback (start, first frame, last frame, exception) and the
/// failure-pattern lines outside it, in console order; and the likely cause.
fn error_context(lines: &[Shown], state: &str) -> (Vec<String>, Option<String>) {
    let texts: Vec<&str> = lines.iter().map(|l| l.text.as_str()).collect();
    let mut picked: Vec<usize> = Vec::new();
    let traceback = console_errors::last_traceback(&texts);
    let in_traceback = |i: usize| traceback.as_ref().is_some_and(|t| i >= t.start);
    let mut outside: Vec<usize> = (0..lines.len())
        .filter(|&i| !in_traceback(i) && console_errors::looks_like_error(texts[i]))
        .collect();
    // One of each shape: a warning repeated per step is one line of evidence.
    let mut shapes: Vec<String> = Vec::new();
    outside.retain(|&i| {
        let shape = logtext::shape(texts[i]);
        let new = !shapes.contains(&shape);
        shapes.push(shape);
        new
    });
    picked.extend(outside.iter().rev().take(MAX_ERROR_LINES).rev());
    if let Some(t) = &traceback {
        picked.push(t.start);
        picked.extend(&t.first_frame);
        picked.extend(&t.last_frame);
        picked.extend(t.exception);
    }
    picked.sort_unstable();
    picked.dedup();
    let mut body = Vec::new();
    let mut previous: Option<usize> = None;
    for &i in &picked {
        if previous.is_some_and(|p| i > p + 1) {
            body.push(GAP.to_string());
        }
        body.push(lines[i].print(1));
        previous = Some(i);
    }
    let (cause, _) = console_errors::diagnose(&texts, state);
    let note = if picked.is_empty() {
        "no traceback or error lines in the fetched tail".to_string()
    } else {
        format!("likely cause: {}", cause.describe())
    };
    (body, Some(note))
}

/// Keeps the newest lines that fit `budget` tokens (0 = all) beside a trailer of `reserved`
/// tokens; how many older ones went. Tokens are estimated as the output ceiling counts them.
fn within_budget(lines: Vec<String>, budget: usize, reserved: usize) -> (Vec<String>, usize) {
    if budget == 0 {
        return (lines, 0);
    }
    let allowance = budget.saturating_sub(reserved);
    let mut used = 0;
    let mut keep = lines.len();
    for line in lines.iter().rev() {
        // The line and its line break.
        let cost = tokens::estimate(line) + 1;
        if used + cost > allowance {
            break;
        }
        used += cost;
        keep -= 1;
    }
    let dropped = keep;
    (lines.into_iter().skip(dropped).collect(), dropped)
}

fn trailer(
    run_id: &str,
    fetched: &Tail,
    view: &View,
    shown: usize,
    dropped: usize,
    cause: Option<String>,
) -> String {
    let run = &fetched.run;
    let mut parts = vec![match run.exitcode {
        Some(code) if !run.state.is_empty() => {
            format!("run {run_id} {} (exit code {code})", run.state)
        }
        _ if !run.state.is_empty() => format!("run {run_id} {}", run.state),
        _ => format!("run {run_id}"),
    }];
    parts.push(match &fetched.source {
        LinesFrom::Stream { total } => match total {
            Some(t) if *t > fetched.lines.len() as u64 => format!(
                "{} shown of the last {} console lines ({t} in all)",
                plural(shown, "line"),
                fetched.lines.len()
            ),
            _ => format!(
                "{} shown of {} console lines",
                plural(shown, "line"),
                fetched.lines.len()
            ),
        },
        LinesFrom::File { name, read, size } => format!(
            "{} shown from the last {} of {name} ({} in all; no streamed lines)",
            plural(shown, "line"),
            bytes(*read),
            bytes(*size)
        ),
        LinesFrom::Nothing => "no console output (no streamed lines and no output.log)".into(),
    });
    if let Some(re) = view.grep {
        parts.push(format!("lines matching /{}/", re.as_str()));
    }
    if dropped > 0 {
        parts.push(format!(
            "{dropped} older lines left out for the {}-token budget (raise {})",
            view.budget,
            crate::hints::option("budget")
        ));
    }
    if let Some(cause) = cause {
        parts.push(cause);
    }
    if matches!(fetched.source, LinesFrom::Stream { .. }) {
        parts.push("stderr marked !".into());
    }
    parts.push(plural(fetched.requests as usize, "request"));
    format!("# {}\n", parts.join("; "))
}

fn plural(n: usize, noun: &str) -> String {
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
}

fn bytes(n: u64) -> String {
    match n {
        n if n >= 1 << 20 => format!("{:.1} MiB", n as f64 / (1u64 << 20) as f64),
        n if n >= 1 << 10 => format!("{} KiB", n >> 10),
        n => format!("{n} B"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::RunState;

    fn fetched(lines: &[(bool, &str)]) -> Tail {
        Tail {
            lines: lines
                .iter()
                .enumerate()
                .map(|(i, (stderr, text))| Line {
                    number: Some(100 + i as u64),
                    stderr: *stderr,
                    text: (*text).to_string(),
                })
                .collect(),
            source: LinesFrom::Stream { total: Some(200) },
            run: RunState {
                state: "failed".into(),
                exitcode: Some(1),
                ..RunState::default()
            },
            requests: 1,
        }
    }

    fn view(errors: bool) -> View<'static> {
        View {
            tail: 40,
            grep: None,
            errors,
            budget: 600,
        }
    }

    const CRASH: &[(bool, &str)] = &[
        (
            true,
            "Epoch 0:  10%|█         | 100/1000 [00:10<01:30, 9.87it/s]",
        ),
        (
            true,
            "Epoch 0:  20%|██        | 200/1000 [00:20<01:20, 9.87it/s]",
        ),
        (false, "\u{1b}[33mERROR: disk nearly full\u{1b}[0m"),
        (true, "Traceback (most recent call last):"),
        (true, "  File \"train.py\", line 9, in <module>"),
        (true, "    main()"),
        (true, "  File \"train.py\", line 5, in main"),
        (true, "    step()"),
        (true, "  File \"model.py\", line 3, in step"),
        (true, "    x = y @ z"),
        (
            true,
            "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB.",
        ),
    ];

    #[test]
    fn the_tail_collapses_bars_strips_escapes_and_marks_stderr() {
        let text = render("abc", &fetched(CRASH), &view(false));
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "101! Epoch 0:  20%|██        | 200/1000 [00:20<01:20, 9.87it/s] [×2 similar lines]"
        );
        assert_eq!(lines[1], "102 ERROR: disk nearly full");
        assert_eq!(
            lines.last().unwrap(),
            &"# run abc failed (exit code 1); 10 lines shown of the last 11 console lines (200 in all); stderr marked !; 1 request"
        );
    }

    #[test]
    fn errors_keep_the_traceback_ends_and_name_the_cause() {
        let text = render("abc", &fetched(CRASH), &view(true));
        assert_eq!(
            text,
            "102 ERROR: disk nearly full\n\
             103! Traceback (most recent call last):\n\
             104!   File \"train.py\", line 9, in <module>\n\
             105!     main()\n\
             …\n\
             108!   File \"model.py\", line 3, in step\n\
             109!     x = y @ z\n\
             110! torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB.\n\
             # run abc failed (exit code 1); 8 lines shown of the last 11 console lines (200 in all); likely cause: out of GPU memory; stderr marked !; 1 request\n"
        );
    }

    #[test]
    fn grep_and_budget() {
        let re = regex_lite::Regex::new("Error|ERROR").unwrap();
        let v = View {
            grep: Some(&re),
            ..view(false)
        };
        let text = render("abc", &fetched(CRASH), &v);
        assert_eq!(text.lines().count(), 3, "{text}");
        let many: Vec<(bool, String)> = (0..500)
            .map(|i| (false, format!("line {i} {}", "x".repeat(i % 7))))
            .collect();
        let refs: Vec<(bool, &str)> = many.iter().map(|(s, t)| (*s, t.as_str())).collect();
        let tight = View {
            tail: 500,
            budget: 100,
            ..view(false)
        };
        let text = render("abc", &fetched(&refs), &tight);
        assert!(
            text.contains("older lines left out for the 100-token budget"),
            "{text}"
        );
        assert!(text.len() < 100 * 4, "{}", text.len());
    }

    /// Dense training-progress lines (numbers, `key=value`): the kind of console that cost 684
    /// real tokens against the default 600. Counted with the real tokenizer.
    #[test]
    fn the_default_budget_holds_in_real_tokens() {
        let many: Vec<(bool, String)> = (0..300)
            .map(|i| {
                let text = if i % 2 == 0 {
                    format!("Epoch 3 step {}/5000 loss=0.{:04} acc=0.8{:03} lr=3.0e-04 time=0.52s", 1000 + i, 4321 + 7 * i, i)
                } else {
                    format!("{{'loss': 0.{:04}, 'grad_norm': 1.{:03}, 'learning_rate': 4.98e-05, 'epoch': 0.37}}", 2217 + i, i)
                };
                (i % 5 == 0, text)
            })
            .collect();
        let refs: Vec<(bool, &str)> = many.iter().map(|(s, t)| (*s, t.as_str())).collect();
        let all = View {
            tail: 300,
            budget: DEFAULT_BUDGET as usize,
            ..view(false)
        };
        let text = render("abc", &fetched(&refs), &all);
        let real = tiktoken_rs::o200k_base()
            .unwrap()
            .encode_with_special_tokens(&text)
            .len();
        assert!((400..=600).contains(&real), "{real} tokens: {text}");
        assert!(text.contains("older lines left out for the 600-token budget"));
    }

    #[test]
    fn no_output_says_so() {
        let mut f = fetched(&[]);
        f.source = LinesFrom::Nothing;
        f.run.exitcode = Some(0);
        f.run.state = "finished".into();
        assert_eq!(
            render("abc", &f, &view(false)),
            "# run abc finished (exit code 0); no console output (no streamed lines and no output.log); 1 request\n"
        );
    }
}
