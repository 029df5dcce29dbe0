//! Backups and restores of the whole database, for `salesdesk backup` and `salesdesk restore`.
//!
//! SQLite: a backup is a gzipped POSIX tar archive named like
//! `salesdesk-20261129T183005Z-m0013.tar.gz` (time in UTC, schema version = last migration)
//! beside a `.sha256` file in `sha256sum` format. The archive holds `manifest.json` (format,
//! time, engine, full schema version, and the size and SHA-256 of each member) and
//! `salesdesk.db`, a consistent copy made with `VACUUM INTO` while the server runs, then every
//! attachment (`crate::attachments`) as `files/<ab>/<sha256>`, each listed in the manifest with
//! its size and checksum. Attachment files never change once written and are stored before the
//! row that names them is committed, so copying them after the database copy misses none that
//! copy refers to. Any `tar xzf` unpacks it by hand.
//!
//! PostgreSQL: the same archive, with `salesdesk.pgdump` (`pg_dump --format=custom`,
//! uncompressed inside the gzipped archive) in place of `salesdesk.db` and the engine
//! `postgres` in the manifest, then the attachments. The restore checks every member, runs
//! `pg_restore --clean --if-exists --single-transaction` on the dump and only then puts the
//! attachments in place. A bare `.pgdump` of an earlier version still restores (database only).
//!
//! A restore checks the `.sha256` (when present) and the manifest's checksum, refuses a database
//! in use unless forced (SQLite: the lock file every open `Db` holds; PostgreSQL: other
//! sessions), writes the database and the attachments to temporary files, checks every one
//! against the manifest, and only then removes the old `-wal`/`-shm` and renames them into
//! place. Attachments already in the directory stay (a file is named by its content, so one
//! of the same name is the same file).

use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use salesdesk_store::{Db, Engine, StoreError, maintenance};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::attachments::{self, Attachments, Usage};

