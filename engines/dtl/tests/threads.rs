//! The same compiled templates rendered from many threads at once give the
//! same output as a single-threaded render: no per-render state leaks into
//! the compiled form.

use std::collections::HashMap;
use std::sync::Arc;

use platen_conformance::MapLoader;
use platen_core::{Context, LoaderChain, Template, Value};
use platen_dtl::{DtlEngine, DtlOptions};

fn engine() -> DtlEngine {
    let templates: HashMap<String, String> = [
        ("base", "<h1>{% block title %}Base{% endblock %}</h1>{% block body %}{% endblock %}"),
        ("row", "<li class=\"{% cycle 'odd' 'even' %}\">{{ item.name }}</li>"),
        (
            "page",
            "{% extends 'base' %}{% block title %}{{ title }} - {{ block.super }}{% endblock %}\
             {% block body %}{% for item in items %}{% ifchanged item.group %}<h2>{{ item.group }}</h2>{% endifchanged %}\
             {% include 'row' %}<b>{% cycle 'a' 'b' 'c' as abc %}</b>{% if forloop.counter|divisibleby:3 %}{% resetcycle abc %}{% endif %}{% endfor %}\
             {% regroup items by group as groups %}{% for g in groups %}[{{ g.grouper }}:{{ g.list|length }}]{% endfor %}{% endblock %}",
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    DtlEngine::new(
        LoaderChain::new(vec![Arc::new(MapLoader::new(templates))]),
        DtlOptions::default(),
    )
}

fn context(n: usize) -> Context {
    let items: Vec<Value> = (0..(n % 7 + 3))
        .map(|i| {
            let map: platen_core::value::Map = [
                (Arc::from("name"), Value::from(format!("item <{n}.{i}>"))),
                (Arc::from("group"), Value::from(format!("g{}", i / 2))),
            ]
            .into_iter()
            .collect();
            Value::from(map)
        })
        .collect();
    Context::new()
        .with("title", format!("T{n}"))
        .with("items", Value::from(items))
}

#[test]
fn renders_agree_across_threads() {
    let engine = engine();
    let template = Arc::new(engine.template("page").expect("compiles"));
    let expected: Vec<String> = (0..16)
        .map(|n| template.render(&context(n), None).expect("renders"))
        .collect();
    assert!(
        expected[0].contains("<h1>T0 - Base</h1>"),
        "{}",
        expected[0]
    );
    assert!(expected[0].contains("class=\"odd\""), "{}", expected[0]);
    let expected = Arc::new(expected);
    let handles: Vec<_> = (0..16)
        .map(|t| {
            let template = template.clone();
            let expected = expected.clone();
            std::thread::spawn(move || {
                for i in 0..1000 {
                    let n = (t + i) % 16;
                    let out = template.render(&context(n), None).expect("renders");
                    assert_eq!(out, expected[n], "thread {t}, render {i}");
                }
            })
        })
        .collect();
    for h in handles {
        h.join().expect("thread finished");
    }
}
