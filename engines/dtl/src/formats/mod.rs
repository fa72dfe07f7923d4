//! Localisation formats, as Django's `django.utils.formats` and
//! `numberformat` give them: which date format, decimal separator and digit
//! grouping a language uses, and numbers written with them.
//!
//! A format is looked up as Django's `get_format` does: in the active
//! language's own formats (`de_AT`), then its base language's (`de`), then
//! the engine's settings ([`FormatSettings`], Django's global settings).
//! With localisation off (`{% localize off %}`, `unlocalize`, `floatformat`'s
//! `u`) only the settings count. Each Django locale's formats are in the
//! generated table of `data.rs`.

mod data;

use std::borrow::Cow;
use std::sync::LazyLock;

/// One locale's own formats (a Django `formats.py`): `None` where it sets nothing.
#[derive(Debug)]
pub(crate) struct LocaleFormats {
    pub(crate) date_format: Option<&'static str>,
    pub(crate) datetime_format: Option<&'static str>,
    pub(crate) time_format: Option<&'static str>,
    pub(crate) year_month_format: Option<&'static str>,
    pub(crate) month_day_format: Option<&'static str>,
    pub(crate) short_date_format: Option<&'static str>,
    pub(crate) short_datetime_format: Option<&'static str>,
    pub(crate) decimal_separator: Option<&'static str>,
    pub(crate) thousand_separator: Option<&'static str>,
    pub(crate) number_grouping: Option<u32>,
    pub(crate) first_day_of_week: Option<u8>,
    /// The input formats as Python prints the list (ISO formats appended).
    pub(crate) date_input_formats: Option<&'static str>,
    pub(crate) time_input_formats: Option<&'static str>,
    pub(crate) datetime_input_formats: Option<&'static str>,
}

/// How many digits go in each group of a number's integer part (Django's
/// `NUMBER_GROUPING`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(untagged)]
pub enum NumberGrouping {
    /// Groups of this many digits; `0` never groups.
    Uniform(u32),
    /// Group sizes from the right, as Python's `locale` module gives them
    /// (`[3, 2, 0]`: three digits, then twos); a `0` repeats the size
    /// before it. Must not be empty.
    Sequence(Vec<u32>),
}

/// Django's global format settings: what a language without its own
/// formats uses, and what every language uses with localisation off.
///
/// The defaults are Django's. A language's own formats (`de` and the other
/// locales Django ships, `en` included) take precedence over these, as
/// Django's `get_format` does; `use_thousand_separator` applies to every
/// language.
#[derive(Debug, Clone, PartialEq)]
pub struct FormatSettings {
    /// Group the digits of every localised number (`USE_THOUSAND_SEPARATOR`, default off).
    pub use_thousand_separator: bool,
    /// `DECIMAL_SEPARATOR`, default `"."`.
    pub decimal_separator: String,
    /// `THOUSAND_SEPARATOR`, default `","`.
    pub thousand_separator: String,
    /// `NUMBER_GROUPING`, default `0` (no grouping).
    pub number_grouping: NumberGrouping,
    /// `DATE_FORMAT`, default `"N j, Y"`.
    pub date_format: String,
    /// `DATETIME_FORMAT`, default `"N j, Y, P"`.
    pub datetime_format: String,
    /// `TIME_FORMAT`, default `"P"`.
    pub time_format: String,
    /// `YEAR_MONTH_FORMAT`, default `"F Y"`.
    pub year_month_format: String,
    /// `MONTH_DAY_FORMAT`, default `"F j"`.
    pub month_day_format: String,
    /// `SHORT_DATE_FORMAT`, default `"m/d/Y"`.
    pub short_date_format: String,
    /// `SHORT_DATETIME_FORMAT`, default `"m/d/Y P"`.
    pub short_datetime_format: String,
    /// `FIRST_DAY_OF_WEEK`, default `0` (Sunday).
    pub first_day_of_week: u8,
}

impl Default for FormatSettings {
    fn default() -> FormatSettings {
        FormatSettings {
            use_thousand_separator: false,
            decimal_separator: ".".into(),
            thousand_separator: ",".into(),
            number_grouping: NumberGrouping::Uniform(0),
            date_format: "N j, Y".into(),
            datetime_format: "N j, Y, P".into(),
            time_format: "P".into(),
            year_month_format: "F Y".into(),
            month_day_format: "F j".into(),
            short_date_format: "m/d/Y".into(),
            short_datetime_format: "m/d/Y P".into(),
            first_day_of_week: 0,
        }
    }
}

/// Django's default settings, for filters run without an engine.
pub(crate) static DEFAULT_SETTINGS: LazyLock<FormatSettings> =
    LazyLock::new(FormatSettings::default);

