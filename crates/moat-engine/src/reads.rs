//! What a trace reads of the parts of a deployment a change can be bounded to, so that a
//! changed deployment is swept again only where the change can matter (see
//! [`crate::sweep::Recorded`]).
//!
//! A read is kept as a key: a hash of its kind and the resource's name. Two reads of one
//! resource give one key; two resources may share one only by a hash collision, which makes a
//! trace look as if it read more than it did, never less: it is traced again, not trusted.

use std::hash::{Hash, Hasher};

/// The kinds of reads a trace records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Read {
    /// A network security group's rules, by name (read whether or not it exists).
    Nsg,
    /// A subnet (`vnet/subnet`): which NSG and route table it names, and its other settings.
    Subnet,
    /// A VNet as a whole: what its `VirtualNetwork` tag holds (its address space, its peers',
    /// and the routes of the route tables its subnets name) and the effective routes of its
    /// subnets. A route table is read only through these (a subnet's routes, a VNet's tag,
    /// the route a subnet's routes chose), so a read of it is a read of the VNets whose
    /// subnets name it.
    Vnet,
}

/// The key of a read of `name` as `kind`.
pub fn key(kind: Read, name: &str) -> u64 {
    // A fixed hasher: both sides of a comparison key their reads alike.
    let mut h = std::hash::DefaultHasher::new();
    kind.hash(&mut h);
    name.hash(&mut h);
    h.finish()
}
