//! IP addresses, CIDRs and sets of addresses.
//!
//! IPv4 and IPv6 are separate spaces (a v4 ipBlock never matches a v6 address),
//! each kept as an [`IntervalSet`] over the address's integer value.

use super::interval::IntervalSet;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

/// An address family.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Family {
    /// IPv4.
    V4,
    /// IPv6.
    V6,
}

impl Family {
    /// The family of an address.
    pub fn of(ip: &IpAddr) -> Family {
        match ip {
            IpAddr::V4(_) => Family::V4,
            IpAddr::V6(_) => Family::V6,
        }
    }

    /// The number of bits in an address of this family.
    pub fn bits(self) -> u8 {
        match self {
            Family::V4 => 32,
            Family::V6 => 128,
        }
    }

    fn max(self) -> u128 {
        match self {
            Family::V4 => u128::from(u32::MAX),
            Family::V6 => u128::MAX,
        }
    }
}

/// `IPv4` or `IPv6`, as messages name a family.
impl fmt::Display for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Family::V4 => "IPv4",
            Family::V6 => "IPv6",
        })
    }
}

/// An address as its family and integer value.
pub fn addr_value(ip: &IpAddr) -> (Family, u128) {
    match ip {
        IpAddr::V4(a) => (Family::V4, u128::from(u32::from(*a))),
        IpAddr::V6(a) => (Family::V6, u128::from(*a)),
    }
}

fn value_to_ip(family: Family, v: u128) -> IpAddr {
    match family {
        Family::V4 => IpAddr::V4(Ipv4Addr::from(u32::try_from(v).unwrap_or(u32::MAX))),
        Family::V6 => IpAddr::V6(Ipv6Addr::from(v)),
    }
}

/// A CIDR block such as `10.0.0.0/8` or `2001:db8::/32`.
///
/// `addr` keeps the address as written; `network()` is the block it denotes
/// (host bits cleared), which is how the API server and network plugins read it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Cidr {
    /// The address as written.
    pub addr: IpAddr,
    /// The prefix length.
    pub prefix: u8,
}

/// Why a string is not a CIDR.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CidrError {
    /// No `/` separating address and prefix.
    MissingPrefix,
    /// The address part does not parse.
    BadAddress,
    /// The prefix is not a number within the family's width.
    BadPrefix,
}

impl fmt::Display for CidrError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CidrError::MissingPrefix => "a CIDR needs a prefix length, as in `10.0.0.0/8`",
            CidrError::BadAddress => "the address part is not a valid IPv4 or IPv6 address",
            CidrError::BadPrefix => "the prefix length is not a number within the address's width",
        })
    }
}

impl FromStr for Cidr {
    type Err = CidrError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (addr, prefix) = s.split_once('/').ok_or(CidrError::MissingPrefix)?;
        let addr: IpAddr = addr.parse().map_err(|_| CidrError::BadAddress)?;
        // Only plain decimal digits: Go's strconv.Atoi used by net.ParseCIDR takes no sign here.
        if prefix.is_empty() || prefix.len() > 3 || !prefix.bytes().all(|b| b.is_ascii_digit()) {
            return Err(CidrError::BadPrefix);
        }
        let prefix: u8 = prefix.parse().map_err(|_| CidrError::BadPrefix)?;
        if prefix > Family::of(&addr).bits() {
            return Err(CidrError::BadPrefix);
        }
        Ok(Cidr { addr, prefix })
    }
}

impl Cidr {
    /// A single host: `/32` or `/128`.
    pub fn host(addr: IpAddr) -> Cidr {
        Cidr {
            addr,
            prefix: Family::of(&addr).bits(),
        }
    }

    /// The address family.
    pub fn family(&self) -> Family {
        Family::of(&self.addr)
    }

    /// The first and last address of the block, as integers.
    pub fn bounds(&self) -> (u128, u128) {
        let (family, v) = addr_value(&self.addr);
        let host_bits = u32::from(family.bits() - self.prefix);
        let mask = if host_bits >= 128 {
            u128::MAX
        } else {
            (1u128 << host_bits) - 1
        };
        let lo = v & !mask & family.max();
        (lo, lo | (mask & family.max()))
    }

