//! From an `http::Request` to platen's engine-neutral [`Request`].

use http::header::COOKIE;
use platen_core::Request;

use crate::processors::CsrfToken;

/// The engine-neutral view of an HTTP request: method, path, query, headers
/// (names lowercased; values that are not text are left out), cookies (from
/// every `Cookie` header) and the [`CsrfToken`] in the extensions, if any.
///
/// ```
/// let req = http::Request::get("/blog/?page=2")
///     .header("cookie", "a=1; b=2")
///     .body(())
///     .unwrap();
/// let (parts, _) = req.into_parts();
/// let r = platen_tower::to_platen_request(&parts);
/// assert_eq!((r.path.as_str(), r.query.as_str()), ("/blog/", "page=2"));
/// assert_eq!(r.cookie("b"), Some("2"));
/// ```
pub fn to_platen_request(parts: &http::request::Parts) -> Request {
    let mut headers = Vec::with_capacity(parts.headers.len());
    let mut cookies = Vec::new();
    for (name, value) in &parts.headers {
        let Ok(value) = value.to_str() else { continue };
        if name == COOKIE {
            cookies.extend(parse_cookies(value));
        }
        headers.push((name.as_str().to_owned(), value.to_owned()));
    }
    Request {
        method: parts.method.as_str().to_owned(),
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().unwrap_or("").to_owned(),
        headers,
        cookies,
        csrf_token: parts.extensions.get::<CsrfToken>().map(|t| t.0.clone()),
        // Choosing a language from Accept-Language is not done here yet.
        language: None,
    }
}

/// The `name=value` pairs of a `Cookie` header; surrounding double quotes
/// of a value are removed.
fn parse_cookies(header: &str) -> impl Iterator<Item = (String, String)> + '_ {
    header.split(';').filter_map(|pair| {
        let (name, value) = pair.split_once('=')?;
        let name = name.trim();
        if name.is_empty() {
            return None;
        }
        let value = value.trim();
        let value = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .unwrap_or(value);
        Some((name.to_owned(), value.to_owned()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_and_csrf() {
        let mut req = http::Request::post("/x")
            .header("Cookie", "a=1; b=\"q\"; =bad; junk")
            .header("X-Thing", "t")
            .body(())
            .unwrap();
        req.extensions_mut().insert(CsrfToken("tok".into()));
        let (parts, _) = req.into_parts();
        let r = to_platen_request(&parts);
        assert_eq!(r.method, "POST");
        assert_eq!(
            r.cookies,
            [
                ("a".to_owned(), "1".to_owned()),
                ("b".to_owned(), "q".to_owned())
            ]
        );
        assert_eq!(r.header("x-thing"), Some("t"));
        assert_eq!(r.csrf_token.as_deref(), Some("tok"));
    }
}
