//! The output budget of a render (the engine option `max_output_bytes`):
//! a runaway template (a loop over a large list, partials that each
//! include the next level twice) ends with an error of kind
//! `LimitExceeded` instead of allocating until the process aborts.
//!
//! The page is written through a [`BoundedOut`], which refuses a write
//! that would take it past the limit. The texts the adapter renders aside
//! before writing them are held to the same limit, each on its own: the
//! body of a `{{#cache}}` block, and the content of a partial block
//! (`{{#> layout}}...{{/layout}}`), which `handlebars` renders into a
//! string of its own before the partial runs; the adapter wraps that
//! content in the `platen:bounded` helper when it parses a template (see
//! [`bound_partial_blocks`]), so it is rendered through a [`BoundedOut`].
//!
//! Handlebars has no hook to count the work of a render, so there is no
//! `fuel` option as DTL has: a loop that writes nothing is not stopped.

use std::cell::Cell;
use std::fmt;
use std::sync::LazyLock;

use handlebars::template::{Template, TemplateElement};
use handlebars::{
    Context as HbsContext, Handlebars, Helper, HelperDef, HelperResult, Output, RenderContext,
    RenderErrorReason, Renderable,
};
use platen_core::{EngineSettings, Error};

/// The output of one render when the settings name none (64 MiB).
pub const DEFAULT_MAX_OUTPUT_BYTES: usize = 64 << 20;

/// The name of the helper bounding the content of partial blocks.
pub(crate) const BOUNDED_HELPER: &str = "platen:bounded";

/// The error of a write past the budget: the `io::Error` a [`BoundedOut`]
/// returns holds it, and [`crate::error`] maps it to `LimitExceeded`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TooMuchOutput {
    pub(crate) limit: usize,
}

impl fmt::Display for TooMuchOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the render wrote more than its budget of {} bytes (the engine option \
             `max_output_bytes` sets it)",
            self.limit
        )
    }
}

impl std::error::Error for TooMuchOutput {}

impl TooMuchOutput {
    /// The budget error an `io::Error` holds, if it holds one.
    pub(crate) fn in_io(err: &std::io::Error) -> Option<TooMuchOutput> {
        err.get_ref()?.downcast_ref::<TooMuchOutput>().copied()
    }
}

thread_local! {
    /// The output limit of the render running on this thread (`None`:
    /// none running, or unlimited), for the texts rendered aside.
    static LIMIT: Cell<Option<usize>> = const { Cell::new(None) };
}

/// Runs `f` (a render) with `limit` as this thread's output limit, then
/// restores the previous one (a render may run inside another's helper).
pub(crate) fn with_limit<T>(limit: Option<usize>, f: impl FnOnce() -> T) -> T {
    struct Restore(Option<usize>);
    impl Drop for Restore {
        fn drop(&mut self) {
            LIMIT.with(|l| l.set(self.0));
        }
    }
    let _restore = Restore(LIMIT.with(|l| l.replace(limit)));
    f()
}

/// The output limit of the render running on this thread.
pub(crate) fn current_limit() -> Option<usize> {
    LIMIT.with(Cell::get)
}

/// `handlebars` output appended to a `String`, refusing to let what this
/// output wrote grow past `limit` bytes.
pub(crate) struct BoundedOut<'a> {
    buf: &'a mut String,
    /// The length of `buf` before this output wrote anything.
    start: usize,
    limit: usize,
}

impl<'a> BoundedOut<'a> {
    /// Appends to `buf`, at most `limit` bytes (`None`: no limit).
    pub(crate) fn new(buf: &'a mut String, limit: Option<usize>) -> BoundedOut<'a> {
        let start = buf.len();
        BoundedOut {
            buf,
            start,
            limit: limit.unwrap_or(usize::MAX),
        }
    }

    #[cold]
    fn too_much(&self) -> std::io::Error {
        std::io::Error::other(TooMuchOutput { limit: self.limit })
    }
}

impl Output for BoundedOut<'_> {
    #[inline]
    fn write(&mut self, seg: &str) -> std::io::Result<()> {
        let written = self.buf.len() - self.start;
        if seg.len() > self.limit - written {
            return Err(self.too_much());
        }
        self.buf.push_str(seg);
        Ok(())
    }

