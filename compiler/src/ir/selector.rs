//! Label selectors and their matching rules.
//!
//! Source: Kubernetes API reference, `LabelSelector` (meta/v1): "matchLabels is a
//! map of {key,value} pairs ... The requirements are ANDed." and
//! `LabelSelectorRequirement`: "operator represents a key's relationship to a set
//! of values. Valid operators are In, NotIn, Exists and DoesNotExist."
//! "An empty label selector matches all objects" (NetworkPolicySpec.podSelector).

use std::collections::BTreeMap;

/// Labels of a pod or namespace, sorted so that they print deterministically.
pub type Labels = BTreeMap<String, String>;

/// A `LabelSelectorRequirement` operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Operator {
    /// The label's value is one of the values.
    In,
    /// The label is absent, or its value is none of the values.
    NotIn,
    /// The label is present.
    Exists,
    /// The label is absent.
    DoesNotExist,
}

impl Operator {
    /// The Kubernetes spelling.
    pub fn as_k8s(self) -> &'static str {
        match self {
            Operator::In => "In",
            Operator::NotIn => "NotIn",
            Operator::Exists => "Exists",
            Operator::DoesNotExist => "DoesNotExist",
        }
    }
}

/// One `matchExpressions` entry.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Requirement {
    /// The label key.
    pub key: String,
    /// The operator.
    pub operator: Operator,
    /// The values (empty for Exists and DoesNotExist).
    pub values: Vec<String>,
}

impl Requirement {
    /// Whether labels satisfy this requirement.
    pub fn matches(&self, labels: &Labels) -> bool {
        let value = labels.get(&self.key);
        match self.operator {
            Operator::In => value.is_some_and(|v| self.values.contains(v)),
            // NotIn matches objects without the key (apimachinery labels.Requirement.Matches:
            // "NotIn ... if the key is not present ... returns true").
            Operator::NotIn => value.is_none_or(|v| !self.values.contains(v)),
            Operator::Exists => value.is_some(),
            Operator::DoesNotExist => value.is_none(),
        }
    }
}

/// A `LabelSelector`: matchLabels and matchExpressions, all ANDed.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LabelSelector {
    /// `matchLabels`.
    pub match_labels: Labels,
    /// `matchExpressions`.
    pub match_expressions: Vec<Requirement>,
}

impl LabelSelector {
    /// The empty selector, which matches everything.
    pub fn everything() -> Self {
        Self::default()
    }

    /// True for the empty selector `{}`.
    pub fn is_everything(&self) -> bool {
        self.match_labels.is_empty() && self.match_expressions.is_empty()
    }

    /// Whether labels satisfy every part of the selector.
    pub fn matches(&self, labels: &Labels) -> bool {
        self.match_labels
            .iter()
            .all(|(k, v)| labels.get(k) == Some(v))
            && self.match_expressions.iter().all(|r| r.matches(labels))
    }

    /// A short human form, as `kubectl` prints selectors: `app=db,tier notin (x)`;
    /// `{}` for the empty selector.
    pub fn describe(&self) -> String {
        if self.is_everything() {
            return "{}".to_string();
        }
        let mut parts: Vec<String> = self
            .match_labels
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        for r in &self.match_expressions {
            parts.push(match r.operator {
                Operator::In => format!("{} in ({})", r.key, r.values.join(",")),
                Operator::NotIn => format!("{} notin ({})", r.key, r.values.join(",")),
                Operator::Exists => r.key.clone(),
                Operator::DoesNotExist => format!("!{}", r.key),
            });
        }
        parts.join(",")
    }
}

/// A selector from `matchLabels` pairs and `(key, operator, values)` expressions, for tests.
#[cfg(test)]
pub(crate) fn selector_for_tests(
    labels: &[(&str, &str)],
    exprs: &[(&str, Operator, &[&str])],
) -> LabelSelector {
    LabelSelector {
        match_labels: labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        match_expressions: exprs
            .iter()
            .map(|(k, op, vs)| Requirement {
                key: k.to_string(),
                operator: *op,
                values: vs.iter().map(|v| v.to_string()).collect(),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> Labels {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn req(key: &str, operator: Operator, values: &[&str]) -> Requirement {
        Requirement {
            key: key.into(),
            operator,
            values: values.iter().map(|v| v.to_string()).collect(),
        }
    }

    #[test]
    fn api_reference_empty_selector_matches_all_objects() {
        assert!(LabelSelector::everything().matches(&labels(&[])));
        assert!(LabelSelector::everything().matches(&labels(&[("a", "b")])));
    }

    #[test]
    fn api_reference_notin_and_doesnotexist_match_objects_without_the_key() {
        let none = labels(&[]);
        assert!(req("env", Operator::NotIn, &["prod"]).matches(&none));
        assert!(req("env", Operator::DoesNotExist, &[]).matches(&none));
        assert!(!req("env", Operator::In, &["prod"]).matches(&none));
        assert!(!req("env", Operator::Exists, &[]).matches(&none));
        let prod = labels(&[("env", "prod")]);
        assert!(!req("env", Operator::NotIn, &["prod"]).matches(&prod));
        assert!(req("env", Operator::NotIn, &["dev"]).matches(&prod));
    }

    #[test]
    fn api_reference_match_labels_and_expressions_are_anded() {
        let sel = LabelSelector {
            match_labels: labels(&[("app", "db")]),
            match_expressions: vec![req("tier", Operator::In, &["a", "b"])],
        };
        assert!(sel.matches(&labels(&[("app", "db"), ("tier", "a")])));
        assert!(!sel.matches(&labels(&[("app", "db")])));
        assert!(!sel.matches(&labels(&[("tier", "a")])));
    }
}
