//! Attributes that change data (Django's `alters_data`) are never computed
//! from a template, and attributes with a leading underscore never parse.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use platen_core::{Context, ErrorKind, Object, Template, Value};
use platen_dtl::{DtlEngine, DtlOptions};

#[derive(Debug, Default)]
struct Account {
    deleted: Arc<AtomicUsize>,
}

impl Object for Account {
    fn get_attr(&self, name: &str) -> Option<Value> {
        match name {
            "name" => Some(Value::from("alice")),
            "delete" => {
                self.deleted.fetch_add(1, Ordering::SeqCst);
                Some(Value::from("deleted!"))
            }
            _ => None,
        }
    }

    fn alters_data(&self, name: &str) -> bool {
        name == "delete"
    }

    fn attr_names(&self) -> Option<Vec<Arc<str>>> {
        Some(vec!["name".into(), "delete".into()])
    }
}

fn engine(string_if_invalid: &str) -> DtlEngine {
    DtlEngine::new(
        platen_core::LoaderChain::new(vec![]),
        DtlOptions {
            string_if_invalid: string_if_invalid.into(),
            ..DtlOptions::default()
        },
    )
}

#[test]
fn a_method_that_alters_data_is_never_called() {
    let deleted = Arc::new(AtomicUsize::new(0));
    let mut ctx = Context::new();
    ctx.insert(
        "a",
        Value::from_object(Account {
            deleted: deleted.clone(),
        }),
    );
    let render = |e: &DtlEngine, src: &str| {
        e.template_from_str(src)
            .unwrap()
            .render(&ctx, None)
            .unwrap()
    };
    let e = engine("");
    assert_eq!(render(&e, "{{ a.name }}[{{ a.delete }}]"), "alice[]");
    assert_eq!(render(&engine("INVALID"), "{{ a.delete }}"), "INVALID");
    assert_eq!(
        render(&e, "{% if a.delete %}yes{% else %}no{% endif %}"),
        "no"
    );
    assert_eq!(
        render(&e, "{% with x=a.delete %}[{{ x }}]{% endwith %}"),
        "[]"
    );
    // Nor does a conversion of the object (for the other engines, serde).
    let json = serde_json::to_string(&ctx.get("a").unwrap()).unwrap();
    assert_eq!(json, r#"{"name":"alice"}"#);
    assert_eq!(deleted.load(Ordering::SeqCst), 0);
}

#[test]
fn attributes_with_a_leading_underscore_are_refused_at_compile_time() {
    let err = engine("").template_from_str("{{ a._secret }}").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::SyntaxError);
    assert!(
        err.to_string().contains("may not begin with underscores"),
        "{err}"
    );
}