/// Why a backup or restore did not happen.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// Refused on purpose (in use, bad checksum, not a backup); the text says why and what to do.
    #[error("{0}")]
    Refused(String),
    #[error("{0}")]
    Io(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

type Result<T> = std::result::Result<T, BackupError>;

fn io_err(what: &str, path: &Path) -> impl FnOnce(io::Error) -> BackupError {
    let msg = format!("{what} {}", path.display());
    move |e| BackupError::Io(format!("{msg}: {e}"))
}

/// The name of the database member inside an archive: SQLite's file, PostgreSQL's dump.
const DB_MEMBER: &str = "salesdesk.db";
const PG_MEMBER: &str = "salesdesk.pgdump";
const MANIFEST_MEMBER: &str = "manifest.json";
/// The folder of the attachments inside an archive.
const FILES_PREFIX: &str = "files/";
const FORMAT: &str = "salesdesk-backup/1";

/// What `manifest.json` says about an archive.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub created_at: String,
    pub engine: String,
    /// The last migration applied when the backup was taken, e.g. `m0013_nulls_first`.
    pub schema: String,
    pub members: Vec<Member>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Member {
    pub path: String,
    pub bytes: u64,
    pub sha256: String,
}

/// A backup that was written.
#[derive(Debug, Clone)]
pub struct Written {
    pub path: PathBuf,
    pub checksum_path: PathBuf,
    pub bytes: u64,
    pub sha256: String,
    pub schema: String,
    /// The attachments in the archive.
    pub attachments: Usage,
}

/// A restore that was done.
#[derive(Debug, Clone)]
pub struct Restored {
    /// The schema version of the restored database (`serve` migrates it forward if older).
    pub schema: String,
    /// False when there was no `.sha256` beside the file (the manifest checksum was still checked).
    pub checksum_file: bool,
    /// Attachments written back into the directory.
    pub attachments: u64,
}

/// The default file name of a backup taken now at this schema.
pub fn file_name(engine: Engine, schema: &str, at: chrono::DateTime<chrono::Utc>) -> String {
    prefixed_name("salesdesk", engine, schema, at)
}

/// `<prefix>-<UTC time>-<schema>.<ext>`: the scheduled backups use their own prefix, so that
/// their retention can only ever touch the files they made.
pub fn prefixed_name(
    prefix: &str,
    engine: Engine,
    schema: &str,
    at: chrono::DateTime<chrono::Utc>,
) -> String {
    let short = schema.split('_').next().unwrap_or(schema);
    // One archive format for both engines (the database member differs); `.pgdump` files of
    // earlier versions are still read by `restore` and the backups page.
    let _ = engine;
    format!("{prefix}-{}-{short}.tar.gz", at.format("%Y%m%dT%H%M%SZ"))
}

/// Takes a backup of the live database and the attachments under `files`. `to` is a file, or a
/// directory to put the default name in (default: the current directory).
pub async fn backup(db: &Db, url: &str, files: &Path, to: Option<&Path>) -> Result<Written> {
    backup_named(db, url, files, to, "salesdesk", chrono::Utc::now()).await
}

/// As [`backup`], with the file name's prefix and the time it carries given (the scheduled
/// backup names its files by the app clock).
pub async fn backup_named(
    db: &Db,
    url: &str,
    files: &Path,
    to: Option<&Path>,
    prefix: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Written> {
    let schema = db.schema_version().await?.ok_or_else(|| {
        BackupError::Refused("the database has no schema yet: run `salesdesk migrate` first".into())
    })?;
    let name = prefixed_name(prefix, db.engine(), &schema, now);
    let path = match to {
        Some(p) if p.is_dir() => p.join(&name),
        Some(p) => p.to_path_buf(),
        None => PathBuf::from(&name),
    };
    if path.exists() {
        return Err(BackupError::Refused(format!(
            "{} exists already; give another --to",
            path.display()
        )));
    }
    let partial = with_suffix(&path, ".partial");
    let _ = std::fs::remove_file(&partial);
    let copy = with_suffix(&path, ".partial.db");
    let _ = std::fs::remove_file(&copy);
    let (engine, member) = match db.engine() {
        Engine::Sqlite => {
            db.vacuum_into(&copy).await?;
            ("sqlite", DB_MEMBER)
        }
        Engine::Postgres => {
            let (url, password) = split_password(url);
            let mut cmd = Command::new("pg_dump");
            // Uncompressed: the archive around it is gzipped once.
            cmd.arg("--format=custom")
                .arg("--compress=0")
                .arg("--file")
                .arg(&copy)
                .arg("--dbname")
                .arg(&url);
            if let Some(p) = password {
                cmd.env("PGPASSWORD", p);
            }
            let dumped = run_tool(
                cmd,
                "pg_dump",
                &format!(
                    "pg_dump -Fc -f {} '{}'",
                    path.display(),
                    salesdesk_store::redact_url(&url)
                ),
            )
            .await;
            if let Err(e) = dumped {
                let _ = std::fs::remove_file(&copy);
                return Err(e);
            }
            ("postgres", PG_MEMBER)
        }
    };
    let manifest_base = Manifest {
        format: FORMAT.into(),
        created_at: now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        engine: engine.into(),
        schema: schema.clone(),
        members: Vec::new(),
    };
    let (copy2, partial2) = (copy.clone(), partial.clone());
    let files = Attachments::new(files);
    let r = tokio::task::spawn_blocking(move || {
        write_archive(&copy2, member, &partial2, manifest_base, &files)
    })
    .await
    .map_err(|e| BackupError::Io(e.to_string()));
    let _ = std::fs::remove_file(&copy);
    let usage = r??;
    let (sha256, bytes) = hash_file(&partial)?;
    std::fs::rename(&partial, &path).map_err(io_err("cannot rename to", &path))?;
    let checksum_path = with_suffix(&path, ".sha256");
    let shown = path
        .file_name()
        .map_or_else(|| name.clone(), |n| n.to_string_lossy().into_owned());
    std::fs::write(&checksum_path, format!("{sha256}  {shown}\n"))
        .map_err(io_err("cannot write", &checksum_path))?;
    Ok(Written {
        path,
        checksum_path,
        bytes,
        sha256,
        schema,
        attachments: usage,
    })
}

/// Restores a backup into the database of `url` and its attachments into `files`. Refuses a
/// database in use unless `force`.
pub async fn restore(url: &str, file: &Path, files: &Path, force: bool) -> Result<Restored> {
    let checksum_file = verify_checksum_file(file)?;
    match Engine::of_url(url)? {
        Engine::Sqlite => {
            let target = maintenance::sqlite_path(url).ok_or_else(|| {
                BackupError::Refused("an in-memory database cannot be restored into".into())
            })?;
            let lock = maintenance::lock_exclusive(&target)?;
            if lock.is_none() && !force {
                return Err(BackupError::Refused(format!(
                    "{} is in use (a salesdesk process has it open): stop the server first, or give --force",
                    target.display()
                )));
            }
            let (file, target2) = (file.to_path_buf(), target.clone());
            let files = Attachments::new(files);
            let (schema, attachments) =
                tokio::task::spawn_blocking(move || restore_sqlite(&file, &target2, &files))
                    .await
                    .map_err(|e| BackupError::Io(e.to_string()))??;
            drop(lock);
            Ok(Restored {
                schema,
                checksum_file,
                attachments,
            })
        }
        Engine::Postgres => {
            let db = Db::connect(url).await?;
            let others = db.other_sessions().await?;
            db.close().await?;
            if others > 0 && !force {
                return Err(BackupError::Refused(format!(
                    "the database is in use ({others} other session(s)): stop the servers first, or give --force"
                )));
            }
            // An archive is checked member by member and its dump staged in a temporary file
            // first; a bare `.pgdump` (earlier versions) goes to pg_restore as it is.
            let mut staged = None;
            let dump = if is_archive(file)? {
                let nanos = chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default();
                let tmp = std::env::temp_dir().join(format!(
                    "salesdesk-restore-{}-{nanos}.pgdump",
                    std::process::id()
                ));
                let (file2, tmp2) = (file.to_path_buf(), tmp.clone());
                let files = Attachments::new(files);
                let (_, st) =
                    tokio::task::spawn_blocking(move || unpack(&file2, "postgres", &tmp2, &files))
                        .await
                        .map_err(|e| BackupError::Io(e.to_string()))??;
                staged = Some(st);
                tmp
            } else {
                file.to_path_buf()
            };
            let (plain, password) = split_password(url);
            let mut cmd = Command::new("pg_restore");
            cmd.args([
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                "--exit-on-error",
            ])
            .arg("--dbname")
            .arg(&plain)
            .arg(&dump);
            if let Some(p) = password {
                cmd.env("PGPASSWORD", p);
            }
            let restored = run_tool(
                cmd,
                "pg_restore",
                &format!(
                    "pg_restore --clean --if-exists --no-owner --single-transaction -d '{}' {}",
                    salesdesk_store::redact_url(&plain),
                    dump.display()
                ),
            )
            .await;
            let mut attachments = 0;
            if let Some(mut st) = staged {
                if let Err(e) = restored {
                    st.discard();
                    return Err(e);
                }
                attachments = st.place_files()?;
                if let Some(tmp) = st.db.take() {
                    let _ = std::fs::remove_file(tmp);
                }
            } else {
                restored?;
            }
            let db = Db::connect(url).await?;
            let schema = db.schema_version().await?.unwrap_or_default();
            db.close().await?;
            Ok(Restored {
                schema,
                checksum_file,
                attachments,
            })
        }
    }
}

/// Checks the archive against `<file>.sha256` when there is one. True when it was there.
fn verify_checksum_file(file: &Path) -> Result<bool> {
    if !file.is_file() {
        return Err(BackupError::Refused(format!(
            "{} not found",
            file.display()
        )));
    }
    let sums = with_suffix(file, ".sha256");
    let Ok(text) = std::fs::read_to_string(&sums) else {
        return Ok(false);
    };
    let expected = text
        .split_whitespace()
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    let (actual, _) = hash_file(file)?;
    if expected != actual {
        return Err(BackupError::Refused(format!(
            "checksum mismatch: {} says {expected}, the file has {actual}; the backup is damaged",
            sums.display()
        )));
    }
    Ok(true)
}

fn restore_sqlite(file: &Path, target: &Path, files: &Attachments) -> Result<(String, u64)> {
    let db_tmp = with_suffix(target, ".restoring");
    let (manifest, mut staged) = unpack(file, "sqlite", &db_tmp, files)?;
    // The old write-ahead log belongs to the old file: left beside the new one, SQLite would
    // replay it into the restored database.
    for suffix in ["-wal", "-shm"] {
        let p = with_suffix(target, suffix);
        match std::fs::remove_file(&p) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => {
                staged.discard();
                return Err(BackupError::Io(format!(
                    "cannot remove {}: {e}",
                    p.display()
                )));
            }
        }
    }
    let restored = staged.place_files()?;
    if let Some(tmp) = staged.db.take() {
        std::fs::rename(&tmp, target).map_err(io_err("cannot rename to", target))?;
    }
    if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty())
        && let Ok(d) = File::open(dir)
    {
        let _ = d.sync_all();
    }
    Ok((manifest.schema, restored))
}