    /// True when the address was written with host bits set (`10.0.0.1/8`).
    pub fn has_host_bits(&self) -> bool {
        addr_value(&self.addr).1 != self.bounds().0
    }

    /// The block in canonical form (host bits cleared).
    pub fn network(&self) -> Cidr {
        Cidr {
            addr: value_to_ip(self.family(), self.bounds().0),
            prefix: self.prefix,
        }
    }

    /// True when `other` lies entirely inside this block.
    pub fn contains_cidr(&self, other: &Cidr) -> bool {
        let (a0, a1) = self.bounds();
        let (b0, b1) = other.bounds();
        self.family() == other.family() && a0 <= b0 && b1 <= a1
    }

    /// True when the address as written is IPv4-mapped IPv6 (`::ffff:1.2.3.4`, in
    /// `::ffff:0:0/96`). The API server's strict CIDR validation, which `ValidateIPBlock`
    /// applies to `cidr` and to every `except` (apimachinery `IsValidCIDRForLegacyField`:
    /// `prefix.Addr().Is4In6()` is "must not have an IPv4-mapped IPv6 address"), refuses
    /// such a block: software that parses it loosely reads it as IPv4, netpolc and the
    /// others as IPv6. So programs may not write one, and emission never writes one.
    pub fn is_v4_mapped(&self) -> bool {
        matches!(self.addr, IpAddr::V6(a) if a.to_ipv4_mapped().is_some())
    }

    /// The IPv4 block a mapped block stands for (`::ffff:10.0.0.0/104` is `10.0.0.0/8`),
    /// for messages; `None` when the block is not mapped or reaches outside `::ffff:0:0/96`.
    pub fn to_ipv4(&self) -> Option<Cidr> {
        let IpAddr::V6(a) = self.addr else {
            return None;
        };
        let v4 = a.to_ipv4_mapped()?;
        let prefix = self.prefix.checked_sub(96)?;
        Some(Cidr {
            addr: IpAddr::V4(v4),
            prefix,
        })
    }
}

/// `::ffff:0:0/96`, every IPv4-mapped IPv6 address, as the range of their values.
const MAPPED: (u128, u128) = (0xffff_0000_0000, 0xffff_ffff_ffff);

/// True when a block in canonical form is IPv4-mapped: its first address lies in
/// `::ffff:0:0/96`. A block of prefix 95 or shorter never is (its first address has bit 32
/// clear), so such a block is either all of `::ffff:0:0/96` or inside it.
fn is_mapped_block(c: &Cidr) -> bool {
    c.family() == Family::V6 && (MAPPED.0..=MAPPED.1).contains(&c.bounds().0)
}

/// `::fffe:0:0/95`: the block just around `::ffff:0:0/96`, and `::fffe:0:0/96`, its other
/// half. `::ffff:0:0/96` is written as the first without the second.
fn around_mapped() -> (Cidr, Cidr) {
    let addr = value_to_ip(Family::V6, MAPPED.0 - (1u128 << 32));
    (Cidr { addr, prefix: 95 }, Cidr { addr, prefix: 96 })
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

/// A set of addresses of both families.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct AddrSet {
    v4: IntervalSet,
    v6: IntervalSet,
}

impl AddrSet {
    /// No address.
    pub fn none() -> Self {
        Self::default()
    }

    /// Every IPv4 and IPv6 address.
    pub fn all() -> Self {
        Self {
            v4: IntervalSet::range(0, Family::V4.max()),
            v6: IntervalSet::range(0, Family::V6.max()),
        }
    }

    /// The addresses of one CIDR block.
    pub fn cidr(c: &Cidr) -> Self {
        let (lo, hi) = c.bounds();
        let mut s = Self::none();
        *s.family_mut(c.family()) = IntervalSet::range(lo, hi);
        s
    }

