//! HTML-output filters that escape or mark text safe: `escape`,
//! `force_escape`, `escapeseq`, `safe`, `safeseq`, and the filters that wrap
//! text in markup while escaping it under autoescape: `linebreaks`,
//! `linebreaksbr`, `linenumbers` and `unordered_list`.
//!
//! (`escapejs` lives with the string filters in [`super::strings`].)

use std::sync::Arc;

use platen_core::{Error, Value};

use super::{FilterEnv, conditional_escape, py_iter, py_str, safe};
use crate::escape::escape_html;

/// `escape`: escapes unless the value is already safe; the result is safe.
pub fn escape(v: &Value, _: Option<&Value>, _: &FilterEnv) -> Result<Value, Error> {
    Ok(safe(conditional_escape(v)))
}

/// `force_escape`: always escapes; the result is safe.
pub fn force_escape(v: &Value, _: Option<&Value>, _: &FilterEnv) -> Result<Value, Error> {
    Ok(safe(escape_html(&py_str(v))))
}

/// `escapeseq`: `escape` applied to every item.
pub fn escapeseq(v: &Value, _: Option<&Value>, _: &FilterEnv) -> Result<Value, Error> {
    let items = py_iter(v)?;
    Ok(Value::List(Arc::new(
        items.iter().map(|x| safe(conditional_escape(x))).collect(),
    )))
}

/// `safe`: marks `str(value)` safe.
pub fn mark_safe(v: &Value, _: Option<&Value>, _: &FilterEnv) -> Result<Value, Error> {
    Ok(if v.is_safe() {
        v.clone()
    } else {
        safe(py_str(v).into_owned())
    })
}

/// `safeseq`: marks every item (as text) safe.
pub fn safeseq(v: &Value, _: Option<&Value>, _: &FilterEnv) -> Result<Value, Error> {
    let items = py_iter(v)?;
    Ok(Value::List(Arc::new(
        items
            .iter()
            .map(|x| {
                if x.is_safe() {
                    x.clone()
                } else {
                    safe(py_str(x).into_owned())
                }
            })
            .collect(),
    )))
}

/// Django's `normalize_newlines`: `\r\n` and `\r` become `\n`.
fn normalize_newlines(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\r', "\n")
}

/// `linebreaks`: paragraphs in `<p>`, single newlines as `<br>`.
pub fn linebreaks(v: &Value, _: Option<&Value>, env: &FilterEnv) -> Result<Value, Error> {
    let autoescape = env.autoescape && !v.is_safe();
    let text = normalize_newlines(&py_str(v));
    // re.split("\n{2,}", text)
    let mut paras: Vec<&str> = Vec::new();
    let bytes = text.as_bytes();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\n' && i + 1 < bytes.len() && bytes[i + 1] == b'\n' {
            let mut j = i;
            while j < bytes.len() && bytes[j] == b'\n' {
                j += 1;
            }
            paras.push(&text[start..i]);
            start = j;
            i = j;
        } else {
            i += 1;
        }
    }
    paras.push(&text[start..]);
    let out: Vec<String> = paras
        .iter()
        .map(|p| {
            let body = if autoescape {
                escape_html(p)
            } else {
                p.to_string()
            };
            format!("<p>{}</p>", body.replace('\n', "<br>"))
        })
        .collect();
    Ok(safe(out.join("\n\n")))
}

/// `linebreaksbr`: every newline becomes `<br>`.
pub fn linebreaksbr(v: &Value, _: Option<&Value>, env: &FilterEnv) -> Result<Value, Error> {
    let autoescape = env.autoescape && !v.is_safe();
    let mut text = normalize_newlines(&py_str(v));
    if autoescape {
        text = escape_html(&text);
    }
    Ok(safe(text.replace('\n', "<br>")))
}

/// `linenumbers`: prefixes each line with its zero-padded number.
pub fn linenumbers(v: &Value, _: Option<&Value>, env: &FilterEnv) -> Result<Value, Error> {
    let text = py_str(v);
    let lines: Vec<&str> = text.split('\n').collect();
    let width = lines.len().to_string().len();
    let escape_lines = env.autoescape && !v.is_safe();
    let out: Vec<String> = lines
        .iter()
        .enumerate()
        .map(|(i, line)| {
            let body = if escape_lines {
                escape_html(line)
            } else {
                line.to_string()
            };
            format!("{:0width$}. {body}", i + 1)
        })
        .collect();
    Ok(safe(out.join("\n")))
}

/// `unordered_list`: a nested list as `<li>` items (without the outer `<ul>`).
pub fn unordered_list(v: &Value, _: Option<&Value>, env: &FilterEnv) -> Result<Value, Error> {
    let items = py_iter(v)?;
    let esc = |x: &Value| {
        if env.autoescape {
            conditional_escape(x)
        } else {
            py_str(x).into_owned()
        }
    };
    fn format(
        items: &[Value],
        tabs: usize,
        esc: &dyn Fn(&Value) -> String,
    ) -> Result<String, Error> {
        let indent = "\t".repeat(tabs);
        let mut output = Vec::new();
        let mut i = 0;
        while i < items.len() {
            let item = &items[i];
            let mut children: Option<Vec<Value>> = None;
            if let Some(Value::List(next)) = items.get(i + 1) {
                children = Some(next.to_vec());
                i += 1;
            }
            i += 1;
            let mut sublist = String::new();
            if let Some(ch) = children
                && !ch.is_empty()
            {
                sublist = format!(
                    "\n{indent}<ul>\n{}\n{indent}</ul>\n{indent}",
                    format(&ch, tabs + 1, esc)?
                );
            }
            output.push(format!("{indent}<li>{}{sublist}</li>", esc(item)));
        }
        Ok(output.join("\n"))
    }
    Ok(safe(format(&items, 1, &esc)?))
}
