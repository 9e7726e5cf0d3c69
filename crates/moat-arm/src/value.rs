//! Values of the expression evaluator, with explicit unknowns.
//!
//! An [`Val::Unk`] is a value the importer cannot know (a parameter without a value, a
//! `listKeys()` result, a property Azure sets at deployment). It carries the reason (the
//! expression at the root of the unknown) and a stable identity `key`: the same unknown
//! reached twice, or the same function applied to the same unknowns, has the same key. A
//! string built from known and unknown parts is a [`Val::Part`]: its known text is kept, so
//! resource ids built from an unknown name still identify the resource (two `resourceId()`
//! calls on the same unknown name give equal ids) and comparisons with known text can still
//! be decided (`'vnet-' + x` never equals `'none'`).

use crate::expr::Expr;
use crate::hash::key_hash;
use indexmap::IndexMap;
use serde_json::Value as Json;
use std::rc::Rc;

/// Longest string the evaluator builds; longer ones become unknown (hostile input).
pub const MAX_STR: usize = 1 << 20;
/// Longest array the evaluator builds; longer ones become unknown (hostile input).
pub const MAX_ARRAY: usize = 100_000;
/// Most pieces of a partly known string; more become one unknown (hostile input).
pub const MAX_SEGMENTS: usize = 256;

pub type Obj = IndexMap<String, Val>;

thread_local! {
    /// While an import runs on this thread, what labels its marks (see [`record_marks`]).
    /// Nothing is recorded outside an import.
    static MARKS: std::cell::RefCell<Option<Recording>> = const { std::cell::RefCell::new(None) };
}

/// What an import records to label the marks left in its names by what they stand for.
#[derive(Default)]
struct Recording {
    /// Every unknown the import rendered as a mark, by mark, with its text ([`text_of`]).
    marks: std::collections::HashMap<String, Rc<str>>,
    /// The expression each unknown derived from others stands for, by key
    /// ([`Val::derived`]).
    texts: std::collections::HashMap<u64, Rc<str>>,
}

/// Most derived texts an import records; later ones read as their root cause.
const MAX_TEXTS: usize = 1 << 16;

/// The mark a string shows for an unknown part (`⟨0439af301f22⟩`).
fn mark(u: &Unk) -> String {
    let m = format!("⟨{:012x}⟩", u.key & 0xffff_ffff_ffff);
    MARKS.with(|r| {
        if let Some(rec) = r.borrow_mut().as_mut()
            && !rec.marks.contains_key(&m)
        {
            let text = text_in(rec, u);
            rec.marks.insert(m.clone(), text);
        }
    });
    m
}

/// The expression an unknown value stands for, as a label: the one it was derived by
/// (`tolower(parameters('vnetName'))`), or else the expression at the root of its reason
/// (`parameters('vnetName')` of "parameters('vnetName'): the parameter has no value"). It
/// follows from the value alone, so a label made of it does not change with what else an
/// import holds.
pub fn text_of(u: &Unk) -> Rc<str> {
    MARKS.with(|r| match r.borrow().as_ref() {
        Some(rec) => text_in(rec, u),
        None => root_text(&u.reason),
    })
}

fn text_in(rec: &Recording, u: &Unk) -> Rc<str> {
    rec.texts
        .get(&u.key)
        .cloned()
        .unwrap_or_else(|| root_text(&u.reason))
}

/// The part of a reason before its first `: `.
fn root_text(reason: &str) -> Rc<str> {
    Rc::from(reason.split(": ").next().unwrap_or_default().trim())
}

/// Records `text` as what the unknown of `key` stands for, while an import records
/// (`replace`: over a text recorded before).
fn note_text(key: u64, text: impl FnOnce() -> String, replace: bool) {
    let wanted = MARKS.with(|r| {
        r.borrow().as_ref().is_some_and(|rec| {
            (replace || !rec.texts.contains_key(&key)) && rec.texts.len() < MAX_TEXTS
        })
    });
    if !wanted {
        return;
    }
    // Built before the recording is borrowed to change it: the text reads it.
    let text: Rc<str> = Rc::from(text());
    MARKS.with(|r| {
        if let Some(rec) = r.borrow_mut().as_mut() {
            rec.texts.insert(key, text);
        }
    });
}

/// Longest text of an argument written into a derived text; longer ones are cut (a label
/// is never that long, see [`crate::group_names::readable_marks`]).
const MAX_TEXT: usize = 120;

