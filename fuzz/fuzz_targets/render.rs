//! Compile and render arbitrary templates over a fixed context: never a
//! panic, a hang or unbounded memory (the render budget is small).
#![no_main]

use libfuzzer_sys::fuzz_target;
use platen_core::Template;

mod common;

fuzz_target!(|data: &[u8]| {
    thread_local! {
        static ENGINE: platen_dtl::DtlEngine = common::engine();
        static CONTEXT: platen_core::Context = common::context();
    }
    let source = String::from_utf8_lossy(data);
    ENGINE.with(|e| {
        if let Ok(t) = e.template_from_str(&source) {
            CONTEXT.with(|c| {
                let _ = t.render(c, None);
            });
        }
    });
});
