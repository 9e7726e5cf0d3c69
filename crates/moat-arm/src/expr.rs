//! The ARM template expression language: a tokenizer and a recursive-descent parser.
//!
//! A template string is an expression when it starts with `[` and ends with `]`; `[[` at the
//! start escapes the bracket and leaves a literal string. Inside, an expression is a function
//! call (`concat('a', parameters('b'))`), a literal (`'text'` with `''` for a quote, an integer,
//! `true`, `false`, `null`), followed by any number of property accesses (`.name`) and indexes
//! (`[0]`, `['key']`). User-defined functions are called as `namespace.name(...)`.

use std::fmt;
use std::rc::Rc;

/// Deepest nesting of calls, indexes and parentheses accepted; deeper input is hostile.
pub const MAX_DEPTH: usize = 128;

/// A parsed expression.
#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    Str(Rc<str>),
    Int(i64),
    Float(f64),
    Bool(bool),
    Null,
    /// A function call; `name` is lower case (ARM function names are case-insensitive), with
    /// `namespace.member` for user-defined functions.
    Call {
        name: Rc<str>,
        args: Vec<Expr>,
    },
    /// Property access `.name`.
    Member(Box<Expr>, Rc<str>),
    /// Index `[e]`.
    Index(Box<Expr>, Box<Expr>),
}

/// Why an expression did not parse.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message} (at character {offset})")]
pub struct ExprError {
    pub message: String,
    /// Character offset inside the expression text.
    pub offset: usize,
}

/// What a template string holds.
#[derive(Clone, Debug, PartialEq)]
pub enum Template<'a> {
    /// Plain text (with a leading `[[` already unescaped).
    Literal(std::borrow::Cow<'a, str>),
    /// An expression's source, without the outer brackets.
    Expression(&'a str),
}

/// Classifies a template string.
pub fn classify(s: &str) -> Template<'_> {
    if let Some(rest) = s.strip_prefix("[[") {
        return Template::Literal(std::borrow::Cow::Owned(format!("[{rest}")));
    }
    if s.len() >= 2 && s.starts_with('[') && s.ends_with(']') {
        return Template::Expression(&s[1..s.len() - 1]);
    }
    Template::Literal(std::borrow::Cow::Borrowed(s))
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Ident(String),
    Str(String),
    Int(i64),
    Float(f64),
    LParen,
    RParen,
    Comma,
    Dot,
    LBracket,
    RBracket,
}

fn tokenize(src: &str) -> Result<Vec<(Tok, usize)>, ExprError> {
    let chars: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let err = |message: String, offset: usize| ExprError { message, offset };
    while i < chars.len() {
        let c = chars[i];
        let start = i;
        match c {
            c if c.is_whitespace() => {
                i += 1;
                continue;
            }
            '(' => out.push((Tok::LParen, start)),
            ')' => out.push((Tok::RParen, start)),
            ',' => out.push((Tok::Comma, start)),
            '.' => out.push((Tok::Dot, start)),
            '[' => out.push((Tok::LBracket, start)),
            ']' => out.push((Tok::RBracket, start)),
            '\'' => {
                let mut s = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => return Err(err("unterminated string literal".into(), start)),
                        Some('\'') if chars.get(i + 1) == Some(&'\'') => {
                            s.push('\'');
                            i += 2;
                        }
                        Some('\'') => break,
                        Some(&ch) => {
                            s.push(ch);
                            i += 1;
                        }
                    }
                }
                out.push((Tok::Str(s), start));
            }
            c if c.is_ascii_digit()
                || (c == '-' && chars.get(i + 1).is_some_and(|d| d.is_ascii_digit())) =>
            {
                let mut j = i + 1;
                while j < chars.len() && chars[j].is_ascii_digit() {
                    j += 1;
                }
                let mut float = false;
                if j + 1 < chars.len() && chars[j] == '.' && chars[j + 1].is_ascii_digit() {
                    float = true;
                    j += 1;
                    while j < chars.len() && chars[j].is_ascii_digit() {
                        j += 1;
                    }
                }
                let text: String = chars[i..j].iter().collect();
                let tok = if float {
                    Tok::Float(
                        text.parse()
                            .map_err(|_| err(format!("bad number `{text}`"), start))?,
                    )
                } else {
                    match text.parse::<i64>() {
                        Ok(v) => Tok::Int(v),
                        Err(_) => Tok::Float(
                            text.parse()
                                .map_err(|_| err(format!("bad number `{text}`"), start))?,
                        ),
                    }
                };
                out.push((tok, start));
                i = j;
                continue;
            }
            c if c.is_alphabetic() || c == '_' || c == '$' => {
                let mut j = i + 1;
                while j < chars.len()
                    && (chars[j].is_alphanumeric() || chars[j] == '_' || chars[j] == '$')
                {
                    j += 1;
                }
                out.push((Tok::Ident(chars[i..j].iter().collect()), start));
                i = j;
                continue;
            }
            other => return Err(err(format!("unexpected character `{other}`"), start)),
        }
        i += 1;
    }
    Ok(out)
}