/// Django's global `*_INPUT_FORMATS`, as the `date` filter prints them.
const DATE_INPUT_FORMATS: &str = "['%Y-%m-%d', '%m/%d/%Y', '%m/%d/%y', '%b %d %Y', '%b %d, %Y', '%d %b %Y', '%d %b, %Y', '%B %d %Y', '%B %d, %Y', '%d %B %Y', '%d %B, %Y']";
const TIME_INPUT_FORMATS: &str = "['%H:%M:%S', '%H:%M:%S.%f', '%H:%M']";
const DATETIME_INPUT_FORMATS: &str = "['%Y-%m-%d %H:%M:%S', '%Y-%m-%d %H:%M:%S.%f', '%Y-%m-%d %H:%M', '%m/%d/%Y %H:%M:%S', '%m/%d/%Y %H:%M:%S.%f', '%m/%d/%Y %H:%M', '%m/%d/%y %H:%M:%S', '%m/%d/%y %H:%M:%S.%f', '%m/%d/%y %H:%M', '%Y-%m-%d']";

/// Django's `language_code_re`: what `check_for_language` accepts before
/// it looks for catalogues (every locale with formats has one).
fn valid_language_code(code: &str) -> bool {
    let (main, variant) = match code.split_once('@') {
        Some((m, v)) => (m, Some(v)),
        None => (code, None),
    };
    if let Some(v) = variant
        && !((1..=20).contains(&v.len()) && v.bytes().all(|b| b.is_ascii_alphanumeric()))
    {
        return false;
    }
    let mut parts = main.split('-');
    let first = parts.next().unwrap_or("");
    (1..=8).contains(&first.len())
        && first.bytes().all(|b| b.is_ascii_alphabetic())
        && parts.all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

fn locale_formats(locale: &str) -> Option<&'static LocaleFormats> {
    data::LOCALES
        .binary_search_by(|(k, _)| (*k).cmp(locale))
        .ok()
        .map(|i| &data::LOCALES[i].1)
}

/// Digit groups of a number's integer part.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Grouping<'a> {
    /// Groups of this many digits.
    Uniform(u32),
    /// Python `locale`-style group sizes.
    Sequence(&'a [u32]),
}

/// What numbers are written with: Django's `numberformat.format` arguments.
#[derive(Debug, Clone, Copy)]
pub(crate) struct NumberFormat<'a> {
    /// Between the integer and the fraction.
    pub(crate) decimal_sep: &'a str,
    /// Between digit groups.
    pub(crate) thousand_sep: &'a str,
    /// `None`: no grouping (off, or a grouping of 0).
    pub(crate) grouping: Option<Grouping<'a>>,
}

impl NumberFormat<'static> {
    /// `.` and no grouping: Python's own number text.
    pub(crate) const PLAIN: NumberFormat<'static> = NumberFormat {
        decimal_sep: ".",
        thousand_sep: ",",
        grouping: None,
    };
}

impl NumberFormat<'_> {
    /// Writes `int_part` (ASCII digits) grouped into `out`.
    pub(crate) fn push_int(&self, int_part: &str, out: &mut String) {
        let Some(grouping) = self.grouping else {
            out.push_str(int_part);
            return;
        };
        // Group sizes from the right; after the last size, it repeats
        // (Python's `[g, 0]` for a single size).
        let sizes: &[u32] = match &grouping {
            Grouping::Uniform(g) => std::slice::from_ref(g),
            Grouping::Sequence(s) => s,
        };
        let digits = int_part.as_bytes();
        let mut cuts = Vec::new();
        let (mut i, mut pos, mut active) = (
            0usize,
            digits.len(),
            sizes.first().copied().unwrap_or(0) as usize,
        );
        while active > 0 && pos > active {
            pos -= active;
            cuts.push(pos);
            i += 1;
            if let Some(&next) = sizes.get(i)
                && next != 0
            {
                active = next as usize;
            }
        }
        let mut start = 0;
        for &cut in cuts.iter().rev() {
            out.push_str(&int_part[start..cut]);
            out.push_str(self.thousand_sep);
            start = cut;
        }
        out.push_str(&int_part[start..]);
    }
}

/// A language's own formats, then its base language's.
pub(crate) type LocaleModules = [Option<&'static LocaleFormats>; 2];

/// The formats in force for one language (or none) and one `use_l10n`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Formats<'a> {
    settings: &'a FormatSettings,
    /// The language's own formats, then its base language's.
    modules: LocaleModules,
    /// Localisation on: the language's formats and `USE_THOUSAND_SEPARATOR` count.
    use_l10n: bool,
}

macro_rules! pick {
    ($self:ident, $field:ident) => {
        $self.modules.iter().flatten().find_map(|m| m.$field)
    };
}

