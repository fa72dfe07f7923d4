//! GNU gettext's source catalogue format (`.po`), read into the catalogue
//! `msgfmt` would compile from it: fuzzy entries (all but the header),
//! untranslated entries (an empty first `msgstr`) and obsolete `#~` entries
//! are left out. Anything `msgfmt` rejects as a syntax error is an error
//! naming the line and column.

use std::collections::HashMap;
use std::fmt;
use std::iter::Peekable;

use super::CONTEXT_SEPARATOR;
use super::catalog::{Catalog, Header};

/// What is wrong with a `.po` file, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PoError {
    /// 1-based line.
    pub(crate) line: u32,
    /// 1-based column, in characters.
    pub(crate) col: u32,
    /// What is wrong.
    pub(crate) message: String,
}

impl fmt::Display for PoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.col, self.message)
    }
}

/// A place in the file.
#[derive(Debug, Clone, Copy)]
struct Pos {
    line: u32,
    col: u32,
}

impl Pos {
    fn error(self, message: impl Into<String>) -> PoError {
        PoError {
            line: self.line,
            col: self.col,
            message: message.into(),
        }
    }
}

/// A keyword that starts or continues an entry.
#[derive(Debug, Clone, Copy)]
enum Keyword {
    Context,
    Id,
    IdPlural,
    /// `msgstr`.
    Str,
    /// `msgstr[N]`.
    StrN(usize),
}

/// The string a keyword's strings (and the continuation lines after it) append to.
#[derive(Debug, Clone, Copy)]
enum Field {
    Context,
    Id,
    IdPlural,
    Str(usize),
}

/// One entry as read so far. Texts are bytes until the entry ends, because
/// octal and hex escapes may spell a UTF-8 sequence one byte at a time.
struct Entry {
    /// Where its first keyword is.
    pos: Pos,
    /// Marked `#, fuzzy`.
    fuzzy: bool,
    context: Option<Vec<u8>>,
    id: Option<Vec<u8>>,
    id_plural: Option<Vec<u8>>,
    /// `msgstr`, or `msgstr[0]`, `msgstr[1]`, ...
    strs: Vec<Vec<u8>>,
}

impl Entry {
    fn new(pos: Pos, fuzzy: bool) -> Entry {
        Entry {
            pos,
            fuzzy,
            context: None,
            id: None,
            id_plural: None,
            strs: Vec::new(),
        }
    }

    /// Whether it has its translation, so the next keyword starts a new entry.
    fn complete(&self) -> bool {
        !self.strs.is_empty()
    }

    fn buffer(&mut self, field: Field) -> &mut Vec<u8> {
        match field {
            Field::Context => self.context.get_or_insert_default(),
            Field::Id => self.id.get_or_insert_default(),
            Field::IdPlural => self.id_plural.get_or_insert_default(),
            Field::Str(i) => {
                if self.strs.len() <= i {
                    self.strs.resize_with(i + 1, Vec::new);
                }
                &mut self.strs[i]
            }
        }
    }
}

/// Parses a `.po` file's bytes into the catalogue `msgfmt` would make of it.
pub(crate) fn parse(data: &[u8]) -> Result<Catalog, PoError> {
    let text = match std::str::from_utf8(data) {
        Ok(text) => text,
        Err(e) => {
            let before = &data[..e.valid_up_to()];
            let line = before.iter().filter(|&&b| b == b'\n').count() as u32 + 1;
            let line_start = before
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |i| i + 1);
            // Valid up to the error, so this decodes.
            let col = std::str::from_utf8(&before[line_start..])
                .map_or(1, |s| s.chars().count() as u32 + 1);
            return Err(Pos { line, col }.error("the file is not valid UTF-8 (a .po file must be UTF-8: convert it with `msgconv --to-code=UTF-8`)"));
        }
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = Reader::default();
    for (i, line) in text.split('\n').enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        reader.line(u32::try_from(i + 1).unwrap_or(u32::MAX), line)?;
    }
    reader.finish()
}

