//! Input files and positions in them.

use moat_model::Location;

/// Bytes between two checkpoints of the character index.
const BLOCK: usize = 4096;

/// An input file held in memory, with a line index for turning positions into locations.
///
/// Columns count characters. A minified template is one line of megabytes, so counting from
/// the start of the line per position would make locating every node quadratic; the file keeps
/// a character count every [`BLOCK`] bytes (none when the text is ASCII, where bytes are
/// characters), and every conversion walks at most one block.
#[derive(Clone, Debug)]
pub struct SourceFile {
    /// The name the user gave (a path as typed).
    pub name: String,
    pub text: String,
    line_starts: Vec<usize>,
    /// `chars_before[k]`: characters in `text[..k * BLOCK]`; empty for ASCII text.
    chars_before: Vec<usize>,
    /// See [`SourceFile::skeleton`]; shared, as sources are cloned into reports and errors.
    skeleton: Option<std::sync::Arc<crate::tree::Node>>,
}

/// Whether a byte starts a character (is not a UTF-8 continuation byte).
fn starts_char(b: &u8) -> bool {
    (*b as i8) >= -0x40
}

impl SourceFile {
    /// Wraps text read from `name`.
    pub fn new(name: impl Into<String>, text: String) -> SourceFile {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        let mut chars_before = Vec::new();
        if !text.is_ascii() {
            let mut n = 0;
            for block in text.as_bytes().chunks(BLOCK) {
                chars_before.push(n);
                n += block.iter().filter(|b| starts_char(b)).count();
            }
        }
        SourceFile {
            name: name.into(),
            text,
            line_starts,
            chars_before,
            skeleton: None,
        }
    }

    /// Keeps the file's tree as a reader that typed the items of its top-level lists one at a
    /// time left it (each item an empty placeholder with its span, see
    /// [`crate::tree::parse_items`]).
    pub fn keep_skeleton(&mut self, skeleton: crate::tree::Node) {
        self.skeleton = Some(std::sync::Arc::new(skeleton));
    }

    /// The tree kept by [`SourceFile::keep_skeleton`]: with it, code that reads a few items of
    /// a large file parses those alone ([`crate::tree::parse_spans`]) instead of the file.
    pub fn skeleton(&self) -> Option<&crate::tree::Node> {
        self.skeleton.as_deref()
    }

    /// Characters in `text[..offset]` (`offset` on a character boundary).
    fn char_index(&self, offset: usize) -> usize {
        if self.chars_before.is_empty() {
            return offset;
        }
        // The end of a text whose length is a multiple of the block has no checkpoint of its
        // own: count from the last one.
        let k = (offset / BLOCK).min(self.chars_before.len() - 1);
        let base = self.chars_before[k];
        base + self.text.as_bytes()[k * BLOCK..offset]
            .iter()
            .filter(|b| starts_char(b))
            .count()
    }

    /// Byte offset of the character at a 0-based index (the text's length past its end).
    pub fn offset_of_char(&self, index: usize) -> usize {
        if self.chars_before.is_empty() {
            return index.min(self.text.len());
        }
        // The last block starting at or before the character, then a walk within it.
        let k = self
            .chars_before
            .partition_point(|&n| n <= index)
            .saturating_sub(1);
        let mut n = self.chars_before[k];
        for (i, b) in self.text.as_bytes()[k * BLOCK..].iter().enumerate() {
            if starts_char(b) {
                if n == index {
                    return k * BLOCK + i;
                }
                n += 1;
            }
        }
        self.text.len()
    }

    /// The 0-based index of the line holding a byte offset.
    pub fn line_index(&self, offset: usize) -> usize {
        match self.line_starts.binary_search(&offset.min(self.text.len())) {
            Ok(i) => i,
            Err(i) => i - 1,
        }
    }

    /// Number of lines.
    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// The byte range of a 0-based line, without its line break.
    pub fn line_range(&self, index: usize) -> std::ops::Range<usize> {
        let Some(&start) = self.line_starts.get(index) else {
            return self.text.len()..self.text.len();
        };
        let mut end = self
            .line_starts
            .get(index + 1)
            .map(|n| n - 1)
            .unwrap_or(self.text.len());
        if end > start && self.text.as_bytes()[end - 1] == b'\r' {
            end -= 1;
        }
        start..end
    }

