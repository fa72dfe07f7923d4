//! Every built-in filter on arbitrary values and arguments: the first
//! bytes pick the filter and the value's kind, the rest is the text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use platen_core::{Context, Template, Value};

mod common;

/// Django's built-in filters (and humanize's), as `{{ v|name:arg }}` takes them.
const FILTERS: &[&str] = &[
    "add", "addslashes", "capfirst", "center", "cut", "date", "default", "default_if_none",
    "dictsort", "dictsortreversed", "divisibleby", "escape", "escapejs", "filesizeformat",
    "first", "floatformat", "force_escape", "get_digit", "iriencode", "join", "json_script",
    "last", "length", "linebreaks", "linebreaksbr", "linenumbers", "ljust", "lower",
    "make_list", "phone2numeric", "pluralize", "pprint", "random", "rjust", "safe", "safeseq",
    "slice", "slugify", "stringformat", "striptags", "time", "timesince", "timeuntil", "title",
    "truncatechars", "truncatechars_html", "truncatewords", "truncatewords_html",
    "unordered_list", "upper", "urlencode", "urlize", "urlizetrunc", "wordcount", "wordwrap",
    "yesno", "escapeseq",
];

fuzz_target!(|data: &[u8]| {
    thread_local! {
        static ENGINE: platen_dtl::DtlEngine = common::engine();
    }
    let [pick, kind, rest @ ..] = data else {
        return;
    };
    let name = FILTERS[usize::from(*pick) % FILTERS.len()];
    let text = String::from_utf8_lossy(rest);
    let (value, arg) = text.split_once('\u{1}').unwrap_or((&text, ""));
    let value = match kind % 5 {
        0 => Value::from(value),
        1 => value.parse::<i64>().map_or(Value::None, Value::from),
        2 => value.parse::<f64>().map_or(Value::None, Value::from),
        3 => value.split(',').map(Value::from).collect(),
        _ => Value::SafeStr(value.into()),
    };
    let mut ctx = Context::new();
    ctx.insert("v", value);
    ctx.insert("a", arg);
    let source = format!("{{{{ v|{name} }}}}|{{{{ v|{name}:a }}}}");
    ENGINE.with(|e| {
        if let Ok(t) = e.template_from_str(&source) {
            let _ = t.render(&ctx, None);
        }
    });
});
