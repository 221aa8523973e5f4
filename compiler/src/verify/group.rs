//! Past the pair limit of the map: workloads of one namespace that connect exactly alike
//! (the same ports towards and from every workload, themselves included, and the same
//! reach to and from outside addresses) are one group, and the map is drawn between groups.
//! Three thousand bare Pods and no policy are nine million pairs, but ten groups (one per
//! namespace) and a hundred entries: the summary says everything the pairs say.
//!
//! The groups are exact, never a guess: two workloads join only when their rows and
//! columns are equal entry by entry (a hash only picks which groups to compare with), so
//! every entry of the grouped map holds for every member of both groups. Equal rows and
//! columns make the entry between two groups the same whichever members are taken, the
//! members' own pairs included.

use super::engine::Engine;
use super::reach::{OutsideReach, Pairs, ReachMap};
use crate::model::{Cluster, Labels, Workload};
use std::collections::hash_map::DefaultHasher;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};

/// The map between groups of workloads that connect alike.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grouped {
    /// Each group's workloads (indices into the cluster's), in the cluster's order; groups
    /// in the order of their first workload.
    pub groups: Vec<Vec<usize>>,
    /// The map, with group indices where it names workloads.
    pub map: ReachMap,
}

/// What one workload allows and is allowed: its row, its column, and its outside reach.
#[derive(PartialEq, Eq, Hash)]
struct Signature {
    namespace: usize,
    row: Vec<Option<usize>>,
    column: Vec<Option<usize>>,
    outside: [OutsideReach; 2],
}

impl Engine<'_> {
    /// The map between groups of workloads that connect alike, listing at most
    /// `max_pairs` connections between groups.
    pub fn grouped_map(&self, max_pairs: usize) -> Grouped {
        let cluster = self.cluster();
        let mut pairs = self.pairs();
        let n = pairs.len();
        let namespaces: Vec<usize> = namespace_indices(cluster);
        let signature = |pairs: &mut Pairs, w: usize| {
            let mut outside = self.outside_of(w);
            // The workload's own index is not part of what it allows.
            for o in &mut outside {
                o.workload = 0;
            }
            Signature {
                namespace: namespaces[w],
                row: (0..n).map(|d| pairs.at(w, d)).collect(),
                column: (0..n).map(|s| pairs.at(s, w)).collect(),
                outside,
            }
        };
        let mut groups: Vec<Vec<usize>> = Vec::new();
        let mut by_hash: HashMap<u64, Vec<usize>> = HashMap::new();
        for w in 0..n {
            let mine = signature(&mut pairs, w);
            let mut hasher = DefaultHasher::new();
            mine.hash(&mut hasher);
            let candidates = by_hash.entry(hasher.finish()).or_default();
            let found = candidates
                .iter()
                .copied()
                .find(|&g| signature(&mut pairs, groups[g][0]) == mine);
            match found {
                Some(g) => groups[g].push(w),
                None => {
                    candidates.push(groups.len());
                    groups.push(vec![w]);
                }
            }
        }
        let mut connections = Vec::new();
        let mut truncated = false;
        'pairs: for (gs, source) in groups.iter().enumerate() {
            for (gd, destination) in groups.iter().enumerate() {
                let Some(ports) = pairs.at(source[0], destination[0]) else {
                    continue;
                };
                if connections.len() == max_pairs {
                    truncated = true;
                    break 'pairs;
                }
                connections.push((gs, gd, ports));
            }
        }
        let outside = groups
            .iter()
            .enumerate()
            .flat_map(|(g, members)| {
                self.outside_of(members[0]).map(|mut o| {
                    o.workload = g;
                    o
                })
            })
            .collect();
        Grouped {
            map: ReachMap {
                port_sets: pairs.port_sets,
                connections,
                truncated,
                outside,
            },
            groups,
        }
    }
}