/// The state of a read, line by line: the entry being read, and what the
/// finished entries made.
#[derive(Default)]
struct Reader {
    entry: Option<Entry>,
    /// Where continuation strings go (none after a comment or at the start).
    field: Option<Field>,
    /// A `#, fuzzy` seen since the last entry began.
    fuzzy: bool,
    /// Each message key (context and id) read, with its line: duplicates are errors.
    seen: HashMap<String, u32>,
    header: Option<(String, Pos)>,
    messages: HashMap<Box<str>, Box<str>>,
    plurals: HashMap<Box<str>, Vec<Box<str>>>,
}

/// The column (1-based, in characters) of byte `at` of `line`.
fn col(line: &str, at: usize) -> u32 {
    u32::try_from(line[..at].chars().count() + 1).unwrap_or(u32::MAX)
}

impl Reader {
    fn line(&mut self, n: u32, line: &str) -> Result<(), PoError> {
        let start = line.len() - line.trim_start().len();
        let rest = &line[start..];
        let pos = Pos {
            line: n,
            col: col(line, start),
        };
        if rest.is_empty() {
            return Ok(());
        }
        if let Some(comment) = rest.strip_prefix('#') {
            // Comments never hold strings that continue a field.
            self.field = None;
            if comment.starts_with('~') {
                // Obsolete entries (`#~ msgid ...`) are left out, flags and all.
                self.fuzzy = false;
            } else if let Some(flags) = comment.strip_prefix(',')
                && flags.split(',').any(|f| f.trim() == "fuzzy")
            {
                self.fuzzy = true;
            }
            return Ok(());
        }
        if rest.starts_with('"') {
            let Some(field) = self.field else {
                return Err(pos.error("a string with no keyword before it (after a comment, strings need their keyword again)"));
            };
            self.strings(n, line, start, field)?;
            return Ok(());
        }
        let word_len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        let word = &rest[..word_len];
        let mut after = start + word_len;
        let field = match word {
            "msgctxt" => self.start(pos, Keyword::Context)?,
            "msgid" => self.start(pos, Keyword::Id)?,
            "msgid_plural" => self.start(pos, Keyword::IdPlural)?,
            "msgstr" => {
                let tail = &line[after..];
                let bracket = after + (tail.len() - tail.trim_start().len());
                match line[bracket..].strip_prefix('[') {
                    Some(inside) => {
                        let close = inside.find(']').ok_or_else(|| pos.error("`msgstr[` without its closing `]`"))?;
                        let index = inside[..close].trim();
                        let index = index.parse::<usize>().map_err(|_| {
                            Pos { line: n, col: col(line, bracket + 1) }
                                .error(format!("`msgstr[{index}]`: the form number must be a number"))
                        })?;
                        after = bracket + 1 + close + 1;
                        self.start(pos, Keyword::StrN(index))?
                    }
                    None => self.start(pos, Keyword::Str)?,
                }
            }
            "domain" => return Err(pos.error("`domain` directives are not supported (use one file per domain)")),
            "" => return Err(pos.error(format!("unexpected `{}`: expected a keyword (`msgid`, `msgstr`, ...), a string or a comment", rest.chars().next().unwrap_or(' ')))),
            _ => return Err(pos.error(format!("unknown keyword `{word}` (expected `msgctxt`, `msgid`, `msgid_plural`, `msgstr` or `msgstr[N]`)"))),
        };
        self.field = Some(field);
        if self.strings(n, line, after, field)? == 0 {
            let keyword = match field {
                Field::Str(i) if self.is_plural() => format!("msgstr[{i}]"),
                _ => word.to_owned(),
            };
            return Err(Pos {
                line: n,
                col: col(line, after),
            }
            .error(format!(
                "expected a string in double quotes after `{keyword}`"
            )));
        }
        Ok(())
    }

    fn is_plural(&self) -> bool {
        self.entry.as_ref().is_some_and(|e| e.id_plural.is_some())
    }

