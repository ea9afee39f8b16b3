//! The static files (CSS, the one script), embedded in the binary so it runs from any
//! directory and in the container image, served with an ETag and a cache lifetime.
//!
//! `static/style.css` is the hand-written stylesheet: the pages work without JavaScript,
//! with print styles. `static/digikoord.js` only adds to them where JavaScript is on (the
//! menu's groups, drafts of long forms, the warning before the idle limit); the layout loads
//! it from here, as the CSP's `script-src 'self'` allows. `static/fonts/` holds
//! DejaVu Sans, with its licence beside it, in which the DOCX's charts are drawn.

use axum::{
    extract::Path,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "static/"]
struct Assets;

/// Browsers keep a file asked for by its plain name this long before asking again; the ETag
/// makes the question cheap.
const CACHE_CONTROL: &str = "public, max-age=3600";
/// A file asked for by its content's name (`url`) never changes: a new version has a new name.
const CACHE_FOREVER: &str = "public, max-age=31536000, immutable";
/// How much of the SHA-256 names a version (hex digits).
const VERSION_LEN: usize = 16;

/// The address of a static file named by its content (`/static/v/{hash}/style.css`): the
/// layout links these, so a browser keeps each version for good and fetches a new one only
/// when the file has changed. A file that isn't there keeps its plain address.
pub fn url(name: &str) -> String {
    match Assets::get(name) {
        Some(file) => format!("/static/v/{}/{name}", version(&file)),
        None => format!("/static/{name}"),
    }
}

fn version(file: &rust_embed::EmbeddedFile) -> String {
    hex::encode(file.metadata.sha256_hash())[..VERSION_LEN].to_string()
}

/// The file `path` names (its plain name, or `v/{hash}/` and its name) and whether the name
/// is the content's own (so it may be kept for good).
fn find(path: &str) -> Option<(rust_embed::EmbeddedFile, bool)> {
    if let Some((hash, name)) = path
        .strip_prefix("v/")
        .and_then(|rest| rest.split_once('/'))
    {
        let file = Assets::get(name)?;
        // An older version's address (a page from before a release) gets today's file, to
        // be asked for again soon.
        let current = version(&file) == hash;
        return Some((file, current));
    }
    Assets::get(path).map(|file| (file, false))
}

pub async fn serve(Path(path): Path<String>, headers: HeaderMap) -> Response {
    let Some((file, named_by_content)) = find(&path) else {
        return (StatusCode::NOT_FOUND, "Filen finns inte.").into_response();
    };
    let etag = format!("\"{}\"", hex::encode(file.metadata.sha256_hash()));
    let cache = [
        (
            header::CACHE_CONTROL,
            HeaderValue::from_static(if named_by_content {
                CACHE_FOREVER
            } else {
                CACHE_CONTROL
            }),
        ),
        (
            header::ETAG,
            HeaderValue::from_str(&etag).unwrap_or(HeaderValue::from_static("\"\"")),
        ),
    ];
    let unchanged = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|tag| tag.trim() == etag));
    if unchanged {
        return (StatusCode::NOT_MODIFIED, cache).into_response();
    }
    let content_type = HeaderValue::from_str(file.metadata.mimetype())
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    (
        cache,
        [(header::CONTENT_TYPE, content_type)],
        file.data.into_owned(),
    )
        .into_response()
}

/// The font the charts are drawn with (DejaVu Sans, its licence beside it), from the same
/// embedded files.
pub(crate) fn chart_font() -> Option<Vec<u8>> {
    Assets::get("fonts/DejaVuSans.ttf").map(|f| f.data.into_owned())
}
