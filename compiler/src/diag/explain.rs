//! The registry's long texts, printed by `netpolc --explain NPxxxx`: one markdown file per
//! code in `explain/`, each with a heading `# NPxxxx: summary`, what the code means, an
//! example that earns it, and the fix.
//!
//! The texts are compiled into the binary through one exhaustive `match` (no wildcard):
//! a code added to the registry without a text does not compile.

use super::Code;

/// The long text of `code`, in markdown.
pub fn explanation(code: Code) -> &'static str {
    match code {
        Code::Syntax => include_str!("explain/NP0101.md"),
        Code::PortOutOfRange => include_str!("explain/NP0102.md"),
        Code::BadAddress => include_str!("explain/NP0103.md"),
        Code::NotUtf8 => include_str!("explain/NP0104.md"),
        Code::TooLarge => include_str!("explain/NP0105.md"),
        Code::UnknownRule => include_str!("explain/NP0201.md"),
        Code::WrongArgumentCount => include_str!("explain/NP0202.md"),
        Code::UnknownParameter => include_str!("explain/NP0203.md"),
        Code::Recursion => include_str!("explain/NP0204.md"),
        Code::DuplicateDefinition => include_str!("explain/NP0205.md"),
        Code::WrongArgumentKind => include_str!("explain/NP0206.md"),
        Code::InvalidNamespaceName => include_str!("explain/NP0207.md"),
        Code::InvalidLabel => include_str!("explain/NP0208.md"),
        Code::WorkloadLabelConflict => include_str!("explain/NP0209.md"),
        Code::NoCurrentNamespace => include_str!("explain/NP0301.md"),
        Code::OutOfScope => include_str!("explain/NP0302.md"),
        Code::CannotIsolate => include_str!("explain/NP0303.md"),
        Code::NamespaceLabelsUnknown => include_str!("explain/NP0304.md"),
        Code::CannotExpress => include_str!("explain/NP0305.md"),
        Code::NoEffect => include_str!("explain/NP0401.md"),
        Code::BlockedByOtherSide => include_str!("explain/NP0402.md"),
        Code::NoDns => include_str!("explain/NP0403.md"),
        Code::NameLooksLikeDefine => include_str!("explain/NP0404.md"),
        Code::NamedPortToAddress => include_str!("explain/NP0405.md"),
        Code::OpensOwnIngress => include_str!("explain/NP0406.md"),
        Code::BadConfig => include_str!("explain/NP0501.md"),
        Code::NoSources => include_str!("explain/NP0502.md"),
        Code::ForeignFile => include_str!("explain/NP0503.md"),
        Code::Io => include_str!("explain/NP0504.md"),
        Code::PoliciesDiffer => include_str!("explain/NP0601.md"),
        Code::ProofTooLarge => include_str!("explain/NP0602.md"),
        Code::PoliciesInDefaultNamespace => include_str!("explain/NP0603.md"),
        Code::UnreadableManifest => include_str!("explain/NP0701.md"),
        Code::ManifestShape => include_str!("explain/NP0702.md"),
        Code::InvalidManifestValue => include_str!("explain/NP0703.md"),
        Code::DuplicateObject => include_str!("explain/NP0704.md"),
        Code::UnservedVersion => include_str!("explain/NP0705.md"),
        Code::HostBitsCidr => include_str!("explain/NP0706.md"),
        Code::NotRead => include_str!("explain/NP0707.md"),
        Code::ReadAs => include_str!("explain/NP0708.md"),
        Code::Internal => include_str!("explain/NP0901.md"),
    }
}
