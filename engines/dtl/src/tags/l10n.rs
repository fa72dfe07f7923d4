//! Django's `l10n` library: the `localize` and `unlocalize` filters and the
//! `{% localize %}` tag.
//!
//! Numbers, dates and times print with the active language's formats (see
//! the `formats` module); `{% localize off %}` and `unlocalize` print them
//! with the settings' formats instead, numbers as Python's `str()`.

use platen_core::{Error, Value};

use crate::expr::BitStr;
use crate::expr::syntax;
use crate::filters::{Arg, FilterDef, FilterEnv};
use crate::lexer::Token;
use crate::nodes::CustomNode;
use crate::nodes::{Node, NodeList};
use crate::parser::Parser;
use crate::render::Renderer;

/// Django's `formats.localize(value, use_l10n)` followed by `str()`.
fn localized_text(v: &Value, env: &FilterEnv, use_l10n: bool) -> Result<Value, Error> {
    let formats = if use_l10n {
        env.formats()
    } else {
        env.formats().unlocalized()
    };
    Ok(match v {
        // Strings come back unchanged (a safe string stays safe).
        Value::Str(_) | Value::SafeStr(_) => v.clone(),
        Value::Bool(b) => Value::from(if *b { "True" } else { "False" }),
        // `number_format` of an ungrouped int is `mark_safe(number)`.
        Value::Int(i) if use_l10n && formats.number(false).grouping.is_none() => {
            Value::safe(i.to_string())
        }
        other => Value::from(crate::filters::localize_with(other, env, &formats)?.into_owned()),
    })
}

fn localize(v: &Value, _: Option<&Value>, env: &FilterEnv) -> Result<Value, Error> {
    localized_text(v, env, true)
}

fn unlocalize(v: &Value, _: Option<&Value>, env: &FilterEnv) -> Result<Value, Error> {
    localized_text(v, env, false)
}

/// The filters of the `l10n` library.
pub(crate) static FILTERS: [FilterDef; 2] = [
    FilterDef {
        name: "localize",
        func: localize,
        arg: Arg::None,
        is_safe: false,
        needs_autoescape: false,
    },
    FilterDef {
        name: "unlocalize",
        func: unlocalize,
        arg: Arg::None,
        is_safe: false,
        needs_autoescape: false,
    },
];

#[derive(Debug)]
struct LocalizeNode {
    use_l10n: bool,
    body: NodeList,
}

impl CustomNode for LocalizeNode {
    fn render(&self, r: &mut Renderer<'_>, out: &mut String) -> Result<(), Error> {
        let saved = r.use_l10n.replace(self.use_l10n);
        let res = r.render_list(&self.body, out);
        r.use_l10n = saved;
        res
    }

    fn children(&self) -> Option<&NodeList> {
        Some(&self.body)
    }
}

/// `{% localize [on|off] %}...{% endlocalize %}`.
pub(crate) fn do_localize(p: &mut Parser<'_>, token: &Token<'_>) -> Result<Node, Error> {
    let bits = p.split(token);
    let use_l10n = match bits.len() {
        1 => true,
        2 if bits[1] == "on" || bits[1] == "off" => bits[1] == "on",
        _ => {
            return Err(syntax(format!(
                "{} argument should be 'on' or 'off'",
                Value::from(bits[0].as_str()).repr()
            )));
        }
    };
    let body = p.parse(&["endlocalize"])?;
    p.delete_first_token();
    Ok(Node::Custom(Box::new(LocalizeNode { use_l10n, body })))
}
