//! Owns the conformance tooling: reading the Django-recorded corpora,
//! running them through the DTL engine, and the report `judge.py` scores;
//! used by `platen conformance` and the tests, never by the engine itself.
//!
//! Runs conformance cases (JSON Lines recorded from Django, the format of
//! `corpus/README.md`) against the DTL engine and reports each result in the
//! shape `corpus/judge.py` reads. Also the pieces the tests share: the
//! decoding of a case's tagged JSON context ([`decode`]) and an in-memory
//! loader ([`MapLoader`], Django's locmem loader).

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime};
use platen_core::value::{AwareDateTime, Decimal, Map};
use platen_core::{Context, Error, ErrorKind, Loader, LoaderChain, Origin, Template, Value};
use serde_json::{Value as Json, json};

use platen_dtl::{DtlEngine, DtlOptions, django_library};

/// The result of one case.
#[derive(Debug, Clone)]
pub struct CaseResult {
    /// The case id.
    pub id: String,
    /// Whether the result matches the expected one.
    pub passed: bool,
    /// The case's `expected` object.
    pub expected: Json,
    /// The report line: `{"id", "output"}` or `{"id", "error", "phase", "message"}`.
    pub got: Json,
}

/// Runs every case of the JSON Lines file at `path`.
pub fn run_file(path: impl AsRef<Path>) -> Result<Vec<CaseResult>, Error> {
    let text = std::fs::read_to_string(path.as_ref())?;
    run_str(&text)
}

/// Runs every case of a JSON Lines text.
pub fn run_str(text: &str) -> Result<Vec<CaseResult>, Error> {
    let lines: Vec<String> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_owned)
        .collect();
    // Run on a thread with a large stack, so deep templates fail cleanly.
    let handle = std::thread::Builder::new()
        .name("dtl-conformance".into())
        .stack_size(256 << 20)
        .spawn(move || {
            lines
                .iter()
                .map(|l| run_line(l))
                .collect::<Result<Vec<_>, Error>>()
        })
        .map_err(Error::from)?;
    handle
        .join()
        .map_err(|_| Error::new(ErrorKind::RenderError, "the conformance runner panicked"))?
}

/// Runs every case of the JSON Lines file at `path` one at a time, handing
/// each result to `each` as soon as it is known: nothing is kept, so a
/// corpus of any size (hostile cases included) runs in bounded memory.
/// Stops at the first error of `each` or of reading the file.
pub fn stream_file(
    path: impl AsRef<Path>,
    mut each: impl FnMut(CaseResult) -> Result<(), Error>,
) -> Result<(), Error> {
    use std::io::BufRead;
    let file = std::fs::File::open(path.as_ref())?;
    let (send, receive) = std::sync::mpsc::sync_channel::<Result<CaseResult, Error>>(16);
    // Run on a thread with a large stack, so deep templates fail cleanly.
    let handle = std::thread::Builder::new()
        .name("dtl-conformance".into())
        .stack_size(256 << 20)
        .spawn(move || {
            for line in std::io::BufReader::new(file).lines() {
                let result = match line {
                    Ok(l) if l.trim().is_empty() => continue,
                    Ok(l) => run_line(&l),
                    Err(e) => Err(Error::from(e)),
                };
                // The receiver is gone when `each` failed: stop.
                if send.send(result).is_err() {
                    break;
                }
            }
        })
        .map_err(Error::from)?;
    let mut outcome = Ok(());
    for result in receive {
        if let Err(e) = result.and_then(&mut each) {
            outcome = Err(e);
            break;
        }
    }
    // Dropping the receiver (end of the loop) ends the runner thread.
    handle
        .join()
        .map_err(|_| Error::new(ErrorKind::RenderError, "the conformance runner panicked"))?;
    outcome
}

fn run_line(line: &str) -> Result<CaseResult, Error> {
    let case: Json = serde_json::from_str(line).map_err(|e| {
        Error::new(
            ErrorKind::InvalidValue,
            format!("bad conformance case: {e}"),
        )
    })?;
    let id = case["id"].as_str().unwrap_or_default().to_owned();
    let expected = case["expected"].clone();
    // The context again, keeping the order of object keys (Python dicts keep it).
    let context = serde_json::from_str::<Ordered>(line)
        .ok()
        .and_then(|o| match o {
            Ordered::Object(fields) => fields
                .into_iter()
                .find(|(k, _)| k == "context")
                .map(|(_, v)| v),
            _ => None,
        });
    let got = match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        run_case(&case, context.as_ref())
    })) {
        Ok(got) => got,
        Err(p) => {
            let msg = p
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            json!({"error": "Panic", "phase": "render", "message": msg})
        }
    };
    let mut got = got;
    got["id"] = Json::from(id.clone());
    let passed = judge(&expected, &got);
    Ok(CaseResult {
        id,
        passed,
        expected,
        got,
    })
}