    /// Byte offset of a 1-based line and a 0-based column counted in characters.
    pub fn offset_of(&self, line: usize, col_chars: usize) -> usize {
        if line == 0 || line > self.line_starts.len() {
            return self.text.len();
        }
        // The whole line up to its `\n`: a parser may point at a `\r`.
        let start = self.line_starts[line - 1];
        let end = self
            .line_starts
            .get(line)
            .map(|n| n - 1)
            .unwrap_or(self.text.len());
        if self.chars_before.is_empty() {
            return (start + col_chars).min(end);
        }
        // Jump to the last checkpoint before the wanted character, then walk.
        let target = self.char_index(start) + col_chars;
        let k = self
            .chars_before
            .partition_point(|&n| n <= target)
            .saturating_sub(1);
        // A column past the end of the line (a parser counting lines otherwise) may fall in a
        // block after it: walk from within the line, never from beyond its end.
        let mut from = (k * BLOCK).clamp(start, end);
        while !self.text.is_char_boundary(from) {
            from += 1;
        }
        (self.char_index(from)..)
            .zip(self.text[from..end].char_indices())
            .find(|(n, _)| *n == target)
            .map(|(_, (i, _))| from + i)
            .unwrap_or(end)
    }

    /// 1-based line and column of a byte offset.
    pub fn line_col(&self, offset: usize) -> (u32, u32) {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.line_index(offset);
        let start = self.line_starts[line];
        let col = self.char_index(offset) - self.char_index(start);
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

    #[test]
    fn a_column_past_the_line_end_is_the_line_end() {
        // A short line early in a non-ASCII text, asked for a column that lies in a later
        // block of the character index (found by fuzzing the live-export reader).
        let text = format!("é\n{}\nend", "a".repeat(3 * BLOCK));
        let f = SourceFile::new("x", text);
        assert_eq!(f.offset_of(1, 2 * BLOCK), 2);
        assert_eq!(f.offset_of(1, 0), 0);
        assert_eq!(f.offset_of(2, 5 * BLOCK), 3 + 3 * BLOCK);
    }

    #[test]
    fn the_end_of_a_text_a_whole_number_of_blocks_long() {
        // Found by fuzzing the live-export reader: an error at the very end of such a text.
        let text = format!("é\n{}", "a".repeat(2 * BLOCK - 3));
        assert_eq!(text.len(), 2 * BLOCK);
        let f = SourceFile::new("x", text);
        assert_eq!(f.line_col(2 * BLOCK), (2, 2 * BLOCK as u32 - 2));
        assert_eq!(f.offset_of(2, 2 * BLOCK - 3), 2 * BLOCK);
    }

    #[test]
    fn long_lines_agree_with_counting() {
        // Several blocks of mixed one- and multi-byte characters on one line, then more lines.
        let mut text = String::new();
        for i in 0..5000 {
            text.push(if i % 7 == 0 { 'é' } else { 'a' });
            if i % 3 == 0 {
                text.push('€');
            }
        }
        text.push_str("\nxé€\r\nlast");
        let f = SourceFile::new("x", text.clone());
        for (off, _) in text
            .char_indices()
            .step_by(97)
            .chain(text.char_indices().rev().take(12))
        {
            let line_start = text[..off].rfind('\n').map(|i| i + 1).unwrap_or(0);
            let line = text[..off].matches('\n').count() + 1;
            let col = text[line_start..off].chars().count();
            assert_eq!(f.line_col(off), (line as u32, col as u32 + 1), "at {off}");
            assert_eq!(f.offset_of(line, col), off, "back from {line}:{col}");
            let index = text[..off].chars().count();
            assert_eq!(f.offset_of_char(index), off, "character {index}");
        }
        assert_eq!(f.offset_of_char(text.chars().count()), text.len());
        assert_eq!(&text[f.line_range(1)], "xé€");
    }
}
