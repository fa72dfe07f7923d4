//! A compiled Handlebars template and its render.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use handlebars::template::Template as Ast;
use handlebars::{Context as HbsContext, Handlebars, RenderContext, RenderError, Renderable};
use platen_core::{Context, Origin, Request, Result, Template, Tried};

use crate::budget::{BoundedOut, with_limit};
use crate::error::render_error;
use crate::partials::{Refs, measured};

/// One parsed source. Shared (by `Arc`) by every template whose closure
/// includes it: a partial is parsed once per compile of its own file, never
/// per template that includes it, never per render.
pub(crate) struct Unit {
    pub(crate) origin: Origin,
    pub(crate) source: Arc<str>,
    /// The parsed template, named after `origin.template_name`.
    pub(crate) ast: Arc<Ast>,
    pub(crate) refs: Refs,
}

impl fmt::Debug for Unit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Unit")
            .field("origin", &self.origin.name)
            .field("refs", &self.refs)
            .finish()
    }
}

/// A partial name no loader had, and every place looked at.
pub(crate) type Missing = (String, Vec<Tried>);

/// A partial name of a closure and what it resolved to.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    /// The name as written in `{{> name}}`.
    pub(crate) name: String,
    pub(crate) unit: Arc<Unit>,
    /// Taken from a template still being compiled on this thread (a cycle
    /// of partials): a template that merges this closure into its own
    /// resolves the name again.
    pub(crate) from_ancestor: bool,
}

/// A compiled Handlebars template: its parsed source and every partial it
/// names literally, transitively (its *closure*), each resolved through the
/// engine's loader chain when this template was compiled.
///
/// Rendering takes no lock and parses nothing: the partials are handed to
/// the render context of each render by reference.
pub struct HandlebarsTemplate {
    unit: Arc<Unit>,
    /// The template to render: the parsed source, or a copy with depth
    /// guards when it takes part in a cycle of partials.
    root: Arc<Ast>,
    pub(crate) entries: Vec<Entry>,
    /// What each partial name renders (guarded copies for cyclic partials).
    partials: Vec<(String, Arc<Ast>)>,
    /// Names no loader had, with every place looked at; an error only if a
    /// render needs one that is not defined inline either.
    pub(crate) missing: Vec<Missing>,
    registry: Arc<Handlebars<'static>>,
    /// The most bytes a render may write (`None`: no limit).
    max_output_bytes: Option<usize>,
    /// The size of the last output, to size the buffer of the next.
    last_len: AtomicUsize,
}

impl fmt::Debug for HandlebarsTemplate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HandlebarsTemplate")
            .field("origin", &self.unit.origin)
            .field(
                "partials",
                &self.partials.iter().map(|(n, _)| n).collect::<Vec<_>>(),
            )
            .field(
                "missing",
                &self.missing.iter().map(|(n, _)| n).collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl HandlebarsTemplate {
    pub(crate) fn new(
        unit: Arc<Unit>,
        root: Arc<Ast>,
        entries: Vec<Entry>,
        partials: Vec<(String, Arc<Ast>)>,
        missing: Vec<Missing>,
        registry: Arc<Handlebars<'static>>,
        max_output_bytes: Option<usize>,
    ) -> HandlebarsTemplate {
        HandlebarsTemplate {
            unit,
            root,
            entries,
            partials,
            missing,
            registry,
            max_output_bytes,
            last_len: AtomicUsize::new(0),
        }
    }

    pub(crate) fn unit(&self) -> &Arc<Unit> {
        &self.unit
    }

    /// The source this template or one of its partials was parsed from, by
    /// the name `handlebars` knows it by.
    pub(crate) fn unit_named(&self, name: &str) -> Option<&Arc<Unit>> {
        if self.unit.origin.template_name == name {
            return Some(&self.unit);
        }
        self.entries
            .iter()
            .map(|e| &e.unit)
            .find(|u| u.origin.template_name == name)
    }

    /// Where a partial no loader had was looked for (`None` if it was not
    /// named literally, so not looked for).
    pub(crate) fn tried_for(&self, partial: &str) -> Option<&[Tried]> {
        self.missing
            .iter()
            .find(|(n, _)| n == partial)
            .map(|(_, t)| t.as_slice())
    }

    /// The partial names this template can include, resolved (sorted).
    pub fn partial_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.partials.iter().map(|(n, _)| n.as_str()).collect();
        names.sort_unstable();
        names
    }

    /// Every source this template was compiled from: itself first, then
    /// its partials.
    pub fn sources(&self) -> Vec<&Origin> {
        let mut out = vec![&self.unit.origin];
        for e in &self.entries {
            if !out.contains(&&e.unit.origin) {
                out.push(&e.unit.origin);
            }
        }
        out
    }

    /// Renders with a `handlebars` context, appending to `out`.
    fn render_data(
        &self,
        data: &HbsContext,
        out: &mut String,
    ) -> std::result::Result<(), RenderError> {
        let registry: &Handlebars<'_> = &self.registry;
        let mut rc = RenderContext::new(self.root.name.as_ref());
        rc.set_recursive_lookup(registry.recursive_lookup());
        if let Some(block) = rc.block_mut() {
            // The outermost block: inline partials the page defines at its
            // top level replace these, as they replace registered partials.
            for (name, ast) in &self.partials {
                block.set_local_partial(name.clone(), ast);
            }
        }
        let before = out.len();
        out.reserve(self.last_len.load(Ordering::Relaxed));
        let limit = self.max_output_bytes;
        with_limit(limit, || {
            measured(|| {
                self.root
                    .render(registry, data, &mut rc, &mut BoundedOut::new(out, limit))
            })
        })?;
        self.last_len.store(out.len() - before, Ordering::Relaxed);
        Ok(())
    }
}

impl Template for HandlebarsTemplate {
    fn origin(&self) -> &Origin {
        &self.unit.origin
    }

    /// Renders straight into `out`: on an error, what was rendered before it
    /// stays there (a partial block's content is rendered aside first, as
    /// `handlebars` does).
    ///
    /// A render may write at most the engine's `max_output_bytes` (64 MiB
    /// by default); one that would write more stops with an error of kind
    /// `LimitExceeded` naming the option. A text rendered aside (a partial
    /// block's content, a `{{#cache}}` body) is held to that limit too.
    ///
    /// The context is converted to JSON first (see [`crate`] for what safe
    /// strings, dates and objects become); each thread keeps its last
    /// conversions and converts again only the values that changed. With a request, the template also
    /// sees `request`, `csrf_token` and `csrf_input` unless the context sets them.
    fn render_to(
        &self,
        out: &mut String,
        context: &Context,
        request: Option<&Request>,
    ) -> Result<()> {
        crate::kept::with_data(context, request, |data| self.render_data(data, out))
            .map_err(|e| render_error(e, self))
    }
}