/// `judge.py`'s rule.
fn judge(expected: &Json, got: &Json) -> bool {
    if let Some(out) = expected.get("output") {
        return got.get("output") == Some(out) && got.get("error").is_none();
    }
    let e = expected["error"].as_str().unwrap_or_default();
    let ge = got.get("error").and_then(Json::as_str);
    if e == "*" {
        return ge.is_some() && got.get("output").is_none();
    }
    let template_errors = [
        "TemplateSyntaxError",
        "TemplateDoesNotExist",
        "VariableDoesNotExist",
    ];
    let same = if template_errors.contains(&e) {
        ge == Some(e)
    } else {
        ge.is_some_and(|g| !template_errors.contains(&g))
    };
    same && got.get("phase") == expected.get("phase")
}

/// A loader over a fixed map of templates (Django's locmem loader).
#[derive(Debug)]
pub struct MapLoader {
    templates: HashMap<String, String>,
}

impl MapLoader {
    /// A loader serving `templates`.
    pub fn new(templates: HashMap<String, String>) -> MapLoader {
        MapLoader { templates }
    }
}

impl Loader for MapLoader {
    fn kind(&self) -> &str {
        "platen.loaders.locmem"
    }

    fn get_template_sources(&self, name: &str) -> Vec<Origin> {
        vec![Origin::new(name, name, "platen.loaders.locmem")]
    }

    fn get_contents(&self, origin: &Origin) -> Result<String, Error> {
        self.templates
            .get(&origin.template_name)
            .cloned()
            .ok_or_else(|| Error::new(ErrorKind::TemplateNotFound, "source does not exist"))
    }

    fn list_templates(&self) -> Result<Vec<String>, Error> {
        let mut names: Vec<String> = self.templates.keys().cloned().collect();
        names.sort();
        Ok(names)
    }
}

fn error_json(err: &Error, phase: &str) -> Json {
    json!({
        "error": err.kind().django_class(),
        "phase": phase,
        "message": err.detail().unwrap_or_default(),
    })
}

fn run_case(case: &Json, ordered_context: Option<&Ordered>) -> Json {
    let templates: HashMap<String, String> = case["templates"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                .collect()
        })
        .unwrap_or_default();
    let options = &case["options"];
    let mut libraries = HashMap::new();
    for lib in case["libraries"].as_array().into_iter().flatten() {
        if let Some(name) = lib.as_str()
            && let Some(l) = django_library(name)
        {
            libraries.insert(name.to_owned(), l);
        }
    }
    let opts = DtlOptions {
        name: "django".into(),
        autoescape: options["autoescape"].as_bool().unwrap_or(true),
        debug: options["debug"].as_bool().unwrap_or(false),
        string_if_invalid: options["string_if_invalid"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        libraries,
        builtins: Vec::new(),
        url_resolver: None,
        // Django's test runner (`tests/runtests.py`) sets LANGUAGE_CODE = "en".
        language_code: "en".into(),
        ..DtlOptions::default()
    };
    let chain = LoaderChain::new(vec![Arc::new(MapLoader::new(templates))]);
    let engine = DtlEngine::new(chain, opts);
    let name = case["name"].as_str().unwrap_or_default();
    let template = match engine.template(name) {
        Ok(t) => t,
        Err(e) => return error_json(&e, "compile"),
    };
    let context = match case["context"].as_object() {
        Some(_) if let Some(Ordered::Object(fields)) = ordered_context => {
            let map: Map = fields
                .iter()
                .map(|(k, v)| (Arc::from(k.as_str()), decode_ordered(v)))
                .collect();
            Context::from(map)
        }
        Some(m) => {
            let map: Map = m
                .iter()
                .map(|(k, v)| (Arc::from(k.as_str()), decode(v)))
                .collect();
            Context::from(map)
        }
        None => Context::new(),
    };
    let mut out = String::new();
    match template.render_to(&mut out, &context, None) {
        Ok(()) => json!({ "output": out }),
        Err(e) => error_json(&e, "render"),
    }
}

/// Decodes a tagged JSON value of a case's context into a [`Value`].
pub fn decode(v: &Json) -> Value {
    match v {
        Json::Null => Value::None,
        Json::Bool(b) => Value::Bool(*b),
        Json::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) if !n.to_string().contains(['.', 'e', 'E']) => Value::Int(i),
            // Past i64: still an exact integer.
            (None, Some(u)) => Value::from(u),
            _ => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        Json::String(s) => Value::from(s.as_str()),
        Json::Array(a) => a.iter().map(decode).collect(),
        Json::Object(m) => decode_tagged(m).unwrap_or_else(|| {
            let map: Map = m
                .iter()
                .map(|(k, v)| (Arc::from(k.as_str()), decode(v)))
                .collect();
            Value::from(map)
        }),
    }
}

