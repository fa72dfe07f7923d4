//! Cache keys: the template name and the part of the skip list that matters
//! (Django's `cache_key`).

use std::hash::{Hash, Hasher};

use papaya::Equivalent;
use platen_core::Origin;

/// An owned cache key, stored in the map.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CacheKey {
    name: Box<str>,
    /// `(origin name, loader)` of the skipped origins of this name, sorted.
    skip: Box<[(Box<str>, Box<str>)]>,
}

/// A borrowed cache key, for lookups that allocate nothing when the skip
/// list is empty (the common case).
#[derive(Debug)]
pub(crate) struct KeyRef<'a> {
    name: &'a str,
    skip: Vec<(&'a str, &'a str)>,
}

impl<'a> KeyRef<'a> {
    /// The key of `name` asked for with `skip`. Only skipped origins of the
    /// same template name change what is found, so only they are kept.
    pub(crate) fn new(name: &'a str, skip: &'a [Origin]) -> KeyRef<'a> {
        let mut kept: Vec<(&str, &str)> = skip
            .iter()
            .filter(|o| o.template_name == name)
            .map(|o| (o.name.as_str(), &*o.loader))
            .collect();
        kept.sort_unstable();
        kept.dedup();
        KeyRef { name, skip: kept }
    }

    pub(crate) fn to_owned_key(&self) -> CacheKey {
        CacheKey {
            name: self.name.into(),
            skip: self
                .skip
                .iter()
                .map(|&(n, l)| (n.into(), l.into()))
                .collect(),
        }
    }

    pub(crate) fn name(&self) -> &'a str {
        self.name
    }
}

impl CacheKey {
    /// The template name.
    pub(crate) fn name(&self) -> &str {
        &self.name
    }
}

fn hash_parts<'s, H: Hasher>(
    state: &mut H,
    name: &str,
    skip: impl ExactSizeIterator<Item = (&'s str, &'s str)>,
) {
    state.write(name.as_bytes());
    state.write_u8(0xff);
    state.write_usize(skip.len());
    for (n, l) in skip {
        state.write(n.as_bytes());
        state.write_u8(0xff);
        state.write(l.as_bytes());
        state.write_u8(0xff);
    }
}

impl Hash for CacheKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        hash_parts(
            state,
            &self.name,
            self.skip.iter().map(|(n, l)| (&**n, &**l)),
        );
    }
}

impl Hash for KeyRef<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        hash_parts(state, self.name, self.skip.iter().copied());
    }
}

impl Equivalent<CacheKey> for KeyRef<'_> {
    fn equivalent(&self, key: &CacheKey) -> bool {
        self.name == &*key.name
            && self.skip.len() == key.skip.len()
            && self
                .skip
                .iter()
                .zip(key.skip.iter())
                .all(|(&(n, l), (kn, kl))| n == &**kn && l == &**kl)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn borrowed_and_owned_agree() {
        let state = ahash::RandomState::new();
        let skip = [
            Origin::new("/b/base.html", "base.html", "fs"),
            Origin::new("/a/base.html", "base.html", "fs"),
            Origin::new("/a/other.html", "other.html", "fs"),
        ];
        let key = KeyRef::new("base.html", &skip);
        assert_eq!(key.skip.len(), 2);
        let owned = key.to_owned_key();
        assert!(key.equivalent(&owned));
        assert_eq!(state.hash_one(&key), state.hash_one(&owned));
        let plain = KeyRef::new("base.html", &[]);
        assert!(!plain.equivalent(&owned));
        assert!(plain.equivalent(&plain.to_owned_key()));
    }
}
