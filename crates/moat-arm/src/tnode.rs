//! The template as the evaluator walks it: a shared tree of JSON values that remember their
//! span in the file, with template strings parsed once, on first use.

use crate::expr::{self, Expr, Template};
use crate::value::Val;
use moat_doc::Span;
use moat_doc::tree::{Node, Scalar, Value};
use std::cell::OnceCell;
use std::rc::Rc;

/// A template string after classification.
#[derive(Clone, Debug)]
pub enum Parsed {
    Literal(Rc<str>),
    Expr(Rc<Expr>),
    /// The string looks like an expression but does not parse.
    Invalid(Rc<str>),
}

/// A node of the template.
#[derive(Debug)]
pub struct TNode {
    pub v: TVal,
    pub span: Span,
}

/// The value of a node.
#[derive(Debug)]
pub enum TVal {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Rc<str>, OnceCell<Parsed>),
    Arr(Vec<Rc<TNode>>),
    Obj(Vec<(Rc<str>, Rc<TNode>)>),
    /// An already evaluated value (templates produced by expressions).
    Val(Val),
}

impl TNode {
    /// Converts a parsed document node.
    pub fn from_doc(n: &Node) -> Rc<TNode> {
        let v = match &n.value {
            Value::Seq(items) => TVal::Arr(items.iter().map(TNode::from_doc).collect()),
            Value::Map(entries) => TVal::Obj(
                entries
                    .iter()
                    .map(|(k, v)| (Rc::from(k.text().unwrap_or_default()), TNode::from_doc(v)))
                    .collect(),
            ),
            Value::Scalar { .. } => match n.scalar() {
                Some(Scalar::Null) | None => TVal::Null,
                Some(Scalar::Bool(b)) => TVal::Bool(b),
                Some(Scalar::Int(i)) => i64::try_from(i)
                    .map(TVal::Int)
                    .unwrap_or(TVal::Float(i as f64)),
                Some(Scalar::Float(f)) => TVal::Float(f),
                Some(Scalar::Str(s)) => TVal::Str(Rc::from(s), OnceCell::new()),
            },
        };
        Rc::new(TNode { v, span: n.span })
    }

    /// Converts an evaluated value into a template (for a nested template given by an
    /// expression); strings are template strings again, as Azure reads them.
    pub fn from_val(v: &Val, span: Span) -> Rc<TNode> {
        let v = match v {
            Val::Null => TVal::Null,
            Val::Bool(b) => TVal::Bool(*b),
            Val::Int(i) => TVal::Int(*i),
            Val::Float(f) => TVal::Float(*f),
            Val::Str(s) => TVal::Str(s.clone(), OnceCell::new()),
            Val::Arr(a) => TVal::Arr(a.iter().map(|x| TNode::from_val(x, span)).collect()),
            Val::Obj(o) => TVal::Obj(
                o.iter()
                    .map(|(k, x)| (Rc::from(k.as_str()), TNode::from_val(x, span)))
                    .collect(),
            ),
            other => TVal::Val(other.clone()),
        };
        Rc::new(TNode { v, span })
    }

    /// A member of an object node: exact key first, then case-insensitive.
    pub fn get(&self, key: &str) -> Option<&Rc<TNode>> {
        match &self.v {
            TVal::Obj(entries) => entries
                .iter()
                .find(|(k, _)| &**k == key)
                .or_else(|| entries.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    /// The raw text of a string node (not evaluated).
    pub fn text(&self) -> Option<&str> {
        match &self.v {
            TVal::Str(s, _) => Some(s),
            _ => None,
        }
    }

    pub fn items(&self) -> &[Rc<TNode>] {
        match &self.v {
            TVal::Arr(a) => a,
            _ => &[],
        }
    }

    pub fn entries(&self) -> &[(Rc<str>, Rc<TNode>)] {
        match &self.v {
            TVal::Obj(e) => e,
            _ => &[],
        }
    }

    pub fn is_obj(&self) -> bool {
        matches!(self.v, TVal::Obj(_))
    }

    /// The classified template string of a string node.
    pub fn parsed(&self) -> Option<&Parsed> {
        let TVal::Str(s, cell) = &self.v else {
            return None;
        };
        Some(cell.get_or_init(|| parse_template_string(s)))
    }
}

/// Classifies and parses a template string.
pub fn parse_template_string(s: &str) -> Parsed {
    match expr::classify(s) {
        Template::Literal(l) => Parsed::Literal(Rc::from(l.as_ref())),
        Template::Expression(src) => match expr::parse(src) {
            Ok(e) => Parsed::Expr(Rc::new(e)),
            Err(e) => Parsed::Invalid(Rc::from(format!("`{s}` is not a valid expression: {e}"))),
        },
    }
}

/// Escapes a key for a JSON pointer.
pub fn pointer_step(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}
