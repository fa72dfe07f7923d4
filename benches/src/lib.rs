//! Owns platen's benchmarks: the workloads in `benches/workloads`, each
//! engine and peer (tera, minijinja, handlebars, askama) set up at its best,
//! and the checks that every renderer matches Django's output before timing.
//!
//! Shared helpers for platen's benchmarks (`benches/*.rs`).
//!
//! Every renderer reads the same workloads from `benches/workloads` (see its
//! README): the same `context.json`, the same template sources of its own
//! language, and is checked against Django's `expected.html` before anything
//! is timed. This crate holds what the bench targets share:
//!
//! - [`Workload`]: a workload's directory, parsed context and expected output;
//! - builders for each renderer with the extras the bench README asks for
//!   ([`platen_engines`], [`raw_tera`], [`minijinja_env`], [`raw_handlebars`],
//!   [`askama_renderer`]);
//! - [`check_output`], which compares an output with `expected.html`, mapping
//!   entity spellings for the engines that spell them differently;
//! - [`criterion_median_ns`] and [`print_table`], which read criterion's
//!   estimates back to print one table of medians and ratios per run.
//!
//! The helpers are plain functions so that `cargo test --workspace` builds
//! (and, through the unit tests below, checks) them without running criterion.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use platen::{Context, Engines, Settings, Template};

/// The five workloads, in the order of the bench README.
pub const WORKLOADS: [&str; 5] = [
    "big_table",
    "teams",
    "blog_page",
    "forloop_filter",
    "escape_heavy",
];

/// The directory holding the workloads: `workloads/` of this crate.
pub fn bench_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("workloads")
}

/// One workload: where it is, its context and Django's output for it.
#[derive(Debug, Clone)]
pub struct Workload {
    /// The workload's name (`big_table`, ...).
    pub name: &'static str,
    /// Its directory (`benches/workloads/<name>`).
    pub dir: PathBuf,
    /// `context.json`, parsed once.
    pub json: serde_json::Value,
    /// `expected.html`, byte for byte.
    pub expected: String,
}

impl Workload {
    /// Reads the workload `name` (panics with the path if a file is missing).
    pub fn load(name: &'static str) -> Workload {
        let dir = bench_dir().join(name);
        let read = |file: &str| {
            let path = dir.join(file);
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        };
        let json = serde_json::from_str(&read("context.json"))
            .unwrap_or_else(|e| panic!("{name}/context.json: {e}"));
        let expected = read("expected.html");
        Workload {
            name,
            dir,
            json,
            expected,
        }
    }

    /// Every workload, in [`WORKLOADS`] order.
    pub fn all() -> Vec<Workload> {
        WORKLOADS.iter().map(|name| Workload::load(name)).collect()
    }

    /// The context as platen sees it, built once.
    pub fn platen_context(&self) -> Context {
        Context::from_serialize(&self.json).expect("context.json is a platen context")
    }

    /// The template files of one language directory (`dtl`, `jinja`, `tera`,
    /// `hbs`, `askama`), as `(file name, source)` sorted by name.
    pub fn sources(&self, lang: &str) -> Vec<(String, String)> {
        let dir = self.dir.join(lang);
        let mut files: Vec<(String, String)> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|entry| {
                let path = entry.expect("a directory entry").path();
                let name = path.file_name().unwrap().to_string_lossy().into_owned();
                let source = std::fs::read_to_string(&path)
                    .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                (name, source)
            })
            .collect();
        files.sort();
        files
    }
}

/// Maps the entity spellings of Tera 2, Jinja2 and askama to Django's
/// (`&#39;` and `&#x27;`, `&#34;` and `&quot;`, `&#60;`, `&#62;`, `&#38;`),
/// as the bench README's "Escaping" section describes.
pub fn to_django_entities(s: &str) -> String {
    s.replace("&#39;", "&#x27;")
        .replace("&#34;", "&quot;")
        .replace("&#60;", "&lt;")
        .replace("&#62;", "&gt;")
        .replace("&#38;", "&amp;")
}

