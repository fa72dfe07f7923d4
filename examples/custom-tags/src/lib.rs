//! A DTL tag library of one's own, the Rust counterpart of a Django app's
//! `templatetags/blog_tags.py`:
//!
//! - `{{ title|shout }}`: a filter (`@register.filter(is_safe=True)`);
//! - `{% greeting user.name punctuation="!" %}`: a simple tag (`@register.simple_tag`);
//! - `{% post_card post %}`: an inclusion tag rendering `blog/card.html`;
//! - `{% upper %}...{% endupper %}`: a block tag with its own node type.
//!
//! Register it on the DTL backend and name it in the settings:
//!
//! ```toml
//! [[templates]]
//! backend = "platen.dtl"
//! dirs = ["templates"]
//! options = { libraries = { blog_tags = "blog_tags" } }
//! ```

use std::sync::Arc;

use platen::Value;
use platen::dtl::{DtlBackend, FilterOptions, Library, Nodes, Parser, Renderer, TagNode, Token};
use platen::{Error, ErrorKind, Registry};

/// The library: one filter, one simple tag, one inclusion tag, one block tag.
pub fn blog_tags() -> Library {
    let mut lib = Library::new();
    lib.filter_fn(
        "shout",
        FilterOptions {
            is_safe: true,
            ..Default::default()
        },
        |v, _, _| Ok(Value::from(format!("{}!", v.to_string().to_uppercase()))),
    );
    lib.simple_tag("greeting", |call| {
        let name = call
            .args
            .first()
            .map(|v| v.to_string())
            .unwrap_or_else(|| "stranger".into());
        let punctuation = call
            .kwarg("punctuation")
            .map(|v| v.to_string())
            .unwrap_or_else(|| ".".into());
        Ok(Value::from(format!("Hello, {name}{punctuation}")))
    });
    lib.inclusion_tag("post_card", "blog/card.html", |call| {
        let post = call.args.first().cloned().unwrap_or_default();
        let map: platen::value::Map = [(Arc::from("post"), post)].into_iter().collect();
        Ok(Value::from(map))
    });
    lib.tag_fn("upper", compile_upper);
    lib
}

/// `{% upper %}...{% endupper %}`: renders its body, upper-cased.
#[derive(Debug)]
struct Upper {
    body: Nodes,
}

fn compile_upper(parser: &mut Parser<'_>, token: &Token<'_>) -> Result<Box<dyn TagNode>, Error> {
    if token.split_contents().len() != 1 {
        return Err(Error::new(
            ErrorKind::SyntaxError,
            "'upper' takes no arguments",
        ));
    }
    let body = parser.parse_until(&["endupper"])?;
    parser.skip_end_tag();
    Ok(Box::new(Upper { body }))
}

impl TagNode for Upper {
    fn render(&self, r: &mut Renderer<'_>, out: &mut String) -> Result<(), Error> {
        let mut inner = String::new();
        self.body.render(r, &mut inner)?;
        out.push_str(&inner.to_uppercase());
        Ok(())
    }

    fn nodelists(&self) -> Vec<&Nodes> {
        vec![&self.body]
    }
}

/// The built-in registry with the DTL backend carrying `blog_tags`.
pub fn registry() -> Registry {
    let mut registry = platen::registry();
    registry.register_backend(
        "platen.dtl",
        DtlBackend::new().library("blog_tags", blog_tags()),
    );
    registry
}
