//! The extension API: user filters, `simple_tag`, `inclusion_tag`, full
//! custom tags with per-render state, and libraries named in settings.

use std::collections::HashMap;
use std::sync::Arc;

use platen_conformance::MapLoader;
use platen_core::{Context, Error, ErrorKind, LoaderChain, Registry, Settings, Template, Value};
use platen_dtl::{
    Arg, DtlBackend, DtlEngine, DtlOptions, Expr, FilterOptions, Library, Nodes, Parser, Renderer,
    TagNode, Token,
};

fn library() -> Library {
    let mut lib = Library::new();
    lib.filter_fn(
        "cut_vowels",
        FilterOptions {
            is_safe: true,
            ..Default::default()
        },
        |v, _, _| {
            Ok(Value::from(
                v.to_string()
                    .chars()
                    .filter(|c| !"aeiou".contains(*c))
                    .collect::<String>(),
            ))
        },
    );
    lib.filter_fn(
        "bold",
        FilterOptions {
            needs_autoescape: true,
            ..Default::default()
        },
        |v, _, env| {
            let text = v.to_string();
            let inner = if env.autoescape && !v.is_safe() {
                let mut s = String::new();
                platen_dtl::escape_into(&mut s, &text);
                s
            } else {
                text
            };
            Ok(Value::safe(format!("<b>{inner}</b>")))
        },
    );
    lib.filter_fn(
        "repeat",
        FilterOptions {
            arg: Arg::Required,
            ..Default::default()
        },
        |v, n, _| {
            let n = n.and_then(Value::as_i64).unwrap_or(1).max(0) as usize;
            Ok(Value::from(v.to_string().repeat(n)))
        },
    );
    lib.simple_tag("join_args", |call| {
        let mut parts: Vec<String> = call.args.iter().map(|v| v.to_string()).collect();
        parts.extend(call.kwargs.iter().map(|(k, v)| format!("{k}={v}")));
        Ok(Value::from(parts.join(",")))
    });
    lib.simple_tag("user_name", |call| {
        Ok(call.context().get("user").unwrap_or_default())
    });
    lib.inclusion_tag("show_list", "list.html", |call| {
        let items = call.args.first().cloned().unwrap_or_default();
        let title = call
            .kwarg("title")
            .cloned()
            .unwrap_or_else(|| Value::from("Items"));
        let map: platen_core::value::Map =
            [(Arc::from("items"), items), (Arc::from("title"), title)]
                .into_iter()
                .collect();
        Ok(Value::from(map))
    });
    lib.tag_fn("repeat_block", compile_repeat);
    lib.tag_fn("counter", |_, _| Ok(Box::new(Counter) as Box<dyn TagNode>));
    lib
}

/// `{% repeat_block n %}...{% endrepeat_block %}`.
#[derive(Debug)]
struct RepeatBlock {
    times: Expr,
    body: Nodes,
}

fn compile_repeat(p: &mut Parser<'_>, token: &Token<'_>) -> Result<Box<dyn TagNode>, Error> {
    let bits = token.split_contents();
    if bits.len() != 2 {
        return Err(Error::new(
            ErrorKind::SyntaxError,
            format!("'{}' takes one argument", bits[0]),
        ));
    }
    let times = p.compile_filter(&bits[1])?;
    let body = p.parse_until(&["endrepeat_block"])?;
    p.skip_end_tag();
    Ok(Box::new(RepeatBlock { times, body }))
}

impl TagNode for RepeatBlock {
    fn render(&self, r: &mut Renderer<'_>, out: &mut String) -> Result<(), Error> {
        let n = self.times.resolve(r)?.as_i64().unwrap_or(0);
        for i in 0..n {
            r.push_scope();
            r.set("i", Value::from(i));
            let res = self.body.render(r, out);
            r.pop_scope();
            res?;
        }
        Ok(())
    }

    fn nodelists(&self) -> Vec<&Nodes> {
        vec![&self.body]
    }
}

/// `{% counter %}`: counts its uses within one render.
#[derive(Debug)]
struct Counter;

impl TagNode for Counter {
    fn render(&self, r: &mut Renderer<'_>, out: &mut String) -> Result<(), Error> {
        let n: &mut u32 = r.state();
        *n += 1;
        out.push_str(&n.to_string());
        Ok(())
    }
}

fn engine(templates: &[(&str, &str)]) -> DtlEngine {
    let map: HashMap<String, String> = templates
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let mut options = DtlOptions::default();
    options
        .libraries
        .insert("mytags".into(), Arc::new(library()));
    DtlEngine::new(
        LoaderChain::new(vec![Arc::new(MapLoader::new(map))]),
        options,
    )
}

