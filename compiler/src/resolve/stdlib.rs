//! The standard library: the `.npl` files of `stdlib/`, embedded in the binary so that
//! `use dns` works without any file on disk. Each file documents itself.

/// Every standard-library file: its name in messages, and its text.
pub const FILES: &[(&str, &str)] = &[
    (
        "<stdlib>/deny-metadata.npl",
        include_str!("../../../stdlib/deny-metadata.npl"),
    ),
    ("<stdlib>/dns.npl", include_str!("../../../stdlib/dns.npl")),
    (
        "<stdlib>/internet.npl",
        include_str!("../../../stdlib/internet.npl"),
    ),
    (
        "<stdlib>/metadata.npl",
        include_str!("../../../stdlib/metadata.npl"),
    ),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::{parse, Item, StatementKind};

    #[test]
    fn every_stdlib_file_parses_and_defines_what_its_name_says() {
        for (name, text) in FILES {
            let file = parse(name, text).unwrap_or_else(|e| panic!("{name}: {e:?}"));
            let stem = name
                .trim_start_matches("<stdlib>/")
                .trim_end_matches(".npl");
            let defines_it = file.items.iter().any(|item| match item {
                Item::Rule(r) => r.name.text == stem,
                Item::Statement(s) => {
                    matches!(&s.kind, StatementKind::Define { name, .. } if name.text == stem)
                }
                Item::Namespace(_) => false,
            });
            assert!(defines_it, "{name} must define `{stem}`");
            assert!(
                text.starts_with(&format!("# {stem}:")),
                "{name} must document itself"
            );
        }
    }
}
