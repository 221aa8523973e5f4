//! Issue 15, item 19: a `--template` whose partial includes itself overflowed the stack
//! (handlebars expands partials by recursion, without a limit): the process aborted with
//! exit 134. Such a template is now refused before anything is compiled, exit 2 with a
//! message; partials that nest without a cycle still render.

use super::fixture::Repo;

const SHOP: &str = "namespace shop {\n  isolate namespace\n  web may talk to db on 5432\n}\n";

fn repo() -> Repo {
    let repo = Repo::new();
    repo.write("policies/shop.npl", SHOP);
    repo.commit("the shop");
    repo.write("policies/shop.npl", &SHOP.replace("5432", "8080"));
    repo
}

#[test]
fn a_partial_that_includes_itself_exits_2_with_a_message_not_an_abort() {
    let repo = repo();
    for (file, text, expected) in [
        (
            "self.hbs",
            r#"{{#*inline "p"}}{{> p}}{{/inline}}{{> p}}"#,
            "the partial `p` includes itself (`p` → `p`)",
        ),
        (
            "pair.hbs",
            r#"{{#*inline "a"}}{{> b}}{{/inline}}{{#*inline "b"}}{{#if changed}}{{> a}}{{/if}}{{/inline}}{{> a}}"#,
            "(`a` → `b` → `a`)",
        ),
        (
            "body.hbs",
            r#"{{#*inline "p"}}{{> body}}{{/inline}}{{> p}}"#,
            "`body` (the template) includes itself",
        ),
    ] {
        repo.write(file, text);
        let run = repo.netpolc(&["diff", "--template", file]).expect(2);
        assert!(
            run.stderr.contains(&format!("error: template `{file}`: ")),
            "{}",
            run.stderr
        );
        assert!(run.stderr.contains(expected), "{}", run.stderr);
        assert!(run.stdout.is_empty(), "{}", run.stdout);
    }
}

#[test]
fn nested_partials_without_a_cycle_still_render() {
    let repo = repo();
    repo.write(
        "nested.hbs",
        "{{#*inline \"row\"}}- {{summary}}\n{{/inline}}\
         {{#*inline \"list\"}}{{#each allowed}}{{> row}}{{/each}}{{/inline}}\
         {{#*inline \"page\"}}# {{base}}..{{head}}\n{{> list}}{{/inline}}{{> page}}",
    );
    let run = repo
        .netpolc(&["diff", "--template", "nested.hbs"])
        .expect(1);
    assert!(
        run.stdout
            .starts_with("# HEAD..work tree\n- pods `app=web` in `shop` may now"),
        "{}",
        run.stdout
    );
}
