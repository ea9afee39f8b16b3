//! Digikoord's cookies: HttpOnly, `SameSite=Lax`, `Path=/`, and over https `Secure` with the
//! `__Host-` prefix.

use axum::{
    http::{HeaderMap, HeaderValue, header},
    response::Response,
};

/// The value of the cookie `name` the browser sent.
pub fn read(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// The value of Digikoord's cookie `name` (by the name it goes by, `name_for`), if set and
/// not emptied.
pub fn ours(headers: &HeaderMap, name: &str, secure: bool) -> Option<String> {
    read(headers, &name_for(name, secure)).filter(|v| !v.is_empty())
}

/// The name a cookie goes by: with `Secure`, the `__Host-` prefix makes the browser
/// refuse it unless it is also `Path=/` without a `Domain`, so no sibling host or plain
/// http page can plant or overwrite it. On plain http (local use) the bare name.
pub fn name_for(name: &str, secure: bool) -> String {
    if secure {
        format!("__Host-{name}")
    } else {
        name.to_string()
    }
}

/// Sets the cookie `name` (for `max_age` seconds; `None`: for the browser's session).
pub fn set(response: &mut Response, name: &str, value: &str, max_age: Option<i64>, secure: bool) {
    let age = max_age
        .map(|s| format!("; Max-Age={s}"))
        .unwrap_or_default();
    let name = name_for(name, secure);
    let secure = if secure { "; Secure" } else { "" };
    let line = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax{secure}{age}");
    if let Ok(v) = HeaderValue::from_str(&line) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
}

/// Empties the cookie `name` in the browser.
pub fn clear(response: &mut Response, name: &str, secure: bool) {
    set(response, name, "", Some(0), secure);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_a_cookie_among_several() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; dk_session=abc; b=2; e="),
        );
        assert_eq!(read(&headers, "dk_session").as_deref(), Some("abc"));
        assert_eq!(read(&headers, "dk_csrf"), None);
        assert_eq!(ours(&headers, "e", false), None, "emptied");
        assert_eq!(name_for("dk_session", false), "dk_session");
        assert_eq!(name_for("dk_session", true), "__Host-dk_session");
    }
}
