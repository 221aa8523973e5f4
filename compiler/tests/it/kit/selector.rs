//! Random label selectors over a small universe of keys and values, so that random pods
//! and namespaces land in every class a selector cuts (each value, another value, the key
//! absent). Each area keeps its own universe, as a [`Selectors`] constant.

use netpolc::model::{LabelSelector, Labels, Operator, Requirement};
use proptest::prelude::*;
use std::ops::Range;

/// What selectors are made of.
#[derive(Clone, Debug)]
pub struct Selectors {
    /// `matchLabels`: a key and the values it may require; `None` for selectors made of
    /// requirements only.
    pub match_labels: Option<(&'static str, &'static [&'static str])>,
    /// The keys requirements name.
    pub keys: &'static [&'static str],
    /// The values `In` and `NotIn` requirements list.
    pub values: &'static [&'static str],
    /// How many values an `In` or `NotIn` lists: `None` for exactly one.
    pub values_per_requirement: Option<Range<usize>>,
    /// How many requirements.
    pub requirements: Range<usize>,
}

/// The four operators, in the order every generator has drawn them.
const OPERATORS: [Operator; 4] = [
    Operator::In,
    Operator::NotIn,
    Operator::Exists,
    Operator::DoesNotExist,
];

impl Selectors {
    /// One `matchExpressions` entry: values only for `In` and `NotIn`, which need them.
    pub fn requirement(&self) -> BoxedStrategy<Requirement> {
        let values: BoxedStrategy<Vec<&'static str>> = match &self.values_per_requirement {
            None => prop::sample::select(self.values.to_vec())
                .prop_map(|v| vec![v])
                .boxed(),
            Some(n) => {
                prop::collection::vec(prop::sample::select(self.values.to_vec()), n.clone()).boxed()
            }
        };
        (
            prop::sample::select(self.keys.to_vec()),
            prop::sample::select(OPERATORS.to_vec()),
            values,
        )
            .prop_map(|(key, operator, values)| Requirement {
                key: key.into(),
                operator,
                values: match operator {
                    Operator::In | Operator::NotIn => {
                        values.into_iter().map(String::from).collect()
                    }
                    Operator::Exists | Operator::DoesNotExist => vec![],
                },
            })
            .boxed()
    }

    /// A selector: maybe one `matchLabels` entry, then the requirements.
    pub fn selector(&self) -> BoxedStrategy<LabelSelector> {
        let requirements = prop::collection::vec(self.requirement(), self.requirements.clone());
        match self.match_labels {
            None => requirements
                .prop_map(|match_expressions| LabelSelector {
                    match_labels: Labels::new(),
                    match_expressions,
                })
                .boxed(),
            Some((key, values)) => (
                prop::option::of(prop::sample::select(values.to_vec())),
                requirements,
            )
                .prop_map(move |(value, match_expressions)| LabelSelector {
                    match_labels: value
                        .map(|v| [(key.to_string(), v.to_string())].into())
                        .unwrap_or_default(),
                    match_expressions,
                })
                .boxed(),
        }
    }
}
