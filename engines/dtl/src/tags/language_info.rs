//! Django's language data and the language-info tags and filters of the
//! `i18n` library: `get_language_info`, `get_language_info_list`,
//! `get_available_languages`, `language_name`, `language_name_local`,
//! `language_bidi` and `language_name_translated`.
//!
//! Translated names come from the engine's catalogues in the active
//! language (see the `gettext` module); the `translate` and `blocktranslate`
//! tags live in `tags/i18n.rs`. `LANG_INFO` and `LANGUAGES` are generated
//! (`language_info/data.rs`, by `engines/dtl/tools/gen_languages.py`).

use std::sync::Arc;

use platen_core::value::Map;
use platen_core::{Error, ErrorKind, Value};

use crate::expr::BitStr;
use crate::expr::{FilterExpr, syntax};
use crate::filters::{Arg, FilterDef, FilterEnv};
use crate::lexer::Token;
use crate::nodes::CustomNode;
use crate::nodes::Node;
use crate::parser::Parser;
use crate::render::Renderer;

/// One entry of `LANG_INFO`.
#[derive(Debug, Clone, Copy)]
pub(crate) enum LangInfo {
    /// A language with its names.
    Info {
        /// The code.
        code: &'static str,
        /// The English name.
        name: &'static str,
        /// The name in the language itself.
        name_local: &'static str,
        /// Written right to left.
        bidi: bool,
    },
    /// An alias: use the first fallback's entry.
    Fallback(&'static str),
}

mod data;

pub(crate) use data::{LANG_INFO, LANGUAGES};

fn lookup(code: &str) -> Option<LangInfo> {
    LANG_INFO
        .binary_search_by(|(k, _)| (*k).cmp(code))
        .ok()
        .map(|i| LANG_INFO[i].1)
}

fn key_error(msg: String) -> Error {
    Error::new(ErrorKind::RenderError, format!("KeyError: '{msg}'"))
}

/// Django's `translation.get_language_info(lang_code)`: (code, name, name_local, bidi).
pub(crate) fn language_info(
    code: &str,
) -> Result<(&'static str, &'static str, &'static str, bool), Error> {
    let info = match lookup(code) {
        Some(LangInfo::Fallback(f)) => return language_info(f),
        Some(info) => info,
        None => {
            let Some((generic, _)) = code.split_once('-') else {
                return Err(key_error(format!("Unknown language code {code}.")));
            };
            match lookup(generic) {
                // Django does not follow a generic code's fallback here.
                Some(info @ LangInfo::Info { .. }) => info,
                _ => {
                    return Err(key_error(format!(
                        "Unknown language code {code} and {generic}."
                    )));
                }
            }
        }
    };
    match info {
        LangInfo::Info {
            code,
            name,
            name_local,
            bidi,
        } => Ok((code, name, name_local, bidi)),
        LangInfo::Fallback(f) => language_info(f),
    }
}

/// The info dict Django's tags put in the context.
fn info_value(r: &Renderer<'_>, code: &str) -> Result<Value, Error> {
    let (code, name, name_local, bidi) = language_info(code)?;
    let map: Map = [
        (Arc::from("bidi"), Value::Bool(bidi)),
        (Arc::from("code"), Value::from(code)),
        (Arc::from("name"), Value::from(name)),
        (Arc::from("name_local"), Value::from(name_local)),
        (
            Arc::from("name_translated"),
            Value::from(&*r.translations().gettext(&r.language, name)?),
        ),
    ]
    .into_iter()
    .collect();
    Ok(Value::from(map))
}

fn code_of(v: &Value) -> String {
    v.to_string()
}

fn language_name(v: &Value, _: Option<&Value>, _: &FilterEnv) -> Result<Value, Error> {
    Ok(Value::from(language_info(&code_of(v))?.1))
}

fn language_name_translated(v: &Value, _: Option<&Value>, env: &FilterEnv) -> Result<Value, Error> {
    Ok(Value::from(&*env.gettext(language_info(&code_of(v))?.1)?))
}

fn language_name_local(v: &Value, _: Option<&Value>, _: &FilterEnv) -> Result<Value, Error> {
    Ok(Value::from(language_info(&code_of(v))?.2))
}

fn language_bidi(v: &Value, _: Option<&Value>, _: &FilterEnv) -> Result<Value, Error> {
    Ok(Value::Bool(language_info(&code_of(v))?.3))
}

/// The i18n library's filters.
pub(crate) static FILTERS: [FilterDef; 4] = [
    FilterDef {
        name: "language_name",
        func: language_name,
        arg: Arg::None,
        is_safe: false,
        needs_autoescape: false,
    },
    FilterDef {
        name: "language_name_local",
        func: language_name_local,
        arg: Arg::None,
        is_safe: false,
        needs_autoescape: false,
    },
    FilterDef {
        name: "language_bidi",
        func: language_bidi,
        arg: Arg::None,
        is_safe: false,
        needs_autoescape: false,
    },
    FilterDef {
        name: "language_name_translated",
        func: language_name_translated,
        arg: Arg::None,
        is_safe: false,
        needs_autoescape: false,
    },
];

#[derive(Debug)]
struct LanguageInfoNode {
    expr: FilterExpr,
    var: Arc<str>,
    list: bool,
}

impl CustomNode for LanguageInfoNode {
    fn render(&self, r: &mut Renderer<'_>, _: &mut String) -> Result<(), Error> {
        let v = r.resolve(&self.expr, false)?;
        let value = if self.list {
            let items: Vec<Value> = match v.try_iter() {
                Some(it) => it.collect(),
                None => {
                    return Err(Error::new(
                        ErrorKind::InvalidType,
                        format!("'{}' object is not iterable", v.kind_name()),
                    ));
                }
            };
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                // A code, or a sequence whose first item is the code.
                let code = match &item {
                    Value::Str(s) | Value::SafeStr(s) => s.to_string(),
                    other => match other.try_iter().and_then(|mut it| it.next()) {
                        Some(first) if first.to_string().chars().count() > 1 => first.to_string(),
                        _ => other.to_string(),
                    },
                };
                out.push(info_value(r, &code)?);
            }
            Value::from(out)
        } else {
            info_value(r, &code_of(&v))?
        };
        r.set_var(&self.var, value);
        Ok(())
    }
}

