//! Boxes in words, for people reading a change of meaning: label sets in kubectl's
//! selector syntax (`app=web,tier!=db`, `!debug`), namespaces by name or label, addresses
//! as CIDRs, ports as `TCP 5432`. Every phrase says exactly the set, nothing wider: a
//! reader acting on it must not be misled.

use super::partition::{Cube, Kind};
use crate::ir::labels::{Atoms, LabelBox, Values};
use crate::ir::AddrSet;
use crate::model::Direction;
use std::collections::BTreeSet;

/// The shaped pods of a side: ``pods `app=web` in `shop` ``, ``all pods in `shop` ``.
pub(crate) fn pods(namespace: &str, labels: &LabelBox) -> String {
    format!("{} in `{namespace}`", pods_with(labels))
}

/// The other end of a box.
pub(crate) fn other(c: &Cube) -> String {
    match c.kind {
        Kind::Pod => {
            let mut s = format!(
                "{} {}",
                pods_with(&c.peer_labels),
                namespaces(&c.ns_name, &c.ns_labels)
            );
            if c.addr != AddrSet::routable() {
                s.push_str(&format!(" with IPs in `{}`", c.addr));
            }
            s
        }
        Kind::Address if c.addr == AddrSet::routable() => {
            "any address outside the cluster".to_owned()
        }
        Kind::Address => format!("addresses `{}`", c.addr),
        Kind::Host if c.addr == AddrSet::routable() => {
            "hostNetwork pods (node addresses)".to_owned()
        }
        Kind::Host => format!("hostNetwork pods at `{}`", c.addr),
    }
}

/// The ports of a box, with the name the destination gives them when that matters:
/// `TCP 5432`, ``TCP * named `http` on the destination``. An outside address names no
/// port, so towards one (egress) the name is never worth saying.
pub(crate) fn ports(c: &Cube, direction: Direction) -> String {
    let numbers = c.ports.to_string();
    let towards_address = c.kind == Kind::Address && direction == Direction::Egress;
    if c.port_name.is_all() || towards_address {
        return numbers;
    }
    format!("{numbers} {} on the destination", port_names(&c.port_name))
}

/// `pods `app=web``, or `all pods`.
fn pods_with(labels: &LabelBox) -> String {
    let selector = selector(labels);
    if selector.is_empty() {
        "all pods".to_owned()
    } else {
        format!("pods `{selector}`")
    }
}

/// Namespaces by name and by their other labels: ``in `shop` ``, `in any namespace`,
/// ``in any namespace but `kube-system` labelled `team=a` ``.
fn namespaces(names: &Values, labels: &LabelBox) -> String {
    let mut s = match names {
        Values::Only(set) if set.len() == 1 => format!("in {}", listed(set)),
        Values::Only(set) => format!("in namespaces {}", listed(set)),
        Values::AllBut(set) if set.is_empty() => "in any namespace".to_owned(),
        Values::AllBut(set) => format!("in any namespace but {}", listed(set)),
    };
    let selector = selector(labels);
    if !selector.is_empty() {
        s.push_str(&format!(" labelled `{selector}`"));
    }
    s
}

/// `` `a`, `b` ``.
fn listed(set: &BTreeSet<String>) -> String {
    let quoted: Vec<String> = set.iter().map(|v| format!("`{v}`")).collect();
    quoted.join(", ")
}

/// A label box as a selector in kubectl's syntax, terms joined by `,` (and); empty for
/// every label map. `k!=v` and `k notin (..)` match a missing key too, as kubectl's do.
pub(crate) fn selector(labels: &LabelBox) -> String {
    let terms: Vec<String> = labels.iter().map(|(k, a)| requirement(k, a)).collect();
    terms.join(",")
}

/// One key's constraint as selector terms.
fn requirement(key: &str, atoms: &Atoms) -> String {
    let list = |set: &BTreeSet<String>| set.iter().cloned().collect::<Vec<_>>().join(",");
    match (&atoms.values, atoms.absent) {
        (Values::Only(set), false) if set.len() == 1 => format!("{key}={}", list(set)),
        (Values::Only(set), false) => format!("{key} in ({})", list(set)),
        (Values::Only(set), true) if set.is_empty() => format!("!{key}"),
        // Not a single kubectl term: say it plainly.
        (Values::Only(set), true) => format!("{key} in ({}) or no {key}", list(set)),
        (Values::AllBut(set), true) if set.len() == 1 => format!("{key}!={}", list(set)),
        (Values::AllBut(set), true) => format!("{key} notin ({})", list(set)),
        (Values::AllBut(set), false) if set.is_empty() => key.to_owned(),
        (Values::AllBut(set), false) if set.len() == 1 => format!("{key},{key}!={}", list(set)),
        (Values::AllBut(set), false) => format!("{key},{key} notin ({})", list(set)),
    }
}

/// The names a destination gives a port.
fn port_names(atoms: &Atoms) -> String {
    let list = |set: &BTreeSet<String>| {
        let quoted: Vec<String> = set.iter().map(|v| format!("`{v}`")).collect();
        quoted.join(" or ")
    };
    match (&atoms.values, atoms.absent) {
        (Values::Only(set), true) if set.is_empty() => "without a name".to_owned(),
        (Values::Only(set), false) => format!("named {}", list(set)),
        (Values::Only(set), true) => format!("named {} or without a name", list(set)),
        (Values::AllBut(set), false) if set.is_empty() => "with any name".to_owned(),
        (Values::AllBut(set), false) => format!("with a name other than {}", list(set)),
        (Values::AllBut(set), true) => format!("not named {}", list(set)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{PortSet, Protocol};

    fn labels(pairs: &[(&str, Atoms)]) -> LabelBox {
        let mut b = LabelBox::all();
        for (k, a) in pairs {
            b.set(k, a.clone());
        }
        b
    }

    #[test]
    fn selectors_read_as_kubectl_writes_them() {
        let not = |v: &str| Atoms {
            values: Values::AllBut([v.to_owned()].into()),
            absent: true,
        };
        let b = labels(&[
            ("app", Atoms::one("web")),
            ("debug", Atoms::absent()),
            ("tier", not("db")),
        ]);
        assert_eq!(selector(&b), "app=web,!debug,tier!=db");
        assert_eq!(pods("shop", &b), "pods `app=web,!debug,tier!=db` in `shop`");
        assert_eq!(pods("shop", &LabelBox::all()), "all pods in `shop`");
    }

    #[test]
    fn other_ends_and_ports_say_exactly_the_set() {
        let mut c = Cube::everything(Kind::Pod);
        c.peer_labels = labels(&[("app", Atoms::one("db"))]);
        c.ns_name = Values::AllBut(["kube-system".to_owned()].into());
        c.ports = PortSet::single(Protocol::Tcp, 5432);
        assert_eq!(
            other(&c),
            "pods `app=db` in any namespace but `kube-system`"
        );
        assert_eq!(ports(&c, Direction::Egress), "TCP 5432");
        c.port_name = Atoms::one("pg");
        assert_eq!(
            ports(&c, Direction::Egress),
            "TCP 5432 named `pg` on the destination"
        );
        let outside = Cube::everything(Kind::Address);
        assert_eq!(other(&outside), "any address outside the cluster");
    }
}
