//! Django's `humanize` library (`django.contrib.humanize`): `{% load
//! humanize %}` gives `ordinal`, `intcomma`, `intword`, `apnumber`,
//! `naturalday` and `naturaltime`, with their messages translated through the
//! engine's catalogues as Django's are.

use chrono::{Duration, NaiveDate};
use platen_core::{Error, ErrorKind, Value};

use crate::filters::timesince::{Moment, timesince_text};
use crate::filters::{Arg, FilterDef, FilterEnv, py_int, py_str, s, safe, type_error};

/// The filters of the `humanize` library.
pub(crate) static FILTERS: [FilterDef; 6] = [
    FilterDef {
        name: "ordinal",
        func: ordinal,
        arg: Arg::None,
        is_safe: true,
        needs_autoescape: false,
    },
    FilterDef {
        name: "intcomma",
        func: intcomma,
        arg: Arg::Optional,
        is_safe: true,
        needs_autoescape: false,
    },
    FilterDef {
        name: "intword",
        func: intword,
        arg: Arg::None,
        is_safe: false,
        needs_autoescape: false,
    },
    FilterDef {
        name: "apnumber",
        func: apnumber,
        arg: Arg::None,
        is_safe: true,
        needs_autoescape: false,
    },
    FilterDef {
        name: "naturalday",
        func: naturalday,
        arg: Arg::Optional,
        is_safe: false,
        needs_autoescape: false,
    },
    FilterDef {
        name: "naturaltime",
        func: naturaltime,
        arg: Arg::None,
        is_safe: false,
        needs_autoescape: false,
    },
];

/// Python's `int(value)`, or `None` where that raises `TypeError` or
/// `ValueError` (the filters then return their input unchanged); other
/// errors (`int(inf)`) propagate as in Django.
fn int_or_none(v: &Value) -> Result<Option<i128>, Error> {
    match py_int(v) {
        Ok(n) => Ok(Some(n)),
        Err(e) if matches!(e.kind(), ErrorKind::InvalidValue | ErrorKind::InvalidType) => Ok(None),
        Err(e) => Err(e),
    }
}

/// `ordinal`: `1st`, `2nd`, `3rd`, `11th`, ...
fn ordinal(v: &Value, _: Option<&Value>, env: &FilterEnv) -> Result<Value, Error> {
    let Some(n) = int_or_none(v)? else {
        return Ok(v.clone());
    };
    if n < 0 {
        return Ok(s(n.to_string()));
    }
    const SUFFIXES: [(&str, &str); 10] = [
        ("ordinal 0", "{}th"),
        ("ordinal 1", "{}st"),
        ("ordinal 2", "{}nd"),
        ("ordinal 3", "{}rd"),
        ("ordinal 4", "{}th"),
        ("ordinal 5", "{}th"),
        ("ordinal 6", "{}th"),
        ("ordinal 7", "{}th"),
        ("ordinal 8", "{}th"),
        ("ordinal 9", "{}th"),
    ];
    let template = if matches!(n % 100, 11..=13) {
        env.pgettext("ordinal 11, 12, 13", "{}th")?
    } else {
        let (context, message) = SUFFIXES[(n % 10) as usize];
        env.pgettext(context, message)?
    };
    // Marked safe, as Django does, so that translations may use <sup>.
    Ok(safe(template.replacen("{}", &n.to_string(), 1)))
}

/// `intcomma`: `45000` → `45,000`, with the active language's separators;
/// with a false argument (Django's `use_l10n=False`), plain commas in the
/// value's text.
fn intcomma(v: &Value, use_l10n: Option<&Value>, env: &FilterEnv) -> Result<Value, Error> {
    if use_l10n.is_some_and(|u| !u.is_true()) {
        return Ok(s(commas_in_text(&py_str(v))));
    }
    let number = match v {
        Value::Float(_) | Value::Decimal(_) => v.clone(),
        _ => match int_or_none(v)? {
            Some(n) => crate::filters::int_value(n),
            // Not a number: commas go into the leading digits of its text.
            None => return Ok(s(commas_in_text(&py_str(v)))),
        },
    };
    let nf = env.formats().number(true);
    Ok(s(crate::filters::numbers::number_format_with(
        &number, None, &nf,
    )?))
}

