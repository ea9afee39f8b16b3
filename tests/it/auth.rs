use digikoord::{Clock, auth::Role};
use reqwest::StatusCode;

use crate::{PASSWORD, TestApp};

#[tokio::test]
async fn health_answers_ok_when_the_database_answers() {
    let app = TestApp::spawn().await;
    let response = app
        .client
        .get(app.url("/healthz"))
        .send()
        .await
        .expect("GET");
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn every_role_logs_in_and_lands_on_its_own_start_page() {
    for (role, org, heading) in [
        (
            Role::Coordinator,
            Some("Region Skåne"),
            "Region Skåne: programår 2025",
        ),
        (Role::CaseOfficer, None, "Aktörerna 2025"),
        (Role::Approver, None, "Aktörerna 2025"),
        (Role::Admin, None, "Aktörerna 2025"),
    ] {
        let app = TestApp::spawn().await;
        app.login_as(role, org).await;
        let start = app.get("/").await;
        assert_eq!(start.status, StatusCode::OK);
        assert_eq!(start.select("h1"), vec![heading.to_string()], "{role:?}");
        let has_admin = !start.select("nav.admin-links a").is_empty();
        assert_eq!(
            has_admin,
            role == Role::Admin,
            "{role:?} administration links"
        );
    }
}

#[tokio::test]
async fn a_coordinator_sees_the_deadlines_of_their_own_organisation_only() {
    let app = TestApp::spawn().await;
    app.login_as(Role::Coordinator, Some("Region Gävleborg"))
        .await;
    let start = app.get("/?ar=2025").await;
    let rows = start.select("table.obligations tbody tr");
    // It has not requisitioned yet: a report and a repayment are asked for only once it has.
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert!(
        rows[0].contains("Rekvisition av medel") && rows[0].contains("31 mars 2025"),
        "{}",
        rows[0]
    );
    assert!(rows[0].contains("30 dagar kvar"), "{}", rows[0]);
    assert!(!start.text.contains("Region Skåne"));
    // 2021's requisition deadline is the decision's 15 November 2021.
    let y2021 = app.get("/?ar=2021").await;
    assert!(y2021.select("table.obligations tbody tr")[0].contains("15 november 2021"));
}

#[tokio::test]
async fn staff_see_all_21_actors_of_the_selected_year() {
    let app = TestApp::spawn().await;
    app.login_as(Role::CaseOfficer, None).await;
    let page = app.get("/?ar=2023").await;
    let actors = page.select("table.actors-table tbody th");
    assert_eq!(actors.len(), 21);
    assert!(actors.contains(&"Gotlands kommun".to_string()));
    assert!(actors.contains(&"Region Stockholm".to_string()));
    let y2019 = app.get("/?ar=2019").await;
    let actors = y2019.select("table.actors-table tbody th");
    assert_eq!(actors.len(), 21);
    assert!(actors.contains(&"Länsstyrelsen i Stockholms län".to_string()));
}

#[tokio::test]
async fn a_wrong_password_says_only_that_the_login_failed() {
    let app = TestApp::spawn().await;
    let id = app.create_user(Role::CaseOfficer, None).await;
    let email = app.email_of(id).await;
    let wrong = app.login(&email, "fel lösenord helt och hållet").await;
    let unknown = app
        .login("ingen@test.example", "fel lösenord helt och hållet")
        .await;
    for page in [&wrong, &unknown] {
        assert_eq!(page.status, StatusCode::UNAUTHORIZED);
        assert_eq!(
            page.select(".error-summary"),
            vec!["Inloggningen misslyckades.".to_string()]
        );
    }
    assert_eq!(app.get("/").await.location.as_deref(), Some("/logga-in"));
    assert_eq!(app.audit_count("auth.login_failed").await, 2);
}

#[tokio::test]
async fn repeated_failures_for_one_account_are_slowed_down_even_with_the_right_password() {
    let app = TestApp::spawn().await;
    let id = app.create_user(Role::Admin, None).await;
    let email = app.email_of(id).await;
    for _ in 0..5 {
        assert_eq!(
            app.login(&email, "fel lösenord igen och igen").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    let throttled = app.login(&email, PASSWORD).await;
    assert_eq!(throttled.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        throttled
            .text
            .contains("För många misslyckade inloggningsförsök. Vänta")
    );
    assert_eq!(app.get("/").await.location.as_deref(), Some("/logga-in"));
    assert_eq!(
        app.audit_count("auth.login_failed").await,
        5,
        "the sixth was not checked"
    );
}

#[tokio::test]
async fn a_post_without_or_with_a_wrong_csrf_token_is_refused_and_changes_nothing() {
    let app = TestApp::spawn().await;
    app.login_as(Role::Admin, None).await;
    let before: i64 = sqlx::query_scalar("SELECT count(*) FROM organisations")
        .fetch_one(&app.db)
        .await
        .expect("count");
    let missing = app
        .post("/admin/organisationer", &[("name", "Ny organisation")])
        .await;
    let wrong = app
        .post(
            "/admin/organisationer",
            &[
                ("csrf", "0".repeat(64).as_str()),
                ("name", "Ny organisation"),
            ],
        )
        .await;
    for page in [missing, wrong] {
        assert_eq!(page.status, StatusCode::FORBIDDEN);
        assert_eq!(
            page.select("h1"),
            vec!["Formuläret kunde inte skickas".to_string()]
        );
    }
    let after: i64 = sqlx::query_scalar("SELECT count(*) FROM organisations")
        .fetch_one(&app.db)
        .await
        .expect("count");
    assert_eq!(before, after);
    // The login form is protected too.
    let anonymous = app.other_browser();
    let page = anonymous
        .post("/logga-in", &[("email", "a@b.se"), ("password", "x")])
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn logout_ends_the_session_on_the_server_so_the_old_cookie_no_longer_works() {
    let app = TestApp::spawn().await;
    app.login_as(Role::CaseOfficer, None).await;
    let start = app.get("/").await;
    let sessions: i64 = sqlx::query_scalar("SELECT count(*) FROM sessions")
        .fetch_one(&app.db)
        .await
        .expect("count");
    assert_eq!(sessions, 1);
    let out = app
        .post("/logga-ut", &[("csrf", start.csrf().as_str())])
        .await;
    assert_eq!(out.location.as_deref(), Some("/logga-in"));
    let sessions: i64 = sqlx::query_scalar("SELECT count(*) FROM sessions")
        .fetch_one(&app.db)
        .await
        .expect("count");
    assert_eq!(
        sessions, 0,
        "the session is gone from the database, whatever the browser keeps"
    );
    assert_eq!(app.get("/").await.location.as_deref(), Some("/logga-in"));
    assert_eq!(app.audit_count("auth.logout").await, 1);
    assert_eq!(app.audit_count("auth.login").await, 1);
    let flash = app.get("/logga-in").await;
    assert_eq!(flash.select(".flash"), vec!["Du är utloggad.".to_string()]);
}

#[tokio::test]
async fn a_replayed_session_cookie_is_refused_after_logout() {
    let app = TestApp::spawn().await;
    let id = app.create_user(Role::Admin, None).await;
    let email = app.email_of(id).await;
    let pending = app.login(&email, PASSWORD).await;
    assert_eq!(pending.location.as_deref(), Some("/logga-in/kod"));
    let csrf = app.get("/logga-in/kod").await.csrf();
    let code = app.fresh_code(id).await;
    let response = app
        .client
        .post(app.url("/logga-in/kod"))
        .form(&[("csrf", csrf.as_str()), ("code", code.as_str())])
        .send()
        .await
        .expect("second step");
    let cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("dk_session="))
        .and_then(|v| v.split(';').next())
        .expect("a session cookie")
        .to_string();
    assert!(cookie.len() > 20);
    let start = app.get("/").await;
    app.post("/logga-ut", &[("csrf", start.csrf().as_str())])
        .await;
    let replay = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let response = replay
        .get(app.url("/admin/anvandare"))
        .header("cookie", cookie)
        .send()
        .await
        .expect("GET");
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        response
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok()),
        Some("/logga-in")
    );
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = TestApp::spawn().await;
    for path in ["/logga-in", "/program", "/finns-inte", "/static/style.css"] {
        let response = app.client.get(app.url(path)).send().await.expect("GET");
        let h = response.headers();
        let csp = h
            .get("content-security-policy")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        assert!(
            csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'"),
            "{path}: {csp}"
        );
        assert!(!csp.contains("unsafe-inline"), "{path}");
        assert_eq!(
            h.get("x-content-type-options")
                .and_then(|v| v.to_str().ok()),
            Some("nosniff"),
            "{path}"
        );
        assert!(h.get("referrer-policy").is_some(), "{path}");
        assert!(
            h.get("strict-transport-security").is_none(),
            "{path}: no HSTS on plain http"
        );
    }
    let fresh = app.other_browser();
    let login = fresh
        .client
        .get(app.url("/logga-in"))
        .send()
        .await
        .expect("GET");
    let cookie = login
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite"),
        "{cookie}"
    );
}

