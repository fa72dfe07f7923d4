//! `timesince` and `timeuntil`: Django's `timesince` arithmetic (calendar
//! months and years, the two largest units) and its translated text; also
//! used by humanize's `naturaltime`.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, Timelike};
use platen_core::{Error, ErrorKind, Value};

use super::dates::DEFAULT_TZ;
use super::{FilterEnv, attribute_error, py_type, s, type_error};

/// A datetime for `timesince`: naive or with an offset.
#[derive(Clone, Copy)]
pub(crate) struct Moment {
    /// The wall-clock time.
    pub(crate) naive: NaiveDateTime,
    /// Seconds east of UTC for an aware datetime.
    pub(crate) offset: Option<i32>,
}

impl Moment {
    pub(crate) fn from_value(v: &Value) -> Result<Moment, Error> {
        match v {
            Value::Date(d) => Ok(Moment {
                naive: d.and_hms_opt(0, 0, 0).unwrap_or_default(),
                offset: None,
            }),
            Value::DateTime(dt) => Ok(Moment {
                naive: *dt,
                offset: None,
            }),
            Value::AwareDateTime(a) => Ok(Moment {
                naive: a.datetime.naive_local(),
                offset: Some(a.datetime.offset().local_minus_utc()),
            }),
            other => Err(attribute_error(format!(
                "'{}' object has no attribute 'year'",
                py_type(other)
            ))),
        }
    }

    /// Now: UTC when `aware`, else the default zone's wall clock (Python's
    /// `datetime.now(timezone.utc)` and `datetime.now()`).
    pub(crate) fn now(aware: bool) -> Moment {
        let now = chrono::Utc::now();
        if aware {
            Moment {
                naive: now.naive_utc(),
                offset: Some(0),
            }
        } else {
            Moment {
                naive: now.with_timezone(&DEFAULT_TZ).naive_local(),
                offset: None,
            }
        }
    }

    /// `self - other` in whole seconds, or `None` for naive minus aware.
    pub(crate) fn minus(&self, other: &Moment) -> Option<Duration> {
        match (self.offset, other.offset) {
            (None, None) => Some(self.naive - other.naive),
            (Some(a), Some(b)) => Some(
                (self.naive - Duration::seconds(a as i64))
                    - (other.naive - Duration::seconds(b as i64)),
            ),
            _ => None,
        }
    }
}

const MONTHS_DAYS: [u32; 12] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/// Django's `TIME_STRINGS[name] % {"num": n}`, translated (under `context`
/// when the strings have one, as humanize's do), with no-break spaces.
fn plural(
    env: &FilterEnv<'_>,
    context: Option<&str>,
    n: i64,
    one: &str,
    many: &str,
) -> Result<String, Error> {
    let (one, many) = (format!("%(num)d {one}"), format!("%(num)d {many}"));
    let text = match context {
        Some(c) => env.npgettext(c, &one, &many, n as f64)?,
        None => env.ngettext(&one, &many, n as f64)?,
    };
    Ok(text
        .replace("%(num)d", &n.to_string())
        .replace("%%", "%")
        .replace(' ', "\u{a0}"))
}

