//! Two-step sign-in over HTTP: enrolment at the first login of staff, the code step,
//! replayed codes, recovery codes, the administrator's reset, and coordinators who
//! choose it themselves. Also the helpers every staff login goes through.

use digikoord::auth::Role;
use reqwest::StatusCode;
use totp_rs::{Builder, Secret};
use uuid::Uuid;

use crate::{PASSWORD, Page, TestApp};

/// The secret `create_user` gives every staff user.
pub const TEST_TOTP_SECRET: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
const CODE_PATH: &str = "/logga-in/kod";
pub const ENROL_PATH: &str = "/logga-in/aktivera-tvastegsverifiering";

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs()
}

fn code_at(secret: &str, step: u64) -> String {
    Builder::new()
        .with_secret(Secret::try_from_base32(secret).expect("base32"))
        .build()
        .expect("totp")
        .generate(step * 30)
        .to_string()
}

/// Six digits that are no valid code at the moment (nor a step either side of it).
fn wrong_code(secret: &str) -> String {
    let step = unix_now() / 30;
    let valid: Vec<String> = (step - 2..=step + 2).map(|s| code_at(secret, s)).collect();
    (0..10)
        .map(|d| d.to_string().repeat(6))
        .find(|c| !valid.contains(c))
        .expect("one of ten codes is wrong")
}

impl TestApp {
    pub async fn give_second_factor(&self, user: Uuid) {
        sqlx::query("INSERT INTO second_factors (user_id, totp_secret) VALUES ($1, $2)")
            .bind(user)
            .bind(crate::sealer().seal(digikoord::secrets::Purpose::Totp, TEST_TOTP_SECRET))
            .execute(&self.db)
            .await
            .expect("second factor");
    }

    async fn remove_second_factor(&self, user: Uuid) {
        sqlx::query("DELETE FROM second_factors WHERE user_id = $1")
            .bind(user)
            .execute(&self.db)
            .await
            .expect("remove second factor");
    }

    /// A code the server takes now: the current step's, or the next step's when the
    /// current one was used already (the server accepts one step either side).
    pub async fn fresh_code(&self, user: Uuid) -> String {
        let (secret, last): (String, Option<i64>) = sqlx::query_as(
            "SELECT totp_secret, last_used_step FROM second_factors WHERE user_id = $1",
        )
        .bind(user)
        .fetch_one(&self.db)
        .await
        .expect("the user has a second factor");
        let secret = crate::sealer()
            .open(digikoord::secrets::Purpose::Totp, &secret)
            .expect("sealed with the tests' key");
        // The server takes the current step or one either side, each once: the next unused
        // step, waiting for the clock when even the one ahead is used (a third login within
        // one 30 s step).
        loop {
            let now = unix_now() / 30;
            let next = last.map_or(now, |used| now.max(used as u64 + 1));
            if next <= now + 1 {
                return code_at(&secret, next);
            }
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        }
    }

    /// After the password: enters the code from the app when the server asks for it.
    pub async fn pass_second_step(&self, user: Uuid, after_password: Page) -> Page {
        if after_password.location.as_deref() != Some(CODE_PATH) {
            return after_password;
        }
        let code = self.fresh_code(user).await;
        self.submit(CODE_PATH, CODE_PATH, &[("code", &code)]).await
    }

    async fn last_audit_actor(&self, action: &str) -> Option<Uuid> {
        sqlx::query_scalar(
            "SELECT actor_user_id FROM audit_log WHERE action = $1 ORDER BY id DESC LIMIT 1",
        )
        .bind(action)
        .fetch_one(&self.db)
        .await
        .expect("audit record")
    }
}

/// Logs in with the password only, leaving the second step pending.
async fn password_only(app: &TestApp, user: Uuid) -> Page {
    let email = app.email_of(user).await;
    app.login(&email, PASSWORD).await
}

/// Enrols on the page shown (at login or one's own), returning the recovery codes.
pub async fn enrol(app: &TestApp, path: &str) -> Vec<String> {
    let page = app.get(path).await;
    let secret = page.select("#secret")[0].replace(' ', "");
    let code = code_at(&secret, unix_now() / 30);
    let done = app
        .post(path, &[("csrf", &page.csrf()), ("code", &code)])
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text);
    // The secret is kept sealed: the database holds no copy anyone could read.
    let kept: Vec<String> = sqlx::query_scalar(
        "SELECT totp_secret FROM second_factors UNION ALL
         SELECT totp_setup_secret FROM sessions WHERE totp_setup_secret IS NOT NULL",
    )
    .fetch_all(&app.db)
    .await
    .expect("secrets");
    assert!(
        kept.iter()
            .all(|k| k.starts_with("sealed:v1:") && !k.contains(&secret)),
        "{kept:?}"
    );
    done.select(".recovery-codes li")
}

