//! Date filters: `date`, `time`, `timesince`, `timeuntil`, Django's
//! `dateformat` characters and the localized default formats (en).
//!
//! Naive datetimes count as America/Chicago local time (`TIME_ZONE`) when a
//! format character needs a zone (`I`, `O`, `T`, `Z`, `U`, `r`).

use chrono::{
    DateTime, Datelike, Duration, FixedOffset, LocalResult, NaiveDate, NaiveDateTime, NaiveTime,
    Offset, TimeZone, Timelike,
};
use chrono_tz::{OffsetComponents, OffsetName, Tz};
use platen_core::{Error, ErrorKind, Value};

use super::{FilterEnv, py_str, py_type, s, type_error};

/// The default time zone (`TIME_ZONE`).
pub(super) const DEFAULT_TZ: Tz = chrono_tz::America::Chicago;

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const MONTHS_AP: [&str; 12] = [
    "Jan.", "Feb.", "March", "April", "May", "June", "July", "Aug.", "Sept.", "Oct.", "Nov.",
    "Dec.",
];
/// Django's `MONTHS_3`: the lowercase abbreviations it translates.
const MONTHS_3: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];
const WEEKDAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// The value of a named format setting (en locale), or `None` when the name
/// is not a format setting (then it is used as the format itself).
pub fn named_format(name: &str) -> Option<String> {
    crate::formats::Formats::english()
        .named(name)
        .map(|f| f.into_owned())
}

/// How Django prints a date, datetime or time in `{{ }}`: `DATE_FORMAT`,
/// `DATETIME_FORMAT` or `TIME_FORMAT` (en).
pub fn localize(v: &Value) -> Result<String, Error> {
    localize_in(
        v,
        &FilterEnv::new(false),
        &crate::formats::Formats::english(),
    )
}

/// [`localize`] with `formats` and the names of `env`'s language.
pub(crate) fn localize_in(
    v: &Value,
    env: &FilterEnv<'_>,
    formats: &crate::formats::Formats<'_>,
) -> Result<String, Error> {
    let fmt = match v {
        Value::Date(_) => formats.date(),
        Value::DateTime(_) | Value::AwareDateTime(_) => formats.datetime(),
        Value::Time(_) => formats.time(),
        other => return Ok(other.to_string()),
    };
    match format(v, fmt, Mode::Date, env)? {
        Some(out) => Ok(out),
        None => Ok(String::new()),
    }
}

/// Python's `time.isoformat()`.
pub(crate) fn iso_time(t: &NaiveTime) -> String {
    let micro = t.nanosecond() / 1000;
    if micro != 0 {
        format!(
            "{:02}:{:02}:{:02}.{micro:06}",
            t.hour(),
            t.minute(),
            t.second()
        )
    } else {
        format!("{:02}:{:02}:{:02}", t.hour(), t.minute(), t.second())
    }
}

fn offset_text(secs: i32, colon: bool) -> String {
    let sign = if secs < 0 { '-' } else { '+' };
    let a = secs.abs();
    let (h, m, sec) = (a / 3600, a % 3600 / 60, a % 60);
    let mut out = if colon {
        format!("{sign}{h:02}:{m:02}")
    } else {
        format!("{sign}{h:02}{m:02}")
    };
    if sec != 0 {
        if colon {
            out.push_str(&format!(":{sec:02}"));
        } else {
            out.push_str(&format!("{sec:02}"));
        }
    }
    out
}

/// Python's `datetime.isoformat()`, with the offset when given.
pub(crate) fn iso_datetime(dt: &NaiveDateTime, offset: Option<i32>) -> String {
    let mut out = format!("{}T{}", dt.date().format("%Y-%m-%d"), iso_time(&dt.time()));
    if let Some(secs) = offset {
        out.push_str(&offset_text(secs, true));
    }
    out
}

/// Which formatter runs: Django's `DateFormat` (the `date` filter) or
/// `TimeFormat` (the `time` filter).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Date,
    Time,
}

