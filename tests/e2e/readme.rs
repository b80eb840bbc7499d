//! The README's Quick start works as written: `scripts/readme-check.sh` runs its shell lines
//! (the demo, the server it keeps running, the CLI against it, the emulator alone), and a
//! line that does not work fails the check naming it.

use std::process::Command;

use crate::support::workspace;

fn check(readme: Option<&std::path::Path>) -> std::process::Output {
    let mut command = Command::new(workspace().join("scripts").join("readme-check.sh"));
    if let Some(path) = readme {
        command.env("README_CHECK_FILE", path);
    }
    command.output().expect("the check runs")
}

#[test]
fn the_quick_start_lines_work_as_written() {
    let out = check(None);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "stdout: {stdout}\nstderr: {stderr}");
    assert!(stdout.contains("skipped `./scripts/test.sh`"), "{stdout}");
    assert!(stdout.contains("$ ./target/release/wandb-agent list-runs demo/vision"), "{stdout}");
    assert!(stdout.contains("$ ./target/release/wandb-emulator --listen 127.0.0.1:"), "{stdout}");
    assert!(stdout.contains("blocks of the Quick start ran as written"), "{stdout}");
}

#[test]
fn a_line_that_does_not_work_fails_the_check() {
    let dir = tempfile::tempdir().unwrap();
    let readme = dir.path().join("README.md");
    std::fs::write(
        &readme,
        "# x\n\n## Quick start\n\n```sh\n./target/release/wandb-nothing --listen 127.0.0.1:8080\n```\n\n## CLI\n",
    )
    .unwrap();
    let out = check(Some(&readme));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("README line `./target/release/wandb-nothing --listen 127.0.0.1:8080` did not start a server"),
        "{stderr}"
    );
}