#[tokio::test]
async fn staff_without_an_authenticator_must_enrol_before_reaching_any_page() {
    let app = TestApp::spawn().await;
    let admin = app.create_user(Role::Admin, None).await;
    app.remove_second_factor(admin).await;
    let after_password = password_only(&app, admin).await;
    assert_eq!(after_password.location.as_deref(), Some(ENROL_PATH));

    for path in [
        "/",
        "/admin/anvandare",
        "/admin/logg",
        "/oversikt",
        "/program",
        "/tvastegsverifiering",
        CODE_PATH,
    ] {
        let page = app.get(path).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{path}");
        assert_eq!(page.location.as_deref(), Some(ENROL_PATH), "{path}");
    }
    let enrol_page = app.get(ENROL_PATH).await;
    assert_eq!(enrol_page.status, StatusCode::OK);
    let before: i64 = sqlx::query_scalar("SELECT count(*) FROM organisations")
        .fetch_one(&app.db)
        .await
        .expect("count");
    let post = app
        .post(
            "/admin/organisationer",
            &[("csrf", &enrol_page.csrf()), ("name", "Ny organisation")],
        )
        .await;
    assert_eq!(post.location.as_deref(), Some(ENROL_PATH));
    let after: i64 = sqlx::query_scalar("SELECT count(*) FROM organisations")
        .fetch_one(&app.db)
        .await
        .expect("count");
    assert_eq!(before, after, "a pending login changes nothing");
    assert_eq!(app.audit_count("auth.login").await, 0, "not logged in yet");
}

#[tokio::test]
async fn enrolment_refuses_a_wrong_code_beside_the_field_and_with_the_right_one_shows_recovery_codes()
 {
    let app = TestApp::spawn().await;
    let officer = app.create_user(Role::CaseOfficer, None).await;
    app.remove_second_factor(officer).await;
    password_only(&app, officer).await;
    let page = app.get(ENROL_PATH).await;
    assert_eq!(page.select("h1"), vec!["Aktivera tvåstegsverifiering"]);
    let qr = page.attr("img", "src").expect("a QR code");
    assert!(qr.starts_with("data:image/svg+xml,"), "{qr}");
    let secret = page.select("#secret")[0].replace(' ', "");
    assert_eq!(secret.len(), 32);
    assert_eq!(
        app.get(ENROL_PATH).await.select("#secret")[0].replace(' ', ""),
        secret,
        "a reload shows the same secret"
    );

    let wrong = wrong_code(&secret);
    let refused = app
        .post(ENROL_PATH, &[("csrf", &page.csrf()), ("code", &wrong)])
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.select("#code-error")[0].contains("Koden stämmer inte"));
    assert_eq!(refused.attr("#code", "value"), Some(wrong));
    assert_eq!(
        refused.attr("#code", "aria-describedby").as_deref(),
        Some("code-hint code-error")
    );
    assert_eq!(app.audit_count("second_factor.enrolled").await, 0);

    let codes = enrol(&app, ENROL_PATH).await;
    assert_eq!(codes.len(), 10);
    assert_eq!(app.audit_count("second_factor.enrolled").await, 1);
    assert_eq!(app.audit_count("auth.login").await, 1);
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM recovery_codes WHERE user_id = $1")
        .bind(officer)
        .fetch_one(&app.db)
        .await
        .expect("count");
    assert_eq!(stored, 10);
    let plain: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM recovery_codes WHERE encode(code_hash, 'escape') LIKE '%' || $1 || '%'",
    )
    .bind(codes[0].replace('-', ""))
    .fetch_one(&app.db)
    .await
    .expect("count");
    assert_eq!(plain, 0, "only hashes are kept");
    let start = app.get("/").await;
    assert_eq!(start.status, StatusCode::OK);
    assert_eq!(start.select("h1"), vec!["Aktörerna 2025"]);
    let sessions: Vec<bool> =
        sqlx::query_scalar("SELECT second_factor_pending FROM sessions WHERE user_id = $1")
            .bind(officer)
            .fetch_all(&app.db)
            .await
            .expect("sessions");
    assert_eq!(sessions, vec![false], "the pending session is replaced");

    // The next login asks for the code.
    let later = app.other_browser();
    let after_password = password_only(&later, officer).await;
    assert_eq!(after_password.location.as_deref(), Some(CODE_PATH));
    let ok = later.pass_second_step(officer, after_password).await;
    assert_eq!(ok.location.as_deref(), Some("/"));
}

