//! The site's DTL tag library, `blog` (`{% load blog %}`), the Rust
//! counterpart of a Django app's `templatetags/blog.py`:
//!
//! - `{{ post.body|reading_time }}`: a filter, the minutes a text (a string
//!   or a list of paragraphs) takes to read at 200 words a minute, as
//!   `"3 min read"`;
//! - `{% tag_links post.tags %}`: an inclusion tag rendering
//!   `blog/_tag_links.html` with the list as `tags`.

use std::sync::Arc;

use platen::Value;
use platen::dtl::{FilterOptions, Library};
use platen::value::Map;

/// Words read per minute by [`reading_time`].
const WORDS_PER_MINUTE: usize = 200;

/// The minutes `text` takes to read, at least one.
pub fn reading_time(text: &Value) -> usize {
    let count = |v: &Value| match v.as_str() {
        Some(s) => s.split_whitespace().count(),
        None => v.to_string().split_whitespace().count(),
    };
    let words = match text.as_list() {
        Some(items) => items.iter().map(count).sum(),
        None => count(text),
    };
    words.div_ceil(WORDS_PER_MINUTE).max(1)
}

/// The `blog` library.
pub fn library() -> Library {
    let mut lib = Library::new();
    // The output is digits and words only: safe, like Django's `is_safe=True`.
    lib.filter_fn(
        "reading_time",
        FilterOptions {
            is_safe: true,
            ..Default::default()
        },
        |v, _, _| Ok(Value::from(format!("{} min read", reading_time(v)))),
    );
    lib.inclusion_tag("tag_links", "blog/_tag_links.html", |call| {
        let tags = call.args.first().cloned().unwrap_or_default();
        let map: Map = [(Arc::from("tags"), tags)].into_iter().collect();
        Ok(Value::from(map))
    });
    lib
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reading_time_rounds_up() {
        assert_eq!(reading_time(&Value::from("")), 1);
        assert_eq!(reading_time(&Value::from("word ".repeat(201))), 2);
        let paragraphs: Value = vec![Value::from("a b"), Value::from("word ".repeat(399))]
            .into_iter()
            .collect();
        assert_eq!(reading_time(&paragraphs), 3);
    }
}