    /// The union of CIDR blocks, sorted and merged at once: subtracting an ipBlock's
    /// excepts one by one is quadratic (30,000 excepts took seconds), subtracting their
    /// union is one linear pass.
    pub fn cidrs<'a>(blocks: impl IntoIterator<Item = &'a Cidr>) -> Self {
        let (mut v4, mut v6) = (Vec::new(), Vec::new());
        for c in blocks {
            match c.family() {
                Family::V4 => v4.push(c.bounds()),
                Family::V6 => v6.push(c.bounds()),
            }
        }
        Self {
            v4: IntervalSet::from_ranges(v4),
            v6: IntervalSet::from_ranges(v6),
        }
    }

    /// Every address except the IPv4-mapped IPv6 ones (`::ffff:0:0/96`): the addresses a
    /// packet can carry. Mapped addresses stand for IPv4 addresses inside programs' socket
    /// APIs and are not to appear on the wire (RFC 4291, section 2.5.5.2; RFC 5156, section
    /// 2.2), and the API server refuses them as pod IPs and in ipBlocks (see
    /// [`Cidr::is_v4_mapped`]), so what two policy sets say of them alone is never seen.
    pub fn routable() -> Self {
        let mut all = Self::all();
        all.v6 = all.v6.difference(&IntervalSet::range(MAPPED.0, MAPPED.1));
        all
    }

    /// One address.
    pub fn host(ip: &IpAddr) -> Self {
        Self::cidr(&Cidr::host(*ip))
    }

    fn family_mut(&mut self, f: Family) -> &mut IntervalSet {
        match f {
            Family::V4 => &mut self.v4,
            Family::V6 => &mut self.v6,
        }
    }

    /// The addresses of one family.
    pub fn of(&self, f: Family) -> &IntervalSet {
        match f {
            Family::V4 => &self.v4,
            Family::V6 => &self.v6,
        }
    }

    /// True when no address is in the set.
    pub fn is_empty(&self) -> bool {
        self.v4.is_empty() && self.v6.is_empty()
    }

    /// True when `ip` is in the set.
    pub fn contains(&self, ip: &IpAddr) -> bool {
        let (f, v) = addr_value(ip);
        self.of(f).contains(v)
    }

    /// Set union.
    pub fn union(&self, o: &Self) -> Self {
        Self {
            v4: self.v4.union(&o.v4),
            v6: self.v6.union(&o.v6),
        }
    }

    /// Set intersection.
    pub fn intersect(&self, o: &Self) -> Self {
        Self {
            v4: self.v4.intersect(&o.v4),
            v6: self.v6.intersect(&o.v6),
        }
    }

    /// Set difference.
    pub fn difference(&self, o: &Self) -> Self {
        Self {
            v4: self.v4.difference(&o.v4),
            v6: self.v6.difference(&o.v6),
        }
    }

    /// Some address in the set, IPv4 first: a witness for explanations.
    pub fn sample(&self) -> Option<IpAddr> {
        if let Some(v) = self.v4.first() {
            return Some(value_to_ip(Family::V4, v));
        }
        self.v6.first().map(|v| value_to_ip(Family::V6, v))
    }

    /// The set as the fewest CIDR blocks that cover exactly it, IPv4 first.
    pub fn to_cidrs(&self) -> Vec<Cidr> {
        let mut out = Vec::new();
        for family in [Family::V4, Family::V6] {
            for &(lo, hi) in self.of(family).ranges() {
                range_to_cidrs(family, lo, hi, &mut out);
            }
        }
        out
    }
}

/// Splits an inclusive range into the largest aligned power-of-two blocks.
fn range_to_cidrs(family: Family, lo: u128, hi: u128, out: &mut Vec<Cidr>) {
    let bits = u32::from(family.bits());
    let mut cur = lo;
    loop {
        // Largest block aligned at `cur`: limited by cur's trailing zeros and by what fits.
        let mut size_bits = if cur == 0 {
            bits
        } else {
            cur.trailing_zeros().min(bits)
        };
        loop {
            let last = if size_bits >= 128 {
                u128::MAX
            } else {
                cur + ((1u128 << size_bits) - 1)
            };
            if last <= hi {
                break;
            }
            size_bits -= 1;
        }
        let prefix = u8::try_from(bits - size_bits).unwrap_or(0);
        out.push(Cidr {
            addr: value_to_ip(family, cur),
            prefix,
        });
        let span_last = if size_bits >= 128 {
            u128::MAX
        } else {
            cur + ((1u128 << size_bits) - 1)
        };
        if span_last >= hi {
            break;
        }
        cur = span_last + 1;
    }
}

