//! The API server's syntax rules for names, labels, ports and CIDRs.
//!
//! Each function mirrors one apimachinery / kubernetes validation function (named in its
//! doc comment) and returns the reasons a value is refused; an empty list means valid.
//! Messages follow upstream's wording, lower case, so that a user who searches for them
//! finds the Kubernetes documentation.

use crate::ir::{Cidr, Family};
use std::net::IpAddr;

/// `validation.DNS1123LabelMaxLength`.
const DNS1123_LABEL_MAX: usize = 63;
/// `validation.DNS1123SubdomainMaxLength`.
const DNS1123_SUBDOMAIN_MAX: usize = 253;
/// `validation.qualifiedNameMaxLength` and `LabelValueMaxLength`.
const QUALIFIED_NAME_MAX: usize = 63;

fn is_lower_alnum(b: u8) -> bool {
    b.is_ascii_lowercase() || b.is_ascii_digit()
}

/// Matches upstream's `dns1123LabelFmt`: `[a-z0-9]([-a-z0-9]*[a-z0-9])?`.
fn matches_dns1123_label(s: &str) -> bool {
    let b = s.as_bytes();
    match (b.first(), b.last()) {
        (Some(&first), Some(&last)) => {
            is_lower_alnum(first)
                && is_lower_alnum(last)
                && b.iter().all(|&c| is_lower_alnum(c) || c == b'-')
        }
        _ => false,
    }
}

/// apimachinery `IsDNS1123Label`: at most 63 characters, lower case alphanumerics and
/// `-`, starting and ending with an alphanumeric. Namespace names use it
/// (`ValidateNamespaceName`).
pub fn dns1123_label(s: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if s.len() > DNS1123_LABEL_MAX {
        errs.push(format!(
            "must be no more than {DNS1123_LABEL_MAX} characters"
        ));
    }
    if !matches_dns1123_label(s) {
        errs.push(
            "a lowercase RFC 1123 label must consist of lower case alphanumeric characters \
             or '-', and must start and end with an alphanumeric character (e.g. 'my-name', \
             or '123-abc')"
                .to_string(),
        );
    }
    errs
}

/// apimachinery `IsDNS1123Subdomain`: at most 253 characters, dot-separated DNS-1123
/// labels. Object names (`NameIsDNSSubdomain`, used by `ValidateNetworkPolicyName` and
/// `ValidatePodName`) use it.
pub fn dns1123_subdomain(s: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if s.len() > DNS1123_SUBDOMAIN_MAX {
        errs.push(format!(
            "must be no more than {DNS1123_SUBDOMAIN_MAX} characters"
        ));
    }
    if !s.split('.').all(matches_dns1123_label) {
        errs.push(
            "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric \
             characters, '-' or '.', and must start and end with an alphanumeric character \
             (e.g. 'example.com')"
                .to_string(),
        );
    }
    errs
}

/// Upstream's `qualifiedNameFmt` / label value format:
/// `([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]`.
fn matches_qualified_name_part(s: &str) -> bool {
    let b = s.as_bytes();
    match (b.first(), b.last()) {
        (Some(first), Some(last)) => {
            first.is_ascii_alphanumeric()
                && last.is_ascii_alphanumeric()
                && b.iter()
                    .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
        }
        _ => false,
    }
}

const QUALIFIED_NAME_MSG: &str = "must consist of alphanumeric characters, '-', '_' or '.', \
     and must start and end with an alphanumeric character (e.g. 'MyName', or 'my.name', or \
     '123-abc')";