/// `intcomma` without localisation: a comma every three digits of the
/// text's leading `-?\d+`.
fn commas_in_text(text: &str) -> String {
    let sign = usize::from(text.starts_with('-'));
    let digits = text[sign..].bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return text.to_string();
    }
    let (lead, rest) = text.split_at(sign + digits);
    let mut out = String::with_capacity(text.len() + digits / 3);
    out.push_str(&lead[..sign]);
    for (i, c) in lead[sign..].chars().enumerate() {
        if i > 0 && (digits - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out.push_str(rest);
    out
}

/// `intword`'s scales: the power of ten and its name (singular, plural).
const SCALES: [(u32, &str, &str); 11] = [
    (6, "%(value)s million", "%(value)s million"),
    (9, "%(value)s billion", "%(value)s billion"),
    (12, "%(value)s trillion", "%(value)s trillion"),
    (15, "%(value)s quadrillion", "%(value)s quadrillion"),
    (18, "%(value)s quintillion", "%(value)s quintillion"),
    (21, "%(value)s sextillion", "%(value)s sextillion"),
    (24, "%(value)s septillion", "%(value)s septillion"),
    (27, "%(value)s octillion", "%(value)s octillion"),
    (30, "%(value)s nonillion", "%(value)s nonillion"),
    (33, "%(value)s decillion", "%(value)s decillion"),
    (100, "%(value)s googol", "%(value)s googol"),
];

/// `intword`: `1200000` → `1.2 million`; below a million, the number.
fn intword(v: &Value, _: Option<&Value>, env: &FilterEnv) -> Result<Value, Error> {
    let Some(n) = int_or_none(v)? else {
        return Ok(v.clone());
    };
    let abs = n.unsigned_abs();
    if abs < 1_000_000 {
        return Ok(crate::filters::int_value(n));
    }
    for (exponent, one, many) in SCALES {
        // 10**exponent * 1000, or past every i128 when it does not fit.
        let limit = 10u128.checked_pow(exponent + 3);
        if limit.is_none_or(|limit| abs < limit) {
            let new_value = n as f64 / 10f64.powi(exponent as i32);
            let count = round_away_from_one(new_value).abs();
            let text = crate::filters::numbers::floatformat(
                &Value::Float(new_value),
                Some(&Value::Int(1)),
                env,
            )?;
            let message = env.ngettext(one, many, count)?;
            return Ok(s(message.replace("%(value)s", &text.to_string())));
        }
    }
    Ok(crate::filters::int_value(n))
}

/// Django's `round_away_from_one`: the integer next to `x` away from 1 (used
/// to choose the plural form).
fn round_away_from_one(x: f64) -> f64 {
    let y = x - 1.0;
    let r = if y >= 0.0 { y.ceil() } else { y.floor() };
    r + 1.0
}

/// `apnumber`: 1 to 9 spelled out (Associated Press style), other numbers
/// unchanged.
fn apnumber(v: &Value, _: Option<&Value>, env: &FilterEnv) -> Result<Value, Error> {
    const WORDS: [&str; 9] = [
        "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
    ];
    let Some(n) = int_or_none(v)? else {
        return Ok(v.clone());
    };
    if !(1..10).contains(&n) {
        return Ok(crate::filters::int_value(n));
    }
    Ok(s(&*env.gettext(WORDS[(n - 1) as usize])?))
}

/// The date of a date or datetime, with the offset of an aware one; `None`
/// for anything without `year`, `month` and `day`.
fn calendar_date(v: &Value) -> Option<(NaiveDate, Option<i32>)> {
    match v {
        Value::Date(d) => Some((*d, None)),
        Value::DateTime(dt) => Some((dt.date(), None)),
        Value::AwareDateTime(a) => Some((
            a.datetime.date_naive(),
            Some(a.datetime.offset().local_minus_utc()),
        )),
        _ => None,
    }
}

/// `naturalday`: `today`, `tomorrow` or `yesterday`, else the `date`
/// filter's text (with the argument as its format).
fn naturalday(v: &Value, arg: Option<&Value>, env: &FilterEnv) -> Result<Value, Error> {
    let Some((day, offset)) = calendar_date(v) else {
        return Ok(v.clone());
    };
    // Today where the value is: its own offset, or the default zone.
    let now = Moment::now(offset.is_some());
    let today = (now.naive + Duration::seconds(offset.unwrap_or(0).into())).date();
    let message = match (day - today).num_days() {
        0 => "today",
        1 => "tomorrow",
        -1 => "yesterday",
        _ => return crate::filters::dates::date(&Value::Date(day), arg, env),
    };
    Ok(s(&*env.gettext(message)?))
}

/// `naturaltime`: `now`, `3 minutes ago`, `2 hours from now`, `1 day, 2
/// hours ago`, compared with the current time.
fn naturaltime(v: &Value, _: Option<&Value>, env: &FilterEnv) -> Result<Value, Error> {
    match v {
        Value::DateTime(_) | Value::AwareDateTime(_) => {}
        // Django compares the date with a datetime, which Python refuses.
        Value::Date(_) => {
            return Err(type_error(
                "can't compare datetime.datetime to datetime.date",
            ));
        }
        _ => return Ok(v.clone()),
    }
    let value = Moment::from_value(v)?;
    let now = Moment::now(value.offset.is_some());
    let past = now.minus(&value).unwrap_or_default();
    let (delta, before) = if past > Duration::zero() {
        (past, true)
    } else {
        (-past, false)
    };
    // Python's timedelta: whole days, then seconds within the day.
    let days = delta.num_days();
    let seconds = delta.num_seconds() - days * 86_400;
    let counted = |one: &str, many: &str, count: i64| -> Result<Value, Error> {
        let text = env.ngettext(one, many, count as f64)?;
        Ok(s(text.replace("%(count)s", &count.to_string())))
    };
    if days != 0 {
        let (context, message) = if before {
            ("naturaltime-past", "%(delta)s ago")
        } else {
            ("naturaltime-future", "%(delta)s from now")
        };
        let span = timesince_text(value, Some(now), !before, Some(context), env)?;
        return Ok(s(env.gettext(message)?.replace("%(delta)s", &span)));
    }
    match (seconds, before) {
        (0, _) => Ok(s(&*env.gettext("now")?)),
        (1..=59, true) => counted("a second ago", "%(count)s\u{a0}seconds ago", seconds),
        (1..=59, false) => counted(
            "a second from now",
            "%(count)s\u{a0}seconds from now",
            seconds,
        ),
        (_, true) if seconds / 60 < 60 => {
            counted("a minute ago", "%(count)s\u{a0}minutes ago", seconds / 60)
        }
        (_, false) if seconds / 60 < 60 => counted(
            "a minute from now",
            "%(count)s\u{a0}minutes from now",
            seconds / 60,
        ),
        (_, true) => counted("an hour ago", "%(count)s\u{a0}hours ago", seconds / 3600),
        (_, false) => counted(
            "an hour from now",
            "%(count)s\u{a0}hours from now",
            seconds / 3600,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A filter function.
    type Filter = fn(&Value, Option<&Value>, &FilterEnv) -> Result<Value, Error>;

    fn apply(f: Filter, v: Value) -> String {
        f(&v, None, &FilterEnv::new(true)).unwrap().to_string()
    }

    #[test]
    fn numbers_read_as_django_s_humanize_reads_them() {
        let cases: [(Filter, Value, &str); 16] = [
            (ordinal, Value::Int(1), "1st"),
            (ordinal, Value::Int(12), "12th"),
            (ordinal, Value::Int(103), "103rd"),
            (ordinal, Value::from("22"), "22nd"),
            (ordinal, Value::Int(-3), "-3"),
            (ordinal, Value::from("x"), "x"),
            (intcomma, Value::Int(-1234567), "-1,234,567"),
            (intcomma, Value::Float(1234.5), "1,234.5"),
            (intcomma, Value::from("1234.5"), "1,234.5"),
            (intcomma, Value::from("12345abc"), "12,345abc"),
            (intword, Value::Int(999_999), "999999"),
            (intword, Value::Int(1_000_000), "1.0 million"),
            (intword, Value::Int(1_240_000_000), "1.2 billion"),
            (intword, Value::Int(-6_000_000_000_000), "-6.0 trillion"),
            (apnumber, Value::Int(7), "seven"),
            (apnumber, Value::Int(10), "10"),
        ];
        for (f, v, want) in cases {
            assert_eq!(apply(f, v.clone()), want, "{v:?}");
        }
        assert_eq!(commas_in_text("-123"), "-123");
        assert_eq!(commas_in_text("[1, 2]"), "[1, 2]");
    }

    #[test]
    fn days_and_times_are_read_against_now() {
        let now = Moment::now(false).naive;
        let day = |d: i64| Value::Date(now.date() + Duration::days(d));
        assert_eq!(apply(naturalday, day(0)), "today");
        assert_eq!(apply(naturalday, day(1)), "tomorrow");
        assert_eq!(apply(naturalday, day(-1)), "yesterday");
        let far = Value::Date(NaiveDate::from_ymd_opt(2001, 2, 3).unwrap());
        assert_eq!(apply(naturalday, far), "Feb. 3, 2001");
        assert_eq!(apply(naturalday, Value::from("x")), "x");

        let at = |secs: i64| Value::DateTime(Moment::now(false).naive + Duration::seconds(secs));
        assert_eq!(apply(naturaltime, at(-3 * 3600 - 30)), "3\u{a0}hours ago");
        assert_eq!(apply(naturaltime, at(-(48 * 3600 + 30))), "2\u{a0}days ago");
        assert_eq!(
            apply(naturaltime, at(3 * 86_400 + 5 * 3600 + 30)),
            "3\u{a0}days, 5\u{a0}hours from now"
        );
        assert_eq!(
            apply(naturaltime, at(20 * 60 + 30)),
            "20\u{a0}minutes from now"
        );
        assert!(naturaltime(&Value::Date(now.date()), None, &FilterEnv::new(true)).is_err());
        assert_eq!(apply(naturaltime, Value::Int(3)), "3");
    }
}
