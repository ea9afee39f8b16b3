//! Signing in and out: the pages above the kernel (`auth`). A password (`login`), then the
//! second step (`second_step`), or an organisation's identity provider (`sso`); setting a
//! password from a mailed link (`password`) and asking for one (`forgot`); one's own
//! sessions (`sessions`). The rules they rest on — sessions, CSRF, throttling, password
//! hashing, TOTP — are the kernel's; who a provider may sign in is `identity`'s.
//!
//! # The pages
//!
//! - `/logga-in`, `/logga-ut` (`login`): the password; Tillväxtverket's staff then give a
//!   code from an authenticator app or a recovery code (`/logga-in/kod`), and enrol before
//!   any page opens (`/logga-in/aktivera-tvastegsverifiering`: a QR code and ten recovery
//!   codes to keep). Coordinators may turn the second step on under
//!   *Tvåstegsverifiering* (`/tvastegsverifiering`).
//! - `/losenord/{token}` (`password`): setting a password from a one-time link. Links go
//!   only to the person's own address, are never shown in the browser and never logged; a
//!   reset link works one hour, an administrator's or the operator's 24 hours.
//! - `/glomt-losenord` (`forgot`): *Glömt lösenord?* mails a reset link when mail is
//!   configured. The page answers the same whether or not the address has an account, and
//!   takes at most three requests per address and ten per client address an hour.
//! - `/sessioner` (`sessions`): one's sessions, with *Logga ut överallt utom här*.
//! - `/sessionen/fortsatt` (`sessions`): *Fortsätt vara inloggad* before the idle limit: renews
//!   the session (as every request does) and answers 204. After signing in, a person whose
//!   form was kept when their session ended lands back on it (`landing`, `auth::kept`).
//! - `/logga-in/sso/{key}`, `/logga-in/sso/{key}/svar`, `/logga-in/sso/bekrafta` (`sso`):
//!   signing in with an organisation's OpenID Connect provider. The sign-in starts from a
//!   link; the first sign-in by a verified address is confirmed here with the person's
//!   Digikoord password and code. Logging out continues to the provider's end-session page
//!   from a page of ours (a form may lead only to Digikoord's own origin: the CSP's
//!   `form-action`). Staff still give Digikoord's own code unless the provider is trusted
//!   for it and reports more than one factor (see `identity`).
//!
//! Every sign-in that starts a full session records the device it came from, and a device
//! new to the account is told to the person by mail (`new_device`, `auth::new_device`).

mod db;
mod forgot;
mod login;
mod new_device;
mod password;
mod second_step;
mod sessions;
mod sso;

use axum::Router;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::{AppState, auth::kept};

/// Where a person lands once signed in: back on the form they were writing when their
/// session ended, its post kept (`auth::kept`), else the start page.
pub(crate) async fn landing(conn: &mut PgConnection, user_id: Uuid) -> sqlx::Result<String> {
    Ok(kept::waiting(conn, user_id)
        .await?
        .unwrap_or_else(|| "/".to_string()))
}

pub fn router() -> Router<AppState> {
    login::router()
        .merge(password::router())
        .merge(forgot::router())
        .merge(second_step::router())
        .merge(sso::router())
        .merge(sessions::router())
}
