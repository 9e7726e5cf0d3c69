//! Where a model element came from: file, line, column, and its path inside the file.

use serde::{Deserialize, Serialize};

mod walk;

/// The source location of a model element.
///
/// Every importer fills it in, so findings, traces and errors point back to the user's own file.
/// A default (empty) provenance means the element was derived rather than read (for example an
/// Azure default rule of an NSG).
///
/// Two provenances are equal when every field is, except inside [`ignoring_positions`].
#[derive(Clone, Debug, Default, Eq, Deserialize)]
pub struct Provenance {
    /// The file as the user named it.
    pub file: String,
    /// 1-based line; 0 when unknown.
    pub line: u32,
    /// 1-based column; 0 when unknown.
    pub column: u32,
    /// JSON pointer of the element inside the file (`/virtual_networks/0/subnets/1`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub pointer: String,
    /// Byte offset of the element in the file.
    #[serde(default)]
    pub offset: usize,
    /// Length in bytes of the element's text.
    #[serde(default)]
    pub len: usize,
}

thread_local! {
    /// While [`every`] runs on this thread: the provenances written out so far.
    static COLLECTED: std::cell::RefCell<Option<Vec<Provenance>>> = const { std::cell::RefCell::new(None) };
    static POSITIONS_IGNORED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `f` with every provenance equal to every other one read from a file (and derived ones
/// equal among themselves): comparing two deployments by what they say, a resource moved in
/// its file, or read from another copy of it, is the same resource. Only equality changes,
/// on this thread; hashing does not, so no hash map may be filled inside.
pub fn ignoring_positions<R>(f: impl FnOnce() -> R) -> R {
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            POSITIONS_IGNORED.with(|c| c.set(self.0));
        }
    }
    let _restore = Restore(POSITIONS_IGNORED.with(|c| c.replace(true)));
    f()
}

/// Every provenance `x` holds, in the order it is written out: two values equal but for
/// positions give lists of one length, element for element the same place in each.
pub fn every(x: &impl Serialize) -> Vec<Provenance> {
    let outer = COLLECTED.with(|c| c.replace(Some(Vec::new())));
    // Written nowhere: only the walk over every field matters.
    let _ = x.serialize(&mut walk::Walk);
    COLLECTED.with(|c| c.replace(outer)).unwrap_or_default()
}

impl Serialize for Provenance {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        COLLECTED.with(|c| {
            if let Some(v) = c.borrow_mut().as_mut() {
                v.push(self.clone());
            }
        });
        let mut st = s.serialize_struct("Provenance", 6)?;
        st.serialize_field("file", &self.file)?;
        st.serialize_field("line", &self.line)?;
        st.serialize_field("column", &self.column)?;
        if self.pointer.is_empty() {
            st.skip_field("pointer")?;
        } else {
            st.serialize_field("pointer", &self.pointer)?;
        }
        st.serialize_field("offset", &self.offset)?;
        st.serialize_field("len", &self.len)?;
        st.end()
    }
}

impl PartialEq for Provenance {
    fn eq(&self, o: &Provenance) -> bool {
        if POSITIONS_IGNORED.with(std::cell::Cell::get) {
            return self.is_unknown() == o.is_unknown();
        }
        self.file == o.file
            && self.line == o.line
            && self.column == o.column
            && self.pointer == o.pointer
            && self.offset == o.offset
            && self.len == o.len
    }
}

impl std::hash::Hash for Provenance {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        (
            &self.file,
            self.line,
            self.column,
            &self.pointer,
            self.offset,
            self.len,
        )
            .hash(h);
    }
}

impl Provenance {
    /// Whether nothing is known about the origin.
    pub fn is_unknown(&self) -> bool {
        self.file.is_empty()
    }
}

impl std::fmt::Display for Provenance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.is_unknown() {
            f.write_str("<derived>")
        } else if self.line == 0 {
            f.write_str(&self.file)
        } else {
            write!(f, "{}:{}:{}", self.file, self.line, self.column)
        }
    }
}
