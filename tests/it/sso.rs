//! Signing in through a real OpenID provider: npm's `oidc-provider` (certified), run with node
//! (`oidc_provider.mjs`, on `127.0.0.2`), installed into `target/tmp/oidc-provider` at first
//! use. Each flow goes over HTTP between Digikoord and the provider, following redirects and
//! filling in the provider's sign-in page as a browser does. Without node or npm the tests
//! skip and say so (with `CI=true` they fail: `.ci/run` installs them). Run alone with
//! `cargo test --test it sso`.
//!
//! What is held: the first sign-in links by verified e-mail, then by subject; logout ends
//! the session and goes to the provider's end-session page; an unknown person and an
//! unverified address are refused, nothing made; tampered state, wrong nonce, expired
//! token, wrong audience each refused; only-way-in refuses the password; staff's second
//! step unless the provider reports MFA; the provider form and unlinking; a provider from
//! the environment; and the attacker's side, with two real providers.

use std::{
    io::{BufRead, BufReader},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
};

use chrono::NaiveDate;
use digikoord::{Clock, auth::Role};
use reqwest::{StatusCode, Url, header};
use serde_json::json;
use uuid::Uuid;

use crate::{PASSWORD, Page, TestApp, steps::org_id, tool};

/// `oidc-provider` installed from npm into `target/tmp/oidc-provider` once, beside the
/// harness script.
async fn installed() -> Option<PathBuf> {
    static DIR: tokio::sync::OnceCell<Option<PathBuf>> = tokio::sync::OnceCell::const_new();
    DIR.get_or_init(|| async {
        tool("node")?;
        let npm = tool("npm")?;
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("oidc-provider");
        if !dir
            .join("node_modules/oidc-provider/package.json")
            .is_file()
        {
            std::fs::create_dir_all(&dir).expect("provider dir");
            let status = tokio::process::Command::new(npm)
                .args(["install", "--no-audit", "--no-fund", "--silent", "--prefix"])
                .arg(&dir)
                .arg("oidc-provider@9")
                .status()
                .await
                .expect("npm installs oidc-provider");
            assert!(status.success(), "npm install oidc-provider: {status}");
        }
        // Beside its node_modules, so its imports find the package.
        std::fs::copy(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/oidc_provider.mjs"),
            dir.join("provider.mjs"),
        )
        .expect("the harness");
        Some(dir)
    })
    .await
    .clone()
}

/// A running provider, in a process group of its own, ended when dropped.
struct Provider {
    child: Child,
    issuer: String,
}

impl Drop for Provider {
    fn drop(&mut self) {
        if let Ok(pid) = libc::pid_t::try_from(self.child.id()) {
            // SAFETY: signals only the group this test started.
            unsafe { libc::killpg(pid, libc::SIGKILL) };
        }
        let _ = self.child.wait();
    }
}

const CLIENT_ID: &str = "digikoord";
const CLIENT_SECRET: &str = "testhemlighet";

impl Provider {
    /// Starts a provider with Digikoord (`app`, provider key `key`) as its client, and these
    /// accounts: (subject, e-mail, verified), on 127.0.0.2.
    async fn start(app: &TestApp, key: &str, accounts: &[(&str, &str, bool)]) -> Option<Provider> {
        Self::start_on(app, key, accounts, "127.0.0.2").await
    }

    /// The same, on an address of this machine of its own (a second provider's cookies stay
    /// its own).
    async fn start_on(
        app: &TestApp,
        key: &str,
        accounts: &[(&str, &str, bool)],
        host: &str,
    ) -> Option<Provider> {
        use std::os::unix::process::CommandExt;
        let dir = installed().await?;
        let config = json!({
            "clients": [{
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "redirect_uris": [app.url(&format!("/logga-in/sso/{key}/svar"))],
                "post_logout_redirect_uris": [app.url("/logga-in")],
            }],
            "accounts": accounts.iter().map(|(sub, email, verified)| {
                (sub.to_string(), json!({ "email": email, "email_verified": verified }))
            }).collect::<serde_json::Map<_, _>>(),
        });
        let mut child = Command::new("node")
            .arg(dir.join("provider.mjs"))
            .current_dir(&dir)
            .env("OIDC_TEST_CONFIG", config.to_string())
            .env("OIDC_TEST_HOST", host)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .expect("start node");
        // Its output is read to the end (a closed pipe would end it at its next warning); the
        // first line that says where it listens is passed on.
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = tokio::sync::oneshot::channel();
        std::thread::spawn(move || {
            let mut tx = Some(tx);
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(issuer) = line.strip_prefix("listening ")
                    && let Some(tx) = tx.take()
                {
                    let _ = tx.send(issuer.to_string());
                }
            }
        });
        let issuer = rx.await.ok();
        let provider = Provider {
            child,
            issuer: issuer.expect("the provider says where it listens"),
        };
        Some(provider)
    }

    /// The next ID token the provider issues carries this fault (`aud`, `exp`).
    async fn fault(&self, next: &str) {
        let response = reqwest::Client::new()
            .post(format!("{}/test/fault?next={next}", self.issuer))
            .send()
            .await
            .expect("fault");
        assert!(response.status().is_success());
    }
}

fn on() -> Clock {
    Clock::Fixed(NaiveDate::from_ymd_opt(2026, 3, 2).expect("date"))
}

/// Whom a registered provider signs in, and how far it is trusted.
#[derive(Clone, Copy)]
struct Trust<'a> {
    organisations: &'a [&'a str],
    domains: &'a str,
    staff: bool,
    mfa: bool,
    only_way_in: bool,
}