/// apimachinery `IsQualifiedName` (label keys via `ValidateLabelName`, annotation keys):
/// an optional DNS-1123 subdomain prefix and `/`, then a name of at most 63 characters.
pub fn qualified_name(s: &str) -> Vec<String> {
    let mut errs = Vec::new();
    let parts: Vec<&str> = s.split('/').collect();
    let name = match parts.as_slice() {
        [name] => *name,
        [prefix, name] => {
            if prefix.is_empty() {
                errs.push("prefix part must be non-empty".to_string());
            } else {
                errs.extend(
                    dns1123_subdomain(prefix)
                        .into_iter()
                        .map(|m| format!("prefix part {m}")),
                );
            }
            *name
        }
        _ => {
            errs.push(format!(
                "a qualified name {QUALIFIED_NAME_MSG} with an optional DNS subdomain prefix \
                 and '/' (e.g. 'example.com/MyName')"
            ));
            return errs;
        }
    };
    if name.is_empty() {
        errs.push("name part must be non-empty".to_string());
    } else if name.len() > QUALIFIED_NAME_MAX {
        errs.push(format!(
            "name part must be no more than {QUALIFIED_NAME_MAX} characters"
        ));
    }
    if !name.is_empty() && !matches_qualified_name_part(name) {
        errs.push(format!("name part {QUALIFIED_NAME_MSG}"));
    }
    errs
}

/// apimachinery `IsValidLabelValue`: empty, or at most 63 characters of the qualified
/// name format.
pub fn label_value(s: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if s.len() > QUALIFIED_NAME_MAX {
        errs.push(format!(
            "must be no more than {QUALIFIED_NAME_MAX} characters"
        ));
    }
    if !s.is_empty() && !matches_qualified_name_part(s) {
        errs.push(format!("a valid label {QUALIFIED_NAME_MSG}"));
    }
    errs
}

/// apimachinery `IsValidPortName` (IANA_SVC_NAME, RFC 6335): at most 15 characters of
/// `[-a-z0-9]`, at least one letter, no leading, trailing or adjacent hyphens.
pub fn port_name(s: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if s.len() > 15 {
        errs.push("must be no more than 15 characters".to_string());
    }
    if s.is_empty() || !s.bytes().all(|c| is_lower_alnum(c) || c == b'-') {
        errs.push(
            "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)".to_string(),
        );
    }
    if !s.bytes().any(|c| c.is_ascii_lowercase()) {
        errs.push("must contain at least one letter (a-z)".to_string());
    }
    if s.contains("--") {
        errs.push("must not contain consecutive hyphens".to_string());
    }
    if s.starts_with('-') || s.ends_with('-') {
        errs.push("must not begin or end with a hyphen".to_string());
    }
    errs
}

/// apimachinery `IsValidPortNum`: 1 to 65535 inclusive.
pub fn port_number(n: i64) -> Result<u16, String> {
    match u16::try_from(n) {
        Ok(p) if p >= 1 => Ok(p),
        _ => Err("must be between 1 and 65535, inclusive".to_string()),
    }
}

/// True when a dotted-quad's octets carry leading zeros (`010.0.0.1`), which Go's sloppy
/// parser accepts and strict validation refuses; used to give the precise reason.
fn has_v4_leading_zeros(addr: &str) -> bool {
    let octets: Vec<&str> = addr.split('.').collect();
    octets.len() == 4
        && octets
            .iter()
            .all(|o| !o.is_empty() && o.len() <= 3 && o.bytes().all(|b| b.is_ascii_digit()))
        && octets.iter().any(|o| o.len() > 1 && o.starts_with('0'))
}

fn is_v4_mapped(ip: &IpAddr) -> bool {
    match ip {
        IpAddr::V4(_) => false,
        IpAddr::V6(v6) => v6.to_ipv4_mapped().is_some(),
    }
}

/// A CIDR as `ValidateIPBlock` checks it: apimachinery `IsValidCIDRForLegacyField` with
/// strict validation, which is what the API server applies on create since the
/// `StrictIPCIDRValidation` feature gate turned on by default (beta in 1.36; KEP 4858):
/// no leading zeros in the address or prefix, no IPv4-mapped IPv6 address, and no bits
/// set beyond the prefix length (`10.0.0.1/8` is refused, not read as `10.0.0.0/8`).
pub fn cidr(s: &str) -> Result<Cidr, String> {
    let parsed = cidr_allowing_host_bits(s)?;
    if parsed.has_host_bits() {
        return Err(format!(
            "`{s}` must not have bits set beyond the prefix length (did you mean `{}`?)",
            parsed.network()
        ));
    }
    Ok(parsed)
}