struct Parser {
    toks: Vec<(Tok, usize)>,
    pos: usize,
    end: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|(t, _)| t)
    }

    fn offset(&self) -> usize {
        self.toks.get(self.pos).map(|(_, o)| *o).unwrap_or(self.end)
    }

    fn err<T>(&self, message: impl Into<String>) -> Result<T, ExprError> {
        Err(ExprError {
            message: message.into(),
            offset: self.offset(),
        })
    }

    fn expect(&mut self, t: Tok, what: &str) -> Result<(), ExprError> {
        if self.peek() == Some(&t) {
            self.pos += 1;
            Ok(())
        } else {
            self.err(format!("expected {what}"))
        }
    }

    fn expr(&mut self, depth: usize) -> Result<Expr, ExprError> {
        if depth > MAX_DEPTH {
            return self.err(format!("expression nested deeper than {MAX_DEPTH} levels"));
        }
        let mut e = self.primary(depth)?;
        loop {
            match self.peek() {
                Some(Tok::Dot) => {
                    self.pos += 1;
                    match self.toks.get(self.pos) {
                        Some((Tok::Ident(name), _)) => {
                            let name = name.clone();
                            self.pos += 1;
                            e = Expr::Member(Box::new(e), name.into());
                        }
                        _ => return self.err("expected a property name after `.`"),
                    }
                }
                Some(Tok::LBracket) => {
                    self.pos += 1;
                    let idx = self.expr(depth + 1)?;
                    self.expect(Tok::RBracket, "`]`")?;
                    e = Expr::Index(Box::new(e), Box::new(idx));
                }
                _ => return Ok(e),
            }
        }
    }

    fn primary(&mut self, depth: usize) -> Result<Expr, ExprError> {
        let Some((tok, _)) = self.toks.get(self.pos).cloned() else {
            return self.err("unexpected end of expression");
        };
        self.pos += 1;
        match tok {
            Tok::Str(s) => Ok(Expr::Str(s.into())),
            Tok::Int(i) => Ok(Expr::Int(i)),
            Tok::Float(f) => Ok(Expr::Float(f)),
            Tok::LParen => {
                let e = self.expr(depth + 1)?;
                self.expect(Tok::RParen, "`)`")?;
                Ok(e)
            }
            Tok::Ident(name) => {
                let mut name = name.to_ascii_lowercase();
                // `namespace.function(` is a user-defined function call.
                if self.peek() == Some(&Tok::Dot)
                    && let (Some((Tok::Ident(member), _)), Some((Tok::LParen, _))) =
                        (self.toks.get(self.pos + 1), self.toks.get(self.pos + 2))
                {
                    name = format!("{name}.{}", member.to_ascii_lowercase());
                    self.pos += 2;
                }
                if self.peek() != Some(&Tok::LParen) {
                    return match name.as_str() {
                        "true" => Ok(Expr::Bool(true)),
                        "false" => Ok(Expr::Bool(false)),
                        "null" => Ok(Expr::Null),
                        _ => {
                            self.pos -= 1;
                            self.err(format!(
                                "`{name}` is not a function call (write {name}(...))"
                            ))
                        }
                    };
                }
                self.pos += 1;
                let mut args = Vec::new();
                if self.peek() == Some(&Tok::RParen) {
                    self.pos += 1;
                } else {
                    loop {
                        args.push(self.expr(depth + 1)?);
                        match self.peek() {
                            Some(Tok::Comma) => self.pos += 1,
                            Some(Tok::RParen) => {
                                self.pos += 1;
                                break;
                            }
                            _ => return self.err("expected `,` or `)` in the argument list"),
                        }
                    }
                }
                Ok(Expr::Call {
                    name: name.into(),
                    args,
                })
            }
            _ => {
                self.pos -= 1;
                self.err("expected a function call or a literal")
            }
        }
    }
}