    /// Handles a keyword: starts an entry or adds to the current one; the
    /// field its strings go to.
    fn start(&mut self, pos: Pos, keyword: Keyword) -> Result<Field, PoError> {
        let fresh = matches!(keyword, Keyword::Context | Keyword::Id)
            && self.entry.as_ref().is_none_or(Entry::complete);
        if fresh {
            if let Some(done) = self.entry.take() {
                self.store(done)?;
            }
            self.entry = Some(Entry::new(pos, std::mem::take(&mut self.fuzzy)));
        }
        let Some(entry) = self.entry.as_mut() else {
            return Err(pos.error("a `msgid_plural` or `msgstr` with no `msgid` before it"));
        };
        let open = entry.pos.line;
        match keyword {
            Keyword::Context if !fresh => Err(pos.error(format!(
                "`msgctxt` inside the entry of line {open}, which has no `msgstr` yet"
            ))),
            Keyword::Id if !fresh && entry.id.is_some() => {
                Err(pos.error(format!("the entry of line {open} has no `msgstr`")))
            }
            Keyword::Context => {
                entry.context = Some(Vec::new());
                Ok(Field::Context)
            }
            Keyword::Id => {
                entry.id = Some(Vec::new());
                Ok(Field::Id)
            }
            _ if entry.id.is_none() => {
                Err(pos.error("a `msgid_plural` or `msgstr` with no `msgid` before it"))
            }
            Keyword::IdPlural if entry.complete() => {
                Err(pos.error("`msgid_plural` after `msgstr`: it goes right after `msgid`"))
            }
            Keyword::IdPlural if entry.id_plural.is_some() => {
                Err(pos.error("a second `msgid_plural` in one entry"))
            }
            Keyword::IdPlural => {
                entry.id_plural = Some(Vec::new());
                Ok(Field::IdPlural)
            }
            Keyword::Str if entry.id_plural.is_some() => Err(pos.error(
                "an entry with `msgid_plural` needs `msgstr[0]`, `msgstr[1]`, ...: found `msgstr`",
            )),
            Keyword::Str if entry.complete() => Err(pos.error("a second `msgstr` in one entry")),
            Keyword::StrN(i) if entry.id_plural.is_none() => Err(pos.error(format!(
                "`msgstr[{i}]` in an entry without `msgid_plural` (use `msgstr`)"
            ))),
            Keyword::StrN(i) if i != entry.strs.len() => Err(pos.error(format!(
                "`msgstr[{i}]` out of order: expected `msgstr[{}]`",
                entry.strs.len()
            ))),
            Keyword::Str | Keyword::StrN(_) => {
                entry.strs.push(Vec::new());
                Ok(Field::Str(entry.strs.len() - 1))
            }
        }
    }

    /// Reads the strings of `line` from byte `at` into `field`: how many.
    fn strings(&mut self, n: u32, line: &str, at: usize, field: Field) -> Result<usize, PoError> {
        let Some(entry) = self.entry.as_mut() else {
            return Ok(0);
        };
        let out = entry.buffer(field);
        let mut chars = line[at..]
            .char_indices()
            .map(|(i, c)| (at + i, c))
            .peekable();
        let mut count = 0;
        while let Some((i, c)) = chars.next() {
            match c {
                c if c.is_whitespace() => {}
                '"' => {
                    string(&mut chars, out).map_err(|(at, why)| {
                        Pos {
                            line: n,
                            col: col(line, at.unwrap_or(i)),
                        }
                        .error(why)
                    })?;
                    count += 1;
                }
                // A comment to the end of the line, as `msgfmt` allows.
                '#' => break,
                _ => {
                    return Err(Pos {
                        line: n,
                        col: col(line, i),
                    }
                    .error("unexpected text after a string (each string is in double quotes)"));
                }
            }
        }
        Ok(count)
    }

    /// Puts a finished entry in the catalogue, as `msgfmt` writes entries out.
    fn store(&mut self, entry: Entry) -> Result<(), PoError> {
        let pos = entry.pos;
        let text = |bytes: Vec<u8>| {
            String::from_utf8(bytes).map_err(|_| {
                pos.error("the entry's text is not valid UTF-8 (check its octal or hex escapes)")
            })
        };
        let id = text(entry.id.unwrap_or_default())?;
        let key = match entry.context {
            Some(context) => format!("{}{CONTEXT_SEPARATOR}{id}", text(context)?),
            None => id.clone(),
        };
        if let Some(first) = self.seen.insert(key.clone(), pos.line) {
            return Err(pos.error(format!(
                "duplicate message definition (first defined at line {first})"
            )));
        }
        let strs = entry
            .strs
            .into_iter()
            .map(text)
            .collect::<Result<Vec<_>, _>>()?;
        // `msgfmt` leaves out entries whose first form is empty, and fuzzy
        // ones, except a fuzzy header.
        if strs.first().is_none_or(String::is_empty) || (entry.fuzzy && !id.is_empty()) {
            return Ok(());
        }
        if key.is_empty() {
            self.header = strs.into_iter().next().map(|h| (h, pos));
        } else if entry.id_plural.is_some() {
            self.plurals
                .insert(key.into(), strs.into_iter().map(Box::from).collect());
        } else {
            self.messages.insert(
                key.into(),
                strs.into_iter().next().unwrap_or_default().into(),
            );
        }
        Ok(())
    }