/// A provider for Region Stockholm's people, trusted for nothing more.
const STOCKHOLM_ONLY: Trust<'static> = Trust {
    organisations: &["Region Stockholm"],
    domains: "",
    staff: false,
    mfa: false,
    only_way_in: false,
};

/// Tillväxtverket's own provider: it signs in staff (all test users' addresses end in
/// test.example).
const AGENCY: Trust<'static> = Trust {
    organisations: &[],
    domains: "test.example",
    staff: true,
    mfa: false,
    only_way_in: false,
};

/// The server's settings for these tests: its own address as PUBLIC_URL, and providers on
/// this machine allowed (they run on 127.0.0.x over http).
async fn app_for_providers() -> TestApp {
    TestApp::spawn_public(on(), &[("OIDC_ALLOW_LOCAL", "true")]).await
}

/// The provider form's fields for these settings.
async fn provider_fields(
    app: &TestApp,
    provider: &Provider,
    key: &str,
    trust: Trust<'_>,
) -> Vec<(String, String)> {
    let mut fields: Vec<(String, String)> = [
        ("key", key),
        ("display_name", "Testorganisationens konto"),
        ("issuer_url", provider.issuer.as_str()),
        ("client_id", CLIENT_ID),
        ("client_secret", CLIENT_SECRET),
        ("active", "on"),
        ("email_domains", trust.domains),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    for (on, name) in [
        (trust.only_way_in, "only_way_in"),
        (trust.staff, "signs_in_staff"),
        (trust.mfa, "trusts_mfa"),
    ] {
        if on {
            fields.push((name.into(), "on".into()));
        }
    }
    for organisation in trust.organisations {
        fields.push((
            format!("org-{}", org_id(app, organisation).await),
            "on".into(),
        ));
    }
    fields
}

/// Registers the provider in Digikoord as administrators do: one asks on the form, a second
/// confirms. Returns the provider's id.
async fn register(app: &TestApp, provider: &Provider, key: &str, trust: Trust<'_>) -> Uuid {
    let asking = app.other_browser();
    asking.login_as(Role::Admin, None).await;
    let fields = provider_fields(app, provider, key, trust).await;
    let fields: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let asked = asking
        .submit("/admin/inloggning", "/admin/inloggning", &fields)
        .await;
    assert_eq!(asked.status, StatusCode::SEE_OTHER, "{}", asked.plain());
    let confirming = app.other_browser();
    confirming.login_as(Role::Admin, None).await;
    let change = pending_change(app).await;
    let confirmed = confirming
        .submit(
            "/admin/inloggning",
            &format!("/admin/inloggning/andringar/{change}/bekrafta"),
            &[],
        )
        .await;
    assert_eq!(
        confirmed.status,
        StatusCode::SEE_OTHER,
        "{}",
        confirmed.plain()
    );
    sqlx::query_scalar("SELECT id FROM identity_providers WHERE key = $1")
        .bind(key)
        .fetch_one(&app.db)
        .await
        .expect("the provider")
}

/// The change waiting for a second administrator.
async fn pending_change(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT id FROM identity_provider_changes WHERE state = 'pending'")
        .fetch_one(&app.db)
        .await
        .expect("a change waiting")
}

/// Digikoord with a coordinator of Region Stockholm who is `anna-1` (her address verified) at
/// a provider registered under the key `test` for Region Stockholm: the app, her user id, the
/// provider.
async fn anna_at_a_provider() -> Option<(TestApp, Uuid, Provider)> {
    let app = app_for_providers().await;
    let user = app
        .create_user(Role::Coordinator, Some("Region Stockholm"))
        .await;
    let email = app.email_of(user).await;
    let provider = Provider::start(&app, "test", &[("anna-1", &email, true)]).await?;
    register(&app, &provider, "test", STOCKHOLM_ONLY).await;
    Some((app, user, provider))
}

/// The first sign-in by a verified address, confirmed on Digikoord's page with the person's
/// password (and code, if they have a second factor): where the browser ends.
async fn sign_in_and_confirm(
    browser: &TestApp,
    key: &str,
    subject: &str,
    mfa: bool,
    user: Uuid,
) -> Page {
    let (url, status, body) = sign_in(browser, key, subject, mfa).await;
    assert_eq!(
        (url.path(), status),
        ("/logga-in/sso/bekrafta", StatusCode::OK),
        "{body}"
    );
    let page = browser.get("/logga-in/sso/bekrafta").await;
    let mut fields = vec![("password", crate::PASSWORD.to_string())];
    if !page.select("#code").is_empty() {
        fields.push(("code", browser.fresh_code(user).await));
    }
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    browser
        .submit("/logga-in/sso/bekrafta", "/logga-in/sso/bekrafta", &fields)
        .await
}

/// `url` with the query parameter `name` changed by `change`.
fn with_param(url: &Url, name: &str, change: impl Fn(&str) -> String) -> Url {
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| {
            let v = if k == name {
                change(&v)
            } else {
                v.into_owned()
            };
            (k.into_owned(), v)
        })
        .collect();
    let mut changed = url.clone();
    changed.query_pairs_mut().clear().extend_pairs(pairs);
    changed
}

/// Where a browser ends after a response, following every redirect (across Digikoord and
/// the provider); the last response's URL, status and body.
async fn follow(browser: &TestApp, mut response: reqwest::Response) -> (Url, StatusCode, String) {
    for _ in 0..20 {
        if !response.status().is_redirection() {
            let url = response.url().clone();
            let status = response.status();
            return (url, status, response.text().await.expect("body"));
        }
        let location = response.headers()[header::LOCATION]
            .to_str()
            .expect("location")
            .to_string();
        let next = response.url().join(&location).expect("a URL");
        response = browser.client.get(next).send().await.expect("GET");
    }
    panic!("more than 20 redirects");
}