/// Parses an expression's source (the text between the outer brackets).
pub fn parse(src: &str) -> Result<Expr, ExprError> {
    let toks = tokenize(src)?;
    let end = src.chars().count();
    let mut p = Parser { toks, pos: 0, end };
    let e = p.expr(0)?;
    if p.pos != p.toks.len() {
        return p.err("unexpected text after the expression");
    }
    Ok(e)
}

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Str(s) => f.write_str(&quote(s)),
            Expr::Int(i) => write!(f, "{i}"),
            Expr::Float(x) => write!(f, "{x}"),
            Expr::Bool(b) => write!(f, "{b}"),
            Expr::Null => f.write_str("null"),
            Expr::Call { name, args } => {
                write!(f, "{name}(")?;
                for (i, a) in args.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{a}")?;
                }
                f.write_str(")")
            }
            Expr::Member(e, m) => write!(f, "{e}.{m}"),
            Expr::Index(e, i) => write!(f, "{e}[{i}]"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(name: &str, args: Vec<Expr>) -> Expr {
        Expr::Call {
            name: name.into(),
            args,
        }
    }

    #[test]
    fn classifies_template_strings() {
        assert_eq!(
            classify("[parameters('a')]"),
            Template::Expression("parameters('a')")
        );
        assert_eq!(
            classify("[[not an expression]"),
            Template::Literal("[not an expression]".into())
        );
        assert_eq!(classify("plain"), Template::Literal("plain".into()));
        assert_eq!(classify("[unclosed"), Template::Literal("[unclosed".into()));
    }

    #[test]
    fn parses_calls_literals_members_and_indexes() {
        let e = parse("concat('it''s', parameters('X').y[0]['z'], -3, 1.5, true)").unwrap();
        let Expr::Call { name, args } = &e else {
            panic!("not a call: {e:?}")
        };
        assert_eq!(&**name, "concat");
        assert_eq!(args[0], Expr::Str("it's".into()));
        assert_eq!(
            args[1],
            Expr::Index(
                Box::new(Expr::Index(
                    Box::new(Expr::Member(
                        Box::new(call("parameters", vec![Expr::Str("X".into())])),
                        "y".into()
                    )),
                    Box::new(Expr::Int(0))
                )),
                Box::new(Expr::Str("z".into()))
            )
        );
        assert_eq!(args[2], Expr::Int(-3));
        assert_eq!(args[3], Expr::Float(1.5));
        assert_eq!(args[4], Expr::Bool(true));
        // Function names are case-insensitive.
        assert_eq!(
            parse("ToLower('A')").unwrap(),
            call("tolower", vec![Expr::Str("A".into())])
        );
    }

    #[test]
    fn parses_user_functions_and_round_trips() {
        let e = parse("ns.fn(1, 'a')").unwrap();
        assert_eq!(e, call("ns.fn", vec![Expr::Int(1), Expr::Str("a".into())]));
        let src = "format('{0}/{1}', variables('a').b, createArray(1, 2)[1])";
        assert_eq!(
            parse(&parse(src).unwrap().to_string()).unwrap(),
            parse(src).unwrap()
        );
    }

    #[test]
    fn rejects_bad_input_with_offsets() {
        assert!(parse("concat('a'").is_err());
        assert!(parse("'open").is_err());
        assert!(parse("a b").is_err());
        assert!(parse("x.").is_err());
        assert!(parse("concat('a') extra").is_err());
        assert_eq!(parse("foo").unwrap_err().offset, 0);
        assert_eq!(parse("a(1) + 1").unwrap_err().offset, 5);
        let deep = "f(".repeat(500) + &")".repeat(500);
        assert!(parse(&deep).unwrap_err().message.contains("deeper"));
    }
}