/// Django's `timesince(d, now, reversed)` with depth 2; `context` is the
/// message context of the time strings (None: Django's own `TIME_STRINGS`).
pub(crate) fn timesince_text(
    d: Moment,
    now: Option<Moment>,
    reversed: bool,
    context: Option<&str>,
    env: &FilterEnv<'_>,
) -> Result<String, Error> {
    let now = now.unwrap_or_else(|| Moment::now(d.offset.is_some()));
    // Django compares the two in d's time zone: now's wall clock is moved
    // to d's offset (years, months and days are counted on wall clocks).
    let now = match (d.offset, now.offset) {
        (Some(to), Some(from)) if to != from => Moment {
            naive: now.naive + Duration::seconds(i64::from(to - from)),
            offset: Some(to),
        },
        _ => now,
    };
    let (d, now) = if reversed { (now, d) } else { (d, now) };
    let delta = now
        .minus(&d)
        .ok_or_else(|| type_error("can't subtract offset-naive and offset-aware datetimes"))?;
    let since = delta.num_seconds();
    let zero = || plural(env, context, 0, "minute", "minutes");
    if since <= 0 {
        return zero();
    }
    let mut total_months = (now.naive.year() - d.naive.year()) as i64 * 12
        + now.naive.month() as i64
        - d.naive.month() as i64;
    if d.naive.day() > now.naive.day()
        || (d.naive.day() == now.naive.day() && d.naive.time() > now.naive.time())
    {
        total_months -= 1;
    }
    let years = total_months.div_euclid(12);
    let months = total_months.rem_euclid(12);
    let pivot = if years != 0 || months != 0 {
        let mut py = d.naive.year() as i64 + years;
        let mut pm = d.naive.month() as i64 + months;
        if pm > 12 {
            pm -= 12;
            py += 1;
        }
        let day = MONTHS_DAYS[(pm - 1) as usize].min(d.naive.day());
        let date = NaiveDate::from_ymd_opt(py as i32, pm as u32, day)
            .ok_or_else(|| super::value_error("year out of range"))?;
        let t = d.naive.time();
        let naive = date
            .and_hms_opt(t.hour(), t.minute(), t.second())
            .unwrap_or_default();
        Moment {
            naive,
            offset: d.offset,
        }
    } else {
        d
    };
    let remaining = now.minus(&pivot).unwrap_or_default();
    let mut remaining_us = remaining.num_microseconds().unwrap_or(0) as f64 / 1e6;
    let mut partials = vec![years, months];
    for chunk in [604800.0, 86400.0, 3600.0, 60.0] {
        let count = (remaining_us / chunk).floor();
        partials.push(count as i64);
        remaining_us -= chunk * count;
    }
    let names = [
        ("year", "years"),
        ("month", "months"),
        ("week", "weeks"),
        ("day", "days"),
        ("hour", "hours"),
        ("minute", "minutes"),
    ];
    let Some(start) = partials.iter().position(|&p| p != 0) else {
        return zero();
    };
    let mut result = Vec::new();
    let mut i = start;
    while i < names.len() && result.len() < 2 {
        let value = partials[i];
        if value == 0 {
            break;
        }
        result.push(plural(env, context, value, names[i].0, names[i].1)?);
        i += 1;
    }
    Ok(result.join(&*env.gettext(", ")?))
}

fn since_filter(
    v: &Value,
    arg: Option<&Value>,
    reversed: bool,
    env: &FilterEnv<'_>,
) -> Result<Value, Error> {
    if !v.is_true() {
        return Ok(s(""));
    }
    let d = Moment::from_value(v)?;
    let now = match arg {
        Some(a) if a.is_true() => Some(Moment::from_value(a)?),
        _ => None,
    };
    match timesince_text(d, now, reversed, None, env) {
        Ok(text) => Ok(s(text)),
        Err(e) if matches!(e.kind(), ErrorKind::InvalidType | ErrorKind::InvalidValue) => Ok(s("")),
        Err(e) => Err(e),
    }
}

/// `timesince`: the time from the value to the argument (or now), as
/// `4 days, 6 hours`.
pub fn timesince(v: &Value, arg: Option<&Value>, env: &FilterEnv) -> Result<Value, Error> {
    since_filter(v, arg, false, env)
}

/// `timeuntil`: the time from the argument (or now) to the value.
pub fn timeuntil(v: &Value, arg: Option<&Value>, env: &FilterEnv) -> Result<Value, Error> {
    since_filter(v, arg, true, env)
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDateTime;

    use super::*;

    fn dt(s: &str) -> Value {
        Value::DateTime(NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S").unwrap())
    }

    #[test]
    fn since() {
        let a = dt("2024-01-01T00:00:00");
        let b = dt("2024-01-03T05:00:00");
        let out = timesince(&a, Some(&b), &FilterEnv::new(true))
            .unwrap()
            .to_string();
        assert_eq!(out, "2\u{a0}days, 5\u{a0}hours");
        let out = timeuntil(&b, Some(&a), &FilterEnv::new(true))
            .unwrap()
            .to_string();
        assert_eq!(out, "2\u{a0}days, 5\u{a0}hours");
    }
}
