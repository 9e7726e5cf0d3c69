//! Encodings and hashes: base64, data URIs, URIs, `uniqueString()` and `guid()`.

use super::{any_unknown, err};
use crate::hash;
use crate::value::Val;

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn base64_encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for c in data.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        out.push(B64[(n >> 18) as usize & 63] as char);
        out.push(B64[(n >> 12) as usize & 63] as char);
        out.push(if c.len() > 1 {
            B64[(n >> 6) as usize & 63] as char
        } else {
            '='
        });
        out.push(if c.len() > 2 {
            B64[n as usize & 63] as char
        } else {
            '='
        });
    }
    out
}

fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut buf = 0u32;
    let mut bits = 0;
    for c in s.bytes().filter(|c| !c.is_ascii_whitespace() && *c != b'=') {
        let v = B64.iter().position(|&b| b == c)? as u32;
        buf = (buf << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buf >> bits) as u8);
            buf &= (1 << bits) - 1;
        }
    }
    Some(out)
}

fn uri_component(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn uri_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let h = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(h, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Evaluates one of these functions; `None` when `name` is not one.
pub(super) fn call(name: &str, args: &[Val]) -> Option<Val> {
    let a0 = args.first();
    let v = match name {
        "uniquestring" => {
            if args.is_empty() {
                err(name, "needs at least one string")
            } else if args.iter().all(|a| a.as_str().is_some()) {
                let strs: Vec<&str> = args.iter().filter_map(Val::as_str).collect();
                Val::str(hash::unique_string(&strs))
            } else if args.iter().all(Val::is_stringish) {
                let Val::Unk(u) = Val::derived(name, args) else {
                    return Some(err(name, "unreachable"));
                };
                Val::unknown_nonnull(u.reason.clone(), u.key)
            } else {
                err(name, "expects strings")
            }
        }
        "guid" => {
            if args.iter().all(|a| a.as_str().is_some()) && !args.is_empty() {
                let strs: Vec<&str> = args.iter().filter_map(Val::as_str).collect();
                Val::str(hash::guid(&strs))
            } else if any_unknown(args) {
                Val::derived(name, args)
            } else {
                err(name, "expects strings")
            }
        }
        "base64" => match a0 {
            Some(Val::Str(s)) => Val::str(base64_encode(s.as_bytes())),
            _ => Val::derived(name, args),
        },
        "base64tostring" => match a0 {
            Some(Val::Str(s)) => match base64_decode(s).and_then(|b| String::from_utf8(b).ok()) {
                Some(t) => Val::str(t),
                None => err(name, "not valid base64 text"),
            },
            _ => Val::derived(name, args),
        },
        "base64tojson" => match a0 {
            Some(Val::Str(s)) => match base64_decode(s)
                .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
            {
                Some(j) => Val::from_json(&j),
                None => err(name, "not base64-encoded JSON"),
            },
            _ => Val::derived(name, args),
        },
        "datauri" => match a0 {
            Some(Val::Str(s)) => Val::str(format!(
                "data:text/plain;charset=utf8;base64,{}",
                base64_encode(s.as_bytes())
            )),
            _ => Val::derived(name, args),
        },
        "datauritostring" => match a0 {
            Some(Val::Str(s)) => match s
                .split_once(";base64,")
                .and_then(|(_, d)| base64_decode(d))
                .and_then(|b| String::from_utf8(b).ok())
            {
                Some(t) => Val::str(t),
                None => err(name, "not a base64 data URI"),
            },
            _ => Val::derived(name, args),
        },
        "uri" => match args {
            [Val::Str(base), Val::Str(rel)] => {
                if rel.contains("://") {
                    Val::Str(rel.clone())
                } else if let Some(r) = rel.strip_prefix('/') {
                    let root = base
                        .find("://")
                        .and_then(|i| base[i + 3..].find('/').map(|j| &base[..i + 3 + j]))
                        .unwrap_or(base);
                    Val::str(format!("{}/{r}", root.trim_end_matches('/')))
                } else {
                    let dir = base.rfind('/').map(|i| &base[..=i]).unwrap_or("");
                    Val::str(format!("{dir}{rel}"))
                }
            }
            _ => Val::derived(name, args),
        },
        "uricomponent" => match a0 {
            Some(Val::Str(s)) => Val::str(uri_component(s)),
            _ => Val::derived(name, args),
        },
        "uricomponenttostring" => match a0 {
            Some(Val::Str(s)) => uri_decode(s)
                .map(Val::str)
                .unwrap_or_else(|| err(name, "not a percent-encoded string")),
            _ => Val::derived(name, args),
        },
        _ => return None,
    };
    Some(v)
}
