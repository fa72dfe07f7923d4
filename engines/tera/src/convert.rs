//! platen values to Tera values, keeping safe marks and map order.

use platen_core::{Context, Value};

/// Converts a platen context into a Tera context.
pub(crate) fn context(ctx: &Context) -> tera::Context {
    let mut out = tera::Context::new();
    for (name, value) in ctx.iter() {
        out.insert_value(name.to_owned(), value_of(value));
    }
    out
}

fn value_of(v: &Value) -> tera::Value {
    match v {
        Value::None => tera::Value::none(),
        Value::Bool(b) => (*b).into(),
        Value::Int(i) => (*i).into(),
        Value::Float(f) => (*f).into(),
        Value::Str(s) => tera::Value::from(&**s),
        Value::SafeStr(s) => tera::Value::safe_string(s),
        Value::List(items) => items.iter().map(value_of).collect::<Vec<_>>().into(),
        Value::Map(map) => {
            let mut out = tera::Map::default();
            for (k, item) in map.iter() {
                out.insert(tera::value::Key::from(k.to_string()), value_of(item));
            }
            out.into()
        }
        // Dates, decimals and objects go through their serde form.
        other => tera::Value::from_serializable(other),
    }
}