impl Grouped {
    /// The cluster as the grouped map names it: one workload per group. A group of one is
    /// its workload; a larger group is named after its first member and how many more
    /// there are (`web-0+299`), of kind `Group`, with the labels all members share.
    pub fn cluster(&self, cluster: &Cluster) -> Cluster {
        let workloads = self
            .groups
            .iter()
            .map(|members| {
                let first = &cluster.workloads[members[0]];
                if members.len() == 1 {
                    return first.clone();
                }
                let mut labels: Labels = first.labels.clone();
                for &m in &members[1..] {
                    let other = &cluster.workloads[m].labels;
                    labels.retain(|k, v| other.get(k) == Some(v));
                }
                Workload {
                    name: format!("{}+{}", first.name, members.len() - 1),
                    kind: "Group".to_owned(),
                    labels,
                    ports: Vec::new(),
                    ips: Vec::new(),
                    single_pod: false,
                    pods: members.iter().map(|&m| cluster.workloads[m].id()).collect(),
                    ..first.clone()
                }
            })
            .collect();
        Cluster {
            workloads,
            ..cluster.clone()
        }
    }
}

/// Each workload's namespace as a number: groups never span namespaces, so that pictures
/// keep their namespace boxes.
fn namespace_indices(cluster: &Cluster) -> Vec<usize> {
    let mut seen: HashMap<&str, usize> = HashMap::new();
    cluster
        .workloads
        .iter()
        .map(|w| {
            let next = seen.len();
            *seen.entry(w.namespace.as_str()).or_insert(next)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{load, Source};
    use crate::verify::Options;

    /// Three `web` and three `db` bare Pods; `db` accepts only `web` on TCP 5432.
    fn cluster() -> Cluster {
        let mut docs: Vec<String> = (0..6)
            .map(|i| {
                let app = if i < 3 { "web" } else { "db" };
                format!(
                    "apiVersion: v1\nkind: Pod\nmetadata: {{name: {app}-{i}, namespace: a, labels: {{app: {app}}}}}\nstatus: {{podIP: 10.0.0.{}}}\n",
                    i + 1
                )
            })
            .collect();
        docs.push(
            "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: db, namespace: a}\n\
             spec:\n  podSelector: {matchLabels: {app: db}}\n  ingress:\n  - from: [{podSelector: {matchLabels: {app: web}}}]\n    ports: [{port: 5432}]\n"
                .to_owned(),
        );
        load(&[Source {
            name: "c.yaml".into(),
            bytes: docs.join("---\n").into_bytes(),
        }])
        .expect("loads")
    }

    /// Issue 15, item 13: groups join exactly the workloads that connect alike, and every
    /// entry of the grouped map is the entry of every pair of members.
    #[test]
    fn groups_are_exact_and_the_grouped_map_says_what_every_pair_says() {
        let cluster = cluster();
        let engine = Engine::new(&cluster, Options::default());
        let grouped = engine.grouped_map(MAX);
        let names: Vec<Vec<&str>> = grouped
            .groups
            .iter()
            .map(|g| {
                g.iter()
                    .map(|&w| cluster.workloads[w].name.as_str())
                    .collect()
            })
            .collect();
        // A db Pod reaches itself but no other db Pod: no two of them connect alike.
        assert_eq!(
            names,
            [
                vec!["db-3"],
                vec!["db-4"],
                vec!["db-5"],
                vec!["web-0", "web-1", "web-2"]
            ]
        );
        let full = engine.reach_map();
        let ports_of = |map: &ReachMap, s: usize, d: usize| {
            map.connections
                .iter()
                .find(|c| c.0 == s && c.1 == d)
                .map(|c| map.ports(c.2).clone())
        };
        let group_of = |w: usize| grouped.groups.iter().position(|g| g.contains(&w));
        for s in 0..cluster.workloads.len() {
            for d in 0..cluster.workloads.len() {
                let (gs, gd) = (group_of(s).expect("grouped"), group_of(d).expect("grouped"));
                assert_eq!(
                    ports_of(&grouped.map, gs, gd),
                    ports_of(&full, s, d),
                    "{s} → {d}"
                );
            }
        }
        let view = grouped.cluster(&cluster);
        assert_eq!(view.workloads[3].name, "web-0+2");
        assert_eq!(view.workloads[3].kind, "Group");
        assert_eq!(view.workloads[0].name, "db-3");
    }

    const MAX: usize = 1_000;
}