/// True when `file` starts like a gzip stream (an archive), false for a bare `pg_dump` file.
fn is_archive(file: &Path) -> Result<bool> {
    let mut magic = [0u8; 2];
    let mut f = File::open(file).map_err(io_err("cannot open", file))?;
    Ok(f.read_exact(&mut magic).is_ok() && magic == [0x1f, 0x8b])
}

/// Reads an archive of `engine`, checking each member against the manifest as it streams past:
/// the database member goes to `db_tmp`, each attachment to a temporary file beside its final
/// place. Nothing is renamed into place here; on any error everything written is removed.
fn unpack(
    file: &Path,
    engine: &str,
    db_tmp: &Path,
    files: &Attachments,
) -> Result<(Manifest, Staged)> {
    let damaged = |why: String| {
        BackupError::Refused(format!("{} is not a usable backup: {why}", file.display()))
    };
    let db_member = if engine == "postgres" {
        PG_MEMBER
    } else {
        DB_MEMBER
    };
    let f = File::open(file).map_err(io_err("cannot open", file))?;
    let mut tar = TarReader::new(GzDecoder::new(BufReader::new(f)));
    // The manifest comes first, so each member can be checked as it streams past.
    let (name, size) = tar
        .next_header()
        .map_err(|e| damaged(e.to_string()))?
        .ok_or_else(|| damaged("empty archive".into()))?;
    if name != MANIFEST_MEMBER || size > 16 << 20 {
        return Err(damaged("no manifest.json at its start".into()));
    }
    let mut raw = Vec::new();
    tar.member(size)
        .read_to_end(&mut raw)
        .map_err(|e| damaged(e.to_string()))?;
    tar.skip_padding(size).map_err(|e| damaged(e.to_string()))?;
    let manifest: Manifest =
        serde_json::from_slice(&raw).map_err(|e| damaged(format!("manifest: {e}")))?;
    if manifest.format != FORMAT || manifest.engine != engine {
        return Err(damaged(format!(
            "format {} of engine {}, not a {engine} backup",
            manifest.format, manifest.engine
        )));
    }
    // Everything is written to temporary files first and renamed only once all of it checked
    // out: a damaged archive leaves the database and the directory as they were.
    let mut staged = Staged::default();
    let result = (|| -> Result<()> {
        let mut seen = 0usize;
        while let Some((name, size)) = tar.next_header().map_err(|e| damaged(e.to_string()))? {
            let listed = manifest
                .members
                .iter()
                .find(|m| m.path == name)
                .ok_or_else(|| damaged(format!("{name} is not in the manifest")))?;
            let dest = if name == db_member {
                staged.db = Some(db_tmp.to_path_buf());
                db_tmp.to_path_buf()
            } else if let Some(rel) = name.strip_prefix(FILES_PREFIX) {
                // Only `files/<ab>/<sha256>`: no name can reach outside the directory.
                let key = rel.rsplit('/').next().unwrap_or_default();
                let path = files
                    .path_of(key)
                    .filter(|_| attachments::relative(key).is_some_and(|r| r == Path::new(rel)))
                    .ok_or_else(|| damaged(format!("{name} is not an attachment's name")))?;
                let dir = path.parent().unwrap_or(files.root()).to_path_buf();
                std::fs::create_dir_all(&dir).map_err(io_err("cannot create", &dir))?;
                let tmp = dir.join(format!(".{key}.restoring"));
                staged.files.push((tmp.clone(), path));
                tmp
            } else {
                return Err(damaged(format!("unknown member {name}")));
            };
            let out = File::create(&dest).map_err(io_err("cannot create", &dest))?;
            let mut out = HashingWriter::new(BufWriter::new(out));
            let copied =
                io::copy(&mut tar.member(size), &mut out).map_err(|e| damaged(e.to_string()))?;
            let (sha, w) = out.finish();
            let file_out = w.into_inner().map_err(|e| BackupError::Io(e.to_string()))?;
            file_out.sync_all().map_err(io_err("cannot sync", &dest))?;
            if copied != listed.bytes || sha != listed.sha256 {
                return Err(BackupError::Refused(format!(
                    "checksum mismatch inside {}: {name} does not match its manifest; the backup is damaged",
                    file.display()
                )));
            }
            seen += 1;
            tar.skip_padding(size).map_err(|e| damaged(e.to_string()))?;
        }
        if staged.db.is_none() {
            return Err(damaged("no database in it".into()));
        }
        if seen != manifest.members.len() {
            return Err(damaged(format!(
                "the manifest lists {} member(s), the archive holds {seen}",
                manifest.members.len()
            )));
        }
        Ok(())
    })();
    if let Err(e) = result {
        staged.discard();
        return Err(e);
    }
    Ok((manifest, staged))
}

