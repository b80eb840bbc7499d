//! A safe estimate of o200k tokens, and the output ceiling applied with it.
//!
//! The component has no tokenizer (its vocabulary alone is megabytes), so it counts the way
//! o200k splits text before merging: digit runs in groups of up to three, words split where a
//! lower-case letter meets an upper-case one, runs of punctuation, line breaks. A word counts
//! one token per four letters (one each right after a digit, as in hashes), a punctuation run one
//! per two marks, any other character one
//! (a non-ASCII one, one per UTF-8 byte after the first). Real o200k merges more than this,
//! so the estimate errs high: the host's end-to-end suite checks it against the real
//! tokenizer on real outputs of every operation with a budget.

/// Estimated o200k tokens of `text`; never below the real count on our outputs.
pub fn estimate(text: &str) -> usize {
    let mut count = Count::default();
    for c in text.chars() {
        count.push(c);
    }
    count.finish()
}

/// The pieces seen so far and the one being read.
#[derive(Default)]
struct Count {
    tokens: usize,
    /// Letters of the current word piece.
    letters: usize,
    /// Digits of the current run.
    digits: usize,
    /// ASCII punctuation of the current run.
    marks: usize,
    /// Whether the current word piece follows a digit (ids, hashes: o200k splits those finer).
    after_digit: bool,
    previous_lower: bool,
    previous_space: bool,
}

impl Count {
    fn push(&mut self, c: char) {
        let lower = c.is_ascii_lowercase();
        if c.is_ascii_alphabetic() {
            if !(self.previous_lower && c.is_ascii_uppercase()) && self.letters > 0 {
                self.letters += 1;
            } else {
                let after_digit = self.digits > 0;
                self.end_piece();
                self.letters = 1;
                self.after_digit = after_digit;
            }
        } else if c.is_ascii_digit() {
            if self.digits == 0 {
                self.end_piece();
            }
            self.digits += 1;
        } else if c.is_ascii_punctuation() {
            if self.marks == 0 {
                self.end_piece();
            }
            self.marks += 1;
        } else {
            self.end_piece();
            self.tokens += match c {
                // One space joins the piece after it; a second one is a piece of its own.
                ' ' if !self.previous_space => 0,
                c if c.is_ascii() => 1,
                c => c.len_utf8().saturating_sub(1).max(1),
            };
        }
        self.previous_lower = lower;
        self.previous_space = c == ' ';
    }

    /// Counts the piece being read: four letters (one after a digit), three digits or two
    /// marks per token.
    fn end_piece(&mut self) {
        let per_token = if self.after_digit { 1 } else { 4 };
        self.tokens +=
            self.letters.div_ceil(per_token) + self.digits.div_ceil(3) + self.marks.div_ceil(2);
        self.after_digit = false;
        self.letters = 0;
        self.digits = 0;
        self.marks = 0;
    }

    fn finish(mut self) -> usize {
        self.end_piece();
        self.tokens
    }
}

/// `text` within `ceiling` estimated tokens (`None`: no limit), cut at a line boundary with
/// one `#` line saying so and how to see the rest.
pub fn within_ceiling(text: String, ceiling: Option<u32>) -> String {
    let Some(max) = ceiling else {
        return text;
    };
    wandb_agent_commands::ceiling::cut(&text, max as usize, estimate, |kept, total| {
        note(kept, total, max)
    })
    .unwrap_or(text)
}

