//! What every page shares, whoever is logged in: rendering, form errors, the askama
//! filters, flash messages, downloads, input limits and the security headers. The page
//! context (who is logged in) is the session's: `auth::Ctx`.

use askama::Template;
use axum::{
    extract::{Request, State},
    http::{HeaderValue, StatusCode, header},
    middleware::Next,
    response::{Html, IntoResponse, Redirect, Response},
};
use std::collections::BTreeMap;

use crate::{
    AppState,
    error::{AppError, ErrorPage, Result},
};

/// Renders a template into a response, with errors going through `AppError`.
pub fn render(template: &impl Template) -> Result<Response> {
    render_status(StatusCode::OK, template)
}

/// Renders a page with another status: a rejected form (422), a failed login (401)…
pub fn render_status(status: StatusCode, template: &impl Template) -> Result<Response> {
    Ok((status, Html(template.render()?)).into_response())
}

/// Field errors of a form, shown at the top of the form and beside each field.
#[derive(Clone, Debug, Default)]
pub struct FormErrors(BTreeMap<&'static str, String>);

impl FormErrors {
    pub fn add(&mut self, field: &'static str, message: impl Into<String>) {
        self.0.entry(field).or_insert_with(|| message.into());
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.get(field).map(String::as_str)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&&'static str, &String)> {
        self.0.iter()
    }
}

pub const FLASH_COOKIE: &str = "dk_flash";

/// Redirects after a successful action, carrying its confirmation to the next page.
/// Over https the session layer renames the cookie and marks it `Secure`.
pub fn redirect_with_flash(to: &str, message: &str) -> Response {
    let value: String = url_encode(message);
    let mut response = Redirect::to(to).into_response();
    if let Ok(cookie) = HeaderValue::from_str(&format!(
        "{FLASH_COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age=60"
    )) {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

/// A file to save, never to render: `Content-Disposition: attachment` with the name in
/// UTF-8 (and an ASCII fallback), and a sandboxing CSP in case a browser opens it anyway.
/// The address of a static file named by its content, kept by browsers for good
/// (`assets::url`).
pub fn asset_url(name: &str) -> String {
    crate::assets::url(name)
}

pub fn download_response(bytes: Vec<u8>, content_type: &str, filename: &str) -> Response {
    let ascii: String = filename
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let disposition = format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{}",
        url_encode(filename).replace('+', "%20")
    );
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(content_type)
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; sandbox"),
    );
    response
}

pub fn url_encode(s: &str) -> String {
    serde_urlencoded::to_string([("v", s)])
        .map(|q| q[2..].to_string())
        .unwrap_or_default()
}

pub fn url_decode(s: &str) -> Option<String> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(&format!("v={s}"))
        .ok()?
        .into_iter()
        .next()
        .map(|(_, v)| v)
}

