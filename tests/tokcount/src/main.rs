//! `tokcount [FILE...]`: prints the o200k token count of each file (or of stdin), one per line.
//! The encoding ships inside tiktoken-rs, so this works with no network.

use std::io::Read;

fn main() -> std::process::ExitCode {
    let encoder = match tiktoken_rs::o200k_base() {
        Ok(e) => e,
        Err(e) => {
            eprintln!("error: cannot load the o200k encoding: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let files: Vec<String> = std::env::args().skip(1).collect();
    let texts: Vec<Result<String, String>> = if files.is_empty() {
        let mut text = String::new();
        vec![std::io::stdin()
            .read_to_string(&mut text)
            .map(|_| text)
            .map_err(|e| format!("stdin: {e}"))]
    } else {
        files
            .iter()
            .map(|f| std::fs::read_to_string(f).map_err(|e| format!("{f}: {e}")))
            .collect()
    };
    for text in texts {
        match text {
            Ok(t) => println!("{}", encoder.encode_with_special_tokens(&t).len()),
            Err(e) => {
                eprintln!("error: {e}");
                return std::process::ExitCode::FAILURE;
            }
        }
    }
    std::process::ExitCode::SUCCESS
}
