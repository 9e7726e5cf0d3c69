//! Hashes behind `uniqueString()` and `guid()`.
//!
//! `uniqueString()` is Azure's: the arguments joined with `-`, hashed with the 64-bit
//! MurmurHash variant Azure Resource Manager uses (two 32-bit lanes, seed 0), and the hash
//! written as 13 characters of the RFC 4648 base-32 alphabet, most significant bits first. It
//! is checked against values Azure produced.
//!
//! `guid()` is deterministic and GUID-shaped but is **not** Azure's algorithm (which is not
//! published): names built with `guid()` (role assignment names, mostly) differ from the ones
//! Azure would create. No network analysis depends on them.

const C1: u32 = 0xab0e_9789;
const C2: u32 = 0x239b_961b;
const C3: u32 = 0x85eb_ca6b;
const C4: u32 = 0xc2b2_ae35;

fn le32(b: &[u8]) -> u32 {
    b.iter()
        .enumerate()
        .fold(0u32, |acc, (i, &x)| acc | (u32::from(x) << (8 * i)))
}

fn mix_k1(k: u32) -> u32 {
    k.wrapping_mul(C2).rotate_left(15).wrapping_mul(C1)
}

fn mix_k2(k: u32) -> u32 {
    k.wrapping_mul(C1).rotate_left(17).wrapping_mul(C2)
}

fn fmix(mut x: u32) -> u32 {
    x = (x ^ (x >> 16)).wrapping_mul(C3);
    x = (x ^ (x >> 13)).wrapping_mul(C4);
    x ^ (x >> 16)
}

/// Azure Resource Manager's 64-bit MurmurHash variant.
pub fn murmur64(data: &[u8]) -> u64 {
    let (mut h1, mut h2) = (0u32, 0u32);
    let mut chunks = data.chunks_exact(8);
    for c in &mut chunks {
        h1 = (h1 ^ mix_k1(le32(&c[..4])))
            .rotate_left(19)
            .wrapping_add(h2)
            .wrapping_mul(5)
            .wrapping_add(0x561c_cd1b);
        h2 = (h2 ^ mix_k2(le32(&c[4..])))
            .rotate_left(13)
            .wrapping_add(h1)
            .wrapping_mul(5)
            .wrapping_add(0x0bca_a747);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        h1 ^= mix_k1(le32(&rest[..rest.len().min(4)]));
        if rest.len() > 4 {
            h2 ^= mix_k2(le32(&rest[4..]));
        }
    }
    // Lengths above 4 GiB cannot reach here (inputs are bounded far below).
    let len = data.len() as u32;
    let r0 = h2 ^ len;
    let mut r1 = (h1 ^ len).wrapping_add(r0);
    let mut r2 = r0.wrapping_add(r1);
    r1 = fmix(r1);
    r2 = fmix(r2);
    r1 = r1.wrapping_add(r2);
    r2 = r2.wrapping_add(r1);
    (u64::from(r2) << 32) | u64::from(r1)
}

const BASE32: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";

/// Azure's `uniqueString(args...)`.
pub fn unique_string(args: &[&str]) -> String {
    let mut h = murmur64(args.join("-").as_bytes());
    let mut out = String::with_capacity(13);
    for _ in 0..13 {
        out.push(BASE32[(h >> 59) as usize & 31] as char);
        h <<= 5;
    }
    out
}

/// A deterministic GUID-shaped string for `guid(args...)` (not Azure's algorithm).
pub fn guid(args: &[&str]) -> String {
    let joined = args.join("-");
    let a = murmur64(joined.as_bytes());
    let b = murmur64(format!("guid:{joined}").as_bytes());
    // Version 5 and RFC 4122 variant bits, so the value reads as a name-based UUID.
    let time_hi = ((a & 0x0fff) as u16) | 0x5000;
    let clock = (((b >> 48) as u16) & 0x3fff) | 0x8000;
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        time_hi,
        clock,
        b & 0xffff_ffff_ffff
    )
}

/// A 64-bit hash of text, for identities of unknown values.
pub fn key_hash(s: &str) -> u64 {
    murmur64(s.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unique_string_matches_azure() {
        // Values Azure's uniqueString() returns for these inputs.
        assert_eq!(unique_string(&["test"]), "rbgf3xv4ufgzg");
        assert_eq!(unique_string(&["hello", "world"]), "a7wkljktk6wne");
        assert_eq!(unique_string(&["abc"]), "cgtzqvhu4i23s");
        assert_eq!(
            unique_string(&[
                "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/my-rg"
            ]),
            "bmg7c6xu4tw46"
        );
        assert_eq!(unique_string(&["foo", "bar", "baz"]), "xzi4ioaxtmth4");
        assert_eq!(unique_string(&[""]).len(), 13);
    }

    #[test]
    fn guid_is_stable_and_shaped() {
        let g = guid(&["a", "b"]);
        assert_eq!(g, guid(&["a", "b"]));
        assert_ne!(g, guid(&["a", "c"]));
        let parts: Vec<usize> = g.split('-').map(str::len).collect();
        assert_eq!(parts, vec![8, 4, 4, 4, 12]);
        assert_eq!(&g[14..15], "5");
    }
}
