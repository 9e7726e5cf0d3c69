//! `moat diff --base-ref REV`: the input as it was at a git revision, copied into a temporary
//! directory with git's own plumbing (`ls-tree`, `cat-file --batch`), so the working tree,
//! the index and the repository are never touched.
//!
//! Besides the input itself (every file under it), the configuration files elsewhere in the
//! repository at that revision are copied too (`.tf`, `.tfvars`, `.json`, `.yaml`, `.yml`,
//! `.hcl`, `.bicep`, `.toml`): a Terraform module, a side file or a `moat.toml` outside the input
//! is found where it was.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The files outside the input that are copied: configuration the input may refer to.
const EXTENSIONS: &[&str] = &[
    "tf", "tfvars", "json", "yaml", "yml", "hcl", "bicep", "toml",
];

/// The input at a revision, in a temporary directory removed when this is dropped.
pub struct Checkout {
    root: PathBuf,
    /// The input's path inside the copy.
    pub path: PathBuf,
    /// `<rev>:<path from the repository root>`, as `git show` takes it.
    pub label: String,
}

impl Checkout {
    /// The copy's root: the repository's root as it was at the revision.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// How a file of the copy is named in reports: `<rev>:<path in the repository>`.
    pub fn rename(&self, file: &str) -> Option<String> {
        let rest = Path::new(file).strip_prefix(&self.root).ok()?;
        let rev = self.label.split_once(':').map_or("", |(r, _)| r);
        Some(format!(
            "{rev}:{}",
            rest.to_string_lossy().replace('\\', "/")
        ))
    }
}

impl Drop for Checkout {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

fn git(dir: &Path, args: &[&str]) -> Result<Vec<u8>, String> {
    let o = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if !o.status.success() {
        return Err(String::from_utf8_lossy(&o.stderr).trim().to_string());
    }
    Ok(o.stdout)
}

/// Copies `path` (a file or directory in a git working tree) as it was at `rev`.
pub fn checkout(path: &Path, rev: &str) -> Result<Checkout, String> {
    let abs = path
        .canonicalize()
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let dir = if abs.is_dir() {
        abs.clone()
    } else {
        abs.parent().map(Path::to_path_buf).unwrap_or_default()
    };
    let top = git(&dir, &["rev-parse", "--show-toplevel"])
        .map_err(|e| format!("{} is not in a git repository: {e}", path.display()))?;
    let top = PathBuf::from(String::from_utf8_lossy(&top).trim())
        .canonicalize()
        .map_err(|e| e.to_string())?;
    let rel = abs
        .strip_prefix(&top)
        .map_err(|_| format!("{} is outside its repository", path.display()))?
        .to_string_lossy()
        .replace('\\', "/");
    let commit = git(
        &top,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{rev}^{{commit}}"),
        ],
    )
    .map_err(|_| {
        format!(
            "`{rev}` is not a revision of the repository at {}",
            top.display()
        )
    })?;
    let commit = String::from_utf8_lossy(&commit).trim().to_string();
    let listing = git(&top, &["ls-tree", "-r", "-z", "--full-tree", &commit])?;
    // `<mode> blob <object>\t<path>` per entry; links and submodules are not files to read.
    let mut wanted: Vec<(String, String)> = Vec::new();
    let mut found = rel.is_empty();
    for entry in listing.split(|b| *b == 0).filter(|e| !e.is_empty()) {
        let entry = String::from_utf8_lossy(entry);
        let Some((meta, file)) = entry.split_once('\t') else {
            continue;
        };
        let mut meta = meta.split(' ');
        let (Some(mode), Some(kind), Some(object)) = (meta.next(), meta.next(), meta.next()) else {
            continue;
        };
        let inside = rel.is_empty() || file == rel || file.starts_with(&format!("{rel}/"));
        found |= inside;
        if kind != "blob" || mode == "120000" {
            continue;
        }
        let ext = Path::new(file).extension().and_then(|e| e.to_str());
        if inside || ext.is_some_and(|e| EXTENSIONS.contains(&e.to_ascii_lowercase().as_str())) {
            wanted.push((object.to_string(), file.to_string()));
        }
    }
    if !found {
        return Err(format!("{rel} does not exist at {rev}"));
    }
    let root = std::env::temp_dir().join(format!(
        "moat-diff-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default()
    ));
    let out = Checkout {
        path: if rel.is_empty() {
            root.clone()
        } else {
            root.join(&rel)
        },
        label: format!("{rev}:{rel}"),
        root,
    };
    write_objects(&top, &out.root, &wanted)?;
    if abs.is_dir() {
        std::fs::create_dir_all(&out.path).map_err(|e| e.to_string())?;
    }
    Ok(out)
}

/// Writes each `(object, path)` under `root`, reading the objects through one
/// `git cat-file --batch`.
fn write_objects(top: &Path, root: &Path, wanted: &[(String, String)]) -> Result<(), String> {
    let mut child = Command::new("git")
        .arg("-C")
        .arg(top)
        .args(["cat-file", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run git: {e}"))?;
    let mut stdin = child.stdin.take().ok_or("git cat-file has no input")?;
    let list: String = wanted.iter().map(|(o, _)| format!("{o}\n")).collect();
    // Written from a thread: git answers while it reads, and both pipes have bounded buffers.
    let writer = std::thread::spawn(move || stdin.write_all(list.as_bytes()));
    let mut reader = BufReader::new(child.stdout.take().ok_or("git cat-file has no output")?);
    for (_, file) in wanted {
        let mut header = String::new();
        reader.read_line(&mut header).map_err(|e| e.to_string())?;
        // `<object> blob <size>`
        let size: usize = header
            .split_whitespace()
            .nth(2)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| format!("git cat-file: unexpected answer `{}`", header.trim()))?;
        let mut content = vec![0; size + 1];
        reader.read_exact(&mut content).map_err(|e| e.to_string())?;
        content.pop();
        let dest = root.join(file);
        if let Some(parent) = dest.parent() {
            std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
        }
        std::fs::write(&dest, content).map_err(|e| format!("{}: {e}", dest.display()))?;
    }
    let _ = writer.join();
    let _ = child.wait();
    Ok(())
}
