//! The lexer: splits a template source into text, variable, block and
//! comment tokens, exactly as Django's `Lexer` does.
//!
//! Django finds tags with the regex `{%.*?%}|{{.*?}}|{#.*?#}` (no `DOTALL`):
//! a tag never spans a line break, and the first closing delimiter ends it.
//! Text is borrowed from the source; tag contents are stripped.

use std::borrow::Cow;

/// The kind of a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenKind {
    /// Literal text.
    Text,
    /// `{{ ... }}`.
    Var,
    /// `{% ... %}`.
    Block,
    /// `{# ... #}`.
    Comment,
}

/// One token of a template source (a tag, for a tag's compile function).
#[derive(Debug, Clone, Copy)]
pub struct Token<'s> {
    pub(crate) kind: TokenKind,
    /// The text (for `Text`) or the stripped contents of the tag.
    pub(crate) contents: &'s str,
    /// Byte offset of the token start in the source.
    pub(crate) start: usize,
    /// Byte offset just past the token.
    pub(crate) end: usize,
    /// 1-based line of the token start.
    pub(crate) line: u32,
}

impl<'s> Token<'s> {
    /// The stripped contents of the tag (`name arg1 arg2`), or the text.
    pub fn contents(&self) -> &'s str {
        self.contents
    }

    /// The 1-based line of the token.
    pub fn line(&self) -> u32 {
        self.line
    }

    /// The contents split on whitespace, keeping quoted strings (and
    /// `_("...")`) whole (Django's `token.split_contents()`).
    pub fn split_contents(&self) -> Vec<String> {
        split_contents(self.contents)
            .into_iter()
            .map(|b| b.into_owned())
            .collect()
    }
}

/// Python's `str.strip()` (Unicode whitespace).
pub(crate) fn py_strip(s: &str) -> &str {
    s.trim_matches(|c: char| c.is_whitespace())
}

/// Finds the end of a tag starting at `i` (which points at `{`), when the
/// closing delimiter appears before the next line break.
fn tag_end(bytes: &[u8], i: usize, close: u8) -> Option<usize> {
    let mut j = i + 2;
    while j + 1 < bytes.len() {
        match bytes[j] {
            b'\n' => return None,
            b if b == close && bytes[j + 1] == b'}' => return Some(j + 2),
            _ => j += 1,
        }
    }
    None
}

/// Splits `source` into tokens.
pub(crate) fn tokenize<'s>(source: &'s str) -> Vec<Token<'s>> {
    let bytes = source.as_bytes();
    // At most a tag and a text per `{`, and a last text: one allocation.
    let mut tokens = Vec::with_capacity(2 * memchr::memchr_iter(b'{', bytes).count() + 1);
    let mut line = 1u32;
    let mut text_start = 0usize;
    let mut verbatim: Option<String> = None;
    let mut pos = 0usize;
    let push_text = |tokens: &mut Vec<Token<'s>>, line: &mut u32, from: usize, to: usize| {
        if from < to {
            let text = &source[from..to];
            tokens.push(Token {
                kind: TokenKind::Text,
                contents: text,
                start: from,
                end: to,
                line: *line,
            });
            *line += memchr::memchr_iter(b'\n', text.as_bytes()).count() as u32;
        }
    };
    while let Some(off) = memchr::memchr(b'{', &bytes[pos..]) {
        let i = pos + off;
        let Some(&next) = bytes.get(i + 1) else { break };
        let close = match next {
            b'%' => b'%',
            b'{' => b'}',
            b'#' => b'#',
            _ => {
                pos = i + 1;
                continue;
            }
        };
        let Some(end) = tag_end(bytes, i, close) else {
            pos = i + 1;
            continue;
        };
        push_text(&mut tokens, &mut line, text_start, i);
        let raw = &source[i..end];
        let inner = py_strip(&raw[2..raw.len() - 2]);
        let mut kind = match next {
            b'%' => TokenKind::Block,
            b'{' => TokenKind::Var,
            _ => TokenKind::Comment,
        };
        let mut contents = inner;
        if kind == TokenKind::Block {
            if let Some(end_tag) = &verbatim {
                if inner != end_tag {
                    kind = TokenKind::Text;
                    contents = raw;
                } else {
                    verbatim = None;
                }
            } else if inner == "verbatim" || inner.starts_with("verbatim ") {
                verbatim = Some(format!("end{inner}"));
            }
        } else if verbatim.is_some() {
            kind = TokenKind::Text;
            contents = raw;
        }
        tokens.push(Token {
            kind,
            contents,
            start: i,
            end,
            line,
        });
        // Tags never contain a line break.
        pos = end;
        text_start = end;
    }
    push_text(&mut tokens, &mut line, text_start, source.len());
    tokens
}

