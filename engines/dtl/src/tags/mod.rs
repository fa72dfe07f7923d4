//! The built-in tags, one module per family, each holding a tag's compile
//! function (parser side) and its render half (node side); and the tables
//! that name them: [`builtin`] for Django's default tags and
//! [`django_library`] for the libraries `{% load %}` finds (`static`,
//! `cache`, `i18n`, `l10n`, `tz`, `humanize`).

mod builtins;
mod cache;
mod control;
mod i18n;
mod l10n;
pub(crate) mod language_info;
mod loader_tags;
mod staticfiles;
mod tz;
mod url;

use std::sync::Arc;

use crate::library::{Library, TagFn};
use crate::nodes::Node;

/// The built-in tag `name`.
pub(crate) fn builtin(name: &str) -> Option<TagFn> {
    Some(match name {
        "if" => control::do_if,
        "for" => control::do_for,
        "with" => control::do_with,
        "block" => loader_tags::do_block,
        "extends" => loader_tags::do_extends,
        "include" => loader_tags::do_include,
        "comment" => builtins::do_comment,
        "autoescape" => builtins::do_autoescape,
        "filter" => builtins::do_filter,
        "firstof" => control::do_firstof,
        "cycle" => control::do_cycle,
        "resetcycle" => control::do_resetcycle,
        "ifchanged" => control::do_ifchanged,
        "spaceless" => builtins::do_spaceless,
        "templatetag" => builtins::do_templatetag,
        "verbatim" => builtins::do_verbatim,
        "widthratio" => builtins::do_widthratio,
        "now" => builtins::do_now,
        "load" => builtins::do_load,
        "lorem" => builtins::do_lorem,
        "csrf_token" => |_, _| Ok(Node::CsrfToken),
        "debug" => |_, _| Ok(Node::Debug),
        "regroup" => control::do_regroup,
        "url" => url::do_url,
        "querystring" => url::do_querystring,
        "partialdef" => loader_tags::do_partialdef,
        "partial" => loader_tags::do_partial,
        "csp_nonce_attr" => |_, _| Ok(Node::Custom(Box::new(builtins::CspNonce))),
        _ => return None,
    })
}

/// Django's own libraries that platen provides: `static`, `cache` (with
/// platen's `depends_on`), `i18n`, `l10n`, `tz`, `humanize`; and platen's
/// `content_cache` (`cache_content`, `register_content`, `depends_on`).
pub fn django_library(name: &str) -> Option<Arc<Library>> {
    let mut lib = Library::new();
    match name {
        "static" => {
            lib.tag("static", staticfiles::do_static);
            lib.tag("get_static_prefix", staticfiles::do_static_prefix);
            lib.tag("get_media_prefix", staticfiles::do_media_prefix);
        }
        "cache" => {
            lib.tag("cache", cache::do_cache);
            lib.tag("depends_on", cache::do_depends_on);
        }
        "content_cache" => {
            lib.tag("cache_content", cache::do_cache_content);
            lib.tag("register_content", cache::do_register_content);
            lib.tag("depends_on", cache::do_depends_on);
        }
        "i18n" => {
            for t in ["trans", "translate"] {
                lib.tag(t, i18n::do_translate);
            }
            for t in ["blocktrans", "blocktranslate"] {
                lib.tag(t, i18n::do_blocktranslate);
            }
            lib.tag("get_current_language", i18n::do_get_current_language);
            lib.tag(
                "get_current_language_bidi",
                i18n::do_get_current_language_bidi,
            );
            lib.tag("get_available_languages", i18n::do_get_available_languages);
            lib.tag("language", i18n::do_language);
            lib.tag("get_language_info", language_info::do_get_language_info);
            lib.tag(
                "get_language_info_list",
                language_info::do_get_language_info_list,
            );
            for f in &language_info::FILTERS {
                lib.filter(f);
            }
        }
        "l10n" => {
            lib.tag("localize", l10n::do_localize);
            for f in &l10n::FILTERS {
                lib.filter(f);
            }
        }
        "humanize" => {
            for f in &crate::humanize::FILTERS {
                lib.filter(f);
            }
        }
        "tz" => {
            lib.tag("localtime", tz::do_localtime);
            lib.tag("timezone", tz::do_timezone);
            lib.tag("get_current_timezone", tz::do_get_current_timezone);
            for f in &crate::timezone::FILTERS {
                lib.filter(f);
            }
        }
        _ => return None,
    }
    Some(Arc::new(lib))
}
