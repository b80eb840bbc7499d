//! The granted directory as a boundary: links out of it, and a hostile component in it.

use super::{offline, run_dir};

#[test]
fn a_link_out_of_the_granted_directory_is_not_followed() {
    // A run directory whose log is a symlink to a real log elsewhere: the host grants the
    // directory; the component, confined to it, cannot open what the link points to.
    let elsewhere = format!("{}/run-explode1.wandb", run_dir("explode1"));
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("offline-run-20261206_000000-escape");
    std::fs::create_dir_all(&dir).unwrap();
    std::os::unix::fs::symlink(&elsewhere, dir.join("run-escape.wandb")).unwrap();
    let out = offline().run(&["list-runs", &dir.display().to_string()]);
    let line = out.fails(3);
    assert!(
        line.ends_with("/run-escape.wandb: Operation not permitted (os error 63)"),
        "{line}"
    );
}

#[test]
fn a_hostile_component_cannot_change_or_leave_the_granted_directory() {
    // The directory a local call grants, with a symlink out of it (to a file and to a
    // directory) and a hard link to a file elsewhere.
    let outside = tempfile::tempdir().unwrap();
    let secret = outside.path().join("secret.txt");
    std::fs::write(&secret, b"not yours").unwrap();
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("offline-run-20261206_000000-hostile1");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("inside.txt"), b"granted").unwrap();
    std::os::unix::fs::symlink(&secret, dir.join("link-out")).unwrap();
    std::os::unix::fs::symlink(outside.path(), dir.join("dir-link-out")).unwrap();
    std::fs::hard_link(&secret, dir.join("hard-link")).unwrap();

    let component = crate::support::escape_component().display().to_string();
    let arg = dir.display().to_string();
    let text = offline()
        .run(&["--component", &component, "summary", &arg])
        .ok()
        .to_string();
    let (attempts, env) = text.trim_end().split_once("; env: ").unwrap();
    assert_eq!(
        attempts,
        "granted: opened read inside.txt, list the directory, read hard-link; refused write \
         planted, append inside.txt, truncate inside.txt, mkdir sub, rename inside.txt, remove \
         inside.txt, list .., read ../../etc/passwd, list /local, list /, read link-out, list \
         dir-link-out"
    );
    assert!(!env.contains("KEY") && !env.contains("demo_"), "{env}");
    // Nothing changed on disk.
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["dir-link-out", "hard-link", "inside.txt", "link-out"]
    );
    assert_eq!(std::fs::read(dir.join("inside.txt")).unwrap(), b"granted");
}

#[test]
fn a_local_call_has_no_network_and_no_key() {
    // The key is set and the base URL is a server of our own that counts every connection;
    // a URL to it is planted in the granted directory for a hostile component to try.
    use crate::support::{http, Cli, RawServer};
    const KEY: &str = "local_key_0123456789abcdef0123456789abcdef";
    let server = RawServer::start(|_| http(200, "", "{}"));
    let base_url = server.base_url();
    let cli = || {
        let mut cli = Cli::new();
        cli.env("WANDB_BASE_URL", &base_url)
            .env("WANDB_API_KEY", KEY);
        cli
    };
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("offline-run-20261206_000000-nonet001");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("inside.txt"), b"granted").unwrap();
    std::fs::write(dir.join("target.txt"), format!("{base_url}/graphql")).unwrap();
    let component = crate::support::escape_component().display().to_string();
    let text = cli()
        .run(&[
            "--component",
            &component,
            "summary",
            &dir.display().to_string(),
        ])
        .ok()
        .to_string();
    let (attempts, env) = text.trim_end().split_once("; env: ").unwrap();
    assert!(attempts.ends_with(", send http"), "{attempts}");
    assert!(!env.contains(KEY), "{env}");
    // The real component on a real run sends nothing either.
    let run = super::run_dir("explode1");
    for op in ["summary", "diagnose", "list-runs"] {
        cli().run(&[op, &run]).ok();
    }
    assert_eq!(server.count(), 0, "a local call reached the server");
}
