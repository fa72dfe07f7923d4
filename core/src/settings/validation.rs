//! Validation: unknown keys, profile sections, `apps`, and figment's own
//! errors turned into messages naming the key and its source.

use super::*;

pub(super) fn missing_dir(what: &str, dir: &Path) -> String {
    format!(
        "the {what} {} does not exist; create it or fix the path (relative paths start at the settings file's directory)",
        dir.display()
    )
}

/// Refuses keys of `dict` (at `prefix`) not in `known`.
pub(super) fn check_keys(
    dict: &Dict,
    prefix: &str,
    known: &[&str],
    what: &str,
    meta: &MetaLookup,
) -> Result<()> {
    for (key, value) in dict {
        if known.contains(&key.as_str()) {
            continue;
        }
        let from_env = meta.is_env(value.tag());
        let mut detail = format!("unknown key `{key}`");
        if let Some(best) = closest(key, known) {
            if from_env && prefix.is_empty() {
                detail.push_str(&format!(
                    " (did you mean {ENV_PREFIX}{}?)",
                    best.to_ascii_uppercase()
                ));
            } else {
                detail.push_str(&format!(" (did you mean `{best}`?"));
                if key.to_lowercase() == best {
                    detail.push_str(" keys are lowercase");
                }
                detail.push(')');
            }
        }
        detail.push_str(&format!("; {what} is one of: {}", known.join(", ")));
        if from_env && prefix.is_empty() {
            detail.push_str(&format!(
                "; every variable starting with {ENV_PREFIX} sets a key (except {})",
                ENV_NOT_SETTINGS.join(", ")
            ));
        }
        let full = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        return Err(Error::bad_setting(
            format_key(&full),
            meta.describe(value.tag()),
            detail,
        ));
    }
    Ok(())
}

/// Checks the keys of every engine entry of a `templates` value.
pub(super) fn check_engine_keys(
    templates: Option<&FigValue>,
    prefix: &str,
    meta: &MetaLookup,
) -> Result<()> {
    if let Some(FigValue::Array(_, items)) = templates {
        for (i, item) in items.iter().enumerate() {
            if let FigValue::Dict(_, d) = item {
                check_keys(
                    d,
                    &format!("{prefix}templates.{i}"),
                    ENGINE_KEYS,
                    "a key of an engine entry",
                    meta,
                )?;
            }
        }
    }
    Ok(())
}

/// Checks every profile section, active or not: its keys and their types.
pub(super) fn check_profiles(
    root: &Dict,
    figment: &Figment,
    meta: &MetaLookup,
    own_keys: &[&str],
) -> Result<()> {
    let sections = match root.get("profiles") {
        None => return Ok(()),
        Some(FigValue::Dict(_, d)) => d,
        Some(other) => {
            return Err(Error::bad_setting(
                "profiles",
                meta.describe(other.tag()),
                "`profiles` must be a table of profile sections, such as `[profiles.dev]`",
            ));
        }
    };
    let mut allowed: Vec<&str> = TOP_LEVEL_KEYS
        .iter()
        .copied()
        .filter(|k| !k.starts_with("profile"))
        .collect();
    allowed.extend_from_slice(own_keys);
    for (name, section) in sections {
        let key = format!("profiles.{name}");
        let FigValue::Dict(_, dict) = section else {
            return Err(Error::bad_setting(
                key,
                meta.describe(section.tag()),
                "a profile section must be a table of settings, such as `[profiles.dev]` with `debug = true`",
            ));
        };
        if name.is_empty() || name.contains('.') {
            return Err(Error::bad_setting(
                key,
                meta.describe(section.tag()),
                "a profile name must be non-empty and cannot contain `.`",
            ));
        }
        if let Some((k, v)) = dict
            .iter()
            .find(|(k, _)| k.as_str() == "profile" || k.as_str() == "profiles")
        {
            return Err(Error::bad_setting(
                format!("{key}.{k}"),
                meta.describe(v.tag()),
                "a profile section cannot choose a profile or hold profiles; set `profile` at the top level",
            ));
        }
        check_keys(dict, &key, &allowed, "a key of a profile section", meta)?;
        check_engine_keys(dict.get("templates"), &format!("{key}."), meta)?;
        figment.focus(&key).extract::<RawSettings>().map_err(|e| {
            let mut e = figment_error(e);
            if let Some(k) = e.settings_key().map(str::to_owned) {
                let full = if k.is_empty() {
                    key.clone()
                } else {
                    format!("{key}.{k}")
                };
                let full = full.replace('[', ".").replace(']', "");
                e = Error::bad_setting(
                    format_key(&full),
                    e.settings_source().map(str::to_owned),
                    e.detail().unwrap_or_default().to_owned(),
                );
            }
            e
        })?;
    }
    Ok(())
}

