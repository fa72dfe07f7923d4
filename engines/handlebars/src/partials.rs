//! What a parsed Handlebars template says about partials: the names it
//! includes, the names it defines inline, and, for templates that take part
//! in a cycle of partials, a copy with a depth guard at each entry point.

use std::cell::Cell;
use std::collections::VecDeque;
use std::fmt;
use std::sync::LazyLock;

use handlebars::template::{DecoratorTemplate, Parameter, Template, TemplateElement};
use handlebars::{
    Context as HbsContext, Decorator, DecoratorDef, Handlebars, JsonRender, JsonValue,
    RenderContext, RenderError, RenderErrorReason,
};

/// The partial names of `{{@partial-block}}`-style special partials start with this.
const SPECIAL: char = '@';

/// The name of the decorator that guards the depth of recursive partials.
pub(crate) const GUARD_DECORATOR: &str = "platen:depth";

/// How much stack a render may use in templates that include themselves,
/// directly or through others, before the recursion is reported as one that
/// does not end. Each nested block (a partial, an `#each`, a `#with`...) is
/// a few frames of the `handlebars` renderer: about 3 KiB in a release
/// build, 10 to 14 KiB in a debug build. So this allows some 300 nested
/// blocks in release (100 in debug) and stays well inside a 2 MiB thread
/// stack (a spawned thread's, or a tokio worker's).
pub(crate) const STACK_BUDGET: usize = 1 << 20;

/// What one template says about partials.
#[derive(Debug, Default, Clone)]
pub(crate) struct Refs {
    /// Every partial name written literally (`{{> name}}`, `{{> "name"}}`,
    /// `{{#> name}}`), in order of first use, anywhere in the template
    /// (inside blocks and inline partials too).
    pub(crate) names: Vec<String>,
    /// Whether a partial name is computed at render time (`{{> (expr)}}`).
    pub(crate) dynamic: bool,
    /// The names defined with `{{#*inline "name"}}`.
    pub(crate) inline: Vec<String>,
    /// Whether an inline partial's name is computed at render time.
    pub(crate) dynamic_inline: bool,
}

impl Refs {
    /// Reads the partials of `template`.
    pub(crate) fn of(template: &Template) -> Refs {
        let mut refs = Refs::default();
        refs.walk(template);
        refs
    }

    fn walk(&mut self, template: &Template) {
        for element in &template.elements {
            match element {
                TemplateElement::PartialExpression(d) | TemplateElement::PartialBlock(d) => {
                    match static_name(&d.name) {
                        Some(name) if name.starts_with(SPECIAL) => {}
                        Some(name) => {
                            if !self.names.contains(&name) {
                                self.names.push(name);
                            }
                        }
                        None => self.dynamic = true,
                    }
                    if let Some(t) = &d.template {
                        self.walk(t);
                    }
                }
                TemplateElement::DecoratorBlock(d) | TemplateElement::DecoratorExpression(d) => {
                    if is_inline(d) {
                        // Its parameter is evaluated: only a string literal is known now.
                        match d.params.first() {
                            Some(Parameter::Literal(JsonValue::String(name))) => {
                                self.inline.push(name.clone())
                            }
                            _ => self.dynamic_inline = true,
                        }
                    }
                    if let Some(t) = &d.template {
                        self.walk(t);
                    }
                }
                TemplateElement::HelperBlock(h) => {
                    for t in h.template.iter().chain(h.inverse.iter()) {
                        self.walk(t);
                    }
                }
                _ => {}
            }
        }
    }

    /// Whether this template may define the inline partial `name`.
    pub(crate) fn may_define(&self, name: &str) -> bool {
        self.dynamic_inline || self.inline.iter().any(|n| n == name)
    }
}

/// The name `handlebars` looks up for a partial written as `p`, when it
/// does not depend on the data.
fn static_name(p: &Parameter) -> Option<String> {
    match p {
        Parameter::Name(_) => p.as_name().map(str::to_owned),
        // `{{> foo/bar}}` is a path to `handlebars`, but names the partial by its text.
        Parameter::Path(_) => p.as_name().map(str::to_owned),
        Parameter::Literal(json) => Some(json.render()),
        _ => None,
    }
}

