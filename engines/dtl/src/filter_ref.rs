//! A filter as a compiled expression holds it: a built-in definition or a
//! user function with its options (Django's `@register.filter(...)`).

use std::fmt;
use std::sync::Arc;

use platen_core::{Error, Value};

use crate::filters::{Arg, FilterDef, FilterEnv};

/// A user filter function: input, argument (when given), environment.
pub(crate) type DynFilterFn =
    dyn Fn(&Value, Option<&Value>, &FilterEnv) -> Result<Value, Error> + Send + Sync;

/// How a user filter takes its argument and treats safe strings
/// (Django's `@register.filter(is_safe=..., needs_autoescape=...)`).
#[derive(Debug, Clone, Copy)]
pub struct FilterOptions {
    /// Whether the filter takes an argument.
    pub arg: Arg,
    /// Django's `is_safe`: a safe input gives a safe output (for strings).
    pub is_safe: bool,
    /// Django's `needs_autoescape`: the filter reads
    /// [`FilterEnv::autoescape`] to escape its own output.
    pub needs_autoescape: bool,
}

impl Default for FilterOptions {
    fn default() -> FilterOptions {
        FilterOptions {
            arg: Arg::None,
            is_safe: false,
            needs_autoescape: false,
        }
    }
}

/// A user filter: its name, function and options.
pub(crate) struct UserFilter {
    pub(crate) name: Arc<str>,
    pub(crate) func: Box<DynFilterFn>,
    pub(crate) options: FilterOptions,
}

/// A filter bound in a library: a built-in definition or a user function.
#[derive(Clone)]
pub(crate) enum FilterRef {
    Builtin(&'static FilterDef),
    User(Arc<UserFilter>),
}

impl fmt::Debug for FilterRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Filter({})", self.name())
    }
}

impl FilterRef {
    pub(crate) fn name(&self) -> &str {
        match self {
            FilterRef::Builtin(d) => d.name,
            FilterRef::User(u) => &u.name,
        }
    }

    pub(crate) fn arg(&self) -> Arg {
        match self {
            FilterRef::Builtin(d) => d.arg,
            FilterRef::User(u) => u.options.arg,
        }
    }

    pub(crate) fn is_safe(&self) -> bool {
        match self {
            FilterRef::Builtin(d) => d.is_safe,
            FilterRef::User(u) => u.options.is_safe,
        }
    }

    pub(crate) fn needs_autoescape(&self) -> bool {
        match self {
            FilterRef::Builtin(d) => d.needs_autoescape,
            FilterRef::User(u) => u.options.needs_autoescape,
        }
    }

    #[inline]
    pub(crate) fn call(
        &self,
        v: &Value,
        arg: Option<&Value>,
        env: &FilterEnv,
    ) -> Result<Value, Error> {
        match self {
            FilterRef::Builtin(d) => (d.func)(v, arg, env),
            FilterRef::User(u) => (u.func)(v, arg, env),
        }
    }
}
