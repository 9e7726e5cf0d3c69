//! The upload: a deployment's files as a tar archive. `moat push` packs a file or a directory;
//! the server unpacks an archive into memory, refusing what could write outside the
//! deployment's folder (absolute paths, `..`, links, devices) and what is too large.

use std::io::Read;
use std::path::{Component, Path};

/// How much an upload may hold.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// The archive's size, as sent.
    pub archive_bytes: usize,
    /// The files' total size.
    pub total_bytes: u64,
    /// One file's size.
    pub file_bytes: u64,
    /// The number of files.
    pub files: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            archive_bytes: 32 << 20,
            total_bytes: 64 << 20,
            file_bytes: 16 << 20,
            files: 5_000,
        }
    }
}

/// Why an archive is refused: each says where.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ArchiveError {
    #[error("the archive is not a tar archive: {0}")]
    Malformed(String),
    #[error("{path}: the path leaves the deployment's folder (absolute, or with `..`)")]
    Escapes { path: String },
    #[error("{path}: {kind} entries are not accepted, only files and folders")]
    NotAFile { path: String, kind: String },
    #[error("{path}: {size} bytes, more than the {limit} a file may have")]
    FileTooLarge { path: String, size: u64, limit: u64 },
    #[error("the files hold more than {limit} bytes")]
    TotalTooLarge { limit: u64 },
    #[error("more than {limit} files")]
    TooManyFiles { limit: usize },
    #[error("{path}: the archive holds this file twice")]
    Duplicate { path: String },
    #[error("the archive holds no file")]
    Empty,
    #[error("{path}: {message}")]
    Read { path: String, message: String },
}