/// As [`cidr`], but bits set beyond the prefix are allowed (the CIDR is returned as
/// written): the API server accepted them before strict validation, and keeps accepting
/// them on existing objects, since the check ratchets (KEP 4858).
pub fn cidr_allowing_host_bits(s: &str) -> Result<Cidr, String> {
    const EXAMPLE: &str = "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)";
    let Some((addr, prefix)) = s.split_once('/') else {
        return Err(format!("`{s}` {EXAMPLE}"));
    };
    let prefix_leading_zero =
        prefix.len() > 1 && prefix.starts_with('0') && prefix.bytes().all(|b| b.is_ascii_digit());
    if has_v4_leading_zeros(addr) || prefix_leading_zero {
        return Err(format!(
            "`{s}` must not have leading 0s in IP or prefix length"
        ));
    }
    let parsed: Cidr = s.parse().map_err(|_| format!("`{s}` {EXAMPLE}"))?;
    if is_v4_mapped(&parsed.addr) {
        return Err(format!("`{s}` must not have an IPv4-mapped IPv6 address"));
    }
    Ok(parsed)
}

/// `ValidateIPBlock`'s except rule: each except must be "a strict subset of `cidr`"
/// (`!cidrIPNet.Contains(exceptCIDR.IP) || cidrMaskLen >= exceptMaskLen` is refused), so an
/// except equal to the cidr, outside it, or of the other family is an error.
pub fn except_inside(cidr: &Cidr, except: &Cidr) -> Result<(), String> {
    if except.family() != cidr.family() {
        let fam = |f: Family| if f == Family::V4 { "IPv4" } else { "IPv6" };
        return Err(format!(
            "`{except}` is {} but the cidr `{cidr}` is {}: an except must be a strict subset of \
             `cidr`",
            fam(except.family()),
            fam(cidr.family())
        ));
    }
    if !cidr.contains_cidr(except) {
        return Err(format!("`{except}` is not inside the cidr `{cidr}`"));
    }
    if except.prefix <= cidr.prefix {
        return Err(format!(
            "`{except}` must be a strict subset of the cidr `{cidr}`, not all of it"
        ));
    }
    Ok(())
}

/// An IP address as pod status carries it (`IsValidIPForLegacyField`, strict).
pub fn ip(s: &str) -> Result<IpAddr, String> {
    let bad = || format!("`{s}` must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)");
    if has_v4_leading_zeros(s) {
        return Err(format!("`{s}` must not have leading 0s"));
    }
    let parsed: IpAddr = s.parse().map_err(|_| bad())?;
    if is_v4_mapped(&parsed) {
        return Err(format!("`{s}` must not be an IPv4-mapped IPv6 address"));
    }
    Ok(parsed)
}

