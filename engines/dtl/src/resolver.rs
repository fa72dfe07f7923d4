//! Reversing URL names: the application's side of `{% url %}`.

use std::fmt;

use platen_core::{Error, Value};

/// Reverses URL names for `{% url %}`; the application provides it.
pub trait UrlResolver: Send + Sync + fmt::Debug {
    /// The URL of `view` with positional `args` or keyword `kwargs`.
    fn reverse(
        &self,
        view: &str,
        args: &[Value],
        kwargs: &[(String, Value)],
    ) -> Result<String, Error>;
}
