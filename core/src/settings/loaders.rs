//! Loader entries of `options.loaders`: a name, a table with the name in
//! `loader`, or Django's pair `["name", argument]`.

use super::*;

impl LoaderSpec {
    /// This entry with its pair list ([`LoaderSpec::pair_list`]) read: as
    /// inner `loaders` when `wraps` (the loader wraps others), else as
    /// `dirs`, relative ones resolved against `base_dir`. An entry without a
    /// pair list is returned as it is.
    pub fn with_pair_list(
        &self,
        wraps: bool,
        engine: &EngineSettings,
        base_dir: &Path,
    ) -> Result<std::borrow::Cow<'_, LoaderSpec>> {
        let Some(list) = &self.pair_list else {
            return Ok(std::borrow::Cow::Borrowed(self));
        };
        let resolve = |p: &Path| {
            if p.is_absolute() {
                p.to_path_buf()
            } else {
                base_dir.join(p)
            }
        };
        let mut spec = self.clone();
        spec.pair_list = None;
        if wraps {
            spec.loaders = Some(parse_loaders(&list.value, &list.sub, engine, &resolve)?);
        } else {
            spec.dirs = Some(parse_dirs(&list.value, &list.sub, engine, &resolve)?);
        }
        Ok(std::borrow::Cow::Owned(spec))
    }
}

/// Reads a list of loader entries at `sub` (inside the engine entry).
pub(super) fn parse_loaders(
    value: &FigValue,
    sub: &str,
    engine: &EngineSettings,
    resolve: &dyn Fn(&Path) -> PathBuf,
) -> Result<Vec<LoaderSpec>> {
    let FigValue::Array(_, items) = value else {
        return Err(engine.error(
            sub,
            format!(
                "expected a list of loaders, such as [\"platen.loaders.filesystem\"], found {}",
                kind_name(value)
            ),
        ));
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| parse_loader(item, &format!("{sub}.{i}"), engine, resolve))
        .collect()
}

/// Reads one loader entry: `"name"`, `{ loader = "name", args... }`, or
/// Django's tuple form `["name", argument]`.
pub(super) fn parse_loader(
    value: &FigValue,
    sub: &str,
    engine: &EngineSettings,
    resolve: &dyn Fn(&Path) -> PathBuf,
) -> Result<LoaderSpec> {
    const FORMS: &str = "a loader is a name (\"platen.loaders.filesystem\"), a table with the name in \
                         `loader` ({ loader = \"platen.loaders.cached\", loaders = [...] }) or Django's \
                         pair [\"name\", argument]";
    let mut spec = LoaderSpec {
        loader: String::new(),
        loaders: None,
        dirs: None,
        templates: None,
        extra: Dict::new(),
        key: engine.key(sub),
        source: engine.source_of(sub),
        pair_list: None,
    };
    match value {
        FigValue::String(_, name) if !name.trim().is_empty() => spec.loader = name.clone(),
        FigValue::Dict(_, d) => {
            spec.loader = match d.get("loader") {
                Some(FigValue::String(_, name)) if !name.trim().is_empty() => name.clone(),
                Some(other) => {
                    return Err(engine.error(
                        &format!("{sub}.loader"),
                        format!("expected a loader name, found {}", kind_name(other)),
                    ));
                }
                None => {
                    let mut detail =
                        "a loader table needs a `loader` key naming the loader".to_owned();
                    if let Some(best) =
                        closest("loader", &d.keys().map(String::as_str).collect::<Vec<_>>())
                    {
                        detail.push_str(&format!(" (is `{best}` a typo of `loader`?)"));
                    }
                    detail.push_str("; ");
                    detail.push_str(FORMS);
                    return Err(engine.error(sub, detail));
                }
            };
            for (k, v) in d {
                let at = format!("{sub}.{k}");
                match k.as_str() {
                    "loader" => {}
                    "loaders" => spec.loaders = Some(parse_loaders(v, &at, engine, resolve)?),
                    "dirs" => spec.dirs = Some(parse_dirs(v, &at, engine, resolve)?),
                    "templates" => spec.templates = Some(parse_templates(v, &at, engine)?),
                    _ => {
                        spec.extra.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        FigValue::Array(_, pair) if pair.len() == 2 => {
            let FigValue::String(_, name) = &pair[0] else {
                return Err(engine.error(
                    &format!("{sub}.0"),
                    format!("expected a loader name, found {}", kind_name(&pair[0])),
                ));
            };
            spec.loader = name.clone();
            let at = format!("{sub}.1");
            match &pair[1] {
                // Loaders or directories: the registry says which, when it
                // builds the loader (`LoaderSpec::with_pair_list`).
                FigValue::Array(..) => {
                    spec.pair_list = Some(PairList {
                        value: pair[1].clone(),
                        sub: at,
                    });
                }
                FigValue::Dict(..) => {
                    spec.templates = Some(parse_templates(&pair[1], &at, engine)?)
                }
                other => {
                    return Err(engine.error(
                        &at,
                        format!(
                            "the argument of a loader pair is a list (loaders for the cached loader, else \
                             directories) or a table of templates, found {}",
                            kind_name(other)
                        ),
                    ));
                }
            }
        }
        other => return Err(engine.error(sub, format!("{FORMS}; found {}", kind_name(other)))),
    }
    Ok(spec)
}

pub(super) fn parse_dirs(
    value: &FigValue,
    sub: &str,
    engine: &EngineSettings,
    resolve: &dyn Fn(&Path) -> PathBuf,
) -> Result<Vec<PathBuf>> {
    let FigValue::Array(_, items) = value else {
        return Err(engine.error(
            sub,
            format!("expected a list of directories, found {}", kind_name(value)),
        ));
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let at = format!("{sub}.{i}");
        let FigValue::String(_, d) = item else {
            return Err(engine.error(
                &at,
                format!("expected a directory path, found {}", kind_name(item)),
            ));
        };
        let d = resolve(Path::new(d));
        if !d.is_dir() {
            return Err(engine.error(&at, missing_dir("template directory", &d)));
        }
        out.push(d);
    }
    Ok(out)
}

pub(super) fn parse_templates(
    value: &FigValue,
    sub: &str,
    engine: &EngineSettings,
) -> Result<BTreeMap<String, String>> {
    let FigValue::Dict(_, d) = value else {
        return Err(engine.error(
            sub,
            format!(
                "expected a table of templates, such as {{ \"a.html\" = \"Hi\" }}, found {}",
                kind_name(value)
            ),
        ));
    };
    let mut out = BTreeMap::new();
    for (name, source) in d {
        let FigValue::String(_, text) = source else {
            return Err(Error::bad_setting(
                format!("{}[{name:?}]", engine.key(sub)),
                engine.meta.describe(source.tag()),
                format!(
                    "the source of template `{name}` must be a string, found {}",
                    kind_name(source)
                ),
            ));
        };
        out.insert(name.clone(), text.clone());
    }
    Ok(out)
}
