//! The `PLATEN_` environment variables, each a layer of its own.
//!
//! This is our own code, not figment's `Env::prefixed("PLATEN_").split("__")`,
//! because `Env` cannot express what these variables do:
//!
//! - `templates` is an array, and a variable addresses one engine in it by
//!   position or by `name` (`PLATEN_TEMPLATES__HBS__OPTIONS__STRICT_MODE`),
//!   or one item of a list (`PLATEN_TEMPLATES__0__DIRS__1`); `Env` makes
//!   nested dicts only, which would replace the whole array;
//! - a value is read by the type of the key it sets (a string key takes
//!   `3` verbatim, a boolean key takes `yes`/`on`/`1`); `Env` guesses the
//!   type from the text alone;
//! - a variable naming no key is an error naming the variable, as an
//!   unknown key of the file is; `Env` would pass it on as an unknown key
//!   named after the lowercased path;
//! - each variable is its own figment layer, so errors name the variable,
//!   not "environment variable(s)".
//!
//! Likewise the `[profiles.<name>]` sections are merged by
//! [`layering`](super::layering), not with figment's profiles: figment's
//! `nested()` reads top-level keys as profile names, while our top level
//! holds the settings themselves and the sections live under `profiles`.
//! An application that uses figment's `Env` or profiles for its own keys
//! can still merge them over [`Settings::figment`] (their errors name the
//! variable too, see `source.rs`).

use super::*;

/// The environment variable prefix.
pub const ENV_PREFIX: &str = "PLATEN_";

/// Variables with the [`ENV_PREFIX`] that are not settings and are ignored:
/// `PLATEN_SETTINGS` names the settings file for the `platen` command.
pub const ENV_NOT_SETTINGS: &[&str] = &["PLATEN_SETTINGS"];

/// The other readings of a scalar an environment variable set.
pub(super) fn relaxed_forms(value: &FigValue) -> Vec<FigValue> {
    let tag = value.tag();
    let mut out = Vec::new();
    if let Some(b) = value.to_bool_lossy() {
        out.push(FigValue::Bool(tag, b));
    }
    if let Some(n) = value.to_num_lossy() {
        out.push(FigValue::Num(tag, n));
    }
    if let Some(text) = scalar_text(value) {
        out.push(FigValue::String(tag, text));
    }
    out
}

/// The text of a scalar value (as an environment variable would spell it).
pub(super) fn scalar_text(value: &FigValue) -> Option<String> {
    match value {
        FigValue::String(_, s) => Some(s.clone()),
        FigValue::Char(_, c) => Some(c.to_string()),
        FigValue::Bool(_, b) => Some(b.to_string()),
        FigValue::Num(_, n) => Some(num_text(*n)),
        _ => None,
    }
}

pub(super) fn num_text(n: Num) -> String {
    if let Some(i) = n.to_i128() {
        i.to_string()
    } else if let Some(u) = n.to_u128() {
        u.to_string()
    } else {
        n.to_f64().map_or_else(String::new, |f| f.to_string())
    }
}

/// The metadata name of the layer one environment variable makes.
pub(super) fn env_layer_name(var: &str) -> String {
    format!("environment variable {var}")
}

/// One `PLATEN_` variable: its name, its key path (lowercased) and value.
pub(super) struct EnvVar {
    pub(super) name: String,
    pub(super) path: Vec<String>,
    pub(super) raw: String,
}

/// Reads the `PLATEN_` variables, shortest key first (so that
/// `PLATEN_TEMPLATES` comes before `PLATEN_TEMPLATES__0__DIRS`).
pub(super) fn env_vars() -> Result<Vec<EnvVar>> {
    let mut vars = Vec::new();
    for (name, value) in std::env::vars_os() {
        let Some(name) = name.to_str() else { continue };
        let Some(rest) = name.get(ENV_PREFIX.len()..) else {
            continue;
        };
        if !name[..ENV_PREFIX.len()].eq_ignore_ascii_case(ENV_PREFIX)
            || ENV_NOT_SETTINGS
                .iter()
                .any(|n| n.eq_ignore_ascii_case(name))
        {
            continue;
        }
        let source = Some(env_layer_name(name));
        let path: Vec<String> = rest.split("__").map(str::to_ascii_lowercase).collect();
        if path.iter().any(String::is_empty) {
            return Err(Error::bad_setting(
                format_key(&path.join(".")),
                source,
                "not a settings variable: after PLATEN_, name a key, with `__` between nested keys \
                 (PLATEN_DEBUG, PLATEN_TEMPLATES__0__DIRS)",
            ));
        }
        let raw = value.into_string().map_err(|_| {
            Error::bad_setting(
                format_key(&path.join(".")),
                source.clone(),
                "the value is not valid UTF-8",
            )
        })?;
        vars.push(EnvVar {
            name: name.to_owned(),
            path,
            raw,
        });
    }
    vars.sort_by(|a, b| (a.path.len(), &a.name).cmp(&(b.path.len(), &b.name)));
    Ok(vars)
}