fn render(source: &str, ctx: &Context) -> Result<String, Error> {
    let e = engine(&[(
        "list.html",
        "<h3>{{ title }}</h3>{% for i in items %}<li>{{ i }}</li>{% endfor %}{{ user }}",
    )]);
    e.template_from_str(source)?.render(ctx, None)
}

#[test]
fn user_filters() {
    let ctx = Context::new().with("s", "banana <x>");
    assert_eq!(
        render("{% load mytags %}{{ s|cut_vowels }}", &ctx).unwrap(),
        "bnn &lt;x&gt;"
    );
    // is_safe keeps a safe input safe.
    assert_eq!(
        render("{% load mytags %}{{ s|safe|cut_vowels }}", &ctx).unwrap(),
        "bnn <x>"
    );
    assert_eq!(
        render("{% load mytags %}{{ s|bold }}", &ctx).unwrap(),
        "<b>banana &lt;x&gt;</b>"
    );
    assert_eq!(
        render(
            "{% load mytags %}{% autoescape off %}{{ s|bold }}{% endautoescape %}",
            &ctx
        )
        .unwrap(),
        "<b>banana <x></b>"
    );
    assert_eq!(
        render("{% load mytags %}{{ 'ab'|repeat:3 }}", &ctx).unwrap(),
        "ababab"
    );
    let err = render("{% load mytags %}{{ s|repeat }}", &ctx).unwrap_err();
    assert_eq!(
        err.detail(),
        Some("repeat requires 2 arguments, 1 provided")
    );
    // Not loaded: unknown.
    let err = render("{{ s|cut_vowels }}", &ctx).unwrap_err();
    assert_eq!(err.detail(), Some("Invalid filter: 'cut_vowels'"));
    // `load x from lib` picks one name.
    assert_eq!(
        render("{% load repeat from mytags %}{{ 'a'|repeat:2 }}", &ctx).unwrap(),
        "aa"
    );
}

#[test]
fn simple_tags() {
    let ctx = Context::new().with("x", "<1>").with("user", "ann");
    assert_eq!(
        render("{% load mytags %}{% join_args x 2 k='v' other=x %}", &ctx).unwrap(),
        "&lt;1&gt;,2,k=v,other=&lt;1&gt;"
    );
    assert_eq!(
        render(
            "{% load mytags %}{% join_args x as joined %}[{{ joined|safe }}]",
            &ctx
        )
        .unwrap(),
        "[<1>]"
    );
    assert_eq!(
        render("{% load mytags %}{% user_name %}", &ctx).unwrap(),
        "ann"
    );
    let err = render("{% load mytags %}{% join_args a=1 b %}", &ctx).unwrap_err();
    assert_eq!(
        err.detail(),
        Some("'join_args' received some positional argument(s) after some keyword argument(s)")
    );
    let err = render("{% load mytags %}{% join_args a=1 a=2 %}", &ctx).unwrap_err();
    assert_eq!(
        err.detail(),
        Some("'join_args' received multiple values for keyword argument 'a'")
    );
}

#[test]
fn inclusion_tags() {
    let ctx = Context::new()
        .with("xs", Value::from(vec![Value::from("a<"), Value::from("b")]))
        .with("user", "hidden");
    // The included template sees only what the function returned.
    assert_eq!(
        render("{% load mytags %}{% show_list xs title='T' %}", &ctx).unwrap(),
        "<h3>T</h3><li>a&lt;</li><li>b</li>"
    );
}

#[test]
fn custom_tags_with_bodies_and_state() {
    let ctx = Context::new().with("n", 3);
    assert_eq!(
        render("{% load mytags %}{% repeat_block n %}[{{ i }}{% counter %}]{% endrepeat_block %}{{ i }}", &ctx)
            .unwrap(),
        "[01][12][23]"
    );
    // State is per render: a second render starts again.
    let e = engine(&[]);
    let t = e
        .template_from_str("{% load mytags %}{% counter %}{% counter %}")
        .unwrap();
    assert_eq!(t.render(&ctx, None).unwrap(), "11");
    assert_eq!(t.render(&ctx, None).unwrap(), "11");
    let err = render("{% load mytags %}{% repeat_block n %}x", &ctx).unwrap_err();
    assert_eq!(
        err.detail(),
        Some("Unclosed tag on line 1: 'repeat_block'. Looking for one of: endrepeat_block.")
    );
}

