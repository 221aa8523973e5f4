//! The registry of diagnostic codes. Every diagnostic netpolc prints has one; the code
//! fixes its severity, and `netpolc --explain NPxxxx` prints its long text, kept in
//! `diag/explain/NPxxxx.md`.
//!
//! Numbering: NP01xx text and syntax, NP02xx names and rules, NP03xx scope and what
//! NetworkPolicy cannot express, NP04xx warnings, NP05xx files and configuration,
//! NP06xx the proof, NP07xx Kubernetes manifests (grouped by what the user must do, not
//! one per message), NP09xx internal errors. A code, once released, keeps its meaning.

use super::Severity;
use std::fmt;

macro_rules! codes {
    ($( $variant:ident = $code:literal, $severity:ident, $summary:literal; )*) => {
        /// A registered diagnostic code.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code {
            $(
                #[doc = $summary]
                $variant,
            )*
        }

        impl Code {
            /// Every code, in numeric order.
            pub const ALL: &'static [Code] = &[$(Code::$variant),*];

            /// The code as printed: `NP0203`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Code::$variant => $code,)*
                }
            }

            /// Whether diagnostics with this code stop the compile.
            pub fn severity(self) -> Severity {
                match self {
                    $(Code::$variant => Severity::$severity,)*
                }
            }

            /// One line saying what the code is about.
            pub fn summary(self) -> &'static str {
                match self {
                    $(Code::$variant => $summary,)*
                }
            }
        }
    };
}

codes! {
    // --- text and syntax
    Syntax = "NP0101", Error, "the text does not follow the grammar";
    PortOutOfRange = "NP0102", Error, "a port number outside 1-65535, or a range whose ends are reversed";
    BadAddress = "NP0103", Error, "an address or CIDR that is not valid, or an except outside its block";
    NotUtf8 = "NP0104", Error, "a source file that is not UTF-8 text";
    TooLarge = "NP0105", Error, "a source file larger than netpolc reads (64 MiB)";
    // --- names and rules
    UnknownRule = "NP0201", Error, "`use` names a rule that neither the program nor the standard library defines";
    WrongArgumentCount = "NP0202", Error, "a rule is used with more or fewer arguments than it declares";
    UnknownParameter = "NP0203", Error, "a `$name` that is not a parameter of the enclosing rule";
    Recursion = "NP0204", Error, "a rule or define that uses itself, directly or through others";
    DuplicateDefinition = "NP0205", Error, "two rules or two defines with one name in one scope";
    WrongArgumentKind = "NP0206", Error, "an argument that cannot stand where its parameter is used";
    InvalidNamespaceName = "NP0207", Error, "a namespace name that is not a DNS-1123 label";
    InvalidLabel = "NP0208", Error, "a label key or value that Kubernetes would reject";
    WorkloadLabelConflict = "NP0209", Error, "one namespace given two different workload labels";
    // --- scope and expressiveness
    NoCurrentNamespace = "NP0301", Error, "a form that means the current namespace, used outside every namespace block";
    OutOfScope = "NP0302", Error, "a namespace block isolating pods of another namespace";
    CannotIsolate = "NP0303", Error, "isolating something NetworkPolicy cannot select: addresses, or namespaces chosen by label";
    NamespaceLabelsUnknown = "NP0304", Warning, "a top-level statement whose side is chosen by namespace labels, which that namespace's own policies cannot see";
    CannotExpress = "NP0305", Error, "something NetworkPolicy cannot express: domain names, Service names, denials";
    // --- warnings
    NoEffect = "NP0401", Warning, "a statement that changes nothing";
    BlockedByOtherSide = "NP0402", Warning, "an allowance that the other side's isolation still blocks";
    NoDns = "NP0403", Warning, "egress isolation that leaves pods no way to resolve names";
    NameLooksLikeDefine = "NP0404", Warning, "a workload name that is one typo away from a defined set or namespace";
    NamedPortToAddress = "NP0405", Warning, "a named port towards addresses, which have no container ports";
    OpensOwnIngress = "NP0406", Warning, "`anywhere` or `cluster` as a destination inside a block, which also opens the ingress of the block's own isolated pods";
    // --- files and configuration
    BadConfig = "NP0501", Error, "`netpolc.toml` cannot be read or says something unknown";
    NoSources = "NP0502", Error, "no `.npl` file under the given paths";
    ForeignFile = "NP0503", Error, "the output directory holds a file netpolc did not write, where it must write or remove one";
    Io = "NP0504", Error, "a file or directory cannot be read or written";
    // --- the proof
    PoliciesDiffer = "NP0601", Error, "NetworkPolicies that allow or deny a connection differently from the program";
    ProofTooLarge = "NP0602", Error, "selectors that combine into more cases than the proof may examine";
    PoliciesInDefaultNamespace = "NP0603", Warning, "NetworkPolicies that name no namespace, read into `default`, which the program does not name";
    // --- manifests
    UnreadableManifest = "NP0701", Error, "a manifest file or document that cannot be read: not UTF-8, not YAML or JSON, or past the reader's limits";
    ManifestShape = "NP0702", Error, "a manifest field that is unknown, missing, or of the wrong type";
    InvalidManifestValue = "NP0703", Error, "a manifest value the API server refuses: a name, label, selector, port, address or CIDR";
    DuplicateObject = "NP0704", Error, "two objects of one kind with the same namespace and name";
    UnservedVersion = "NP0705", Error, "an object whose `apiVersion` is not served for its kind";
    HostBitsCidr = "NP0706", Warning, "an ipBlock CIDR with bits set beyond its prefix, read as its network";
    NotRead = "NP0707", Note, "objects or fields netpolc reads past: other kinds, rules that `policyTypes` leave out, problems where the command does not look";
    ReadAs = "NP0708", Note, "how netpolc reads the manifests: workloads formed from pods and controllers, labels the control plane sets";
    // --- internal
    Internal = "NP0901", Error, "netpolc broke one of its own invariants: a bug to report";
}

impl Code {
    /// Looks a code up by its printed form, in any letter case: `np0203`.
    pub fn parse(text: &str) -> Option<Code> {
        let upper = text.trim().to_ascii_uppercase();
        Code::ALL.iter().copied().find(|c| c.as_str() == upper)
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_sorted_and_parse_back() {
        let printed: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
        let mut sorted = printed.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(printed, sorted, "codes must be unique and listed in order");
        for code in Code::ALL {
            assert_eq!(Code::parse(&code.as_str().to_lowercase()), Some(*code));
        }
        assert_eq!(Code::parse("NP9999"), None);
    }
}
