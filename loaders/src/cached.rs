//! The cached loader: compiled templates (and misses) kept in memory,
//! wrapping other loaders (Django's `django.template.loaders.cached.Loader`).
//!
//! How it stays correct and fast under many threads:
//! - the cache is a lock-free map (`papaya`) from key to slot; a hit is a map
//!   read, a generation check and an `Arc` clone, and takes no lock;
//! - a miss inserts a slot first and compiles into it: the first thread to
//!   claim the slot compiles, every other thread asking for the same key
//!   waits for that one result, `Ok` or `Err` (see `slot`);
//! - `reset()` bumps a generation counter and empties the map; a slot made
//!   in an older generation is never served, so a compile in flight during a
//!   reset cannot put a stale result back;
//! - in auto-reload mode each entry remembers the modification time of every
//!   source it was compiled from and of every place looked at before it
//!   (where an added file would shadow it); a hit checks them, and a file
//!   watcher clears the cache on any change under the loaders' directories.

mod key;
mod nesting;
mod slot;
mod watch;

use std::collections::HashSet;
use std::fmt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Weak};
use std::time::SystemTime;

use platen_core::{
    CACHED_LOADER, Compiled, Compiler, Error, ErrorKind, Loader, Origin, Result, Tried,
    tried_or_error,
};

use key::{CacheKey, KeyRef};
use nesting::Nesting;
use slot::{Dep, Entry, Slot, Turn};

/// How often a lookup retries after finding its slot stale before it stops
/// caching and compiles for itself (files changing as fast as they are read).
const MAX_ATTEMPTS: usize = 8;

/// How a [`CachedLoader`] notices changed sources.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheOptions {
    /// Notice edited, added and deleted sources without a restart (Django's
    /// debug mode). Off, a hit makes no filesystem call and changes are seen
    /// only after [`Loader::reset`].
    pub auto_reload: bool,
    /// With `auto_reload`, also watch the inner loaders' directories and
    /// clear the cache on any change. Without it, changes are noticed from
    /// modification times alone (an edit within the filesystem's timestamp
    /// resolution can then go unnoticed).
    pub watch: bool,
}

impl Default for CacheOptions {
    /// Production: no auto-reload (and a watcher if auto-reload is turned on).
    fn default() -> CacheOptions {
        CacheOptions {
            auto_reload: false,
            watch: true,
        }
    }
}

/// Keeps compiled templates, and misses, in memory in front of other loaders.
///
/// Results are keyed by template name and skip list (Django's cache key).
/// A [`ErrorKind::TemplateNotFound`] is remembered like a template; so is
/// any compile error, until reset or reload. Failures to read a file
/// ([`ErrorKind::Io`]) are not remembered.
///
/// ```
/// use std::sync::Arc;
/// use platen_core::{Compiled, Loader, Origin, Result};
/// use platen_loaders::{CachedLoader, LocmemLoader};
///
/// let inner = Arc::new(LocmemLoader::new([("hi.html", "Hi")]));
/// let cache = CachedLoader::new(vec![inner.clone()]);
/// let compile = |_: &Origin, src: &str| -> Result<Compiled> { Ok(Arc::new(src.to_owned())) };
/// let a = cache.get_template("hi.html", &[], &compile).unwrap();
/// let b = cache.get_template("hi.html", &[], &compile).unwrap();
/// assert!(Arc::ptr_eq(&a, &b));
/// ```
pub struct CachedLoader {
    shared: Arc<Shared>,
    watch: Option<watch::Watch>,
}

struct Shared {
    /// Identifies this cache in the per-thread compile stacks.
    id: usize,
    loaders: Vec<Arc<dyn Loader>>,
    auto_reload: bool,
    generation: AtomicU64,
    map: papaya::HashMap<CacheKey, Arc<Slot>, ahash::RandomState>,
}

impl CachedLoader {
    /// A cache in front of `loaders` (tried in order), in production mode.
    pub fn new(loaders: Vec<Arc<dyn Loader>>) -> CachedLoader {
        CachedLoader::with_options(loaders, CacheOptions::default())
    }

    /// A cache in front of `loaders` that notices changed files (debug
    /// mode), watching their directories.
    pub fn auto_reloading(loaders: Vec<Arc<dyn Loader>>) -> CachedLoader {
        CachedLoader::with_options(
            loaders,
            CacheOptions {
                auto_reload: true,
                watch: true,
            },
        )
    }

    /// A cache in front of `loaders` with `options`.
    pub fn with_options(loaders: Vec<Arc<dyn Loader>>, options: CacheOptions) -> CachedLoader {
        static NEXT_ID: AtomicUsize = AtomicUsize::new(1);
        let shared = Arc::new(Shared {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            loaders,
            auto_reload: options.auto_reload,
            generation: AtomicU64::new(0),
            map: papaya::HashMap::with_hasher(ahash::RandomState::new()),
        });
        let watch = if options.auto_reload && options.watch {
            let weak: Weak<Shared> = Arc::downgrade(&shared);
            let paths = shared
                .loaders
                .iter()
                .flat_map(|l| l.watch_paths())
                .collect();
            watch::start(paths, move || {
                if let Some(shared) = weak.upgrade() {
                    shared.invalidate();
                }
            })
        } else {
            None
        };
        CachedLoader { shared, watch }
    }