/// An argument of a derived unknown as an expression: a string quoted, an unknown by its
/// text, a partly known string as the `concat()` of its parts.
fn arg_text(v: &Val) -> String {
    let quote = |s: &str| format!("'{}'", s.replace('\'', "''"));
    let mut t = match v {
        Val::Str(s) => quote(s),
        Val::Unk(u) => MARKS.with(|r| match r.borrow().as_ref() {
            Some(rec) => text_in(rec, u).to_string(),
            None => root_text(&u.reason).to_string(),
        }),
        Val::Part(segs) => {
            let parts: Vec<String> = segs
                .iter()
                .map(|s| match s {
                    Seg::Lit(l) => quote(l),
                    Seg::Hole(u) => arg_text(&Val::Unk(u.clone())),
                })
                .collect();
            format!("concat({})", parts.join(","))
        }
        other => other.to_json(&mut 64).to_string(),
    };
    if t.len() > MAX_TEXT {
        let mut cut = MAX_TEXT;
        while !t.is_char_boundary(cut) {
            cut -= 1;
        }
        t.truncate(cut);
        t.push('…');
    }
    t
}

/// The expression the unknown result of applying `label` to `args` stands for: a label that
/// is a reason names it before its `: ` (`` `reference('x').id` ``); one that is an
/// expression is it (`parameters('p')`, `resourceGroup().location`); `[]` indexes; any other
/// is a function applied to the arguments (`tolower(parameters('p'))`).
fn derived_text(label: &str, args: &[Val]) -> String {
    if let Some((expr, _)) = label.split_once(": ") {
        return expr.trim().trim_matches('`').to_string();
    }
    if label.contains('(') {
        return label.to_string();
    }
    let texts: Vec<String> = args.iter().take(8).map(arg_text).collect();
    let more = if args.len() > 8 { ",…" } else { "" };
    match (label, texts.as_slice()) {
        ("[]", [a, i]) => format!("{a}[{i}]"),
        _ => format!("{label}({}{more})", texts.join(",")),
    }
}

/// Starts recording the marks this thread renders (`true`), or stops and returns them with
/// the texts of their unknown values ([`text_of`]) (`false`).
pub fn record_marks(on: bool) -> Vec<(String, Rc<str>)> {
    MARKS.with(|r| {
        let mut r = r.borrow_mut();
        let done = r
            .take()
            .map(|rec| rec.marks.into_iter().collect())
            .unwrap_or_default();
        if on {
            *r = Some(Recording::default());
        }
        done
    })
}

/// A value.
#[derive(Clone, Debug)]
pub enum Val {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Rc<str>),
    Arr(Rc<Vec<Val>>),
    Obj(Rc<Obj>),
    /// A string with known and unknown parts (at least one unknown).
    Part(Rc<Vec<Seg>>),
    /// An unknown value.
    Unk(Rc<Unk>),
    /// A lambda (`lambda('x', ...)`), only meaningful as an argument of `map`, `filter`, ...
    Lambda(Rc<Lambda>),
}

/// A piece of a partly known string.
#[derive(Clone, Debug)]
pub enum Seg {
    Lit(String),
    Hole(Rc<Unk>),
}

/// An unknown value.
#[derive(Debug)]
pub struct Unk {
    /// Identity: equal keys mean the same (unknown) value.
    pub key: u64,
    /// Why it is unknown: the expression at its root and what is missing.
    pub reason: Rc<str>,
    /// Known not to be null.
    pub nonnull: bool,
}

/// A lambda expression.
#[derive(Debug)]
pub struct Lambda {
    pub params: Vec<String>,
    pub body: Rc<Expr>,
}

impl Val {
    /// A new unknown.
    pub fn unknown(reason: impl Into<Rc<str>>, key: u64) -> Val {
        Val::Unk(Rc::new(Unk {
            key,
            reason: reason.into(),
            nonnull: false,
        }))
    }

    /// A new unknown whose identity is its reason text.
    pub fn unknown_from(reason: impl Into<Rc<str>>) -> Val {
        let reason: Rc<str> = reason.into();
        let key = key_hash(&reason);
        Val::unknown(reason, key)
    }

    /// An unknown known not to be null.
    pub fn unknown_nonnull(reason: impl Into<Rc<str>>, key: u64) -> Val {
        Val::Unk(Rc::new(Unk {
            key,
            reason: reason.into(),
            nonnull: true,
        }))
    }