/// The template name a partial name written as `raw` stands for: `handlebars`
/// keeps the quotes of `{{> 'name'}}` and the brackets of `{{> [name]}}` in
/// the name it looks up, but they are not part of a file name.
pub(crate) fn file_name(raw: &str) -> &str {
    for (open, close) in [('\'', '\''), ('[', ']')] {
        if raw.len() >= 2
            && let Some(inner) = raw.strip_prefix(open).and_then(|r| r.strip_suffix(close))
        {
            return inner;
        }
    }
    raw
}

fn is_inline(d: &DecoratorTemplate) -> bool {
    matches!(&d.name, Parameter::Name(n) if n == "inline")
}

/// The nodes of a closure that are on a cycle, given each node's successors.
pub(crate) fn on_cycle(successors: &[Vec<usize>]) -> Vec<bool> {
    let n = successors.len();
    (0..n)
        .map(|start| {
            let mut seen = vec![false; n];
            let mut queue: VecDeque<usize> = successors[start].iter().copied().collect();
            while let Some(node) = queue.pop_front() {
                if node == start {
                    return true;
                }
                if !std::mem::replace(&mut seen[node], true) {
                    queue.extend(successors[node].iter().copied());
                }
            }
            false
        })
        .collect()
}

/// The guard element, parsed once, and its position entry.
static GUARD: LazyLock<Template> = LazyLock::new(|| {
    Template::compile(&format!("{{{{*{GUARD_DECORATOR}}}}}")).expect("the guard decorator parses")
});

/// A copy of `template` with a depth guard first in its body and first in
/// the body of each of its inline partials: the places a recursion enters.
pub(crate) fn guarded(template: &Template) -> Template {
    let mut copy = template.clone();
    let start = GUARD.mapping.first().cloned();
    insert_guard(&mut copy, start);
    copy
}

fn insert_guard(template: &mut Template, at: Option<handlebars::template::TemplateMapping>) {
    guard_inline_bodies(template);
    if let (Some(guard), Some(at)) = (GUARD.elements.first(), at)
        && template.mapping.len() == template.elements.len()
    {
        template.elements.insert(0, guard.clone());
        template.mapping.insert(0, at);
    }
}

fn guard_inline_bodies(template: &mut Template) {
    let Template {
        elements, mapping, ..
    } = template;
    for (i, element) in elements.iter_mut().enumerate() {
        match element {
            TemplateElement::DecoratorBlock(d) => {
                let inline = is_inline(d);
                if let Some(t) = &mut d.template {
                    if inline {
                        insert_guard(t, mapping.get(i).cloned());
                    } else {
                        guard_inline_bodies(t);
                    }
                }
            }
            TemplateElement::PartialBlock(d) => {
                if let Some(t) = &mut d.template {
                    guard_inline_bodies(t);
                }
            }
            TemplateElement::HelperBlock(h) => {
                for t in h.template.iter_mut().chain(h.inverse.iter_mut()) {
                    guard_inline_bodies(t);
                }
            }
            _ => {}
        }
    }
}

/// The error of a recursion that went too deep.
#[derive(Debug)]
pub(crate) struct TooDeep {
    depth: usize,
}

impl fmt::Display for TooDeep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "partials nest too deeply ({} blocks, over {} KiB of stack); a partial that includes itself, \
             directly or through others, must stop (put the inclusion inside an `#if` or `#each` that ends)",
            self.depth,
            STACK_BUDGET / 1024
        )
    }
}

impl std::error::Error for TooDeep {}

thread_local! {
    /// Where on this thread's stack the outermost render began (0: none).
    static BASE: Cell<usize> = const { Cell::new(0) };
}

/// Where the stack is now (the address of a local).
#[inline(never)]
fn stack_position() -> usize {
    let marker = 0u8;
    std::hint::black_box(&marker) as *const u8 as usize
}

