//! The conversation with an OpenID provider, through the `openidconnect` crate: discovery
//! (`.well-known/openid-configuration`), the authorization code flow with PKCE, `state` and
//! `nonce`, the ID token verified against the provider's JWKS (signature, issuer, audience,
//! expiry, nonce), and RP-initiated logout where the provider offers it.
//!
//! Digikoord asks only public addresses over https: the issuer and every endpoint discovery
//! names are checked (`model::reachable`), and names are looked up by a resolver that drops
//! every address inside a network (`PublicOnly`), so no provider's configuration makes the
//! server ask inside its own network. A provider's metadata is kept for ten minutes
//! (`Discovery`), so a sign-in asks the provider once, not three times.

use std::{
    collections::HashMap,
    net::SocketAddr,
    sync::{Arc, Mutex, OnceLock},
    time::{Duration, Instant},
};

use openidconnect::{
    AuthenticationFlow, AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce,
    PkceCodeChallenge, PkceCodeVerifier, PostLogoutRedirectUrl, ProviderMetadataWithLogout,
    RedirectUrl, Scope, TokenResponse,
    core::{CoreClient, CoreIdToken, CoreResponseType},
    reqwest,
};

use super::db::LoginUnderWay;
use super::model::{HowSignedIn, Provider, is_public, reachable};
use crate::secrets::{CannotOpen, Purpose, Sealer};

/// Looks names up as the system does, keeping only public addresses (or, with
/// `OIDC_ALLOW_LOCAL`, every address).
struct PublicOnly {
    allow_local: bool,
}

impl reqwest::dns::Resolve for PublicOnly {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let allow_local = self.allow_local;
        let host = name.as_str().to_string();
        Box::pin(async move {
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .filter(|a| allow_local || is_public(a.ip()))
                .collect();
            if found.is_empty() {
                return Err(format!("{host} has no public address").into());
            }
            let addrs: reqwest::dns::Addrs = Box::new(found.into_iter());
            Ok(addrs)
        })
    }
}

/// Redirects are not followed (a provider's answer that redirects could reach anywhere);
/// a provider that does not answer in 3 s is not waited for. No connection is kept for the
/// next request: sign-ins are few, and a provider may close an idle one at any moment.
fn http(allow_local: bool) -> &'static reqwest::Client {
    static STRICT: OnceLock<reqwest::Client> = OnceLock::new();
    static LOCAL: OnceLock<reqwest::Client> = OnceLock::new();
    let cell = if allow_local { &LOCAL } else { &STRICT };
    cell.get_or_init(|| {
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(3))
            .pool_max_idle_per_host(0)
            .dns_resolver(Arc::new(PublicOnly { allow_local }))
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

/// How long a provider's metadata (its configuration and keys) is kept.
const METADATA_FOR: Duration = Duration::from_secs(600);

/// Each provider's discovered metadata, kept for ten minutes per issuer.
#[derive(Clone, Default)]
pub struct Discovery {
    kept: Arc<Mutex<HashMap<String, (Instant, ProviderMetadataWithLogout)>>>,
}

impl Discovery {
    /// The issuer's metadata, from what is kept or asked again (`fresh` asks again: a
    /// provider that rotated its keys signs with one not kept yet).
    async fn of(
        &self,
        provider: &Provider,
        allow_local: bool,
        fresh: bool,
    ) -> Result<ProviderMetadataWithLogout, String> {
        let key = provider.issuer_url.clone();
        if !fresh
            && let Ok(kept) = self.kept.lock()
            && let Some((at, metadata)) = kept.get(&key)
            && at.elapsed() < METADATA_FOR
        {
            return Ok(metadata.clone());
        }
        let metadata = discover(provider, allow_local).await?;
        if let Ok(mut kept) = self.kept.lock() {
            kept.retain(|_, (at, _)| at.elapsed() < METADATA_FOR);
            kept.insert(key, (Instant::now(), metadata.clone()));
        }
        Ok(metadata)
    }
}

async fn discover(
    provider: &Provider,
    allow_local: bool,
) -> Result<ProviderMetadataWithLogout, String> {
    let issuer = IssuerUrl::new(provider.issuer_url.clone()).map_err(|e| e.to_string())?;
    if !reachable(issuer.url(), allow_local) {
        return Err(format!(
            "the issuer {} is not a public https address",
            provider.issuer_url
        ));
    }
    let metadata = ProviderMetadataWithLogout::discover_async(issuer, http(allow_local))
        .await
        .map_err(|e| format!("discovery: {e:?}"))?;
    // Every address discovery names is one Digikoord or the browser will go to.
    let mut named = vec![
        (
            "authorization_endpoint",
            metadata.authorization_endpoint().url().clone(),
        ),
        ("jwks_uri", metadata.jwks_uri().url().clone()),
    ];
    if let Some(token) = metadata.token_endpoint() {
        named.push(("token_endpoint", token.url().clone()));
    }
    if let Some(end) = &metadata.additional_metadata().end_session_endpoint {
        named.push(("end_session_endpoint", end.url().clone()));
    }
    for (what, url) in named {
        if !reachable(&url, allow_local) {
            return Err(format!("{what} {url} is not a public https address"));
        }
    }
    Ok(metadata)
}

/// The provider's own address for the sign-in, and what Digikoord keeps to check its answer.
pub struct Authorization {
    pub url: String,
    pub login: LoginUnderWay,
}

/// What Digikoord needs to speak with a provider.
pub struct Speaking<'a> {
    pub discovery: &'a Discovery,
    pub sealer: &'a Sealer,
    pub public_url: &'a str,
    pub allow_local: bool,
}

