//! The load test's peer: the blog's list page (`/`) served by axum +
//! minijinja, from the same posts and route table, with templates that
//! mirror the DTL ones (`peer-templates/`: a base layout, includes, a
//! `reading_time` filter, a `date` filter and a `url` function in Rust).
//!
//! `cargo run --release --manifest-path examples/Cargo.toml -p platen-example-site --bin platen-example-site-peer -- --addr 127.0.0.1:8001`

use std::process::ExitCode;
use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::response::Html;
use axum::routing::get;
use chrono::{Datelike, NaiveDate};
use clap::Parser;
use http::{StatusCode, Uri};
use minijinja::{Environment, Error, ErrorKind, context};
use platen::dtl::UrlResolver;
use platen_example_site::blog::Blog;
use platen_example_site::routes::Routes;
use platen_example_site::server::{Args, bind};
use serde::Serialize;

/// A post as the minijinja templates see it.
#[derive(Serialize)]
struct PostView<'a> {
    slug: &'a str,
    title: &'a str,
    author: &'a str,
    date: String,
    tags: &'a [&'a str],
    summary: &'a str,
    body: &'a [&'a str],
}

/// A topic as the templates see it.
#[derive(Serialize)]
struct TopicView<'a> {
    name: &'a str,
    count: usize,
}

struct App {
    env: Environment<'static>,
    blog: Blog,
    /// The posts as template values, built once (as the platen site does).
    posts: minijinja::Value,
}

/// Django's `N` (Associated Press month abbreviations).
const AP_MONTHS: [&str; 12] = [
    "Jan.", "Feb.", "March", "April", "May", "June", "July", "Aug.", "Sept.", "Oct.", "Nov.",
    "Dec.",
];

/// `date(value, format)` for the two formats the templates use.
fn date(value: String, format: String) -> Result<String, Error> {
    let d = NaiveDate::parse_from_str(&value, "%Y-%m-%d")
        .map_err(|e| Error::new(ErrorKind::InvalidOperation, format!("not a date: {e}")))?;
    match format.as_str() {
        "Y-m-d" => Ok(d.format("%Y-%m-%d").to_string()),
        "N j, Y" => Ok(format!(
            "{} {}, {}",
            AP_MONTHS[d.month0() as usize],
            d.day(),
            d.year()
        )),
        other => Err(Error::new(
            ErrorKind::InvalidOperation,
            format!("unsupported date format {other:?}"),
        )),
    }
}

fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    // Like Django, keep each template's last newline.
    let syntax = minijinja::syntax::SyntaxConfig::builder()
        .keep_trailing_newline(true)
        .build()
        .expect("the default delimiters");
    env.set_syntax(syntax);
    for (name, source) in [
        ("base.html", include_str!("../../peer-templates/base.html")),
        (
            "header.html",
            include_str!("../../peer-templates/header.html"),
        ),
        (
            "footer.html",
            include_str!("../../peer-templates/footer.html"),
        ),
        ("list.html", include_str!("../../peer-templates/list.html")),
        (
            "post_card.html",
            include_str!("../../peer-templates/post_card.html"),
        ),
        (
            "tag_links.html",
            include_str!("../../peer-templates/tag_links.html"),
        ),
    ] {
        if let Err(err) = env.add_template(name, source) {
            panic!("peer template {name} does not compile: {err:#}");
        }
    }
    env.add_filter("date", date);
    env.add_filter(
        "reading_time",
        |body: minijinja::Value| -> Result<String, Error> {
            let mut words = 0;
            for p in body.try_iter()? {
                words += p.as_str().map_or(0, |s| s.split_whitespace().count());
            }
            Ok(format!("{} min read", words.div_ceil(200).max(1)))
        },
    );
    let routes = Routes::default();
    env.add_function(
        "url",
        move |name: String, args: minijinja::value::Rest<String>| {
            let args: Vec<platen::Value> = args
                .iter()
                .map(|a| platen::Value::from(a.as_str()))
                .collect();
            // A reversed URL is percent-encoded: safe in HTML, as Django's `{% url %}` output is.
            routes
                .reverse(&name, &args, &[])
                .map(minijinja::Value::from_safe_string)
                .map_err(|e| Error::new(ErrorKind::InvalidOperation, e.to_string()))
        },
    );
    env
}

/// The posts of `blog` as template values.
fn post_values(blog: &Blog) -> minijinja::Value {
    let posts = blog.posts();
    let posts: Vec<PostView<'_>> = posts
        .iter()
        .map(|p| PostView {
            slug: p.slug,
            title: &p.title,
            author: p.author,
            date: p.date.format("%Y-%m-%d").to_string(),
            tags: p.tags,
            summary: &p.summary,
            body: p.body,
        })
        .collect();
    minijinja::Value::from(minijinja::value::Serde(&posts))
}

async fn list(State(app): State<Arc<App>>, uri: Uri) -> Result<Html<String>, (StatusCode, String)> {
    let topics = app.blog.topics();
    let topics: Vec<TopicView<'_>> = topics
        .iter()
        .map(|t| TopicView {
            name: t.name,
            count: t.count,
        })
        .collect();
    let template = app
        .env
        .get_template("list.html")
        .map_err(|e| (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    template
        .render(context! {
            posts => app.posts.clone(),
            topics => minijinja::Value::from(minijinja::value::Serde(&topics)),
            request => context! { path => uri.path() },
            debug => false,
        })
        .map(Html)
        .map_err(|e| (StatusCode::INTERNAL_SERVER_ERROR, format!("{e:#}")))
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let blog = Blog::sample();
    let app = Arc::new(App {
        env: environment(),
        posts: post_values(&blog),
        blog,
    });
    let listener = match bind(args.addr).await {
        Ok(listener) => listener,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::FAILURE;
        }
    };
    let addr = listener.local_addr().unwrap_or(args.addr);
    println!("minijinja peer: http://{addr}/");
    let router = Router::new().route("/", get(list)).with_state(app);
    let serve = axum::serve(listener, router).with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
    });
    if let Err(err) = serve.await {
        eprintln!("error: {err}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
