//! Translation catalogues and Django's `gettext` family (`trans_real`):
//! which catalogue files serve a language, in what order, and how a message,
//! a message with context and a plural message are looked up.
//!
//! The catalogues of an engine are found once, when the engine is built (the
//! `<path>/<locale>/LC_MESSAGES/django.mo` files under its `locale_paths`, or
//! `django.po` where there is no `.mo`: an extension, Django reads only `.mo`),
//! and each is read and parsed the first time a render needs it, then shared
//! by every render on every thread (a `OnceLock` per file: no lock once read).

mod catalog;
mod mo;
mod plural;
mod po;

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use platen_core::{Error, ErrorKind};

use crate::formats::to_locale;

use catalog::Catalog;

/// Django's `CONTEXT_SEPARATOR`, between a message's context and its id.
const CONTEXT_SEPARATOR: char = '\u{4}';

/// One `django.mo` (or `django.po`) file, read on first use.
struct Slot {
    path: PathBuf,
    /// The error's kind and detail when the file cannot be used.
    catalog: OnceLock<Result<Arc<Catalog>, (ErrorKind, String)>>,
}

impl Slot {
    fn new(path: PathBuf) -> Slot {
        Slot {
            path,
            catalog: OnceLock::new(),
        }
    }

    fn load(&self) -> Result<Arc<Catalog>, Error> {
        let loaded = self.catalog.get_or_init(|| {
            let shown = self.path.display();
            let bytes = std::fs::read(&self.path).map_err(|e| {
                (
                    ErrorKind::Io,
                    format!("translation catalogue {shown}: cannot read it: {e}"),
                )
            })?;
            if self.path.extension().is_some_and(|e| e == "po") {
                // `file:line:col: why`, as compilers and editors show a place in a file.
                po::parse(&bytes).map_err(|e| {
                    (
                        ErrorKind::SyntaxError,
                        format!("translation catalogue {shown}:{e}"),
                    )
                })
            } else {
                mo::parse(&bytes).map_err(|why| {
                    (
                        ErrorKind::Io,
                        format!("translation catalogue {shown}: {why}"),
                    )
                })
            }
            .map(Arc::new)
        });
        loaded.clone().map_err(|(kind, why)| Error::new(kind, why))
    }
}

/// The language a render translates into (Django's active translation).
#[derive(Debug, Clone, Default)]
pub(crate) enum Active {
    /// Nothing activated: the engine's `language_code`.
    #[default]
    Default,
    /// A language activated by the request or `{% language %}`, as given.
    Lang(Arc<str>),
    /// `{% language None %}`: Django's `deactivate_all()`, no translation.
    Off,
}

impl Active {
    /// The language a request asks for ([`platen_core::Request::language`]), else the default.
    pub(crate) fn from_request(request: Option<&platen_core::Request>) -> Active {
        match request.and_then(|r| r.language.as_deref()) {
            Some(l) if !l.is_empty() => Active::Lang(Arc::from(l)),
            _ => Active::Default,
        }
    }
}

/// What a filter needs to translate: the engine's catalogues and the active language.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Lang<'a> {
    /// The engine's translations.
    pub(crate) set: &'a Translations,
    /// The active language.
    pub(crate) active: &'a Active,
}

/// An engine's localisation settings and catalogues.
pub(crate) struct Translations {
    /// Django's `LANGUAGE_CODE`.
    pub(crate) language_code: Arc<str>,
    /// Django's `USE_I18N`.
    pub(crate) use_i18n: bool,
    /// How many locale paths there are.
    paths: usize,
    /// Locale directory name (`de`, `pt_BR`) -> its catalogue in each locale path that has one.
    files: HashMap<Box<str>, Vec<(usize, Slot)>>,
    /// Locale paths that could not be listed, with why: reported by
    /// [`Translations::check`] and by every lookup that needs a catalogue.
    unlisted: Vec<String>,
    /// The global format settings (`USE_THOUSAND_SEPARATOR`, `DATE_FORMAT`, ...).
    pub(crate) formats: crate::formats::FormatSettings,
    /// The format modules of `language_code`, found once.
    default_formats: crate::formats::LocaleModules,
}

impl std::fmt::Debug for Translations {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut locales: Vec<&str> = self.files.keys().map(|k| &**k).collect();
        locales.sort_unstable();
        f.debug_struct("Translations")
            .field("language_code", &self.language_code)
            .field("use_i18n", &self.use_i18n)
            .field("locales", &locales)
            .finish()
    }
}

