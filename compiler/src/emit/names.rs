//! Policy names, derived from the target selector so that a reader of `kubectl get netpol`
//! recognises them: `default` for the whole namespace, the workload's name for a workload,
//! and otherwise the selector spelled out (`tier-db`, `env-notin-dev`).
//!
//! Names must be DNS-1123 subdomains (API reference, ObjectMeta.name; NetworkPolicy names
//! are validated with `NameIsDNSSubdomain`): at most 253 characters of lower-case
//! alphanumerics, `-` and `.`, each dot-separated part starting and ending alphanumeric.

use crate::model::{LabelSelector, Operator};
use std::collections::BTreeSet;

/// The longest DNS-1123 subdomain (`validation.DNS1123SubdomainMaxLength`).
const MAX_LEN: usize = 253;

/// The name of the kustomization file beside the policies: no policy may take it.
pub const RESERVED: &str = "kustomization";

/// Names for the targets of one namespace, in the same order. `targets` must be sorted:
/// when two targets would get one name, the first keeps it and the others get `-2`, `-3`,
/// ... (never a name that another target has by nature).
pub fn assign(targets: &[LabelSelector], workload_label: &str) -> Vec<String> {
    let natural: Vec<String> = targets.iter().map(|t| natural(t, workload_label)).collect();
    let mut reserved: BTreeSet<String> = natural.iter().cloned().collect();
    reserved.insert(RESERVED.to_owned());
    let mut taken: BTreeSet<String> = BTreeSet::from([RESERVED.to_owned()]);
    let mut out: Vec<Option<String>> = natural
        .iter()
        .map(|n| taken.insert(n.clone()).then(|| n.clone()))
        .collect();
    for (slot, base) in out.iter_mut().zip(&natural) {
        if slot.is_some() {
            continue;
        }
        let mut k = 2usize;
        loop {
            let candidate = with_suffix(base, k);
            if !reserved.contains(&candidate) && taken.insert(candidate.clone()) {
                *slot = Some(candidate);
                break;
            }
            k += 1;
        }
    }
    out.into_iter().map(Option::unwrap_or_default).collect()
}

/// The name a target has by nature, before collisions.
pub fn natural(target: &LabelSelector, workload_label: &str) -> String {
    if target.is_everything() {
        return "default".to_owned();
    }
    let mut parts: Vec<String> = Vec::new();
    for (k, v) in &target.match_labels {
        if k == workload_label {
            parts.push(v.clone());
        } else {
            parts.push(format!("{k}-{v}"));
        }
    }
    for r in &target.match_expressions {
        parts.push(match r.operator {
            Operator::In => format!("{}-in-{}", r.key, r.values.join("-")),
            Operator::NotIn => format!("{}-notin-{}", r.key, r.values.join("-")),
            Operator::Exists => format!("{}-exists", r.key),
            Operator::DoesNotExist => format!("{}-absent", r.key),
        });
    }
    sanitise(&parts.join("-"), MAX_LEN)
}

/// `base` with `-k` appended, shortened so that the result stays a valid name.
fn with_suffix(base: &str, k: usize) -> String {
    let suffix = format!("-{k}");
    let room = MAX_LEN.saturating_sub(suffix.len());
    format!("{}{suffix}", sanitise(base, room))
}

/// Turns any text into a DNS-1123 subdomain of at most `max` characters: lower case,
/// every other character `-`, runs of `-` collapsed, each dot-separated part trimmed of
/// `-`, empty parts removed; `policy` when nothing is left.
pub fn sanitise(text: &str, max: usize) -> String {
    let lowered: String = text
        .chars()
        .map(|c| {
            let c = c.to_ascii_lowercase();
            if c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let parts: Vec<String> = lowered
        .split('.')
        .map(|part| {
            let mut collapsed = String::with_capacity(part.len());
            for c in part.chars() {
                if !(c == '-' && collapsed.ends_with('-')) {
                    collapsed.push(c);
                }
            }
            collapsed.trim_matches('-').to_owned()
        })
        .filter(|p| !p.is_empty())
        .collect();
    let joined = parts.join(".");
    // Only ASCII is left, so cutting at a byte index cannot split a character.
    let cut = joined.get(..max.min(joined.len())).unwrap_or("");
    let name = cut.trim_end_matches(['-', '.']);
    if name.is_empty() {
        "policy".to_owned()
    } else {
        name.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::validate;

    use crate::ir::selector::selector_for_tests as sel;

    #[test]
    fn names_read_like_the_selector() {
        assert_eq!(natural(&LabelSelector::default(), "app"), "default");
        assert_eq!(natural(&sel(&[("app", "web")], &[]), "app"), "web");
        assert_eq!(natural(&sel(&[("tier", "db")], &[]), "app"), "tier-db");
        assert_eq!(
            natural(&sel(&[], &[("env", Operator::NotIn, &["dev"])]), "app"),
            "env-notin-dev"
        );
        assert_eq!(
            natural(&sel(&[("app", "web"), ("tier", "db")], &[]), "app"),
            "web-tier-db"
        );
        assert_eq!(
            natural(
                &sel(
                    &[("example.com/Role", "A_b")],
                    &[("legacy", Operator::DoesNotExist, &[])]
                ),
                "app"
            ),
            "example.com-role-a-b-legacy-absent"
        );
    }

    #[test]
    fn collisions_get_numbered_suffixes_that_no_other_target_owns() {
        let targets = vec![
            sel(&[("app", "Web")], &[]),
            sel(&[("app", "web")], &[]),
            sel(&[("app", "web-2")], &[]),
            sel(&[("app", "kustomization")], &[]),
        ];
        assert_eq!(
            assign(&targets, "app"),
            vec!["web", "web-3", "web-2", "kustomization-2"]
        );
    }

    #[test]
    fn every_name_is_a_dns_subdomain() {
        for text in [
            "",
            "--",
            "a..b",
            ".x.",
            "-A-",
            "a.-b",
            "ÄÖ",
            &"x".repeat(400),
            &format!("{}.-", "y".repeat(252)),
        ] {
            let name = sanitise(text, MAX_LEN);
            assert!(
                validate::dns1123_subdomain(&name).is_empty(),
                "{text:?} -> {name:?}"
            );
            let suffixed = with_suffix(text, 12);
            assert!(
                validate::dns1123_subdomain(&suffixed).is_empty(),
                "{text:?} -> {suffixed:?}"
            );
        }
    }
}