fn march_2025() -> Clock {
    Clock::Fixed(chrono::NaiveDate::from_ymd_opt(2025, 3, 1).expect("date"))
}

async fn logged_ip(app: &TestApp) -> String {
    let after: serde_json::Value = sqlx::query_scalar(
        "SELECT after FROM audit_log WHERE action = 'auth.login_failed' ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(&app.db)
    .await
    .expect("audit");
    after["ip"].as_str().expect("ip").to_string()
}

/// A failed login sent with this `X-Forwarded-For`.
async fn fail_from(app: &TestApp, email: &str, forwarded_for: &str) -> StatusCode {
    let csrf = app.get("/logga-in").await.csrf();
    app.client
        .post(app.url("/logga-in"))
        .header("x-forwarded-for", forwarded_for)
        .form(&[
            ("csrf", csrf.as_str()),
            ("email", email),
            ("password", "fel lösenord helt och hållet"),
        ])
        .send()
        .await
        .expect("POST")
        .status()
}

#[tokio::test]
async fn thirty_wrong_passwords_at_once_reach_the_password_check_only_five_times() {
    let app = TestApp::spawn().await;
    let id = app
        .create_user(Role::Coordinator, Some("Region Kalmar län"))
        .await;
    let email = app.email_of(id).await;
    let csrf = app.get("/logga-in").await.csrf();
    let mut attempts = tokio::task::JoinSet::new();
    for _ in 0..30 {
        let client = app.client.clone();
        let url = app.url("/logga-in");
        let (csrf, email) = (csrf.clone(), email.clone());
        attempts.spawn(async move {
            client
                .post(url)
                .form(&[
                    ("csrf", csrf.as_str()),
                    ("email", email.as_str()),
                    ("password", "fel lösenord helt och hållet"),
                ])
                .send()
                .await
                .expect("POST")
                .status()
        });
    }
    let mut statuses = Vec::new();
    while let Some(status) = attempts.join_next().await {
        statuses.push(status.expect("task"));
    }
    let checked = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNAUTHORIZED)
        .count();
    let slowed = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!((checked, slowed), (5, 25), "{statuses:?}");
    assert_eq!(app.audit_count("auth.login_failed").await, 5);
    // The 25 that came too early are written down too, as refused: they count against the
    // pair of account and address they came from.
    let recorded: Vec<(String, i64)> = sqlx::query_as(
        "SELECT outcome::text, count(*) FROM login_attempts WHERE email = $1
         GROUP BY outcome ORDER BY outcome::text",
    )
    .bind(&email)
    .fetch_all(&app.db)
    .await
    .expect("count");
    assert_eq!(
        recorded,
        vec![("failed".to_string(), 5), ("refused".to_string(), 25)]
    );
}