/// Matches a quoted string (`"..."` or `'...'` with backslash escapes) at the
/// start of `s`; returns its byte length.
pub(crate) fn match_quoted(s: &str) -> Option<usize> {
    let bytes = s.as_bytes();
    let q = *bytes.first()?;
    if q != b'"' && q != b'\'' {
        return None;
    }
    let mut i = 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b if b == q => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

/// Django's `smart_split` followed by `Token.split_contents` (which joins the
/// pieces of a `_("...")` with spaces inside).
pub(crate) fn split_contents(contents: &str) -> Vec<Cow<'_, str>> {
    let bits = smart_split(contents);
    let mut out = Vec::with_capacity(bits.len());
    let mut iter = bits.into_iter();
    while let Some(bit) = iter.next() {
        if bit.starts_with("_(\"") || bit.starts_with("_('") {
            let sentinel = format!("{})", &bit[2..3]);
            let mut joined = bit.to_owned();
            let mut last = bit;
            while !last.ends_with(&sentinel) {
                match iter.next() {
                    Some(next) => {
                        joined.push(' ');
                        joined.push_str(next);
                        last = next;
                    }
                    None => break,
                }
            }
            out.push(Cow::Owned(joined));
        } else {
            out.push(Cow::Borrowed(bit));
        }
    }
    out
}

/// Django's `smart_split`: split on whitespace, keeping quoted strings whole.
pub(crate) fn smart_split(s: &str) -> Vec<&str> {
    // Most tags have a handful of bits: one allocation.
    let mut out = Vec::with_capacity(8);
    let bytes = s.as_bytes();
    let is_space = |c: char| c.is_whitespace();
    let mut i = 0;
    while i < s.len() {
        let c = s[i..].chars().next().unwrap_or(' ');
        if is_space(c) {
            i += c.len_utf8();
            continue;
        }
        // First alternative: [^\s'"]* ( quoted [^\s'"]* )+
        let plain = |from: usize| -> usize {
            s[from..]
                .char_indices()
                .find(|&(_, c)| is_space(c) || c == '"' || c == '\'')
                .map_or(s.len(), |(j, _)| from + j)
        };
        let mut j = plain(i);
        let mut groups = 0;
        while j < s.len() && (bytes[j] == b'"' || bytes[j] == b'\'') {
            match match_quoted(&s[j..]) {
                Some(n) => {
                    groups += 1;
                    j = plain(j + n);
                }
                None => break,
            }
        }
        let end = if groups > 0 {
            j
        } else {
            s[i..]
                .char_indices()
                .find(|&(_, c)| is_space(c))
                .map_or(s.len(), |(k, _)| i + k)
        };
        out.push(&s[i..end]);
        i = end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smart_split_keeps_quotes() {
        assert_eq!(
            smart_split(r#"if "a b" == c"#),
            ["if", "\"a b\"", "==", "c"]
        );
        assert_eq!(
            smart_split(r#"x="a b"|f:'c d' y"#),
            ["x=\"a b\"|f:'c d'", "y"]
        );
        assert_eq!(
            split_contents(r#"with _("a b") as c"#),
            ["with", "_(\"a b\")", "as", "c"]
        );
    }

    #[test]
    fn splits_tags_and_text() {
        let toks = tokenize("a {{ x }}{% if y %}b{# c #}\n{% endif");
        let kinds: Vec<_> = toks.iter().map(|t| (t.kind, t.contents)).collect();
        assert_eq!(
            kinds,
            [
                (TokenKind::Text, "a "),
                (TokenKind::Var, "x"),
                (TokenKind::Block, "if y"),
                (TokenKind::Text, "b"),
                (TokenKind::Comment, "c"),
                (TokenKind::Text, "\n{% endif"),
            ]
        );
    }

    #[test]
    fn tags_do_not_span_lines() {
        let toks = tokenize("{{ a\n}}");
        assert_eq!(toks.len(), 1);
        assert_eq!(toks[0].kind, TokenKind::Text);
    }

    #[test]
    fn verbatim_keeps_tags_as_text() {
        let toks = tokenize("{% verbatim %}{{ x }}{% endverbatim %}");
        let kinds: Vec<_> = toks.iter().map(|t| t.kind).collect();
        assert_eq!(kinds, [TokenKind::Block, TokenKind::Text, TokenKind::Block]);
    }
}