impl<'a> Formats<'a> {
    /// The formats of `language` (Django's `get_language()`; `None` when
    /// translation is deactivated) over `settings`.
    pub(crate) fn new(
        settings: &'a FormatSettings,
        language: Option<&str>,
        use_l10n: bool,
    ) -> Formats<'a> {
        let modules = if use_l10n {
            Formats::modules(language)
        } else {
            [None, None]
        };
        Formats {
            settings,
            modules,
            use_l10n,
        }
    }

    /// [`Formats::new`] with `modules` from [`Formats::modules`] (localisation on).
    pub(crate) fn with_modules(
        settings: &'a FormatSettings,
        modules: LocaleModules,
    ) -> Formats<'a> {
        Formats {
            settings,
            modules,
            use_l10n: true,
        }
    }

    /// The format modules of `language`, as Django's `get_format_modules` finds them.
    pub(crate) fn modules(language: Option<&str>) -> LocaleModules {
        let mut modules = [None, None];
        if let Some(lang) = language
            && valid_language_code(lang)
        {
            let locale = to_locale(lang);
            modules[0] = locale_formats(&locale);
            if let Some((base, _)) = locale.split_once('_') {
                modules[1] = locale_formats(base);
            }
            if modules[0].is_none() {
                modules.swap(0, 1);
            }
        }
        modules
    }

    /// English (`en-us`) with Django's default settings.
    pub(crate) fn english() -> Formats<'static> {
        Formats::new(&DEFAULT_SETTINGS, Some("en-us"), true)
    }

    /// The same language with localisation off: the settings only.
    pub(crate) fn unlocalized(self) -> Formats<'a> {
        Formats {
            modules: [None, None],
            use_l10n: false,
            ..self
        }
    }

    /// Whether localisation is on.
    pub(crate) fn use_l10n(&self) -> bool {
        self.use_l10n
    }

    /// `DATE_FORMAT`.
    pub(crate) fn date(&self) -> &'a str {
        pick!(self, date_format).unwrap_or(&self.settings.date_format)
    }

    /// `DATETIME_FORMAT`.
    pub(crate) fn datetime(&self) -> &'a str {
        pick!(self, datetime_format).unwrap_or(&self.settings.datetime_format)
    }

    /// `TIME_FORMAT`.
    pub(crate) fn time(&self) -> &'a str {
        pick!(self, time_format).unwrap_or(&self.settings.time_format)
    }

    /// Django's `get_format(name)` as a format string: the named setting's
    /// value (numbers and lists as Python prints them), or `None` when
    /// `name` is not a format setting.
    pub(crate) fn named(&self, name: &str) -> Option<Cow<'a, str>> {
        let s = self.settings;
        Some(match name {
            "DATE_FORMAT" => Cow::Borrowed(self.date()),
            "DATETIME_FORMAT" => Cow::Borrowed(self.datetime()),
            "TIME_FORMAT" => Cow::Borrowed(self.time()),
            "YEAR_MONTH_FORMAT" => {
                Cow::Borrowed(pick!(self, year_month_format).unwrap_or(&s.year_month_format))
            }
            "MONTH_DAY_FORMAT" => {
                Cow::Borrowed(pick!(self, month_day_format).unwrap_or(&s.month_day_format))
            }
            "SHORT_DATE_FORMAT" => {
                Cow::Borrowed(pick!(self, short_date_format).unwrap_or(&s.short_date_format))
            }
            "SHORT_DATETIME_FORMAT" => Cow::Borrowed(
                pick!(self, short_datetime_format).unwrap_or(&s.short_datetime_format),
            ),
            "DECIMAL_SEPARATOR" => Cow::Borrowed(self.decimal_separator()),
            "THOUSAND_SEPARATOR" => Cow::Borrowed(self.thousand_separator()),
            "NUMBER_GROUPING" => Cow::Owned(match self.grouping() {
                Grouping::Uniform(g) => g.to_string(),
                Grouping::Sequence(seq) => {
                    // Python prints the sequence the settings hold; a list here.
                    let items: Vec<String> = seq.iter().map(u32::to_string).collect();
                    format!("[{}]", items.join(", "))
                }
            }),
            "FIRST_DAY_OF_WEEK" => Cow::Owned(
                pick!(self, first_day_of_week)
                    .unwrap_or(s.first_day_of_week)
                    .to_string(),
            ),
            "DATE_INPUT_FORMATS" => {
                Cow::Borrowed(pick!(self, date_input_formats).unwrap_or(DATE_INPUT_FORMATS))
            }
            "TIME_INPUT_FORMATS" => {
                Cow::Borrowed(pick!(self, time_input_formats).unwrap_or(TIME_INPUT_FORMATS))
            }
            "DATETIME_INPUT_FORMATS" => {
                Cow::Borrowed(pick!(self, datetime_input_formats).unwrap_or(DATETIME_INPUT_FORMATS))
            }
            _ => return None,
        })
    }

    fn decimal_separator(&self) -> &'a str {
        pick!(self, decimal_separator).unwrap_or(&self.settings.decimal_separator)
    }

    fn thousand_separator(&self) -> &'a str {
        pick!(self, thousand_separator).unwrap_or(&self.settings.thousand_separator)
    }

    fn grouping(&self) -> Grouping<'a> {
        match pick!(self, number_grouping) {
            Some(g) => Grouping::Uniform(g),
            None => match &self.settings.number_grouping {
                NumberGrouping::Uniform(g) => Grouping::Uniform(*g),
                NumberGrouping::Sequence(seq) => Grouping::Sequence(seq),
            },
        }
    }

    /// What Django's `number_format` writes numbers with: grouped when
    /// localisation and `USE_THOUSAND_SEPARATOR` are on, or when
    /// `force_grouping` (`floatformat`'s `g`), and the grouping is not 0.
    pub(crate) fn number(&self, force_grouping: bool) -> NumberFormat<'a> {
        let grouping = self.grouping();
        let wanted = (self.use_l10n && self.settings.use_thousand_separator) || force_grouping;
        let nonzero = !matches!(grouping, Grouping::Uniform(0));
        NumberFormat {
            decimal_sep: self.decimal_separator(),
            thousand_sep: self.thousand_separator(),
            grouping: (wanted && nonzero).then_some(grouping),
        }
    }
}