    /// The unknown result of applying `label` to `args`: its reason is the first unknown
    /// argument's (the root cause), its identity follows from the label and the arguments.
    pub fn derived(label: &str, args: &[Val]) -> Val {
        let reason = args
            .iter()
            .find_map(Val::unknown_reason)
            .unwrap_or_else(|| Rc::from(label));
        let mut h = Hasher::new();
        h.write(label.as_bytes());
        let mut budget = 10_000;
        for a in args {
            a.hash_into(&mut h, &mut budget);
        }
        let key = h.finish();
        note_text(key, || derived_text(label, args), false);
        Val::unknown(reason, key)
    }

    /// The unknown part `whole` (`parameters('net').peSubnetId`) of an unknown value: identity
    /// as [`Val::derived`] gives it, and a reason that names the part before the root cause,
    /// so two parts of one unknown object are told apart wherever the reason names them.
    pub fn part_of(whole: &str, label: &str, args: &[Val]) -> Val {
        let Val::Unk(u) = Val::derived(label, args) else {
            return Val::derived(label, args);
        };
        // The root cause once, however deep the access.
        let root = match u.reason.strip_prefix('`').and_then(|r| r.split_once("`: ")) {
            Some((_, root)) => root,
            None => &u.reason,
        };
        note_text(u.key, || whole.to_string(), true);
        Val::unknown(format!("`{whole}`: {root}"), u.key)
    }

    pub fn str(s: impl Into<Rc<str>>) -> Val {
        Val::Str(s.into())
    }

    pub fn arr(v: Vec<Val>) -> Val {
        Val::Arr(Rc::new(v))
    }

    pub fn obj(o: Obj) -> Val {
        Val::Obj(Rc::new(o))
    }

    /// Whether the value is (or has in its text) something unknown. Arrays and objects with
    /// unknown members are known containers.
    pub fn is_unknown(&self) -> bool {
        matches!(self, Val::Unk(_) | Val::Part(_))
    }

    /// The reason of an unknown value or partly known string.
    pub fn unknown_reason(&self) -> Option<Rc<str>> {
        match self {
            Val::Unk(u) => Some(u.reason.clone()),
            Val::Part(segs) => segs.iter().find_map(|s| match s {
                Seg::Hole(u) => Some(u.reason.clone()),
                Seg::Lit(_) => None,
            }),
            _ => None,
        }
    }