/// What a key expects, so that an environment variable's text is read right.
#[derive(Clone, Copy)]
pub(super) enum EnvKind {
    Bool,
    Str,
    StrList,
    Literal,
}

pub(super) fn env_kind(path: &[String]) -> EnvKind {
    let parts: Vec<&str> = path.iter().map(String::as_str).collect();
    let parts = match parts.as_slice() {
        ["profiles", _, rest @ ..] => rest,
        all => all,
    };
    match parts {
        ["debug"] => EnvKind::Bool,
        ["profile" | "static_url"] => EnvKind::Str,
        ["apps"] => EnvKind::StrList,
        ["apps", _] | ["apps", _, "name" | "path"] => EnvKind::Str,
        ["templates", _, "backend" | "name"] => EnvKind::Str,
        [
            "caches",
            _,
            "backend" | "location" | "key_prefix" | "channel",
        ] => EnvKind::Str,
        ["caches", _, "l1"] => EnvKind::Bool,
        ["templates", _, "app_dirs"] => EnvKind::Bool,
        ["templates", _, "dirs"] => EnvKind::StrList,
        ["templates", _, "dirs", _] => EnvKind::Str,
        ["templates", _, "options", "autoescape" | "debug"] => EnvKind::Bool,
        [
            "templates",
            _,
            "options",
            "string_if_invalid" | "file_charset",
        ] => EnvKind::Str,
        ["templates", _, "options", "context_processors" | "builtins"] => EnvKind::StrList,
        [
            "templates",
            _,
            "options",
            "context_processors" | "builtins" | "libraries",
            _,
        ] => EnvKind::Str,
        _ => EnvKind::Literal,
    }
}

/// Reads a variable's text as the value of the key at `path`.
pub(super) fn env_value(path: &[String], raw: &str) -> FigValue {
    match env_kind(path) {
        EnvKind::Str => FigValue::from(raw.to_owned()),
        EnvKind::Bool => {
            let text = FigValue::from(raw.trim().to_owned());
            match text.to_bool_lossy() {
                Some(b) => FigValue::from(b),
                None => FigValue::from(raw.to_owned()),
            }
        }
        EnvKind::StrList => match raw.parse::<FigValue>() {
            Ok(FigValue::Array(tag, items)) => FigValue::Array(
                tag,
                items
                    .into_iter()
                    .map(|v| match scalar_text(&v) {
                        Some(text) => FigValue::String(v.tag(), text),
                        None => v,
                    })
                    .collect(),
            ),
            Ok(other) => other,
            Err(_) => FigValue::from(raw.to_owned()),
        },
        EnvKind::Literal => raw
            .parse::<FigValue>()
            .unwrap_or_else(|_| FigValue::from(raw.to_owned())),
    }
}