/// A sign-in as far as the provider's sign-in page (from the login page's link): the
/// address of its form.
async fn to_the_providers_page(browser: &TestApp, key: &str) -> (Url, String) {
    let login = browser.get("/logga-in").await;
    let link = format!("/logga-in/sso/{key}");
    assert!(
        login.attrs("a", "href").contains(&link),
        "the login page links to {link}"
    );
    let response = browser
        .client
        .get(browser.url(&link))
        .send()
        .await
        .expect("start");
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let (url, status, body) = follow(browser, response).await;
    assert_eq!(status, StatusCode::OK, "{url}: {body}");
    assert!(body.contains("Testleverantören"), "{body}");
    (url, body)
}

/// Signs in at the provider's page as `subject`, with a second factor or not; where the
/// browser ends.
async fn sign_in_there(
    browser: &TestApp,
    page: &Url,
    subject: &str,
    mfa: bool,
) -> (Url, StatusCode, String) {
    let mut form = vec![("login", subject)];
    if mfa {
        form.push(("mfa", "1"));
    }
    let response = browser
        .client
        .post(page.clone())
        .form(&form)
        .send()
        .await
        .expect("sign in at the provider");
    follow(browser, response).await
}

/// The whole sign-in; where the browser ends.
async fn sign_in(
    browser: &TestApp,
    key: &str,
    subject: &str,
    mfa: bool,
) -> (Url, StatusCode, String) {
    let (page, _) = to_the_providers_page(browser, key).await;
    sign_in_there(browser, &page, subject, mfa).await
}

/// Who Digikoord's start page says is logged in, if anyone.
async fn logged_in(browser: &TestApp) -> bool {
    browser.get("/").await.status == StatusCode::OK
}

async fn reasons(app: &TestApp) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT after->>'reason' FROM audit_log WHERE action = 'sso.refused' ORDER BY id",
    )
    .fetch_all(&app.db)
    .await
    .expect("refusals")
}

async fn links(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM identity_links")
        .fetch_one(&app.db)
        .await
        .expect("links")
}

