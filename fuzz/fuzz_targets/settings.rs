//! The settings loader on arbitrary TOML: an error or settings, never a panic.
#![no_main]

use figment::providers::{Format, Toml};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(settings) = platen_core::Settings::from_provider(Toml::string(text)) {
        let mut registry = platen_core::Registry::new();
        platen_loaders::register(&mut registry);
        platen_dtl::register(&mut registry);
        let _ = registry.build_engines(&settings);
    }
});
