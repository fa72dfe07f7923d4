//! Django's `tz` library: the `localtime`, `utc` and `timezone` filters and
//! the `{% localtime %}`, `{% timezone %}` and `{% get_current_timezone %}`
//! tags.
//!
//! platen renders as a Django project with `TIME_ZONE = "America/Chicago"`
//! and `USE_TZ = False`: aware datetimes print in their own zone unless a
//! `{% localtime on %}` block converts them to the current time zone (the
//! default zone, or the one `{% timezone %}` activates). Naive datetimes are
//! read as local time in the default zone by the filters.

use std::sync::Arc;

use chrono::{DateTime, Duration, Offset, Utc};
use chrono_tz::{OffsetName, Tz};
use platen_core::value::AwareDateTime;
use platen_core::{Error, Value};

use crate::expr::BitStr;
use crate::expr::{FilterExpr, syntax};
use crate::filters::{Arg, FilterDef, FilterEnv, other_error, value_error};
use crate::lexer::Token;
use crate::nodes::CustomNode;
use crate::nodes::{Node, NodeList};
use crate::parser::Parser;
use crate::render::Renderer;

/// The default time zone (`TIME_ZONE`).
pub(crate) const DEFAULT_TZ: Tz = chrono_tz::America::Chicago;

/// The zone named `name` (Python's `zoneinfo.ZoneInfo(name)`), when it exists.
pub(crate) fn zone(name: &str) -> Option<Tz> {
    name.parse::<Tz>().ok()
}

/// The instant of a datetime: naive ones are local time in the default zone
/// (Django's `make_aware`, fold 0).
fn instant(v: &Value) -> Option<DateTime<Utc>> {
    match v {
        Value::DateTime(naive) => {
            let offset = crate::filters::dates::local_offset_fold0(naive);
            Some((*naive - Duration::seconds(i64::from(offset))).and_utc())
        }
        Value::AwareDateTime(a) => Some(a.datetime.with_timezone(&Utc)),
        _ => None,
    }
}

/// The datetime `v` in `tz` (Django's `timezone.localtime(value, tz)`), or
/// `None` when `v` isn't a datetime.
pub(crate) fn convert(v: &Value, tz: Tz) -> Option<Value> {
    let utc = instant(v)?;
    let local = utc.with_timezone(&tz);
    let name = local.offset().abbreviation().unwrap_or("").to_owned();
    let fixed = local.offset().fix();
    Some(Value::from(AwareDateTime {
        datetime: utc.with_timezone(&fixed),
        tz_name: Arc::from(name),
    }))
}

fn current(env: &FilterEnv) -> Tz {
    env.timezone.unwrap_or(DEFAULT_TZ)
}

fn localtime(v: &Value, _: Option<&Value>, env: &FilterEnv) -> Result<Value, Error> {
    Ok(convert(v, current(env)).unwrap_or_else(|| Value::from("")))
}

fn utc(v: &Value, _: Option<&Value>, _: &FilterEnv) -> Result<Value, Error> {
    Ok(convert(v, chrono_tz::UTC).unwrap_or_else(|| Value::from("")))
}

fn timezone(v: &Value, arg: Option<&Value>, _: &FilterEnv) -> Result<Value, Error> {
    let tz = match arg {
        Some(Value::Str(s) | Value::SafeStr(s)) => zone(s),
        _ => None,
    };
    Ok(match tz {
        Some(tz) if instant(v).is_some() => convert(v, tz).unwrap_or_else(|| Value::from("")),
        _ => Value::from(""),
    })
}

/// The filters of the `tz` library.
pub(crate) static FILTERS: [FilterDef; 3] = [
    FilterDef {
        name: "localtime",
        func: localtime,
        arg: Arg::None,
        is_safe: false,
        needs_autoescape: false,
    },
    FilterDef {
        name: "timezone",
        func: timezone,
        arg: Arg::Required,
        is_safe: false,
        needs_autoescape: false,
    },
    FilterDef {
        name: "utc",
        func: utc,
        arg: Arg::None,
        is_safe: false,
        needs_autoescape: false,
    },
];

/// Whether `def` is one of the `tz` filters, whose results Django marks
/// `convert_to_local_time = False`.
pub(crate) fn is_tz_filter(def: &FilterDef) -> bool {
    FILTERS.iter().any(|f| std::ptr::eq(f, def))
}

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
            crate::i18n::py_list_repr(&args)
        )));
    }
    Ok(Node::Custom(Box::new(GetCurrentTimezone(Arc::from(
        args[2].as_str(),
    )))))
}