/// A path inside the deployment's folder, with `/` separators, if the entry's path is one.
fn inside(path: &Path) -> Option<String> {
    let mut parts = Vec::new();
    for c in path.components() {
        match c {
            Component::Normal(p) => parts.push(p.to_str()?.to_string()),
            Component::CurDir => {}
            Component::ParentDir | Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    if parts.is_empty() {
        None
    } else {
        Some(parts.join("/"))
    }
}

/// The files of an archive, by path, each checked.
pub fn unpack(bytes: &[u8], limits: Limits) -> Result<Vec<(String, Vec<u8>)>, ArchiveError> {
    let mut archive = tar::Archive::new(bytes);
    let entries = archive
        .entries()
        .map_err(|e| ArchiveError::Malformed(e.to_string()))?;
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    let mut total = 0u64;
    for entry in entries {
        let mut entry = entry.map_err(|e| ArchiveError::Malformed(e.to_string()))?;
        let raw = entry
            .path()
            .map_err(|e| ArchiveError::Malformed(e.to_string()))?
            .into_owned();
        let shown = raw.display().to_string();
        let kind = entry.header().entry_type();
        if kind.is_dir() {
            if inside(&raw).is_none() && raw.components().any(|c| !matches!(c, Component::CurDir)) {
                return Err(ArchiveError::Escapes { path: shown });
            }
            continue;
        }
        if !kind.is_file() {
            return Err(ArchiveError::NotAFile {
                path: shown,
                kind: format!("{kind:?}").to_lowercase(),
            });
        }
        let path = inside(&raw).ok_or(ArchiveError::Escapes {
            path: shown.clone(),
        })?;
        let size = entry.header().size().unwrap_or(u64::MAX);
        if size > limits.file_bytes {
            return Err(ArchiveError::FileTooLarge {
                path,
                size,
                limit: limits.file_bytes,
            });
        }
        total += size;
        if total > limits.total_bytes {
            return Err(ArchiveError::TotalTooLarge {
                limit: limits.total_bytes,
            });
        }
        if files.len() >= limits.files {
            return Err(ArchiveError::TooManyFiles {
                limit: limits.files,
            });
        }
        if files.iter().any(|(p, _)| *p == path) {
            return Err(ArchiveError::Duplicate { path });
        }
        let mut content = Vec::with_capacity(size as usize);
        // The header's size is what was checked: read no more than it.
        (&mut entry)
            .take(limits.file_bytes + 1)
            .read_to_end(&mut content)
            .map_err(|e| ArchiveError::Read {
                path: path.clone(),
                message: e.to_string(),
            })?;
        files.push((path, content));
    }
    if files.is_empty() {
        return Err(ArchiveError::Empty);
    }
    files.sort();
    Ok(files)
}

/// Why a deployment could not be packed.
#[derive(Debug, thiserror::Error)]
pub enum PackError {
    #[error("{path}: {message}")]
    Io { path: String, message: String },
    #[error("{0}: more than {1} bytes to upload; push the deployment's folder, not a larger one")]
    TooLarge(String, usize),
}

/// Files under a folder that are not the deployment's: version control, Terraform's provider
/// binaries and state.
fn skipped(name: &str) -> bool {
    matches!(name, ".git" | ".hg" | ".svn" | "node_modules" | "target")
        || name == ".terraform"
        || name.ends_with(".tfstate")
        || name.ends_with(".tfstate.backup")
}

/// Packs a file or a folder (its files, recursively, as paths relative to it) into a tar
/// archive. A file is packed under its own name. Terraform's installed modules
/// (`.terraform/modules`) are kept; its providers are not.
pub fn pack(input: &Path, limit: usize) -> Result<Vec<u8>, PackError> {
    let io = |p: &Path, e: std::io::Error| PackError::Io {
        path: p.display().to_string(),
        message: e.to_string(),
    };
    let mut files = Vec::new();
    let meta = std::fs::metadata(input).map_err(|e| io(input, e))?;
    if meta.is_file() {
        let name = input
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "input".into());
        files.push((name, input.to_path_buf()));
    } else {
        collect(input, input, &mut files).map_err(|(p, e)| io(&p, e))?;
    }
    files.sort();
    let mut builder = tar::Builder::new(Vec::new());
    let mut total = 0usize;
    for (name, path) in files {
        let content = std::fs::read(&path).map_err(|e| io(&path, e))?;
        total += content.len() + 512;
        if total > limit {
            return Err(PackError::TooLarge(input.display().to_string(), limit));
        }
        let mut header = tar::Header::new_gnu();
        header.set_size(content.len() as u64);
        header.set_mode(0o644);
        header.set_entry_type(tar::EntryType::Regular);
        builder
            .append_data(&mut header, &name, content.as_slice())
            .map_err(|e| io(&path, e))?;
    }
    builder.into_inner().map_err(|e| io(input, e))
}

type Found = Vec<(String, std::path::PathBuf)>;

fn collect(
    root: &Path,
    dir: &Path,
    out: &mut Found,
) -> Result<(), (std::path::PathBuf, std::io::Error)> {
    let entries = std::fs::read_dir(dir).map_err(|e| (dir.to_path_buf(), e))?;
    for e in entries {
        let e = e.map_err(|e| (dir.to_path_buf(), e))?;
        let path = e.path();
        let name = e.file_name().to_string_lossy().into_owned();
        let kind = e.file_type().map_err(|x| (path.clone(), x))?;
        if kind.is_dir() {
            if name == ".terraform" {
                // Installed modules are part of the configuration; providers are binaries.
                let modules = path.join("modules");
                if modules.is_dir() {
                    collect(root, &modules, out)?;
                }
            } else if !skipped(&name) {
                collect(root, &path, out)?;
            }
        } else if kind.is_file() && !skipped(&name) {
            let rel = path.strip_prefix(root).unwrap_or(&path);
            let rel: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            out.push((rel.join("/"), path));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An archive with one entry written as given, bypassing the checks `tar::Builder` makes.
    fn raw_entry(path: &str, kind: tar::EntryType, body: &[u8]) -> Vec<u8> {
        let mut header = tar::Header::new_old();
        {
            let bytes = header.as_old_mut();
            bytes.name[..path.len()].copy_from_slice(path.as_bytes());
        }
        header.set_size(body.len() as u64);
        header.set_entry_type(kind);
        header.set_mode(0o644);
        header.set_cksum();
        let mut out = header.as_bytes().to_vec();
        out.extend_from_slice(body);
        out.resize(out.len().div_ceil(512) * 512 + 1024, 0);
        out
    }

    #[test]
    fn paths_that_leave_the_folder_are_refused() {
        for p in ["../etc/passwd", "/etc/passwd", "a/../../b", "a/../b"] {
            let a = raw_entry(p, tar::EntryType::Regular, b"x");
            assert_eq!(
                unpack(&a, Limits::default()),
                Err(ArchiveError::Escapes { path: p.into() }),
                "{p}"
            );
        }
        let ok = raw_entry("./net/main.yaml", tar::EntryType::Regular, b"x");
        assert_eq!(
            unpack(&ok, Limits::default()).unwrap(),
            [("net/main.yaml".to_string(), b"x".to_vec())]
        );
    }

    #[test]
    fn links_and_devices_are_refused() {
        for k in [
            tar::EntryType::Symlink,
            tar::EntryType::Link,
            tar::EntryType::Char,
            tar::EntryType::Fifo,
        ] {
            let a = raw_entry("x", k, b"");
            assert!(
                matches!(
                    unpack(&a, Limits::default()),
                    Err(ArchiveError::NotAFile { .. })
                ),
                "{k:?}"
            );
        }
    }

    #[test]
    fn sizes_and_counts_are_bounded() {
        let dir = std::env::temp_dir().join(format!("moat-pack-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        std::fs::write(dir.join("a.yaml"), vec![b'a'; 3000]).unwrap();
        std::fs::write(dir.join("sub/b.yaml"), b"b").unwrap();
        std::fs::create_dir_all(dir.join(".git")).unwrap();
        std::fs::write(dir.join(".git/HEAD"), b"ref").unwrap();
        let a = pack(&dir, 1 << 20).unwrap();
        let files = unpack(&a, Limits::default()).unwrap();
        let names: Vec<&str> = files.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(names, ["a.yaml", "sub/b.yaml"]);
        let small = Limits {
            file_bytes: 100,
            ..Limits::default()
        };
        assert!(matches!(
            unpack(&a, small),
            Err(ArchiveError::FileTooLarge { .. })
        ));
        let few = Limits {
            files: 1,
            ..Limits::default()
        };
        assert_eq!(
            unpack(&a, few),
            Err(ArchiveError::TooManyFiles { limit: 1 })
        );
        let total = Limits {
            total_bytes: 2000,
            ..Limits::default()
        };
        assert!(matches!(
            unpack(&a, total),
            Err(ArchiveError::TotalTooLarge { .. })
        ));
        assert!(matches!(pack(&dir, 1000), Err(PackError::TooLarge(..))));
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(matches!(
            unpack(b"not a tar archive at all", Limits::default()),
            Err(ArchiveError::Malformed(_) | ArchiveError::Empty)
        ));
    }
}