/// Django's `to_locale`: `pt-br` -> `pt_BR`, `sr-latn` -> `sr_Latn`.
pub(crate) fn to_locale(language: &str) -> String {
    let lower = language.to_lowercase();
    let Some((lang, country)) = lower.split_once('-') else {
        let cut = language
            .char_indices()
            .nth(3)
            .map_or(language.len(), |(i, _)| i);
        return format!("{}{}", language[..cut].to_lowercase(), &language[cut..]);
    };
    let (country, tail) = match country.split_once('-') {
        Some((c, t)) => (c, Some(t)),
        None => (country, None),
    };
    let mut out = format!("{lang}_");
    if country.chars().count() > 2 {
        // Python's `str.title()`: first letter of each word up, the rest down.
        let mut start = true;
        for c in country.chars() {
            if start {
                out.extend(c.to_uppercase())
            } else {
                out.push(c)
            }
            start = !c.is_alphabetic();
        }
    } else {
        out.push_str(&country.to_uppercase());
    }
    if let Some(t) = tail {
        out.push('-');
        out.push_str(t);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_and_falls_back() {
        assert!(data::LOCALES.windows(2).all(|w| w[0].0 < w[1].0));
        let settings = FormatSettings::default();
        let de_at = Formats::new(&settings, Some("de-at"), true);
        // de_AT has no formats of its own in Django: de's.
        assert_eq!(de_at.date(), "j. F Y");
        let de_ch = Formats::new(&settings, Some("de-ch"), true);
        assert_eq!(de_ch.named("THOUSAND_SEPARATOR").unwrap(), "\u{a0}");
        assert_eq!(de_ch.date(), "j. F Y");
        let xx = Formats::new(&settings, Some("xx"), true);
        assert_eq!(xx.date(), "N j, Y");
        assert_eq!(
            Formats::new(&settings, Some("de_DE"), true).date(),
            "N j, Y"
        );
        assert_eq!(Formats::new(&settings, Some("de"), false).date(), "N j, Y");
        assert!(Formats::english().named("NOPE").is_none());
    }

    fn grouped(int: &str, grouping: Grouping<'_>) -> String {
        let mut out = String::new();
        NumberFormat {
            decimal_sep: ",",
            thousand_sep: ".",
            grouping: Some(grouping),
        }
        .push_int(int, &mut out);
        out
    }

    #[test]
    fn groups_like_python_locale_sequences() {
        assert_eq!(grouped("1234567", Grouping::Uniform(3)), "1.234.567");
        assert_eq!(grouped("123", Grouping::Uniform(3)), "123");
        assert_eq!(grouped("1234", Grouping::Uniform(3)), "1.234");
        assert_eq!(
            grouped("12345678", Grouping::Sequence(&[3, 2, 0])),
            "1.23.45.678"
        );
        assert_eq!(
            grouped("12345678", Grouping::Sequence(&[3, 2])),
            "1.23.45.678"
        );
        assert_eq!(
            grouped("12345678", Grouping::Sequence(&[1, 0])),
            "1.2.3.4.5.6.7.8"
        );
    }
}
