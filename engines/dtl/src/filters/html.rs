//! The former home of the HTML filters, kept so that their public paths
//! (`filters::html::escape`, ...) still resolve. The filters now live in
//! [`super::escaping`] (escaping and markup-wrapping filters),
//! [`super::html_tokens`] (`striptags` and the HTML-aware truncators on
//! the `HTMLParser` tokenizer) and [`super::urls`] (`urlize`,
//! `urlizetrunc`).

pub use super::escaping::{
    escape, escapeseq, force_escape, linebreaks, linebreaksbr, linenumbers, mark_safe, safeseq,
    unordered_list,
};
pub use super::html_tokens::{striptags, truncatechars_html, truncatewords_html};
pub use super::urls::{urlize, urlizetrunc};