/// The `#` line of an output cut at the ceiling.
pub fn note(kept: usize, total: usize, max: u32) -> String {
    format!(
        "# output cut at the {max}-token ceiling: {kept} of {total} lines shown; narrow the request, or {}",
        crate::hints::ceiling()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_like_o200k_splits() {
        assert_eq!(estimate(""), 0);
        // `_`, `step`, `,`, `loss`, `\n`, `0`, `,`, `2`, `.`, `346`, `\n`.
        assert_eq!(estimate("_step,loss\n0,2.346\n"), 11);
        // Punctuation in pairs.
        assert_eq!(estimate("\":{\""), 2);
        // Digits in threes; camel case splits.
        assert_eq!(estimate("1234567"), 3);
        assert_eq!(estimate("memoryAllocated"), 2 + 3);
        // A space joins the word after it.
        assert_eq!(estimate("a b"), 2);
        assert_eq!(estimate("a  b"), 3);
        // Non-ASCII: one token per byte after the first.
        assert_eq!(estimate("…"), 2);
        assert_eq!(estimate("×"), 1);
    }

    /// Text of every kind our outputs carry: the estimate is never below the real count, and
    /// not wildly above it (a budget should be mostly used).
    #[test]
    fn estimate_errs_high_against_real_o200k() {
        let encoder = tiktoken_rs::o200k_base().unwrap();
        let samples = [
            // Console: training progress, numbers dense (issue 25's 684-token logs).
            "1203 Epoch 3 step 1200/5000 loss=0.4321 acc=0.8765 lr=0.000300 time=0.52s\n1204 {'loss': 0.2217, 'grad_norm': 1.0456, 'learning_rate': 4.98e-05, 'epoch': 0.37}\n",
            "412! Traceback (most recent call last):\n413!   File \"/workspace/train.py\", line 212, in <module>\n414! torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB (GPU 0; 79.15 GiB total capacity; 77.01 GiB already allocated)\n",
            "88 Training: 100%|██████████| 1563/1563 [02:41<00:00,  9.68it/s, loss=0.213, v_num=3] [×412 similar lines]\n…\n",
            "[rank3]:[E ProcessGroupNCCL.cpp:563] [Rank 3] Watchdog caught collective operation timeout: WorkNCCL(SeqNum=18234, OpType=ALLREDUCE, NumelIn=262144, Timeout(ms)=600000) ran for 600046 milliseconds before timing out.\n",
            // Curves and statistics.
            "_step,loss,val_loss,grad_norm\n0,2.346,,0.9812\n812345,0.2125,0.3312,41.88\n812400,nan,nan,-2.716e+175\n1200000,,,inf\n",
            "loss,20000,0.1932,1187500,2.303,0,0.4123,0.2201,2.303,nan,1,812400,█▇▅▄▃▃▂▂▂▁▁▁▁▁▁▁▁!!!\n",
            // Summaries.
            r#"{"config":{"learning_rate":0.0003,"per_device_train_batch_size":32,"optimizer":"adamw_torch","model_name_or_path":"bert-base-uncased","id2label":"<map of 20>"},"summary":{"eval/loss":3.16,"train/loss":0.2017,"val_acc_class/57":0.8125},"best":{"eval/loss":{"min":2.417,"step":70001}}}"#,
            // Listings and findings.
            "id,name,state,created_at,runtime_s,steps\nk5e6y7mx,resnet50-lr3e-4-bs256,finished,2026-11-03T08:12:44Z,13345,10001\nsw000143,trial-143,finished,2026-11-01T00:00:00Z,600,3001\n",
            "explosion,grad_norm,812345,67,41.88,×55 its running level 0.7612; first step above 10× (exact step)\n# keys: loss=loss grad=grad_norm val=val_loss epoch=epoch (guessed from the run's keys); 3 requests\n",
            // Text in other scripts, ids and hashes.
            "日本語のログ: 学習率を下げてください。Ошибка: недостаточно памяти 🚀🔥\n",
            "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 x7k2m9qa l0ng1m2x\n",
        ];
        for sample in samples {
            let real = encoder.encode_with_special_tokens(sample).len();
            let estimated = estimate(sample);
            assert!(
                estimated >= real,
                "{estimated} < {real} real tokens: {sample}"
            );
            // Other scripts merge far more than a byte count can tell: safe, not close.
            let slack = if sample.is_ascii() { 2 } else { 4 };
            assert!(
                estimated <= real * slack,
                "{estimated} for {real} real tokens: {sample}"
            );
        }
    }

    #[test]
    fn outputs_over_the_ceiling_are_cut_with_a_note() {
        let text: String = (0..2000).map(|i| format!("{i},0.5,0.25\n")).collect();
        let out = within_ceiling(text.clone(), Some(500));
        assert!(estimate(&out) <= 500, "{}", estimate(&out));
        let last = out.lines().last().unwrap();
        assert!(
            last.starts_with("# output cut at the 500-token ceiling: "),
            "{last}"
        );
        assert!(out.starts_with("0,0.5,0.25\n1,0.5,0.25\n"));
        assert_eq!(within_ceiling(text.clone(), None), text);
        let short = "a,b\n".to_string();
        assert_eq!(within_ceiling(short.clone(), Some(500)), short);
    }
}
