//! The tags of Django's `tz` library: `{% localtime %}`, `{% timezone %}`
//! and `{% get_current_timezone %}` (the filters and the zone helpers are in
//! `crate::timezone`).

use crate::expr::BitStr;
use crate::expr::{FilterExpr, syntax};
use crate::filters::{other_error, value_error};
use crate::lexer::Token;
use crate::nodes::CustomNode;
use crate::nodes::{Node, NodeList};
use crate::parser::Parser;
use crate::render::Renderer;
use crate::timezone::*;
use platen_core::{Error, Value};
use std::sync::Arc;

fn on_off(p: &Parser<'_>, token: &Token<'_>) -> Result<bool, Error> {
    let bits = p.split(token);
    match bits.len() {
        1 => Ok(true),
        2 if bits[1] == "on" || bits[1] == "off" => Ok(bits[1] == "on"),
        _ => Err(syntax(format!(
            "{} argument should be 'on' or 'off'",
            Value::from(bits[0].as_str()).repr()
        ))),
    }
}

#[derive(Debug)]
struct LocalTimeNode {
    use_tz: bool,
    body: NodeList,
}

impl CustomNode for LocalTimeNode {
    fn render(&self, r: &mut Renderer<'_>, out: &mut String) -> Result<(), Error> {
        let saved = std::mem::replace(&mut r.use_tz, self.use_tz);
        let res = r.render_list(&self.body, out);
        r.use_tz = saved;
        res
    }

    fn children(&self) -> Option<&NodeList> {
        Some(&self.body)
    }
}

/// `{% localtime [on|off] %}...{% endlocaltime %}`.
pub(crate) fn do_localtime(p: &mut Parser<'_>, token: &Token<'_>) -> Result<Node, Error> {
    let use_tz = on_off(p, token)?;
    let body = p.parse(&["endlocaltime"])?;
    p.delete_first_token();
    Ok(Node::Custom(Box::new(LocalTimeNode { use_tz, body })))
}

#[derive(Debug)]
struct TimezoneNode {
    tz: FilterExpr,
    body: NodeList,
}

impl CustomNode for TimezoneNode {
    fn render(&self, r: &mut Renderer<'_>, out: &mut String) -> Result<(), Error> {
        // Django's `timezone.override(value)`.
        let tz = match r.resolve(&self.tz, false)? {
            Value::None => None,
            Value::Str(s) | Value::SafeStr(s) => match zone(&s) {
                Some(tz) => Some(tz),
                None => {
                    return Err(other_error(
                        "ZoneInfoNotFoundError",
                        &format!("'No time zone found with key {s}'"),
                    ));
                }
            },
            other => return Err(value_error(format!("Invalid timezone: {}", other.repr()))),
        };
        let saved = std::mem::replace(&mut r.timezone, tz);
        let res = r.render_list(&self.body, out);
        r.timezone = saved;
        res
    }

    fn children(&self) -> Option<&NodeList> {
        Some(&self.body)
    }
}

/// `{% timezone tz %}...{% endtimezone %}`.
pub(crate) fn do_timezone(p: &mut Parser<'_>, token: &Token<'_>) -> Result<Node, Error> {
    let bits = p.split(token);
    if bits.len() != 2 {
        return Err(syntax(format!(
            "'{}' takes one argument (timezone)",
            bits[0]
        )));
    }
    let tz = p.filter_expr(&bits[1])?;
    let body = p.parse(&["endtimezone"])?;
    p.delete_first_token();
    Ok(Node::Custom(Box::new(TimezoneNode { tz, body })))
}

#[derive(Debug)]
struct GetCurrentTimezone(Arc<str>);

impl CustomNode for GetCurrentTimezone {
    fn render(&self, r: &mut Renderer<'_>, _: &mut String) -> Result<(), Error> {
        let name = r.timezone.unwrap_or(DEFAULT_TZ).name();
        r.set_var(&self.0, Value::from(name));
        Ok(())
    }
}

/// `{% get_current_timezone as var %}`.
pub(crate) fn do_get_current_timezone(
    _: &mut Parser<'_>,
    token: &Token<'_>,
) -> Result<Node, Error> {
    // Django splits on whitespace here, not with `split_contents`.
    let args: Vec<std::borrow::Cow<'_, str>> = token
        .contents
        .split_whitespace()
        .map(std::borrow::Cow::Borrowed)
        .collect();
    if args.len() != 3 || args[1] != "as" {
        return Err(syntax(format!(
            "'get_current_timezone' requires 'as variable' (got {})",
            crate::parser::py_list_repr(&args)
        )));
    }
    Ok(Node::Custom(Box::new(GetCurrentTimezone(Arc::from(
        args[2].as_str(),
    )))))
}
