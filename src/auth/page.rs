//! The page context: what the session layer knows about a request (who, the CSRF token,
//! a confirmation to show) and the layout needs on every page, the error page included.

use askama::Template;
use axum::{
    body::Body,
    extract::FromRequestParts,
    http::{HeaderValue, header, request::Parts},
    response::Response,
};

use super::SessionUser;
use crate::{
    AppState,
    error::{AppError, ErrorPage, Result},
};

/// What the base layout needs on every page.
#[derive(Clone, Debug, Default)]
pub struct Ctx {
    pub user: Option<SessionUser>,
    pub csrf: String,
    pub flash: Option<String>,
}

impl Ctx {
    pub fn is_staff(&self) -> bool {
        self.user.as_ref().is_some_and(SessionUser::is_staff)
    }

    pub fn is_admin(&self) -> bool {
        self.user.as_ref().is_some_and(SessionUser::is_admin)
    }

    /// The address of a static file by its content (`web::asset_url`), as the layout links it.
    pub fn asset(&self, name: &str) -> String {
        crate::web::asset_url(name)
    }

    /// The session's idle limit, which the layout gives the page's script to warn before it.
    pub fn idle_minutes(&self) -> i64 {
        super::session::IDLE_TIMEOUT_MINUTES
    }
}

/// The page context of any request, logged in or not.
pub struct PageCtx(pub Ctx);

impl FromRequestParts<AppState> for PageCtx {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self> {
        parts
            .extensions
            .get::<Ctx>()
            .cloned()
            .map(PageCtx)
            .ok_or_else(|| {
                AppError::Internal("page context missing: session layer not installed".into())
            })
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorTemplate<'a> {
    ctx: &'a Ctx,
    title: &'static str,
    message: &'a str,
}

/// Renders templates/error.html, with this context, for a response that carries an
/// `ErrorPage`; any other response passes unchanged. The status and headers stay.
pub fn render_error_page(mut response: Response, ctx: &Ctx) -> Response {
    let Some(page) = response.extensions_mut().remove::<ErrorPage>() else {
        return response;
    };
    let html = ErrorTemplate {
        ctx,
        title: page.title,
        message: &page.message,
    }
    .render();
    match html {
        Ok(html) => {
            let (mut parts, _) = response.into_parts();
            parts.headers.remove(header::CONTENT_LENGTH);
            parts.headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            );
            Response::from_parts(parts, Body::from(html))
        }
        Err(e) => {
            // The plain body `AppError` gave the response stays.
            tracing::error!(error = %e, "error page failed to render");
            response
        }
    }
}

/// For errors that arise outside the session layer (a request cut off by the time limit):
/// the error page with no one logged in.
pub async fn plain_error_pages(response: Response) -> Response {
    render_error_page(response, &Ctx::default())
}

#[cfg(test)]
mod tests {
    use axum::{http::StatusCode, response::IntoResponse};
    use uuid::Uuid;

    use super::*;
    use crate::auth::{StaffRole, UserKind};

    async fn body(response: Response) -> String {
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .expect("body");
        String::from_utf8(bytes.to_vec()).expect("utf-8")
    }

    #[tokio::test]
    async fn the_error_page_shows_who_is_logged_in_and_keeps_the_status() {
        let ctx = Ctx {
            user: Some(SessionUser {
                id: Uuid::new_v4(),
                name: "Åsa Öberg".into(),
                email: "asa@example.se".into(),
                kind: UserKind::Staff(StaffRole::CaseOfficer),
            }),
            csrf: "token".into(),
            flash: None,
        };
        let response = render_error_page(AppError::NotFound.into_response(), &ctx);
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        assert!(response.extensions().get::<ErrorPage>().is_none());
        assert_eq!(
            response.headers().get(header::CONTENT_TYPE),
            Some(&HeaderValue::from_static("text/html; charset=utf-8"))
        );
        let html = body(response).await;
        assert!(html.contains("Sidan finns inte"), "{html}");
        assert!(html.contains("Åsa Öberg · Handläggare"), "{html}");
        assert!(html.contains("Logga ut"), "{html}");
        assert!(!html.contains(r#"href="/logga-in""#), "{html}");

        let anonymous = body(render_error_page(
            AppError::Forbidden.into_response(),
            &Ctx::default(),
        ))
        .await;
        assert!(anonymous.contains(r#"href="/logga-in""#), "{anonymous}");
    }

    #[tokio::test]
    async fn other_responses_pass_unchanged() {
        let response = render_error_page(
            (StatusCode::NOT_FOUND, "Filen finns inte.").into_response(),
            &Ctx::default(),
        );
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        assert_eq!(body(response).await, "Filen finns inte.");
    }
}