/// The known name closest to an unknown one: same letters in another case first, then
/// the nearest within two edits (field names are short, so more would be guessing).
pub fn suggest<'a>(unknown: &str, known: &[&'a str]) -> Option<&'a str> {
    if unknown.chars().count() > 64 {
        return None;
    }
    if let Some(k) = known.iter().find(|k| k.eq_ignore_ascii_case(unknown)) {
        return Some(k);
    }
    known
        .iter()
        .map(|k| {
            (
                crate::diag::suggest::edit_distance(
                    &unknown.to_ascii_lowercase(),
                    &k.to_ascii_lowercase(),
                ),
                *k,
            )
        })
        .filter(|(d, _)| *d <= 2)
        .min()
        .map(|(_, k)| k)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_dns1123_label_rules() {
        assert!(dns1123_label("my-ns").is_empty());
        assert!(dns1123_label("123").is_empty());
        assert!(!dns1123_label("My-ns").is_empty());
        assert!(!dns1123_label("-a").is_empty());
        assert!(!dns1123_label("a.b").is_empty());
        assert!(!dns1123_label("").is_empty());
        assert!(!dns1123_label(&"a".repeat(64)).is_empty());
        assert!(dns1123_label(&"a".repeat(63)).is_empty());
    }

    #[test]
    fn is_dns1123_subdomain_rules() {
        assert!(dns1123_subdomain("web.example-1").is_empty());
        assert!(!dns1123_subdomain("web..x").is_empty());
        assert!(!dns1123_subdomain("Web").is_empty());
        assert!(!dns1123_subdomain("web_x").is_empty());
        assert!(!dns1123_subdomain(&"a".repeat(254)).is_empty());
    }

    #[test]
    fn is_qualified_name_rules() {
        assert!(qualified_name("app").is_empty());
        assert!(qualified_name("app.kubernetes.io/name").is_empty());
        assert!(qualified_name("My_Key.1").is_empty());
        assert!(!qualified_name("/name").is_empty());
        assert!(!qualified_name("a/b/c").is_empty());
        assert!(!qualified_name("Example.com/name").is_empty());
        assert!(!qualified_name("name-").is_empty());
        assert!(!qualified_name("").is_empty());
        assert!(!qualified_name(&"a".repeat(64)).is_empty());
    }

    #[test]
    fn is_valid_label_value_rules() {
        assert!(label_value("").is_empty());
        assert!(label_value("v1.2_x-Y").is_empty());
        assert!(!label_value("-x").is_empty());
        assert!(!label_value("a b").is_empty());
        assert!(!label_value(&"a".repeat(64)).is_empty());
    }

    #[test]
    fn is_valid_port_name_rules() {
        assert!(port_name("http").is_empty());
        assert!(port_name("h2c-web-8080").is_empty());
        assert!(!port_name("80").is_empty());
        assert!(!port_name("HTTP").is_empty());
        assert!(!port_name("a--b").is_empty());
        assert!(!port_name("-a").is_empty());
        assert!(!port_name("a-").is_empty());
        assert!(!port_name("").is_empty());
        assert!(!port_name("abcdefghijklmnop").is_empty());
    }

    #[test]
    fn is_valid_port_num_rules() {
        assert_eq!(port_number(1), Ok(1));
        assert_eq!(port_number(65535), Ok(65535));
        assert!(port_number(0).is_err());
        assert!(port_number(65536).is_err());
        assert!(port_number(-1).is_err());
    }

    #[test]
    fn strict_cidr_rules_is_valid_cidr_for_legacy_field() {
        assert!(cidr("10.0.0.0/8").is_ok());
        assert!(cidr("2001:db8::/32").is_ok());
        assert!(cidr("0.0.0.0/0").is_ok());
        assert!(cidr("10.0.0.1/8").unwrap_err().contains("bits set beyond"));
        assert!(cidr("010.0.0.0/8").unwrap_err().contains("leading 0s"));
        assert!(cidr("10.0.0.0/08").unwrap_err().contains("leading 0s"));
        assert!(cidr("::ffff:10.0.0.0/104")
            .unwrap_err()
            .contains("IPv4-mapped"));
        assert!(cidr("10.0.0.0").unwrap_err().contains("valid CIDR"));
        assert!(cidr("10.0.0.0/33").is_err());
        assert!(cidr("").is_err());
    }

    #[test]
    fn except_strict_subset_validate_ip_block() {
        let c = |s: &str| cidr(s).unwrap();
        assert!(except_inside(&c("10.0.0.0/8"), &c("10.1.0.0/16")).is_ok());
        assert!(except_inside(&c("10.0.0.0/8"), &c("10.0.0.0/8")).is_err());
        assert!(except_inside(&c("10.1.0.0/16"), &c("10.2.0.0/16")).is_err());
        assert!(except_inside(&c("10.1.0.0/16"), &c("10.0.0.0/8")).is_err());
        assert!(except_inside(&c("10.0.0.0/8"), &c("2001:db8::/32")).is_err());
    }

    #[test]
    fn suggestions() {
        let known = ["podSelector", "namespaceSelector", "ipBlock"];
        assert_eq!(suggest("ipblock", &known), Some("ipBlock"));
        assert_eq!(suggest("podSelecter", &known), Some("podSelector"));
        assert_eq!(suggest("zzz", &known), None);
    }
}
