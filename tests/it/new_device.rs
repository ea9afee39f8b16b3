//! The new-login notice over HTTP: an account's first sign-in and every sign-in from a
//! browser it has used before tell no one; a sign-in from a new browser (a fresh cookie
//! jar) queues one mail to the person, naming the browser, with the password alone and
//! after the second step alike. An account that signed in before devices were kept (its
//! audit log says so, but it has no known device) is told at its first sign-in since; only a
//! new account's very first sign-in is silent. Only a hash of each device's id is kept.

use digikoord::auth::Role;
use reqwest::redirect::Policy;

use crate::{
    PASSWORD, TestApp,
    steps::{STOCKHOLM, count},
};

const FIREFOX_ON_WINDOWS: &str =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0";
const SAFARI_ON_IPHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";

/// A browser of its own (its own cookies) that names itself as `user_agent` says.
fn browser(app: &TestApp, user_agent: &str) -> TestApp {
    TestApp {
        client: reqwest::Client::builder()
            .cookie_store(true)
            .redirect(Policy::none())
            .user_agent(user_agent)
            .build()
            .expect("client"),
        ..app.other_browser()
    }
}

/// Signs in with the password, and the code when the account asks for one: on to the start
/// page.
async fn sign_in(browser: &TestApp, user: uuid::Uuid) {
    let email = browser.email_of(user).await;
    let page = browser.login(&email, PASSWORD).await;
    let page = browser.pass_second_step(user, page).await;
    assert_eq!(
        page.location.as_deref(),
        Some("/"),
        "signed in: {}",
        page.plain()
    );
}

async fn sign_out(browser: &TestApp) {
    let csrf = browser.get("/").await.csrf();
    let out = browser.post("/logga-ut", &[("csrf", &csrf)]).await;
    assert_eq!(out.location.as_deref(), Some("/logga-in"));
}

/// The new-login mails queued to the user: subject and text.
async fn notices(app: &TestApp, user: uuid::Uuid) -> Vec<(String, String)> {
    sqlx::query_as(
        "SELECT subject, body_text FROM outbox WHERE event = 'auth.new_device' AND user_id = $1
         ORDER BY id",
    )
    .bind(user)
    .fetch_all(&app.db)
    .await
    .expect("outbox")
}

async fn devices(app: &TestApp, user: uuid::Uuid) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM known_devices WHERE user_id = $1")
        .bind(user)
        .fetch_one(&app.db)
        .await
        .expect("known devices")
}

/// Sign-ins from the same browser tell no one; one from a new browser tells the person once.
async fn only_a_new_browser_is_told(app: &TestApp, user: uuid::Uuid) {
    let own = browser(app, FIREFOX_ON_WINDOWS);
    sign_in(&own, user).await;
    assert_eq!(devices(app, user).await, 1, "the first device is recorded");
    assert!(
        notices(app, user).await.is_empty(),
        "the account's first sign-in has nothing to compare with"
    );
    sign_out(&own).await;
    sign_in(&own, user).await;
    assert!(
        notices(app, user).await.is_empty(),
        "the same browser again"
    );
    assert_eq!(devices(app, user).await, 1);

    // A wrong password from a new browser is no sign-in: nothing recorded, no one told.
    let guesser = browser(app, SAFARI_ON_IPHONE);
    let email = app.email_of(user).await;
    let failed = guesser.login(&email, "fel lösenord").await;
    assert_ne!(failed.location.as_deref(), Some("/"));
    assert_eq!(devices(app, user).await, 1);

    let new = browser(app, SAFARI_ON_IPHONE);
    sign_in(&new, user).await;
    let told = notices(app, user).await;
    assert_eq!(told.len(), 1, "{told:?}");
    let (subject, text) = &told[0];
    assert_eq!(subject, "Ny inloggning på ditt konto i Digikoord");
    assert!(text.contains("från Safari på iPhone"), "{text}");
    assert!(
        text.contains(
            "Om det inte var du: byt lösenord (om du loggar in med lösenord) och kontakta"
        ),
        "{text}"
    );
    assert_eq!(devices(app, user).await, 2);
    assert_eq!(app.audit_count("auth.new_device").await, 1);

    // Both browsers are known now.
    for known in [&own, &new] {
        sign_out(known).await;
        sign_in(known, user).await;
    }
    assert_eq!(notices(app, user).await.len(), 1, "told once");
}

#[tokio::test]
async fn a_coordinator_signing_in_with_a_password_is_told_of_a_new_browser_only() {
    let app = TestApp::spawn().await;
    let user = app.create_user(Role::Coordinator, Some(STOCKHOLM)).await;
    only_a_new_browser_is_told(&app, user).await;
}