/// Each request runs to its end in a task of its own, even when the client goes away or
/// the time limit has answered for it: database work is never cut off half-way. (sqlx
/// 0.8's `begin` is not cancel-safe on PostgreSQL: a BEGIN cut off in flight leaves the
/// pooled connection inside a transaction that the next borrower's writes then vanish
/// into; launchbadge/sqlx#4393.)
pub async fn run_to_completion(request: Request, next: Next) -> Response {
    use tracing::Instrument;
    match tokio::spawn(next.run(request).in_current_span()).await {
        Ok(response) => response,
        Err(e) => {
            tracing::error!(error = %e, "a request's task failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// Security headers on every response; `no-store` on everything but static files,
/// so a page with personal data is never cached; HSTS when served over https.
pub async fn security_headers(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let is_static = request.uri().path().starts_with("/static/");
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let set = [
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; \
             frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
        ),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        // No referrer: set-password links carry a token in the path.
        (header::REFERRER_POLICY, "no-referrer"),
    ];
    for (name, value) in set {
        // A handler may have set a stricter policy (downloads are sandboxed).
        if !headers.contains_key(&name) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    }
    if !is_static {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if state.config.public_url.starts_with("https://") {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    response
}

/// No form field may be longer than this; every form's own limits are lower, so only
/// pathological input meets it.
pub const MAX_FIELD_CHARS: usize = 20_000;

/// A character no text of ours may hold: a control character other than tab, line feed and
/// carriage return (PostgreSQL's text can't store NUL; XML, so the DOCX and XLSX exports,
/// can't hold the others), or one of Unicode's two noncharacters XML refuses.
pub fn is_forbidden_char(c: char) -> bool {
    (c.is_control() && !matches!(c, '\t' | '\n' | '\r')) || matches!(c, '\u{fffe}' | '\u{ffff}')
}

fn control_refused() -> AppError {
    AppError::BadRequest(
        "Formuläret eller adressen innehåller ett otillåtet tecken: ett osynligt styrtecken (till exempel NUL), ofta med från en kopierad text. Skriv in texten på nytt. Ingenting har sparats."
            .into(),
    )
}

/// `%XX` escapes decoded (a `+` stays a `+`, as in a path or a URL's user and password);
/// what is not UTF-8 after decoding is replaced.
pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                decoded.push(byte);
                i += 3;
            }
            (byte, _) => {
                decoded.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&decoded).into_owned()
}

/// A path whose parameters decode to a forbidden character (`%00`, `%01`…): refused like
/// such a field, before a handler sees it.
pub fn check_plain_path(path: &str) -> std::result::Result<(), AppError> {
    match percent_decode(path).chars().any(is_forbidden_char) {
        true => Err(control_refused()),
        false => Ok(()),
    }
}

/// What no form field or query parameter may hold, whatever the route: a forbidden
/// character (`is_forbidden_char`) or more than `MAX_FIELD_CHARS` characters.
pub fn check_plain_input<'a>(
    pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> std::result::Result<(), AppError> {
    for (key, value) in pairs {
        if key.chars().any(is_forbidden_char) || value.chars().any(is_forbidden_char) {
            return Err(control_refused());
        }
        if key.chars().count() > 100 || value.chars().count() > MAX_FIELD_CHARS {
            return Err(AppError::BadRequest(
                "Ett fält är längre än 20\u{a0}000 tecken. Ingenting har sparats.".into(),
            ));
        }
    }
    Ok(())
}

/// Answers the framework gives in plain English text — a timeout (503), a form, query or
/// path it could not read (400, 422), a body too large (413) or of the wrong type (415) —
/// become the Swedish error, with the same status, for the page to be rendered.
pub async fn explain_plain_errors(response: Response) -> Response {
    let status = response.status();
    // Our own errors (`AppError`) are plain text too until rendered, but already Swedish.
    let ours = response.extensions().get::<ErrorPage>().is_some();
    let is_plain = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_none_or(|v| v.as_bytes().starts_with(b"text/plain"));
    if ours || !is_plain {
        return response;
    }
    let error = match status {
        StatusCode::SERVICE_UNAVAILABLE if !response.headers().contains_key(header::CONTENT_TYPE) => {
            tracing::warn!("a request took too long and was cut off");
            AppError::Unavailable
        }
        StatusCode::BAD_REQUEST | StatusCode::UNPROCESSABLE_ENTITY => AppError::BadRequest(
            "Formuläret eller adressen innehöll något som inte kunde läsas, till exempel ett fält med fel sorts värde. Ingenting har sparats."
                .into(),
        ),
        StatusCode::PAYLOAD_TOO_LARGE => AppError::BadRequest(
            "Det som skickades är för stort. Ingenting har sparats.".into(),
        ),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => AppError::BadRequest(
            "Formuläret skickades i ett format som inte stöds. Ingenting har sparats.".into(),
        ),
        _ => return response,
    };
    let mut explained = error.into_response();
    *explained.status_mut() = status;
    explained
}

pub async fn not_found() -> AppError {
    AppError::NotFound
}

/// Filters used by the templates: money and dates the Swedish way.
pub mod filters {
    use chrono::NaiveDate;
    use rust_decimal::Decimal;

    /// A value or any depth of reference to it: askama hands filters either.
    pub trait Value<T: Copy> {
        fn get(&self) -> T;
    }

    macro_rules! plain_value {
        ($($t:ty),*) => {$(
            impl Value<$t> for $t {
                fn get(&self) -> $t {
                    *self
                }
            }
        )*};
    }
    plain_value!(Decimal, NaiveDate, chrono::DateTime<chrono::Utc>, i64);

    impl<T: Copy, V: Value<T>> Value<T> for &V {
        fn get(&self) -> T {
            (**self).get()
        }
    }

    #[askama::filter_fn]
    pub fn kr(value: impl Value<Decimal>, _: &dyn askama::Values) -> askama::Result<String> {
        Ok(crate::money::format_kronor(value.get()))
    }

    #[askama::filter_fn]
    pub fn date(value: impl Value<NaiveDate>, _: &dyn askama::Values) -> askama::Result<String> {
        Ok(crate::dates::format_date(value.get()))
    }

    /// `3 mars 2025 kl. 14.05`, in Swedish time.
    #[askama::filter_fn]
    pub fn datetime(
        value: impl Value<chrono::DateTime<chrono::Utc>>,
        _: &dyn askama::Values,
    ) -> askama::Result<String> {
        let local = crate::clock::swedish(value.get());
        Ok(format!(
            "{} kl. {}",
            crate::dates::format_date(local.date_naive()),
            local.format("%H.%M")
        ))
    }

    /// `1 dag`, `12 dagar`.
    #[askama::filter_fn]
    pub fn dagar(value: impl Value<i64>, _: &dyn askama::Values) -> askama::Result<String> {
        let n = value.get();
        Ok(if n == 1 {
            "1 dag".into()
        } else {
            format!("{n} dagar")
        })
    }

    #[askama::filter_fn]
    pub fn amount_input(value: &Decimal, _: &dyn askama::Values) -> askama::Result<String> {
        Ok(crate::money::format_input(*value))
    }
}

/// Receives the one file of a multipart form (the field `file`), read as it streams in and
/// refused as soon as it passes `max` bytes. `Err` is the Swedish message for the field.
/// Reports, requisitions, network events and the history import all upload through it.
pub async fn receive_file(
    mut multipart: axum::extract::Multipart,
    max: usize,
) -> std::result::Result<(String, Vec<u8>), String> {
    let megabytes = max / (1024 * 1024);
    let unreadable =
        format!("Filen kunde inte tas emot. Den kan vara för stor (högst {megabytes} MB).");
    loop {
        let mut field = match multipart.next_field().await {
            Ok(Some(field)) if field.name() == Some("file") => field,
            Ok(Some(_)) => continue,
            Ok(None) => return Err("Välj en fil.".into()),
            Err(_) => return Err(unreadable),
        };
        let name = field.file_name().unwrap_or_default().trim().to_string();
        if name.is_empty() {
            return Err("Välj en fil.".into());
        }
        if name.contains('\0') {
            return Err("Filnamnet innehåller ett otillåtet tecken.".into());
        }
        if name.chars().count() > 255 {
            return Err("Filnamnet är för långt (högst 255 tecken).".into());
        }
        let mut bytes = Vec::new();
        loop {
            match field.chunk().await {
                Ok(Some(chunk)) if bytes.len() + chunk.len() <= max => {
                    bytes.extend_from_slice(&chunk);
                }
                Ok(Some(_)) => {
                    return Err(format!(
                        "Filen är större än {megabytes} MB. Dela upp den eller komprimera den."
                    ));
                }
                Ok(None) if bytes.is_empty() => return Err("Filen är tom.".into()),
                Ok(None) => return Ok((name, bytes)),
                Err(_) => return Err(unreadable),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_characters_and_endless_fields_are_refused_everywhere() {
        assert!(check_plain_input([("namn", "Åsa Öberg"), ("ar", "2025")]).is_ok());
        assert!(check_plain_input([("namn", "Åsa\0")]).is_err());
        assert!(check_plain_input([("na\0mn", "x")]).is_err());
        assert!(check_plain_input([("text", "rad ett\r\n\tindrag")]).is_ok());
        for control in [
            '\u{1}', '\u{8}', '\u{b}', '\u{1f}', '\u{7f}', '\u{85}', '\u{ffff}',
        ] {
            let text = format!("Åsa{control}");
            assert!(
                check_plain_input([("namn", text.as_str())]).is_err(),
                "{control:?}"
            );
        }
        assert!(check_plain_path("/logga-in/sso/%00/svar").is_err());
        assert!(check_plain_path("/logga-in/sso/a%01b/svar").is_err());
        assert!(check_plain_path("/logga-in/sso/test/svar").is_ok());
        assert!(check_plain_path("/oppna-data/%C3%A5r").is_ok());
        let long = "å".repeat(MAX_FIELD_CHARS);
        assert!(check_plain_input([("text", long.as_str())]).is_ok());
        let longer = format!("{long}x");
        assert!(check_plain_input([("text", longer.as_str())]).is_err());
    }

    #[tokio::test]
    async fn the_frameworks_plain_rejections_become_swedish_errors_and_ours_stay_as_they_are() {
        let rejection = (
            StatusCode::UNPROCESSABLE_ENTITY,
            "Failed to deserialize form",
        )
            .into_response();
        let explained = explain_plain_errors(rejection).await;
        assert_eq!(explained.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            explained.extensions().get::<ErrorPage>().map(|p| p.title),
            Some("Felaktig begäran")
        );

        let ours = AppError::BadRequest("Året finns inte i programmet.".into()).into_response();
        let kept = explain_plain_errors(ours).await;
        assert_eq!(
            kept.extensions()
                .get::<ErrorPage>()
                .map(|p| p.message.as_str()),
            Some("Året finns inte i programmet.")
        );
    }

    #[test]
    fn flash_messages_survive_the_cookie_round_trip() {
        let message = "Användaren Åsa Öberg är skapad; länk: /x?y=1";
        assert_eq!(url_decode(&url_encode(message)).as_deref(), Some(message));
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use axum::{body::Body, extract::FromRequest, http::Request};
    use proptest::prelude::*;

    const BOUNDARY: &str = "digikoord-proptest-boundary-7f3a9c";

    fn multipart_request(body: Vec<u8>) -> Request<Body> {
        Request::builder()
            .method("POST")
            .header(
                "content-type",
                format!("multipart/form-data; boundary={BOUNDARY}"),
            )
            .body(Body::from(body))
            .expect("request")
    }

    fn form_with_file(other: &str, name: &str, bytes: &[u8]) -> Vec<u8> {
        let mut body = format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{other}\r\n\
             --{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
             Content-Type: application/octet-stream\r\n\r\n"
        )
        .into_bytes();
        body.extend_from_slice(bytes);
        body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
        body
    }

    fn receive(body: Vec<u8>, max: usize) -> std::result::Result<(String, Vec<u8>), String> {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime")
            .block_on(async {
                let multipart =
                    axum::extract::Multipart::from_request(multipart_request(body), &())
                        .await
                        .expect("a multipart request");
                receive_file(multipart, max).await
            })
    }

    proptest! {
        /// A file is received exactly as sent, or refused with the reason: no name, empty,
        /// or one byte over the limit.
        #[test]
        fn a_file_is_received_exactly_or_refused(
            name in "[A-Za-z0-9 ._()åäöÅÄÖ-]{0,30}",
            bytes in prop::collection::vec(any::<u8>(), 0..600),
            max in 1usize..700,
            other in "[a-z0-9]{0,20}",
        ) {
            let got = receive(form_with_file(&other, &name, &bytes), max);
            if name.trim().is_empty() {
                prop_assert_eq!(got, Err("Välj en fil.".to_string()));
            } else if bytes.is_empty() {
                prop_assert_eq!(got, Err("Filen är tom.".to_string()));
            } else if bytes.len() > max {
                prop_assert!(got.is_err());
            } else {
                prop_assert_eq!(got, Ok((name.trim().to_string(), bytes)));
            }
        }

        /// Any body at all is answered without panicking, and never yields more than the limit.
        #[test]
        fn any_body_is_answered_without_panic(
            head in "\\PC{0,40}",
            bytes in prop::collection::vec(any::<u8>(), 0..400),
            max in 1usize..300,
        ) {
            let mut body = format!("--{BOUNDARY}\r\n{head}\r\n\r\n").into_bytes();
            body.extend_from_slice(&bytes);
            if let Ok((_, received)) = receive(body, max) {
                prop_assert!(!received.is_empty() && received.len() <= max);
            }
        }
    }
}
