//! Where a value came from: the settings file (and profile section), an
//! environment variable or the built-in defaults, found from the tags
//! figment keeps on every value.

use super::*;

/// Finds the source (file or variable) of a tagged figment value.
pub(super) struct MetaLookup {
    pub(super) figment: Figment,
}

impl MetaLookup {
    pub(super) fn describe(&self, tag: Tag) -> Option<String> {
        Some(describe_metadata(self.figment.get_metadata(tag)?, &[]))
    }

    pub(super) fn is_env(&self, tag: Tag) -> bool {
        self.figment
            .get_metadata(tag)
            .is_some_and(|m| m.name.contains("environment variable"))
    }
}

/// Says where a value came from: the file (and profile section), the
/// environment variable, the built-in defaults, or the provider's name.
pub(super) fn describe_metadata(meta: &Metadata, key: &[&str]) -> String {
    let name: &str = &meta.name;
    if name.starts_with("environment variable ") {
        // One of our own layers: one variable each.
        return name.to_owned();
    }
    match &meta.source {
        Some(Source::File(path)) if name.starts_with("[profiles.") => {
            format!("{}, section {name}", path.display())
        }
        Some(Source::File(path)) => path.display().to_string(),
        _ if name.contains("environment variable") => {
            // figment's own `Env` provider, added by an application.
            let var = meta
                .interpolate(&Profile::Default, key)
                .replace('.', "__")
                .to_ascii_uppercase();
            if key.is_empty() {
                name.to_owned()
            } else if var.starts_with(ENV_PREFIX) {
                format!("environment variable {var}")
            } else {
                format!("environment variable {ENV_PREFIX}{var}")
            }
        }
        _ => name.to_owned(),
    }
}

/// Formats a dotted figment path as a settings key: numeric parts become
/// indexes (`templates.0.dirs.1` -> `templates[0].dirs[1]`).
pub fn format_key(path: &str) -> String {
    let mut out = String::new();
    for part in path.split('.').filter(|p| !p.is_empty()) {
        if part.bytes().all(|b| b.is_ascii_digit()) {
            out.push_str(&format!("[{part}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(part);
        }
    }
    out
}
