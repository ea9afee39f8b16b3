//! "Glömt lösenord?": a person asks for a link to set a new password. The answer is the
//! same whether or not the address has an account, and requests are throttled per
//! typed address and per client address alike, so neither reveals anything.

use askama::Template;
use axum::{Form, Router, extract::State, http::StatusCode, response::Response, routing::get};
use serde::Deserialize;
use serde_json::json;

use super::db;
use crate::{
    AppState, audit,
    auth::{Ctx, PageCtx, client_ip::ClientIp},
    error::Result,
    mail,
    web::{FormErrors, render, render_status},
};

/// Requests for one typed address within an hour…
const PER_ADDRESS_PER_HOUR: i64 = 3;
/// …and from one client address (an IPv4 address or IPv6 /64).
const PER_CLIENT_PER_HOUR: i64 = 10;

pub fn router() -> Router<AppState> {
    Router::new().route("/glomt-losenord", get(form).post(request))
}

#[derive(Template)]
#[template(path = "signin/forgot.html")]
struct ForgotPage {
    ctx: Ctx,
    email: String,
    errors: FormErrors,
    sent: bool,
}

async fn form(PageCtx(ctx): PageCtx) -> Result<Response> {
    render(&ForgotPage {
        ctx,
        email: String::new(),
        errors: FormErrors::default(),
        sent: false,
    })
}

#[derive(Deserialize)]
struct ForgotForm {
    #[serde(default)]
    email: String,
}

async fn request(
    State(state): State<AppState>,
    PageCtx(ctx): PageCtx,
    client: ClientIp,
    Form(form): Form<ForgotForm>,
) -> Result<Response> {
    let email = form.email.trim().to_lowercase();
    let refused = |ctx: Ctx, status: StatusCode, message: &str| {
        let mut errors = FormErrors::default();
        errors.add("email", message);
        render_status(
            status,
            &ForgotPage {
                ctx,
                email: form.email.trim().to_string(),
                errors,
                sent: false,
            },
        )
    };
    if email.chars().count() > 254
        || email.split('@').count() != 2
        || email.split('@').any(str::is_empty)
        || email.contains(char::is_whitespace)
    {
        return refused(
            ctx,
            StatusCode::UNPROCESSABLE_ENTITY,
            "Ange en e-postadress, till exempel namn@region.se.",
        );
    }
    let bucket = client.bucket();
    let mut tx = state.db.begin().await?;
    // Racing requests for one address or client wait for each other while they count.
    let (for_address, for_client) =
        db::reset_requests_within_hour(&mut tx, &email, &bucket).await?;
    if for_address >= PER_ADDRESS_PER_HOUR || for_client >= PER_CLIENT_PER_HOUR {
        drop(tx);
        let mut response = refused(
            ctx,
            StatusCode::TOO_MANY_REQUESTS,
            "Det har kommit många förfrågningar om nytt lösenord på kort tid. Vänta en timme och försök igen, eller kontakta en administratör.",
        )?;
        response
            .headers_mut()
            .insert("retry-after", axum::http::HeaderValue::from_static("3600"));
        return Ok(response);
    }
    db::record_reset_request(&mut tx, &email, &bucket).await?;
    let account = db::account_for_reset(&mut tx, &email).await?;
    if let Some(account) = account {
        let to = mail::db::Recipient::account(account.id, &account.name, &account.email);
        crate::users::password_link::send(
            &mut tx,
            &state.config.public_url,
            &state.sealer,
            &to,
            mail::PasswordLink::Reset,
        )
        .await?;
        audit::Entry::new(None, "password.reset_requested", "user", account.id)
            .after(json!({ "client": bucket }))
            .record(&mut tx)
            .await?;
    }
    tx.commit().await?;
    render(&ForgotPage {
        ctx,
        email: String::new(),
        errors: FormErrors::default(),
        sent: true,
    })
}
