//! Django's language data and the language-info tags and filters of the
//! `i18n` library: `get_language_info`, `get_language_info_list`,
//! `get_available_languages`, `language_name`, `language_name_local`,
//! `language_bidi` and `language_name_translated`.
//!
//! Translated names come from the engine's catalogues in the active
//! language (see the `gettext` module); the `translate` and `blocktranslate`
//! tags live in `tags.rs`.

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

/// Django's `LANG_INFO` (`django/conf/locale/__init__.py`), sorted by code.
pub(crate) const LANG_INFO: &[(&str, LangInfo)] = &[
    (
        "af",
        LangInfo::Info {
            code: "af",
            name: "Afrikaans",
            name_local: "Afrikaans",
            bidi: false,
        },
    ),
    (
        "ar",
        LangInfo::Info {
            code: "ar",
            name: "Arabic",
            name_local: "العربيّة",
            bidi: true,
        },
    ),
    (
        "ar-dz",
        LangInfo::Info {
            code: "ar-dz",
            name: "Algerian Arabic",
            name_local: "العربية الجزائرية",
            bidi: true,
        },
    ),
    (
        "ast",
        LangInfo::Info {
            code: "ast",
            name: "Asturian",
            name_local: "asturianu",
            bidi: false,
        },
    ),
    (
        "az",
        LangInfo::Info {
            code: "az",
            name: "Azerbaijani",
            name_local: "Azərbaycanca",
            bidi: true,
        },
    ),
    (
        "be",
        LangInfo::Info {
            code: "be",
            name: "Belarusian",
            name_local: "беларуская",
            bidi: false,
        },
    ),
    (
        "bg",
        LangInfo::Info {
            code: "bg",
            name: "Bulgarian",
            name_local: "български",
            bidi: false,
        },
    ),
    (
        "bn",
        LangInfo::Info {
            code: "bn",
            name: "Bengali",
            name_local: "বাংলা",
            bidi: false,
        },
    ),
    (
        "br",
        LangInfo::Info {
            code: "br",
            name: "Breton",
            name_local: "brezhoneg",
            bidi: false,
        },
    ),
    (
        "bs",
        LangInfo::Info {
            code: "bs",
            name: "Bosnian",
            name_local: "bosanski",
            bidi: false,
        },
    ),
    (
        "ca",
        LangInfo::Info {
            code: "ca",
            name: "Catalan",
            name_local: "català",
            bidi: false,
        },
    ),
    (
        "ckb",
        LangInfo::Info {
            code: "ckb",
            name: "Central Kurdish (Sorani)",
            name_local: "کوردی",
            bidi: true,
        },
    ),
    (
        "cs",
        LangInfo::Info {
            code: "cs",
            name: "Czech",
            name_local: "česky",
            bidi: false,
        },
    ),
    (
        "cy",
        LangInfo::Info {
            code: "cy",
            name: "Welsh",
            name_local: "Cymraeg",
            bidi: false,
        },
    ),
    (
        "da",
        LangInfo::Info {
            code: "da",
            name: "Danish",
            name_local: "dansk",
            bidi: false,
        },
    ),
    (
        "de",
        LangInfo::Info {
            code: "de",
            name: "German",
            name_local: "Deutsch",
            bidi: false,
        },
    ),
    (
        "dsb",
        LangInfo::Info {
            code: "dsb",
            name: "Lower Sorbian",
            name_local: "dolnoserbski",
            bidi: false,
        },
    ),
    (
        "el",
        LangInfo::Info {
            code: "el",
            name: "Greek",
            name_local: "Ελληνικά",
            bidi: false,
        },
    ),
    (
        "en",
        LangInfo::Info {
            code: "en",
            name: "English",
            name_local: "English",
            bidi: false,
        },
    ),
    (
        "en-au",
        LangInfo::Info {
            code: "en-au",
            name: "Australian English",
            name_local: "Australian English",
            bidi: false,
        },
    ),
    (
        "en-gb",
        LangInfo::Info {
            code: "en-gb",
            name: "British English",
            name_local: "British English",
            bidi: false,
        },
    ),
    (
        "eo",
        LangInfo::Info {
            code: "eo",
            name: "Esperanto",
            name_local: "Esperanto",
            bidi: false,
        },
    ),
    (
        "es",
        LangInfo::Info {
            code: "es",
            name: "Spanish",
            name_local: "español",
            bidi: false,
        },
    ),
    (
        "es-ar",
        LangInfo::Info {
            code: "es-ar",
            name: "Argentinian Spanish",
            name_local: "español de Argentina",
            bidi: false,
        },
    ),
    (
        "es-co",
        LangInfo::Info {
            code: "es-co",
            name: "Colombian Spanish",
            name_local: "español de Colombia",
            bidi: false,
        },
    ),
    (
        "es-mx",
        LangInfo::Info {
            code: "es-mx",
            name: "Mexican Spanish",
            name_local: "español de Mexico",
            bidi: false,
        },
    ),
    (
        "es-ni",
        LangInfo::Info {
            code: "es-ni",
            name: "Nicaraguan Spanish",
            name_local: "español de Nicaragua",
            bidi: false,
        },
    ),
    (
        "es-ve",
        LangInfo::Info {
            code: "es-ve",
            name: "Venezuelan Spanish",
            name_local: "español de Venezuela",
            bidi: false,
        },
    ),
    (
        "et",
        LangInfo::Info {
            code: "et",
            name: "Estonian",
            name_local: "eesti",
            bidi: false,
        },
    ),
    (
        "eu",
        LangInfo::Info {
            code: "eu",
            name: "Basque",
            name_local: "Basque",
            bidi: false,
        },
    ),
    (
        "fa",
        LangInfo::Info {
            code: "fa",
            name: "Persian",
            name_local: "فارسی",
            bidi: true,
        },
    ),
    (
        "fi",
        LangInfo::Info {
            code: "fi",
            name: "Finnish",
            name_local: "suomi",
            bidi: false,
        },
    ),
    (
        "fr",
        LangInfo::Info {
            code: "fr",
            name: "French",
            name_local: "français",
            bidi: false,
        },
    ),
    (
        "fy",
        LangInfo::Info {
            code: "fy",
            name: "Frisian",
            name_local: "frysk",
            bidi: false,
        },
    ),
    (
        "ga",
        LangInfo::Info {
            code: "ga",
            name: "Irish",
            name_local: "Gaeilge",
            bidi: false,
        },
    ),
    (
        "gd",
        LangInfo::Info {
            code: "gd",
            name: "Scottish Gaelic",
            name_local: "Gàidhlig",
            bidi: false,
        },
    ),
    (
        "gl",
        LangInfo::Info {
            code: "gl",
            name: "Galician",
            name_local: "galego",
            bidi: false,
        },
    ),
    (
        "he",
        LangInfo::Info {
            code: "he",
            name: "Hebrew",
            name_local: "עברית",
            bidi: true,
        },
    ),
    (
        "hi",
        LangInfo::Info {
            code: "hi",
            name: "Hindi",
            name_local: "हिंदी",
            bidi: false,
        },
    ),
    (
        "hr",
        LangInfo::Info {
            code: "hr",
            name: "Croatian",
            name_local: "Hrvatski",
            bidi: false,
        },
    ),
    (
        "hsb",
        LangInfo::Info {
            code: "hsb",
            name: "Upper Sorbian",
            name_local: "hornjoserbsce",
            bidi: false,
        },
    ),
    (
        "hu",
        LangInfo::Info {
            code: "hu",
            name: "Hungarian",
            name_local: "Magyar",
            bidi: false,
        },
    ),
    (
        "hy",
        LangInfo::Info {
            code: "hy",
            name: "Armenian",
            name_local: "հայերեն",
            bidi: false,
        },
    ),
    (
        "ia",
        LangInfo::Info {
            code: "ia",
            name: "Interlingua",
            name_local: "Interlingua",
            bidi: false,
        },
    ),
    (
        "id",
        LangInfo::Info {
            code: "id",
            name: "Indonesian",
            name_local: "Bahasa Indonesia",
            bidi: false,
        },
    ),
    (
        "ig",
        LangInfo::Info {
            code: "ig",
            name: "Igbo",
            name_local: "Asụsụ Ìgbò",
            bidi: false,
        },
    ),
    (
        "io",
        LangInfo::Info {
            code: "io",
            name: "Ido",
            name_local: "ido",
            bidi: false,
        },
    ),
    (
        "is",
        LangInfo::Info {
            code: "is",
            name: "Icelandic",
            name_local: "Íslenska",
            bidi: false,
        },
    ),
    (
        "it",
        LangInfo::Info {
            code: "it",
            name: "Italian",
            name_local: "italiano",
            bidi: false,
        },
    ),
    (
        "ja",
        LangInfo::Info {
            code: "ja",
            name: "Japanese",
            name_local: "日本語",
            bidi: false,
        },
    ),
    (
        "ka",
        LangInfo::Info {
            code: "ka",
            name: "Georgian",
            name_local: "ქართული",
            bidi: false,
        },
    ),
    (
        "kab",
        LangInfo::Info {
            code: "kab",
            name: "Kabyle",
            name_local: "taqbaylit",
            bidi: false,
        },
    ),
    (
        "kk",
        LangInfo::Info {
            code: "kk",
            name: "Kazakh",
            name_local: "Қазақ",
            bidi: false,
        },
    ),
    (
        "km",
        LangInfo::Info {
            code: "km",
            name: "Khmer",
            name_local: "Khmer",
            bidi: false,
        },
    ),
    (
        "kn",
        LangInfo::Info {
            code: "kn",
            name: "Kannada",
            name_local: "Kannada",
            bidi: false,
        },
    ),
    (
        "ko",
        LangInfo::Info {
            code: "ko",
            name: "Korean",
            name_local: "한국어",
            bidi: false,
        },
    ),
    (
        "ky",
        LangInfo::Info {
            code: "ky",
            name: "Kyrgyz",
            name_local: "Кыргызча",
            bidi: false,
        },
    ),
    (
        "lb",
        LangInfo::Info {
            code: "lb",
            name: "Luxembourgish",
            name_local: "Lëtzebuergesch",
            bidi: false,
        },
    ),
    (
        "lt",
        LangInfo::Info {
            code: "lt",
            name: "Lithuanian",
            name_local: "Lietuviškai",
            bidi: false,
        },
    ),
    (
        "lv",
        LangInfo::Info {
            code: "lv",
            name: "Latvian",
            name_local: "latviešu",
            bidi: false,
        },
    ),
    (
        "mk",
        LangInfo::Info {
            code: "mk",
            name: "Macedonian",
            name_local: "Македонски",
            bidi: false,
        },
    ),
    (
        "ml",
        LangInfo::Info {
            code: "ml",
            name: "Malayalam",
            name_local: "മലയാളം",
            bidi: false,
        },
    ),
    (
        "mn",
        LangInfo::Info {
            code: "mn",
            name: "Mongolian",
            name_local: "Mongolian",
            bidi: false,
        },
    ),
    (
        "mr",
        LangInfo::Info {
            code: "mr",
            name: "Marathi",
            name_local: "मराठी",
            bidi: false,
        },
    ),
    (
        "ms",
        LangInfo::Info {
            code: "ms",
            name: "Malay",
            name_local: "Bahasa Melayu",
            bidi: false,
        },
    ),
    (
        "my",
        LangInfo::Info {
            code: "my",
            name: "Burmese",
            name_local: "မြန်မာဘာသာ",
            bidi: false,
        },
    ),
    (
        "nb",
        LangInfo::Info {
            code: "nb",
            name: "Norwegian Bokmal",
            name_local: "norsk (bokmål)",
            bidi: false,
        },
    ),
    (
        "ne",
        LangInfo::Info {
            code: "ne",
            name: "Nepali",
            name_local: "नेपाली",
            bidi: false,
        },
    ),
    (
        "nl",
        LangInfo::Info {
            code: "nl",
            name: "Dutch",
            name_local: "Nederlands",
            bidi: false,
        },
    ),
    (
        "nn",
        LangInfo::Info {
            code: "nn",
            name: "Norwegian Nynorsk",
            name_local: "norsk (nynorsk)",
            bidi: false,
        },
    ),
    (
        "no",
        LangInfo::Info {
            code: "no",
            name: "Norwegian",
            name_local: "norsk",
            bidi: false,
        },
    ),
    (
        "os",
        LangInfo::Info {
            code: "os",
            name: "Ossetic",
            name_local: "Ирон",
            bidi: false,
        },
    ),
    (
        "pa",
        LangInfo::Info {
            code: "pa",
            name: "Punjabi",
            name_local: "Punjabi",
            bidi: false,
        },
    ),
    (
        "pl",
        LangInfo::Info {
            code: "pl",
            name: "Polish",
            name_local: "polski",
            bidi: false,
        },
    ),
    (
        "pt",
        LangInfo::Info {
            code: "pt",
            name: "Portuguese",
            name_local: "Português",
            bidi: false,
        },
    ),
    (
        "pt-br",
        LangInfo::Info {
            code: "pt-br",
            name: "Brazilian Portuguese",
            name_local: "Português Brasileiro",
            bidi: false,
        },
    ),
    (
        "ro",
        LangInfo::Info {
            code: "ro",
            name: "Romanian",
            name_local: "Română",
            bidi: false,
        },
    ),
    (
        "ru",
        LangInfo::Info {
            code: "ru",
            name: "Russian",
            name_local: "Русский",
            bidi: false,
        },
    ),
    (
        "sk",
        LangInfo::Info {
            code: "sk",
            name: "Slovak",
            name_local: "slovensky",
            bidi: false,
        },
    ),
    (
        "sl",
        LangInfo::Info {
            code: "sl",
            name: "Slovenian",
            name_local: "Slovenščina",
            bidi: false,
        },
    ),
    (
        "sq",
        LangInfo::Info {
            code: "sq",
            name: "Albanian",
            name_local: "shqip",
            bidi: false,
        },
    ),
    (
        "sr",
        LangInfo::Info {
            code: "sr",
            name: "Serbian",
            name_local: "српски",
            bidi: false,
        },
    ),
    (
        "sr-latn",
        LangInfo::Info {
            code: "sr-latn",
            name: "Serbian Latin",
            name_local: "srpski (latinica)",
            bidi: false,
        },
    ),
    (
        "sv",
        LangInfo::Info {
            code: "sv",
            name: "Swedish",
            name_local: "svenska",
            bidi: false,
        },
    ),
    (
        "sw",
        LangInfo::Info {
            code: "sw",
            name: "Swahili",
            name_local: "Kiswahili",
            bidi: false,
        },
    ),
    (
        "ta",
        LangInfo::Info {
            code: "ta",
            name: "Tamil",
            name_local: "தமிழ்",
            bidi: false,
        },
    ),
    (
        "te",
        LangInfo::Info {
            code: "te",
            name: "Telugu",
            name_local: "తెలుగు",
            bidi: false,
        },
    ),
    (
        "tg",
        LangInfo::Info {
            code: "tg",
            name: "Tajik",
            name_local: "тоҷикӣ",
            bidi: false,
        },
    ),
    (
        "th",
        LangInfo::Info {
            code: "th",
            name: "Thai",
            name_local: "ภาษาไทย",
            bidi: false,
        },
    ),
    (
        "tk",
        LangInfo::Info {
            code: "tk",
            name: "Turkmen",
            name_local: "Türkmençe",
            bidi: false,
        },
    ),
    (
        "tr",
        LangInfo::Info {
            code: "tr",
            name: "Turkish",
            name_local: "Türkçe",
            bidi: false,
        },
    ),
    (
        "tt",
        LangInfo::Info {
            code: "tt",
            name: "Tatar",
            name_local: "Татарча",
            bidi: false,
        },
    ),
    (
        "udm",
        LangInfo::Info {
            code: "udm",
            name: "Udmurt",
            name_local: "Удмурт",
            bidi: false,
        },
    ),
    (
        "ug",
        LangInfo::Info {
            code: "ug",
            name: "Uyghur",
            name_local: "ئۇيغۇرچە",
            bidi: true,
        },
    ),
    (
        "uk",
        LangInfo::Info {
            code: "uk",
            name: "Ukrainian",
            name_local: "Українська",
            bidi: false,
        },
    ),
    (
        "ur",
        LangInfo::Info {
            code: "ur",
            name: "Urdu",
            name_local: "اردو",
            bidi: true,
        },
    ),
    (
        "uz",
        LangInfo::Info {
            code: "uz",
            name: "Uzbek",
            name_local: "oʻzbek tili",
            bidi: false,
        },
    ),
    (
        "vi",
        LangInfo::Info {
            code: "vi",
            name: "Vietnamese",
            name_local: "Tiếng Việt",
            bidi: false,
        },
    ),
    ("zh-cn", LangInfo::Fallback("zh-hans")),
    (
        "zh-hans",
        LangInfo::Info {
            code: "zh-hans",
            name: "Simplified Chinese",
            name_local: "简体中文",
            bidi: false,
        },
    ),
    (
        "zh-hant",
        LangInfo::Info {
            code: "zh-hant",
            name: "Traditional Chinese",
            name_local: "繁體中文",
            bidi: false,
        },
    ),
    ("zh-hk", LangInfo::Fallback("zh-hant")),
    ("zh-mo", LangInfo::Fallback("zh-hant")),
    ("zh-my", LangInfo::Fallback("zh-hans")),
    ("zh-sg", LangInfo::Fallback("zh-hans")),
    ("zh-tw", LangInfo::Fallback("zh-hant")),
];

