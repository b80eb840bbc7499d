//! The precompiled-component cache. Loading a `.cwasm` runs native code, so an entry is used
//! only when nobody but this user could have put it there, and that is checked on the very
//! descriptors the bytes are read from, never by path and then loaded by path again:
//!
//! - the directory is reached from `/` one folder at a time with `openat(O_NOFOLLOW)` along
//!   its canonical path, each folder checked on its descriptor: owned by root or this user,
//!   and not writable by group or others unless sticky (`/tmp`); the cache folder itself must
//!   be this user's, mode `0700`-like;
//! - the entry is opened in that directory descriptor with `O_NOFOLLOW`, checked with `fstat`
//!   (a regular file of this user's, not writable by group or others) and loaded from the
//!   same descriptor (mapped through `/proc/self/fd/N`, which names that open file and no
//!   path, or else read from it);
//! - a new entry is written to a private temporary file in that directory and renamed over
//!   the old one there (`renameat`), so readers see the old file or the whole new one.
//!
//! A folder another user could write makes the cache unusable, and says why; a cache that
//! merely cannot be created, read or written only costs time (the component is compiled in
//! memory).

use std::ffi::{CStr, CString};
use std::fs::File;
use std::io::Write;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::{Component as PathPart, Path};

/// An open cache directory that passed every check.
pub struct CacheDir {
    fd: OwnedFd,
}

/// Why a cache directory is not used.
#[derive(Debug)]
pub enum Refusal {
    /// Another user could change what is in it: the reason names the folder.
    Untrusted(String),
    /// It could not be created or opened: only time is lost.
    Unavailable,
}

fn me() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