/// Checks `got` against the workload's `expected.html`: byte for byte, or,
/// when `map_entities` is set, after [`to_django_entities`]. Returns a short
/// description of the first difference.
pub fn check_output(workload: &Workload, got: &str, map_entities: bool) -> Result<(), String> {
    let mapped;
    let got = if map_entities && got != workload.expected {
        mapped = to_django_entities(got);
        mapped.as_str()
    } else {
        got
    };
    if got == workload.expected {
        return Ok(());
    }
    let want = &workload.expected;
    let at = got
        .bytes()
        .zip(want.bytes())
        .position(|(a, b)| a != b)
        .unwrap_or(got.len().min(want.len()));
    let excerpt = |s: &str| {
        let (mut from, mut to) = (at.saturating_sub(60), (at + 60).min(s.len()));
        while !s.is_char_boundary(from) {
            from -= 1;
        }
        while !s.is_char_boundary(to) {
            to += 1;
        }
        s[from..to].to_owned()
    };
    Err(format!(
        "{}: differs at byte {at} (got {} bytes, expected {})\n got: {:?}\nwant: {:?}",
        workload.name,
        got.len(),
        want.len(),
        excerpt(got),
        excerpt(want)
    ))
}

// ---------------------------------------------------------------- platen

/// A registry with every built-in backend, the Handlebars backend carrying
/// the [`hbs_helpers`] and the Tera backend the [`tera_truncatewords`] filter.
pub fn platen_registry() -> platen::Registry {
    let mut registry = platen::registry();
    registry.register_backend(
        "platen.handlebars",
        platen::handlebars::HandlebarsBackend::new()
            .helper("upper", hbs_helpers::upper)
            .helper("lower", hbs_helpers::lower)
            .helper("truncatewords", hbs_helpers::truncatewords)
            .helper("divisibleby", hbs_helpers::divisibleby),
    );
    registry.register_backend(
        "platen.tera",
        platen::tera::TeraBackend::new().filter("truncatewords", tera_truncatewords),
    );
    registry
}

/// The settings of [`platen_engines`]: three engines named `dtl`, `hbs` and
/// `tera` over the workload's `dtl/`, `hbs/` and `tera/` directories, each
/// with the default loaders (the cached loader over the filesystem loader).
pub const PLATEN_SETTINGS: &str = r#"
[[templates]]
backend = "platen.dtl"
name = "dtl"
dirs = ["dtl"]

[[templates]]
backend = "platen.handlebars"
name = "hbs"
dirs = ["hbs"]

[[templates]]
backend = "platen.tera"
name = "tera"
dirs = ["tera"]
"#;

/// Builds platen's [`Engines`] for one workload from [`PLATEN_SETTINGS`]
/// (relative directories resolve against the workload's directory), as an
/// application would from its `platen.toml`.
pub fn platen_engines(workload: &Workload) -> Engines {
    use figment::providers::Format;
    let figment = Settings::figment(None)
        .expect("defaults")
        .merge(figment::providers::Toml::string(PLATEN_SETTINGS));
    let settings = Settings::from_figment(figment, &workload.dir, None).expect("bench settings");
    platen_registry()
        .build_engines(&settings)
        .expect("bench engines")
}

/// The entry template of each platen engine of [`platen_engines`].
pub fn platen_entry(engine: &str) -> &'static str {
    if engine == "hbs" {
        "index"
    } else {
        "index.html"
    }
}

/// Fetches the entry template of platen engine `engine` (`dtl`, `hbs` or `tera`).
pub fn platen_template(engines: &Engines, engine: &str) -> Arc<dyn Template> {
    engines
        .get_template(platen_entry(engine), Some(engine))
        .unwrap_or_else(|e| panic!("{engine}: {e:#}"))
}

// ---------------------------------------------------------------- helpers per engine

/// Django's `truncatewords` on a string: the first `n` whitespace-separated
/// words joined by single spaces, then `" …"` when words were dropped.
pub fn truncatewords(s: &str, n: usize) -> String {
    let mut words = s.split_whitespace();
    let mut out = String::with_capacity(s.len().min(n * 8));
    for (i, word) in words.by_ref().take(n).enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(word);
    }
    if words.next().is_some() {
        out.push_str(" …");
    }
    out
}

