//! A static check of a `--template` before it is rendered: handlebars expands partials by
//! recursion and has no limit of its own, so a partial that includes itself (directly or
//! through others) overflowed the stack and aborted the process. The check follows every
//! way a partial can be included and refuses a cycle, nesting deeper than
//! [`MAX_NESTING`] or more than [`MAX_INCLUDES`] inclusions, so that rendering is bounded
//! whatever the template.
//!
//! Partials are inline ones (`{{#*inline "p"}}`) or the template itself (`body`): nothing
//! else is registered. A name computed at render time (`{{> (lookup this "p")}}`,
//! `{{#*inline name}}`) is taken to be any of them, so the check errs towards refusing.

use handlebars::template::{Parameter, Template, TemplateElement};

/// Blocks and partial inclusions nested deeper than this are refused: far beyond what a
/// pull request's description needs, far below what the stack holds.
pub(super) const MAX_NESTING: usize = 100;

/// A template that includes partials more often than this (not counting loops) is
/// refused: partials that each include the next twice double the output per level.
pub(super) const MAX_INCLUDES: u64 = 10_000;

/// A partial's name as written, or `None` when it is computed at render time.
type Name = Option<String>;

/// The template or one inline partial: what it includes, and how deeply nested.
struct Body {
    name: Name,
    /// Each inclusion: its nesting within the body, and the partial's name.
    includes: Vec<(usize, Name)>,
    /// The deepest nesting of blocks in the body.
    nesting: usize,
}

/// Refuses a template (registered as `root`) whose partials include themselves, nest too
/// deeply or are included too often; the message says which.
pub(super) fn check(template: &Template, root: &str) -> Result<(), String> {
    let mut bodies = vec![Body {
        name: Some(root.to_owned()),
        includes: Vec::new(),
        nesting: 0,
    }];
    collect(template, 0, 0, 0, &mut bodies)?;
    let mut state = vec![State::New; bodies.len()];
    let mut path = Vec::new();
    let (depth, includes) = visit(&bodies, 0, &mut state, &mut path)?;
    if depth > MAX_NESTING {
        return Err(too_deep());
    }
    if includes > MAX_INCLUDES {
        return Err(format!(
            "it includes partials more than {MAX_INCLUDES} times (partials that include \
             others several times multiply); netpolc refuses it before rendering"
        ));
    }
    Ok(())
}

fn too_deep() -> String {
    format!(
        "blocks and partials nested more than {MAX_NESTING} deep; netpolc refuses it before \
         rendering"
    )
}

/// A partial's name: written out, or `None` when an expression computes it.
fn name(p: &Parameter) -> Name {
    match p {
        Parameter::Name(_) | Parameter::Path(_) => p.as_name().map(str::to_owned),
        Parameter::Literal(serde_json::Value::String(s)) => Some(s.clone()),
        Parameter::Literal(v) => Some(v.to_string()),
        _ => None,
    }
}

/// Records the inclusions and inline partials of `t` into `bodies[body]`, `nesting` deep
/// in the body and `depth` deep in the source.
fn collect(
    t: &Template,
    body: usize,
    nesting: usize,
    depth: usize,
    bodies: &mut Vec<Body>,
) -> Result<(), String> {
    // Bounds this walk's own recursion: an inline partial restarts `nesting`.
    if nesting > MAX_NESTING || depth > 4 * MAX_NESTING {
        return Err(too_deep());
    }
    bodies[body].nesting = bodies[body].nesting.max(nesting);
    for e in &t.elements {
        match e {
            TemplateElement::HelperBlock(h) => {
                for inner in [&h.template, &h.inverse].into_iter().flatten() {
                    collect(inner, body, nesting + 1, depth + 1, bodies)?;
                }
            }
            TemplateElement::DecoratorBlock(d) if d.name.as_name() == Some("inline") => {
                // `{{#*inline "p"}}`: the name is the first parameter, a string.
                let defined = match d.params.first() {
                    Some(Parameter::Literal(serde_json::Value::String(s))) => Some(s.clone()),
                    _ => None,
                };
                bodies.push(Body {
                    name: defined,
                    includes: Vec::new(),
                    nesting: 0,
                });
                let inline = bodies.len() - 1;
                if let Some(inner) = &d.template {
                    collect(inner, inline, 0, depth + 1, bodies)?;
                }
            }
            TemplateElement::PartialExpression(d) | TemplateElement::PartialBlock(d) => {
                let called = name(&d.name);
                // `@partial-block` writes what its caller rendered already (or the
                // fallback, walked below): no inclusion of a body.
                if called.as_deref() != Some("@partial-block") {
                    bodies[body].includes.push((nesting, called));
                }
                if let Some(inner) = &d.template {
                    collect(inner, body, nesting + 1, depth + 1, bodies)?;
                }
            }
            _ => {}
        }
    }
    Ok(())
}