/// Merges the layer of one variable: its value set at its key, over the
/// current value of its top-level key (so that the rest is kept, with its
/// sources).
pub(super) fn apply_env_var(figment: Figment, var: &EnvVar) -> Result<Figment> {
    let source = || Some(env_layer_name(&var.name));
    let mut path = var.path.clone();
    let top = path[0].clone();
    let mut current = figment.find_value(&top).ok();
    if top == "templates" && path.len() > 1 {
        let engines: &[FigValue] = match &current {
            Some(FigValue::Array(_, items)) => items,
            Some(other) => {
                return Err(Error::bad_setting(
                    "templates",
                    source(),
                    format!(
                        "cannot change one engine: `templates` is {}, not a list of engines",
                        kind_name(other)
                    ),
                ));
            }
            None => &[],
        };
        let index = select_engine(engines, &path[1]).map_err(|detail| {
            Error::bad_setting(
                format_key(&format!("templates.{}", path[1])),
                source(),
                detail,
            )
        })?;
        path[1] = index.to_string();
    }
    let value = env_value(&path, &var.raw);
    let new = if path.len() == 1 {
        value
    } else {
        let mut target = current
            .take()
            .unwrap_or_else(|| FigValue::from(Dict::new()));
        set_path(&mut target, &path[1..], value).map_err(|(parts, detail)| {
            Error::bad_setting(format_key(&path[..=parts].join(".")), source(), detail)
        })?;
        target
    };
    let mut data = Dict::new();
    data.insert(top, new);
    Ok(figment.merge(Layer {
        meta: Metadata::named(env_layer_name(&var.name)),
        data,
    }))
}

/// The position of the engine `selector` names: a position, or a `name`
/// (compared ignoring case, with `-` read as `_`).
pub(super) fn select_engine(
    engines: &[FigValue],
    selector: &str,
) -> std::result::Result<usize, String> {
    let listing = || {
        if engines.is_empty() {
            return "there are no engines".to_owned();
        }
        let all: Vec<String> = engines
            .iter()
            .enumerate()
            .map(|(i, e)| match engine_name(e) {
                Some(n) => format!("{i} ({n})"),
                None => i.to_string(),
            })
            .collect();
        format!("the engines are: {}", all.join(", "))
    };
    if let Ok(i) = selector.parse::<usize>() {
        return if i < engines.len() {
            Ok(i)
        } else {
            Err(format!("there is no engine at position {i}; {}", listing()))
        };
    }
    let norm = |s: &str| s.to_ascii_lowercase().replace('-', "_");
    let matches: Vec<usize> = engines
        .iter()
        .enumerate()
        .filter(|(_, e)| engine_name(e).is_some_and(|n| norm(&n) == selector))
        .map(|(i, _)| i)
        .collect();
    match matches.as_slice() {
        [i] => Ok(*i),
        [] => Err(format!(
            "there is no engine `{selector}` to change (an engine is named by its position or its `name`); {}",
            listing()
        )),
        many => Err(format!(
            "`{selector}` names more than one engine (positions {}); name the engine by its position",
            many.iter()
                .map(usize::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// The name of an engine entry: its `name`, else the default for its backend.
pub(super) fn engine_name(entry: &FigValue) -> Option<String> {
    match entry.find_ref("name") {
        Some(FigValue::String(_, n)) => Some(n.clone()),
        _ => entry
            .find_ref("backend")
            .and_then(FigValue::as_str)
            .map(default_engine_name),
    }
}

/// Sets `value` at `path` inside `target`: dict keys, or positions in
/// lists. On failure, how many parts of `path` the bad key has, and why.
pub(super) fn set_path(
    target: &mut FigValue,
    path: &[String],
    value: FigValue,
) -> std::result::Result<(), (usize, String)> {
    fn go(
        target: &mut FigValue,
        path: &[String],
        value: FigValue,
        depth: usize,
    ) -> std::result::Result<(), (usize, String)> {
        let Some((first, rest)) = path.split_first() else {
            *target = value;
            return Ok(());
        };
        if matches!(target, FigValue::Empty(..)) {
            *target = FigValue::from(Dict::new());
        }
        let what = kind_name(target);
        match target {
            FigValue::Dict(_, dict) => {
                let slot = dict
                    .entry(first.clone())
                    .or_insert_with(|| FigValue::from(Dict::new()));
                go(slot, rest, value, depth + 1)
            }
            FigValue::Array(_, items) => {
                let len = items.len();
                let Some(slot) = first.parse::<usize>().ok().and_then(|i| items.get_mut(i)) else {
                    return Err((
                        depth + 1,
                        format!("`{first}` is not a position in this list of {len} item(s)"),
                    ));
                };
                go(slot, rest, value, depth + 1)
            }
            _ => Err((
                depth,
                format!("cannot set `{first}` inside {what}, which is not a table"),
            )),
        }
    }
    go(target, path, value, 0)
}