/// Tera's `truncatewords(length=n)` filter ([`truncatewords`]).
pub fn tera_truncatewords(
    s: &str,
    kwargs: tera::Kwargs,
    _: &tera::State,
) -> tera::TeraResult<String> {
    let n: usize = kwargs.must_get("length")?;
    Ok(truncatewords(s, n))
}

/// minijinja's `truncatewords(n)` filter ([`truncatewords`]).
pub fn minijinja_truncatewords(s: &str, n: usize) -> String {
    truncatewords(s, n)
}

/// Handlebars helpers: `upper`, `lower`, `truncatewords s n` and
/// `divisibleby x d` (Handlebars has none of them built in).
pub mod hbs_helpers {
    #![allow(missing_docs, unreachable_pub)] // handlebars_helper! makes undocumented structs
    use handlebars::handlebars_helper;

    handlebars_helper!(upper: |s: str| s.to_uppercase());
    handlebars_helper!(lower: |s: str| s.to_lowercase());
    handlebars_helper!(divisibleby: |x: i64, d: i64| d != 0 && x % d == 0);
    handlebars_helper!(truncatewords: |s: str, n: u64| super::truncatewords(s, n as usize));
}

// ---------------------------------------------------------------- raw crates

/// A raw `tera::Tera` with the workload's `tera/` templates (autoescape on
/// `.html`, the default) and the `truncatewords` filter.
pub fn raw_tera(workload: &Workload) -> tera::Tera {
    let mut tera = tera::Tera::new();
    tera.register_filter("truncatewords", tera_truncatewords);
    let sources = workload.sources("tera");
    tera.add_raw_templates(sources.iter().map(|(n, s)| (n.as_str(), s.as_str())))
        .unwrap_or_else(|e| panic!("{}: tera: {e:?}", workload.name));
    tera
}

/// A minijinja environment with the workload's `jinja/` templates, HTML
/// auto-escape for `.html` (the default), `keep_trailing_newline` and the
/// `truncatewords` filter.
pub fn minijinja_env(workload: &Workload) -> minijinja::Environment<'static> {
    let mut env = minijinja_base_env();
    for (name, source) in workload.sources("jinja") {
        env.add_template_owned(name, source)
            .unwrap_or_else(|e| panic!("{}: minijinja: {e:#}", workload.name));
    }
    env
}

/// The workload's context as a minijinja value, converted once.
pub fn minijinja_context(workload: &Workload) -> minijinja::Value {
    minijinja::Value::from(minijinja::value::Serde(&workload.json))
}

/// A minijinja environment configured as [`minijinja_env`], without templates.
pub fn minijinja_base_env() -> minijinja::Environment<'static> {
    let mut env = minijinja::Environment::new();
    let syntax = minijinja::syntax::SyntaxConfig::builder()
        .keep_trailing_newline(true)
        .build()
        .expect("the default delimiters");
    env.set_syntax(syntax);
    env.add_filter("truncatewords", minijinja_truncatewords);
    env
}

/// A raw `handlebars::Handlebars` with each of the workload's `hbs/` files
/// registered under its file stem and the [`hbs_helpers`].
pub fn raw_handlebars(workload: &Workload) -> handlebars::Handlebars<'static> {
    let mut hbs = handlebars::Handlebars::new();
    hbs.register_helper("upper", Box::new(hbs_helpers::upper));
    hbs.register_helper("lower", Box::new(hbs_helpers::lower));
    hbs.register_helper("truncatewords", Box::new(hbs_helpers::truncatewords));
    hbs.register_helper("divisibleby", Box::new(hbs_helpers::divisibleby));
    for (name, source) in workload.sources("hbs") {
        let stem = name.strip_suffix(".hbs").unwrap_or(&name).to_owned();
        hbs.register_template_string(&stem, source)
            .unwrap_or_else(|e| panic!("{}: handlebars: {e}", workload.name));
    }
    hbs
}

// ---------------------------------------------------------------- askama

/// askama's typed contexts, one template struct per workload, compiled at
/// build time from `benches/workloads/<workload>/askama` (see `askama.toml`).
pub mod askama_templates {
    use askama::Template;
    use serde::Deserialize;

    /// `big_table`: a 100 x 100 table of integers.
    #[derive(Template, Deserialize)]
    #[template(path = "big_table/askama/index.html")]
    pub struct BigTable {
        /// The rows.
        pub table: Vec<Vec<u32>>,
    }

