//! Terminal styling that can be switched off (`--color never`, `NO_COLOR`).

/// Whether to emit ANSI colours.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Style {
    pub color: bool,
}

impl Style {
    fn paint(&self, code: &str, s: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
    /// Bold text.
    pub fn bold(&self, s: &str) -> String {
        self.paint("1", s)
    }
    /// Good news (green).
    pub fn good(&self, s: &str) -> String {
        self.paint("32", s)
    }
    /// Bad news (red).
    pub fn bad(&self, s: &str) -> String {
        self.paint("31", s)
    }
    /// Uncertain news (yellow).
    pub fn warn(&self, s: &str) -> String {
        self.paint("33", s)
    }
    /// Secondary text (dim).
    pub fn dim(&self, s: &str) -> String {
        self.paint("2", s)
    }
}
