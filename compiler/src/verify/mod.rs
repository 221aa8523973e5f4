//! Questions asked of policies: reachability on a concrete cluster, queries,
//! explanations.
