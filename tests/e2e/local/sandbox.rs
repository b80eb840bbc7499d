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
    assert_eq!(
        text.trim_end(),
        "granted: opened read inside.txt, list the directory, read hard-link; refused write \
         planted, append inside.txt, truncate inside.txt, mkdir sub, rename inside.txt, remove \
         inside.txt, list .., read ../../etc/passwd, list /local, list /, read link-out, list \
         dir-link-out"
    );
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
