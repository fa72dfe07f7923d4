//! The locmem loader: templates held in memory by name
//! (Django's `django.template.loaders.locmem.Loader`).

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use arc_swap::ArcSwap;
use platen_core::{Error, ErrorKind, Loader, Origin, Result};

/// The registered name of the locmem loader.
pub const LOCMEM_LOADER: &str = "platen.loaders.locmem";

type Map = BTreeMap<String, Arc<str>>;

/// Templates held in memory: a map from name to source.
///
/// Reads take no lock (they load a snapshot of the map); [`insert`] and
/// [`remove`] publish a new snapshot. A [`CachedLoader`] wrapping this loader
/// keeps serving what it compiled until it is reset, as in Django.
///
/// ```
/// use platen_loaders::LocmemLoader;
/// let loader = LocmemLoader::new([("index.html", "Hello {{ name }}")]);
/// loader.insert("about.html", "About");
/// assert_eq!(loader.names(), ["about.html", "index.html"]);
/// ```
///
/// [`insert`]: LocmemLoader::insert
/// [`remove`]: LocmemLoader::remove
/// [`CachedLoader`]: crate::CachedLoader
pub struct LocmemLoader {
    templates: ArcSwap<Map>,
}

impl LocmemLoader {
    /// A loader holding `templates`, pairs of name and source.
    pub fn new<I, N, S>(templates: I) -> LocmemLoader
    where
        I: IntoIterator<Item = (N, S)>,
        N: Into<String>,
        S: AsRef<str>,
    {
        let map: Map = templates
            .into_iter()
            .map(|(n, s)| (n.into(), Arc::from(s.as_ref())))
            .collect();
        LocmemLoader {
            templates: ArcSwap::from_pointee(map),
        }
    }

    /// Adds the template `name`, or replaces its source. Returns whether a
    /// template of that name was replaced.
    pub fn insert(&self, name: impl Into<String>, source: impl AsRef<str>) -> bool {
        let name = name.into();
        let source: Arc<str> = Arc::from(source.as_ref());
        let old = self.templates.rcu(|map| {
            let mut map = Map::clone(map);
            map.insert(name.clone(), source.clone());
            map
        });
        old.contains_key(&name)
    }

    /// Removes the template `name`. Returns whether there was one.
    pub fn remove(&self, name: &str) -> bool {
        let old = self.templates.rcu(|map| {
            let mut map = Map::clone(map);
            map.remove(name);
            map
        });
        old.contains_key(name)
    }

    /// The source of `name`, if held.
    pub fn source(&self, name: &str) -> Option<Arc<str>> {
        self.templates.load().get(name).cloned()
    }

    /// The names held, sorted.
    pub fn names(&self) -> Vec<String> {
        self.templates.load().keys().cloned().collect()
    }

    /// How many templates are held.
    pub fn len(&self) -> usize {
        self.templates.load().len()
    }

    /// Whether no template is held.
    pub fn is_empty(&self) -> bool {
        self.templates.load().is_empty()
    }
}

impl Default for LocmemLoader {
    /// A loader holding no template.
    fn default() -> LocmemLoader {
        LocmemLoader::new(std::iter::empty::<(String, String)>())
    }
}

impl fmt::Debug for LocmemLoader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocmemLoader")
            .field("templates", &self.names())
            .finish()
    }
}

impl Loader for LocmemLoader {
    fn kind(&self) -> &str {
        LOCMEM_LOADER
    }

    fn get_template_sources(&self, name: &str) -> Vec<Origin> {
        vec![Origin::new(name, name, LOCMEM_LOADER)]
    }

    fn get_contents(&self, origin: &Origin) -> Result<String> {
        match self.templates.load().get(origin.template_name.as_str()) {
            Some(source) if origin.name == origin.template_name => Ok(source.to_string()),
            _ => Err(Error::new(
                ErrorKind::TemplateNotFound,
                "source does not exist",
            )),
        }
    }

    fn list_templates(&self) -> Result<Vec<String>> {
        Ok(self.names())
    }
}
