//! The settings file: Django's `TEMPLATES`, layered with figment.
//!
//! Layers, each over the one before: built-in defaults < the settings file
//! (`platen.toml`, or `.yaml`/`.yml`/`.json`) < the file's
//! `[profiles.<name>]` section for the active profile < environment
//! variables.
//!
//! ```toml
//! debug = false
//! apps = ["blog", "shop"]
//!
//! [[templates]]
//! backend = "platen.handlebars"
//! name = "hbs"
//! dirs = ["templates/hbs"]
//! options = { strict_mode = true }
//!
//! [profiles.dev]
//! debug = true
//! ```
//!
//! # Environment variables
//!
//! Every variable whose name starts with `PLATEN_` (except
//! `PLATEN_SETTINGS`, which names the settings file for the `platen`
//! command) sets one key; `__` separates the parts of a nested key, and the
//! parts are case-insensitive:
//!
//! - `PLATEN_DEBUG=true`, `PLATEN_STATIC_URL=/assets/`, `PLATEN_APPS=[blog,shop]`;
//! - `PLATEN_PROFILE=dev` picks the profile section (empty: none);
//! - `PLATEN_TEMPLATES__<engine>__<key>[__<subkey>...]=value` changes one key
//!   of one engine entry, named by its position (`0`) or its `name`
//!   (`PLATEN_TEMPLATES__HBS__OPTIONS__STRICT_MODE=false`,
//!   `PLATEN_TEMPLATES__0__DIRS=[a,b]`); a position also picks one item of a
//!   list (`PLATEN_TEMPLATES__0__DIRS__1=other`);
//! - `PLATEN_TEMPLATES=[{backend="platen.tera",dirs=["t"]}]` replaces the list.
//!
//! A key platen knows to be a string (`static_url`, `backend`, `name`,
//! `dirs` items, ...) takes the value verbatim; a boolean key takes
//! `true`/`false` (also `1`/`0`, `yes`/`no`, `on`/`off`); any other value
//! is read as a TOML-like literal: `3`, `[a, b]`, `{k=v}`, `"quoted"`,
//! otherwise a string. An unknown `PLATEN_` variable is an error, as an
//! unknown key in the file is.
//!
//! Relative paths (wherever they come from) resolve against the settings
//! file's directory. Every error names the key and the file (with its
//! profile section) or the variable the value came from.
//!
//! `docs/settings.md` is the full reference: every key, the loader entry
//! forms (`"platen.loaders.filesystem"`, `{ loader = "...", ... }`, Django's
//! `["name", argument]`) and the default loader chain.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use figment::providers::{Format, Json, Toml, Yaml};
use figment::value::{Dict, Num, Tag, Value as FigValue};
use figment::{Figment, Metadata, Profile, Provider, Source};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::error::{Error, ErrorKind, Result};

// One module per idea; they share this module's imports and each other's
// crate-private helpers through `use super::*`:
// - `types`: the public settings types and the keys platen knows;
// - `caches`: the `[caches.<alias>]` tables (fragment caching);
// - `layering`: defaults < file < profile section < environment, and
//   reading the typed settings from the merged figment;
// - `validation`: unknown keys, profile sections, `apps`, figment errors;
// - `loaders`: the entries of `options.loaders`;
// - `env`: the `PLATEN_` variables;
// - `provider`: `impl Provider for Settings` and `Settings::from_provider`;
// - `source`: which file, section or variable a value came from.
mod caches;
mod env;
mod layering;
mod loaders;
mod provider;
mod source;
mod types;
mod validation;

pub use caches::{CACHE_KEYS, CacheSettings, DEFAULT_CHANNEL};
pub use env::{ENV_NOT_SETTINGS, ENV_PREFIX};
pub use source::format_key;
pub use types::*;

use caches::*;
use env::*;
use layering::*;
use loaders::*;
use source::*;
use validation::*;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_format_with_indexes() {
        assert_eq!(format_key("templates.0.dirs.1"), "templates[0].dirs[1]");
        assert_eq!(format_key("debug"), "debug");
    }

    #[test]
    fn closest_finds_typos() {
        assert_eq!(
            closest("strict_mod", &["strict_mode", "dev_mode"]),
            Some("strict_mode")
        );
        assert_eq!(closest("debgu", TOP_LEVEL_KEYS), Some("debug"));
        assert_eq!(closest("TEMPLATES", TOP_LEVEL_KEYS), Some("templates"));
        assert_eq!(closest("zzz", &["strict_mode"]), None);
        assert_eq!(closest("x", &["ab"]), None);
    }

    #[test]
    fn default_names_follow_django() {
        assert_eq!(default_engine_name("platen.handlebars"), "handlebars");
        assert_eq!(default_engine_name("platen.dtl"), "dtl");
        assert_eq!(
            default_engine_name("django.template.backends.django.DjangoTemplates"),
            "django"
        );
        assert_eq!(
            default_engine_name("django.template.backends.jinja2.Jinja2"),
            "jinja2"
        );
        assert_eq!(default_engine_name("mine"), "mine");
    }

    #[test]
    fn env_text_is_read_by_the_key_it_sets() {
        let p = |s: &str| s.split('.').map(str::to_owned).collect::<Vec<_>>();
        assert_eq!(env_value(&p("debug"), "yes").to_bool(), Some(true));
        assert_eq!(env_value(&p("debug"), "0").to_bool(), Some(false));
        assert_eq!(env_value(&p("static_url"), "8080").as_str(), Some("8080"));
        assert_eq!(
            env_value(&p("templates.0.options.string_if_invalid"), "[x]").as_str(),
            Some("[x]")
        );
        let dirs = env_value(&p("templates.0.dirs"), "[a, 2024]");
        let items: Vec<_> = dirs
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect();
        assert_eq!(items, ["a", "2024"]);
        assert!(
            env_value(&p("templates.0.options.x"), "3")
                .to_num()
                .is_some()
        );
        assert_eq!(
            env_value(&p("profiles.dev.debug"), "on").to_bool(),
            Some(true)
        );
    }

    #[test]
    fn set_path_walks_tables_and_lists() {
        let mut v: FigValue = "{a = [1, {b = 2}]}".parse().unwrap();
        let p = |s: &str| s.split('.').map(str::to_owned).collect::<Vec<_>>();
        set_path(&mut v, &p("a.1.b"), FigValue::from(3)).unwrap();
        assert_eq!(
            v.find_ref("a").unwrap().as_array().unwrap()[1]
                .find_ref("b")
                .unwrap()
                .to_i128(),
            Some(3)
        );
        assert_eq!(
            set_path(&mut v, &p("a.5"), FigValue::from(1))
                .unwrap_err()
                .0,
            2,
            "the key is a.5"
        );
        assert_eq!(
            set_path(&mut v, &p("a.0.c"), FigValue::from(1))
                .unwrap_err()
                .0,
            2,
            "the key is a.0"
        );
        let mut scalar = FigValue::from("x");
        assert_eq!(
            set_path(&mut scalar, &p("c"), FigValue::from(1))
                .unwrap_err()
                .0,
            0,
            "the key is the scalar's"
        );
    }
}