/// The zone information of a datetime being formatted.
enum Zone {
    /// No zone (dates, times, or a naive datetime that is ambiguous or
    /// does not exist in the default zone).
    None,
    /// A naive datetime in the default zone.
    Local(DateTime<Tz>),
    /// An aware datetime with a fixed offset.
    Fixed(i32, String),
}

/// What kind of value is formatted.
enum Data<'a> {
    Date(NaiveDate),
    DateTime(NaiveDateTime, &'a Value),
    Time(NaiveTime),
    Other(&'a Value),
}

fn local_zone(dt: &NaiveDateTime) -> Zone {
    match DEFAULT_TZ.from_local_datetime(dt) {
        LocalResult::Single(x) => Zone::Local(x),
        _ => Zone::None,
    }
}

/// Seconds since the epoch of a naive datetime read as default-zone local
/// time, the way Python's `datetime.timestamp()` does (fold 0).
fn local_timestamp(dt: &NaiveDateTime) -> i64 {
    match DEFAULT_TZ.from_local_datetime(dt) {
        LocalResult::Single(x) => x.timestamp(),
        LocalResult::Ambiguous(a, _) => a.timestamp(),
        LocalResult::None => {
            // In a gap: Python picks the later of the two candidate instants,
            // i.e. the offset in force before the transition.
            let before = DEFAULT_TZ.offset_from_utc_datetime(&(*dt - Duration::hours(12)));
            let secs = before.fix().local_minus_utc() as i64;
            dt.and_utc().timestamp() - secs
        }
    }
}

/// The offset Python's zoneinfo gives a naive datetime (fold 0).
pub(crate) fn local_offset_fold0(dt: &NaiveDateTime) -> i32 {
    match DEFAULT_TZ.from_local_datetime(dt) {
        LocalResult::Single(x) => x.offset().fix().local_minus_utc(),
        LocalResult::Ambiguous(a, _) => a.offset().fix().local_minus_utc(),
        LocalResult::None => DEFAULT_TZ
            .offset_from_utc_datetime(&(*dt - Duration::hours(12)))
            .fix()
            .local_minus_utc(),
    }
}

const TIME_CHARS: &str = "aAefgGhHiOPsTuZ";
const ALL_CHARS: &str = "aAbcdDeEfFgGhHiIjlLmMnNoOPrsStTUuwWyYzZ";

/// Formats `v` with Django's format string: `Ok(Some(text))`, `Ok(None)` when
/// Django's formatter raised `AttributeError` (the filters then give `""`),
/// or a `TypeError` that propagates.
fn format(v: &Value, fmt: &str, mode: Mode, env: &FilterEnv<'_>) -> Result<Option<String>, Error> {
    let data = match v {
        Value::Date(d) => Data::Date(*d),
        Value::DateTime(dt) => Data::DateTime(*dt, v),
        Value::AwareDateTime(a) => Data::DateTime(a.datetime.naive_local(), v),
        Value::Time(t) => Data::Time(*t),
        other => Data::Other(other),
    };
    let zone = match v {
        // Looking a naive datetime up in the time zone database is costly:
        // only the characters that show the zone need it.
        Value::DateTime(dt) if fmt.contains(['e', 'I', 'O', 'T', 'Z']) => local_zone(dt),
        Value::DateTime(_) => Zone::None,
        Value::AwareDateTime(a) => {
            Zone::Fixed(a.datetime.offset().local_minus_utc(), a.tz_name.to_string())
        }
        _ => Zone::None,
    };
    let mut out = String::with_capacity(fmt.len() * 3);
    let mut literal = String::new();
    let flush = |literal: &mut String, out: &mut String| {
        // re_escaped.sub(r"\1", piece): a backslash takes the next character.
        let mut it = literal.chars().peekable();
        while let Some(c) = it.next() {
            if c == '\\' {
                match it.peek() {
                    Some(&n) if n != '\n' => {
                        out.push(n);
                        it.next();
                    }
                    _ => out.push(c),
                }
            } else {
                out.push(c);
            }
        }
        literal.clear();
    };
    let mut prev = None;
    for c in fmt.chars() {
        let escaped = prev == Some('\\');
        prev = Some(c);
        if escaped || !ALL_CHARS.contains(c) {
            literal.push(c);
            continue;
        }
        flush(&mut literal, &mut out);
        if matches!(data, Data::Date(_)) && TIME_CHARS.contains(c) {
            return Err(type_error(format!(
                "The format for date objects may not contain time-related format specifiers (found '{c}')."
            )));
        }
        if mode == Mode::Time && !TIME_CHARS.contains(c) {
            return Ok(None);
        }
        if write_common(c, &data, env, &mut out)? {
            continue;
        }
        match one_char(c, &data, &zone, env)? {
            Some(piece) => out.push_str(&piece),
            None => return Ok(None),
        }
    }
    flush(&mut literal, &mut out);
    Ok(Some(out))
}

/// The format characters most pages use (`j N Y`, `Y-m-d`, `H:i`), written
/// straight into `out` without a string per character; false leaves `c` to
/// [`one_char`], which knows them all.
fn write_common(
    c: char,
    data: &Data<'_>,
    env: &FilterEnv<'_>,
    out: &mut String,
) -> Result<bool, Error> {
    let date = match data {
        Data::Date(d) => Some(*d),
        Data::DateTime(dt, _) => Some(dt.date()),
        _ => None,
    };
    let time = match data {
        Data::DateTime(dt, _) => Some(dt.time()),
        Data::Time(t) => Some(*t),
        _ => None,
    };
    let mut number = |n: u32, width: usize| {
        let mut digits = itoa::Buffer::new();
        let text = digits.format(n);
        for _ in text.len()..width {
            out.push('0');
        }
        out.push_str(text);
    };
    match (c, date, time) {
        ('d', Some(d), _) => number(d.day(), 2),
        ('j', Some(d), _) => number(d.day(), 1),
        ('m', Some(d), _) => number(d.month(), 2),
        ('n', Some(d), _) => number(d.month(), 1),
        ('Y', Some(d), _) if d.year() >= 0 => number(d.year().unsigned_abs(), 4),
        ('H', _, Some(t)) => number(t.hour(), 2),
        ('G', _, Some(t)) => number(t.hour(), 1),
        ('i', _, Some(t)) => number(t.minute(), 2),
        ('s', _, Some(t)) => number(t.second(), 2),
        ('N', Some(d), _) => {
            out.push_str(&env.pgettext("abbrev. month", MONTHS_AP[d.month0() as usize])?)
        }
        ('F', Some(d), _) => out.push_str(&env.gettext(MONTHS[d.month0() as usize])?),
        ('l', Some(d), _) => {
            out.push_str(&env.gettext(WEEKDAYS[d.weekday().num_days_from_monday() as usize])?)
        }
        _ => return Ok(false),
    }
    Ok(true)
}

fn twelve(h: u32) -> u32 {
    if h.is_multiple_of(12) { 12 } else { h % 12 }
}

/// One format character; `None` for Python's `AttributeError`.
///
/// Names are translated into the active language as Django's `dateformat`
/// does (`MONTHS`, `WEEKDAYS`, ... are `gettext_lazy` strings there).
fn one_char(
    c: char,
    data: &Data<'_>,
    zone: &Zone,
    env: &FilterEnv<'_>,
) -> Result<Option<String>, Error> {
    let tr = |m: &str| env.gettext(m).map(std::borrow::Cow::into_owned);
    let ampm = |t: &NaiveTime| tr(if t.hour() > 11 { "p.m." } else { "a.m." });
    let (date, time): (Option<NaiveDate>, Option<NaiveTime>) = match data {
        Data::Date(d) => (Some(*d), None),
        Data::DateTime(dt, _) => (Some(dt.date()), Some(dt.time())),
        Data::Time(t) => (None, Some(*t)),
        Data::Other(_) => (None, None),
    };
    let is_time_char = TIME_CHARS.contains(c);
    if is_time_char {
        let Some(t) = time else {
            // The zone characters look only at the formatter's time zone,
            // None for anything but a datetime: they print nothing.
            return Ok(matches!(c, 'e' | 'O' | 'T' | 'Z').then(String::new));
        };
        let out = match c {
            'a' => ampm(&t)?,
            'A' => tr(if t.hour() > 11 { "PM" } else { "AM" })?,
            'e' => match zone {
                Zone::Fixed(_, name) => name.clone(),
                _ => String::new(),
            },
            'f' => f_format(&t),
            'g' => twelve(t.hour()).to_string(),
            'G' => t.hour().to_string(),
            'h' => format!("{:02}", twelve(t.hour())),
            'H' => format!("{:02}", t.hour()),
            'i' => format!("{:02}", t.minute()),
            'O' => match zone_offset(zone) {
                Some(secs) => {
                    let sign = if secs < 0 { '-' } else { '+' };
                    let a = secs.abs();
                    format!("{sign}{:02}{:02}", a / 3600, a / 60 % 60)
                }
                None => String::new(),
            },
            'P' => {
                if t.minute() == 0 && t.hour() == 0 {
                    tr("midnight")?
                } else if t.minute() == 0 && t.hour() == 12 {
                    tr("noon")?
                } else {
                    format!("{} {}", f_format(&t), ampm(&t)?)
                }
            }
            's' => format!("{:02}", t.second()),
            'T' => match zone {
                Zone::Local(x) => x.offset().abbreviation().unwrap_or("").to_string(),
                Zone::Fixed(_, name) => name.clone(),
                Zone::None => String::new(),
            },
            'u' => format!("{:06}", t.nanosecond() / 1000),
            'Z' => zone_offset(zone).map(|x| x.to_string()).unwrap_or_default(),
            _ => String::new(),
        };
        return Ok(Some(out));
    }
    // Date characters.
    if c == 'c' {
        return Ok(match data {
            Data::Date(d) => Some(d.format("%Y-%m-%d").to_string()),
            Data::DateTime(dt, v) => Some(iso_datetime(
                dt,
                match v {
                    Value::AwareDateTime(a) => Some(a.datetime.offset().local_minus_utc()),
                    _ => None,
                },
            )),
            Data::Time(t) => Some(iso_time(t)),
            Data::Other(_) => None,
        });
    }
    if c == 'I' {
        return Ok(match (data, zone) {
            (_, Zone::Local(x)) => Some(
                if x.offset().dst_offset().num_seconds() != 0 {
                    "1"
                } else {
                    "0"
                }
                .to_string(),
            ),
            (_, Zone::Fixed(..)) => Some("0".to_string()),
            (_, Zone::None) => Some(String::new()),
        });
    }
    if c == 'r' || c == 'U' {
        let (naive, offset): (NaiveDateTime, Option<i32>) = match data {
            Data::Date(d) => (d.and_hms_opt(0, 0, 0).unwrap_or_default(), None),
            Data::DateTime(dt, v) => (
                *dt,
                match v {
                    Value::AwareDateTime(a) => Some(a.datetime.offset().local_minus_utc()),
                    _ => None,
                },
            ),
            Data::Time(_) => {
                return Err(type_error(
                    "combine() argument 1 must be datetime.date, not datetime.time",
                ));
            }
            // Django combines the value with midnight: not a date, a TypeError.
            Data::Other(v) => {
                return Err(type_error(format!(
                    "combine() argument 1 must be datetime.date, not {}",
                    py_type(v)
                )));
            }
        };
        if c == 'U' {
            let ts = match offset {
                Some(secs) => naive.and_utc().timestamp() - secs as i64,
                None => {
                    if naive.year() <= 1 && naive.ordinal() == 1 {
                        return Err(Error::new(
                            ErrorKind::InvalidValue,
                            "year 0 is out of range",
                        ));
                    }
                    local_timestamp(&naive)
                }
            };
            // Python's int(timestamp()) truncates toward zero: before 1970
            // a fraction of a second rounds up.
            let ts = if ts < 0 && naive.nanosecond() >= 1000 {
                ts + 1
            } else {
                ts
            };
            return Ok(Some(ts.to_string()));
        }
        let secs = offset.unwrap_or_else(|| local_offset_fold0(&naive));
        let wd = &WEEKDAYS[naive.weekday().num_days_from_monday() as usize][..3];
        let mon = &MONTHS[naive.month0() as usize][..3];
        return Ok(Some(format!(
            "{wd}, {:02} {mon} {:04} {:02}:{:02}:{:02} {}",
            naive.day(),
            naive.year(),
            naive.hour(),
            naive.minute(),
            naive.second(),
            offset_text(secs, false)
        )));
    }
    let Some(d) = date else { return Ok(None) };
    let out = match c {
        'b' => tr(MONTHS_3[d.month0() as usize])?,
        'd' => format!("{:02}", d.day()),
        'D' => tr(&WEEKDAYS[d.weekday().num_days_from_monday() as usize][..3])?,
        'E' => env
            .pgettext("alt. month", MONTHS[d.month0() as usize])?
            .into_owned(),
        'F' => tr(MONTHS[d.month0() as usize])?,
        'j' => d.day().to_string(),
        'l' => tr(WEEKDAYS[d.weekday().num_days_from_monday() as usize])?,
        'L' => (if d.leap_year() { "True" } else { "False" }).to_string(),
        'm' => format!("{:02}", d.month()),
        'M' => py_title(&tr(MONTHS_3[d.month0() as usize])?),
        'n' => d.month().to_string(),
        'N' => env
            .pgettext("abbrev. month", MONTHS_AP[d.month0() as usize])?
            .into_owned(),
        'o' => d.iso_week().year().to_string(),
        'S' => {
            let day = d.day();
            (match day {
                11..=13 => "th",
                _ => match day % 10 {
                    1 => "st",
                    2 => "nd",
                    3 => "rd",
                    _ => "th",
                },
            })
            .to_string()
        }
        't' => days_in_month(d.year(), d.month()).to_string(),
        'w' => ((d.weekday().num_days_from_monday() + 1) % 7).to_string(),
        'W' => d.iso_week().week().to_string(),
        'y' => format!("{:02}", d.year().rem_euclid(100)),
        'Y' => format!("{:04}", d.year()),
        'z' => d.ordinal().to_string(),
        _ => return Ok(None),
    };
    Ok(Some(out))
}

/// Python's `str.title()`.
fn py_title(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut start = true;
    for c in s.chars() {
        if start {
            out.extend(c.to_uppercase())
        } else {
            out.extend(c.to_lowercase())
        }
        start = !c.is_alphabetic();
    }
    out
}

fn f_format(t: &NaiveTime) -> String {
    let h = twelve(t.hour());
    if t.minute() == 0 {
        h.to_string()
    } else {
        format!("{h}:{:02}", t.minute())
    }
}

fn zone_offset(zone: &Zone) -> Option<i32> {
    match zone {
        Zone::Local(x) => Some(x.offset().fix().local_minus_utc()),
        Zone::Fixed(secs, _) => Some(*secs),
        Zone::None => None,
    }
}

fn days_in_month(year: i32, month: u32) -> u32 {
    let (ny, nm) = if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    };
    NaiveDate::from_ymd_opt(ny, nm, 1)
        .and_then(|n| n.pred_opt())
        .map_or(31, |d| d.day())
}