    /// A known string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Val::Str(s) => Some(s),
            _ => None,
        }
    }

    /// Whether the value may be a string (a string, a partly known string, or an unknown).
    pub fn is_stringish(&self) -> bool {
        matches!(self, Val::Str(_) | Val::Part(_) | Val::Unk(_))
    }

    /// Whether the value is known to be null / known not to be null.
    pub fn null_state(&self) -> Option<bool> {
        match self {
            Val::Null => Some(true),
            Val::Unk(u) if !u.nonnull => None,
            _ => Some(false),
        }
    }

    /// The name of the value's type, for messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Val::Null => "null",
            Val::Bool(_) => "bool",
            Val::Int(_) | Val::Float(_) => "int",
            Val::Str(_) | Val::Part(_) => "string",
            Val::Arr(_) => "array",
            Val::Obj(_) => "object",
            Val::Unk(_) => "unknown",
            Val::Lambda(_) => "lambda",
        }
    }

    /// The text of a string, a partly known string (unknown parts as `⟨key⟩`), a number or a
    /// boolean; the identity text of an unknown.
    pub fn render(&self) -> Option<String> {
        match self {
            Val::Str(s) => Some(s.to_string()),
            Val::Part(segs) => {
                let mut out = String::new();
                for s in segs.iter() {
                    match s {
                        Seg::Lit(l) => out.push_str(l),
                        Seg::Hole(u) => out.push_str(&mark(u)),
                    }
                }
                Some(out)
            }
            Val::Unk(u) => Some(mark(u)),
            Val::Int(i) => Some(i.to_string()),
            Val::Float(f) => Some(f.to_string()),
            Val::Bool(b) => Some(if *b { "True".into() } else { "False".into() }),
            _ => None,
        }
    }

    /// Known text before the first unknown part.
    pub fn known_prefix(&self) -> &str {
        match self {
            Val::Str(s) => s,
            Val::Part(segs) => match segs.first() {
                Some(Seg::Lit(l)) => l,
                _ => "",
            },
            _ => "",
        }
    }

    /// Known text after the last unknown part.
    pub fn known_suffix(&self) -> &str {
        match self {
            Val::Str(s) => s,
            Val::Part(segs) => match segs.last() {
                Some(Seg::Lit(l)) => l,
                _ => "",
            },
            _ => "",
        }
    }

    /// A structural hash, bounded by `budget` visited values (shared structures can be
    /// exponentially large when unfolded).
    pub fn hash_into(&self, h: &mut Hasher, budget: &mut usize) {
        if *budget == 0 {
            return;
        }
        *budget -= 1;
        match self {
            Val::Null => h.write(b"n"),
            Val::Bool(b) => h.write(if *b { b"t" } else { b"f" }),
            Val::Int(i) => {
                h.write(b"i");
                h.write(&i.to_le_bytes());
            }
            Val::Float(f) => {
                h.write(b"d");
                h.write(&f.to_le_bytes());
            }
            Val::Str(s) => {
                h.write(b"s");
                h.write(s.as_bytes());
                h.write(b"\0");
            }
            Val::Part(segs) => {
                h.write(b"p");
                for s in segs.iter() {
                    match s {
                        Seg::Lit(l) => {
                            h.write(l.as_bytes());
                            h.write(b"\0");
                        }
                        Seg::Hole(u) => {
                            h.write(b"\x01");
                            h.write(&u.key.to_le_bytes());
                        }
                    }
                }
            }
            Val::Unk(u) => {
                h.write(b"u");
                h.write(&u.key.to_le_bytes());
            }
            Val::Arr(a) => {
                h.write(b"[");
                for v in a.iter() {
                    v.hash_into(h, budget);
                }
                h.write(b"]");
            }
            Val::Obj(o) => {
                h.write(b"{");
                for (k, v) in o.iter() {
                    h.write(k.to_ascii_lowercase().as_bytes());
                    h.write(b"\0");
                    v.hash_into(h, budget);
                }
                h.write(b"}");
            }
            Val::Lambda(l) => {
                h.write(b"l");
                h.write(l.body.to_string().as_bytes());
            }
        }
    }

    /// Converts to JSON; unknowns become `{"$unknown": reason}` (and partly known strings add
    /// `"$partial"`: their text with unknown parts marked). `budget` bounds the output size.
    pub fn to_json(&self, budget: &mut usize) -> Json {
        if *budget == 0 {
            return unknown_json("the value is too large to convert", None);
        }
        *budget -= 1;
        match self {
            Val::Null => Json::Null,
            Val::Bool(b) => Json::Bool(*b),
            Val::Int(i) => Json::from(*i),
            Val::Float(f) => serde_json::Number::from_f64(*f)
                .map(Json::Number)
                .unwrap_or(Json::Null),
            Val::Str(s) => Json::String(s.to_string()),
            Val::Part(_) => unknown_json(&self.unknown_reason().unwrap_or_default(), self.render()),
            Val::Unk(u) => {
                let mut j = unknown_json(&u.reason, None);
                // The mark a string built from this value would show (`⟨…⟩`): what lets an
                // id built from the same unknown name the resource it names.
                if let Json::Object(m) = &mut j {
                    m.insert(
                        "$key".into(),
                        Json::String(self.render().unwrap_or_default()),
                    );
                }
                j
            }
            Val::Arr(a) => Json::Array(a.iter().map(|v| v.to_json(budget)).collect()),
            Val::Obj(o) => Json::Object(
                o.iter()
                    .map(|(k, v)| (k.clone(), v.to_json(budget)))
                    .collect(),
            ),
            Val::Lambda(_) => unknown_json("a lambda is not a value", None),
        }
    }

    /// Converts JSON (parameter file values, `json()`) to a value.
    pub fn from_json(j: &Json) -> Val {
        match j {
            Json::Null => Val::Null,
            Json::Bool(b) => Val::Bool(*b),
            Json::Number(n) => n
                .as_i64()
                .map(Val::Int)
                .unwrap_or_else(|| Val::Float(n.as_f64().unwrap_or(0.0))),
            Json::String(s) => Val::str(s.as_str()),
            Json::Array(a) => Val::arr(a.iter().map(Val::from_json).collect()),
            Json::Object(o) => Val::obj(
                o.iter()
                    .map(|(k, v)| (k.clone(), Val::from_json(v)))
                    .collect(),
            ),
        }
    }

    /// Property lookup: exact name first, then case-insensitive (ARM property names are).
    pub fn get(&self, key: &str) -> Option<&Val> {
        match self {
            Val::Obj(o) => obj_get(o, key),
            _ => None,
        }
    }
}

