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
    out.reserve(bytes.len());
    if bytes.len() < 64 {
        // Short strings: one byte loop beats setting up memchr searches.
        let mut start = 0;
        for (i, &b) in bytes.iter().enumerate() {
            let Some(rep) = replacement(b) else { continue };
            out.push_str(&s[start..i]);
            out.push_str(rep);
            start = i + 1;
        }
        out.push_str(&s[start..]);
        return;
    }
    // Long strings: the next `&<>` and the next `'"`, each searched again
    // only once it has been passed (so the scan stays linear).
    let find3 =
        |from: usize| memchr3(b'&', b'<', b'>', &bytes[from..]).map_or(usize::MAX, |p| from + p);
    let find2 =
        |from: usize| memchr::memchr2(b'\'', b'"', &bytes[from..]).map_or(usize::MAX, |p| from + p);
    let (mut a, mut b) = (find3(0), find2(0));
    let mut start = 0;
    loop {
        let next = a.min(b);
        if next == usize::MAX {
            break;
        }
        debug_assert!(special(bytes[next]));
        out.push_str(&s[start..next]);
        out.push_str(replacement(bytes[next]).unwrap_or_default());
        start = next + 1;
        if next == a {
            a = find3(start);
        } else {
            b = find2(start);
        }
    }
    out.push_str(&s[start..]);
}

/// The entity of a byte that needs escaping.
#[inline]
fn replacement(b: u8) -> Option<&'static str> {
    Some(match b {
        b'&' => "&amp;",
        b'<' => "&lt;",
        b'>' => "&gt;",
        b'\'' => "&#x27;",
        b'"' => "&quot;",
        _ => return None,
    })
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
        let long = "a&b<c>d'e\"f ".repeat(20) + "tail";
        assert_eq!(
            escape_html(&long),
            "a&amp;b&lt;c&gt;d&#x27;e&quot;f ".repeat(20) + "tail"
        );
        let clean = "x".repeat(100);
        assert_eq!(escape_html(&clean), clean);
    }
}
