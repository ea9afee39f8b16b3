//! One error type for every handler. What a person may see is said in Swedish;
//! internal errors are logged once and shown as a plain apology. The page itself is
//! rendered by the session layer, which knows who is asking (`auth::page`).

use axum::{
    http::{StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};

#[derive(Debug)]
pub enum AppError {
    /// Not logged in (or the session ended): go to the login page.
    Unauthenticated,
    /// The id is unknown, or belongs to someone the user may not see.
    NotFound,
    /// Logged in, but the role may not do this.
    Forbidden,
    /// A POST without a valid CSRF token, or from another site.
    Csrf,
    /// A request the user can correct, said in Swedish.
    BadRequest(String),
    /// The role may act here, but not in this case (four eyes), said in Swedish.
    Refused(String),
    /// Someone else got there first ("already handled").
    Conflict(String),
    /// The database does not answer (it is restarting, or gone): try again shortly.
    Unavailable,
    /// A program the server needs for this is not installed (said in Swedish): nothing done.
    NotInstalled(String),
    /// Heavy work's queue is full, or its turn did not come in time (`heavy`): nothing
    /// done, try again in a moment.
    Busy,
    Internal(String),
}

pub type Result<T, E = AppError> = std::result::Result<T, E>;

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::RowNotFound => AppError::NotFound,
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
                tracing::warn!(error = %e, "the database does not answer");
                AppError::Unavailable
            }
            sqlx::Error::Database(d) if d.code().is_some_and(|c| is_database_away(&c)) => {
                tracing::warn!(error = %e, "the database went away");
                AppError::Unavailable
            }
            sqlx::Error::Database(d) if d.constraint().and_then(kept_as_it_is).is_some() => {
                AppError::Conflict(
                    d.constraint()
                        .and_then(kept_as_it_is)
                        .unwrap_or_default()
                        .into(),
                )
            }
            _ => AppError::Internal(format!("database: {e}")),
        }
    }
}

/// What the schema keeps as it is, whichever page asked to change it: the Swedish reason,
/// by the name of the rule the database gave. A page that can foresee it says so itself.
fn kept_as_it_is(constraint: &str) -> Option<&'static str> {
    Some(match constraint {
        "users_anonymised_for_good" => {
            "Kontot är anonymiserat. Det kan inte ändras eller aktiveras igen; skapa ett nytt konto om personen ska använda Digikoord. Ingenting har ändrats."
        }
        "bank_files_disposed" | "bank_payments_disposed" => {
            "Filen, eller en betalning i den, har gallrats och läses inte in igen. Ingenting har sparats."
        }
        "attachments_still_while_signing" => {
            "Rekvisitionen väntar på firmatecknarens bekräftelse; bilagor kan inte läggas till eller tas bort under tiden. Ingenting har ändrats."
        }
        "report_attachments_still_while_signing" => {
            "Redovisningen väntar på firmatecknarens bekräftelse; bilagor kan inte läggas till eller tas bort under tiden. Ingenting har ändrats."
        }
        "decision_records_frozen"
        | "case_document_pdfs_frozen"
        | "archive_packages_kept"
        | "disposal_log_kept" => {
            "Handlingen bevaras oförändrad och kan inte ändras eller tas bort. Ingenting har ändrats."
        }
        _ => return None,
    })
}

/// The database ended the connection under the request: it is shutting down (57P01),
/// restarting after a crash (57P02) or not yet accepting connections (57P03). The
/// transaction was rolled back; the request may be tried again.
fn is_database_away(code: &str) -> bool {
    matches!(code, "57P01" | "57P02" | "57P03")
}

impl From<crate::pdfa::Error> for AppError {
    fn from(e: crate::pdfa::Error) -> Self {
        match e {
            crate::pdfa::Error::Missing => AppError::NotInstalled(
                "PDF/A skapas med LibreOffice, som inte är installerat på servern (Debian-paketet libreoffice-writer-nogui). Ingenting har sparats. Välj ett annat format, eller be driften installera det.".into(),
            ),
            crate::pdfa::Error::Failed(detail) => AppError::Internal(format!("PDF/A: {detail}")),
        }
    }
}

impl From<crate::heavy::Busy> for AppError {
    fn from(_: crate::heavy::Busy) -> Self {
        AppError::Busy
    }
}

impl From<crate::secrets::CannotOpen> for AppError {
    fn from(e: crate::secrets::CannotOpen) -> Self {
        AppError::Internal(e.to_string())
    }
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> Self {
        AppError::Internal(format!("template: {e}"))
    }
}