/// Case-insensitive lookup in an object.
pub fn obj_get<'a>(o: &'a Obj, key: &str) -> Option<&'a Val> {
    o.get(key).or_else(|| {
        o.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

/// The `{"$unknown": reason}` encoding of an unknown value in resource properties.
pub fn unknown_json(reason: &str, partial: Option<String>) -> Json {
    let mut m = serde_json::Map::new();
    m.insert("$unknown".into(), Json::String(reason.to_string()));
    if let Some(p) = partial {
        m.insert("$partial".into(), Json::String(p));
    }
    Json::Object(m)
}

/// A small streaming hash (FNV-1a, 64-bit) for value identities.
pub struct Hasher(u64);

impl Hasher {
    pub fn new() -> Hasher {
        Hasher(0xcbf2_9ce4_8422_2325)
    }

    pub fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x100_0000_01b3);
        }
    }

    pub fn finish(&self) -> u64 {
        self.0
    }
}

impl Default for Hasher {
    fn default() -> Self {
        Hasher::new()
    }
}

/// Builds strings from known and unknown pieces.
#[derive(Default)]
pub struct StrBuild {
    segs: Vec<Seg>,
    len: usize,
    too_long: bool,
}

impl StrBuild {
    pub fn new() -> StrBuild {
        StrBuild::default()
    }

    pub fn push_str(&mut self, s: &str) {
        if s.is_empty() {
            return;
        }
        self.len += s.len();
        if self.len > MAX_STR {
            self.too_long = true;
            return;
        }
        match self.segs.last_mut() {
            Some(Seg::Lit(l)) => l.push_str(s),
            _ => self.segs.push(Seg::Lit(s.to_string())),
        }
    }

    pub fn push_hole(&mut self, u: Rc<Unk>) {
        if self.segs.len() >= MAX_SEGMENTS {
            self.too_long = true;
            return;
        }
        self.segs.push(Seg::Hole(u));
    }

    /// Appends a value as text; arrays and objects are not text.
    pub fn push_val(&mut self, v: &Val) -> Result<(), String> {
        match v {
            Val::Str(s) => self.push_str(s),
            Val::Part(segs) => {
                for s in segs.iter() {
                    match s {
                        Seg::Lit(l) => self.push_str(l),
                        Seg::Hole(u) => self.push_hole(u.clone()),
                    }
                }
            }
            Val::Unk(u) => self.push_hole(u.clone()),
            Val::Null => {}
            Val::Int(_) | Val::Float(_) | Val::Bool(_) => {
                self.push_str(&v.render().unwrap_or_default())
            }
            Val::Arr(_) | Val::Obj(_) | Val::Lambda(_) => {
                return Err(format!("a {} is not a string", v.type_name()));
            }
        }
        Ok(())
    }

    pub fn finish(self) -> Val {
        if self.too_long {
            return Val::unknown_from("a string longer than 1 MiB, or with too many unknown parts");
        }
        let holes = self.segs.iter().any(|s| matches!(s, Seg::Hole(_)));
        if !holes {
            return match self.segs.into_iter().next() {
                Some(Seg::Lit(l)) => Val::str(l),
                _ => Val::str(""),
            };
        }
        Val::Part(Rc::new(self.segs))
    }
}

/// Splits a string on `sep`, assuming unknown parts never contain `sep`. Used for resource
/// names and ids, whose unknown parts are names: `vnet-⟨x⟩/default` splits into `vnet-⟨x⟩`
/// and `default`.
pub fn split_assuming_atomic(v: &Val, sep: &str) -> Vec<Val> {
    match v {
        Val::Str(s) => s.split(sep).map(Val::str).collect(),
        Val::Part(segs) => {
            let mut out = Vec::new();
            let mut cur = StrBuild::new();
            for s in segs.iter() {
                match s {
                    Seg::Lit(l) => {
                        let mut parts = l.split(sep);
                        if let Some(first) = parts.next() {
                            cur.push_str(first);
                        }
                        for p in parts {
                            out.push(std::mem::take(&mut cur).finish());
                            cur.push_str(p);
                        }
                    }
                    Seg::Hole(u) => cur.push_hole(u.clone()),
                }
            }
            out.push(cur.finish());
            out
        }
        other => vec![other.clone()],
    }
}