#[tokio::test]
async fn staff_signing_in_with_their_code_are_told_of_a_new_browser() {
    // Two sign-ins only: each code is taken once, and a third would wait for the next one.
    let app = TestApp::spawn().await;
    let user = app.create_user(Role::CaseOfficer, None).await;
    sign_in(&browser(&app, FIREFOX_ON_WINDOWS), user).await;
    assert!(notices(&app, user).await.is_empty());
    // Halfway (the password, not the code) is no sign-in: nothing recorded.
    let halfway = browser(&app, SAFARI_ON_IPHONE);
    let email = app.email_of(user).await;
    let page = halfway.login(&email, PASSWORD).await;
    assert_eq!(page.location.as_deref(), Some("/logga-in/kod"));
    assert_eq!(devices(&app, user).await, 1);
    // The code given: signed in, and told.
    let page = halfway.pass_second_step(user, page).await;
    assert_eq!(page.location.as_deref(), Some("/"));
    let told = notices(&app, user).await;
    assert_eq!(told.len(), 1, "{told:?}");
    assert!(told[0].1.contains("från Safari på iPhone"), "{}", told[0].1);
    assert_eq!(devices(&app, user).await, 2);
}

#[tokio::test]
async fn only_a_hash_of_a_device_is_kept_with_its_browser() {
    let app = TestApp::spawn().await;
    let user = app.create_user(Role::Coordinator, Some(STOCKHOLM)).await;
    sign_in(&browser(&app, FIREFOX_ON_WINDOWS), user).await;
    let (hash_length, user_agent): (i32, Option<String>) = sqlx::query_as(
        "SELECT length(device_hash), user_agent FROM known_devices WHERE user_id = $1",
    )
    .bind(user)
    .fetch_one(&app.db)
    .await
    .expect("the device");
    assert_eq!(hash_length, 32, "a SHA-256");
    assert_eq!(user_agent.as_deref(), Some(FIREFOX_ON_WINDOWS));
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM outbox WHERE event = 'auth.new_device'"
        )
        .await,
        0
    );
}

/// A sign-in written to the audit log 30 days ago, as Digikoord wrote it before it kept
/// devices: the account has signed in, but has no known device.
async fn signed_in_long_ago(
    app: &TestApp,
    user: uuid::Uuid,
    action: &str,
    after: serde_json::Value,
) {
    sqlx::query(
        "INSERT INTO audit_log (at, actor_user_id, action, entity, entity_id, after)
         VALUES (now() - interval '30 days', $1, $2, 'user', $1::text, $3)",
    )
    .bind(user)
    .bind(action)
    .bind(after)
    .execute(&app.db)
    .await
    .expect("an earlier sign-in");
}

#[tokio::test]
async fn an_account_that_signed_in_before_devices_were_kept_is_told_at_its_first_sign_in_since() {
    let app = TestApp::spawn().await;
    // Signed in with the password before this release.
    let with_password = app.create_user(Role::Coordinator, Some(STOCKHOLM)).await;
    signed_in_long_ago(
        &app,
        with_password,
        "auth.login",
        serde_json::json!({ "ip": "192.0.2.1" }),
    )
    .await;
    // Signed in through an identity provider, finished there (no second step).
    let through_provider = app.create_user(Role::Coordinator, Some(STOCKHOLM)).await;
    signed_in_long_ago(
        &app,
        through_provider,
        "sso.login",
        serde_json::json!({ "provider": "region", "second_step": false }),
    )
    .await;
    // Only halfway through a provider (the second step never given): never signed in.
    let halfway = app.create_user(Role::Coordinator, Some(STOCKHOLM)).await;
    signed_in_long_ago(
        &app,
        halfway,
        "sso.login",
        serde_json::json!({ "provider": "region", "second_step": true }),
    )
    .await;

    for user in [with_password, through_provider] {
        assert_eq!(devices(&app, user).await, 0, "no device kept before");
        let own = browser(&app, FIREFOX_ON_WINDOWS);
        sign_in(&own, user).await;
        let told = notices(&app, user).await;
        assert_eq!(
            told.len(),
            1,
            "signed in before, so this device is new: {told:?}"
        );
        assert!(
            told[0].1.contains("från Firefox på Windows"),
            "{}",
            told[0].1
        );
        assert_eq!(devices(&app, user).await, 1);
        // Known from now on.
        sign_out(&own).await;
        sign_in(&own, user).await;
        assert_eq!(notices(&app, user).await.len(), 1, "the same browser again");
    }
    assert_eq!(app.audit_count("auth.new_device").await, 2);

    // Never finished a sign-in: this is its first, with nothing to compare with.
    sign_in(&browser(&app, FIREFOX_ON_WINDOWS), halfway).await;
    assert!(notices(&app, halfway).await.is_empty());
    assert_eq!(devices(&app, halfway).await, 1);
    assert_eq!(app.audit_count("auth.new_device").await, 2);
}