/// The temporary files of a restore in progress: (temporary, final) for each attachment.
#[derive(Default)]
struct Staged {
    db: Option<PathBuf>,
    files: Vec<(PathBuf, PathBuf)>,
}

impl Staged {
    /// Renames the checked attachments into place; how many.
    fn place_files(&mut self) -> Result<u64> {
        let n = self.files.len() as u64;
        for (tmp, path) in std::mem::take(&mut self.files) {
            std::fs::rename(&tmp, &path).map_err(io_err("cannot rename to", &path))?;
        }
        Ok(n)
    }

    fn discard(&mut self) {
        for p in self
            .db
            .take()
            .into_iter()
            .chain(self.files.drain(..).map(|f| f.0))
        {
            let _ = std::fs::remove_file(p);
        }
    }
}

fn write_archive(
    db_copy: &Path,
    db_member: &str,
    out: &Path,
    mut manifest: Manifest,
    files: &Attachments,
) -> Result<Usage> {
    let (sha, bytes) = hash_file(db_copy)?;
    manifest.members.push(Member {
        path: db_member.into(),
        bytes,
        sha256: sha,
    });
    // Hashed as they are now (a file damaged on disk is carried as it is, with its real
    // checksum), then copied: a file changing in between fails the backup.
    let listed = files.list().map_err(io_err("cannot list", files.root()))?;
    let mut usage = Usage::default();
    let mut sources = Vec::with_capacity(listed.len());
    for (key, _) in &listed {
        let path = files.path_of(key).unwrap_or_default();
        let (sha, bytes) = hash_file(&path)?;
        manifest.members.push(Member {
            path: format!("{FILES_PREFIX}{}", key_path(key)),
            bytes,
            sha256: sha,
        });
        usage.files += 1;
        usage.bytes += bytes;
        sources.push((path, bytes));
    }
    let json = serde_json::to_vec_pretty(&manifest).map_err(|e| BackupError::Io(e.to_string()))?;
    let f = File::create(out).map_err(io_err("cannot create", out))?;
    let mut gz = GzEncoder::new(BufWriter::new(f), Compression::new(6));
    let mtime = chrono::Utc::now().timestamp().max(0) as u64;
    tar_member(
        &mut gz,
        MANIFEST_MEMBER,
        json.len() as u64,
        mtime,
        &mut &json[..],
    )?;
    let mut src = BufReader::new(File::open(db_copy).map_err(io_err("cannot open", db_copy))?);
    tar_member(&mut gz, db_member, bytes, mtime, &mut src)?;
    for (m, (path, bytes)) in manifest.members[1..].iter().zip(&sources) {
        let mut src = BufReader::new(File::open(path).map_err(io_err("cannot open", path))?);
        tar_member(&mut gz, &m.path, *bytes, mtime, &mut src)?;
    }
    gz.write_all(&[0u8; 1024])
        .map_err(|e| BackupError::Io(e.to_string()))?;
    let f = gz
        .finish()
        .and_then(|w| w.into_inner().map_err(|e| e.into_error()))
        .map_err(io_err("cannot write", out))?;
    f.sync_all().map_err(io_err("cannot sync", out))?;
    Ok(usage)
}