/// Three-valued equality of two values (`None` = cannot be decided).
pub fn equals(a: &Val, b: &Val, budget: &mut usize) -> Option<bool> {
    if *budget == 0 {
        return None;
    }
    *budget -= 1;
    match (a, b) {
        (Val::Unk(x), Val::Unk(y)) if x.key == y.key => Some(true),
        (Val::Unk(_), _) | (_, Val::Unk(_)) => None,
        (Val::Part(_), _) | (_, Val::Part(_)) => partial_str_eq(a, b),
        (Val::Null, Val::Null) => Some(true),
        (Val::Bool(x), Val::Bool(y)) => Some(x == y),
        (Val::Int(x), Val::Int(y)) => Some(x == y),
        (Val::Int(_) | Val::Float(_), Val::Int(_) | Val::Float(_)) => Some(num(a) == num(b)),
        (Val::Str(x), Val::Str(y)) => Some(x == y),
        (Val::Arr(x), Val::Arr(y)) => {
            if Rc::ptr_eq(x, y) {
                return Some(true);
            }
            if x.len() != y.len() {
                return Some(false);
            }
            let mut undecided = false;
            for (p, q) in x.iter().zip(y.iter()) {
                match equals(p, q, budget) {
                    Some(false) => return Some(false),
                    None => undecided = true,
                    Some(true) => {}
                }
            }
            if undecided { None } else { Some(true) }
        }
        (Val::Obj(x), Val::Obj(y)) => {
            if Rc::ptr_eq(x, y) {
                return Some(true);
            }
            if x.len() != y.len() {
                return Some(false);
            }
            let mut undecided = false;
            for (k, p) in x.iter() {
                let Some(q) = obj_get(y, k) else {
                    return Some(false);
                };
                match equals(p, q, budget) {
                    Some(false) => return Some(false),
                    None => undecided = true,
                    Some(true) => {}
                }
            }
            if undecided { None } else { Some(true) }
        }
        _ => Some(false),
    }
}

fn num(v: &Val) -> f64 {
    match v {
        Val::Int(i) => *i as f64,
        Val::Float(f) => *f,
        _ => f64::NAN,
    }
}