    /// The inner loaders, in order.
    pub fn loaders(&self) -> &[Arc<dyn Loader>] {
        &self.shared.loaders
    }

    /// Whether changed sources are noticed without a reset.
    pub fn auto_reload(&self) -> bool {
        self.shared.auto_reload
    }

    /// The directories a file watcher is watching (empty without one).
    pub fn watched_paths(&self) -> &[PathBuf] {
        self.watch.as_ref().map_or(&[], |w| w.paths())
    }

    /// How many results (templates and misses, some perhaps stale) are held.
    pub fn len(&self) -> usize {
        self.shared.map.len()
    }

    /// Whether nothing is held.
    pub fn is_empty(&self) -> bool {
        self.shared.map.is_empty()
    }
}

impl Shared {
    /// Forgets every result (without resetting the inner loaders).
    fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        self.map.pin().clear();
    }

    /// Whether `entry` still reflects its sources.
    fn is_fresh(&self, entry: &Entry) -> bool {
        !self.auto_reload
            || entry
                .deps
                .iter()
                .all(|dep| match self.loaders.get(dep.loader) {
                    Some(loader) => loader.modified(&dep.origin) == dep.modified,
                    None => false,
                })
    }

    /// Hands `entry`'s result to a caller, recording its sources in the
    /// enclosing compile when there is one.
    fn serve(&self, entry: &Entry, nested: bool) -> Result<Compiled> {
        if nested && self.auto_reload {
            nesting::record(self.id, &entry.deps);
        }
        entry.result()
    }

    fn get(&self, name: &str, skip: &[Origin], compiler: &dyn Compiler) -> Result<Compiled> {
        let key = KeyRef::new(name, skip);
        let nested = match nesting::check(self.id, &key) {
            Nesting::Top => false,
            Nesting::Nested => true,
            Nesting::Recursion(chain) => {
                return Err(Error::new(
                    ErrorKind::Recursion,
                    format!(
                        "`{name}` is needed while it is being compiled ({}); a template cannot \
                         include itself, directly or through others",
                        chain.join(" -> ")
                    ),
                )
                .with_name(name));
            }
        };
        // The hit path: no lock, no allocation.
        {
            let current = self.generation.load(Ordering::Acquire);
            let map = self.map.pin();
            if let Some(slot) = map.get(&key)
                && slot.generation >= current
                && let Some(entry) = slot.entry()
                && self.is_fresh(entry)
            {
                return self.serve(entry, nested);
            }
        }
        self.miss(&key, skip, nested, compiler)
    }

    fn miss(
        &self,
        key: &KeyRef<'_>,
        skip: &[Origin],
        nested: bool,
        compiler: &dyn Compiler,
    ) -> Result<Compiled> {
        let owned = key.to_owned_key();
        for _ in 0..MAX_ATTEMPTS {
            let current = self.generation.load(Ordering::Acquire);
            let slot = {
                let map = self.map.pin();
                let slot = map
                    .get_or_insert_with(owned.clone(), || Arc::new(Slot::new(current)))
                    .clone();
                let stale =
                    slot.generation < current || slot.entry().is_some_and(|e| !self.is_fresh(e));
                if stale {
                    // Take out this very slot (not one another thread just put in) and retry.
                    let _ = map.remove_if(key, |_, v| Arc::ptr_eq(v, &slot));
                    continue;
                }
                slot
            };
            return match slot.turn(!nested) {
                Turn::Done(entry) => self.serve(entry, nested),
                Turn::Mine(claim) => {
                    let entry = claim.fulfil(self.load(key.name(), skip, &owned, compiler));
                    if !entry.is_cacheable() {
                        let _ = self.map.pin().remove_if(key, |_, v| Arc::ptr_eq(v, &slot));
                    }
                    self.serve(entry, nested)
                }
                // Already compiling and the slot is another thread's: waiting
                // could deadlock (each compiling what the other needs).
                Turn::Busy => self.serve(&self.load(key.name(), skip, &owned, compiler), nested),
            };
        }
        tracing::debug!(
            template = key.name(),
            "sources keep changing; compiling without the cache"
        );
        self.serve(&self.load(key.name(), skip, &owned, compiler), nested)
    }

    /// Finds and compiles `name` through the inner loaders, noting what the
    /// result depends on.
    fn load(&self, name: &str, skip: &[Origin], key: &CacheKey, compiler: &dyn Compiler) -> Entry {
        let frame = nesting::enter(self.id, key.clone());
        let mut deps = Vec::new();
        let result = self.walk(name, skip, compiler, &mut deps);
        deps.extend(frame.finish());
        Entry {
            result,
            deps: deps.into_boxed_slice(),
        }
    }

    /// Django's `Loader.get_template` over every inner loader's sources.
    fn walk(
        &self,
        name: &str,
        skip: &[Origin],
        compiler: &dyn Compiler,
        deps: &mut Vec<Dep>,
    ) -> Result<Compiled> {
        let mut tried = Vec::new();
        for (index, loader) in self.loaders.iter().enumerate() {
            for origin in loader.get_template_sources(name) {
                if skip.contains(&origin) {
                    tried.push(Tried {
                        engine: None,
                        origin,
                        reason: "skipped to avoid recursion".into(),
                    });
                    continue;
                }
                // The time is taken before reading: an edit in between makes the
                // entry look stale (one needless compile), never fresh.
                let modified = if self.auto_reload {
                    loader.modified(&origin)
                } else {
                    None
                };
                let contents = loader.get_contents(&origin);
                if self.auto_reload {
                    deps.push(Dep {
                        loader: index,
                        origin: origin.clone(),
                        modified,
                    });
                }
                match contents {
                    Ok(source) => return compiler.compile(&origin, &source),
                    Err(err) => tried.push(tried_or_error(origin, err)?),
                }
            }
        }
        Err(Error::not_found(name, tried))
    }
}