    fn finish(mut self) -> Result<Catalog, PoError> {
        if let Some(entry) = self.entry.take() {
            if !entry.complete() {
                let what = if entry.id.is_none() {
                    "`msgctxt` with no `msgid` after it"
                } else {
                    "the entry has no `msgstr`"
                };
                return Err(entry.pos.error(format!("{what} (the file ends first)")));
            }
            self.store(entry)?;
        }
        let header = match &self.header {
            Some((text, pos)) => {
                let header = Header::parse(text)
                    .map_err(|why| pos.error(format!("in the header entry: {why}")))?;
                if !header.is_utf8() {
                    let charset = header.charset.unwrap_or_default();
                    return Err(pos.error(format!(
                        "the header gives charset `{charset}`: a .po file must be UTF-8 (convert it with `msgconv --to-code=UTF-8`)"
                    )));
                }
                header.plural
            }
            None => super::plural::germanic(),
        };
        Ok(Catalog::new(self.messages, self.plurals, header))
    }
}

/// Reads one string's text after its opening quote, to its closing quote,
/// decoding C escapes. The error has the byte of the bad escape, if any.
fn string(
    chars: &mut Peekable<impl Iterator<Item = (usize, char)>>,
    out: &mut Vec<u8>,
) -> Result<(), (Option<usize>, String)> {
    let unterminated = || {
        (
            None,
            "unterminated string: it must end with `\"` on the same line".to_owned(),
        )
    };
    loop {
        let Some((_, c)) = chars.next() else {
            return Err(unterminated());
        };
        match c {
            '"' => return Ok(()),
            '\\' => {
                let Some((at, e)) = chars.next() else {
                    return Err(unterminated());
                };
                let byte = match e {
                    'n' => b'\n',
                    't' => b'\t',
                    'r' => b'\r',
                    'b' => 0x08,
                    'f' => 0x0c,
                    'v' => 0x0b,
                    'a' => 0x07,
                    '\\' | '"' | '\'' | '?' => e as u8,
                    '0'..='7' => {
                        let mut value = e.to_digit(8).unwrap_or(0);
                        for _ in 0..2 {
                            match chars.peek().and_then(|(_, d)| d.to_digit(8)) {
                                Some(d) => {
                                    value = value * 8 + d;
                                    chars.next();
                                }
                                None => break,
                            }
                        }
                        u8::try_from(value).map_err(|_| {
                            (
                                Some(at - 1),
                                format!("octal escape `\\{value:o}` is over 255"),
                            )
                        })?
                    }
                    'x' => {
                        let mut value = None;
                        for _ in 0..2 {
                            match chars.peek().and_then(|(_, d)| d.to_digit(16)) {
                                Some(d) => {
                                    value = Some(value.unwrap_or(0) * 16 + d);
                                    chars.next();
                                }
                                None => break,
                            }
                        }
                        let value = value.ok_or((
                            Some(at - 1),
                            "`\\x` needs one or two hex digits after it".to_owned(),
                        ))?;
                        // At most two hex digits: at most 255.
                        value as u8
                    }
                    other => {
                        return Err((Some(at - 1), format!("invalid escape sequence `\\{other}`")));
                    }
                };
                out.push(byte);
            }
            c => out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(src: &str) -> Catalog {
        parse(src.as_bytes()).unwrap_or_else(|e| panic!("{e}\n{src}"))
    }

    fn err(src: &str) -> PoError {
        match parse(src.as_bytes()) {
            Ok(_) => panic!("parsed:\n{src}"),
            Err(e) => e,
        }
    }

    const HEADER: &str =
        "msgid \"\"\nmsgstr \"\"\n\"Content-Type: text/plain; charset=UTF-8\\n\"\n";

    #[test]
    fn singular_context_and_plural_entries() {
        let c = ok(&format!(
            "{HEADER}\"Plural-Forms: nplurals=3; plural=(n==1 ? 0 : n==2 ? 1 : 2);\\n\"\n\n\
             # translator comment\n#: file.html:3\nmsgid \"Hello\"\nmsgstr \"Hallo\"\n\n\
             msgctxt \"month\"\nmsgid \"May\"\nmsgstr \"Mai\"\n\n\
             msgid \"%(n)s cat\"\nmsgid_plural \"%(n)s cats\"\nmsgstr[0] \"eine\"\nmsgstr[1] \"zwei\"\nmsgstr[2] \"viele\"\n\
             msgctxt \"c\"\nmsgid \"x\"\nmsgid_plural \"xs\"\nmsgstr [0] \"x0\"\nmsgstr [1] \"x1\"\nmsgstr [2] \"x2\"\n"
        ));
        assert_eq!(c.get("Hello"), Some("Hallo"));
        assert_eq!(c.get("May"), None);
        assert_eq!(c.get("month\u{4}May"), Some("Mai"));
        assert_eq!(c.get(""), None, "the header is no message");
        assert_eq!(c.get_plural("%(n)s cat", 1.0), Some("eine"));
        assert_eq!(c.get_plural("%(n)s cat", 2.0), Some("zwei"));
        assert_eq!(c.get_plural("%(n)s cat", 5.0), Some("viele"));
        assert_eq!(c.get_plural("c\u{4}x", 2.0), Some("x1"));
        assert_eq!(c.get("%(n)s cat"), None);
    }

    #[test]
    fn continuation_lines_and_escapes() {
        let c = ok(
            "msgid \"\"\n\"Long \"\n  \"message\"\nmsgstr \"\"\n\"Lange \" \"Nachricht\"\n\t\"!\"\r\n\n\
                    msgid \"esc\"\nmsgstr \"a\\nb\\tc\\\"d\\\\e\\101\\x42\\x4a\\0z\\r\\a\\b\\f\\v\\?\\'\"\n\
                    msgid \"bytes\"\nmsgstr \"\\303\\244 \\xc3\\xa4 ä\"\n\
                    msgid\"tight\"\nmsgstr\"eng\"\n",
        );
        assert_eq!(c.get("Long message"), Some("Lange Nachricht!"));
        assert_eq!(
            c.get("esc"),
            Some("a\nb\tc\"d\\eABJ\0z\r\x07\x08\x0c\x0b?'")
        );
        assert_eq!(c.get("bytes"), Some("ä ä ä"));
        assert_eq!(c.get("tight"), Some("eng"));
        assert_eq!(
            ok("msgid \"a\" # note\nmsgstr \"b\"  # note\n\"c\"\n").get("a"),
            Some("bc")
        );
    }

    #[test]
    fn fuzzy_untranslated_and_obsolete_entries_are_left_out() {
        let c = ok(&format!(
            "# fuzzy header: still read, as msgfmt does\n#, fuzzy\n{HEADER}\"Plural-Forms: nplurals=1; plural=0;\\n\"\n\n\
             #, fuzzy, python-format\nmsgid \"Fuzzy\"\nmsgstr \"Unscharf\"\n\n\
             #, python-format\nmsgid \"Kept\"\nmsgstr \"Behalten\"\n\n\
             msgid \"Empty\"\nmsgstr \"\"\n\n\
             msgid \"Half\"\nmsgid_plural \"Halves\"\nmsgstr[0] \"\"\nmsgstr[1] \"Hälften\"\n\n\
             #, fuzzy\n#~ msgid \"Old\"\n#~ msgstr \"Alt\"\n\n\
             msgid \"After obsolete\"\nmsgstr \"Nicht unscharf\"\n"
        ));
        assert_eq!(c.get("Fuzzy"), None);
        assert_eq!(c.get("Kept"), Some("Behalten"));
        assert_eq!(c.get("Empty"), None);
        assert_eq!(c.get_plural("Half", 2.0), None);
        assert_eq!(c.get("Old"), None);
        // The fuzzy flag belonged to the obsolete entry.
        assert_eq!(c.get("After obsolete"), Some("Nicht unscharf"));
        // nplurals=1 from the fuzzy header.
        let p = ok(&format!(
            "#, fuzzy\n{HEADER}\"Plural-Forms: nplurals=1; plural=0;\\n\"\nmsgid \"a\"\nmsgid_plural \"b\"\nmsgstr[0] \"x\"\n"
        ));
        assert_eq!(p.get_plural("a", 5.0), Some("x"));
    }

    #[test]
    fn the_header_sets_plural_forms_and_charset() {
        let c = ok("msgid \"a\"\nmsgid_plural \"b\"\nmsgstr[0] \"one\"\nmsgstr[1] \"other\"\n");
        assert_eq!(
            c.get_plural("a", 0.0),
            Some("other"),
            "n != 1 without a header"
        );
        let fr = ok(&format!(
            "{HEADER}\"Plural-Forms: nplurals=2; plural=(n > 1);\\n\"\nmsgid \"a\"\nmsgid_plural \"b\"\nmsgstr[0] \"one\"\nmsgstr[1] \"other\"\n"
        ));
        assert_eq!(fr.get_plural("a", 0.0), Some("one"));
        let template = ok(
            "msgid \"\"\nmsgstr \"Content-Type: text/plain; charset=CHARSET\\n\"\nmsgid \"a\"\nmsgstr \"b\"\n",
        );
        assert_eq!(template.get("a"), Some("b"));
        let e = err("\n\nmsgid \"\"\nmsgstr \"Content-Type: text/plain; charset=ISO-8859-1\\n\"\n");
        assert_eq!((e.line, e.col), (3, 1));
        assert!(
            e.message.contains("iso-8859-1") && e.message.contains("UTF-8"),
            "{e}"
        );
        let e = err("msgid \"\"\nmsgstr \"Plural-Forms: nplurals=2; plural=n ?;\\n\"\n");
        assert!(e.message.contains("header") && e.line == 1, "{e}");
        let e = parse(b"msgid \"a\"\nmsgstr \"caf\xe9\"\n").unwrap_err();
        assert_eq!((e.line, e.col), (2, 12), "{e}");
        assert!(e.message.contains("UTF-8"));
        assert_eq!(
            ok("\u{feff}msgid \"a\"\nmsgstr \"b\"\n").get("a"),
            Some("b")
        );
    }

    #[test]
    fn syntax_errors_name_line_and_column() {
        let cases: &[(&str, u32, u32, &str)] = &[
            ("msgid \"a\"\nmsgstr \"b\n", 2, 8, "unterminated"),
            ("msgid \"a\"\nmsgstr b\n", 2, 8, "after a string"),
            ("msgid \"a\"\nmsgstr\n", 2, 7, "expected a string"),
            (
                "msgid \"a\"\n\nmsgid \"b\"\nmsgstr \"c\"\n",
                3,
                1,
                "line 1 has no `msgstr`",
            ),
            ("msgid \"a\"\n", 1, 1, "no `msgstr`"),
            ("msgctxt \"a\"\n", 1, 1, "`msgctxt` with no `msgid`"),
            (
                "msgid \"a\"\nmsgstr \"b\"\nmsgstr \"c\"\n",
                3,
                1,
                "second `msgstr`",
            ),
            ("msgstr \"b\"\n", 1, 1, "no `msgid`"),
            ("\"stray\"\n", 1, 1, "no keyword"),
            (
                "msgid \"a\"\nmsgstr \"b\"\n# note\n\"more\"\n",
                4,
                1,
                "no keyword",
            ),
            (
                "msgid \"a\"\nmsgstr \"b\\q\"\n",
                2,
                10,
                "invalid escape sequence `\\q`",
            ),
            ("msgid \"a\"\nmsgstr \"\\x\"\n", 2, 9, "hex"),
            ("msgid \"a\"\nmsgstr \"\\777\"\n", 2, 9, "octal"),
            ("msgid \"a\"\nmsgstr \"\\303\"\n", 1, 1, "not valid UTF-8"),
            (
                "msgid \"a\"\nmsgid_plural \"b\"\nmsgstr \"c\"\n",
                3,
                1,
                "needs `msgstr[0]`",
            ),
            (
                "msgid \"a\"\nmsgstr[0] \"c\"\n",
                2,
                1,
                "without `msgid_plural`",
            ),
            (
                "msgid \"a\"\nmsgid_plural \"b\"\nmsgstr[1] \"c\"\n",
                3,
                1,
                "expected `msgstr[0]`",
            ),
            (
                "msgid \"a\"\nmsgid_plural \"b\"\nmsgstr[x] \"c\"\n",
                3,
                8,
                "number",
            ),
            (
                "msgid \"a\"\nmsgid_plural \"b\"\nmsgstr[0 \"c\"\n",
                3,
                1,
                "`]`",
            ),
            (
                "msgid \"a\"\nmsgstr \"b\"\nmsgid_plural \"c\"\n",
                3,
                1,
                "after `msgstr`",
            ),
            (
                "msgid \"a\"\nmsgid_plural \"b\"\nmsgid_plural \"c\"\n",
                3,
                1,
                "second `msgid_plural`",
            ),
            (
                "msgid \"a\"\nmsgctxt \"b\"\n",
                2,
                1,
                "inside the entry of line 1",
            ),
            (
                "msgid \"a\"\nmsgstr \"b\"\n\n  msgid \"a\"\nmsgstr \"c\"\n",
                4,
                3,
                "duplicate message definition (first defined at line 1)",
            ),
            ("msgid \"a\"\nmsgstr # why\n", 2, 7, "expected a string"),
            (
                "msgid \"a\"\nmsgtsr \"b\"\n",
                2,
                1,
                "unknown keyword `msgtsr`",
            ),
            ("domain \"x\"\n", 1, 1, "`domain`"),
            ("msgid \"a\"\n  - \"b\"\n", 2, 3, "unexpected `-`"),
        ];
        for &(src, line, col, what) in cases {
            let e = err(src);
            assert_eq!((e.line, e.col), (line, col), "{src:?}: {e}");
            assert!(e.message.contains(what), "{src:?}: {e}");
        }
        // Same msgid with another context, or singular vs. context: no clash.
        let c = ok("msgid \"a\"\nmsgstr \"1\"\nmsgctxt \"x\"\nmsgid \"a\"\nmsgstr \"2\"\n");
        assert_eq!((c.get("a"), c.get("x\u{4}a")), (Some("1"), Some("2")));
    }

    proptest::proptest! {
        /// Any bytes, and any mix of PO pieces, give a catalogue or an error, never a panic;
        /// an error's place is inside the file.
        #[test]
        fn never_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..200),
                        pieces in proptest::collection::vec(proptest::sample::select(vec![
                            "msgid ", "msgstr ", "msgctxt ", "msgid_plural ", "msgstr[0] ", "msgstr[1] ", "msgstr[", "]",
                            "\"", "\"a\"", "\\", "\\x", "\\7", "\\303", "\n", "\r\n", "#, fuzzy\n", "#~ ", "# ", " ", "é",
                            "\"Plural-Forms: nplurals=2; plural=n>1;\\n\"", "\"Content-Type: text/plain; charset=latin1\\n\"",
                        ]), 0..40)) {
            let _ = parse(&bytes);
            let text = pieces.concat();
            if let Err(e) = parse(text.as_bytes()) {
                let lines = text.split('\n').count() as u32;
                proptest::prop_assert!(e.line >= 1 && e.line <= lines && e.col >= 1, "{e}");
            }
        }
    }

    #[test]
    fn reads_the_test_catalogues_as_msgfmt_compiled_them() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/locale");
        let mut compared = 0;
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let po = entry.path().join("LC_MESSAGES/django.po");
            let Ok(text) = std::fs::read(&po) else {
                continue;
            };
            let from_po = parse(&text).unwrap_or_else(|e| panic!("{}:{e}", po.display()));
            let from_mo =
                super::super::mo::parse(&std::fs::read(po.with_extension("mo")).unwrap()).unwrap();
            assert!(from_po.same_messages(&from_mo), "{}", po.display());
            for n in [0.0, 1.0, 2.0, 5.0, 11.0, 21.0, 1.5] {
                assert_eq!(
                    from_po.get_plural("%(counter)s apple", n),
                    from_mo.get_plural("%(counter)s apple", n)
                );
            }
            compared += 1;
        }
        assert!(compared >= 5);
    }
}
