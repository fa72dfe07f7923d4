//! One catalogue's messages in memory, whichever file format they came from
//! (`.mo` or `.po`), and the header fields both formats share.

use std::collections::HashMap;

use super::plural::{Plural, germanic};

/// One catalogue file's messages.
#[derive(Debug)]
pub(crate) struct Catalog {
    /// msgid (with `context\x04` in front when it has a context) -> translation.
    messages: HashMap<Box<str>, Box<str>>,
    /// Singular msgid of a plural entry -> its forms.
    plurals: HashMap<Box<str>, Vec<Box<str>>>,
    /// The `Plural-Forms` rule.
    plural: Plural,
}

impl Catalog {
    /// A catalogue of `messages` and `plurals` (keys as [`Catalog::get`] and
    /// [`Catalog::get_plural`] look them up) choosing forms by `plural`.
    pub(crate) fn new(
        messages: HashMap<Box<str>, Box<str>>,
        plurals: HashMap<Box<str>, Vec<Box<str>>>,
        plural: Plural,
    ) -> Catalog {
        Catalog {
            messages,
            plurals,
            plural,
        }
    }

    /// The translation of `msgid`, as a singular entry.
    pub(crate) fn get(&self, msgid: &str) -> Option<&str> {
        self.messages.get(msgid).map(|s| &**s)
    }

    /// Form `plural(n)` of the plural entry `msgid`.
    pub(crate) fn get_plural(&self, msgid: &str, n: f64) -> Option<&str> {
        let forms = self.plurals.get(msgid)?;
        let i = usize::try_from(self.plural.index(n)).ok()?;
        forms.get(i).map(|s| &**s)
    }

    /// Whether both hold the same messages and plural entries (the rules aside).
    #[cfg(test)]
    pub(crate) fn same_messages(&self, other: &Catalog) -> bool {
        self.messages == other.messages && self.plurals == other.plurals
    }
}

/// What a catalogue's header entry (the translation of `msgid ""`) says.
pub(crate) struct Header {
    /// The `Content-Type` charset, lower-cased, when given.
    pub(crate) charset: Option<String>,
    /// The `Plural-Forms` rule (Germanic `n != 1` when absent).
    pub(crate) plural: Plural,
}

impl Header {
    /// Reads the `Content-Type` charset and the `Plural-Forms` rule of a header.
    pub(crate) fn parse(header: &str) -> Result<Header, String> {
        let mut out = Header {
            charset: None,
            plural: germanic(),
        };
        for line in header.lines() {
            let Some((key, value)) = line.split_once(':') else {
                continue;
            };
            match key.trim().to_ascii_lowercase().as_str() {
                "content-type" => {
                    if let Some((_, cs)) = value.split_once("charset=") {
                        out.charset = Some(cs.trim().to_ascii_lowercase());
                    }
                }
                "plural-forms" => out.plural = Plural::from_header(value.trim())?,
                _ => {}
            }
        }
        Ok(out)
    }

    /// Whether the charset is UTF-8 or a subset of it (ASCII, or the
    /// `CHARSET` placeholder of a fresh template, which `msgfmt` takes as ASCII).
    pub(crate) fn is_utf8(&self) -> bool {
        self.charset
            .as_deref()
            .is_none_or(|cs| matches!(cs, "utf-8" | "utf8" | "ascii" | "us-ascii" | "charset"))
    }
}