fn info_tag(p: &mut Parser<'_>, token: &Token<'_>, list: bool) -> Result<Node, Error> {
    let bits = p.split(token);
    if bits.len() != 5 || bits[1] != "for" || bits[3] != "as" {
        let what = if list { "sequence" } else { "string" };
        return Err(syntax(format!(
            "'{}' requires 'for {what} as variable' (got {})",
            bits[0],
            crate::parser::py_list_repr(&bits[1..])
        )));
    }
    let expr = p.filter_expr(&bits[2])?;
    Ok(Node::Custom(Box::new(LanguageInfoNode {
        expr,
        var: Arc::from(bits[4].as_str()),
        list,
    })))
}

/// `{% get_language_info for code as var %}`.
pub(crate) fn do_get_language_info(p: &mut Parser<'_>, token: &Token<'_>) -> Result<Node, Error> {
    info_tag(p, token, false)
}

/// `{% get_language_info_list for codes as var %}`.
pub(crate) fn do_get_language_info_list(
    p: &mut Parser<'_>,
    token: &Token<'_>,
) -> Result<Node, Error> {
    info_tag(p, token, true)
}

/// `settings.LANGUAGES` as `get_available_languages` gives it: `[(code, name), ...]`.
pub(crate) fn available_languages() -> Value {
    LANGUAGES
        .iter()
        .map(|(code, name)| Value::from(vec![Value::from(*code), Value::from(*name)]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_sorted_and_resolve() {
        assert!(LANG_INFO.windows(2).all(|w| w[0].0 < w[1].0));
        assert_eq!(language_info("fi").unwrap().2, "suomi");
        assert_eq!(language_info("zh-cn").unwrap().0, "zh-hans");
        assert_eq!(language_info("de-at").unwrap().1, "German");
        assert!(language_info("xx").is_err());
        assert!(LANGUAGES.iter().all(|(c, _)| language_info(c).is_ok()));
    }
}
