use digikoord::auth::Role;
use reqwest::StatusCode;

use crate::TestApp;

async fn org_id(app: &TestApp, name: &str) -> String {
    let id: uuid::Uuid = sqlx::query_scalar("SELECT id FROM organisations WHERE name = $1")
        .bind(name)
        .fetch_one(&app.db)
        .await
        .expect("org");
    id.to_string()
}

#[tokio::test]
async fn an_admin_creates_a_coordinator_who_sets_a_password_with_the_one_time_link_and_logs_in() {
    let app = TestApp::spawn().await;
    app.login_as(Role::Admin, None).await;
    let org = org_id(&app, "Region Halland").await;
    let created = app
        .submit(
            "/admin/anvandare/ny",
            "/admin/anvandare/ny",
            &[
                ("name", "Åsa Öberg"),
                ("email", "Asa.Oberg@Regionhalland.se"),
                ("role", "coordinator"),
                ("organisation_id", &org),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::OK);
    assert!(created.select(".flash")[0].contains("Åsa Öberg är skapad"));
    let link = created
        .attr("#link", "value")
        .expect("the link is shown on screen");
    let path = link
        .strip_prefix("http://localhost:3000")
        .expect("link on the public URL")
        .to_string();
    assert_eq!(app.audit_count("user_created").await, 1);

    let person = app.other_browser();
    let short = person
        .submit(
            &path,
            &path,
            &[("password", "för kort"), ("password_repeat", "för kort")],
        )
        .await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        short.select("#password-error"),
        vec!["Fel: Lösenordet måste ha minst 12 tecken.".to_string()]
    );
    let set = person
        .submit(
            &path,
            &path,
            &[
                ("password", "hallands kust är vacker"),
                ("password_repeat", "hallands kust är vacker"),
            ],
        )
        .await;
    assert_eq!(set.location.as_deref(), Some("/logga-in"));
    assert_eq!(
        person.get(&path).await.status,
        StatusCode::NOT_FOUND,
        "the link works once"
    );
    let login = person
        .login("asa.oberg@regionhalland.se", "hallands kust är vacker")
        .await;
    assert_eq!(login.location.as_deref(), Some("/"));
    assert_eq!(
        person.get("/").await.select("h1"),
        vec!["Region Halland: programår 2025".to_string()]
    );
}

#[tokio::test]
async fn a_user_form_with_errors_comes_back_filled_in_and_writes_nothing() {
    let app = TestApp::spawn().await;
    app.login_as(Role::Admin, None).await;
    let before: i64 = sqlx::query_scalar("SELECT count(*) FROM users")
        .fetch_one(&app.db)
        .await
        .expect("count");
    let page = app
        .submit(
            "/admin/anvandare/ny",
            "/admin/anvandare/ny",
            &[
                ("name", "Kalle <script>"),
                ("email", "inte-en-adress"),
                ("role", "coordinator"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        page.attr("#name", "value").as_deref(),
        Some("Kalle <script>")
    );
    assert_eq!(
        page.attr("#email", "value").as_deref(),
        Some("inte-en-adress")
    );
    assert!(page.select("#email-error")[0].contains("giltig e-postadress"));
    assert!(page.select("#organisation_id-error")[0].contains("måste höra till en organisation"));
    assert_eq!(page.select(".error-summary li").len(), 2);
    let after: i64 = sqlx::query_scalar("SELECT count(*) FROM users")
        .fetch_one(&app.db)
        .await
        .expect("count");
    assert_eq!(before, after);
}

#[tokio::test]
async fn a_deactivated_user_is_thrown_out_at_once() {
    let app = TestApp::spawn().await;
    app.login_as(Role::Admin, None).await;
    let coordinator = app.other_browser();
    let id = coordinator
        .login_as(Role::Coordinator, Some("Region Uppsala"))
        .await;
    assert_eq!(coordinator.get("/").await.status, StatusCode::OK);
    let path = format!("/admin/anvandare/{id}");
    let done = app.submit(&path, &format!("{path}/inaktivera"), &[]).await;
    assert_eq!(done.location.as_deref(), Some("/admin/anvandare"));
    assert_eq!(
        coordinator.get("/").await.location.as_deref(),
        Some("/logga-in")
    );
    let sessions: i64 = sqlx::query_scalar("SELECT count(*) FROM sessions WHERE user_id = $1")
        .bind(id)
        .fetch_one(&app.db)
        .await
        .expect("count");
    assert_eq!(sessions, 0);
    let email = app.email_of(id).await;
    assert_eq!(
        coordinator.login(&email, crate::PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
    let (before, after): (serde_json::Value, serde_json::Value) =
        sqlx::query_as("SELECT before, after FROM audit_log WHERE action = 'user_deactivated'")
            .fetch_one(&app.db)
            .await
            .expect("audit");
    assert_eq!(before["active"], true);
    assert_eq!(after["active"], false);
}

#[tokio::test]
async fn an_admin_changes_a_users_role_and_organisation() {
    let app = TestApp::spawn().await;
    app.login_as(Role::Admin, None).await;
    let id = app
        .create_user(Role::Coordinator, Some("Region Skåne"))
        .await;
    let path = format!("/admin/anvandare/{id}");
    let done = app
        .submit(
            &path,
            &path,
            &[
                ("name", "Ny handläggare"),
                ("email", "ny@tillvaxtverket.se"),
                ("role", "case_officer"),
                ("organisation_id", ""),
            ],
        )
        .await;
    assert_eq!(done.location.as_deref(), Some("/admin/anvandare"));
    let (role, org): (Role, Option<uuid::Uuid>) =
        sqlx::query_as("SELECT role, organisation_id FROM users WHERE id = $1")
            .bind(id)
            .fetch_one(&app.db)
            .await
            .expect("user");
    assert_eq!(role, Role::CaseOfficer);
    assert_eq!(org, None);
}
