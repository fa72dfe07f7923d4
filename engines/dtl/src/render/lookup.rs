//! Names and variables: looking names up in the context stack, resolving
//! variable paths and filter expressions, and writing a value as `{{ }}`
//! does (localized, time-zone converted, escaped).

use std::borrow::Cow;
use std::fmt::Write;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use platen_core::value::map_get;
use platen_core::{Error, ErrorKind, Value};

use super::Renderer;
use super::forloop::{LiveLoop, materialize};
use crate::escape::escape_html_into as escape_into;
use crate::expr::{FilterArg, FilterExpr, Head, Var};
use crate::nodes::BlockRef;

impl Renderer<'_> {
    pub(crate) fn lookup_name(&self, name: &str) -> Option<Value> {
        if let Some(v) = self.scopes.get(self.barrier, name) {
            return Some(materialize(v));
        }
        if self.base_visible
            && let Some(v) = self.base.get(name)
        {
            return Some(v.clone());
        }
        match name {
            "True" => Some(Value::Bool(true)),
            "False" => Some(Value::Bool(false)),
            "None" => Some(Value::None),
            _ => None,
        }
    }

    /// The context slot of `name` as stored (a live `forloop` as it is), for
    /// the names [`Renderer::lookup_name`] finds in the frames or the base.
    pub(crate) fn lookup_slot(&self, name: &str) -> Option<&Value> {
        if let Some(v) = self.scopes.get(self.barrier, name) {
            return Some(v);
        }
        if self.base_visible {
            self.base.get(name)
        } else {
            None
        }
    }

    /// A variable's value by reference, when it is found through plain
    /// context slots and map keys only (no objects, no live `forloop`, no
    /// methods or indexes); `None` sends the caller to [`Renderer::resolve_var`],
    /// which gives the same answer in every case this one answers.
    pub(crate) fn resolve_ref(&self, var: &Var) -> Option<&Value> {
        let Var::Path { parts, .. } = var else {
            return None;
        };
        let mut cur = self.lookup_slot(&parts[0])?;
        if matches!(cur, Value::Object(_)) {
            return None;
        }
        for seg in &parts[1..] {
            match cur {
                Value::Map(m) => cur = map_get(m, seg)?,
                _ => return None,
            }
        }
        if self.deps.is_recording() {
            // The long way registers what it looks at with the cache blocks.
            return None;
        }
        Some(cur)
    }

    /// Inside a cache block, an object looked at registers its cache
    /// identity as a dependency of the block (option `auto_depends`); so
    /// does a map with a `cache_key` (an object in a JSON context).
    #[inline]
    fn note_shown(&mut self, v: &Value) {
        if !self.deps.is_recording() || !self.settings.auto_depends {
            return;
        }
        match v {
            Value::Object(o) => {
                if let Some(id) = o.cache_identity() {
                    self.deps.register(&id);
                }
            }
            Value::Map(m) => match map_get(m, "cache_key") {
                Some(Value::Str(id) | Value::SafeStr(id)) if !id.is_empty() => {
                    self.deps.register(id)
                }
                _ => {}
            },
            _ => {}
        }
    }

    /// A name's value, or the invalid-variable value.
    pub(crate) fn has_name(&self, name: &str) -> bool {
        self.lookup_name(name).is_some()
    }

    /// A name's value, or the invalid-variable value.
    pub(crate) fn lookup_name_or_invalid(&self, name: &str) -> Value {
        self.lookup_name(name)
            .unwrap_or_else(|| Value::from(self.settings.string_if_invalid.as_str()))
    }

    // ---- variables -------------------------------------------------------------------

    pub(crate) fn lookup_segment(
        &mut self,
        cur: &Value,
        seg: &str,
    ) -> Result<Option<Value>, Error> {
        match cur {
            Value::Map(m) => {
                self.note_shown(cur);
                if let Some(v) = map_get(m, seg) {
                    return Ok(Some(v.clone()));
                }
                let v = match seg {
                    "items" => m
                        .iter()
                        .map(|(k, v)| Value::from(vec![Value::Str(k.clone()), v.clone()]))
                        .collect(),
                    "keys" => m.keys().map(|k| Value::Str(k.clone())).collect(),
                    "values" => m.values().cloned().collect(),
                    _ => return Ok(None),
                };
                return Ok(Some(v));
            }
            Value::Object(o) => {
                self.note_shown(cur);
                if o.alters_data(seg) {
                    // Django's `alters_data`: never computed from a template.
                    return Ok(None);
                }
                if let Some(b) = o.downcast_ref::<BlockRef>()
                    && seg == "super"
                {
                    return self.block_super(b).map(Some);
                }
                if let Some(v) = o.get_item(&Value::from(seg)) {
                    return Ok(Some(v));
                }
                if let Some(v) = o.get_attr(seg) {
                    return Ok(Some(v));
                }
            }
            // Strings, numbers, dates and times: Python's attributes and
            // no-argument methods (`{{ name.upper }}`, `{{ d.year }}`).
            _ => {
                if let Some(v) = crate::builtin_attrs::attr(cur, seg) {
                    return Ok(Some(v));
                }
            }
        }
        let Ok(index) = seg.trim().parse::<i64>() else {
            return Ok(None);
        };
        Ok(match cur {
            Value::List(l) => {
                let i = if index < 0 {
                    index + l.len() as i64
                } else {
                    index
                };
                usize::try_from(i).ok().and_then(|i| l.get(i).cloned())
            }
            Value::Str(s) | Value::SafeStr(s) => {
                let n = s.chars().count() as i64;
                let i = if index < 0 { index + n } else { index };
                usize::try_from(i)
                    .ok()
                    .and_then(|i| s.chars().nth(i))
                    .map(|c| Value::from(c.to_string()))
            }
            Value::Object(o) => o.get_item(&Value::Int(index)),
            _ => None,
        })
    }

    /// Resolves a variable; `None` when it does not exist.
    pub(crate) fn resolve_var(&mut self, var: &Var) -> Result<Option<Value>, Error> {
        match var {
            Var::Literal(v) => Ok(Some(v.clone())),
            Var::Trans(inner) => match self.resolve_var(inner)? {
                Some(v) => translate_value(self, &v, None).map(Some),
                None => Ok(None),
            },
            Var::Path {
                parts, loop_field, ..
            } => {
                // `forloop.counter` and the like: read from the live loop,
                // without a snapshot object (`parentloop` takes the long way).
                let mut rest = &parts[1..];
                let head = match loop_field {
                    Some(field) => match self.lookup_slot(&parts[0]) {
                        Some(Value::Object(o)) => o
                            .downcast_ref::<LiveLoop>()
                            .map(|l| field.value(l.i.load(Ordering::Relaxed), l.len)),
                        _ => None,
                    },
                    None => None,
                };
                let mut cur = match head {
                    Some(v) => {
                        rest = &rest[1..];
                        v
                    }
                    None => match self.lookup_name(&parts[0]) {
                        Some(v) => v,
                        None => return Ok(None),
                    },
                };
                for seg in rest {
                    match self.lookup_segment(&cur, seg)? {
                        Some(v) => cur = v,
                        None => return Ok(None),
                    }
                }
                self.note_shown(&cur);
                Ok(Some(cur))
            }
        }
    }

    /// Django's `FilterExpression.resolve`.
    pub(crate) fn resolve(
        &mut self,
        e: &FilterExpr,
        ignore_failures: bool,
    ) -> Result<Value, Error> {
        let mut filters = e.filters.iter();
        let mut obj = match &e.head {
            Head::Constant(v) => v.clone(),
            Head::Var(var) => {
                // Fast path: the head found by reference goes straight into a
                // first filter whose argument is no variable (no clone of it).
                if let Some(first) = e.filters.first()
                    && !matches!(
                        first.arg,
                        Some(FilterArg::Var(Var::Path { .. } | Var::Trans(_)))
                    )
                    && let Some(v) = self.resolve_ref(var)
                {
                    let arg = first.arg.as_ref().map(|a| match a {
                        FilterArg::Constant(Value::Str(s)) => Value::SafeStr(s.clone()),
                        FilterArg::Constant(other) | FilterArg::Var(Var::Literal(other)) => {
                            other.clone()
                        }
                        FilterArg::Var(Var::Path { .. } | Var::Trans(_)) => {
                            unreachable!("excluded above")
                        }
                    });
                    let new = self.apply_filter(first, v, arg)?;
                    filters.next();
                    new
                } else {
                    match self.resolve_var(var)? {
                        Some(v) => v,
                        None if ignore_failures => Value::None,
                        None => {
                            let sii = &self.settings.string_if_invalid;
                            if !sii.is_empty() {
                                return Ok(Value::from(sii.replace("%s", &var.text())));
                            }
                            Value::from("")
                        }
                    }
                }
            }
        };
        for f in filters {
            let arg = match &f.arg {
                None => None,
                Some(FilterArg::Constant(v)) => Some(match v {
                    Value::Str(s) => Value::SafeStr(s.clone()),
                    other => other.clone(),
                }),
                Some(FilterArg::Var(var)) => match self.resolve_var(var)? {
                    Some(v) => Some(v),
                    None => {
                        return Err(not_found_var(&var.text()));
                    }
                },
            };
            obj = self.apply_filter(f, &obj, arg)?;
        }
        Ok(obj)
    }

    /// One filter of a filter expression applied to `obj`.
    #[inline]
    pub(crate) fn apply_filter(
        &self,
        f: &crate::expr::FilterCall,
        obj: &Value,
        arg: Option<Value>,
    ) -> Result<Value, Error> {
        if f.def.arg() == crate::filters::Arg::None && arg.is_some() {
            return Err(Error::new(
                ErrorKind::InvalidType,
                format!(
                    "{}() got multiple values for argument 'autoescape'",
                    f.def.name()
                ),
            ));
        }
        let env = self.filter_env();
        let new = f.def.call(obj, arg.as_ref(), &env)?;
        Ok(if f.def.is_safe() && obj.is_safe() {
            match new {
                Value::Str(s) => Value::SafeStr(s),
                v @ (Value::List(_) | Value::Map(_)) => Value::safe(v.to_string()),
                v => v,
            }
        } else {
            new
        })
    }

    /// Writes a value as `{{ }}` does (Django's `render_value_in_context`):
    /// localized, and escaped under autoescape unless it is safe.
    pub fn write_value(&self, v: &Value, out: &mut String) {
        // Django's `template_localtime`: inside `{% localtime on %}`, aware
        // datetimes show in the current time zone.
        if self.use_tz
            && matches!(v, Value::AwareDateTime(_))
            && let Some(local) =
                crate::timezone::convert(v, self.timezone.unwrap_or(crate::timezone::DEFAULT_TZ))
        {
            return self.write_localized(&local, out);
        }
        self.write_localized(v, out)
    }

    /// [`Renderer::write_value`] without the time zone conversion.
    pub(crate) fn write_localized(&self, v: &Value, out: &mut String) {
        match v {
            Value::Str(s) => {
                if self.autoescape {
                    escape_into(out, s)
                } else {
                    out.push_str(s)
                }
            }
            Value::SafeStr(s) => out.push_str(s),
            // Grouped only with `use_thousand_separator`.
            Value::Int(i) if !self.settings.translations.formats.use_thousand_separator => {
                out.push_str(itoa::Buffer::new().format(*i))
            }
            Value::Object(o) if o.is_safe() => {
                let _ = write!(out, "{v}");
            }
            other => {
                let s = self.render_text(other);
                if self.autoescape {
                    escape_into(out, &s)
                } else {
                    out.push_str(&s)
                }
            }
        }
    }

    /// The text `{{ value }}` prints for a non-string value, before escaping
    /// (Django's `localize(value, use_l10n=context.use_l10n)`).
    pub(crate) fn render_text(&self, v: &Value) -> String {
        let env = self.filter_env();
        let formats = self
            .translations()
            .formats(&self.language, self.use_l10n.unwrap_or(true));
        crate::filters::localize_with(v, &env, &formats)
            .map(Cow::into_owned)
            .unwrap_or_else(|_| v.to_string())
    }
}

fn not_found_var(text: &str) -> Error {
    Error::new(
        ErrorKind::UndefinedVariable,
        format!("Failed lookup for key [{text}]"),
    )
}

/// Django's `Variable.resolve` with `translate` on: a string's `%` doubled,
/// then looked up in the active language (with `context`: `pgettext`). A
/// safe message gives a safe translation.
pub(crate) fn translate_value(
    r: &Renderer<'_>,
    v: &Value,
    context: Option<&str>,
) -> Result<Value, Error> {
    let (Value::Str(s) | Value::SafeStr(s)) = v else {
        return Err(Error::new(
            ErrorKind::InvalidAttribute,
            format!("'{}' object has no attribute 'replace'", v.kind_name()),
        ));
    };
    let msgid = s.replace('%', "%%");
    let (set, active) = (r.translations(), &r.language);
    let t = match context {
        Some(c) => set.pgettext(active, c, &msgid)?,
        None => set.gettext(active, &msgid)?,
    };
    let t: Arc<str> = Arc::from(&*t);
    Ok(if v.is_safe() {
        Value::SafeStr(t)
    } else {
        Value::Str(t)
    })
}
