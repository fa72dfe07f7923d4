//! Django's `l10n` library: the `localize` and `unlocalize` filters and the
//! `{% localize %}` tag.
//!
//! platen renders as a Django project with the default settings and the `en`
//! locale: `USE_THOUSAND_SEPARATOR` is off and the `DATE_FORMAT`,
//! `DATETIME_FORMAT` and `TIME_FORMAT` settings equal the `en` formats. Under
//! those settings localized and unlocalized text are the same, so
//! `{% localize off %}` and `unlocalize` change nothing but the type of the
//! value (the filters give strings).

use platen_core::{Error, Value};

use crate::expr::BitStr;
use crate::expr::syntax;
use crate::filters::{Arg, FilterDef, FilterEnv};
use crate::lexer::Token;
use crate::library::CustomNode;
use crate::nodes::{Node, NodeList};
use crate::parser::Parser;
use crate::render::Renderer;

/// Django's `formats.localize(value)` followed by `str()`.
fn localized_text(v: &Value) -> Result<Value, Error> {
    Ok(match v {
        // Strings come back unchanged (a safe string stays safe).
        Value::Str(_) | Value::SafeStr(_) => v.clone(),
        Value::Bool(b) => Value::from(if *b { "True" } else { "False" }),
        // `number_format` of an int is `mark_safe(number)`.
        Value::Int(i) => Value::safe(i.to_string()),
        other => Value::from(crate::filters::localize(other)?.into_owned()),
    })
}

fn localize(v: &Value, _: Option<&Value>, _: &FilterEnv) -> Result<Value, Error> {
    localized_text(v)
}

fn unlocalize(v: &Value, _: Option<&Value>, _: &FilterEnv) -> Result<Value, Error> {
    // `use_l10n=False` reads the format settings instead of the locale's
    // formats; with the default settings they are the same.
    localized_text(v)
}

/// The filters of the `l10n` library.
pub(crate) static FILTERS: [FilterDef; 2] = [
    FilterDef { name: "localize", func: localize, arg: Arg::None, is_safe: false, needs_autoescape: false },
    FilterDef { name: "unlocalize", func: unlocalize, arg: Arg::None, is_safe: false, needs_autoescape: false },
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
        _ => return Err(syntax(format!("{} argument should be 'on' or 'off'", Value::from(bits[0].as_str()).repr()))),
    };
    let body = p.parse(&["endlocalize"])?;
    p.delete_first_token();
    Ok(Node::Custom(Box::new(LocalizeNode { use_l10n, body })))
}