/// Reads `apps`: each a path string, or `{ name, path }`.
pub(super) fn parse_apps(
    value: Option<&FigValue>,
    meta: &MetaLookup,
    resolve: &dyn Fn(&Path) -> PathBuf,
) -> Result<Vec<App>> {
    let items = match value {
        None => return Ok(Vec::new()),
        Some(FigValue::Array(_, items)) => items,
        Some(other) => {
            return Err(Error::bad_setting(
                "apps",
                meta.describe(other.tag()),
                format!(
                    "expected a list of apps, such as [\"blog\", {{ name = \"shop\", path = \"vendor/shop\" }}], found {}",
                    kind_name(other)
                ),
            ));
        }
    };
    let mut apps: Vec<App> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let key = format!("apps[{i}]");
        let bad = |key: String, v: &FigValue, detail: String| {
            Error::bad_setting(key, meta.describe(v.tag()), detail)
        };
        let (name, path, path_value) = match item {
            FigValue::String(_, s) if !s.is_empty() => (s.clone(), PathBuf::from(s), item),
            FigValue::Dict(_, d) => {
                check_keys(
                    d,
                    &format!("apps.{i}"),
                    &["name", "path"],
                    "a key of an app",
                    meta,
                )?;
                let name = match d.get("name") {
                    Some(FigValue::String(_, s)) if !s.is_empty() => s.clone(),
                    Some(v) => {
                        return Err(bad(
                            format!("{key}.name"),
                            v,
                            format!("expected the app's name, found {}", kind_name(v)),
                        ));
                    }
                    None => return Err(bad(key, item, "an app table needs a `name`".into())),
                };
                match d.get("path") {
                    Some(FigValue::String(_, p)) if !p.is_empty() => {
                        (name, PathBuf::from(p), &d["path"])
                    }
                    Some(v) => {
                        return Err(bad(
                            format!("{key}.path"),
                            v,
                            format!("expected the app's directory, found {}", kind_name(v)),
                        ));
                    }
                    None => (name.clone(), PathBuf::from(name), item),
                }
            }
            other => {
                return Err(bad(
                    key,
                    other,
                    format!(
                        "an app is a path (\"blog\") or a table {{ name = \"shop\", path = \"vendor/shop\" }}, found {}",
                        kind_name(other)
                    ),
                ));
            }
        };
        let path = resolve(&path);
        if !path.is_dir() {
            return Err(bad(key, path_value, missing_dir("app directory", &path)));
        }
        if let Some(j) = apps.iter().position(|a| a.name == name) {
            return Err(bad(
                key,
                item,
                format!(
                    "the app name `{name}` is already used by apps[{j}]; give each app a unique name"
                ),
            ));
        }
        apps.push(App { name, path });
    }
    Ok(apps)
}

/// How a value is described in messages (`a string "x"`, `an integer 3`).
pub(super) fn kind_name(value: &FigValue) -> String {
    match value {
        FigValue::String(_, s) => format!("the string {s:?}"),
        FigValue::Char(_, c) => format!("the character {c:?}"),
        FigValue::Bool(_, b) => format!("the boolean {b}"),
        FigValue::Num(_, n) => format!("the number {}", num_text(*n)),
        FigValue::Empty(..) => "nothing".into(),
        FigValue::Dict(..) => "a table".into(),
        FigValue::Array(..) => "a list".into(),
    }
}

/// A figment error kind as a message, with a hint on how to fix it.
pub(super) fn describe_kind(kind: &figment::error::Kind, from_env: bool) -> String {
    use figment::error::Kind;
    match kind {
        Kind::InvalidType(actual, expected) => {
            let mut s = format!("expected {expected}, found {actual}");
            let hint = match expected.as_str() {
                "a boolean" if from_env => "; set true or false (or 1/0, yes/no, on/off)",
                "a boolean" => "; write true or false, without quotes",
                "a sequence" if from_env => "; write a list as [a, b]",
                "a sequence" => "; write a list: [...]",
                "a string" | "path string" if !from_env => "; put the value in quotes",
                _ => "",
            };
            s.push_str(hint);
            s
        }
        Kind::MissingField(field) if field == "backend" => {
            "the required key `backend` is missing; name a registered backend such as \"platen.dtl\"".into()
        }
        Kind::MissingField(field) => format!("the required key `{field}` is missing"),
        Kind::UnknownField(field, known) => {
            let mut s = format!("unknown key `{field}`");
            s.push_str(&crate::closest::did_you_mean(field, known));
            s.push_str(&format!("; valid keys: {}", known.join(", ")));
            s
        }
        other => other.to_string(),
    }
}

pub(super) fn figment_error(err: figment::Error) -> Error {
    let count = err.count();
    let mut path = err.path.clone();
    let field: Option<&str> = match &err.kind {
        figment::error::Kind::MissingField(field) => Some(field),
        figment::error::Kind::UnknownField(field, _) => Some(field),
        _ => None,
    };
    if let Some(field) = field {
        // figment's path ends at the table; the key is the field inside it.
        if path.last().map(String::as_str) != Some(field) {
            path.push(field.to_owned());
        }
    }
    let key = format_key(&path.join("."));
    let from_env = err
        .metadata
        .as_ref()
        .is_some_and(|m| m.name.contains("environment variable"));
    let source = err.metadata.as_ref().map(|m| {
        let parts: Vec<&str> = err.path.iter().map(String::as_str).collect();
        describe_metadata(m, &parts)
    });
    let mut detail = describe_kind(&err.kind, from_env);
    if count > 1 {
        detail.push_str(&format!(" (and {} more error(s))", count - 1));
    }
    if key.is_empty() {
        let detail = match source {
            Some(src) => format!("cannot read {src}: {}", detail.trim_end()),
            None => detail,
        };
        Error::new(ErrorKind::BadSettings, detail)
    } else {
        Error::bad_setting(key, source, detail)
    }
}