/// Runs `f` (a render) with the stack position of the outermost render on
/// this thread recorded for [`DepthGuard`].
pub(crate) fn measured<T>(f: impl FnOnce() -> T) -> T {
    struct Reset;
    impl Drop for Reset {
        fn drop(&mut self) {
            BASE.with(|b| b.set(0));
        }
    }
    if BASE.with(Cell::get) != 0 {
        return f();
    }
    BASE.with(|b| b.set(stack_position()));
    let _reset = Reset;
    f()
}

/// The depth guard: fails the render when a recursion has used more than
/// [`STACK_BUDGET`] of stack since the outermost render began.
pub(crate) struct DepthGuard;

impl DecoratorDef for DepthGuard {
    fn call<'reg: 'rc, 'rc>(
        &'reg self,
        _: &Decorator<'rc>,
        _: &'reg Handlebars<'reg>,
        _: &'rc HbsContext,
        rc: &mut RenderContext<'reg, 'rc>,
    ) -> Result<(), RenderError> {
        let base = BASE.with(Cell::get);
        if base == 0 || base.abs_diff(stack_position()) <= STACK_BUDGET {
            return Ok(());
        }
        // The render context does not tell its depth; swapping the block
        // stack out and back in does, without copying it.
        let blocks = rc.replace_blocks(VecDeque::new());
        let depth = blocks.len();
        rc.replace_blocks(blocks);
        Err(RenderErrorReason::NestedError(Box::new(TooDeep { depth })).into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_names_everywhere_and_skips_special_ones() {
        let t = Template::compile(
            "{{> a}}{{#if x}}{{> b}}{{else}}{{> 'c d'}}{{/if}}{{#> e}}{{> @partial-block}}{{> f}}{{/e}}\
             {{#*inline \"g\"}}{{> h}}{{/inline}}{{> a}}{{> dir/i.hbs}}",
        )
        .unwrap();
        let refs = Refs::of(&t);
        assert_eq!(refs.names, ["a", "b", "'c d'", "e", "f", "h", "dir/i.hbs"]);
        assert_eq!(file_name("'c d'"), "c d");
        assert_eq!(file_name("[c d]"), "c d");
        assert_eq!(file_name("a/b.hbs"), "a/b.hbs");
        assert_eq!(file_name("'"), "'");
        assert_eq!(refs.inline, ["g"]);
        assert!(!refs.dynamic && !refs.dynamic_inline);
        let t = Template::compile("{{> (which)}}{{#*inline name}}x{{/inline}}").unwrap();
        let refs = Refs::of(&t);
        assert!(refs.dynamic && refs.dynamic_inline && refs.may_define("anything"));
    }

    #[test]
    fn cycles_are_found() {
        // 0 -> 1 -> 2 -> 1, 3 -> 3
        let succ = vec![vec![1], vec![2], vec![1], vec![3]];
        assert_eq!(on_cycle(&succ), [false, true, true, true]);
    }

    #[test]
    fn guards_enter_the_body_and_inline_bodies() {
        let t = Template::compile("a{{#if x}}{{#*inline \"p\"}}b{{/inline}}{{/if}}").unwrap();
        let g = guarded(&t);
        assert_eq!(g.elements.len(), t.elements.len() + 1);
        assert_eq!(g.mapping.len(), g.elements.len());
        assert!(matches!(
            &g.elements[0],
            TemplateElement::DecoratorExpression(_)
        ));
        let TemplateElement::HelperBlock(h) = &g.elements[2] else {
            panic!("{:?}", g.elements)
        };
        let TemplateElement::DecoratorBlock(d) = &h.template.as_ref().unwrap().elements[0] else {
            panic!()
        };
        let body = d.template.as_ref().unwrap();
        assert!(matches!(
            &body.elements[0],
            TemplateElement::DecoratorExpression(_)
        ));
        assert_eq!(body.mapping.len(), body.elements.len());
    }
}
