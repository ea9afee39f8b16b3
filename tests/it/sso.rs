//! Signing in through a real OpenID provider: npm's `oidc-provider` (certified), run with node
//! (`oidc_provider.mjs`), installed into `target/tmp/oidc-provider` at first use. Each flow
//! goes over HTTP between Digikoord and the provider, following redirects and filling in the
//! provider's sign-in page as a browser does. Without node or npm the tests skip and say so
//! (with `CI=true` they fail: `.ci/run` installs them).

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

use crate::{PASSWORD, TestApp, tool};

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
    /// accounts: (subject, e-mail, verified).
    async fn start(app: &TestApp, key: &str, accounts: &[(&str, &str, bool)]) -> Option<Provider> {
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

/// Registers the provider in Digikoord through the administrator's form.
async fn register(app: &TestApp, provider: &Provider, key: &str, only_way_in: bool) -> Uuid {
    let admin = app.other_browser();
    admin.login_as(Role::Admin, None).await;
    let mut fields = vec![
        ("key", key),
        ("display_name", "Testorganisationens konto"),
        ("issuer_url", provider.issuer.as_str()),
        ("client_id", CLIENT_ID),
        ("client_secret", CLIENT_SECRET),
        ("active", "on"),
    ];
    if only_way_in {
        fields.push(("only_way_in", "on"));
    }
    let saved = admin
        .submit("/admin/inloggning", "/admin/inloggning", &fields)
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.plain());
    sqlx::query_scalar("SELECT id FROM identity_providers WHERE key = $1")
        .bind(key)
        .fetch_one(&app.db)
        .await
        .expect("the provider")
}

