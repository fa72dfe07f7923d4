//! Keys as Django makes them, so a Django process beside us finds the same
//! fragments under the same names.

use md5::{Digest, Md5};

/// Django's default `KEY_FUNCTION`: `<key_prefix>:<version>:<key>`.
///
/// ```
/// assert_eq!(platen_core::cache::make_key("", 1, "k"), ":1:k");
/// assert_eq!(platen_core::cache::make_key("site", 2, "k"), "site:2:k");
/// ```
pub fn make_key(key_prefix: &str, version: i64, key: &str) -> String {
    use std::fmt::Write;
    let mut full = String::with_capacity(key_prefix.len() + key.len() + 4);
    full.push_str(key_prefix);
    let _ = write!(full, ":{version}:");
    full.push_str(key);
    full
}

/// Django's `make_template_fragment_key`: `template.cache.<name>.<md5>`,
/// the md5 taken over each vary-on value's text followed by `:`.
///
/// ```
/// use platen_core::cache::template_fragment_key;
/// assert_eq!(
///     template_fragment_key("sidebar", &[] as &[&str]),
///     "template.cache.sidebar.d41d8cd98f00b204e9800998ecf8427e"
/// );
/// ```
pub fn template_fragment_key<S: AsRef<str>>(name: &str, vary_on: &[S]) -> String {
    let mut hasher = Md5::new();
    for value in vary_on {
        hasher.update(value.as_ref().as_bytes());
        hasher.update(b":");
    }
    let digest = hasher.finalize();
    let mut key = String::with_capacity(16 + name.len() + 32);
    key.push_str("template.cache.");
    key.push_str(name);
    key.push('.');
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for byte in digest {
        key.push(char::from(HEX[usize::from(byte >> 4)]));
        key.push(char::from(HEX[usize::from(byte & 15)]));
    }
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_match_the_ones_django_computes() {
        // Computed by Django 5.2.19's make_template_fragment_key.
        assert_eq!(
            template_fragment_key("foo", &["abc"]),
            "template.cache.foo.493e283d571a73056196f1a68efd0f66"
        );
        assert_eq!(
            template_fragment_key("foo", &["abc", "def"]),
            "template.cache.foo.17c1a507a0cb58384f4c639067a93520"
        );
        assert_eq!(
            template_fragment_key("foo", &["abc:def%"]),
            "template.cache.foo.06c8ae8e8c430b69fb0a6443504153dc"
        );
    }
}