impl Default for Translations {
    fn default() -> Translations {
        Translations {
            language_code: Arc::from("en-us"),
            use_i18n: true,
            paths: 0,
            files: HashMap::new(),
            unlisted: Vec::new(),
            formats: Default::default(),
            default_formats: crate::formats::Formats::modules(Some("en-us")),
        }
    }
}

/// Django's `to_language`: `pt_BR` -> `pt-br`.
pub(crate) fn to_language(locale: &str) -> String {
    match locale.split_once('_') {
        Some((l, c)) => format!("{}-{}", l.to_lowercase(), c.to_lowercase()),
        None => locale.to_lowercase(),
    }
}

/// Django's `LANGUAGES_BIDI`.
const LANGUAGES_BIDI: [&str; 6] = ["he", "ar", "ar-dz", "ckb", "fa", "ur"];

/// A message with `\r\n` and `\r` turned into `\n`, as Django's `gettext` looks it up.
fn normalize_eol(message: &str) -> Cow<'_, str> {
    if message.contains('\r') {
        Cow::Owned(message.replace("\r\n", "\n").replace('\r', "\n"))
    } else {
        Cow::Borrowed(message)
    }
}

impl Translations {
    /// The settings, with the catalogues found under `locale_paths`
    /// (searched in that order: the first path's translation wins). A path
    /// that cannot be listed is remembered: see [`Translations::listing_error`].
    pub(crate) fn new(
        language_code: &str,
        use_i18n: bool,
        locale_paths: &[PathBuf],
    ) -> Translations {
        let mut files: HashMap<Box<str>, Vec<(usize, Slot)>> = HashMap::new();
        let mut unlisted = Vec::new();
        for (i, dir) in locale_paths.iter().enumerate() {
            let entries = match std::fs::read_dir(dir) {
                Ok(entries) => entries,
                Err(e) => {
                    unlisted.push(format!(
                        "locale path {}: cannot list it: {e}",
                        dir.display()
                    ));
                    continue;
                }
            };
            for entry in entries.flatten() {
                let dir = entry.path().join("LC_MESSAGES");
                // The compiled catalogue wins, as Django reads only that one.
                let path = ["django.mo", "django.po"]
                    .into_iter()
                    .map(|f| dir.join(f))
                    .find(|p| p.is_file());
                if let (Some(name), Some(path)) = (entry.file_name().to_str(), path) {
                    files
                        .entry(Box::from(name))
                        .or_default()
                        .push((i, Slot::new(path)));
                }
            }
        }
        Translations {
            language_code: Arc::from(language_code),
            use_i18n,
            paths: locale_paths.len(),
            files,
            unlisted,
            formats: Default::default(),
            default_formats: crate::formats::Formats::modules(Some(language_code)),
        }
    }

    /// The first locale path that could not be listed, as an error.
    pub(crate) fn listing_error(&self) -> Option<Error> {
        self.unlisted
            .first()
            .map(|why| Error::new(ErrorKind::Io, why.clone()))
    }

    /// Whether any catalogue was found (or a path could not be looked at).
    pub(crate) fn has_catalogues(&self) -> bool {
        !self.files.is_empty() || !self.unlisted.is_empty()
    }

    /// Reports each locale path that could not be listed, then reads every
    /// catalogue, reporting each unreadable or corrupt one.
    pub(crate) fn check(&self) -> Vec<Error> {
        let unlisted = self
            .unlisted
            .iter()
            .map(|why| Error::new(ErrorKind::Io, why.clone()));
        unlisted
            .chain(
                self.files
                    .values()
                    .flatten()
                    .filter_map(|(_, slot)| slot.load().err()),
            )
            .collect()
    }