#[tokio::test]
async fn the_same_code_is_never_accepted_twice() {
    let app = TestApp::spawn().await;
    let approver = app.create_user(Role::Approver, None).await;
    let after_password = password_only(&app, approver).await;
    assert_eq!(after_password.location.as_deref(), Some(CODE_PATH));
    let code = app.fresh_code(approver).await;
    let first = app.submit(CODE_PATH, CODE_PATH, &[("code", &code)]).await;
    assert_eq!(first.location.as_deref(), Some("/"));

    let second = app.other_browser();
    password_only(&second, approver).await;
    let replay = second
        .submit(CODE_PATH, CODE_PATH, &[("code", &code)])
        .await;
    assert_eq!(replay.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(replay.select("#code-error")[0].contains("redan använts"));
    assert_eq!(
        second.get("/").await.location.as_deref(),
        Some(CODE_PATH),
        "still pending"
    );
    assert_eq!(second.audit_count("auth.second_factor_failed").await, 1);
}

#[tokio::test]
async fn a_pending_login_opens_nothing_but_the_code_step() {
    let app = TestApp::spawn().await;
    let admin = app.create_user(Role::Admin, None).await;
    password_only(&app, admin).await;
    for path in ["/", "/admin/anvandare", "/admin/logg", "/konto", ENROL_PATH] {
        let page = app.get(path).await;
        assert_eq!(page.location.as_deref(), Some(CODE_PATH), "{path}");
    }
    let code_page = app.get(CODE_PATH).await;
    assert_eq!(code_page.select("h1"), vec!["Ange koden från din app"]);
    // Cancelling ends the pending session.
    let out = app.post("/logga-ut", &[("csrf", &code_page.csrf())]).await;
    assert_eq!(out.location.as_deref(), Some("/logga-in"));
    let sessions: i64 = sqlx::query_scalar("SELECT count(*) FROM sessions")
        .fetch_one(&app.db)
        .await
        .expect("count");
    assert_eq!(sessions, 0);
    assert_eq!(
        app.get(CODE_PATH).await.location.as_deref(),
        Some("/logga-in")
    );
}

#[tokio::test]
async fn guessing_codes_is_slowed_down_like_guessing_passwords() {
    let app = TestApp::spawn().await;
    let admin = app.create_user(Role::Admin, None).await;
    password_only(&app, admin).await;
    let wrong = wrong_code(TEST_TOTP_SECRET);
    for _ in 0..5 {
        let page = app.submit(CODE_PATH, CODE_PATH, &[("code", &wrong)]).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let code = app.fresh_code(admin).await;
    let throttled = app.submit(CODE_PATH, CODE_PATH, &[("code", &code)]).await;
    assert_eq!(throttled.status, StatusCode::TOO_MANY_REQUESTS);
    let error = &throttled.select("#code-error")[0];
    assert!(
        error.contains("Vänta") && error.contains("sekunder"),
        "{error}"
    );
    assert_eq!(app.audit_count("auth.second_factor_failed").await, 5);
}

#[tokio::test]
async fn a_coordinator_logs_in_without_a_factor_turns_one_on_and_a_recovery_code_works_once() {
    let app = TestApp::spawn().await;
    let coordinator = app
        .login_as(Role::Coordinator, Some("Region Jämtland Härjedalen"))
        .await;
    let own = app.get("/tvastegsverifiering").await;
    assert_eq!(own.status, StatusCode::OK);
    assert!(
        app.get("/")
            .await
            .attr("a[href='/tvastegsverifiering']", "href")
            .is_some(),
        "linked from the layout"
    );
    let codes = enrol(&app, "/tvastegsverifiering").await;
    assert_eq!(codes.len(), 10);
    let status = app.get("/tvastegsverifiering").await;
    assert!(
        status.text.contains("10 oanvända reservkoder"),
        "{}",
        status.text
    );

    let phone_lost = app.other_browser();
    let after_password = password_only(&phone_lost, coordinator).await;
    assert_eq!(after_password.location.as_deref(), Some(CODE_PATH));
    let typed = codes[3].to_uppercase().replace('-', " ");
    let in_with_code = phone_lost
        .submit(CODE_PATH, CODE_PATH, &[("code", &typed)])
        .await;
    assert_eq!(in_with_code.location.as_deref(), Some("/"));
    let start = phone_lost.get("/").await;
    assert!(start.select(".flash")[0].contains("9 reservkoder kvar"));
    assert_eq!(phone_lost.audit_count("auth.recovery_code_used").await, 1);

    let again = app.other_browser();
    password_only(&again, coordinator).await;
    let reused = again
        .submit(CODE_PATH, CODE_PATH, &[("code", &codes[3])])
        .await;
    assert_eq!(reused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reused.select("#code-error")[0].contains("Reservkoden"));
    let another = again
        .submit(CODE_PATH, CODE_PATH, &[("code", &codes[4])])
        .await;
    assert_eq!(another.location.as_deref(), Some("/"));
}

#[tokio::test]
async fn the_administrators_reset_ends_the_sessions_forces_enrolment_and_is_audited() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin, None).await;
    let officer_browser = app.other_browser();
    let officer = officer_browser.login_as(Role::CaseOfficer, None).await;
    assert_eq!(officer_browser.get("/").await.status, StatusCode::OK);

    let path = format!("/admin/anvandare/{officer}");
    let form = app.get(&path).await;
    let action = format!("{path}/tvastegsverifiering/aterstall");
    assert!(
        form.attr(&format!("form[action='{action}'] button"), "type")
            .is_some(),
        "the user's page has a reset button"
    );
    // A staff member's factor: one administrator asks, and nothing changes yet…
    let done = app.post(&action, &[("csrf", &form.csrf())]).await;
    assert_eq!(done.location.as_deref(), Some(path.as_str()));
    let shown = app.follow(done).await;
    assert!(
        shown.select(".flash")[0].contains("väntar nu på att en annan administratör bekräftar"),
        "{:?}",
        shown.select(".flash")
    );
    assert_eq!(
        shown.select("#pending-changes li"),
        vec!["Återställd tvåstegsverifiering (begärd av Test Administratör)"]
    );
    assert_eq!(officer_browser.get("/").await.status, StatusCode::OK);
    assert_eq!(app.audit_count("second_factor.reset").await, 0);
    let request: i64 = sqlx::query_scalar(
        "SELECT id FROM account_requests WHERE user_id = $1 AND state = 'pending'",
    )
    .bind(officer)
    .fetch_one(&app.db)
    .await
    .expect("a request");
    let confirm = format!("/admin/behorigheter/andringar/{request}/bekrafta");
    let own = app.submit("/admin/behorigheter", &confirm, &[]).await;
    assert_eq!(
        own.status,
        StatusCode::FORBIDDEN,
        "not by the one who asked"
    );
    // …the schema too refuses the server removing it without a confirmation.
    let server = digikoord::db::server_pool(&app.server_url, 1).expect("pool");
    let err = sqlx::query("DELETE FROM second_factors WHERE user_id = $1")
        .bind(officer)
        .execute(&server)
        .await
        .expect_err("removed without a second administrator");
    assert_eq!(
        digikoord::error::violated_constraint(&err),
        Some("second_factors_staff_reset_confirmed")
    );
    // A second administrator confirms it.
    let second = app.other_browser();
    let second_id = second.login_as(Role::Admin, None).await;
    let confirmed = second.submit("/admin/behorigheter", &confirm, &[]).await;
    assert_eq!(
        confirmed.status,
        StatusCode::SEE_OTHER,
        "{}",
        confirmed.plain()
    );
    let shown = app.get(&path).await;
    assert!(
        shown
            .attr(&format!("form[action='{action}'] button"), "type")
            .is_none(),
        "nothing left to reset"
    );

    assert_eq!(
        officer_browser.get("/").await.location.as_deref(),
        Some("/logga-in"),
        "thrown out at once"
    );
    let after_password = password_only(&officer_browser, officer).await;
    assert_eq!(after_password.location.as_deref(), Some(ENROL_PATH));
    assert_eq!(app.audit_count("second_factor.reset").await, 1);
    assert_eq!(
        app.last_audit_actor("second_factor.reset").await,
        Some(second_id)
    );
    assert_eq!(
        app.last_audit_actor("account_request.requested").await,
        Some(admin)
    );

    // Only an administrator may reset, and only with the form's token.
    let other = app.other_browser();
    other.login_as(Role::Approver, None).await;
    let refused = other
        .post(&action, &[("csrf", &other.get("/").await.csrf())])
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let no_token = app.post(&action, &[]).await;
    assert_eq!(no_token.status, StatusCode::FORBIDDEN);
}