/// The format string for a `date`/`time` argument: a named setting of the
/// active language, the argument's text, or the default.
fn format_string<'f>(
    arg: Option<&'f Value>,
    formats: &crate::formats::Formats<'f>,
    default: &'f str,
) -> std::borrow::Cow<'f, str> {
    match arg {
        Some(a) if a.is_true() => {
            let text = py_str(a);
            match formats.named(&text) {
                Some(f) => std::borrow::Cow::Owned(f.into_owned()),
                None => text,
            }
        }
        _ => std::borrow::Cow::Borrowed(default),
    }
}

fn is_none_or_empty(v: &Value) -> bool {
    matches!(v, Value::None) || v.as_str() == Some("")
}

/// Formats a value with a Django date format string (`date` filter rules).
pub fn format_value(v: &Value, fmt: &str) -> Result<String, Error> {
    Ok(format(v, fmt, Mode::Date, &FilterEnv::new(false))?.unwrap_or_default())
}

/// `date`: formats a date or datetime (`DATE_FORMAT` by default).
pub fn date(v: &Value, arg: Option<&Value>, env: &FilterEnv) -> Result<Value, Error> {
    if is_none_or_empty(v) {
        return Ok(s(""));
    }
    let formats = env.formats();
    let fmt = format_string(arg, &formats, formats.date());
    if let Some(out) = format(v, &fmt, Mode::Date, env)? {
        return Ok(s(out));
    }
    // Django tries again with the argument's own text, neither a named
    // format nor the default: `{{ 0|date:0 }}` is "0", `{{ 0|date }}` is "".
    let raw = raw_format(arg);
    Ok(s(format(v, &raw, Mode::Date, env)?.unwrap_or_default()))
}