    fn write_fmt(&mut self, args: fmt::Arguments<'_>) -> std::io::Result<()> {
        fmt::Write::write_fmt(self.buf, args).map_err(std::io::Error::other)?;
        if self.buf.len() - self.start > self.limit {
            // Drop what went past the limit, keeping the text whole.
            let mut end = self.start + self.limit;
            while !self.buf.is_char_boundary(end) {
                end -= 1;
            }
            self.buf.truncate(end);
            return Err(self.too_much());
        }
        Ok(())
    }
}

/// The option `max_output_bytes`: a positive number of bytes, or `"none"`
/// (or `false`) for no limit; [`DEFAULT_MAX_OUTPUT_BYTES`] when unset.
/// Zero, or anything else, is a settings error naming
/// `options.max_output_bytes`.
pub(crate) fn max_output_bytes(settings: &EngineSettings) -> Result<Option<usize>, Error> {
    use serde_json::Value;
    let name = "max_output_bytes";
    let default = DEFAULT_MAX_OUTPUT_BYTES;
    let bad = || {
        settings.error(
            &format!("options.{name}"),
            format!(
                "`{name}` takes a positive number, or \"none\" for no limit (default {default})"
            ),
        )
    };
    let n = match settings.option::<Value>(name)? {
        None => return Ok(Some(default)),
        Some(Value::Bool(false)) => return Ok(None),
        Some(Value::String(t)) if t.trim().eq_ignore_ascii_case("none") => return Ok(None),
        Some(Value::Number(n)) => n.as_u64(),
        Some(Value::String(t)) => t.trim().parse::<u64>().ok(),
        Some(_) => None,
    };
    let n = n.filter(|n| *n > 0).ok_or_else(bad)?;
    Ok(Some(usize::try_from(n).unwrap_or(usize::MAX)))
}

/// The wrapper element, parsed once.
static WRAPPER: LazyLock<Template> = LazyLock::new(|| {
    Template::compile(&format!(
        "{{{{#{BOUNDED_HELPER}}}}}{{{{/{BOUNDED_HELPER}}}}}"
    ))
    .expect("the bounded helper parses")
});

/// Wraps the content of every partial block of `template` (at any depth)
/// in the `platen:bounded` helper, so that the text `handlebars` renders
/// aside from it is held to the output budget.
pub(crate) fn bound_partial_blocks(template: &mut Template) {
    for element in &mut template.elements {
        match element {
            TemplateElement::PartialBlock(d) => {
                if let Some(body) = d.template.take() {
                    d.template = Some(wrapped(body));
                }
            }
            TemplateElement::DecoratorBlock(d) => {
                if let Some(t) = &mut d.template {
                    bound_partial_blocks(t);
                }
            }
            TemplateElement::HelperBlock(h) => {
                for t in h.template.iter_mut().chain(h.inverse.iter_mut()) {
                    bound_partial_blocks(t);
                }
            }
            _ => {}
        }
    }
}

/// `body` (its own partial blocks bounded) as the body of the wrapper.
fn wrapped(mut body: Template) -> Template {
    bound_partial_blocks(&mut body);
    let Some(TemplateElement::HelperBlock(wrapper)) = WRAPPER.elements.first() else {
        return body;
    };
    let mut wrapper = wrapper.clone();
    let at = body
        .mapping
        .first()
        .cloned()
        .or_else(|| WRAPPER.mapping.first().cloned());
    let mut outer = WRAPPER.clone();
    outer.name.clone_from(&body.name);
    outer.mapping = at.into_iter().collect();
    wrapper.template = Some(body);
    outer.elements = vec![TemplateElement::HelperBlock(wrapper)];
    outer
}

/// `{{#platen:bounded}}...{{/platen:bounded}}`: renders its body into a
/// text of its own held to the render's output budget, then writes it.
pub(crate) struct BoundedHelper;

impl HelperDef for BoundedHelper {
    fn call<'reg: 'rc, 'rc>(
        &self,
        h: &Helper<'rc>,
        r: &'reg Handlebars<'reg>,
        ctx: &'rc HbsContext,
        rc: &mut RenderContext<'reg, 'rc>,
        out: &mut dyn Output,
    ) -> HelperResult {
        let Some(body) = h.template() else {
            return Err(RenderErrorReason::Other(format!(
                "`{BOUNDED_HELPER}` is a block helper of the adapter"
            ))
            .into());
        };
        let mut text = String::new();
        body.render(r, ctx, rc, &mut BoundedOut::new(&mut text, current_limit()))?;
        out.write(&text)?;
        Ok(())
    }
}