/// `ab…` → `ab/ab…`, with `/` whatever the platform.
fn key_path(key: &str) -> String {
    format!("{}/{key}", &key[..2.min(key.len())])
}

// --- a minimal POSIX ustar writer and reader (regular files only) ---

fn tar_member(
    w: &mut impl Write,
    name: &str,
    size: u64,
    mtime: u64,
    src: &mut impl Read,
) -> Result<()> {
    let mut h = [0u8; 512];
    h[..name.len()].copy_from_slice(name.as_bytes());
    octal(&mut h[100..108], 0o644);
    octal(&mut h[108..116], 0);
    octal(&mut h[116..124], 0);
    if size < 0o77777777777 {
        octal(&mut h[124..136], size);
    } else {
        // GNU base-256 for members of 8 GiB and more.
        h[124] = 0x80;
        h[128..136].copy_from_slice(&size.to_be_bytes());
    }
    octal(&mut h[136..148], mtime);
    h[156] = b'0';
    h[257..263].copy_from_slice(b"ustar\0");
    h[263..265].copy_from_slice(b"00");
    h[148..156].fill(b' ');
    let sum: u32 = h.iter().map(|&b| u32::from(b)).sum();
    octal(&mut h[148..155], u64::from(sum));
    let e = |e: io::Error| BackupError::Io(e.to_string());
    w.write_all(&h).map_err(e)?;
    let copied = io::copy(&mut src.take(size), w).map_err(e)?;
    if copied != size {
        return Err(BackupError::Io(format!(
            "{name} changed while it was archived"
        )));
    }
    let pad = (512 - size % 512) % 512;
    w.write_all(&vec![0u8; pad as usize]).map_err(e)?;
    Ok(())
}