/// Equality of strings of which at least one is partly known: decided by the known prefix
/// and suffix when they differ, or by identical structure.
fn partial_str_eq(a: &Val, b: &Val) -> Option<bool> {
    if !a.is_stringish() || !b.is_stringish() {
        return Some(false);
    }
    if let (Some(x), Some(y)) = (a.render(), b.render())
        && x == y
        && matches!(a, Val::Part(_))
        && matches!(b, Val::Part(_))
    {
        return Some(true);
    }
    let (pa, pb) = (a.known_prefix(), b.known_prefix());
    let n = pa.len().min(pb.len());
    if pa.as_bytes()[..n] != pb.as_bytes()[..n] {
        return Some(false);
    }
    let (sa, sb) = (a.known_suffix(), b.known_suffix());
    let m = sa.len().min(sb.len());
    if sa.as_bytes()[sa.len() - m..] != sb.as_bytes()[sb.len() - m..] {
        return Some(false);
    }
    // A known string shorter than the other's known prefix and suffix together cannot match.
    if let Val::Str(s) = a
        && s.len() < pb.len() + sb.len()
    {
        return Some(false);
    }
    if let Val::Str(s) = b
        && s.len() < pa.len() + sa.len()
    {
        return Some(false);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(pieces: &[Result<&str, u64>]) -> Val {
        let mut b = StrBuild::new();
        for p in pieces {
            match p {
                Ok(s) => b.push_str(s),
                Err(k) => b.push_hole(Rc::new(Unk {
                    key: *k,
                    reason: "r".into(),
                    nonnull: false,
                })),
            }
        }
        b.finish()
    }

    /// A derived unknown's mark is recorded with the expression it stands for, built from
    /// its own derivation only: the function applied to its arguments, an index, the part
    /// of an unknown object a member access names.
    #[test]
    fn marks_are_recorded_with_the_expression_their_value_stands_for() {
        record_marks(true);
        let p = Val::unknown_from("parameters('p'): the parameter has no value");
        let lower = Val::derived("tolower", std::slice::from_ref(&p));
        let joined = Val::derived("replace", &[lower.clone(), Val::str("-"), Val::str("")]);
        let first = Val::derived("[]", &[p.clone(), Val::Int(0)]);
        let member = Val::part_of(
            "parameters('net').subnetId",
            "member",
            std::slice::from_ref(&p),
        );
        let marks: Vec<String> = [&p, &lower, &joined, &first, &member]
            .iter()
            .map(|v| v.render().unwrap())
            .collect();
        let texts: std::collections::HashMap<String, Rc<str>> =
            record_marks(false).into_iter().collect();
        let got: Vec<&str> = marks.iter().map(|m| &*texts[m]).collect();
        assert_eq!(
            got,
            [
                "parameters('p')",
                "tolower(parameters('p'))",
                "replace(tolower(parameters('p')),'-','')",
                "parameters('p')[0]",
                "parameters('net').subnetId"
            ]
        );
        // Outside an import nothing is recorded, and a value reads as its root cause.
        let Val::Unk(u) = Val::derived("tolower", &[p]) else {
            panic!("unknown")
        };
        assert_eq!(&*text_of(&u), "parameters('p')");
    }

    #[test]
    fn strings_with_unknown_parts_keep_their_known_text() {
        let p = part(&[Ok("vnet-"), Err(7), Ok("/default")]);
        assert!(p.is_unknown());
        assert_eq!(p.known_prefix(), "vnet-");
        assert_eq!(p.known_suffix(), "/default");
        assert_eq!(p.unknown_reason().as_deref(), Some("r"));
        let pieces = split_assuming_atomic(&p, "/");
        assert_eq!(pieces.len(), 2);
        assert_eq!(pieces[1].as_str(), Some("default"));
        assert!(pieces[0].is_unknown());
        // Without unknown parts the builder gives a plain string.
        assert_eq!(part(&[Ok("a"), Ok("b")]).as_str(), Some("ab"));
    }

    #[test]
    fn equality_is_three_valued() {
        let mut b = 1000;
        let p = part(&[Ok("vnet-"), Err(7)]);
        assert_eq!(equals(&p, &Val::str("none"), &mut b), Some(false));
        assert_eq!(equals(&p, &Val::str("vnet-x"), &mut b), None);
        assert_eq!(
            equals(&p, &part(&[Ok("vnet-"), Err(7)]), &mut b),
            Some(true)
        );
        assert_eq!(equals(&p, &part(&[Ok("vnet-"), Err(8)]), &mut b), None);
        assert_eq!(equals(&Val::Int(1), &Val::Float(1.0), &mut b), Some(true));
        let o1 = Val::obj([("A".to_string(), Val::Int(1))].into_iter().collect());
        let o2 = Val::obj([("a".to_string(), Val::Int(1))].into_iter().collect());
        assert_eq!(equals(&o1, &o2, &mut b), Some(true));
        assert_eq!(
            equals(
                &Val::arr(vec![Val::unknown_from("x")]),
                &Val::arr(vec![]),
                &mut b
            ),
            Some(false)
        );
    }

    #[test]
    fn json_round_trip_and_unknown_encoding() {
        let j = serde_json::json!({"a": [1, "x", null, true], "b": {"c": 2.5}});
        let v = Val::from_json(&j);
        assert_eq!(v.to_json(&mut 1000), j);
        let u = Val::unknown_from("parameters('x')");
        let uj = u.to_json(&mut 10);
        assert_eq!(uj["$unknown"], "parameters('x')");
        // Its mark, as a string built from it shows it.
        assert_eq!(uj["$key"].as_str(), u.render().as_deref());
        assert!(uj["$key"].as_str().unwrap().starts_with('⟨'));
        let p = part(&[Ok("Storage."), Err(1)]);
        let pj = p.to_json(&mut 10);
        assert_eq!(pj["$unknown"], "r");
        assert!(pj["$partial"].as_str().unwrap().starts_with("Storage.⟨"));
    }

    #[test]
    fn derived_unknowns_have_stable_identities() {
        let x = Val::unknown_from("parameters('x')");
        let a = Val::derived("toLower", std::slice::from_ref(&x));
        let b = Val::derived("toLower", std::slice::from_ref(&x));
        let c = Val::derived("toUpper", std::slice::from_ref(&x));
        let key = |v: &Val| match v {
            Val::Unk(u) => u.key,
            _ => 0,
        };
        assert_eq!(key(&a), key(&b));
        assert_ne!(key(&a), key(&c));
        assert_eq!(a.unknown_reason().as_deref(), Some("parameters('x')"));
    }
}