/// A CIDR block with holes, the way NetworkPolicy's ipBlock writes sets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Block {
    /// The enclosing block.
    pub cidr: Cidr,
    /// The holes, as CIDRs inside `cidr`.
    pub except: Vec<Cidr>,
}

impl fmt::Display for Block {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.cidr)?;
        if !self.except.is_empty() {
            let holes: Vec<String> = self.except.iter().map(ToString::to_string).collect();
            write!(f, " except {}", holes.join(", "))?;
        }
        Ok(())
    }
}

impl AddrSet {
    /// The set in the shortest of two exact forms, per family: plain CIDRs, or
    /// the smallest enclosing CIDR with holes. "0.0.0.0/0 except 10.0.0.0/8"
    /// reads better than the 8 blocks it stands for.
    ///
    /// No block or hole is IPv4-mapped ([`Cidr::is_v4_mapped`]) when the set holds all of
    /// `::ffff:0:0/96` or none of it, as every set written with valid blocks does: the
    /// mapped block is written `::fffe:0:0/95 except ::fffe:0:0/96`, and as a hole it is
    /// widened to `::fffe:0:0/95` with `::fffe:0:0/96` given back as a block of its own.
    pub fn to_blocks(&self) -> Vec<Block> {
        let mut out = Vec::new();
        for family in [Family::V4, Family::V6] {
            let set = self.of(family);
            let (Some(lo), Some(hi)) = (set.first(), set.ranges().last().map(|r| r.1)) else {
                continue;
            };
            let mut plain = Vec::new();
            for &(a, b) in set.ranges() {
                range_to_cidrs(family, a, b, &mut plain);
            }
            let plain: Vec<Block> = plain.into_iter().map(plain_block).collect();
            // Fewer CIDRs written wins; a tie goes to the plain form.
            let size = |blocks: &[Block]| blocks.iter().map(Block::len).sum::<usize>();
            match with_holes(family, set, lo, hi) {
                Some(blocks) if size(&blocks) < size(&plain) => out.extend(blocks),
                _ => out.extend(plain),
            }
        }
        out
    }
}

impl Block {
    /// How many CIDRs the block writes.
    fn len(&self) -> usize {
        1 + self.except.len()
    }
}

/// One CIDR of a plain listing; the mapped block by the way round it.
fn plain_block(cidr: Cidr) -> Block {
    if cidr.family() == Family::V6 && cidr.bounds() == MAPPED {
        let (outer, other_half) = around_mapped();
        return Block {
            cidr: outer,
            except: vec![other_half],
        };
    }
    Block {
        cidr,
        except: Vec::new(),
    }
}

/// The set as its smallest enclosing block with holes, or `None` when that form would
/// need an IPv4-mapped block. A hole of all of `::ffff:0:0/96` is widened to
/// `::fffe:0:0/95`, and what the set holds of `::fffe:0:0/96` is given back as blocks of
/// their own.
fn with_holes(family: Family, set: &IntervalSet, lo: u128, hi: u128) -> Option<Vec<Block>> {
    let enclosing = enclosing_cidr(family, lo, hi);
    let (c0, c1) = enclosing.bounds();
    let mut holes = IntervalSet::range(c0, c1).difference(set);
    let mut given_back = IntervalSet::empty();
    let mapped = IntervalSet::range(MAPPED.0, MAPPED.1);
    if family == Family::V6 && mapped.is_subset(&holes) {
        let (outer, _) = around_mapped();
        let (o0, o1) = outer.bounds();
        let outer = IntervalSet::range(o0, o1);
        given_back = outer.intersect(set);
        holes = holes.union(&outer);
    }
    let mut except = Vec::new();
    for &(a, b) in holes.ranges() {
        range_to_cidrs(family, a, b, &mut except);
    }
    let valid = !is_mapped_block(&enclosing)
        && except
            .iter()
            .all(|e| !is_mapped_block(e) && e.prefix > enclosing.prefix);
    if !valid {
        return None;
    }
    let mut extra = Vec::new();
    for &(a, b) in given_back.ranges() {
        range_to_cidrs(family, a, b, &mut extra);
    }
    let mut blocks = vec![Block {
        cidr: enclosing,
        except,
    }];
    blocks.extend(extra.into_iter().map(plain_block));
    Some(blocks)
}

