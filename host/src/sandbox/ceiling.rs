//! The output ceiling's last word: whatever a component returns (ours keeps the ceiling
//! itself; another one given with `--component` may not), no call prints more than
//! `--max-output-tokens` o200k tokens. Counted with the real tokenizer, loaded only for an
//! output longer in bytes than the ceiling in tokens (a token is at least one byte).

use std::sync::OnceLock;

use wandb_agent_commands::ceiling;

use crate::grant::policy::Audience;

/// `text` as is when it fits `max` o200k tokens (`None`: no limit), else cut at a line
/// boundary with one `#` line saying so and how to raise the ceiling.
pub fn keep(text: String, max: Option<u32>, audience: Audience) -> String {
    let Some(max) = max else {
        return text;
    };
    if text.len() <= max as usize {
        return text;
    }
    let Some(encoder) = encoder() else {
        // Without the tokenizer, a byte per token is a bound that always holds.
        return ceiling::cut(&text, max as usize, str::len, |kept, total| {
            note(kept, total, max, audience)
        })
        .unwrap_or(text);
    };
    let count = |t: &str| encoder.encode_ordinary(t).len();
    ceiling::cut(&text, max as usize, count, |kept, total| {
        note(kept, total, max, audience)
    })
    .unwrap_or(text)
}

fn encoder() -> Option<&'static tiktoken_rs::CoreBPE> {
    static ENCODER: OnceLock<Option<tiktoken_rs::CoreBPE>> = OnceLock::new();
    ENCODER
        .get_or_init(|| tiktoken_rs::o200k_base().ok())
        .as_ref()
}

/// The `#` line of a cut output, in the words of who can raise the ceiling.
fn note(kept: usize, total: usize, max: u32, audience: Audience) -> String {
    let raise = match audience {
        Audience::Cli => "raise it with --max-output-tokens N (0 = no limit)",
        Audience::Mcp => {
            "ask whoever runs the server to start `wandb-agent mcp` with --max-output-tokens N"
        }
        Audience::RemoteMcp => "ask the server's operator to raise --max-output-tokens",
    };
    format!(
        "# output cut at the {max}-token ceiling: {kept} of {total} lines shown; narrow the request, or {raise}"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(text: &str) -> usize {
        tiktoken_rs::o200k_base()
            .unwrap()
            .encode_with_special_tokens(text)
            .len()
    }

    #[test]
    fn a_long_output_is_cut_to_the_ceiling_at_a_line_boundary() {
        let text: String = (0..20_000)
            .map(|i| format!("{i},{:.4},{:.3e}\n", 1.0 / (i + 1) as f64, i as f64 * 1.7))
            .collect();
        assert!(tokens(&text) > 100_000);
        let out = keep(text.clone(), Some(4000), Audience::Cli);
        let n = tokens(&out);
        assert!((3800..=4000).contains(&n), "{n} tokens");
        assert!(text.starts_with(out.lines().next().unwrap()));
        let last = out.lines().last().unwrap();
        assert!(
            last.starts_with("# output cut at the 4000-token ceiling: ")
                && last.ends_with("of 20000 lines shown; narrow the request, or raise it with --max-output-tokens N (0 = no limit)"),
            "{last}"
        );
        // Every line but the note is a whole line of the output.
        for line in out.lines().filter(|l| !l.starts_with('#')) {
            assert!(text.contains(&format!("{line}\n")), "{line}");
        }
        let mcp = keep(text.clone(), Some(4000), Audience::Mcp);
        assert!(
            mcp.trim_end().ends_with("with --max-output-tokens N"),
            "{mcp}"
        );
    }

    #[test]
    fn short_outputs_and_no_ceiling_pass_as_they_are() {
        let text: String = (0..20_000).map(|i| format!("{i}\n")).collect();
        assert_eq!(keep(text.clone(), None, Audience::Cli), text);
        assert_eq!(keep("a,b\n".into(), Some(10), Audience::Cli), "a,b\n");
    }
}