/// A client made from a provider's discovered metadata (its authorization endpoint set, its
/// token and user-info endpoints as discovery gave them).
type Discovered = CoreClient<
    openidconnect::EndpointSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointMaybeSet,
    openidconnect::EndpointMaybeSet,
>;

fn client(
    provider: &Provider,
    with: &Speaking<'_>,
    metadata: ProviderMetadataWithLogout,
) -> Result<Discovered, String> {
    Ok(CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(provider.client_id.clone()),
        Some(client_secret(provider, with.sealer).map_err(|e| e.to_string())?),
    )
    .set_redirect_uri(
        RedirectUrl::new(provider.redirect_uri(with.public_url)).map_err(|e| e.to_string())?,
    ))
}

pub async fn authorize(provider: &Provider, with: &Speaking<'_>) -> Result<Authorization, String> {
    let metadata = with.discovery.of(provider, with.allow_local, false).await?;
    let client = client(provider, with, metadata)?;
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
    with: &Speaking<'_>,
    code: &str,
    login: &LoginUnderWay,
) -> Result<Verified, (&'static str, String)> {
    let metadata = with
        .discovery
        .of(provider, with.allow_local, false)
        .await
        .map_err(|e| ("discovery", e))?;
    let client = client(provider, with, metadata).map_err(|e| ("configuration", e))?;
    let response = client
        .exchange_code(AuthorizationCode::new(code.to_string()))
        .map_err(|e| ("configuration", e.to_string()))?
        .set_pkce_verifier(PkceCodeVerifier::new(login.pkce_verifier.clone()))
        .request_async(http(with.allow_local))
        .await
        .map_err(|e| ("exchange", e.to_string()))?;
    let id_token = response
        .id_token()
        .ok_or(("no_id_token", "the provider sent no ID token".to_string()))?;
    let nonce = Nonce::new(login.nonce.clone());
    let claims = match id_token.claims(&client.id_token_verifier(), &nonce) {
        Ok(claims) => claims.clone(),
        // Signed with a key not kept yet: the provider's keys are asked for again, once.
        Err(openidconnect::ClaimsVerificationError::SignatureVerification(_)) => {
            let metadata = with
                .discovery
                .of(provider, with.allow_local, true)
                .await
                .map_err(|e| ("discovery", e))?;
            let client =
                self::client(provider, with, metadata).map_err(|e| ("configuration", e))?;
            id_token
                .claims(&client.id_token_verifier(), &nonce)
                .map_err(refusal)?
                .clone()
        }
        Err(e) => return Err(refusal(e)),
    };
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

/// Why an ID token was refused, for the audit log.
fn refusal(e: openidconnect::ClaimsVerificationError) -> (&'static str, String) {
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
}

/// The provider's end-session address with the ID token as hint and the way back to the login
/// page, if the provider offers RP-initiated logout (and answers).
pub async fn logout_url(
    provider: &Provider,
    discovery: &Discovery,
    allow_local: bool,
    id_token: &str,
    back_to: &str,
) -> Option<String> {
    let metadata = discovery.of(provider, allow_local, false).await.ok()?;
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

/// Where to send the browser to log out at the provider a session was signed in through,
/// if it offers that (its name, and the address); back to the login page afterwards.
pub async fn logout_at_provider(
    state: &crate::AppState,
    with: &crate::auth::session::SignedInWith,
) -> Option<(String, String)> {
    let provider = super::db::provider(&state.db, with.provider).await.ok()??;
    let back = format!("{}/logga-in", state.config.public_url.trim_end_matches('/'));
    let url = logout_url(
        &provider,
        &state.identity.discovery,
        state.config.oidc_allow_local,
        &with.id_token,
        &back,
    )
    .await?;
    Some((provider.display_name, url))
}
