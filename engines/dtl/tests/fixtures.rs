//! Fixture tests, as minijinja's `tests/test_templates.rs`: each
//! `tests/inputs/*.txt` is a JSON context, a `---` line and a template named
//! `<stem>.html`; its rendered output, or for `err_*` inputs the Django class
//! and the full error text (message, `file:line:col`, source excerpt), is an
//! insta snapshot `tests/snapshots/fixtures__fixtures@<stem>.txt.snap`.
//!
//! The templates under `tests/inputs/refs/` can be included or extended by
//! their file name. Django's libraries (`static`, `cache`, `i18n`, `l10n`,
//! `tz`, `humanize`) can be `{% load %}`ed, and `{% url %}` reverses the views
//! of [`Routes`].
//!
//! Inputs whose result still differs from Django's wait under
//! `tests/inputs-pending/` (see its README), outside the glob.
//!
//! `cargo insta test -p platen-dtl --test fixtures --review` (or
//! `INSTA_UPDATE=always`) accepts new output; with `CI` set, a mismatch
//! fails and nothing is written.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use insta::internals::Content;
use platen_conformance::{MapLoader, decode};
use platen_core::{Context, Error, ErrorKind, LoaderChain, Template, Value};
use platen_dtl::{DtlEngine, DtlOptions, UrlResolver, django_library};

/// The views `{% url %}` knows: `home` (no arguments) and `post` (one slug,
/// positional or `slug=`).
#[derive(Debug)]
struct Routes;

impl UrlResolver for Routes {
    fn reverse(
        &self,
        view: &str,
        args: &[Value],
        kwargs: &[(String, Value)],
    ) -> Result<String, Error> {
        let slug = args
            .first()
            .or_else(|| kwargs.iter().find(|(k, _)| k == "slug").map(|(_, v)| v));
        match (view, slug, args.len() + kwargs.len()) {
            ("home", None, 0) => Ok("/".into()),
            ("post", Some(slug), 1) => Ok(format!("/posts/{slug}/")),
            _ => Err(Error::new(
                ErrorKind::RenderError,
                format!("Reverse for '{view}' not found."),
            )),
        }
    }
}

/// The templates under `tests/inputs/refs/`, by file name.
fn refs(dir: &Path) -> HashMap<String, String> {
    let Ok(entries) = std::fs::read_dir(dir.join("refs")) else {
        return HashMap::new();
    };
    entries
        .map(|e| e.expect("entry").path())
        .map(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).expect("name");
            (name.to_owned(), std::fs::read_to_string(&p).expect("ref"))
        })
        .collect()
}

/// A JSON value as insta's metadata (keys in the input's order).
fn content(v: &serde_json::Value) -> Content {
    match v {
        serde_json::Value::Null => Content::None,
        serde_json::Value::Bool(b) => Content::Bool(*b),
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(i) => Content::I64(i),
            None => Content::F64(n.as_f64().unwrap_or(f64::NAN)),
        },
        serde_json::Value::String(s) => Content::String(s.clone()),
        serde_json::Value::Array(a) => Content::Seq(a.iter().map(content).collect()),
        serde_json::Value::Object(m) => Content::Map(
            m.iter()
                .map(|(k, v)| (Content::String(k.clone()), content(v)))
                .collect(),
        ),
    }
}

fn engine(templates: HashMap<String, String>) -> DtlEngine {
    let libraries = ["cache", "humanize", "i18n", "l10n", "static", "tz"]
        .iter()
        .map(|name| {
            let lib = django_library(name).unwrap_or_else(|| panic!("library {name}"));
            (name.to_string(), lib)
        })
        .collect();
    let options = DtlOptions {
        libraries,
        url_resolver: Some(Arc::new(Routes)),
        ..DtlOptions::default()
    };
    DtlEngine::new(
        LoaderChain::new(vec![Arc::new(MapLoader::new(templates))]),
        options,
    )
}

#[test]
fn fixtures() {
    let inputs = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/inputs");
    let refs = refs(&inputs);
    insta::glob!("inputs/*.txt", |path| {
        let stem = path.file_stem().and_then(|s| s.to_str()).expect("name");
        let text = std::fs::read_to_string(path).expect("input");
        let (ctx_text, source) = text.split_once("\n---\n").expect("a --- line");
        let json: serde_json::Value = serde_json::from_str(ctx_text).expect("JSON context");
        let ctx: Context = json
            .as_object()
            .expect("an object")
            .iter()
            .map(|(k, v)| (k.clone(), decode(v)))
            .collect();
        let name = format!("{stem}.html");
        let mut templates = refs.clone();
        templates.insert(name.clone(), source.to_owned());
        let engine = engine(templates);
        let output = match engine.template(&name).and_then(|t| t.render(&ctx, None)) {
            Ok(out) => {
                assert!(!stem.starts_with("err_"), "{stem} rendered: {out}");
                out
            }
            Err(e) => {
                assert!(stem.starts_with("err_"), "{stem} failed: {e:#}");
                format!("{}\n{e:#}\n", e.kind().django_class())
            }
        };
        insta::with_settings!({
            description => source.trim_end(),
            raw_info => &content(&json),
            omit_expression => true,
        }, {
            insta::assert_snapshot!(output);
        });
    });
}
