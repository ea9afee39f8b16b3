use digikoord::auth::Role;
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
    assert_eq!(rows.len(), 3);
    assert!(
        rows[0].contains("Rekvisition av medel") && rows[0].contains("31 mars 2025"),
        "{}",
        rows[0]
    );
    assert!(rows[0].contains("30 dagar kvar"), "{}", rows[0]);
    assert!(
        rows[1].contains("31 januari 2026") && rows[1].contains("Ej påbörjad"),
        "{}",
        rows[1]
    );
    assert!(rows[2].contains("26 februari 2026"), "{}", rows[2]);
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
    assert_eq!(app.audit_count("login_failed").await, 2);
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
            .contains("För många misslyckade inloggningsförsök")
    );
    assert_eq!(app.get("/").await.location.as_deref(), Some("/logga-in"));
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
    assert_eq!(app.audit_count("logout").await, 1);
    assert_eq!(app.audit_count("login").await, 1);
    let flash = app.get("/logga-in").await;
    assert_eq!(flash.select(".flash"), vec!["Du är utloggad.".to_string()]);
}

#[tokio::test]
async fn a_replayed_session_cookie_is_refused_after_logout() {
    let app = TestApp::spawn().await;
    let id = app.create_user(Role::Admin, None).await;
    let email = app.email_of(id).await;
    let csrf = app.get("/logga-in").await.csrf();
    let response = app
        .client
        .post(app.url("/logga-in"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("email", email.as_str()),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .expect("login");
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
