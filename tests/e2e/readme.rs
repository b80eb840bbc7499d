//! The check that keeps the README's Quick start true: `scripts/readme-check.sh` runs its
//! shell lines (the demo, the server it keeps running, the CLI against it, the emulator
//! alone). The real README is checked by `scripts/test.sh` after the suite (its first line,
//! `./scripts/demo.sh`, runs `cargo build`, which must not run inside `cargo test`: it
//! would relink the binary the other tests are running); here, that a line that does not
//! work fails the check, naming it.

use std::process::Command;

use crate::support::workspace;

fn check(readme: &std::path::Path) -> std::process::Output {
    Command::new(workspace().join("scripts").join("readme-check.sh"))
        .env("README_CHECK_FILE", readme)
        .output()
        .expect("the check runs")
}

#[test]
fn a_line_that_does_not_work_fails_the_check() {
    let dir = tempfile::tempdir().unwrap();
    let readme = dir.path().join("README.md");
    std::fs::write(
        &readme,
        "# x\n\n## Quick start\n\n```sh\n./target/no-such-dir/wandb-emulator --listen 127.0.0.1:8080\n```\n\n## CLI\n",
    )
    .unwrap();
    let out = check(&readme);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("README line `./target/no-such-dir/wandb-emulator --listen 127.0.0.1:8080` did not start a server"),
        "{stderr}"
    );
}

#[test]
fn a_failing_command_fails_the_check_and_the_test_command_is_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let readme = dir.path().join("README.md");
    let section = |lines: &str| format!("## Quick start\n\n```sh\n{lines}\n```\n");
    std::fs::write(&readme, section("./scripts/test.sh   # every test\ntrue")).unwrap();
    let out = check(&readme);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(stdout.contains("skipped `./scripts/test.sh`"), "{stdout}");
    assert!(
        stdout.contains("1 blocks of the Quick start ran as written"),
        "{stdout}"
    );
    std::fs::write(&readme, section("ls /no/such/dir")).unwrap();
    let out = check(&readme);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("README line `ls /no/such/dir` failed"),
        "{stderr}"
    );
}