/// `time`: formats a time or datetime with time-only characters
/// (`TIME_FORMAT` by default).
pub fn time(v: &Value, arg: Option<&Value>, env: &FilterEnv) -> Result<Value, Error> {
    if is_none_or_empty(v) {
        return Ok(s(""));
    }
    let formats = env.formats();
    let fmt = format_string(arg, &formats, formats.time());
    let attempt = |fmt: &str| match format(v, fmt, Mode::Time, env) {
        Err(e) if e.kind() == ErrorKind::InvalidType => Ok(None),
        other => other,
    };
    if let Some(out) = attempt(&fmt)? {
        return Ok(s(out));
    }
    // Again with the argument's own text, as the `date` filter does.
    Ok(s(attempt(&raw_format(arg))?.unwrap_or_default()))
}

/// The format Django's `date` and `time` filters fall back on: `str(arg)`.
fn raw_format(arg: Option<&Value>) -> std::borrow::Cow<'_, str> {
    match arg {
        Some(a) => py_str(a),
        None => std::borrow::Cow::Borrowed("None"),
    }
}

/// Builds a fixed-offset datetime (helper for tests and the engine).
pub fn fixed(naive: NaiveDateTime, offset_secs: i32) -> Option<DateTime<FixedOffset>> {
    FixedOffset::east_opt(offset_secs)?
        .from_local_datetime(&naive)
        .single()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dt(s: &str) -> Value {
        Value::DateTime(NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S").unwrap())
    }

    fn fmt(v: &Value, f: &str) -> String {
        date(v, Some(&Value::from(f)), &FilterEnv::new(true))
            .unwrap()
            .to_string()
    }

    #[test]
    fn timestamps_before_1970_truncate_toward_zero() {
        let v = Value::DateTime(
            NaiveDateTime::parse_from_str("1900-05-10T17:30:00.123456", "%Y-%m-%dT%H:%M:%S%.f")
                .unwrap(),
        );
        // Python: int(-2197758599.876544) (America/Chicago, CST then).
        assert_eq!(fmt(&v, "U"), "-2197758599");
        assert_eq!(fmt(&dt("1900-05-10T17:30:00"), "U"), "-2197758600");
    }

    #[test]
    fn date_characters() {
        let v = dt("2024-07-04T15:09:05");
        assert_eq!(fmt(&v, "D, j M Y"), "Thu, 4 Jul 2024");
        assert_eq!(fmt(&v, "P T O Z I"), "3:09 p.m. CDT -0500 -18000 1");
        assert_eq!(fmt(&v, "r"), "Thu, 04 Jul 2024 15:09:05 -0500");
        assert_eq!(fmt(&v, r"\Y\e\s"), "Yes");
        assert_eq!(fmt(&dt("2024-03-10T02:30:00"), "T|U"), "|1710059400");
        assert_eq!(fmt(&dt("2008-01-01T00:00:00"), "P"), "midnight");
        assert_eq!(
            fmt(&dt("2008-01-01T00:00:00"), "DATE_FORMAT"),
            "Jan. 1, 2008"
        );
    }
}
