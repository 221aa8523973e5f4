//! Random programs in the intent language, as text, so that the whole front end (syntax,
//! resolve, lower, emit) is exercised: blocks and top-level statements over three
//! namespaces, every endpoint form, overlapping isolations, named ports, ranges, address
//! blocks with holes, defines and the standard library's rules. Every program is meant to
//! compile: anything the language rejects (a bare name or `*` at the top level, isolating
//! another block's pods, addresses or labelled namespaces) is never generated.

use super::Rng;

const NAMESPACES: [&str; 3] = ["a", "b", "c"];

/// Pods of the current namespace (block only).
const LOCAL: [&str; 7] = [
    "web",
    "db",
    "*",
    "pods(tier=x)",
    "pods(tier in (x, y), !legacy)",
    "pods(env != prod)",
    "pods(app notin (web), tier)",
];

/// Endpoints that name their namespace (anywhere); `{}` is replaced by a namespace.
const QUALIFIED: [&str; 8] = [
    "{}/web",
    "{}/*",
    "namespace {}",
    "pods(tier=x) in namespace {}",
    "pods(tier=y) in namespaces(team=t1)",
    "namespaces(team=t1)",
    "namespaces(env notin (prod))",
    "cluster",
];

/// Everything else: addresses, `anywhere`, the standard library's sets.
const OTHER: [&str; 7] = [
    "anywhere",
    "8.8.8.8",
    "10.0.0.0/8 except 10.1.0.0/16",
    "internet",
    "metadata",
    "0.0.0.0/0 except (10.0.0.0/8, 169.254.169.254)",
    "2001:db8::/32",
];

const PORTS: [&str; 9] = [
    "",
    "",
    " on 80",
    " on udp 53, tcp 53",
    " on 8000-8100",
    " on http",
    " on udp dns",
    " on tcp 80, 443",
    " on sctp 9000-9010, http",
];

struct Gen {
    rng: Rng,
}

impl Gen {
    /// One of the texts (never called with none).
    fn pick(&mut self, items: &[&'static str]) -> &'static str {
        self.rng.pick(items).copied().unwrap_or("")
    }

    fn namespace(&mut self) -> &'static str {
        NAMESPACES[self.rng.below(NAMESPACES.len())]
    }

    fn qualified(&mut self) -> String {
        let ns = self.namespace();
        self.pick(&QUALIFIED).replace("{}", ns)
    }

    /// One endpoint: in a block anything, at the top level nothing local.
    fn endpoint(&mut self, in_block: bool) -> String {
        match (self.rng.below(3), in_block) {
            (0, true) => self.pick(&LOCAL).to_owned(),
            (1, _) | (0, false) => self.qualified(),
            _ => self.pick(&OTHER).to_owned(),
        }
    }

    fn endpoints(&mut self, in_block: bool) -> String {
        let n = 1 + self.rng.below(2);
        (0..n)
            .map(|_| self.endpoint(in_block))
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn ports(&mut self) -> &'static str {
        self.pick(&PORTS)
    }

    fn direction(&mut self) -> &'static str {
        self.pick(&["", " ingress", " egress"])
    }

    fn block_statement(&mut self) -> String {
        match self.rng.below(9) {
            0 => format!(
                "isolate{}",
                self.pick(&[" namespace", " ingress", " egress"])
            ),
            1 => format!("isolate {}{}", self.pick(&LOCAL), self.direction()),
            2 | 3 => format!(
                "{} may talk to {}{}",
                self.endpoints(true),
                self.endpoints(true),
                self.ports()
            ),
            4 => {
                let subject = self.pick(&["", "web ", "pods(tier=x) "]);
                format!(
                    "{subject}egress only {}{}",
                    self.endpoints(true),
                    self.ports()
                )
            }
            5 => {
                let subject = self.pick(&["", "db ", "pods(env != prod) "]);
                format!(
                    "{subject}ingress only from {}{}",
                    self.endpoints(true),
                    self.ports()
                )
            }
            6 => self.pick(&["use dns", "use deny-metadata"]).to_owned(),
            7 => "web may talk to trusted on http".to_owned(),
            _ => format!("trusted may talk to {}{}", self.pick(&LOCAL), self.ports()),
        }
    }

    fn top_statement(&mut self) -> String {
        let ns = self.namespace();
        match self.rng.below(6) {
            0 => format!("isolate namespace {ns}{}", self.direction()),
            1 => format!("isolate {ns}/web{}", self.direction()),
            2 | 3 => format!(
                "{} may talk to {}{}",
                self.endpoints(false),
                self.endpoints(false),
                self.ports()
            ),
            4 => format!(
                "{ns}/web egress only {}{}",
                self.endpoints(false),
                self.ports()
            ),
            _ => format!(
                "{ns}/db ingress only from {}{}",
                self.endpoints(false),
                self.ports()
            ),
        }
    }
}

/// A program: a top-level define, one to three blocks, and some top-level statements.
pub fn program(seed: u64) -> String {
    let mut g = Gen {
        rng: Rng::new(seed),
    };
    let mut out = format!("# random program, seed {seed}\n");
    let trusted = g.qualified();
    out.push_str(&format!("define trusted = {trusted}, 192.168.0.0/16\n"));
    let blocks = 1 + g.rng.below(3);
    for ns in NAMESPACES.iter().take(blocks) {
        out.push_str(&format!("namespace {ns} {{\n"));
        for _ in 0..1 + g.rng.below(4) {
            out.push_str(&format!("  {}\n", g.block_statement()));
        }
        out.push_str("}\n");
    }
    for _ in 0..g.rng.below(4) {
        out.push_str(&format!("{}\n", g.top_statement()));
    }
    out
}
