//! Time zones: the default zone, zone names, converting aware datetimes,
//! and the filters of Django's `tz` library (`localtime`, `utc`,
//! `timezone`).
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

use crate::filters::{Arg, FilterDef, FilterEnv};

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