/// Digikoord with a coordinator of Region Stockholm who is `anna-1` (her address verified) at
/// a provider registered under the key `test`: the app, her user id, the provider.
async fn anna_at_a_provider() -> Option<(TestApp, Uuid, Provider)> {
    let app = TestApp::spawn_public(on(), &[]).await;
    let user = app
        .create_user(Role::Coordinator, Some("Region Stockholm"))
        .await;
    let email = app.email_of(user).await;
    let provider = Provider::start(&app, "test", &[("anna-1", &email, true)]).await?;
    register(&app, &provider, "test", false).await;
    Some((app, user, provider))
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

/// A sign-in as far as the provider's sign-in page: the address of its form.
async fn to_the_providers_page(browser: &TestApp, key: &str) -> (Url, String) {
    let csrf = browser.get("/logga-in").await.csrf();
    let response = browser
        .client
        .post(browser.url(&format!("/logga-in/sso/{key}")))
        .form(&[("csrf", csrf.as_str())])
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
async fn a_first_sign_in_links_by_verified_email_then_the_subject_signs_in_and_logging_out_ends_it()
{
    let app = TestApp::spawn_public(on(), &[]).await;
    let user = app
        .create_user(Role::Coordinator, Some("Region Stockholm"))
        .await;
    let email = app.email_of(user).await;
    let Some(provider) = Provider::start(&app, "test", &[("anna-1", &email, true)]).await else {
        return;
    };
    let provider_id = register(&app, &provider, "test", false).await;
    let browser = app.other_browser();
    let login_page = browser.get("/logga-in").await;
    assert_eq!(
        login_page.select("form[action='/logga-in/sso/test'] button"),
        vec!["Logga in med Testorganisationens konto"]
    );

    // The first sign-in links by the verified address to the user an administrator made.
    let (url, status, _) = sign_in(&browser, "test", "anna-1", false).await;
    let detail: Vec<String> =
        sqlx::query_scalar("SELECT after::text FROM audit_log WHERE action = 'sso.refused'")
            .fetch_all(&app.db)
            .await
            .expect("refusals");
    assert_eq!((url.path(), status), ("/", StatusCode::OK), "{detail:?}");
    assert!(logged_in(&browser).await);
    let (subject, linked_to): (String, Uuid) =
        sqlx::query_as("SELECT subject, user_id FROM identity_links WHERE provider_id = $1")
            .bind(provider_id)
            .fetch_one(&app.db)
            .await
            .expect("the link");
    assert_eq!((subject.as_str(), linked_to), ("anna-1", user));
    assert_eq!(app.audit_count("sso.linked").await, 1);
    assert_eq!(app.audit_count("sso.login").await, 1);

    // Logging out ends Digikoord's session and goes on to the provider's end-session page,
    // with the ID token as hint and Digikoord's login page to come back to.
    let csrf = browser.get("/").await.csrf();
    let out = browser
        .client
        .post(browser.url("/logga-ut"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .expect("logout");
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    let to = Url::parse(out.headers()[header::LOCATION].to_str().expect("location"))
        .expect("the provider's address");
    assert!(
        to.as_str()
            .starts_with(&format!("{}/session/end", provider.issuer)),
        "{to}"
    );
    let query: Vec<(String, String)> = to.query_pairs().into_owned().collect();
    assert!(query.iter().any(|(k, _)| k == "id_token_hint"), "{query:?}");
    assert!(query.contains(&("post_logout_redirect_uri".into(), app.url("/logga-in"))));
    assert!(!logged_in(&browser).await, "Digikoord's session is over");
    let sessions: i64 = sqlx::query_scalar("SELECT count(*) FROM sessions WHERE user_id = $1")
        .bind(user)
        .fetch_one(&app.db)
        .await
        .expect("sessions");
    assert_eq!(sessions, 0);

    // Linked now by the subject: a changed address does not matter, and nothing new is linked.
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
async fn an_unknown_person_and_an_unverified_address_are_refused_and_nothing_is_made() {
    let app = TestApp::spawn_public(on(), &[]).await;
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
    register(&app, &provider, "test", false).await;
    let users_before: i64 = sqlx::query_scalar("SELECT count(*) FROM users")
        .fetch_one(&app.db)
        .await
        .expect("users");
    for (subject, says) in [
        ("okand-1", "hör inte till någon användare i Digikoord"),
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
    let csrf = browser.get("/logga-in").await.csrf();
    let start = browser
        .client
        .post(browser.url("/logga-in/sso/test"))
        .form(&[("csrf", csrf.as_str())])
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
    // And the same provider still lets the right answer in.
    let (url, _, _) = sign_in(&app.other_browser(), "test", "anna-1", false).await;
    assert_eq!(url.path(), "/");
}

#[tokio::test]
async fn the_only_way_in_turns_the_password_off_and_staff_give_a_second_factor_unless_the_provider_did()
 {
    let app = TestApp::spawn_public(on(), &[]).await;
    let officer = app.create_user(Role::CaseOfficer, None).await;
    let officer_email = app.email_of(officer).await;
    let other = app.create_user(Role::CaseOfficer, None).await;
    let other_email = app.email_of(other).await;
    let Some(provider) = Provider::start(&app, "tvv", &[("karin-1", &officer_email, true)]).await
    else {
        return;
    };
    let provider_id = register(&app, &provider, "tvv", true).await;

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
    let through: Vec<Option<Uuid>> =
        sqlx::query_scalar("SELECT identity_provider FROM sessions WHERE user_id = $1")
            .bind(officer)
            .fetch_all(&app.db)
            .await
            .expect("sessions");
    assert_eq!(through, vec![Some(provider_id)]);
    // With the provider's own second factor, straight in.
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

    sign_in(&app.other_browser(), "test", "anna-1", false).await;
    let page = admin.get("/admin/inloggning").await;
    let link: Uuid = sqlx::query_scalar("SELECT id FROM identity_links")
        .fetch_one(&app.db)
        .await
        .expect("the link");
    assert!(page.text.contains("anna-1"), "the subject is shown");
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
    // The next sign-in links anew, by the verified address.
    let (url, _, _) = sign_in(&app.other_browser(), "test", "anna-1", false).await;
    assert_eq!(url.path(), "/");
    assert_eq!(app.audit_count("sso.linked").await, 2);
}

#[tokio::test]
async fn a_provider_named_by_the_environment_is_kept_at_start_and_signs_in() {
    let app = TestApp::spawn_public(on(), &[]).await;
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
            .select("form[action='/logga-in/sso/tvv'] button"),
        vec!["Logga in med TVV"]
    );
    let (url, status, _) = sign_in(&browser, "tvv", "anna-1", false).await;
    assert_eq!((url.path(), status), ("/", StatusCode::OK));
}