#[derive(Clone, Copy, PartialEq)]
enum State {
    New,
    /// On the path being followed: reaching it again is a cycle.
    Open,
    /// Its nesting depth and inclusion count.
    Done(usize, u64),
}

/// The bodies an inclusion of `called` may render.
fn callees<'a>(bodies: &'a [Body], called: &'a Name) -> impl Iterator<Item = usize> + 'a {
    (0..bodies.len()).filter(move |&i| match (called, &bodies[i].name) {
        (Some(c), Some(n)) => c == n,
        _ => true,
    })
}

/// How deeply `body` nests (blocks and inclusions) and how many inclusions rendering it
/// makes; refuses a cycle, naming it. `path` is the chain of bodies being followed, no
/// longer than the nesting it stands for, so this recursion is bounded too.
fn visit(
    bodies: &[Body],
    body: usize,
    state: &mut [State],
    path: &mut Vec<usize>,
) -> Result<(usize, u64), String> {
    if let State::Done(depth, includes) = state[body] {
        return Ok((depth, includes));
    }
    if path.len() > MAX_NESTING {
        return Err(too_deep());
    }
    state[body] = State::Open;
    path.push(body);
    let (mut depth, mut includes) = (bodies[body].nesting, 0u64);
    for (nesting, called) in &bodies[body].includes {
        let (mut deepest, mut most) = (0, 0);
        for callee in callees(bodies, called) {
            if state[callee] == State::Open {
                return Err(cycle(bodies, path, callee));
            }
            let (d, n) = visit(bodies, callee, state, path)?;
            (deepest, most) = (deepest.max(d), most.max(n));
        }
        depth = depth.max(nesting + 1 + deepest);
        includes = includes.saturating_add(1).saturating_add(most);
    }
    path.pop();
    state[body] = State::Done(depth, includes);
    Ok((depth, includes))
}

/// `the partial `p` includes itself: `p` → `q` → `p``.
fn cycle(bodies: &[Body], path: &[usize], back_to: usize) -> String {
    let shown = |i: usize| match &bodies[i].name {
        Some(n) if i == 0 => format!("`{n}` (the template)"),
        Some(n) => format!("`{n}`"),
        None => "a partial named at render time".to_owned(),
    };
    let start = path.iter().position(|&i| i == back_to).unwrap_or(0);
    let mut chain: Vec<String> = path[start..].iter().map(|&i| shown(i)).collect();
    chain.push(shown(back_to));
    format!(
        "the partial {} includes itself ({}): its rendering would never end; a partial may \
         not include itself, directly or through others",
        shown(back_to),
        chain.join(" → ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checked(text: &str) -> Result<(), String> {
        check(&Template::compile(text).expect("a template"), "body")
    }

    #[test]
    fn partials_that_include_themselves_are_refused_naming_the_cycle() {
        let e = checked(r#"{{#*inline "p"}}{{> p}}{{/inline}}{{> p}}"#).unwrap_err();
        assert!(
            e.contains("the partial `p` includes itself (`p` → `p`)"),
            "{e}"
        );
        let e = checked(
            r#"{{#*inline "a"}}{{#if x}}{{> b}}{{/if}}{{/inline}}{{#*inline "b"}}{{#> a}}{{/a}}{{/inline}}{{> a}}"#,
        )
        .unwrap_err();
        assert!(e.contains("(`a` → `b` → `a`)"), "{e}");
        let e = checked(r#"{{#*inline "p"}}{{> body}}{{/inline}}{{> p}}"#).unwrap_err();
        assert!(e.contains("`body` (the template) includes itself"), "{e}");
        // A name computed at render time may be any partial.
        let e =
            checked(r#"{{#*inline "p"}}{{> (lookup this "n")}}{{/inline}}{{> p}}"#).unwrap_err();
        assert!(e.contains("includes itself"), "{e}");
    }

    #[test]
    fn nested_partials_without_a_cycle_pass_within_the_limits() {
        checked(
            r#"{{#*inline "row"}}- {{this}}{{/inline}}{{#*inline "list"}}{{#each allowed}}{{> row}}{{/each}}{{/inline}}{{> list}}{{> list}}{{#> row}}x{{/row}}{{> @partial-block}}"#,
        )
        .unwrap();
        let deep = format!("{}x{}", "{{#if a}}".repeat(101), "{{/if}}".repeat(101));
        assert!(checked(&deep)
            .unwrap_err()
            .contains("nested more than 100 deep"));
        // Each level includes the next twice: 2^20 inclusions.
        let mut text = String::from(r#"{{#*inline "p0"}}x{{/inline}}"#);
        for i in 1..=20 {
            let j = i - 1;
            text.push_str(&format!(
                r#"{{{{#*inline "p{i}"}}}}{{{{> p{j}}}}}{{{{> p{j}}}}}{{{{/inline}}}}"#
            ));
        }
        text.push_str("{{> p20}}");
        let e = checked(&text).unwrap_err();
        assert!(e.contains("more than 10000 times"), "{e}");
    }
}