    /// The formats in force for the active language (Django's
    /// `get_format` with `get_language()`); with `use_l10n` off, the settings only.
    pub(crate) fn formats(&self, active: &Active, use_l10n: bool) -> crate::formats::Formats<'_> {
        if use_l10n && (!self.use_i18n || matches!(active, Active::Default)) {
            // The common case, without allocating.
            return crate::formats::Formats::with_modules(&self.formats, self.default_formats);
        }
        let language = if use_l10n { self.current(active) } else { None };
        crate::formats::Formats::new(&self.formats, language.as_deref(), use_l10n)
    }

    fn slot(&self, locale: &str, path: usize) -> Option<&Slot> {
        self.files
            .get(locale)?
            .iter()
            .find(|(i, _)| *i == path)
            .map(|(_, s)| s)
    }

    /// The catalogues of `language` in lookup order, in groups as Django
    /// chains them: the catalogues merged from every locale path (first path
    /// first), then the language-only fallbacks (`de` for `de_AT`) of the
    /// paths that also had the full locale, then the `language_code`
    /// translation's own groups (not for that language itself nor for any
    /// English variant).
    fn chain(&self, language: &str, out: &mut Vec<Vec<Arc<Catalog>>>) -> Result<(), Error> {
        if let Some(e) = self.listing_error() {
            return Err(e);
        }
        let locale = to_locale(language);
        let generic = locale.split('_').next().unwrap_or(&locale);
        let candidates: &[&str] = if generic == locale {
            &[&locale]
        } else {
            &[&locale, generic]
        };
        let mut merged = Vec::new();
        let mut fallbacks = Vec::new();
        // Django merges the paths last to first, each one taking precedence
        // over those merged before; a path's other files become fallbacks in
        // merge order.
        for path in (0..self.paths).rev() {
            let mut found = candidates.iter().filter_map(|c| self.slot(c, path));
            if let Some(first) = found.next() {
                merged.insert(0, first.load()?);
            }
            for rest in found {
                fallbacks.push(vec![rest.load()?]);
            }
        }
        out.push(merged);
        out.extend(fallbacks);
        if language != &*self.language_code && !language.starts_with("en") {
            self.chain(&self.language_code.clone(), out)?;
        }
        Ok(())
    }

    /// The language code `{% get_current_language %}` gives (Django's `get_language()`).
    pub(crate) fn current(&self, active: &Active) -> Option<String> {
        if !self.use_i18n {
            return Some(self.language_code.to_string());
        }
        match active {
            Active::Default => Some(self.language_code.to_string()),
            Active::Lang(l) => Some(to_language(l)),
            Active::Off => None,
        }
    }

    /// Django's `get_language_bidi()`.
    pub(crate) fn bidi(&self, active: &Active) -> bool {
        self.current(active)
            .is_some_and(|l| LANGUAGES_BIDI.contains(&l.split('-').next().unwrap_or("")))
    }

    /// The active language after Django's `translation.override(language)`
    /// (`None` deactivates; an empty code changes nothing).
    pub(crate) fn activate(&self, active: &Active, language: Option<&str>) -> Active {
        match language {
            _ if !self.use_i18n => active.clone(),
            None => Active::Off,
            Some("") => active.clone(),
            Some(l) => Active::Lang(Arc::from(l)),
        }
    }

    fn language<'a>(&'a self, active: &'a Active) -> Option<&'a str> {
        match active {
            Active::Default => Some(&self.language_code),
            Active::Lang(l) => Some(l),
            Active::Off => None,
        }
    }

    /// Django's `gettext(message)` in the active language.
    pub(crate) fn gettext<'m>(
        &self,
        active: &Active,
        message: &'m str,
    ) -> Result<Cow<'m, str>, Error> {
        if !self.use_i18n {
            return Ok(Cow::Borrowed(message));
        }
        let message = normalize_eol(message);
        if message.is_empty() || !self.has_catalogues() {
            return Ok(message);
        }
        let Some(language) = self.language(active) else {
            return Ok(message);
        };
        let mut groups = Vec::new();
        self.chain(language, &mut groups)?;
        for group in &groups {
            // Python's GNUTranslations: the singular entry, then form `plural(1)` of a plural entry.
            if let Some(t) = group.iter().find_map(|c| c.get(&message)) {
                return Ok(Cow::Owned(t.to_owned()));
            }
            if let Some(t) = group.iter().find_map(|c| c.get_plural(&message, 1.0)) {
                return Ok(Cow::Owned(t.to_owned()));
            }
        }
        Ok(message)
    }

    /// Django's `pgettext(context, message)`.
    pub(crate) fn pgettext<'m>(
        &self,
        active: &Active,
        context: &str,
        message: &'m str,
    ) -> Result<Cow<'m, str>, Error> {
        if !self.use_i18n || !self.has_catalogues() {
            return self.gettext(active, message);
        }
        let with_context = format!("{context}{CONTEXT_SEPARATOR}{message}");
        let result = self.gettext(active, &with_context)?;
        Ok(if result.contains(CONTEXT_SEPARATOR) {
            Cow::Borrowed(message)
        } else {
            Cow::Owned(result.into_owned())
        })
    }

    /// Django's `ngettext(singular, plural, n)`.
    pub(crate) fn ngettext<'m>(
        &self,
        active: &Active,
        singular: &'m str,
        plural: &'m str,
        n: f64,
    ) -> Result<Cow<'m, str>, Error> {
        if self.use_i18n
            && self.has_catalogues()
            && let Some(language) = self.language(active)
        {
            let mut groups = Vec::new();
            self.chain(language, &mut groups)?;
            if let Some(t) = groups
                .iter()
                .flatten()
                .find_map(|c| c.get_plural(singular, n))
            {
                return Ok(Cow::Owned(t.to_owned()));
            }
        }
        Ok(Cow::Borrowed(if n == 1.0 { singular } else { plural }))
    }

    /// Django's `npgettext(context, singular, plural, n)`.
    pub(crate) fn npgettext<'m>(
        &self,
        active: &Active,
        context: &str,
        singular: &'m str,
        plural: &'m str,
        n: f64,
    ) -> Result<Cow<'m, str>, Error> {
        if self.use_i18n && self.has_catalogues() {
            let s = format!("{context}{CONTEXT_SEPARATOR}{singular}");
            let p = format!("{context}{CONTEXT_SEPARATOR}{plural}");
            let result = self.ngettext(active, &s, &p, n)?;
            if !result.contains(CONTEXT_SEPARATOR) {
                return Ok(Cow::Owned(result.into_owned()));
            }
        }
        self.ngettext(active, singular, plural, n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn locale_names() {
        for (lang, locale) in [
            ("en-us", "en_US"),
            ("pt-br", "pt_BR"),
            ("sr-latn", "sr_Latn"),
            ("de", "de"),
            ("EN-US", "en_US"),
            ("zh-hans", "zh_Hans"),
            ("sr-latn-x", "sr_Latn-x"),
            ("DE", "de"),
            ("deu_AT", "deu_AT"),
        ] {
            assert_eq!(to_locale(lang), locale, "{lang}");
        }
        assert_eq!(to_language("pt_BR"), "pt-br");
        assert_eq!(to_language("de"), "de");
    }

    fn mo_path(dir: &Path, locale: &str) -> PathBuf {
        dir.join(locale).join("LC_MESSAGES").join("django.mo")
    }

    fn write(dir: &Path, locale: &str, entries: &[(&str, &str)]) {
        let p = mo_path(dir, locale);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, mo::tests::build(entries, false)).unwrap();
    }

    #[test]
    fn lookup_order_and_fallbacks() {
        let tmp = std::env::temp_dir().join(format!("platen-gettext-{}", std::process::id()));
        let (a, b) = (tmp.join("a"), tmp.join("b"));
        write(&a, "de", &[("Yes", "Ja (a)"), ("Only a", "Nur a")]);
        write(&b, "de", &[("Yes", "Ja (b)"), ("Only b", "Nur b")]);
        write(&b, "de_AT", &[("Only b", "Nur b (AT)")]);
        write(&a, "fr", &[("Yes", "Oui"), ("Only fr", "Seulement fr")]);
        std::fs::create_dir_all(a.join("xx/LC_MESSAGES")).unwrap();
        std::fs::write(mo_path(&a, "xx"), b"garbage").unwrap();
        let t = Translations::new("fr", true, &[a.clone(), b.clone()]);
        let de = Active::Lang(Arc::from("de"));
        let at = Active::Lang(Arc::from("de-at"));
        let g = |active: &Active, m: &str| t.gettext(active, m).unwrap().into_owned();
        assert_eq!(g(&de, "Yes"), "Ja (a)");
        assert_eq!(g(&de, "Only b"), "Nur b");
        // de_AT from b and de from a are merged at the same level; b's de is a fallback.
        assert_eq!(g(&at, "Only b"), "Nur b (AT)");
        assert_eq!(g(&at, "Yes"), "Ja (a)");
        // Then the language_code's translation, then the message itself.
        assert_eq!(g(&de, "Only fr"), "Seulement fr");
        assert_eq!(g(&Active::Lang(Arc::from("en")), "Only fr"), "Only fr");
        assert_eq!(g(&Active::Off, "Yes"), "Yes");
        assert_eq!(g(&Active::Default, "Yes"), "Oui");
        assert_eq!(t.pgettext(&de, "ctx", "Yes").unwrap(), "Yes");
        let err = t
            .gettext(&Active::Lang(Arc::from("xx")), "Yes")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(&mo_path(&a, "xx").display().to_string()),
            "{err}"
        );
        assert_eq!(t.check().len(), 1);
        assert_eq!(t.current(&at).as_deref(), Some("de-at"));
        let missing = Translations::new("en", true, &[tmp.join("missing")]);
        let err = missing.listing_error().unwrap().to_string();
        assert!(
            err.contains(&tmp.join("missing").display().to_string()),
            "{err}"
        );
        assert!(missing.gettext(&de, "Yes").is_err());
        assert_eq!(missing.check().len(), 1);
        let _ = std::fs::remove_dir_all(&tmp);
    }
}
