//! [`Caches`]: every configured fragment cache, by alias.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::FragmentCache;

/// The alias Django's `{% cache %}` tag uses before `default`, when configured.
pub const TEMPLATE_FRAGMENTS: &str = "template_fragments";

/// The fragment caches of the settings by alias (Django's `caches`); there
/// is always a `default` (in memory when the settings name none).
///
/// Cloning is cheap; every engine built from the same settings shares them.
#[derive(Debug, Clone)]
pub struct Caches {
    by_alias: Arc<BTreeMap<String, FragmentCache>>,
}

impl Default for Caches {
    /// One in-memory `default` cache.
    fn default() -> Caches {
        Caches::new(Vec::new())
    }
}

impl Caches {
    /// The given caches, by their aliases, with an in-memory `default` added
    /// when none of them is `default`.
    pub fn new(caches: Vec<FragmentCache>) -> Caches {
        let mut by_alias: BTreeMap<String, FragmentCache> = caches
            .into_iter()
            .map(|c| (c.alias().to_owned(), c))
            .collect();
        by_alias
            .entry("default".into())
            .or_insert_with(|| FragmentCache::memory("default"));
        Caches {
            by_alias: Arc::new(by_alias),
        }
    }

    /// The cache `alias`.
    pub fn get(&self, alias: &str) -> Option<&FragmentCache> {
        self.by_alias.get(alias)
    }

    /// The `default` cache.
    pub fn default_cache(&self) -> &FragmentCache {
        &self.by_alias["default"]
    }

    /// The cache a template fragment goes to when its tag names none:
    /// `template_fragments` when configured, else `default` (as Django's
    /// `{% cache %}` chooses).
    pub fn for_fragments(&self) -> &FragmentCache {
        self.get(TEMPLATE_FRAGMENTS)
            .unwrap_or_else(|| self.default_cache())
    }

    /// The aliases, sorted.
    pub fn aliases(&self) -> impl Iterator<Item = &str> {
        self.by_alias.keys().map(String::as_str)
    }

    /// Every cache, by alias.
    pub fn iter(&self) -> impl Iterator<Item = &FragmentCache> {
        self.by_alias.values()
    }
}
