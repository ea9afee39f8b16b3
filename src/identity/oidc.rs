//! The conversation with an OpenID provider, through the `openidconnect` crate: discovery
//! (`.well-known/openid-configuration`), the authorization code flow with PKCE, `state` and
//! `nonce`, the ID token verified against the provider's JWKS (signature, issuer, audience,
//! expiry, nonce), and RP-initiated logout where the provider offers it.

use std::{sync::OnceLock, time::Duration};

use openidconnect::{
    AuthenticationFlow, AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce,
    PkceCodeChallenge, PkceCodeVerifier, PostLogoutRedirectUrl, ProviderMetadataWithLogout,
    RedirectUrl, Scope, TokenResponse,
    core::{CoreClient, CoreIdToken, CoreResponseType},
};

use super::db::LoginUnderWay;
use super::model::{HowSignedIn, Provider};
use crate::secrets::{CannotOpen, Purpose, Sealer};

/// Redirects are not followed (a provider's answer that redirects could reach anywhere);
/// a provider that does not answer in 3 s is not waited for (an answer takes three requests
/// — the configuration, its keys, the token — all within the 10 s a request may take). No connection is kept for
/// the next request: sign-ins are few, and a provider may close an idle one at any moment
/// (a request sent on it then fails).
fn http() -> &'static openidconnect::reqwest::Client {
    static CLIENT: OnceLock<openidconnect::reqwest::Client> = OnceLock::new();
    CLIENT.get_or_init(|| {
        openidconnect::reqwest::Client::builder()
            .redirect(openidconnect::reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(3))
            .pool_max_idle_per_host(0)
            .build()
            .expect("an HTTP client")
    })
}

/// The provider's client secret, opened from where it is kept sealed.
fn client_secret(provider: &Provider, sealer: &Sealer) -> Result<ClientSecret, CannotOpen> {
    Ok(ClientSecret::new(
        sealer.open(Purpose::ClientSecret, &provider.client_secret)?,
    ))
}

async fn discover(provider: &Provider) -> Result<ProviderMetadataWithLogout, String> {
    let issuer = IssuerUrl::new(provider.issuer_url.clone()).map_err(|e| e.to_string())?;
    ProviderMetadataWithLogout::discover_async(issuer, http())
        .await
        .map_err(|e| format!("discovery: {e:?}"))
}

/// The provider's own address for the sign-in, and what Digikoord keeps to check its answer.
pub struct Authorization {
    pub url: String,
    pub login: LoginUnderWay,
}

pub async fn authorize(
    provider: &Provider,
    sealer: &Sealer,
    public_url: &str,
) -> Result<Authorization, String> {
    let metadata = discover(provider).await?;
    let client = CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(provider.client_id.clone()),
        Some(client_secret(provider, sealer).map_err(|e| e.to_string())?),
    )
    .set_redirect_uri(
        RedirectUrl::new(provider.redirect_uri(public_url)).map_err(|e| e.to_string())?,
    );
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, state, nonce) = client
        .authorize_url(
            AuthenticationFlow::<CoreResponseType>::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("email".into()))
        .add_scope(Scope::new("profile".into()))
        .set_pkce_challenge(challenge)
        .url();
    Ok(Authorization {
        url: url.to_string(),
        login: LoginUnderWay {
            provider_id: provider.id,
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
        },
    })
}

/// Who the provider says signed in, from a verified ID token.
#[derive(Clone, Debug)]
pub struct Verified {
    pub subject: String,
    pub email: Option<String>,
    pub email_verified: bool,
    pub how: HowSignedIn,
    /// Kept with the session, as the hint when logging out at the provider.
    pub id_token: String,
}

/// Exchanges the code (with the PKCE verifier) and verifies the ID token. The error is the
/// reason, for the audit log: `exchange`, `no_id_token`, `expired`, `audience`, `nonce`,
/// `issuer`, `signature`, or `claims`.
pub async fn finish(
    provider: &Provider,
    sealer: &Sealer,
    public_url: &str,
    code: &str,
    login: &LoginUnderWay,
) -> Result<Verified, (&'static str, String)> {
    let metadata = discover(provider).await.map_err(|e| ("discovery", e))?;
    let secret = client_secret(provider, sealer).map_err(|e| ("configuration", e.to_string()))?;
    let client = CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(provider.client_id.clone()),
        Some(secret),
    )
    .set_redirect_uri(
        RedirectUrl::new(provider.redirect_uri(public_url))
            .map_err(|e| ("configuration", e.to_string()))?,
    );
    let response = client
        .exchange_code(AuthorizationCode::new(code.to_string()))
        .map_err(|e| ("configuration", e.to_string()))?
        .set_pkce_verifier(PkceCodeVerifier::new(login.pkce_verifier.clone()))
        .request_async(http())
        .await
        .map_err(|e| ("exchange", e.to_string()))?;
    let id_token = response
        .id_token()
        .ok_or(("no_id_token", "the provider sent no ID token".to_string()))?;
    let claims = id_token
        .claims(
            &client.id_token_verifier(),
            &Nonce::new(login.nonce.clone()),
        )
        .map_err(|e| {
            use openidconnect::ClaimsVerificationError as E;
            let reason = match &e {
                E::Expired(_) => "expired",
                E::InvalidAudience(_) => "audience",
                E::InvalidNonce(_) => "nonce",
                E::InvalidIssuer(_) => "issuer",
                E::SignatureVerification(_) => "signature",
                _ => "claims",
            };
            (reason, e.to_string())
        })?;
    Ok(Verified {
        subject: claims.subject().as_str().to_string(),
        email: claims.email().map(|e| e.as_str().to_string()),
        email_verified: claims.email_verified().unwrap_or(false),
        how: HowSignedIn {
            amr: claims
                .auth_method_refs()
                .map(|m| m.iter().map(|r| r.as_str().to_string()).collect())
                .unwrap_or_default(),
            acr: claims.auth_context_ref().map(|a| a.as_str().to_string()),
        },
        id_token: id_token.to_string(),
    })
}

/// The provider's end-session address with the ID token as hint and the way back to the login
/// page, if the provider offers RP-initiated logout (and answers).
pub async fn logout_url(provider: &Provider, id_token: &str, back_to: &str) -> Option<String> {
    let metadata = discover(provider).await.ok()?;
    let end_session = metadata
        .additional_metadata()
        .end_session_endpoint
        .clone()?;
    let hint: CoreIdToken = id_token.parse().ok()?;
    let mut request = openidconnect::LogoutRequest::from(end_session)
        .set_id_token_hint(&hint)
        .set_client_id(ClientId::new(provider.client_id.clone()));
    if let Ok(back) = PostLogoutRedirectUrl::new(back_to.to_string()) {
        request = request.set_post_logout_redirect_uri(back);
    }
    Some(request.http_get_url().to_string())
}
