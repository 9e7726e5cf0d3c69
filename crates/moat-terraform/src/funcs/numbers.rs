//! Number functions: bounds, powers and logarithms, parsing, sums and ranges.

use super::*;

/// `min()` and `max()`.
pub(super) fn min_max(f: &str, a: &[Value], at: &Loc) -> R<Value> {
    arity(f, a, 1, usize::MAX, at)?;
    let nums: Vec<f64> = a.iter().map(|x| n(f, x, at)).collect::<R<_>>()?;
    let r = if f == "min" {
        nums.iter().copied().fold(f64::INFINITY, f64::min)
    } else {
        nums.iter().copied().fold(f64::NEG_INFINITY, f64::max)
    };
    Ok(Value::Number(r))
}

/// `pow()`.
pub(super) fn pow(f: &str, a: &[Value], at: &Loc) -> R<Value> {
    arity(f, a, 2, 2, at)?;
    let r = n(f, &a[0], at)?.powf(n(f, &a[1], at)?);
    if r.is_finite() {
        Ok(Value::Number(r))
    } else {
        err("pow(): result out of range", at)
    }
}

/// `log()`.
pub(super) fn log(f: &str, a: &[Value], at: &Loc) -> R<Value> {
    arity(f, a, 2, 2, at)?;
    let r = n(f, &a[0], at)?.log(n(f, &a[1], at)?);
    if r.is_finite() {
        Ok(Value::Number(r))
    } else {
        err("log(): result out of range", at)
    }
}

/// `parseint()`.
pub(super) fn parseint(f: &str, a: &[Value], at: &Loc) -> R<Value> {
    arity(f, a, 2, 2, at)?;
    let x = s(f, &a[0], at)?;
    let base = int(f, &a[1], at)?;
    if !(2..=62).contains(&base) || base > 36 {
        return err("parseint(): base must be 2 to 36", at);
    }
    i64::from_str_radix(&x, base as u32)
        .map(|v| Value::Number(v as f64))
        .or_else(|_| err(format!("parseint(): {x:?} is not a base-{base} number"), at))
}

/// `sum()`.
pub(super) fn sum(f: &str, a: &[Value], at: &Loc) -> R<Value> {
    arity(f, a, 1, 1, at)?;
    let l = list(f, &a[0], at)?;
    if l.is_empty() {
        return err("sum() of an empty list", at);
    }
    Ok(Value::Number(
        l.iter().map(|x| n(f, x, at)).sum::<R<f64>>()?,
    ))
}

/// `range()`.
pub(super) fn range(f: &str, a: &[Value], at: &Loc) -> R<Value> {
    arity(f, a, 1, 3, at)?;
    let nums: Vec<f64> = a.iter().map(|x| n(f, x, at)).collect::<R<_>>()?;
    let (start, end, step) = match nums.as_slice() {
        [e] => (0.0, *e, 1.0),
        [s0, e] => (*s0, *e, if e >= s0 { 1.0 } else { -1.0 }),
        [s0, e, st] => (*s0, *e, *st),
        _ => return err("range() takes 1 to 3 arguments", at),
    };
    if step == 0.0 || (step > 0.0 && end < start) || (step < 0.0 && end > start) {
        return if step == 0.0 {
            err("range(): step must not be zero", at)
        } else {
            Ok(Value::list(Vec::new()))
        };
    }
    let count = ((end - start) / step).ceil();
    if count > MAX_COLLECTION as f64 {
        return err(
            format!("range() would build {count} elements; moat's limit is {MAX_COLLECTION}"),
            at,
        );
    }
    Ok(Value::list(
        (0..count as usize)
            .map(|i| Value::Number(start + step * i as f64))
            .collect(),
    ))
}
