//! Django's own templates render byte for byte as Django renders them: a
//! differential test against Django itself.
//!
//! `tests/django/render_cases.py` runs Django (one Python process for every
//! case): it raises real exceptions and builds the technical 500 context with
//! Django's `ExceptionReporter`, calls the views that render the other pages
//! of `django/views/templates` (technical 404, default URLconf, CSRF
//! failure, directory index, JavaScript catalog) and the sitemap views,
//! records every template the form renderer renders for real forms and
//! formsets, and asks form widgets for their context; it renders each template
//! with Django and prints, per case, the template name, the context as tagged
//! JSON and Django's output. This test decodes each context into [`Value`]s,
//! renders the same template file with platen-dtl and compares the bytes.
//!
//! It needs the unpacked Django wheel named by `DJANGO_PACKAGE_DIR` (the
//! `django/` directory; its parent must also hold `asgiref` and `sqlparse`,
//! as `.ci/django-templates` unpacks them) and a `python3` (or `$PYTHON`),
//! so it is `#[ignore]`d: `.ci/run` runs it with `--include-ignored`, and
//! without them it fails, saying why. Django's files are never committed.
//!
//! The tagged JSON (written by `encode` in the script) uses the conformance
//! cases' tags for safe strings, dates, datetimes, times and decimals
//! (decoded by [`platen_conformance::decode`]), plus three of its own:
//! `{"__map__": [[k, v], ...]}` for a dict in its order,
//! `{"__tuple__": [...], "repr": r}` for a tuple and
//! `{"__object__": attrs, "str", "repr", "true", "safe", "id", "items"}` for
//! any other Python object (a request, a traceback, an exception, an uploaded
//! file, a bound field, an error list).
//!
//! A group of small templates (`SNIPPETS` in the script) covers the edges
//! of filters, tags and attributes: such a case gives its `source` instead
//! of a template name, and where Django raised, its output is
//! `error: <class>` and platen must fail as well.

mod common;

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use platen_core::value::Map;
use platen_core::{Context, Engine, LoaderChain, Object, Template, Value};
use platen_dtl::{DtlEngine, DtlOptions, django_library};
use serde_json::Value as Json;

/// A Python tuple: a sequence whose text is Python's `repr()` of it.
#[derive(Debug)]
struct Tuple {
    items: Vec<Value>,
    repr: String,
}

impl Object for Tuple {
    fn get_attr(&self, _: &str) -> Option<Value> {
        None
    }

    fn get_item(&self, key: &Value) -> Option<Value> {
        let Value::Int(i) = key else { return None };
        let i = if *i < 0 {
            *i + self.items.len() as i64
        } else {
            *i
        };
        usize::try_from(i)
            .ok()
            .and_then(|i| self.items.get(i).cloned())
    }

    fn try_iter(&self) -> Option<Box<dyn Iterator<Item = Value> + '_>> {
        Some(Box::new(self.items.iter().cloned()))
    }

    fn len(&self) -> Option<usize> {
        Some(self.items.len())
    }

    fn render(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.repr)
    }

    fn repr(&self) -> Option<String> {
        Some(self.repr.clone())
    }

    fn is_tuple(&self) -> bool {
        true
    }
}

/// Any other Python object: the attributes the templates read, its `str()`,
/// its `repr()`, its truthiness, whether it is safe HTML, and its items when
/// it is a sequence.
#[derive(Debug)]
struct PyObject {
    attrs: Map,
    text: String,
    repr: String,
    truthy: bool,
    safe: bool,
    items: Option<Vec<Value>>,
}

impl Object for PyObject {
    fn get_attr(&self, name: &str) -> Option<Value> {
        self.attrs.get(name).cloned()
    }

    fn try_iter(&self) -> Option<Box<dyn Iterator<Item = Value> + '_>> {
        Some(Box::new(self.items.as_ref()?.iter().cloned()))
    }

    fn len(&self) -> Option<usize> {
        self.items.as_ref().map(Vec::len)
    }

    fn is_true(&self) -> bool {
        self.truthy
    }

    fn is_safe(&self) -> bool {
        self.safe
    }

    fn render(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }

    fn repr(&self) -> Option<String> {
        Some(self.repr.clone())
    }
}

/// Decodes the script's tagged JSON; `objects` gives one Python object (by
/// its `id`) one shared value, so identity comparisons (`ifchanged`) agree.
fn decode(v: &Json, objects: &mut HashMap<u64, Value>) -> Value {
    match v {
        Json::Array(a) => a.iter().map(|x| decode(x, objects)).collect(),
        Json::Object(m) if m.contains_key("__map__") => decode_map(&m["__map__"], objects),
        Json::Object(m) if m.contains_key("__tuple__") => {
            let items = m["__tuple__"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|x| decode(x, objects))
                .collect();
            let repr = m["repr"].as_str().unwrap_or_default().to_owned();
            Value::Object(Arc::new(Tuple { items, repr }))
        }
        Json::Object(m) if m.contains_key("__object__") => {
            let id = m["id"].as_u64().unwrap_or_default();
            if let Some(v) = objects.get(&id) {
                return v.clone();
            }
            let Value::Map(attrs) = decode(&m["__object__"], objects) else {
                unreachable!("attrs are a map")
            };
            let obj = PyObject {
                attrs: (*attrs).clone(),
                text: m["str"].as_str().unwrap_or_default().to_owned(),
                repr: m["repr"].as_str().unwrap_or_default().to_owned(),
                truthy: m["true"].as_bool().unwrap_or(true),
                safe: m["safe"].as_bool().unwrap_or(false),
                items: m
                    .get("items")
                    .and_then(Json::as_array)
                    .map(|a| a.iter().map(|x| decode(x, objects)).collect()),
            };
            let v = Value::Object(Arc::new(obj));
            objects.insert(id, v.clone());
            v
        }
        // Scalars and the conformance tags (`__safe__`, `__datetime__`, ...).
        other => platen_conformance::decode(other),
    }
}

