//! Django's HTML escaping (`django.utils.html.escape`).

use memchr::memchr3;

/// Whether a byte needs escaping.
#[inline]
fn special(b: u8) -> bool {
    matches!(b, b'&' | b'<' | b'>' | b'\'' | b'"')
}

/// Appends `s` to `out` with `&`, `<`, `>`, `'` and `"` replaced by
/// `&amp;`, `&lt;`, `&gt;`, `&#x27;` and `&quot;` (Python's `html.escape`).
/// Runs of clean text are copied whole.
pub fn escape_html_into(out: &mut String, s: &str) {
    let bytes = s.as_bytes();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        // Find the next of the rarer pair first, then scan for the others.
        let next = match (
            memchr3(b'&', b'<', b'>', &bytes[i..]),
            memchr::memchr2(b'\'', b'"', &bytes[i..]),
        ) {
            (Some(a), Some(b)) => i + a.min(b),
            (Some(a), None) => i + a,
            (None, Some(b)) => i + b,
            (None, None) => break,
        };
        debug_assert!(special(bytes[next]));
        out.push_str(&s[start..next]);
        out.push_str(match bytes[next] {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'\'' => "&#x27;",
            _ => "&quot;",
        });
        i = next + 1;
        start = i;
    }
    out.push_str(&s[start..]);
}

/// `s` HTML-escaped, see [`escape_html_into`].
pub(crate) fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    escape_html_into(&mut out, s);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_the_five() {
        assert_eq!(
            escape_html("a&b<c>d'e\"f"),
            "a&amp;b&lt;c&gt;d&#x27;e&quot;f"
        );
        assert_eq!(escape_html("plain ünï"), "plain ünï");
        assert_eq!(escape_html(""), "");
    }
}