/// Django's `global_settings.LANGUAGES`: code and English name.
pub(crate) const LANGUAGES: &[(&str, &str)] = &[
    ("af", "Afrikaans"),
    ("ar", "Arabic"),
    ("ar-dz", "Algerian Arabic"),
    ("ast", "Asturian"),
    ("az", "Azerbaijani"),
    ("bg", "Bulgarian"),
    ("be", "Belarusian"),
    ("bn", "Bengali"),
    ("br", "Breton"),
    ("bs", "Bosnian"),
    ("ca", "Catalan"),
    ("ckb", "Central Kurdish (Sorani)"),
    ("cs", "Czech"),
    ("cy", "Welsh"),
    ("da", "Danish"),
    ("de", "German"),
    ("dsb", "Lower Sorbian"),
    ("el", "Greek"),
    ("en", "English"),
    ("en-au", "Australian English"),
    ("en-gb", "British English"),
    ("eo", "Esperanto"),
    ("es", "Spanish"),
    ("es-ar", "Argentinian Spanish"),
    ("es-co", "Colombian Spanish"),
    ("es-mx", "Mexican Spanish"),
    ("es-ni", "Nicaraguan Spanish"),
    ("es-ve", "Venezuelan Spanish"),
    ("et", "Estonian"),
    ("eu", "Basque"),
    ("fa", "Persian"),
    ("fi", "Finnish"),
    ("fr", "French"),
    ("fy", "Frisian"),
    ("ga", "Irish"),
    ("gd", "Scottish Gaelic"),
    ("gl", "Galician"),
    ("he", "Hebrew"),
    ("hi", "Hindi"),
    ("hr", "Croatian"),
    ("hsb", "Upper Sorbian"),
    ("hu", "Hungarian"),
    ("hy", "Armenian"),
    ("ia", "Interlingua"),
    ("id", "Indonesian"),
    ("ig", "Igbo"),
    ("io", "Ido"),
    ("is", "Icelandic"),
    ("it", "Italian"),
    ("ja", "Japanese"),
    ("ka", "Georgian"),
    ("kab", "Kabyle"),
    ("kk", "Kazakh"),
    ("km", "Khmer"),
    ("kn", "Kannada"),
    ("ko", "Korean"),
    ("ky", "Kyrgyz"),
    ("lb", "Luxembourgish"),
    ("lt", "Lithuanian"),
    ("lv", "Latvian"),
    ("mk", "Macedonian"),
    ("ml", "Malayalam"),
    ("mn", "Mongolian"),
    ("mr", "Marathi"),
    ("ms", "Malay"),
    ("my", "Burmese"),
    ("nb", "Norwegian Bokmål"),
    ("ne", "Nepali"),
    ("nl", "Dutch"),
    ("nn", "Norwegian Nynorsk"),
    ("os", "Ossetic"),
    ("pa", "Punjabi"),
    ("pl", "Polish"),
    ("pt", "Portuguese"),
    ("pt-br", "Brazilian Portuguese"),
    ("ro", "Romanian"),
    ("ru", "Russian"),
    ("sk", "Slovak"),
    ("sl", "Slovenian"),
    ("sq", "Albanian"),
    ("sr", "Serbian"),
    ("sr-latn", "Serbian Latin"),
    ("sv", "Swedish"),
    ("sw", "Swahili"),
    ("ta", "Tamil"),
    ("te", "Telugu"),
    ("tg", "Tajik"),
    ("th", "Thai"),
    ("tk", "Turkmen"),
    ("tr", "Turkish"),
    ("tt", "Tatar"),
    ("udm", "Udmurt"),
    ("ug", "Uyghur"),
    ("uk", "Ukrainian"),
    ("ur", "Urdu"),
    ("uz", "Uzbek"),
    ("vi", "Vietnamese"),
    ("zh-hans", "Simplified Chinese"),
    ("zh-hant", "Traditional Chinese"),
];

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
