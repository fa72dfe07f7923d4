//! The lexer and parser on arbitrary bytes: compiling never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;

mod common;

fuzz_target!(|data: &[u8]| {
    thread_local! {
        static ENGINE: platen_dtl::DtlEngine = common::engine();
    }
    let source = String::from_utf8_lossy(data);
    ENGINE.with(|e| {
        let _ = e.template_from_str(&source);
    });
});
