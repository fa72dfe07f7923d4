//! The admin endpoints (plain text, no templates), shared by the hyper and
//! the axum servers:
//!
//! - `POST /admin/posts/<slug>/` with `title=...` and/or `summary=...` (in
//!   the query string or a form body, `application/x-www-form-urlencoded`):
//!   edits the post, then expires `post:<slug>` in the `default` cache, so
//!   exactly the fragments that showed the post (its card, the sidebar, the
//!   list block around the cards) render again on the next request;
//! - `GET /admin/cache/`: every cache's statistics.
//!
//! There is no authentication: the example listens on 127.0.0.1.

use std::fmt::Write as _;
use std::sync::Arc;

use http::StatusCode;
use percent_encoding::percent_decode_str;
use platen::cache::Caches;

use crate::blog::{Blog, Edit, identity};

/// Where the posts are edited: `/admin/posts/<slug>/`.
pub const POSTS_PREFIX: &str = "/admin/posts/";

/// The edit endpoint as an axum pattern.
pub const POST_PATTERN: &str = "/admin/posts/{slug}/";

/// Where the cache statistics are.
pub const CACHE_PATH: &str = "/admin/cache/";

/// The largest form body accepted.
pub const MAX_BODY: usize = 64 * 1024;

/// A plain-text answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The status.
    pub status: StatusCode,
    /// The text (one or more lines).
    pub text: String,
}

impl Reply {
    fn new(status: StatusCode, text: impl Into<String>) -> Reply {
        Reply {
            status,
            text: text.into(),
        }
    }
}

/// The blog and the caches its pages' fragments live in.
#[derive(Debug, Clone)]
pub struct Admin {
    blog: Arc<Blog>,
    caches: Caches,
}

impl Admin {
    /// The admin of `blog`, expiring fragments in `caches` (the engines'
    /// caches: `Engines::caches()`).
    pub fn new(blog: Arc<Blog>, caches: Caches) -> Admin {
        Admin { blog, caches }
    }

    /// The posts.
    pub fn blog(&self) -> &Arc<Blog> {
        &self.blog
    }

    /// The caches.
    pub fn caches(&self) -> &Caches {
        &self.caches
    }

    /// Edits the post `slug` with the fields of `query` and `body` (the
    /// body's win), then expires `post:<slug>`.
    pub fn edit_post(&self, slug: &str, query: Option<&str>, body: &[u8]) -> Reply {
        let edit = match parse_edit(query.unwrap_or_default(), body) {
            Ok(edit) => edit,
            Err(message) => return Reply::new(StatusCode::BAD_REQUEST, message + "\n"),
        };
        if !self.blog.edit(slug, &edit) {
            return Reply::new(StatusCode::NOT_FOUND, format!("no post named {slug:?}\n"));
        }
        // After the edit: a fragment rendered before it is removed, or
        // refused if it is being stored now.
        let dep = identity(slug);
        match self.caches.default_cache().expire(&dep) {
            Ok(n) => Reply::new(
                StatusCode::OK,
                format!("edited {dep}; expired {n} fragment(s)\n"),
            ),
            Err(err) => Reply::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("edited {dep}, but could not expire it: {err:#}\n"),
            ),
        }
    }

    /// Every cache's statistics, one `key: value` line each.
    pub fn cache_stats(&self) -> Reply {
        let mut text = String::new();
        for cache in self.caches.iter() {
            let _ = writeln!(text, "[{}]", cache.alias());
            match cache.stats() {
                Ok(s) => {
                    let opt = |v: Option<u64>| v.map_or_else(|| "?".to_owned(), |n| n.to_string());
                    let _ = writeln!(text, "entries: {}", opt(s.entries));
                    let _ = writeln!(text, "bytes: {}", opt(s.bytes));
                    let _ = writeln!(text, "hits: {}", s.hits);
                    let _ = writeln!(text, "misses: {}", s.misses);
                    let _ = writeln!(text, "index_deps: {}", opt(s.index_deps));
                    let _ = writeln!(text, "index_links: {}", opt(s.index_links));
                }
                Err(err) => {
                    let _ = writeln!(text, "error: {err:#}");
                }
            }
        }
        Reply::new(StatusCode::OK, text)
    }
}

/// The slug of an edit path, `/admin/posts/<slug>/`.
pub fn slug_of(path: &str) -> Option<String> {
    let rest = path.strip_prefix(POSTS_PREFIX)?.strip_suffix('/')?;
    let slug = percent_decode_str(rest).decode_utf8().ok()?;
    (!slug.is_empty() && !slug.contains('/')).then(|| slug.into_owned())
}

/// The edit in `query` and a form `body`: `title` and `summary`, each
/// given at most once and not empty; nothing else.
pub fn parse_edit(query: &str, body: &[u8]) -> Result<Edit, String> {
    let body = std::str::from_utf8(body).map_err(|_| "the form body is not UTF-8".to_owned())?;
    let mut edit = Edit::default();
    for pair in query.split('&').chain(body.split('&')) {
        if pair.is_empty() {
            continue;
        }
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let (name, value) = (form_decode(name)?, form_decode(value)?);
        let value = value.trim().to_owned();
        let field = match name.as_str() {
            "title" => &mut edit.title,
            "summary" => &mut edit.summary,
            other => {
                return Err(format!(
                    "unknown field {other:?}: give title= and/or summary="
                ));
            }
        };
        if value.is_empty() {
            return Err(format!("the {name} cannot be empty"));
        }
        *field = Some(value);
    }
    if edit.is_empty() {
        return Err("nothing to edit: give title= and/or summary=".into());
    }
    Ok(edit)
}

/// One `application/x-www-form-urlencoded` component.
fn form_decode(s: &str) -> Result<String, String> {
    let s = s.replace('+', " ");
    percent_decode_str(&s)
        .decode_utf8()
        .map(|c| c.into_owned())
        .map_err(|_| format!("{s:?} is not percent-encoded UTF-8"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_from_query_and_body() {
        let e = parse_edit("title=New+title%21", b"summary=a%20b").unwrap();
        assert_eq!(e.title.as_deref(), Some("New title!"));
        assert_eq!(e.summary.as_deref(), Some("a b"));
        // The body's fields win over the query's.
        let e = parse_edit("title=a", b"title=b").unwrap();
        assert_eq!(e.title.as_deref(), Some("b"));
        assert!(parse_edit("", b"").is_err());
        assert!(parse_edit("title=", b"").is_err());
        assert!(parse_edit("author=x", b"").is_err());
        assert_eq!(
            slug_of("/admin/posts/hello-platen/").as_deref(),
            Some("hello-platen")
        );
        assert_eq!(slug_of("/admin/posts//"), None);
        assert_eq!(slug_of("/admin/posts/a/b/"), None);
        assert_eq!(slug_of("/admin/posts/a"), None);
    }
}