/// What the error page says, carried by an error's response until a layer that knows the
/// request's context renders it (`auth::page::render_error_page`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ErrorPage {
    pub title: &'static str,
    pub message: String,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let retry_after = matches!(self, AppError::Busy);
        let (status, title, message) = match self {
            AppError::Unauthenticated => return Redirect::to("/logga-in").into_response(),
            AppError::NotFound => (
                StatusCode::NOT_FOUND,
                "Sidan finns inte",
                "Sidan du söker finns inte, eller så har du inte behörighet att se den.".to_string(),
            ),
            AppError::Forbidden => (
                StatusCode::FORBIDDEN,
                "Ingen behörighet",
                "Din roll ger inte behörighet till den här sidan.".to_string(),
            ),
            AppError::Csrf => (
                StatusCode::FORBIDDEN,
                "Formuläret kunde inte skickas",
                "Formuläret hade gått ut eller kom från en annan webbplats. Gå tillbaka, ladda om sidan och försök igen."
                    .to_string(),
            ),
            AppError::Refused(m) => (StatusCode::FORBIDDEN, "Inte tillåtet", m),
            AppError::BadRequest(m) => (StatusCode::BAD_REQUEST, "Felaktig begäran", m),
            AppError::Conflict(m) => (StatusCode::CONFLICT, "Redan hanterat", m),
            AppError::Unavailable => (
                StatusCode::SERVICE_UNAVAILABLE,
                "Tjänsten är tillfälligt otillgänglig",
                "Digikoord kan inte nå sin databas just nu. Ingenting har sparats. Försök igen om en stund.".to_string(),
            ),
            AppError::NotInstalled(m) => (
                StatusCode::SERVICE_UNAVAILABLE,
                "Finns inte på den här servern",
                m,
            ),
            AppError::Busy => (
                StatusCode::SERVICE_UNAVAILABLE,
                "Försök igen om en stund",
                format!(
                    "Många stora exporter och dokument görs just nu. Ingenting har gjorts med din begäran. Försök igen om en stund (om {} sekunder eller lite senare); sidorna i Digikoord går att använda under tiden.",
                    crate::heavy::RETRY_AFTER_SECONDS
                ),
            ),
            AppError::Internal(detail) => {
                tracing::error!(%detail, "internal error");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Något gick fel",
                    "Ett oväntat fel inträffade. Ingenting har sparats. Försök igen om en stund.".to_string(),
                )
            }
        };
        // Plain text until rendered: what is said even if no layer renders the page.
        let mut response = (
            status,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            format!("{title}\n\n{message}\n"),
        )
            .into_response();
        if retry_after {
            response.headers_mut().insert(
                header::RETRY_AFTER,
                header::HeaderValue::from(crate::heavy::RETRY_AFTER_SECONDS),
            );
        }
        response
            .extensions_mut()
            .insert(ErrorPage { title, message });
        response
    }
}

/// The name of the constraint a database error violated, to turn it into a form error.
pub fn violated_constraint(e: &sqlx::Error) -> Option<&str> {
    e.as_database_error().and_then(|d| d.constraint())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_carries_its_status_and_what_its_page_says() {
        let response = AppError::Conflict("Redan attesterad.".into()).into_response();
        assert_eq!(response.status(), StatusCode::CONFLICT);
        assert_eq!(
            response.extensions().get::<ErrorPage>(),
            Some(&ErrorPage {
                title: "Redan hanterat",
                message: "Redan attesterad.".into()
            })
        );
        let internal = AppError::Internal("database: secret detail".into()).into_response();
        assert_eq!(internal.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let page = internal.extensions().get::<ErrorPage>();
        assert!(
            page.is_some_and(|p| !p.message.contains("secret")),
            "{page:?}"
        );
    }

    #[test]
    fn a_full_queue_says_try_again_and_when() {
        let response = AppError::from(crate::heavy::Busy).into_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(
            response.headers().get(header::RETRY_AFTER),
            Some(&header::HeaderValue::from(
                crate::heavy::RETRY_AFTER_SECONDS
            ))
        );
        let page = response.extensions().get::<ErrorPage>().expect("a page");
        assert_eq!(page.title, "Försök igen om en stund");
        assert!(page.message.contains("Ingenting har gjorts"), "{page:?}");
    }

    #[test]
    fn not_logged_in_is_a_redirect_to_the_login_page_not_an_error_page() {
        let response = AppError::Unauthenticated.into_response();
        assert!(response.status().is_redirection());
        assert!(response.extensions().get::<ErrorPage>().is_none());
    }
}
