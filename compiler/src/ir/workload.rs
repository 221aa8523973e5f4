//! Which label key names workloads, namespace by namespace: `web` in namespace `argocd`
//! means the pods of `argocd` whose label `app.kubernetes.io/name` is `web` when the
//! program or `netpolc.toml` says so for `argocd`, and `app=web` elsewhere by default.
//!
//! A workload always lives in one named namespace (a bare name in the block's, `ns/name` in
//! `ns`), so its selector is always built with that namespace's key. Each key keeps where
//! it was set, so that messages can say why a name stood for a label.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// The key of namespaces that nothing else names a key for, unless `netpolc.toml` says
/// otherwise.
pub const DEFAULT_WORKLOAD_LABEL: &str = "app";

/// Where a namespace's workload label was set.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LabelOrigin {
    /// netpolc's default, [`DEFAULT_WORKLOAD_LABEL`].
    BuiltIn,
    /// `workload-label` in the settings file of this name.
    Settings(String),
    /// `[namespace.NAME] workload-label` in a settings file.
    SettingsNamespace {
        /// The settings file.
        file: String,
        /// The NAME of its table.
        namespace: String,
    },
    /// `namespace N with workload label KEY { }` in the program.
    Block {
        /// The program file.
        file: String,
        /// The 1-based line of the block's header.
        line: usize,
    },
}

impl fmt::Display for LabelOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LabelOrigin::BuiltIn => f.write_str("netpolc's default"),
            LabelOrigin::Settings(file) => write!(f, "`workload-label` in {file}"),
            LabelOrigin::SettingsNamespace { file, namespace } => {
                write!(f, "`[namespace.{namespace}]` in {file}")
            }
            LabelOrigin::Block { file, line } => {
                write!(f, "`with workload label` at {file}:{line}")
            }
        }
    }
}

/// A label key and where it was set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkloadLabel {
    /// The label key.
    pub key: String,
    /// Where it was set.
    pub origin: LabelOrigin,
}

/// The workload label of every namespace: a default and the namespaces that have their own.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkloadLabels {
    default: WorkloadLabel,
    namespaces: BTreeMap<String, WorkloadLabel>,
}

impl Default for WorkloadLabels {
    fn default() -> WorkloadLabels {
        WorkloadLabels::uniform(DEFAULT_WORKLOAD_LABEL, LabelOrigin::BuiltIn)
    }
}

impl WorkloadLabels {
    /// One key for every namespace.
    pub fn uniform(key: &str, origin: LabelOrigin) -> WorkloadLabels {
        WorkloadLabels {
            default: WorkloadLabel {
                key: key.to_owned(),
                origin,
            },
            namespaces: BTreeMap::new(),
        }
    }

    /// The key that names workloads in `namespace`.
    pub fn key(&self, namespace: &str) -> &str {
        &self.label(namespace).key
    }

    /// The key of `namespace`, with where it was set.
    pub fn label(&self, namespace: &str) -> &WorkloadLabel {
        self.namespaces.get(namespace).unwrap_or(&self.default)
    }

    /// The key of namespaces that have none of their own.
    pub fn default_label(&self) -> &WorkloadLabel {
        &self.default
    }

    /// The namespaces with a key of their own.
    pub fn own(&self) -> &BTreeMap<String, WorkloadLabel> {
        &self.namespaces
    }

    /// Gives `namespace` a key of its own. When it has one already that differs, nothing
    /// changes and the one it has is returned: two keys for one namespace are the caller's
    /// error to report.
    pub fn set(&mut self, namespace: &str, label: WorkloadLabel) -> Result<(), &WorkloadLabel> {
        use std::collections::btree_map::Entry;
        match self.namespaces.entry(namespace.to_owned()) {
            Entry::Vacant(slot) => {
                slot.insert(label);
                Ok(())
            }
            Entry::Occupied(slot) if slot.get().key == label.key => Ok(()),
            Entry::Occupied(slot) => Err(slot.into_mut()),
        }
    }

    /// Every key in use, each once.
    pub fn keys(&self) -> BTreeSet<&str> {
        std::iter::once(&self.default)
            .chain(self.namespaces.values())
            .map(|l| l.key.as_str())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn label(key: &str) -> WorkloadLabel {
        WorkloadLabel {
            key: key.to_owned(),
            origin: LabelOrigin::BuiltIn,
        }
    }

    #[test]
    fn a_namespace_without_a_key_of_its_own_takes_the_default() {
        let mut labels = WorkloadLabels::default();
        assert_eq!(labels.key("shop"), "app");
        labels
            .set("argocd", label("app.kubernetes.io/name"))
            .unwrap();
        assert_eq!(labels.key("argocd"), "app.kubernetes.io/name");
        assert_eq!(labels.key("shop"), "app");
        assert_eq!(
            labels.keys().into_iter().collect::<Vec<_>>(),
            ["app", "app.kubernetes.io/name"]
        );
    }

    #[test]
    fn a_second_key_for_one_namespace_is_refused_and_the_first_kept() {
        let mut labels = WorkloadLabels::default();
        labels.set("argocd", label("role")).unwrap();
        assert!(
            labels.set("argocd", label("role")).is_ok(),
            "the same key again"
        );
        let first = labels.set("argocd", label("tier")).unwrap_err();
        assert_eq!(first.key, "role");
        assert_eq!(labels.key("argocd"), "role");
    }
}
