//! The pages: each view turns a request's route arguments into a
//! [`TemplateResponse`], rendered by the templates layer on the way out.
//! The hyper server and the axum server call the same views.

use http::StatusCode;
use platen::{Context, Value};
use platen_tower::TemplateResponse;

use crate::blog::Blog;
use crate::routes::Routes;

/// The front page: every post, and the topics.
///
/// `all_posts` is what the topics sidebar shows the counts of: it depends
/// on every post (`{% depends_on all_posts %}`), on the tag pages too.
pub fn home(blog: &Blog) -> TemplateResponse {
    TemplateResponse::new(
        ["blog/list.html"],
        Context::new()
            .with("posts", blog.values())
            .with("all_posts", blog.values())
            .with("topics", blog.topics_value()),
    )
}

/// One post, by slug; the 404 page when there is none.
pub fn post(blog: &Blog, slug: &str, path: &str) -> TemplateResponse {
    let Some((post, newer, older)) = blog.post_values(slug) else {
        return not_found(path);
    };
    let mut ctx = Context::new().with("post", post);
    if let Some(p) = newer {
        ctx.insert("newer", p);
    }
    if let Some(p) = older {
        ctx.insert("older", p);
    }
    TemplateResponse::new(["blog/detail.html"], ctx)
}

/// The posts with one topic; the 404 page for a topic no post has.
pub fn tag(blog: &Blog, tag: &str, path: &str) -> TemplateResponse {
    let posts = blog.tagged(tag);
    if posts.is_empty() {
        return not_found(path);
    }
    let posts: Value = posts.into_iter().collect();
    TemplateResponse::new(
        ["blog/list.html"],
        Context::new()
            .with("posts", posts)
            .with("all_posts", blog.values())
            .with("tag", tag)
            .with("topics", blog.topics_value()),
    )
}

/// The about page: a Handlebars template (`about.hbs`), found by the
/// second engine of the settings.
pub fn about(blog: &Blog) -> TemplateResponse {
    let authors: Vec<&str> = blog.posts().iter().fold(Vec::new(), |mut seen, p| {
        if !seen.contains(&p.author) {
            seen.push(p.author);
        }
        seen
    });
    TemplateResponse::new(
        ["about.hbs"],
        Context::new().with("post_count", blog.len()).with(
            "authors",
            authors.into_iter().map(Value::from).collect::<Value>(),
        ),
    )
}

/// A page whose template fails while rendering (a `{% url %}` that cannot
/// be reversed): shows the 500 page, or the debug page in debug mode.
pub fn broken() -> TemplateResponse {
    TemplateResponse::new(["broken.html"], Context::new())
}

/// The 404 page for `path`.
pub fn not_found(path: &str) -> TemplateResponse {
    TemplateResponse::new(["404.html"], Context::new().with("request_path", path))
        .status(StatusCode::NOT_FOUND)
}

/// The view for `path`, routed through the site's [`Routes`] (the hyper
/// server's router; the axum server mounts the same patterns itself).
pub fn dispatch(blog: &Blog, routes: &Routes, path: &str) -> TemplateResponse {
    let Some((route, args)) = routes.resolve(path) else {
        return not_found(path);
    };
    let arg = args.first().map(String::as_str).unwrap_or_default();
    match route.name {
        "home" => home(blog),
        "post" => post(blog, arg, path),
        "tag" => tag(blog, arg, path),
        "about" => about(blog),
        "broken" => broken(),
        _ => not_found(path),
    }
}