#[tokio::test]
async fn a_first_sign_in_links_once_the_person_confirms_then_the_subject_signs_in_and_logging_out_ends_it()
 {
    let app = app_for_providers().await;
    let user = app
        .create_user(Role::Coordinator, Some("Region Stockholm"))
        .await;
    let email = app.email_of(user).await;
    let Some(provider) = Provider::start(&app, "test", &[("anna-1", &email, true)]).await else {
        return;
    };
    let provider_id = register(&app, &provider, "test", STOCKHOLM_ONLY).await;
    let browser = app.other_browser();
    let login_page = browser.get("/logga-in").await;
    assert_eq!(
        login_page.select("a[href='/logga-in/sso/test']"),
        vec!["Logga in med Testorganisationens konto"]
    );

    // The first sign-in by the verified address links only once Anna confirms with her own
    // Digikoord password: a wrong one links nothing and signs no one in.
    let (url, status, body) = sign_in(&browser, "test", "anna-1", false).await;
    assert_eq!(
        (url.path(), status),
        ("/logga-in/sso/bekrafta", StatusCode::OK),
        "{body}"
    );
    assert!(!logged_in(&browser).await, "not in before confirming");
    let wrong = browser
        .submit(
            "/logga-in/sso/bekrafta",
            "/logga-in/sso/bekrafta",
            &[("password", "inte mitt lösenord")],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(wrong.select("#password-error").len(), 1);
    assert!(!logged_in(&browser).await);
    let confirmed: i64 =
        sqlx::query_scalar("SELECT count(*) FROM identity_links WHERE confirmed_at IS NOT NULL")
            .fetch_one(&app.db)
            .await
            .expect("links");
    assert_eq!(confirmed, 0);
    // Another browser can't confirm what was signed in here: nothing waits there.
    let elsewhere = app.other_browser();
    let nothing = elsewhere
        .submit(
            "/logga-in",
            "/logga-in/sso/bekrafta",
            &[("password", PASSWORD)],
        )
        .await;
    assert_eq!(nothing.location.as_deref(), Some("/logga-in"));
    assert!(!logged_in(&elsewhere).await);
    let right = browser
        .submit(
            "/logga-in/sso/bekrafta",
            "/logga-in/sso/bekrafta",
            &[("password", PASSWORD)],
        )
        .await;
    assert_eq!(right.location.as_deref(), Some("/"), "{}", right.plain());
    assert!(logged_in(&browser).await);
    let (subject, linked_to, by): (String, Uuid, Option<Uuid>) = sqlx::query_as(
        "SELECT subject, user_id, confirmed_by FROM identity_links WHERE provider_id = $1",
    )
    .bind(provider_id)
    .fetch_one(&app.db)
    .await
    .expect("the link");
    assert_eq!(
        (subject.as_str(), linked_to, by),
        ("anna-1", user, Some(user))
    );
    assert_eq!(app.audit_count("sso.linked").await, 1);

    // Linked now by the subject: straight in, and logging out ends Digikoord's session and
    // goes on to the provider's end-session page (a page of ours that sends the browser on),
    // with the ID token as hint and Digikoord's login page to come back to.
    let browser = app.other_browser();
    let (url, status, _) = sign_in(&browser, "test", "anna-1", false).await;
    assert_eq!((url.path(), status), ("/", StatusCode::OK));
    assert_eq!(app.audit_count("sso.login").await, 1);
    let csrf = browser.get("/").await.csrf();
    let out = browser
        .client
        .post(browser.url("/logga-ut"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .expect("logout");
    assert_eq!(out.status(), StatusCode::OK);
    let page = TestApp::page_of(out).await;
    let to = page
        .attr("a.button", "href")
        .expect("a link to log out at the provider");
    let refresh = page
        .attr("meta[http-equiv=refresh]", "content")
        .expect("sent on");
    assert_eq!(refresh, format!("0;url={to}"));
    let to = Url::parse(&to).expect("the provider's address");
    assert!(
        to.as_str()
            .starts_with(&format!("{}/session/end", provider.issuer)),
        "{to}"
    );
    let query: Vec<(String, String)> = to.query_pairs().into_owned().collect();
    assert!(query.iter().any(|(k, _)| k == "id_token_hint"), "{query:?}");
    assert!(query.contains(&("post_logout_redirect_uri".into(), app.url("/logga-in"))));
    assert!(!logged_in(&browser).await, "Digikoord's session is over");
    let sessions: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM sessions WHERE user_id = $1 AND identity_provider IS NOT NULL",
    )
    .bind(user)
    .fetch_one(&app.db)
    .await
    .expect("sessions");
    assert_eq!(
        sessions, 1,
        "only the first browser's (signed in through the provider by confirming) is left"
    );

    // A changed address does not matter, and nothing new is linked.
    sqlx::query("UPDATE users SET email = 'nytt-namn@test.example' WHERE id = $1")
        .bind(user)
        .execute(&app.db)
        .await
        .expect("new address");
    let again = app.other_browser();
    let (url, status, _) = sign_in(&again, "test", "anna-1", false).await;
    assert_eq!((url.path(), status), ("/", StatusCode::OK));
    assert_eq!(links(&app).await, 1);
    assert_eq!(app.audit_count("sso.linked").await, 1);
    assert_eq!(app.audit_count("sso.login").await, 2);
}

#[tokio::test]
async fn a_provider_vouches_only_for_whom_it_may_whatever_it_asserts() {
    let app = app_for_providers().await;
    let admin = app.create_user(Role::Admin, None).await;
    let admin_email = app.email_of(admin).await;
    let uppsala = app
        .create_user(Role::Coordinator, Some("Region Uppsala"))
        .await;
    let uppsala_email = app.email_of(uppsala).await;
    let skane = app
        .create_user(Role::Coordinator, Some("Region Skåne"))
        .await;
    let skane_email = app.email_of(skane).await;
    // The operator of Region Skåne's provider makes accounts with a Tillväxtverket
    // administrator's verified address, and an Uppsala coordinator's, and signs in with
    // "more than one factor".
    let Some(region) = Provider::start(
        &app,
        "region-skane",
        &[
            ("falsk-admin", &admin_email, true),
            ("falsk-uppsala", &uppsala_email, true),
            ("skane-1", &skane_email, true),
        ],
    )
    .await
    else {
        return;
    };
    // Tillväxtverket's own provider, on an address of its own, may sign in staff.
    let Some(agency) =
        Provider::start_on(&app, "tvv", &[("admin-1", &admin_email, true)], "127.0.0.3").await
    else {
        return;
    };
    let skane_only = Trust {
        organisations: &["Region Skåne"],
        ..STOCKHOLM_ONLY
    };
    register(&app, &region, "region-skane", skane_only).await;
    register(&app, &agency, "tvv", AGENCY).await;

    for (subject, mfa) in [
        ("falsk-admin", true),
        ("falsk-admin", false),
        ("falsk-uppsala", true),
    ] {
        let browser = app.other_browser();
        let (url, status, body) = sign_in(&browser, "region-skane", subject, mfa).await;
        assert_eq!(
            (url.path(), status),
            ("/logga-in/sso/region-skane/svar", StatusCode::FORBIDDEN),
            "{subject}: {body}"
        );
        assert!(
            body.contains("kan inte användas för att logga in"),
            "{body}"
        );
        assert!(!logged_in(&browser).await, "{subject}");
    }
    assert_eq!(links(&app).await, 0, "nothing is linked");
    assert_eq!(
        reasons(&app).await,
        vec!["not_vouched", "not_vouched", "not_vouched"]
    );
    assert_eq!(app.audit_count("sso.login").await, 0);

    // Its own region's coordinator it may sign in (once confirmed).
    let page = sign_in_and_confirm(
        &app.other_browser(),
        "region-skane",
        "skane-1",
        false,
        skane,
    )
    .await;
    assert_eq!(page.location.as_deref(), Some("/"), "{}", page.plain());

    // Tillväxtverket's provider signs in the administrator: confirmed with password and code,
    // then straight to Digikoord's own second step (its MFA claim is not trusted).
    let browser = app.other_browser();
    let page = sign_in_and_confirm(&browser, "tvv", "admin-1", true, admin).await;
    assert_eq!(page.location.as_deref(), Some("/"), "{}", page.plain());
    let browser = app.other_browser();
    let (url, _, _) = sign_in(&browser, "tvv", "admin-1", true).await;
    assert_eq!(
        url.path(),
        "/logga-in/kod",
        "the provider's mfa is not trusted"
    );
}

#[tokio::test]
async fn an_unknown_person_and_an_unverified_address_are_refused_and_nothing_is_made() {
    let app = app_for_providers().await;
    let user = app
        .create_user(Role::Coordinator, Some("Region Stockholm"))
        .await;
    let email = app.email_of(user).await;
    let Some(provider) = Provider::start(
        &app,
        "test",
        &[
            ("okand-1", "okand@annan.example", true),
            ("overifierad-1", &email, false),
        ],
    )
    .await
    else {
        return;
    };
    register(&app, &provider, "test", STOCKHOLM_ONLY).await;
    let users_before: i64 = sqlx::query_scalar("SELECT count(*) FROM users")
        .fetch_one(&app.db)
        .await
        .expect("users");
    for (subject, says) in [
        ("okand-1", "kan inte användas för att logga in i Digikoord"),
        ("overifierad-1", "ingen bekräftad e-postadress"),
    ] {
        let browser = app.other_browser();
        let (url, status, body) = sign_in(&browser, "test", subject, true).await;
        assert_eq!(
            (url.path(), status),
            ("/logga-in/sso/test/svar", StatusCode::FORBIDDEN)
        );
        assert!(body.contains(says), "{subject}: {body}");
        assert!(!logged_in(&browser).await);
    }
    assert_eq!(reasons(&app).await, vec!["unknown", "no_verified_email"]);
    assert_eq!(links(&app).await, 0);
    let users_after: i64 = sqlx::query_scalar("SELECT count(*) FROM users")
        .fetch_one(&app.db)
        .await
        .expect("users");
    assert_eq!(users_after, users_before, "no account is made on the fly");
    assert_eq!(app.audit_count("sso.login").await, 0);
}

#[tokio::test]
async fn a_tampered_state_a_wrong_nonce_an_expired_token_and_a_wrong_audience_are_each_refused() {
    let Some((app, _, provider)) = anna_at_a_provider().await else {
        return;
    };

    // The state: the provider's answer comes back with another.
    let browser = app.other_browser();
    let (page, _) = to_the_providers_page(&browser, "test").await;
    let response = browser
        .client
        .post(page)
        .form(&[("login", "anna-1")])
        .send()
        .await
        .expect("sign in there");
    let mut response = response;
    let answer = loop {
        let location = response.headers()[header::LOCATION]
            .to_str()
            .expect("location")
            .to_string();
        let next = response.url().join(&location).expect("url");
        if next.path() == "/logga-in/sso/test/svar" {
            break next;
        }
        response = browser.client.get(next).send().await.expect("GET");
    };
    let tampered = with_param(&answer, "state", |v| format!("{v}x"));
    let refused = browser.client.get(tampered).send().await.expect("answer");
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    // The sign-in is used up: the untampered answer now finds nothing under way.
    let late = browser.client.get(answer).send().await.expect("answer");
    assert_eq!(late.status(), StatusCode::BAD_REQUEST);
    assert!(!logged_in(&browser).await);

    // The nonce: the provider is asked for another than Digikoord keeps.
    let browser = app.other_browser();
    let start = browser
        .client
        .get(browser.url("/logga-in/sso/test"))
        .send()
        .await
        .expect("start");
    let authorize = Url::parse(
        start.headers()[header::LOCATION]
            .to_str()
            .expect("location"),
    )
    .expect("url");
    let other_nonce = with_param(&authorize, "nonce", |_| "ett-annat-nonce".to_string());
    let response = browser
        .client
        .get(other_nonce)
        .send()
        .await
        .expect("authorize");
    let (page, _, _) = follow(&browser, response).await;
    let (_, status, _) = sign_in_there(&browser, &page, "anna-1", false).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(!logged_in(&browser).await);

    // An expired token, and one for another audience, signed with the provider's own key.
    for fault in ["exp", "aud"] {
        let browser = app.other_browser();
        let (page, _) = to_the_providers_page(&browser, "test").await;
        provider.fault(fault).await;
        let (_, status, body) = sign_in_there(&browser, &page, "anna-1", false).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{fault}: {body}");
        assert!(body.contains("kunde inte bekräftas"), "{body}");
        assert!(!logged_in(&browser).await);
    }
    // A NUL in the address is refused before anything is recorded.
    let nul = app.other_browser().get("/logga-in/sso/%00/svar").await;
    assert_eq!(nul.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        reasons(&app).await,
        vec![
            "state",
            "no_sign_in_under_way",
            "nonce",
            "expired",
            "audience"
        ]
    );
    assert_eq!(app.audit_count("sso.login").await, 0);
    assert_eq!(links(&app).await, 0);
    // And the same provider still lets the right answer in (to confirm the first link).
    let (url, _, _) = sign_in(&app.other_browser(), "test", "anna-1", false).await;
    assert_eq!(url.path(), "/logga-in/sso/bekrafta");
}

#[tokio::test]
async fn the_only_way_in_turns_the_password_off_and_staff_give_a_second_factor_unless_the_provider_did()
 {
    let app = app_for_providers().await;
    let officer = app.create_user(Role::CaseOfficer, None).await;
    let officer_email = app.email_of(officer).await;
    let other = app.create_user(Role::CaseOfficer, None).await;
    let other_email = app.email_of(other).await;
    let Some(provider) = Provider::start(&app, "tvv", &[("karin-1", &officer_email, true)]).await
    else {
        return;
    };
    let trusted = Trust {
        mfa: true,
        only_way_in: true,
        ..AGENCY
    };
    let provider_id = register(&app, &provider, "tvv", trusted).await;
    // The first sign-in is confirmed with Karin's password and the code from her app.
    let first = sign_in_and_confirm(&app.other_browser(), "tvv", "karin-1", false, officer).await;
    assert_eq!(first.location.as_deref(), Some("/"), "{}", first.plain());

    // Staff signed in at the provider with one factor: Digikoord's own second step follows.
    let browser = app.other_browser();
    let (url, _, _) = sign_in(&browser, "tvv", "karin-1", false).await;
    assert_eq!(url.path(), "/logga-in/kod");
    assert!(!logged_in(&browser).await, "not in before the second step");
    // After it, the full session is still the provider's (logging out goes on there).
    let code = browser.fresh_code(officer).await;
    let done = browser
        .submit("/logga-in/kod", "/logga-in/kod", &[("code", &code)])
        .await;
    assert_eq!(done.location.as_deref(), Some("/"));
    assert!(logged_in(&browser).await);
    let through: Vec<Option<Uuid>> = sqlx::query_scalar(
        "SELECT identity_provider FROM sessions WHERE user_id = $1 ORDER BY created_at DESC LIMIT 1",
    )
    .bind(officer)
    .fetch_all(&app.db)
    .await
    .expect("sessions");
    assert_eq!(through, vec![Some(provider_id)]);
    // With the provider's own second factor, which this provider is trusted to report,
    // straight in.
    let browser = app.other_browser();
    let (url, status, _) = sign_in(&browser, "tvv", "karin-1", true).await;
    assert_eq!((url.path(), status), ("/", StatusCode::OK));
    let second_steps: Vec<bool> = sqlx::query_scalar(
        "SELECT (after->>'second_step')::boolean FROM audit_log WHERE action = 'sso.login' ORDER BY id",
    )
    .fetch_all(&app.db)
    .await
    .expect("logins");
    assert_eq!(second_steps, vec![true, false]);

    // The provider is the linked user's only way in: the right password is refused exactly as
    // a wrong one is (no oracle for a guesser), and the page says how to sign in; a user
    // without a link keeps the password.
    let password = app.other_browser().login(&officer_email, PASSWORD).await;
    let wrong = app
        .other_browser()
        .login(&officer_email, "fel lösenord")
        .await;
    for refused in [&password, &wrong] {
        assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
        assert_eq!(
            refused.select(".error-summary"),
            vec!["Inloggningen misslyckades."]
        );
        assert!(
            refused
                .text
                .contains("Logga in med Testorganisationens konto"),
            "{}",
            refused.text
        );
    }
    assert_eq!(app.audit_count("auth.password_refused").await, 1);
    let unlinked = app.other_browser().login(&other_email, PASSWORD).await;
    assert_eq!(unlinked.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn an_administrator_sees_and_removes_a_link_and_a_bad_provider_form_comes_back_filled_in() {
    let Some((app, _, _provider)) = anna_at_a_provider().await else {
        return;
    };
    let admin = app.other_browser();
    admin.login_as(Role::Admin, None).await;
    let wrong = admin
        .submit(
            "/admin/inloggning",
            "/admin/inloggning",
            &[
                ("key", "test"),
                ("display_name", "Ett konto till"),
                ("issuer_url", "http://idp.example.se"),
                ("client_id", "x"),
                ("client_secret", "y"),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        wrong.select("#new-issuer_url-error").len(),
        1,
        "https is required"
    );
    assert_eq!(
        wrong.attr("#new-display_name", "value").as_deref(),
        Some("Ett konto till")
    );
    let taken = admin
        .submit(
            "/admin/inloggning",
            "/admin/inloggning",
            &[
                ("key", "test"),
                ("display_name", "Ett konto till"),
                ("issuer_url", "https://idp.example.se"),
                ("client_id", "x"),
                ("client_secret", "y"),
                ("email_domains", "example.se"),
            ],
        )
        .await;
    assert_eq!(taken.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(taken.select("#new-key-error").len(), 1, "the key is taken");
    let providers: i64 = sqlx::query_scalar("SELECT count(*) FROM identity_providers")
        .fetch_one(&app.db)
        .await
        .expect("providers");
    assert_eq!(providers, 1);
    // The secret is never shown back, nor written to the log.
    let page = admin.get("/admin/inloggning").await;
    assert!(!page.text.contains(CLIENT_SECRET));
    let logged: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_log WHERE after::text LIKE '%' || $1 || '%'",
    )
    .bind(CLIENT_SECRET)
    .fetch_one(&app.db)
    .await
    .expect("log");
    assert_eq!(logged, 0);

    // A link waiting for confirmation is listed, and an administrator may confirm it (for a
    // coordinator one is enough; the person may have no password in Digikoord).
    let (url, _, _) = sign_in(&app.other_browser(), "test", "anna-1", false).await;
    assert_eq!(url.path(), "/logga-in/sso/bekrafta");
    let link: Uuid = sqlx::query_scalar("SELECT id FROM identity_links")
        .fetch_one(&app.db)
        .await
        .expect("the link");
    let page = admin.get("/admin/inloggning").await;
    assert!(page.text.contains("anna-1"), "the subject is shown");
    assert_eq!(
        page.select(&format!("#koppling-{link} .link-state")),
        vec!["Väntar på bekräftelse"]
    );
    let confirmed = admin
        .submit(
            "/admin/inloggning",
            &format!("/admin/inloggning/kopplingar/{link}/bekrafta"),
            &[],
        )
        .await;
    assert_eq!(
        confirmed.status,
        StatusCode::SEE_OTHER,
        "{}",
        confirmed.plain()
    );
    let (url, _, _) = sign_in(&app.other_browser(), "test", "anna-1", false).await;
    assert_eq!(url.path(), "/", "confirmed: straight in");
    let removed = admin
        .submit(
            "/admin/inloggning",
            &format!("/admin/inloggning/kopplingar/{link}/ta-bort"),
            &[],
        )
        .await;
    assert_eq!(removed.status, StatusCode::SEE_OTHER);
    assert_eq!(links(&app).await, 0);
    assert_eq!(app.audit_count("sso.unlinked").await, 1);
    // The next sign-in links anew, by the verified address, to be confirmed again.
    let (url, _, _) = sign_in(&app.other_browser(), "test", "anna-1", false).await;
    assert_eq!(url.path(), "/logga-in/sso/bekrafta");
    assert_eq!(app.audit_count("sso.linked").await, 1);
    assert_eq!(app.audit_count("sso.link_pending").await, 2);
}

#[tokio::test]
async fn a_provider_named_by_the_environment_is_kept_at_start_and_signs_in() {
    let app = app_for_providers().await;
    let user = app
        .create_user(Role::Coordinator, Some("Region Stockholm"))
        .await;
    let email = app.email_of(user).await;
    let Some(provider) = Provider::start(&app, "tvv", &[("anna-1", &email, true)]).await else {
        return;
    };
    let environment = |name: &'static str| {
        let issuer = provider.issuer.clone();
        move |key: &str| match key {
            "OIDC_PROVIDERS" => Some("tvv".to_string()),
            "OIDC_TVV_ISSUER" => Some(issuer.clone()),
            "OIDC_TVV_CLIENT_ID" => Some(CLIENT_ID.to_string()),
            "OIDC_TVV_CLIENT_SECRET" => Some(CLIENT_SECRET.to_string()),
            "OIDC_TVV_NAME" => Some(name.to_string()),
            "OIDC_TVV_ORGANISATIONS" => Some("Region Stockholm".to_string()),
            "OIDC_ALLOW_LOCAL" => Some("true".to_string()),
            _ => None,
        }
    };
    let config =
        digikoord::Config::from_lookup(environment("Tillväxtverkets konto")).expect("valid");
    let keep = |config: digikoord::Config| {
        let db = app.db.clone();
        async move {
            digikoord::identity::keep_from_environment(
                &db,
                &crate::sealer(),
                &config.identity_providers,
            )
            .await
            .expect("kept")
        }
    };
    assert_eq!(keep(config.clone()).await, 1);
    assert_eq!(keep(config).await, 0, "nothing changed, nothing saved");
    let renamed = digikoord::Config::from_lookup(environment("TVV")).expect("valid");
    assert_eq!(keep(renamed).await, 1);
    assert_eq!(
        app.audit_count("identity_provider.from_environment").await,
        2
    );
    let browser = app.other_browser();
    assert_eq!(
        browser
            .get("/logga-in")
            .await
            .select("a[href='/logga-in/sso/tvv']"),
        vec!["Logga in med TVV"]
    );
    let page = sign_in_and_confirm(&browser, "tvv", "anna-1", false, user).await;
    assert_eq!(page.location.as_deref(), Some("/"), "{}", page.plain());
    // An organisation the database does not have stops the start, naming the variable.
    let unknown = digikoord::Config::from_lookup({
        let named = environment("TVV");
        move |key: &str| match key {
            "OIDC_TVV_ORGANISATIONS" => Some("Region Atlantis".to_string()),
            other => named(other),
        }
    })
    .expect("valid");
    let refused = digikoord::identity::keep_from_environment(
        &app.db,
        &crate::sealer(),
        &unknown.identity_providers,
    )
    .await
    .expect_err("no such organisation");
    assert!(refused.contains("OIDC_TVV_ORGANISATIONS"), "{refused}");
}

#[tokio::test]
async fn a_provider_is_made_or_changed_only_with_a_second_administrators_confirmation() {
    let Some((app, anna, provider)) = anna_at_a_provider().await else {
        return;
    };
    let provider_id: Uuid = sqlx::query_scalar("SELECT id FROM identity_providers")
        .fetch_one(&app.db)
        .await
        .expect("the provider");
    let a = app.other_browser();
    let a_id = a.login_as(Role::Admin, None).await;
    // A alone makes the provider trust staff and its MFA claim: nothing changes until
    // another administrator confirms.
    let trusting = Trust {
        staff: true,
        mfa: true,
        domains: "test.example",
        ..STOCKHOLM_ONLY
    };
    let fields = provider_fields(&app, &provider, "test", trusting).await;
    let fields: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let path = format!("/admin/inloggning/{provider_id}");
    let asked = a.submit("/admin/inloggning", &path, &fields).await;
    assert_eq!(asked.status, StatusCode::SEE_OTHER, "{}", asked.plain());
    let page = a.follow(asked).await;
    assert!(page.select(".flash")[0].contains("väntar nu på att en annan administratör"));
    let change = pending_change(&app).await;
    assert!(
        page.select(&format!("#andring-{change} li"))
            .contains(&"Loggar in Tillväxtverkets personal: nej → ja".to_string()),
        "{:?}",
        page.select(&format!("#andring-{change} li"))
    );
    let trust: (bool, bool, Vec<String>) = sqlx::query_as(
        "SELECT signs_in_staff, trusts_mfa, email_domains FROM identity_providers WHERE id = $1",
    )
    .bind(provider_id)
    .fetch_one(&app.db)
    .await
    .expect("provider");
    assert_eq!(trust, (false, false, vec![]), "nothing in force yet");
    // A can't confirm it; nor can the server's role write the provider past a confirmation.
    let own = a
        .submit(
            "/admin/inloggning",
            &format!("/admin/inloggning/andringar/{change}/bekrafta"),
            &[],
        )
        .await;
    assert_eq!(own.status, StatusCode::FORBIDDEN);
    let server = digikoord::db::server_pool(&app.server_url, 1).expect("pool");
    let err = sqlx::query(
        "UPDATE identity_providers SET signs_in_staff = true, issuer_url = 'https://annan.example'",
    )
    .execute(&server)
    .await
    .expect_err("written alone");
    assert_eq!(
        digikoord::error::violated_constraint(&err),
        Some("identity_providers_confirmed")
    );
    let err = sqlx::query(
        "UPDATE identity_provider_changes SET state = 'confirmed', decided_by = $1, decided_at = now()
         WHERE state = 'pending'",
    )
    .bind(a_id)
    .execute(&server)
    .await
    .expect_err("confirmed by the one who asked");
    assert_eq!(
        digikoord::error::violated_constraint(&err),
        Some("identity_provider_changes_four_eyes")
    );
    // A second administrator confirms it.
    let b = app.other_browser();
    b.login_as(Role::Admin, None).await;
    let confirmed = b
        .submit(
            "/admin/inloggning",
            &format!("/admin/inloggning/andringar/{change}/bekrafta"),
            &[],
        )
        .await;
    assert_eq!(
        confirmed.status,
        StatusCode::SEE_OTHER,
        "{}",
        confirmed.plain()
    );
    let trust: (bool, bool) =
        sqlx::query_as("SELECT signs_in_staff, trusts_mfa FROM identity_providers WHERE id = $1")
            .bind(provider_id)
            .fetch_one(&app.db)
            .await
            .expect("provider");
    assert_eq!(trust, (true, true));
    assert_eq!(app.audit_count("identity_provider.updated").await, 1);

    // Switching one off is at once, by one administrator: the button disappears, the
    // sign-in is refused.
    let off = a
        .submit(
            "/admin/inloggning",
            &format!("/admin/inloggning/{provider_id}/stang-av"),
            &[],
        )
        .await;
    assert_eq!(off.status, StatusCode::SEE_OTHER, "{}", off.plain());
    assert!(
        app.other_browser()
            .get("/logga-in")
            .await
            .attrs("a", "href")
            .iter()
            .all(|h| !h.starts_with("/logga-in/sso/")),
        "no provider offered"
    );
    assert_eq!(
        app.other_browser().get("/logga-in/sso/test").await.status,
        StatusCode::NOT_FOUND
    );
    let _ = anna;
}

#[tokio::test]
async fn each_client_starts_a_few_sign_ins_a_minute_and_the_providers_metadata_is_kept() {
    let Some((app, _, provider)) = anna_at_a_provider().await else {
        return;
    };
    let browser = app.other_browser();
    assert_eq!(
        browser.get("/logga-in/sso/test").await.status,
        StatusCode::SEE_OTHER
    );
    // The provider's metadata is kept: with the provider gone, a sign-in still starts (the
    // browser is sent to its address) without asking it again.
    drop(provider);
    let mut statuses = Vec::new();
    for _ in 1..30 {
        statuses.push(browser.get("/logga-in/sso/test").await.status);
    }
    assert!(
        statuses.iter().all(|s| *s == StatusCode::SEE_OTHER),
        "{statuses:?}"
    );
    let refused = browser.get("/logga-in/sso/test").await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        refused.plain().contains("Vänta en minut"),
        "{}",
        refused.plain()
    );
    let under_way: i64 = sqlx::query_scalar("SELECT count(*) FROM identity_logins")
        .fetch_one(&app.db)
        .await
        .expect("logins");
    assert!(under_way <= 30, "{under_way}");
}

#[tokio::test]
async fn in_a_real_browser_the_sign_in_and_the_logout_go_to_the_provider_and_come_back() {
    let Some((app, _anna, provider)) = anna_at_a_provider().await else {
        return;
    };
    let Some((_driver, mut person, _)) = crate::browser::browser_for("sso").await else {
        return;
    };
    let provider_host = Url::parse(&provider.issuer)
        .expect("issuer")
        .host_str()
        .expect("host")
        .to_string();
    person.at(&app.url("")).await;
    person.open("/logga-in", "inloggning").await;
    // The login page's link takes Chromium to the provider (the CSP allows no form to leave
    // Digikoord's origin: the start is a link).
    person
        .follow(
            "Logga in med Testorganisationens konto",
            "leverantor-inloggning",
        )
        .await;
    person.wait_for_host(&provider_host).await;
    person.type_in("login", "anna-1").await;
    person.press_and_go_on("Logga in").await;
    person.wait_for_host("127.0.0.1").await;
    person.look("bekrafta").await;
    assert_eq!(person.path().await, "/logga-in/sso/bekrafta");
    person.type_in("password", PASSWORD).await;
    person.press("Bekräfta och logga in", "inloggad").await;
    assert_eq!(person.path().await, "/", "{}", person.text().await);
    assert!(person.text().await.contains("är nu kopplat till Digikoord"));
    // Logging out goes on to the provider's end-session page, and back to the login page.
    person.press_and_go_on("Logga ut").await;
    person.wait_for_host(&provider_host).await;
    let at_provider = person.text().await;
    assert!(
        at_provider.to_lowercase().contains("sign") || at_provider.contains("logga"),
        "{at_provider}"
    );
    person.press_and_go_on("Yes, sign me out").await;
    person.wait_for_host("127.0.0.1").await;
    person.look("utloggad").await;
    assert_eq!(person.path().await, "/logga-in");
    assert!(!logged_in(&app).await);
    let violations: Vec<String> = person
        .close()
        .await
        .into_iter()
        .filter(|v| !v.starts_with("leverantor"))
        .collect();
    assert!(violations.is_empty(), "{violations:#?}");
}