/// Writes `v` as zero-padded octal digits followed by a NUL, filling `field`.
fn octal(field: &mut [u8], v: u64) {
    let digits = field.len() - 1;
    let s = format!("{v:0digits$o}");
    field[..digits].copy_from_slice(&s.as_bytes()[s.len() - digits..]);
    field[digits] = 0;
}

struct TarReader<R> {
    r: R,
}

impl<R: Read> TarReader<R> {
    fn new(r: R) -> Self {
        TarReader { r }
    }

    /// The next member's name and size; `None` at the end of the archive.
    fn next_header(&mut self) -> io::Result<Option<(String, u64)>> {
        let mut h = [0u8; 512];
        self.r.read_exact(&mut h)?;
        if h.iter().all(|&b| b == 0) {
            return Ok(None);
        }
        let stored: u32 = parse_octal(&h[148..156]) as u32;
        let mut copy = h;
        copy[148..156].fill(b' ');
        let sum: u32 = copy.iter().map(|&b| u32::from(b)).sum();
        if sum != stored || h[156] != b'0' {
            return Err(io::Error::new(io::ErrorKind::InvalidData, "bad tar header"));
        }
        let end = h[..100].iter().position(|&b| b == 0).unwrap_or(100);
        let name = String::from_utf8_lossy(&h[..end]).into_owned();
        let size = if h[124] & 0x80 != 0 {
            u64::from_be_bytes(h[128..136].try_into().unwrap_or([0; 8]))
        } else {
            parse_octal(&h[124..136])
        };
        Ok(Some((name, size)))
    }

    fn member(&mut self, size: u64) -> io::Take<&mut R> {
        (&mut self.r).take(size)
    }

    fn skip_padding(&mut self, size: u64) -> io::Result<()> {
        let pad = (512 - size % 512) % 512;
        let mut buf = [0u8; 512];
        self.r.read_exact(&mut buf[..pad as usize])
    }
}

fn parse_octal(field: &[u8]) -> u64 {
    field
        .iter()
        .skip_while(|&&b| b == b' ')
        .take_while(|&&b| (b'0'..=b'7').contains(&b))
        .fold(0, |acc, &b| acc * 8 + u64::from(b - b'0'))
}