/// A login sent with this `X-Forwarded-For`, right or wrong.
async fn login_from(app: &TestApp, email: &str, password: &str, forwarded_for: &str) -> StatusCode {
    let csrf = app.get("/logga-in").await.csrf();
    app.client
        .post(app.url("/logga-in"))
        .header("x-forwarded-for", forwarded_for)
        .form(&[
            ("csrf", csrf.as_str()),
            ("email", email),
            ("password", password),
        ])
        .send()
        .await
        .expect("POST")
        .status()
}

#[tokio::test]
async fn guessing_from_many_addresses_does_not_keep_out_a_person_at_a_device_they_signed_in_from() {
    let app = TestApp::spawn_with(march_2025(), &[("TRUSTED_PROXIES", "127.0.0.1")]).await;
    let id = app
        .create_user(Role::Coordinator, Some("Region Kalmar län"))
        .await;
    let email = app.email_of(id).await;
    // The person signs in once from their own computer.
    let own = app.other_browser();
    assert_eq!(
        login_from(&own, &email, PASSWORD, "198.51.100.7").await,
        StatusCode::SEE_OTHER
    );
    let logout_csrf = own.get("/").await.csrf();
    own.post("/logga-ut", &[("csrf", &logout_csrf)]).await;

    // Someone guesses from 25 addresses, four each: under every address's own limit, past
    // the account's (20): the account is slowed down for everyone…
    let guesser = app.other_browser();
    for bucket in 0..25 {
        for _ in 0..4 {
            login_from(&guesser, &email, "gissning", &format!("203.0.113.{bucket}")).await;
        }
    }
    let stranger = app.other_browser();
    assert_eq!(
        login_from(&stranger, &email, PASSWORD, "192.0.2.200").await,
        StatusCode::TOO_MANY_REQUESTS,
        "a browser the account never signed in from waits"
    );
    // …but not for the person, at the device they signed in from, from wherever they are.
    assert_eq!(
        login_from(&own, &email, PASSWORD, "192.0.2.201").await,
        StatusCode::SEE_OTHER
    );
    // Whoever keeps knocking too early slows themselves down: their refused attempts count
    // against their own pair of account and address.
    let refused: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM login_attempts WHERE email = $1 AND outcome = 'refused'",
    )
    .bind(&email)
    .fetch_one(&app.db)
    .await
    .expect("refused");
    assert!(refused > 0, "attempts that came too early are written down");
}

