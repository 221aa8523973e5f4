//! A statement's text as the `netpolc.io/source` annotation quotes it (decision 0012).
//!
//! The annotation names statements by what they say, not where they are, so the quote must
//! not change with layout either. The text is cut into the grammar's tokens (comments and
//! blanks dropped) and written back with one canonical spacing: none just inside
//! parentheses, before a comma, around `=` and `!=` or after the `!` of `!k`; one after a
//! comma; before `(` only after `except`, `in` and `notin`; one between any other two
//! tokens. The tokens themselves, quoted strings included, are kept as written: a change
//! there is an edit of the statement, and the objects it contributes to may show it.

/// The layout-free text of a statement whose source is `text` (its span's slice).
pub fn statement(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last: Option<Token<'_>> = None;
    for token in tokens(text) {
        if let Some(prev) = last {
            if spaced(prev, token) {
                out.push(' ');
            }
        }
        out.push_str(token.text());
        last = Some(token);
    }
    out
}

/// One token of a statement.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Token<'a> {
    /// A name, keyword, number, address, `*`, `$param` or `ns/name`.
    Word(&'a str),
    /// A double-quoted string, quotes included (the closing one may be missing).
    Quoted(&'a str),
    /// `,`, `(`, `)`, `=`, `!=` or `!`.
    Punct(&'a str),
}

impl<'a> Token<'a> {
    fn text(self) -> &'a str {
        match self {
            Token::Word(t) | Token::Quoted(t) | Token::Punct(t) => t,
        }
    }
}

/// Whether canonical text puts a space between `prev` and `next`.
fn spaced(prev: Token<'_>, next: Token<'_>) -> bool {
    match (prev, next) {
        (_, Token::Punct("," | ")" | "=" | "!=")) => false,
        (Token::Punct("(" | "=" | "!=" | "!"), _) => false,
        (Token::Punct(","), _) => true,
        (Token::Word(w), Token::Punct("(")) => matches!(w, "except" | "in" | "notin"),
        (_, Token::Punct("(")) => false,
        _ => true,
    }
}

/// The tokens of `text`, skipping blanks and comments. Total on any text: what the grammar
/// would refuse still splits somehow, and the parser has reported it before this runs.
fn tokens(text: &str) -> impl Iterator<Item = Token<'_>> {
    let mut rest = text;
    std::iter::from_fn(move || loop {
        let c = rest.chars().next()?;
        let len = match c {
            // A comment runs to the end of its line (grammar: COMMENT).
            '#' => {
                rest = rest.find('\n').map_or("", |i| &rest[i..]);
                continue;
            }
            c if c.is_whitespace() => {
                rest = &rest[c.len_utf8()..];
                continue;
            }
            '!' if rest.starts_with("!=") => 2,
            ',' | '(' | ')' | '=' | '!' => 1,
            // A string ends at its closing quote or its line (grammar: string).
            '"' => rest[1..].find(['"', '\n']).map_or(rest.len(), |i| {
                if rest.as_bytes()[i + 1] == b'"' {
                    i + 2
                } else {
                    i + 1
                }
            }),
            _ => rest
                .find(|c: char| c.is_whitespace() || ",()=!\"#".contains(c))
                .unwrap_or(rest.len()),
        };
        let (token, tail) = rest.split_at(len);
        rest = tail;
        return Some(match c {
            '"' => Token::Quoted(token),
            ',' | '(' | ')' | '=' | '!' => Token::Punct(token),
            _ => Token::Word(token),
        });
    })
}

#[cfg(test)]
mod tests {
    use super::statement;

    #[test]
    fn layout_and_comments_do_not_show() {
        let canonical = "web may talk to db, cache on 5432, 6379";
        for text in [
            canonical,
            "web   may talk to\tdb,cache on 5432 ,6379",
            "web may talk to db,   # the primary\n    cache on 5432,\r\n  6379",
        ] {
            assert_eq!(statement(text), canonical, "{text:?}");
        }
        let canonical =
            "pods(tier=db, env in (prod, canary), !legacy, track!=beta) in namespace shop";
        assert_eq!(
            statement(
                "pods ( tier = db , env in(prod,canary),! legacy,track != beta )in namespace shop"
            ),
            canonical
        );
        assert_eq!(statement(canonical), canonical);
        assert_eq!(
            statement("egress only 0.0.0.0/0 except(10.0.0.0/8 ,169.254.169.254)"),
            "egress only 0.0.0.0/0 except (10.0.0.0/8, 169.254.169.254)"
        );
        assert_eq!(statement("use allow( web , 80 )"), "use allow(web, 80)");
    }

    #[test]
    fn quoted_strings_keep_their_text_and_a_change_of_words_shows() {
        assert_eq!(
            statement("pods(team = \"a  #b, c\")   may talk to web"),
            "pods(team=\"a  #b, c\") may talk to web"
        );
        // An unterminated string (a syntax error the parser reports) still ends.
        assert_eq!(statement("pods(a=\"x\n) b"), "pods(a=\"x) b");
        assert_eq!(statement("a=\""), "a=\"");
        assert_ne!(
            statement("web may talk to db"),
            statement("web may talk to dbs")
        );
        assert_eq!(statement(""), "");
        assert_eq!(statement("  # only a comment"), "");
        assert_eq!(statement("é ! ,"), "é !,");
    }
}