// --- helpers ---

struct HashingWriter<W> {
    w: W,
    h: Sha256,
}

impl<W: Write> HashingWriter<W> {
    fn new(w: W) -> Self {
        HashingWriter {
            w,
            h: Sha256::new(),
        }
    }
    fn finish(self) -> (String, W) {
        (hex(&self.h.finalize()), self.w)
    }
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.w.write(buf)?;
        self.h.update(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.w.flush()
    }
}

/// SHA-256 (lower-case hex) and size of a file.
fn hash_file(path: &Path) -> Result<(String, u64)> {
    let mut f = File::open(path).map_err(io_err("cannot open", path))?;
    let mut w = HashingWriter::new(io::sink());
    let n = io::copy(&mut f, &mut w).map_err(io_err("cannot read", path))?;
    Ok((w.finish().0, n))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn with_suffix(p: &Path, suffix: &str) -> PathBuf {
    let mut s = p.as_os_str().to_os_string();
    s.push(suffix);
    PathBuf::from(s)
}

/// `postgres://u:pw@h/db` → (`postgres://u@h/db`, Some(pw)): the password goes to the tool by
/// environment, not on its command line where `ps` shows it.
fn split_password(url: &str) -> (String, Option<String>) {
    if let Some((scheme, rest)) = url.split_once("://")
        && let Some((userinfo, host)) = rest.split_once('@')
        && let Some((user, password)) = userinfo.split_once(':')
    {
        return (
            format!("{scheme}://{user}@{host}"),
            Some(password.to_string()),
        );
    }
    (url.to_string(), None)
}

async fn run_tool(mut cmd: Command, tool: &str, by_hand: &str) -> Result<()> {
    let tool = tool.to_string();
    let by_hand = by_hand.to_string();
    tokio::task::spawn_blocking(move || match cmd.output() {
        Ok(o) if o.status.success() => Ok(()),
        Ok(o) => Err(BackupError::Io(format!(
            "{tool} failed ({}): {}",
            o.status,
            String::from_utf8_lossy(&o.stderr).trim()
        ))),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Err(BackupError::Refused(format!(
            "{tool} is not installed (Debian: apt-get install postgresql-client); run by hand: {by_hand}"
        ))),
        Err(e) => Err(BackupError::Io(format!("cannot run {tool}: {e}"))),
    })
    .await
    .map_err(|e| BackupError::Io(e.to_string()))?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_backup_name_carries_the_time_and_the_schema_version() {
        let at = chrono::DateTime::parse_from_rfc3339("2026-11-29T18:30:05Z")
            .unwrap()
            .to_utc();
        assert_eq!(
            file_name(Engine::Sqlite, "m0013_nulls_first", at),
            "salesdesk-20261129T183005Z-m0013.tar.gz"
        );
        assert_eq!(
            file_name(Engine::Postgres, "m0013_nulls_first", at),
            "salesdesk-20261129T183005Z-m0013.tar.gz"
        );
    }

    #[test]
    fn the_archive_format_reads_back_what_it_wrote() {
        let mut buf = Vec::new();
        let body = vec![7u8; 1000];
        tar_member(&mut buf, "a.txt", 1000, 1, &mut &body[..]).unwrap();
        buf.extend_from_slice(&[0u8; 1024]);
        assert_eq!(buf.len() % 512, 0);
        let mut r = TarReader::new(&buf[..]);
        let (name, size) = r.next_header().unwrap().unwrap();
        assert_eq!((name.as_str(), size), ("a.txt", 1000));
        let mut got = Vec::new();
        r.member(size).read_to_end(&mut got).unwrap();
        r.skip_padding(size).unwrap();
        assert_eq!(got, body);
        assert!(r.next_header().unwrap().is_none());
    }

    #[test]
    fn a_password_goes_to_the_environment_not_the_command_line() {
        assert_eq!(
            split_password("postgres://sd:pw@db/sales"),
            ("postgres://sd@db/sales".to_string(), Some("pw".to_string()))
        );
        assert_eq!(split_password("postgres://sd@db/x").1, None);
    }
}
