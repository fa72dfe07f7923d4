//! GNU gettext's compiled catalogue format (`.mo`), read as Python's
//! `gettext.GNUTranslations` reads it.

use std::collections::HashMap;

use super::catalog::{Catalog, Header};

const MAGIC_LE: u32 = 0x9504_12de;

fn read_u32(data: &[u8], at: usize, le: bool) -> Result<u32, String> {
    let b: [u8; 4] = data
        .get(at..at.checked_add(4).ok_or("offset overflows")?)
        .and_then(|s| s.try_into().ok())
        .ok_or_else(|| format!("truncated file (needed 4 bytes at offset {at})"))?;
    Ok(if le {
        u32::from_le_bytes(b)
    } else {
        u32::from_be_bytes(b)
    })
}

/// The bytes of the string whose (length, offset) descriptor is at `at`.
fn string_at(data: &[u8], at: usize, le: bool) -> Result<&[u8], String> {
    let len = read_u32(data, at, le)? as usize;
    let off = read_u32(data, at + 4, le)? as usize;
    off.checked_add(len)
        .and_then(|end| data.get(off..end))
        .ok_or_else(|| {
            format!("string at offset {off} (length {len}) runs past the end of the file")
        })
}

#[derive(Clone, Copy)]
enum Charset {
    Utf8,
    Latin1,
}

impl Charset {
    fn decode(self, b: &[u8]) -> Result<Box<str>, String> {
        match self {
            Charset::Utf8 => std::str::from_utf8(b)
                .map(Box::from)
                .map_err(|e| format!("text is not valid UTF-8: {e}")),
            Charset::Latin1 => Ok(b
                .iter()
                .map(|&c| char::from(c))
                .collect::<String>()
                .into_boxed_str()),
        }
    }
}

/// Parses a `.mo` file's bytes; the error says what is wrong (the caller adds the path).
pub(crate) fn parse(data: &[u8]) -> Result<Catalog, String> {
    let le = match data
        .get(..4)
        .map(|m| u32::from_le_bytes([m[0], m[1], m[2], m[3]]))
    {
        Some(MAGIC_LE) => true,
        Some(m) if m.swap_bytes() == MAGIC_LE => false,
        _ => return Err("not a .mo file (bad magic number)".into()),
    };
    let version = read_u32(data, 4, le)?;
    if version >> 16 > 1 {
        return Err(format!("bad version number {}", version >> 16));
    }
    let count = read_u32(data, 8, le)? as usize;
    let originals = read_u32(data, 12, le)? as usize;
    let translations = read_u32(data, 16, le)? as usize;
    // The strings' bytes, undecoded, so that the header's charset can apply to all.
    let mut raw = Vec::with_capacity(count.min(data.len() / 16));
    for i in 0..count {
        let at = |table: usize| {
            i.checked_mul(8)
                .and_then(|o| o.checked_add(table))
                .ok_or("table offset overflows")
        };
        raw.push((
            string_at(data, at(originals)?, le)?,
            string_at(data, at(translations)?, le)?,
        ));
    }
    let (charset, plural) = match raw.iter().find(|(m, _)| m.is_empty()) {
        Some((_, header)) => {
            let header = Header::parse(&String::from_utf8_lossy(header))?;
            let charset = match header.charset.as_deref() {
                _ if header.is_utf8() => Charset::Utf8,
                Some("iso-8859-1" | "latin-1" | "latin1") => Charset::Latin1,
                other => {
                    return Err(format!(
                        "unsupported charset `{}` (use UTF-8)",
                        other.unwrap_or_default()
                    ));
                }
            };
            (charset, header.plural)
        }
        None => (Charset::Utf8, super::plural::germanic()),
    };
    let mut messages = HashMap::with_capacity(raw.len());
    let mut plurals = HashMap::new();
    for (msg, tmsg) in raw {
        if msg.is_empty() {
            continue;
        }
        match memchr::memchr(0, msg) {
            Some(nul) => {
                let forms = tmsg
                    .split(|&b| b == 0)
                    .map(|f| charset.decode(f))
                    .collect::<Result<Vec<_>, _>>()?;
                plurals.insert(charset.decode(&msg[..nul])?, forms);
            }
            None => {
                messages.insert(charset.decode(msg)?, charset.decode(tmsg)?);
            }
        }
    }
    Ok(Catalog::new(messages, plurals, plural))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A `.mo` file holding `entries` (msgid, msgstr; plural entries use NULs).
    pub(crate) fn build(entries: &[(&str, &str)], big_endian: bool) -> Vec<u8> {
        let mut entries: Vec<(&str, &str)> = entries.to_vec();
        entries.sort();
        let n = entries.len();
        let u = |v: usize| {
            if big_endian {
                (v as u32).to_be_bytes()
            } else {
                (v as u32).to_le_bytes()
            }
        };
        let mut out = Vec::new();
        out.extend(u(0x9504_12de));
        out.extend(u(0));
        out.extend(u(n));
        out.extend(u(28));
        out.extend(u(28 + 8 * n));
        out.extend(u(0));
        out.extend(u(0));
        let mut strings = Vec::new();
        let base = 28 + 16 * n;
        let mut tables = [Vec::new(), Vec::new()];
        for (i, table) in tables.iter_mut().enumerate() {
            for e in &entries {
                let s = if i == 0 { e.0 } else { e.1 };
                table.extend(u(s.len()));
                table.extend(u(base + strings.len()));
                strings.extend(s.as_bytes());
                strings.push(0);
            }
        }
        out.extend(&tables[0]);
        out.extend(&tables[1]);
        out.extend(strings);
        out
    }

    #[test]
    fn reads_both_byte_orders_and_plurals() {
        let entries = [
            (
                "",
                "Content-Type: text/plain; charset=UTF-8\nPlural-Forms: nplurals=3; plural=(n==1 ? 0 : n==2 ? 1 : 2);\n",
            ),
            ("Hello", "Hallo"),
            ("ctx\u{4}May", "Mai"),
            (
                "%(n)s cat\0%(n)s cats",
                "%(n)s Katze\0%(n)s Katzen2\0%(n)s Katzen",
            ),
        ];
        for be in [false, true] {
            let c = parse(&build(&entries, be)).unwrap();
            assert_eq!(c.get("Hello"), Some("Hallo"));
            assert_eq!(c.get("ctx\u{4}May"), Some("Mai"));
            assert_eq!(c.get(""), None);
            assert_eq!(c.get_plural("%(n)s cat", 1.0), Some("%(n)s Katze"));
            assert_eq!(c.get_plural("%(n)s cat", 2.0), Some("%(n)s Katzen2"));
            assert_eq!(c.get_plural("%(n)s cat", 7.0), Some("%(n)s Katzen"));
        }
    }

    #[test]
    fn corrupt_files_are_errors() {
        assert!(parse(b"").is_err());
        assert!(parse(b"not a catalogue at all").is_err());
        let good = build(&[("a", "b")], false);
        for cut in [10, 30, good.len() - 3] {
            assert!(parse(&good[..cut]).is_err(), "cut at {cut}");
        }
        let mut huge = good.clone();
        huge[8..12].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(parse(&huge).is_err());
        let bad_plural = build(&[("", "Plural-Forms: nplurals=2; plural=n ?;\n")], false);
        assert!(parse(&bad_plural).unwrap_err().contains("plural"));
        let bad_utf8 = build(&[("a", "\u{e9}")], false);
        let mut bad_utf8 = bad_utf8;
        let last = bad_utf8.len() - 2;
        bad_utf8[last] = 0xff;
        assert!(parse(&bad_utf8).unwrap_err().contains("UTF-8"));
    }
}