/// `openat(parent, name)` without following a symbolic link, close-on-exec.
fn open_at(parent: &OwnedFd, name: &CStr, flags: libc::c_int) -> std::io::Result<OwnedFd> {
    // SAFETY: `parent` is an open descriptor and `name` a NUL-terminated string.
    let fd = unsafe {
        libc::openat(
            parent.as_raw_fd(),
            name.as_ptr(),
            flags | libc::O_NOFOLLOW | libc::O_CLOEXEC,
            0o600 as libc::c_uint,
        )
    };
    if fd < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: `fd` was just opened and is owned by nobody else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

fn metadata(fd: &OwnedFd) -> std::io::Result<std::fs::Metadata> {
    let file = File::from(fd.try_clone()?);
    file.metadata()
}

/// Whether a folder on the way to the cache lets another user replace what is in it.
fn folder_problem(path: &Path, meta: &std::fs::Metadata, last: bool) -> Option<String> {
    let owner = meta.uid();
    let mode = meta.mode();
    let writable_by_others = mode & 0o022 != 0;
    let sticky = mode & 0o1000 != 0;
    // Root's folders are trusted on the way (`/`, `/home`); the cache folder must be ours.
    if owner != me() && (last || owner != 0) {
        return Some(format!(
            "{} belongs to another user (uid {owner})",
            path.display()
        ));
    }
    if writable_by_others && (last || !sticky) {
        return Some(format!(
            "{} can be written by other users (mode {:o})",
            path.display(),
            mode & 0o7777
        ));
    }
    None
}

impl CacheDir {
    /// Creates `dir` (mode 0700) if needed and opens it, checking every folder on the way.
    pub fn open(dir: &Path) -> Result<CacheDir, Refusal> {
        use std::os::unix::fs::DirBuilderExt;
        let _ = std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir);
        let canonical = std::fs::canonicalize(dir).map_err(|_| Refusal::Unavailable)?;
        let root = File::open("/").map_err(|_| Refusal::Unavailable)?;
        let mut fd = OwnedFd::from(root);
        let mut walked = std::path::PathBuf::from("/");
        let parts: Vec<_> = canonical
            .components()
            .filter_map(|p| match p {
                PathPart::Normal(name) => Some(name.to_owned()),
                _ => None,
            })
            .collect();
        let check = |fd: &OwnedFd, walked: &Path, last: bool| -> Result<(), Refusal> {
            let meta = metadata(fd).map_err(|_| Refusal::Unavailable)?;
            match folder_problem(walked, &meta, last) {
                Some(why) => Err(Refusal::Untrusted(why)),
                None => Ok(()),
            }
        };
        check(&fd, &walked, parts.is_empty())?;
        for (i, name) in parts.iter().enumerate() {
            let c_name = CString::new(name.as_bytes()).map_err(|_| Refusal::Unavailable)?;
            walked.push(name);
            fd = open_at(&fd, &c_name, libc::O_RDONLY | libc::O_DIRECTORY).map_err(|e| {
                // ELOOP: a symbolic link appeared where a folder was a moment ago.
                if e.raw_os_error() == Some(libc::ELOOP) {
                    Refusal::Untrusted(format!(
                        "{} was replaced by a symbolic link",
                        walked.display()
                    ))
                } else {
                    Refusal::Unavailable
                }
            })?;
            check(&fd, &walked, i + 1 == parts.len())?;
        }
        Ok(CacheDir { fd })
    }

    /// The entry, opened and checked: `None` when it is missing, not a regular file, or could
    /// have been written by someone else.
    pub fn open_entry(&self, name: &str) -> Option<File> {
        let c_name = CString::new(name).ok()?;
        let fd = open_at(&self.fd, &c_name, libc::O_RDONLY | libc::O_NONBLOCK).ok()?;
        let file = File::from(fd);
        let meta = file.metadata().ok()?;
        if !meta.is_file() || meta.uid() != me() || meta.mode() & 0o022 != 0 {
            return None;
        }
        Some(file)
    }

    /// The entry's bytes, read from the descriptor that was checked (see [`Self::open_entry`]).
    #[cfg(test)]
    pub fn read(&self, name: &str) -> Option<Vec<u8>> {
        use std::io::Read;
        let mut bytes = Vec::new();
        self.open_entry(name)?.read_to_end(&mut bytes).ok()?;
        Some(bytes)
    }

    /// Writes `bytes` to a private temporary file in the directory, then renames it over
    /// `name` there: an untrusted entry is replaced, never written through.
    pub fn store(&self, name: &str, bytes: &[u8]) {
        let tmp = format!("{name}.tmp{}", std::process::id());
        let (Ok(c_tmp), Ok(c_name)) = (CString::new(tmp), CString::new(name)) else {
            return;
        };
        // SAFETY: a valid descriptor and NUL-terminated names; failure is ignored.
        unsafe { libc::unlinkat(self.fd.as_raw_fd(), c_tmp.as_ptr(), 0) };
        let flags = libc::O_WRONLY | libc::O_CREAT | libc::O_EXCL;
        let written =
            open_at(&self.fd, &c_tmp, flags).and_then(|fd| File::from(fd).write_all(bytes));
        // SAFETY: as above.
        let renamed = written.is_ok()
            && unsafe {
                libc::renameat(
                    self.fd.as_raw_fd(),
                    c_tmp.as_ptr(),
                    self.fd.as_raw_fd(),
                    c_name.as_ptr(),
                )
            } == 0;
        if !renamed {
            // SAFETY: as above.
            unsafe { libc::unlinkat(self.fd.as_raw_fd(), c_tmp.as_ptr(), 0) };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(path: &Path, mode: u32) {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    }

    #[test]
    fn a_private_cache_is_created_used_and_replaced_atomically() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("a").join("cache");
        let cache = CacheDir::open(&dir).unwrap();
        let meta = std::fs::metadata(&dir).unwrap();
        assert_eq!(meta.permissions().mode() & 0o777, 0o700);
        assert_eq!(cache.read("x.cwasm"), None);
        cache.store("x.cwasm", b"bytes");
        let entry = dir.join("x.cwasm");
        assert_eq!(
            std::fs::metadata(&entry).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert_eq!(cache.read("x.cwasm").as_deref(), Some(&b"bytes"[..]));
        // Writable by others: not read, and replaced (not written through) by a private one.
        mode(&entry, 0o666);
        assert_eq!(cache.read("x.cwasm"), None);
        cache.store("x.cwasm", b"fresh");
        assert_eq!(cache.read("x.cwasm").as_deref(), Some(&b"fresh"[..]));
        assert_eq!(
            std::fs::read_dir(&dir).unwrap().count(),
            1,
            "no temporary left"
        );
    }

    #[test]
    fn an_entry_that_is_a_symbolic_link_is_not_followed() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("cache");
        let cache = CacheDir::open(&dir).unwrap();
        let elsewhere = root.path().join("foreign.cwasm");
        std::fs::write(&elsewhere, b"foreign").unwrap();
        mode(&elsewhere, 0o600);
        std::os::unix::fs::symlink(&elsewhere, dir.join("x.cwasm")).unwrap();
        assert_eq!(cache.read("x.cwasm"), None);
    }

    #[test]
    fn folders_others_can_write_are_refused_saying_which() {
        let root = tempfile::tempdir().unwrap();
        let shared = root.path().join("shared");
        std::fs::create_dir(&shared).unwrap();
        mode(&shared, 0o777);
        let Err(Refusal::Untrusted(why)) = CacheDir::open(&shared.join("cache")) else {
            panic!("a cache under a world-writable folder was used");
        };
        assert_eq!(
            why,
            format!(
                "{} can be written by other users (mode 777)",
                shared.display()
            )
        );
        // Sticky, like /tmp: others cannot replace what they do not own.
        mode(&shared, 0o1777);
        assert!(CacheDir::open(&shared.join("cache")).is_ok());
        // The cache folder itself may not be shared, sticky or not.
        let dir = shared.join("cache");
        mode(&dir, 0o1777);
        assert!(matches!(CacheDir::open(&dir), Err(Refusal::Untrusted(_))));
    }

    #[test]
    fn a_symbolic_link_to_a_shared_folder_is_judged_by_where_it_leads() {
        let root = tempfile::tempdir().unwrap();
        let shared = root.path().join("shared");
        std::fs::create_dir_all(shared.join("cache")).unwrap();
        mode(&shared, 0o777);
        let link = root.path().join("link");
        std::os::unix::fs::symlink(shared.join("cache"), &link).unwrap();
        assert!(matches!(CacheDir::open(&link), Err(Refusal::Untrusted(_))));
    }
}