impl Loader for CachedLoader {
    fn kind(&self) -> &str {
        CACHED_LOADER
    }

    fn get_template_sources(&self, name: &str) -> Vec<Origin> {
        self.shared
            .loaders
            .iter()
            .flat_map(|l| l.get_template_sources(name))
            .collect()
    }

    /// Reads `origin` through the inner loader of its kind (trying each
    /// inner loader of that kind in order: one that finds nothing there
    /// outranks one that refuses an origin it did not make).
    fn get_contents(&self, origin: &Origin) -> Result<String> {
        let (mut absent, mut refused) = (None, None);
        for loader in self
            .shared
            .loaders
            .iter()
            .filter(|l| l.kind() == &*origin.loader)
        {
            match loader.get_contents(origin) {
                Ok(source) => return Ok(source),
                Err(err) if err.kind() == ErrorKind::TemplateNotFound => {
                    absent = absent.or(Some(err))
                }
                Err(err) if err.kind() == ErrorKind::Suspicious => refused = refused.or(Some(err)),
                Err(err) => return Err(err),
            }
        }
        Err(absent
            .or(refused)
            .unwrap_or_else(|| Error::new(ErrorKind::TemplateNotFound, "source does not exist")))
    }

    fn get_template(
        &self,
        name: &str,
        skip: &[Origin],
        compiler: &dyn Compiler,
    ) -> Result<Compiled> {
        self.shared.get(name, skip, compiler)
    }

    /// Every name any inner loader lists, sorted, each once.
    fn list_templates(&self) -> Result<Vec<String>> {
        let mut names = Vec::new();
        for loader in &self.shared.loaders {
            names.extend(loader.list_templates()?);
        }
        names.sort();
        names.dedup();
        Ok(names)
    }

    fn watch_paths(&self) -> Vec<PathBuf> {
        let mut seen = HashSet::new();
        self.shared
            .loaders
            .iter()
            .flat_map(|l| l.watch_paths())
            .filter(|p| seen.insert(p.clone()))
            .collect()
    }

    fn modified(&self, origin: &Origin) -> Option<SystemTime> {
        self.shared
            .loaders
            .iter()
            .filter(|l| l.kind() == &*origin.loader)
            .find_map(|l| l.modified(origin))
    }

    /// Resets the inner loaders, then forgets every result. A compile in
    /// flight finishes for the threads waiting on it but is not kept.
    fn reset(&self) {
        for loader in &self.shared.loaders {
            loader.reset();
        }
        self.shared.invalidate();
    }

    /// Compiles every template the inner loaders list and keeps the results;
    /// returns every error (listing errors included), not only the first.
    fn warm(&self, compiler: &dyn Compiler) -> Vec<Error> {
        let mut errors = Vec::new();
        let mut seen = HashSet::new();
        let mut names = Vec::new();
        for loader in &self.shared.loaders {
            match loader.list_templates() {
                Ok(list) => names.extend(list.into_iter().filter(|n| seen.insert(n.clone()))),
                Err(err) => errors.push(err),
            }
        }
        for name in &names {
            if let Err(err) = self.get_template(name, &[], compiler) {
                errors.push(err);
            }
        }
        errors
    }
}

impl fmt::Debug for CachedLoader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CachedLoader")
            .field("loaders", &self.shared.loaders)
            .field("auto_reload", &self.shared.auto_reload)
            .field("watching", &self.watched_paths())
            .field("entries", &self.len())
            .finish()
    }
}