#[tokio::test]
async fn x_forwarded_for_is_ignored_unless_the_peer_is_a_trusted_proxy() {
    let app = TestApp::spawn().await;
    fail_from(&app, "ingen@test.example", "203.0.113.7").await;
    assert_eq!(logged_ip(&app).await, "127.0.0.1");

    let behind_proxy = TestApp::spawn_with(march_2025(), &[("TRUSTED_PROXIES", "127.0.0.1")]).await;
    // The left-most entry is whatever the client claimed; the proxy appended the real one.
    fail_from(&behind_proxy, "ingen@test.example", "1.2.3.4, 203.0.113.7").await;
    assert_eq!(logged_ip(&behind_proxy).await, "203.0.113.7");
}

#[tokio::test]
async fn guessing_from_one_address_does_not_keep_the_right_password_out_from_another() {
    let app = TestApp::spawn_with(march_2025(), &[("TRUSTED_PROXIES", "127.0.0.0/8")]).await;
    let id = app
        .create_user(Role::Coordinator, Some("Region Dalarna"))
        .await;
    let email = app.email_of(id).await;
    for _ in 0..5 {
        assert_eq!(
            fail_from(&app, &email, "198.51.100.66").await,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        fail_from(&app, &email, "198.51.100.66").await,
        StatusCode::TOO_MANY_REQUESTS,
        "the guesser is slowed down"
    );
    let csrf = app.get("/logga-in").await.csrf();
    let real = app
        .client
        .post(app.url("/logga-in"))
        .header("x-forwarded-for", "203.0.113.20")
        .form(&[
            ("csrf", csrf.as_str()),
            ("email", email.as_str()),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .expect("POST");
    assert_eq!(real.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        real.headers().get("location").and_then(|v| v.to_str().ok()),
        Some("/")
    );
}

#[tokio::test]
async fn ipv6_neighbours_in_one_64_are_counted_together() {
    let app = TestApp::spawn_with(march_2025(), &[("TRUSTED_PROXIES", "127.0.0.1")]).await;
    let id = app
        .create_user(Role::Coordinator, Some("Region Dalarna"))
        .await;
    let email = app.email_of(id).await;
    for host in 1..=5 {
        let address = format!("2001:db8:1:2::{host}");
        assert_eq!(
            fail_from(&app, &email, &address).await,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        fail_from(&app, &email, "2001:db8:1:2:ffff::9").await,
        StatusCode::TOO_MANY_REQUESTS,
        "a new address in the same /64 is the same guesser"
    );
    assert_eq!(
        fail_from(&app, &email, "2001:db8:1:3::1").await,
        StatusCode::UNAUTHORIZED,
        "another /64 is someone else"
    );
}

#[tokio::test]
async fn over_https_cookies_take_the_host_prefix_are_secure_and_hsts_is_sent() {
    let app =
        TestApp::spawn_with(march_2025(), &[("PUBLIC_URL", "https://digikoord.example")]).await;
    // A client without a cookie jar (the test server speaks plain http): cookies by hand.
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let login = client.get(app.url("/logga-in")).send().await.expect("GET");
    assert_eq!(
        login
            .headers()
            .get("strict-transport-security")
            .and_then(|v| v.to_str().ok()),
        Some("max-age=31536000")
    );
    let csrf_cookie = login
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert!(csrf_cookie.starts_with("__Host-dk_csrf="), "{csrf_cookie}");
    assert!(
        csrf_cookie.contains("; Secure")
            && csrf_cookie.contains("Path=/")
            && !csrf_cookie.contains("Domain"),
        "{csrf_cookie}"
    );
    let token = csrf_cookie
        .split(';')
        .next()
        .and_then(|c| c.split_once('='))
        .map(|(_, v)| v.to_string())
        .expect("token");
    // Logging out shows a flash message on the next page: its cookie is secure too.
    let out = client
        .post(app.url("/logga-ut"))
        .header("cookie", format!("__Host-dk_csrf={token}"))
        .form(&[("csrf", token.as_str())])
        .send()
        .await
        .expect("POST");
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    let cookies: Vec<String> = out
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok().map(str::to_string))
        .collect();
    let flash = cookies
        .iter()
        .find(|c| c.contains("dk_flash="))
        .expect("a flash cookie");
    assert!(flash.starts_with("__Host-dk_flash="), "{flash}");
    assert!(flash.contains("; Secure"), "{flash}");
    for cookie in &cookies {
        assert!(
            cookie.starts_with("__Host-") && cookie.contains("; Secure"),
            "{cookie}"
        );
    }
}

/// The header of an error page: who it says is logged in, and how to log out or in.
struct Header {
    who: Vec<String>,
    logout_buttons: Vec<String>,
    login_links: Vec<String>,
    staff_menu: bool,
}

fn header_of(page: &crate::Page) -> Header {
    Header {
        who: page.select(".who span"),
        logout_buttons: page.select(".who form[action=\"/logga-ut\"] button"),
        login_links: page.select(".who a[href=\"/logga-in\"]"),
        staff_menu: !page.select("nav a[href=\"/oversikt\"]").is_empty(),
    }
}

fn assert_logged_in_as(page: &crate::Page, who: &str, staff_menu: bool) {
    let header = header_of(page);
    assert_eq!(header.who, vec![who.to_string()], "{}", page.text);
    assert_eq!(header.logout_buttons, vec!["Logga ut".to_string()]);
    assert!(header.login_links.is_empty(), "{:?}", header.login_links);
    assert_eq!(header.staff_menu, staff_menu);
}

#[tokio::test]
async fn a_logged_in_users_404_page_still_shows_them_logged_in_with_their_menu() {
    let app = TestApp::spawn().await;
    app.login_as(Role::CaseOfficer, None).await;
    let unknown = app
        .get(&format!("/rekvisitioner/{}", uuid::Uuid::new_v4()))
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(unknown.select("h1"), vec!["Sidan finns inte".to_string()]);
    assert_logged_in_as(&unknown, "Test Handläggare · Handläggare", true);

    let coordinator = app.other_browser();
    coordinator
        .login_as(Role::Coordinator, Some("Region Skåne"))
        .await;
    let nowhere = coordinator.get("/finns-inte").await;
    assert_eq!(nowhere.status, StatusCode::NOT_FOUND);
    assert_logged_in_as(
        &nowhere,
        "Test Regional koordinator · Regional koordinator · Region Skåne",
        false,
    );
}

#[tokio::test]
async fn a_logged_in_users_403_page_still_shows_them_logged_in() {
    let app = TestApp::spawn().await;
    app.login_as(Role::Coordinator, Some("Region Gävleborg"))
        .await;
    let staff_only = app.get("/handlaggning/rekvisitioner").await;
    assert_eq!(staff_only.status, StatusCode::FORBIDDEN);
    assert_eq!(
        staff_only.select("h1"),
        vec!["Ingen behörighet".to_string()]
    );
    assert_logged_in_as(
        &staff_only,
        "Test Regional koordinator · Regional koordinator · Region Gävleborg",
        false,
    );

    let officer = app.other_browser();
    officer.login_as(Role::CaseOfficer, None).await;
    let admin_only = officer.get("/admin/anvandare").await;
    assert_eq!(admin_only.status, StatusCode::FORBIDDEN);
    assert_logged_in_as(&admin_only, "Test Handläggare · Handläggare", true);
}

#[tokio::test]
async fn an_anonymous_visitors_404_page_offers_the_login_link() {
    let app = TestApp::spawn().await;
    let nowhere = app.get("/finns-inte").await;
    assert_eq!(nowhere.status, StatusCode::NOT_FOUND);
    assert_eq!(nowhere.select("h1"), vec!["Sidan finns inte".to_string()]);
    let header = header_of(&nowhere);
    assert_eq!(header.login_links, vec!["Logga in".to_string()]);
    assert!(header.who.is_empty() && header.logout_buttons.is_empty());
    assert!(!header.staff_menu);
}

#[tokio::test]
async fn refusals_before_the_handler_and_the_frameworks_own_show_who_is_logged_in_too() {
    let app = TestApp::spawn().await;
    app.login_as(Role::Approver, None).await;
    let who = "Test Attestant · Attestant";

    let nul = app.get("/?ar=%00").await;
    assert_eq!(nul.status, StatusCode::BAD_REQUEST);
    assert_eq!(nul.select("h1"), vec!["Felaktig begäran".to_string()]);
    assert_logged_in_as(&nul, who, true);

    // Not an id: the framework's own rejection, said in Swedish.
    let not_an_id = app.get("/rekvisitioner/inte-ett-id").await;
    assert_eq!(not_an_id.status, StatusCode::BAD_REQUEST);
    assert_eq!(not_an_id.select("h1"), vec!["Felaktig begäran".to_string()]);
    assert_logged_in_as(&not_an_id, who, true);

    let wrong_token = app
        .post("/logga-ut", &[("csrf", "0".repeat(64).as_str())])
        .await;
    assert_eq!(wrong_token.status, StatusCode::FORBIDDEN);
    assert_eq!(
        wrong_token.select("h1"),
        vec!["Formuläret kunde inte skickas".to_string()]
    );
    assert_logged_in_as(&wrong_token, who, true);
}

#[tokio::test]
async fn a_login_waiting_for_its_second_step_shows_no_one_logged_in_on_its_error_page() {
    let app = TestApp::spawn().await;
    let id = app.create_user(Role::Admin, None).await;
    let email = app.email_of(id).await;
    let pending = app.login(&email, PASSWORD).await;
    assert_eq!(pending.location.as_deref(), Some("/logga-in/kod"));
    let refused = app
        .post(
            "/logga-in/kod",
            &[("csrf", "0".repeat(64).as_str()), ("code", "123456")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let header = header_of(&refused);
    assert_eq!(header.login_links, vec!["Logga in".to_string()]);
    assert!(header.who.is_empty() && header.logout_buttons.is_empty());
    assert!(!header.staff_menu);
}

/// The hidden fields of the page's form, as a browser would send them again.
fn hidden_fields(page: &crate::Page) -> Vec<(String, String)> {
    let selector = scraper::Selector::parse("form.form input[type=hidden]").expect("selector");
    page.html
        .select(&selector)
        .filter_map(|i| {
            Some((
                i.value().attr("name")?.to_string(),
                i.value().attr("value").unwrap_or_default().to_string(),
            ))
        })
        .collect()
}

/// Makes the browser's proof of who it is older than 15 minutes.
async fn proof_long_ago(app: &TestApp, user: uuid::Uuid) {
    sqlx::query(
        "UPDATE sessions SET authenticated_at = now() - interval '20 minutes' WHERE user_id = $1",
    )
    .bind(user)
    .execute(&app.db)
    .await
    .expect("older proof");
}

#[tokio::test]
async fn a_sensitive_action_asks_for_a_fresh_code_and_keeps_what_was_typed() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin, None).await;
    proof_long_ago(&app, admin).await;
    let users = || async {
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM users")
            .fetch_one(&app.db)
            .await
            .expect("count")
    };
    let before = users().await;
    let org: uuid::Uuid =
        sqlx::query_scalar("SELECT id FROM organisations WHERE name = 'Region Halland'")
            .fetch_one(&app.db)
            .await
            .expect("org");
    let org = org.to_string();
    let asked = app
        .submit(
            "/admin/anvandare/ny",
            "/admin/anvandare/ny",
            &[
                ("name", "Åsa Öberg"),
                ("email", "asa@regionhalland.se"),
                ("role", "coordinator"),
                ("organisation_id", &org),
            ],
        )
        .await;
    assert_eq!(asked.status, StatusCode::OK);
    assert_eq!(asked.select("h1"), vec!["Bekräfta att det är du"]);
    assert_eq!(users().await, before, "nothing done yet");
    let carried = hidden_fields(&asked);
    assert!(
        carried.contains(&("name".into(), "Åsa Öberg".into())),
        "{carried:?}"
    );
    assert!(carried.contains(&("organisation_id".into(), org.clone())));
    let send = |code: String| {
        let mut fields = carried.clone();
        fields.push(("reauth_code".into(), code));
        fields
    };
    let as_refs = |fields: &[(String, String)]| -> Vec<(String, String)> { fields.to_vec() };
    let wrong = app
        .client
        .post(app.url("/admin/anvandare/ny"))
        .form(&as_refs(&send("000000".into())))
        .send()
        .await
        .expect("POST");
    let wrong = TestApp::page_of(wrong).await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(wrong.select("#reauth_code-error").len(), 1);
    assert_eq!(users().await, before);
    let code = app.fresh_code(admin).await;
    let done = app
        .client
        .post(app.url("/admin/anvandare/ny"))
        .form(&as_refs(&send(code)))
        .send()
        .await
        .expect("POST");
    assert_eq!(done.status(), StatusCode::SEE_OTHER);
    assert_eq!(users().await, before + 1, "done as sent, once proved");
    let created: String =
        sqlx::query_scalar("SELECT name FROM users WHERE email = 'asa@regionhalland.se'")
            .fetch_one(&app.db)
            .await
            .expect("created");
    assert_eq!(created, "Åsa Öberg");
    assert_eq!(app.audit_count("auth.reauthenticated").await, 1);
    // The proof now counts for a quarter of an hour: the next action goes straight through.
    let next = app
        .submit(
            "/admin/anvandare/ny",
            "/admin/anvandare/ny",
            &[
                ("name", "Bo Ek"),
                ("email", "bo@regionhalland.se"),
                ("role", "coordinator"),
                ("organisation_id", &org),
            ],
        )
        .await;
    assert_eq!(next.status, StatusCode::SEE_OTHER);

    // A coordinator turning on a second factor gives the password again.
    let region = app.other_browser();
    let coordinator = region
        .login_as(Role::Coordinator, Some("Region Halland"))
        .await;
    let form = region.get("/tvastegsverifiering").await;
    proof_long_ago(&app, coordinator).await;
    let asked = region
        .post(
            "/tvastegsverifiering",
            &[("csrf", &form.csrf()), ("code", "123456")],
        )
        .await;
    assert_eq!(asked.select("h1"), vec!["Bekräfta att det är du"]);
    assert_eq!(asked.select("#reauth_password").len(), 1);
}

#[tokio::test]
async fn a_person_sees_where_they_are_signed_in_and_logs_out_everywhere_else() {
    let app = TestApp::spawn().await;
    let id = app
        .create_user(Role::Coordinator, Some("Region Gävleborg"))
        .await;
    let email = app.email_of(id).await;
    let here = app.other_browser();
    let there = app.other_browser();
    for browser in [&here, &there] {
        assert_eq!(
            browser.login(&email, PASSWORD).await.status,
            StatusCode::SEE_OTHER
        );
    }
    let page = here.get("/sessioner").await;
    assert_eq!(page.select("table.sessions tbody tr").len(), 2);
    assert_eq!(page.select("tr.current").len(), 1);
    let out = here
        .submit("/sessioner", "/sessioner/logga-ut-overallt", &[])
        .await;
    let after = here.follow(out).await;
    assert!(after.select(".flash")[0].contains("1 annan inloggning"));
    assert_eq!(after.select("table.sessions tbody tr").len(), 1);
    assert_eq!(here.get("/").await.status, StatusCode::OK, "still in here");
    assert_eq!(
        there.get("/").await.location.as_deref(),
        Some("/logga-in"),
        "out there"
    );
    assert_eq!(app.audit_count("auth.logged_out_elsewhere").await, 1);
}