/// A JSON value whose objects keep their key order (as Python dicts do).
#[derive(Debug, Clone)]
enum Ordered {
    Scalar(Json),
    Array(Vec<Ordered>),
    Object(Vec<(String, Ordered)>),
}

impl<'de> serde::Deserialize<'de> for Ordered {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Ordered, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Ordered;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON value")
            }
            fn visit_bool<E>(self, v: bool) -> Result<Ordered, E> {
                Ok(Ordered::Scalar(Json::Bool(v)))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Ordered, E> {
                Ok(Ordered::Scalar(Json::from(v)))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Ordered, E> {
                Ok(Ordered::Scalar(Json::from(v)))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Ordered, E> {
                Ok(Ordered::Scalar(Json::from(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Ordered, E> {
                Ok(Ordered::Scalar(Json::from(v)))
            }
            fn visit_unit<E>(self) -> Result<Ordered, E> {
                Ok(Ordered::Scalar(Json::Null))
            }
            fn visit_none<E>(self) -> Result<Ordered, E> {
                Ok(Ordered::Scalar(Json::Null))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Ordered, A::Error> {
                let mut out = Vec::new();
                while let Some(v) = seq.next_element()? {
                    out.push(v);
                }
                Ok(Ordered::Array(out))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Ordered, A::Error> {
                let mut out = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, Ordered>()? {
                    out.push((k, v));
                }
                Ok(Ordered::Object(out))
            }
        }
        d.deserialize_any(V)
    }
}

impl Ordered {
    fn to_json(&self) -> Json {
        match self {
            Ordered::Scalar(j) => j.clone(),
            Ordered::Array(a) => Json::Array(a.iter().map(Ordered::to_json).collect()),
            Ordered::Object(m) => {
                Json::Object(m.iter().map(|(k, v)| (k.clone(), v.to_json())).collect())
            }
        }
    }
}

/// [`decode`] over an [`Ordered`] value, keeping map key order.
fn decode_ordered(v: &Ordered) -> Value {
    match v {
        Ordered::Scalar(j) => decode(j),
        Ordered::Array(a) => a.iter().map(decode_ordered).collect(),
        Ordered::Object(fields) => {
            let tagged = fields.iter().any(|(k, _)| k.starts_with("__"));
            let as_json = if tagged { Some(v.to_json()) } else { None };
            as_json
                .as_ref()
                .and_then(Json::as_object)
                .and_then(decode_tagged)
                .unwrap_or_else(|| {
                    let map: Map = fields
                        .iter()
                        .map(|(k, v)| (Arc::from(k.as_str()), decode_ordered(v)))
                        .collect();
                    Value::from(map)
                })
        }
    }
}

fn decode_tagged(m: &serde_json::Map<String, Json>) -> Option<Value> {
    let tag_str = |k: &str| m.get(k).and_then(Json::as_str);
    if let Some(s) = tag_str("__safe__") {
        return Some(Value::safe(s));
    }
    if let Some(s) = tag_str("__datetime__") {
        if let Some(tz) = tag_str("tz") {
            let dt = DateTime::parse_from_rfc3339(s)
                .ok()
                .or_else(|| DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f%:z").ok())?;
            return Some(Value::from(AwareDateTime {
                datetime: dt,
                tz_name: Arc::from(tz),
            }));
        }
        let dt = NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f").ok()?;
        return Some(Value::DateTime(dt));
    }
    if let Some(s) = tag_str("__date__") {
        return NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .ok()
            .map(Value::Date);
    }
    if let Some(s) = tag_str("__time__") {
        return NaiveTime::parse_from_str(s, "%H:%M:%S%.f")
            .ok()
            .map(Value::Time);
    }
    if let Some(s) = tag_str("__decimal__") {
        return s.parse::<Decimal>().ok().map(Value::from);
    }
    if let Some(s) = tag_str("__float__") {
        return Some(Value::Float(match s {
            "nan" => f64::NAN,
            "inf" => f64::INFINITY,
            "-inf" => f64::NEG_INFINITY,
            other => other.parse().unwrap_or(f64::NAN),
        }));
    }
    None
}

/// Writes a report (one JSON line per case) for `judge.py`.
pub fn report_lines(results: &[CaseResult]) -> String {
    let mut out = String::new();
    for r in results {
        out.push_str(&r.got.to_string());
        out.push('\n');
    }
    out
}

/// Pass counts by test module (`syntax_tests.test_if` → passed, total).
pub fn summary(results: &[CaseResult]) -> BTreeMap<String, (usize, usize)> {
    let mut by: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for r in results {
        let module = r.id.split(['[', '#']).next().unwrap_or_default();
        let module: String = module.split('.').take(2).collect::<Vec<_>>().join(".");
        let e = by.entry(module).or_default();
        e.1 += 1;
        if r.passed {
            e.0 += 1;
        }
    }
    by
}
