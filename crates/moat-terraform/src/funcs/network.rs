//! Network functions: subnets, host addresses and netmasks of CIDR prefixes.

use super::*;

/// `cidrsubnet()`.
pub(super) fn cidrsubnet(f: &str, a: &[Value], at: &Loc) -> R<Value> {
    arity(f, a, 3, 3, at)?;
    let net = cidr(f, &a[0], at)?;
    let (bits, num) = (int(f, &a[1], at)?, int(f, &a[2], at)?);
    cidr_subnet(net, bits, num)
        .map(|x| Value::String(x.to_string()))
        .map_or_else(|m| err(format!("cidrsubnet(): {m}"), at), Ok)
}

/// `cidrsubnets()`.
pub(super) fn cidrsubnets(f: &str, a: &[Value], at: &Loc) -> R<Value> {
    arity(f, a, 1, usize::MAX, at)?;
    let net = cidr(f, &a[0], at)?;
    let max = u32::from(net.max_prefix_len());
    let len = u32::from(net.prefix_len());
    let mut cur = to_u128(net.network());
    let end = cur + host_count(max - len);
    let mut out = Vec::new();
    for b in &a[1..] {
        let nb = int(f, b, at)?;
        if nb < 1 || len as i64 + nb > max as i64 {
            return err(format!("cidrsubnets(): cannot add {nb} bits to /{len}"), at);
        }
        let size = host_count(max - len - nb as u32);
        cur = cur.div_ceil(size) * size;
        if cur + size > end {
            return err("cidrsubnets(): not enough room in the prefix", at);
        }
        let addr = from_u128(cur, net.network().is_ipv4());
        let sub = IpNet::new(addr, (len + nb as u32) as u8)
            .or_else(|e| err(format!("cidrsubnets(): {e}"), at))?;
        out.push(Value::String(sub.to_string()));
        cur += size;
    }
    Ok(Value::list(out))
}

/// `cidrhost()`.
pub(super) fn cidrhost(f: &str, a: &[Value], at: &Loc) -> R<Value> {
    arity(f, a, 2, 2, at)?;
    let net = cidr(f, &a[0], at)?;
    let num = int(f, &a[1], at)?;
    let hb = u32::from(net.max_prefix_len() - net.prefix_len());
    let size = host_count(hb);
    let off: u128 = if num >= 0 {
        num as u128
    } else {
        let back = num.unsigned_abs() as u128;
        if back > size {
            return err(format!("cidrhost(): host {num} is outside {net}"), at);
        }
        size - back
    };
    if off >= size {
        return err(format!("cidrhost(): host {num} is outside {net}"), at);
    }
    Ok(Value::String(
        from_u128(to_u128(net.network()) + off, net.network().is_ipv4()).to_string(),
    ))
}

/// `cidrnetmask()`.
pub(super) fn cidrnetmask(f: &str, a: &[Value], at: &Loc) -> R<Value> {
    arity(f, a, 1, 1, at)?;
    match cidr(f, &a[0], at)? {
        IpNet::V4(n4) => Ok(Value::String(n4.netmask().to_string())),
        IpNet::V6(_) => err("cidrnetmask() applies to IPv4 prefixes only", at),
    }
}
