//! Attachments storage (issue 17, point 1; used by contracts, receipts and the knowledge base):
//! files kept on disk under one configured directory (`attachments_dir`), each stored once under
//! the SHA-256 of its bytes — `<root>/<first two hex digits>/<64 hex digits>`. The database holds
//! only that key; identical uploads share one file, and a file never changes once written, so a
//! backup can copy the directory while the server runs. `backup` archives every file here (under
//! `files/…`, with its checksum in the manifest) and `restore` puts them back.
//!
//! Only storage: who may attach or read what is the business of the use case that keeps the key.

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// The directory where attachments live.
#[derive(Debug, Clone)]
pub struct Attachments {
    root: PathBuf,
}

/// How many files the directory holds, and their bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    pub files: u64,
    pub bytes: u64,
}

impl Attachments {
    pub fn new(root: impl Into<PathBuf>) -> Attachments {
        Attachments { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Creates the directory if missing (at start, so a wrong path fails early, not at upload).
    pub fn ensure(&self) -> io::Result<()> {
        std::fs::create_dir_all(&self.root)
    }

    /// Where the file of `key` is (whether or not it exists); `None` unless `key` is a SHA-256
    /// in lower-case hex, so no key can point outside the directory.
    pub fn path_of(&self, key: &str) -> Option<PathBuf> {
        relative(key).map(|r| self.root.join(r))
    }

    /// Stores the bytes (once: storing them again writes nothing) and returns their key.
    pub fn store(&self, bytes: &[u8]) -> io::Result<String> {
        let key = hex(&Sha256::digest(bytes));
        let path = self.root.join(relative(&key).unwrap_or_default());
        if path.is_file() {
            return Ok(key);
        }
        let dir = path.parent().unwrap_or(&self.root);
        std::fs::create_dir_all(dir)?;
        // Written beside, then renamed: a reader or a backup never sees half a file.
        let tmp = dir.join(format!(".{key}.partial"));
        let mut f = File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, &path)?;
        Ok(key)
    }

    /// The bytes of `key`; `NotFound` for an unknown or malformed key.
    pub fn read(&self, key: &str) -> io::Result<Vec<u8>> {
        let path = self
            .path_of(key)
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "not an attachment key"))?;
        std::fs::read(path)
    }

    /// Every stored file as (key, bytes), sorted by key. A missing directory holds none;
    /// anything that is not a stored file (a `.partial`, a stray name) is ignored.
    pub fn list(&self) -> io::Result<Vec<(String, u64)>> {
        let mut out = Vec::new();
        let top = match std::fs::read_dir(&self.root) {
            Ok(d) => d,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(out),
            Err(e) => return Err(e),
        };
        for sub in top {
            let sub = sub?;
            if !sub.file_type()?.is_dir() {
                continue;
            }
            for f in std::fs::read_dir(sub.path())? {
                let f = f?;
                let key = f.file_name().to_string_lossy().into_owned();
                let meta = f.metadata()?;
                if meta.is_file() && relative(&key).is_some_and(|r| r.starts_with(sub.file_name()))
                {
                    out.push((key, meta.len()));
                }
            }
        }
        out.sort();
        Ok(out)
    }

    pub fn usage(&self) -> io::Result<Usage> {
        Ok(self
            .list()?
            .iter()
            .fold(Usage::default(), |u, (_, b)| Usage {
                files: u.files + 1,
                bytes: u.bytes + b,
            }))
    }
}

/// `ab…` (64 lower-case hex digits) → `ab/ab…`; anything else → `None`.
pub fn relative(key: &str) -> Option<PathBuf> {
    let ok = key.len() == 64 && key.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    ok.then(|| Path::new(&key[..2]).join(key))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_stored_once_under_its_checksum_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let a = Attachments::new(dir.path().join("attachments"));
        let key = a.store("合同扫描件".as_bytes()).unwrap();
        assert_eq!(a.store("合同扫描件".as_bytes()).unwrap(), key);
        assert_eq!(a.read(&key).unwrap(), "合同扫描件".as_bytes());
        let path = a.path_of(&key).unwrap();
        assert!(path.ends_with(format!("{}/{key}", &key[..2])));
        assert_eq!(
            a.usage().unwrap(),
            Usage {
                files: 1,
                bytes: "合同扫描件".len() as u64
            }
        );
    }

    #[test]
    fn no_key_reaches_outside_the_directory() {
        let a = Attachments::new("/srv/att");
        for bad in [
            "../../etc/passwd",
            "",
            "AB",
            &"A".repeat(64),
            &"g".repeat(64),
        ] {
            assert!(a.path_of(bad).is_none(), "{bad}");
            assert_eq!(a.read(bad).unwrap_err().kind(), io::ErrorKind::NotFound);
        }
        assert_eq!(
            Attachments::new("/nowhere/at/all").usage().unwrap(),
            Usage::default()
        );
    }
}
