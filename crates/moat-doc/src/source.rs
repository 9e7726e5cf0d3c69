//! Input files and positions in them.

use moat_model::Location;

/// An input file held in memory, with a line index for turning positions into locations.
#[derive(Clone, Debug)]
pub struct SourceFile {
    /// The name the user gave (a path as typed).
    pub name: String,
    pub text: String,
    line_starts: Vec<usize>,
}

impl SourceFile {
    /// Wraps text read from `name`.
    pub fn new(name: impl Into<String>, text: String) -> SourceFile {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        SourceFile {
            name: name.into(),
            text,
            line_starts,
        }
    }

    /// Byte offset of a 1-based line and a 0-based column counted in characters.
    pub fn offset_of(&self, line: usize, col_chars: usize) -> usize {
        let Some(&start) = self.line_starts.get(line.saturating_sub(1)) else {
            return self.text.len();
        };
        let rest = &self.text[start..];
        let end = rest.find('\n').unwrap_or(rest.len());
        rest[..end]
            .char_indices()
            .nth(col_chars)
            .map(|(i, _)| start + i)
            .unwrap_or(start + end)
    }

    /// 1-based line and column of a byte offset.
    pub fn line_col(&self, offset: usize) -> (u32, u32) {
        let offset = offset.min(self.text.len());
        let line = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = self.line_starts[line];
        let col = self.text[start..offset].chars().count();
        (line as u32 + 1, col as u32 + 1)
    }

    /// A location for a byte span.
    pub fn location(&self, span: Span) -> Location {
        let (line, column) = self.line_col(span.offset);
        Location {
            file: self.name.clone(),
            line,
            column,
            offset: span.offset,
            len: span.len,
        }
    }
}

/// A byte span in a source file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Span {
    pub offset: usize,
    pub len: usize,
}

impl Span {
    /// The span from the start of `self` to the end of `end`.
    pub fn to(self, end: Span) -> Span {
        let stop = (end.offset + end.len).max(self.offset);
        Span {
            offset: self.offset,
            len: stop - self.offset,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_and_lines_round_trip() {
        let f = SourceFile::new("x", "ab\ncdé\nf".to_string());
        assert_eq!(f.offset_of(2, 2), 5);
        assert_eq!(f.line_col(5), (2, 3));
        assert_eq!(f.offset_of(3, 0), 8);
        assert_eq!(f.line_col(8), (3, 1));
    }
}