fn decode_map(pairs: &Json, objects: &mut HashMap<u64, Value>) -> Value {
    let mut map = Map::default();
    for pair in pairs.as_array().into_iter().flatten() {
        let key = pair[0].as_str().unwrap_or_default();
        map.insert(Arc::from(key), decode(&pair[1], objects));
    }
    Value::from(map)
}

/// Django's package directory, or why the test cannot run.
fn django_dir() -> Result<PathBuf, String> {
    let dir = std::env::var_os("DJANGO_PACKAGE_DIR")
        .ok_or("set DJANGO_PACKAGE_DIR to an unpacked Django package (see .ci/django-templates)")?;
    let dir = PathBuf::from(dir);
    if !dir.join("contrib/sitemaps/templates").is_dir() {
        return Err(format!(
            "{} holds no contrib/sitemaps/templates: unpack the whole wheel",
            dir.display()
        ));
    }
    Ok(dir)
}

/// Runs the script: Django's cases, or why they could not be made.
fn django_cases(dir: &Path) -> Result<Vec<Json>, String> {
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/django/render_cases.py");
    let out = Command::new(&python)
        .arg(&script)
        .arg(dir)
        .output()
        .map_err(|e| format!("cannot run {python}: {e}"))?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    match out.status.code() {
        Some(0) => {}
        // The script's code for "Django is not importable".
        Some(3) => return Err(format!("Django cannot be imported: {}", stderr.trim())),
        _ => panic!("{} failed ({}):\n{stderr}", script.display(), out.status),
    }
    let cases: Json = serde_json::from_slice(&out.stdout).expect("the script prints JSON");
    Ok(cases.as_array().cloned().unwrap_or_default())
}

/// An engine over the template directories Django's cases use, with the
/// options of Django's `Engine()` defaults (Django's own libraries can be
/// loaded) but `autoescape` (Django's debug views turn it off for their text
/// pages with `Context(autoescape=False)`).
fn engine(dir: &Path, autoescape: bool) -> DtlEngine {
    let loaders: Vec<Arc<dyn platen_core::Loader>> = [
        "forms/templates",
        "views/templates",
        "contrib/sitemaps/templates",
    ]
    .iter()
    .map(|d| Arc::new(common::DirLoader::new(dir.join(d))) as Arc<dyn platen_core::Loader>)
    .collect();
    let libraries = ["cache", "humanize", "i18n", "l10n", "static", "tz"]
        .iter()
        .filter_map(|name| Some((name.to_string(), django_library(name)?)))
        .collect();
    // The script's settings: LANGUAGE_CODE = "en".
    let options = DtlOptions {
        autoescape,
        libraries,
        language_code: "en".into(),
        ..DtlOptions::default()
    };
    DtlEngine::new(LoaderChain::new(loaders), options)
}

/// Where two outputs first differ, with a few lines around it.
fn first_difference(want: &str, got: &str) -> String {
    let (w, g): (Vec<&str>, Vec<&str>) = (want.split('\n').collect(), got.split('\n').collect());
    let line = w
        .iter()
        .zip(&g)
        .position(|(a, b)| a != b)
        .unwrap_or(w.len().min(g.len()));
    let from = line.saturating_sub(3);
    let show = |lines: &[&str]| {
        lines
            .iter()
            .skip(from)
            .take(7)
            .map(|l| format!("    {l:?}\n"))
            .collect::<String>()
    };
    format!(
        "first difference at line {}:\n  Django:\n{}  platen:\n{}",
        line + 1,
        show(&w),
        show(&g)
    )
}

#[test]
#[ignore = "needs DJANGO_PACKAGE_DIR (an unpacked Django, see .ci/django-templates)"]
fn django_templates_render_as_django_renders_them() {
    let cases = django_dir()
        .and_then(|dir| Ok((django_cases(&dir)?, dir)))
        .unwrap_or_else(|why| panic!("cannot run Django: {why}"));
    let (cases, dir) = cases;
    let engines = [engine(&dir, false), engine(&dir, true)];
    let mut failures = Vec::new();
    for case in &cases {
        let name = case["name"].as_str().unwrap_or_default();
        let template = case["template"].as_str().unwrap_or_default();
        let want = case["output"].as_str().unwrap_or_default();
        let mut objects = HashMap::new();
        let Value::Map(context) = decode(&case["context"], &mut objects) else {
            panic!("{name}: the context is not a map")
        };
        let engine = &engines[usize::from(case["autoescape"].as_bool().unwrap_or(true))];
        let context = Context::from((*context).clone());
        let got = match case["source"].as_str() {
            // A small template given by its source.
            Some(source) => engine
                .template_from_str(source)
                .and_then(|t| Template::render(&t, &context, None)),
            None => engine
                .get_template(template)
                .and_then(|t| t.render(&context, None)),
        };
        let got = got.unwrap_or_else(|e| format!("error: {e:#}"));
        // Where Django raised, the case's output is "error: <class>": platen
        // must fail too.
        let same = match want.strip_prefix("error: ") {
            Some(_) if case["source"].is_string() => got.starts_with("error: "),
            _ => got == want,
        };
        if !same {
            failures.push(format!("{name}\n{}", first_difference(want, &got)));
        }
    }
    assert!(!cases.is_empty(), "the script gave no cases");
    assert!(
        failures.is_empty(),
        "{} of {} cases differ from Django:\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    eprintln!("{} cases render as Django renders them", cases.len());
}