    /// `teams`: a year and four teams.
    #[derive(Template, Deserialize)]
    #[template(path = "teams/askama/index.html")]
    pub struct Teams {
        /// The year.
        pub year: u32,
        /// The teams, champion first.
        pub teams: Vec<Team>,
    }

    /// One team of [`Teams`].
    #[derive(Deserialize)]
    pub struct Team {
        /// Its name.
        pub name: String,
        /// Its score.
        pub score: u32,
    }

    /// `blog_page`: inheritance, 50 includes, filters.
    #[derive(Template, Deserialize)]
    #[template(path = "blog_page/askama/index.html")]
    pub struct BlogPage {
        /// The site.
        pub site: Site,
        /// The page.
        pub page: Page,
        /// The user.
        pub user: User,
        /// The sidebar's tags.
        pub tags: Vec<String>,
        /// The posts.
        pub posts: Vec<Post>,
    }

    /// The site of [`BlogPage`].
    #[derive(Deserialize)]
    pub struct Site {
        /// Its name.
        pub name: String,
        /// Its tagline.
        pub tagline: String,
        /// Its footer.
        pub footer: String,
    }

    /// The page of [`BlogPage`].
    #[derive(Deserialize)]
    pub struct Page {
        /// Its title.
        pub title: String,
    }

    /// The user of [`BlogPage`].
    #[derive(Deserialize)]
    pub struct User {
        /// Signed in or not.
        pub is_authenticated: bool,
        /// The name.
        pub name: String,
    }

    /// A post of [`BlogPage`].
    #[derive(Deserialize)]
    pub struct Post {
        /// Its id.
        pub id: u32,
        /// Its title.
        pub title: String,
        /// Its author.
        pub author: String,
        /// The subtitle, which 16 posts lack.
        pub subtitle: Option<String>,
        /// The body.
        pub body: String,
        /// Its tags.
        pub tags: Vec<String>,
        /// The number of comments.
        pub comment_count: u32,
        /// Featured or not.
        pub featured: bool,
    }

    /// `forloop_filter`: the even numbers of 0..1000 (askama tests `i % 2 == 0`).
    #[derive(Template, Deserialize)]
    #[template(path = "forloop_filter/askama/index.html")]
    pub struct ForloopFilter {
        /// 0..1000.
        pub my_list: Vec<i64>,
    }

    /// `escape_heavy`: 2,000 strings to escape.
    #[derive(Template, Deserialize)]
    #[template(path = "escape_heavy/askama/index.html")]
    pub struct EscapeHeavy {
        /// The strings.
        pub items: Vec<String>,
    }

    /// askama's custom filters (found by name in a `filters` module in scope).
    #[allow(unreachable_pub)] // `filter_fn` makes a public item of its own
    mod filters {
        /// Django's `truncatewords` ([`crate::truncatewords`]).
        #[askama::filter_fn]
        pub(super) fn truncatewords(
            s: impl std::fmt::Display,
            _: &dyn askama::Values,
            n: usize,
        ) -> askama::Result<String> {
            Ok(crate::truncatewords(&s.to_string(), n))
        }
    }
}

/// A boxed askama render of one workload, its typed context deserialised once
/// from `context.json`.
pub type AskamaRender = Box<dyn Fn() -> String + Send + Sync>;

/// The askama renderer of `workload` (the context deserialised into its
/// struct once).
pub fn askama_renderer(workload: &Workload) -> AskamaRender {
    use askama::Template;
    use askama_templates::*;
    fn boxed<T: Template + Send + Sync + 'static>(t: T) -> AskamaRender {
        Box::new(move || t.render().expect("askama renders"))
    }
    fn typed<T: serde::de::DeserializeOwned>(w: &Workload) -> T {
        serde_json::from_value(w.json.clone())
            .unwrap_or_else(|e| panic!("{}: askama context: {e}", w.name))
    }
    match workload.name {
        "big_table" => boxed(typed::<BigTable>(workload)),
        "teams" => boxed(typed::<Teams>(workload)),
        "blog_page" => boxed(typed::<BlogPage>(workload)),
        "forloop_filter" => boxed(typed::<ForloopFilter>(workload)),
        "escape_heavy" => boxed(typed::<EscapeHeavy>(workload)),
        other => panic!("no askama template for {other}"),
    }
}