#[test]
fn blocks_inside_custom_tags_take_part_in_inheritance() {
    let e = engine(&[
        (
            "base.html",
            "{% load mytags %}{% repeat_block 2 %}{% block b %}base{% endblock %}{% endrepeat_block %}",
        ),
        (
            "child.html",
            "{% extends 'base.html' %}{% block b %}child{% endblock %}",
        ),
    ]);
    assert_eq!(
        e.template("child.html")
            .unwrap()
            .render(&Context::new(), None)
            .unwrap(),
        "childchild"
    );
}

#[test]
fn unknown_library_is_a_syntax_error_with_djangos_message() {
    let err = render("{% load nosuch %}", &Context::new()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::SyntaxError);
    assert_eq!(
        err.detail(),
        Some("'nosuch' is not a registered tag library. Must be one of:\nmytags")
    );
    let err = render("{% load nope from mytags %}", &Context::new()).unwrap_err();
    assert_eq!(
        err.detail(),
        Some("'nope' is not a valid tag or filter in tag library 'mytags'")
    );
}

#[test]
fn libraries_and_builtins_from_settings() {
    let dir = std::env::temp_dir().join(format!("platen-dtl-ext-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("platen.toml");
    std::fs::write(
        &file,
        r#"
[[templates]]
backend = "platen.dtl"
name = "dtl"
options = { loaders = [], libraries = { short = "myapp.tags" }, builtins = ["myapp.extra"] }
"#,
    )
    .unwrap();
    let settings = Settings::load(&file).unwrap();
    let mut extra = Library::new();
    extra.simple_tag("hello", |_| Ok(Value::from("hi")));
    let backend = DtlBackend::new()
        .library("myapp.tags", library())
        .library("myapp.extra", extra);
    let mut registry = Registry::new();
    registry.register_backend(platen_dtl::BACKEND_NAME, backend);
    let engines = registry.build_engines(&settings).unwrap();
    let engine = engines.get("dtl").unwrap();
    let t = engine
        .from_string("{% hello %} {% load short static %}{{ 'aeb'|cut_vowels }}")
        .unwrap();
    assert_eq!(t.render(&Context::new(), None).unwrap(), "hi b");

    std::fs::write(&file, "[[templates]]\nbackend = \"platen.dtl\"\noptions = { loaders = [], libraries = { x = \"nosuch\" } }\n")
        .unwrap();
    let settings = Settings::load(&file).unwrap();
    let err = registry.build_engines(&settings).unwrap_err();
    assert!(
        err.to_string()
            .contains("unknown template library `nosuch`"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// A route table of one pattern, `post` -> `/posts/<slug>/`.
#[derive(Debug)]
struct OneRoute;

impl platen_dtl::UrlResolver for OneRoute {
    fn reverse(
        &self,
        view: &str,
        args: &[Value],
        kwargs: &[(String, Value)],
    ) -> Result<String, Error> {
        let slug = args
            .first()
            .or_else(|| kwargs.iter().find(|(k, _)| k == "slug").map(|(_, v)| v));
        match (view, slug) {
            ("post", Some(slug)) => Ok(format!("/posts/{slug}/")),
            _ => Err(Error::new(
                ErrorKind::RenderError,
                format!("Reverse for '{view}' not found."),
            )),
        }
    }
}

#[test]
fn the_backend_gives_its_url_resolver_to_every_engine() {
    let dir = std::env::temp_dir().join(format!("platen-dtl-url-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("platen.toml");
    std::fs::write(
        &file,
        "[[templates]]\nbackend = \"platen.dtl\"\nname = \"dtl\"\noptions = { loaders = [] }\n",
    )
    .unwrap();
    let settings = Settings::load(&file).unwrap();
    let mut registry = Registry::new();
    registry.register_backend(
        platen_dtl::BACKEND_NAME,
        DtlBackend::new().url_resolver(Arc::new(OneRoute)),
    );
    let engines = registry.build_engines(&settings).unwrap();
    let engine = engines.get("dtl").unwrap();
    let t = engine
        .from_string("{% url 'post' 'hi' %} {% url 'post' slug='yo' as u %}[{{ u }}]")
        .unwrap();
    assert_eq!(
        t.render(&Context::new(), None).unwrap(),
        "/posts/hi/ [/posts/yo/]"
    );
    let err = engine
        .from_string("{% url 'nope' %}")
        .unwrap()
        .render(&Context::new(), None)
        .unwrap_err();
    assert!(
        err.to_string().contains("Reverse for 'nope' not found."),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).ok();
}