/// The smallest CIDR block holding both `lo` and `hi`.
fn enclosing_cidr(family: Family, lo: u128, hi: u128) -> Cidr {
    let bits = u32::from(family.bits());
    // The common prefix of lo and hi within the family's width.
    let differing = lo ^ hi;
    let host_bits = if differing == 0 {
        0
    } else {
        128 - differing.leading_zeros()
    };
    let prefix = u8::try_from(bits.saturating_sub(host_bits)).unwrap_or(0);
    Cidr {
        addr: value_to_ip(family, lo),
        prefix,
    }
    .network()
}

impl fmt::Display for AddrSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return f.write_str("no address");
        }
        let blocks: Vec<String> = self.to_blocks().iter().map(ToString::to_string).collect();
        f.write_str(&blocks.join("; "))
    }
}

impl fmt::Debug for AddrSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(s: &str) -> Cidr {
        s.parse().unwrap()
    }

    #[test]
    fn except_leaves_the_expected_blocks() {
        let s = AddrSet::cidr(&c("10.0.0.0/8")).difference(&AddrSet::cidr(&c("10.1.0.0/16")));
        let got: Vec<String> = s.to_cidrs().iter().map(ToString::to_string).collect();
        assert_eq!(got.first().map(String::as_str), Some("10.0.0.0/16"));
        assert!(got.contains(&"10.128.0.0/9".to_string()));
        assert!(!s.contains(&"10.1.2.3".parse().unwrap()));
        assert!(s.contains(&"10.2.2.3".parse().unwrap()));
    }

    #[test]
    fn sets_print_as_the_shorter_exact_form() {
        let public = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"]
            .iter()
            .fold(AddrSet::cidr(&c("0.0.0.0/0")), |acc, e| {
                acc.difference(&AddrSet::cidr(&c(e)))
            });
        assert_eq!(
            public.to_string(),
            "0.0.0.0/0 except 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16"
        );
        let two = AddrSet::cidr(&c("10.0.0.0/8")).union(&AddrSet::cidr(&c("192.168.0.0/16")));
        assert_eq!(two.to_string(), "10.0.0.0/8; 192.168.0.0/16");
        let with_v6 = AddrSet::cidr(&c("8.8.8.8/32")).union(&AddrSet::cidr(&c("2001:db8::/32")));
        assert_eq!(with_v6.to_string(), "8.8.8.8/32; 2001:db8::/32");
        let hole = AddrSet::cidr(&c("10.0.0.0/8")).difference(&AddrSet::cidr(&c("10.1.0.0/16")));
        assert_eq!(hole.to_string(), "10.0.0.0/8 except 10.1.0.0/16");
    }

    #[test]
    fn blocks_are_exact() {
        let s = AddrSet::cidr(&c("0.0.0.0/0")).difference(&AddrSet::cidr(&c("10.0.0.0/8")));
        let back = s.to_blocks().iter().fold(AddrSet::none(), |acc, b| {
            let holes = b
                .except
                .iter()
                .fold(AddrSet::none(), |h, e| h.union(&AddrSet::cidr(e)));
            acc.union(&AddrSet::cidr(&b.cidr).difference(&holes))
        });
        assert_eq!(back, s);
    }

    #[test]
    fn whole_spaces_print_as_zero_prefixes() {
        let got: Vec<String> = AddrSet::all()
            .to_cidrs()
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(got, vec!["0.0.0.0/0", "::/0"]);
    }

    #[test]
    fn host_bits_are_detected_and_cleared() {
        let x = c("10.0.0.1/8");
        assert!(x.has_host_bits());
        assert_eq!(x.network().to_string(), "10.0.0.0/8");
        assert!(!c("10.0.0.0/8").has_host_bits());
    }

    #[test]
    fn families_never_mix() {
        let v4 = AddrSet::cidr(&c("0.0.0.0/0"));
        assert!(!v4.contains(&"::1".parse().unwrap()));
        assert!(!c("0.0.0.0/0").contains_cidr(&c("::/0")));
    }

    /// The set a list of blocks stands for.
    fn meaning(blocks: &[Block]) -> AddrSet {
        blocks.iter().fold(AddrSet::none(), |acc, b| {
            let holes = b
                .except
                .iter()
                .fold(AddrSet::none(), |h, e| h.union(&AddrSet::cidr(e)));
            acc.union(&AddrSet::cidr(&b.cidr).difference(&holes))
        })
    }

    /// What the API server asks of every block written: nothing mapped, holes strictly
    /// inside their block; and the blocks mean exactly the set.
    fn assert_writable(set: &AddrSet) {
        let blocks = set.to_blocks();
        for b in &blocks {
            assert!(!b.cidr.is_v4_mapped(), "{b} in {set}");
            for e in &b.except {
                assert!(!e.is_v4_mapped(), "{b} in {set}");
                assert!(b.cidr.contains_cidr(e) && e.prefix > b.cidr.prefix, "{b}");
            }
        }
        assert_eq!(meaning(&blocks), *set);
    }

    #[test]
    fn mapped_literals_are_recognised_with_their_ipv4_form() {
        assert!(c("::ffff:1.2.3.4/128").is_v4_mapped());
        assert_eq!(c("::ffff:10.0.0.0/104").to_ipv4(), Some(c("10.0.0.0/8")));
        assert!(c("::ffff:0:0/96").is_v4_mapped());
        assert!(!c("::fffe:0:0/95").is_v4_mapped());
        assert!(!c("::/0").is_v4_mapped());
        assert!(!c("1.2.3.4/32").is_v4_mapped());
        assert_eq!(c("1.2.3.4/32").to_ipv4(), None);
    }

    /// `::fffe:0:0/95 except ::fffe:0:0/96` is all of `::ffff:0:0/96`, which the emitter
    /// wrote as that mapped block, and the self-check refused (exit 3).
    #[test]
    fn the_mapped_block_is_written_the_way_round_it() {
        let set =
            AddrSet::cidr(&c("::fffe:0:0/95")).difference(&AddrSet::cidr(&c("::fffe:0:0/96")));
        assert_eq!(set.to_string(), "::fffe:0:0/95 except ::fffe:0:0/96");
        assert_writable(&set);
        let without = AddrSet::cidr(&c("::/1"))
            .difference(&AddrSet::cidr(&c("::fffe:0:0/95")))
            .union(&AddrSet::cidr(&c("::fffe:0:0/96")));
        assert_eq!(
            without.to_string(),
            "::/1 except ::fffe:0:0/95; ::fffe:0:0/96"
        );
        assert_writable(&without);
        assert_writable(&AddrSet::all());
    }

    proptest::proptest! {
        /// Sets made of valid blocks near `::ffff:0:0/96`, where splitting goes wrong if
        /// anywhere, are always written without a mapped block.
        #[test]
        fn sets_of_valid_blocks_are_written_without_mapped_ones(
            ops in proptest::collection::vec((0u128..8, 90u8..=128, proptest::bool::ANY), 1..6)
        ) {
            let mut set = AddrSet::none();
            for (shift, prefix, add) in ops {
                let base = MAPPED.0 - (4u128 << 32) + (shift << 32) + shift;
                let block = Cidr { addr: value_to_ip(Family::V6, base), prefix }.network();
                if block.is_v4_mapped() {
                    continue;
                }
                let part = AddrSet::cidr(&block);
                set = if add { set.union(&part) } else { set.difference(&part) };
            }
            assert_writable(&set);
        }
    }

    #[test]
    fn bad_cidrs_are_refused() {
        assert_eq!("10.0.0.0".parse::<Cidr>(), Err(CidrError::MissingPrefix));
        assert_eq!("10.0.0.0/33".parse::<Cidr>(), Err(CidrError::BadPrefix));
        assert_eq!("10.0.0.0/+8".parse::<Cidr>(), Err(CidrError::BadPrefix));
        assert_eq!("10.0.0/8".parse::<Cidr>(), Err(CidrError::BadAddress));
    }
}