// ---------------------------------------------------------------- reading criterion's results

/// Where criterion writes its results: `$CRITERION_HOME`, else
/// `$CARGO_TARGET_DIR/criterion`, else `target/criterion` of the workspace.
pub fn criterion_dir() -> PathBuf {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return PathBuf::from(home);
    }
    if let Some(target) = std::env::var_os("CARGO_TARGET_DIR") {
        return PathBuf::from(target).join("criterion");
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/criterion")
}

/// criterion's median (ns per iteration) of `group/function`, read from its
/// `new/estimates.json`, if that file was written at or after `since` (so a
/// filtered run never reports an old result).
pub fn criterion_median_ns(group: &str, function: &str, since: SystemTime) -> Option<f64> {
    let path = criterion_dir()
        .join(group)
        .join(function)
        .join("new/estimates.json");
    let modified = std::fs::metadata(&path).ok()?.modified().ok()?;
    if modified < since {
        return None;
    }
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).ok()?).ok()?;
    json["median"]["point_estimate"].as_f64()
}

/// Prints a table: one row per entry of `rows`, one column per entry of
/// `columns`, each cell `format(value)` and, after it, the ratio to the value
/// of column `base` on that row (`value / base`). Missing cells print `-`.
pub fn print_table(
    title: &str,
    rows: &[&str],
    columns: &[&str],
    base: &str,
    cells: &BTreeMap<(String, String), f64>,
    unit: &str,
    format: impl Fn(f64) -> String,
) {
    println!("\n{title}\n");
    let mut header = format!("| {:<16} |", "workload");
    let mut rule = format!("|{:-<18}|", "");
    for col in columns {
        header.push_str(&format!(" {:>22} |", format!("{col} ({unit})")));
        rule.push_str(&format!("{:-<23}:|", ""));
    }
    println!("{header}\n{rule}");
    for row in rows {
        let mut line = format!("| {row:<16} |");
        let base_value = cells.get(&(row.to_string(), base.to_string())).copied();
        for col in columns {
            let cell = match (cells.get(&(row.to_string(), col.to_string())), base_value) {
                (Some(&v), Some(b)) if b > 0.0 => format!("{} ({:.2}x)", format(v), v / b),
                (Some(&v), _) => format(v),
                (None, _) => "-".to_owned(),
            };
            line.push_str(&format!(" {cell:>22} |"));
        }
        println!("{line}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncatewords_has_django_semantics() {
        assert_eq!(truncatewords("one  two\nthree four", 3), "one two three …");
        assert_eq!(truncatewords(" a  b ", 3), "a b");
        assert_eq!(truncatewords("", 2), "");
    }

    /// Every renderer of the benches reproduces `expected.html` (in debug
    /// mode this takes well under a second).
    #[test]
    fn every_renderer_matches_django() {
        for w in Workload::all() {
            let ctx = w.platen_context();
            let engines = platen_engines(&w);
            for engine in ["dtl", "hbs", "tera"] {
                let out = platen_template(&engines, engine)
                    .render(&ctx, None)
                    .unwrap();
                check_output(&w, &out, engine == "tera")
                    .unwrap_or_else(|e| panic!("platen-{engine}: {e}"));
            }
            let out = raw_tera(&w)
                .render(
                    "index.html",
                    &tera::Context::from_serialize(&w.json).unwrap(),
                )
                .unwrap();
            check_output(&w, &out, true).unwrap_or_else(|e| panic!("tera: {e}"));
            let env = minijinja_env(&w);
            let out = env
                .get_template("index.html")
                .unwrap()
                .render(minijinja_context(&w))
                .unwrap();
            check_output(&w, &out, false).unwrap_or_else(|e| panic!("minijinja: {e}"));
            let out = raw_handlebars(&w).render("index", &w.json).unwrap();
            check_output(&w, &out, false).unwrap_or_else(|e| panic!("handlebars: {e}"));
            let askama = askama_renderer(&w);
            check_output(&w, &askama(), true).unwrap_or_else(|e| panic!("askama: {e}"));
        }
    }
}
