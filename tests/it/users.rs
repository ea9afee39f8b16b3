use digikoord::auth::Role;
use reqwest::StatusCode;
use uuid::Uuid;

use crate::{
    Page, TestApp,
    mail::{Sink, deliver, with_mail},
    steps::{org_id, password_path},
};

/// No copy of a set-password link anyone could read is kept: not in what the outbox shows,
/// and the whole mail only sealed, and only until it has left.
pub(crate) async fn assert_links_unreadable(app: &TestApp) {
    let kept: Vec<(String, String, Option<String>, String)> = sqlx::query_as(
        "SELECT body_text, body_html, sealed_text, state::text FROM outbox WHERE kind = 'password'",
    )
    .fetch_all(&app.db)
    .await
    .expect("outbox");
    for (text, html, sealed, state) in kept {
        assert!(
            !text.contains("/losenord/") && !html.contains("/losenord/"),
            "{text}"
        );
        match sealed {
            Some(sealed) => {
                assert_eq!(state, "queued");
                assert!(sealed.starts_with("sealed:v1:") && !sealed.contains("losenord"));
            }
            None => assert_ne!(state, "queued", "a waiting link mail keeps its text sealed"),
        }
    }
}

#[tokio::test]
async fn an_admin_creates_a_coordinator_who_sets_a_password_with_the_one_time_link_and_logs_in() {
    let sink = Sink::start();
    let app = with_mail(crate::TestApp::default_clock(), &sink).await;
    app.login_as(Role::Admin, None).await;
    let org = org_id(&app, "Region Halland").await.to_string();
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
    assert_eq!(created.status, StatusCode::SEE_OTHER);
    let created = app.follow(created).await;
    assert!(created.select(".flash")[0].contains("Åsa Öberg är skapad"));
    assert!(
        created.select(".flash")[0].contains("skickad med e-post till asa.oberg@regionhalland.se")
    );
    // The link goes to the person's own address only: never on a page, nor readable in
    // the outbox (the administrator's mail page shows the mail without it).
    assert!(!created.text.contains("/losenord/"));
    let outbox = app.get("/admin/meddelanden").await;
    assert!(outbox.text.contains("Välkommen till Digikoord"));
    assert!(!outbox.text.contains("/losenord/"), "{}", outbox.text);
    assert_links_unreadable(&app).await;
    assert_eq!(deliver(&app, &sink).await.delivered, 1);
    let mails = sink.to("asa.oberg@regionhalland.se");
    assert_eq!(mails.len(), 1);
    let path = password_path(&mails[0].text);
    assert!(mails[0].text.contains("i 24 timmar"), "{}", mails[0].text);
    assert_links_unreadable(&app).await;
    assert_eq!(app.audit_count("user.created").await, 1);

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
    // A common or breached password, or one built on the person's name, is refused too.
    for guessable in ["password1234", "asaoberg2025!"] {
        let refused = person
            .submit(
                &path,
                &path,
                &[("password", guessable), ("password_repeat", guessable)],
            )
            .await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{guessable}"
        );
        assert!(
            refused.select("#password-error")[0].contains("för lätt att gissa"),
            "{guessable}"
        );
    }
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
        sqlx::query_as("SELECT before, after FROM audit_log WHERE action = 'user.deactivated'")
            .fetch_one(&app.db)
            .await
            .expect("audit");
    assert_eq!(before["active"], true);
    assert_eq!(after["active"], false);
}

#[tokio::test]
async fn an_admin_moves_a_coordinator_to_another_organisation_at_once() {
    let app = TestApp::spawn().await;
    app.login_as(Role::Admin, None).await;
    let id = app
        .create_user(Role::Coordinator, Some("Region Skåne"))
        .await;
    let halland = org_id(&app, "Region Halland").await.to_string();
    let path = format!("/admin/anvandare/{id}");
    let done = app
        .submit(
            &path,
            &path,
            &[
                ("name", "Ny koordinator"),
                ("email", "ny@regionhalland.se"),
                ("role", "coordinator"),
                ("organisation_id", &halland),
            ],
        )
        .await;
    assert_eq!(done.location.as_deref(), Some("/admin/anvandare"));
    let (role, org, email): (Role, Option<Uuid>, String) =
        sqlx::query_as("SELECT role, organisation_id, email FROM users WHERE id = $1")
            .bind(id)
            .fetch_one(&app.db)
            .await
            .expect("user");
    assert_eq!(role, Role::Coordinator);
    assert_eq!(org.map(|o| o.to_string()), Some(halland));
    assert_eq!(email, "ny@regionhalland.se");
    assert_eq!(pending_grants(&app).await, 0, "nothing to confirm");
}

// Four eyes on staff roles: one administrator asks, another confirms.

/// The user's id by e-mail address.
async fn user_id(app: &TestApp, email: &str) -> Uuid {
    sqlx::query_scalar("SELECT id FROM users WHERE email = lower(btrim($1))")
        .bind(email)
        .fetch_one(&app.db)
        .await
        .expect("user")
}

/// The request waiting for the user's role.
async fn pending_grant(app: &TestApp, user: Uuid) -> i64 {
    sqlx::query_scalar("SELECT id FROM role_grants WHERE user_id = $1 AND state = 'pending'")
        .bind(user)
        .fetch_one(&app.db)
        .await
        .expect("a pending grant")
}

async fn pending_grants(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM role_grants WHERE state = 'pending'")
        .fetch_one(&app.db)
        .await
        .expect("count")
}

async fn role_and_active(app: &TestApp, user: Uuid) -> (Role, bool) {
    sqlx::query_as("SELECT role, active FROM users WHERE id = $1")
        .bind(user)
        .fetch_one(&app.db)
        .await
        .expect("user")
}

/// Creates a staff user on the administrator's form; returns its id and the page shown.
async fn create_staff(app: &TestApp, name: &str, email: &str, role: Role) -> (Uuid, Page) {
    let page = app
        .submit(
            "/admin/anvandare/ny",
            "/admin/anvandare/ny",
            &[
                ("name", name),
                ("email", email),
                ("role", role.key()),
                ("organisation_id", ""),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.plain());
    let page = app.follow(page).await;
    (user_id(app, email).await, page)
}

/// Presses a button on the roles page, as the administrator in this browser.
async fn decide(admin: &TestApp, grant: i64, action: &str) -> Page {
    admin
        .submit(
            "/admin/behorigheter",
            &format!("/admin/behorigheter/{grant}/{action}"),
            &[],
        )
        .await
}

/// How many set-password mails have been queued to the address.
async fn link_mails(app: &TestApp, email: &str) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM outbox WHERE kind = 'password' AND to_address = $1")
        .bind(email)
        .fetch_one(&app.db)
        .await
        .expect("count")
}

#[tokio::test]
async fn a_new_case_officer_can_do_nothing_until_a_second_administrator_confirms_the_role() {
    let sink = Sink::start();
    let app = with_mail(crate::TestApp::default_clock(), &sink).await;
    app.login_as(Role::Admin, None).await;
    let (id, created) = create_staff(
        &app,
        "Kim Handläggare",
        "Kim.Handlaggare@Tillvaxtverket.se",
        Role::CaseOfficer,
    )
    .await;
    assert!(
        created.select(".flash")[0].contains(
            "Rollen Handläggare gäller först när en annan administratör har bekräftat den"
        )
    );
    assert_eq!(
        created.select("strong.status"),
        vec!["Väntar på bekräftelse"]
    );
    // Not yet in force: the account is shut, even with a password, and gets no link.
    assert_eq!(role_and_active(&app, id).await, (Role::CaseOfficer, false));
    assert_eq!(
        link_mails(&app, "kim.handlaggare@tillvaxtverket.se").await,
        0
    );
    let person = app.other_browser();
    let hash = digikoord::auth::password::hash(crate::PASSWORD.into())
        .await
        .expect("hash");
    sqlx::query("UPDATE users SET password_hash = $2 WHERE id = $1")
        .bind(id)
        .bind(hash)
        .execute(&app.db)
        .await
        .expect("password");
    let refused = person
        .login("kim.handlaggare@tillvaxtverket.se", crate::PASSWORD)
        .await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        person
            .get("/handlaggning/rekvisitioner")
            .await
            .location
            .as_deref(),
        Some("/logga-in")
    );
    // The person has not chosen a password yet (the one above was for the refused login).
    sqlx::query("UPDATE users SET password_hash = NULL WHERE id = $1")
        .bind(id)
        .execute(&app.db)
        .await
        .expect("no password");
    let list = app.get("/admin/anvandare").await;
    assert!(list.select("#pending-grants")[0].contains("En roll väntar på bekräftelse"));
    assert!(
        list.text
            .contains("Begärd: Handläggare (väntar på bekräftelse)")
    );

    // The one who asked sees the request waiting, without a button to confirm it…
    let grant = pending_grant(&app, id).await;
    let row = format!("#begaran-{grant}");
    let own = app.get("/admin/behorigheter").await;
    assert_eq!(
        own.select(&format!("{row} .waiting")),
        vec!["Du har begärt rollen. Den väntar på bekräftelse av en annan administratör."]
    );
    assert!(own.select(&format!("{row} button.confirm")).is_empty());
    // …and is refused when confirming it anyway.
    let self_confirmed = decide(&app, grant, "bekrafta").await;
    assert_eq!(self_confirmed.status, StatusCode::FORBIDDEN);
    assert!(
        self_confirmed
            .text
            .contains("En annan administratör måste bekräfta den")
    );
    assert_eq!(role_and_active(&app, id).await, (Role::CaseOfficer, false));
    assert_eq!(app.audit_count("role_grant.confirmed").await, 0);

    // A second administrator sees who asked, and confirms.
    let second = app.other_browser();
    let second_id = second.login_as(Role::Admin, None).await;
    let theirs = second.get("/admin/behorigheter").await;
    assert_eq!(
        theirs.select(&format!("{row} .requested-role")),
        vec!["Handläggare"]
    );
    assert_eq!(
        theirs.select(&format!("{row} .requested-by")),
        vec!["Test Administratör"]
    );
    assert_eq!(theirs.select(&format!("{row} button.confirm")).len(), 1);
    let confirmed = decide(&second, grant, "bekrafta").await;
    assert_eq!(confirmed.status, StatusCode::SEE_OTHER);
    let after = second.follow(confirmed).await;
    assert_eq!(
        after.select(".flash"),
        vec![
            "Rollen handläggare för Kim Handläggare är bekräftad och gäller från och med nu. En länk för att välja lösenord är skickad med e-post till kim.handlaggare@tillvaxtverket.se."
        ]
    );
    assert!(after.select(&row).is_empty(), "no longer waiting");
    assert_eq!(role_and_active(&app, id).await, (Role::CaseOfficer, true));

    // Now the link goes to the case officer's own address, who works as one.
    deliver(&app, &sink).await;
    let mails = sink.to("kim.handlaggare@tillvaxtverket.se");
    assert_eq!(mails.len(), 1);
    let link = password_path(&mails[0].text);
    assert_eq!(person.get(&link).await.status, StatusCode::OK);
    let set = person
        .submit(
            &link,
            &link,
            &[
                ("password", "handläggarens eget lösenord"),
                ("password_repeat", "handläggarens eget lösenord"),
            ],
        )
        .await;
    assert_eq!(set.location.as_deref(), Some("/logga-in"));
    let login = person
        .login(
            "kim.handlaggare@tillvaxtverket.se",
            "handläggarens eget lösenord",
        )
        .await;
    // Staff enrol a second factor at their first login.
    assert_eq!(
        login.location.as_deref(),
        Some(crate::two_factor::ENROL_PATH)
    );
    assert_eq!(
        crate::two_factor::enrol(&person, crate::two_factor::ENROL_PATH)
            .await
            .len(),
        10
    );
    assert_eq!(
        person.get("/handlaggning/rekvisitioner").await.status,
        StatusCode::OK
    );

    assert_eq!(app.audit_count("user.created").await, 1);
    assert_eq!(app.audit_count("role_grant.requested").await, 1);
    let (actor, after): (Uuid, serde_json::Value) = sqlx::query_as(
        "SELECT actor_user_id, after FROM audit_log WHERE action = 'role_grant.confirmed'",
    )
    .fetch_one(&app.db)
    .await
    .expect("audit");
    assert_eq!(actor, second_id);
    assert_eq!(after["user"]["role"], "case_officer");
    assert_eq!(after["user"]["active"], true);
    assert_eq!(after["role_grant"]["state"], "confirmed");
}

#[tokio::test]
async fn a_coordinator_made_approver_keeps_the_coordinators_role_until_it_is_confirmed() {
    let app = TestApp::spawn().await;
    app.login_as(Role::Admin, None).await;
    let coordinator = app.other_browser();
    let id = coordinator
        .login_as(Role::Coordinator, Some("Region Skåne"))
        .await;
    let email = app.email_of(id).await;
    let path = format!("/admin/anvandare/{id}");
    let approver = [
        ("name", "Test Regional koordinator"),
        ("email", email.as_str()),
        ("role", "approver"),
        ("organisation_id", ""),
    ];
    let asked = app.submit(&path, &path, &approver).await;
    assert_eq!(asked.location.as_deref(), Some("/admin/anvandare"));
    assert!(
        app.follow(asked).await.select(".flash")[0]
            .contains("Rollen attestant gäller först när en annan administratör har bekräftat den")
    );

    // The old role holds, in the database and in the coordinator's session.
    let (role, org): (Role, Option<Uuid>) =
        sqlx::query_as("SELECT role, organisation_id FROM users WHERE id = $1")
            .bind(id)
            .fetch_one(&app.db)
            .await
            .expect("user");
    assert_eq!(role, Role::Coordinator);
    assert!(org.is_some());
    assert_eq!(
        coordinator.get("/attest").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        coordinator.get("/").await.select("h1"),
        vec!["Region Skåne: programår 2025".to_string()]
    );
    let form = app.get(&path).await;
    assert!(
        form.select("#pending-role")[0].contains("Till dess gäller rollen regional koordinator")
    );

    // Saving the same request again changes nothing; asking for another role must wait.
    let again = app.submit(&path, &path, &approver).await;
    assert_eq!(again.location.as_deref(), Some("/admin/anvandare"));
    let other = app
        .submit(
            &path,
            &path,
            &[
                ("name", "Test Regional koordinator"),
                ("email", email.as_str()),
                ("role", "admin"),
                ("organisation_id", ""),
            ],
        )
        .await;
    assert_eq!(other.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        other.select("#role-error")[0].contains("Rollen attestant väntar redan på bekräftelse")
    );
    assert_eq!(
        other.attr("input[name=role][checked]", "value").as_deref(),
        Some("admin")
    );
    assert_eq!(app.audit_count("role_grant.requested").await, 1);

    let second = app.other_browser();
    second.login_as(Role::Admin, None).await;
    let grant = pending_grant(&app, id).await;
    assert_eq!(
        decide(&second, grant, "bekrafta").await.status,
        StatusCode::SEE_OTHER
    );
    // The coordinator's very next request is an approver's, who must first enrol a second
    // factor: the session without one ends, and the next login asks for it.
    assert_eq!(
        coordinator.get("/attest").await.location.as_deref(),
        Some("/logga-in")
    );
    let login = coordinator.login(&email, crate::PASSWORD).await;
    assert_eq!(
        login.location.as_deref(),
        Some(crate::two_factor::ENROL_PATH)
    );
    crate::two_factor::enrol(&coordinator, crate::two_factor::ENROL_PATH).await;
    assert_eq!(coordinator.get("/attest").await.status, StatusCode::OK);
    let (role, org): (Role, Option<Uuid>) =
        sqlx::query_as("SELECT role, organisation_id FROM users WHERE id = $1")
            .bind(id)
            .fetch_one(&app.db)
            .await
            .expect("user");
    assert_eq!((role, org), (Role::Approver, None));
}

#[tokio::test]
async fn a_refused_role_is_never_in_force_and_can_be_asked_for_again_or_withdrawn() {
    let app = TestApp::spawn().await;
    app.login_as(Role::Admin, None).await;
    let (id, created) = create_staff(
        &app,
        "Alex Attest",
        "alex@tillvaxtverket.se",
        Role::Approver,
    )
    .await;
    assert!(created.select(".flash")[0].contains("Alex Attest är skapad"));
    let grant = pending_grant(&app, id).await;

    let second = app.other_browser();
    second.login_as(Role::Admin, None).await;
    let refused = decide(&second, grant, "neka").await;
    assert_eq!(refused.location.as_deref(), Some("/admin/behorigheter"));
    let after = second.follow(refused).await;
    assert!(after.select(".flash")[0].contains("Rollen attestant för Alex Attest är nekad"));
    assert!(
        after
            .select(".grants-decided td")
            .contains(&"Nekad".to_string())
    );
    assert_eq!(role_and_active(&app, id).await, (Role::Approver, false));
    assert_eq!(app.audit_count("role_grant.refused").await, 1);

    // The account stays shut: no link, no reactivation, shown as refused.
    assert_eq!(link_mails(&app, "alex@tillvaxtverket.se").await, 0);
    let path = format!("/admin/anvandare/{id}");
    let form = app.get(&path).await;
    assert_eq!(form.select("strong.status"), vec!["Rollen nekad"]);
    assert!(form.select("form[action$=aktivera]").is_empty());
    let activated = app.submit(&path, &format!("{path}/aktivera"), &[]).await;
    assert_eq!(activated.status, StatusCode::FORBIDDEN);
    assert!(
        activated.text.contains(
            "Kontot kan inte aktiveras förrän en annan administratör har bekräftat rollen"
        )
    );
    assert_eq!(role_and_active(&app, id).await, (Role::Approver, false));
    // A decided request is decided once.
    assert_eq!(
        decide(&app, grant, "bekrafta").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        decide(&second, grant, "bekrafta").await.status,
        StatusCode::CONFLICT
    );

    // Saving the account with the role asks again; the one who asked may withdraw it.
    let again = app
        .submit(
            &path,
            &path,
            &[
                ("name", "Alex Attest"),
                ("email", "alex@tillvaxtverket.se"),
                ("role", "approver"),
                ("organisation_id", ""),
            ],
        )
        .await;
    assert_eq!(again.location.as_deref(), Some("/admin/anvandare"));
    let retry = pending_grant(&app, id).await;
    assert_ne!(retry, grant);
    let own = app.get("/admin/behorigheter").await;
    assert_eq!(
        own.select(&format!("#begaran-{retry} button.refuse")),
        vec!["Dra tillbaka rollen Attestant för Alex Attest"]
    );
    let withdrawn = decide(&app, retry, "neka").await;
    assert!(app.follow(withdrawn).await.select(".flash")[0].contains("tillbakadragen"));
    assert_eq!(pending_grants(&app).await, 0);
    assert_eq!(app.audit_count("role_grant.withdrawn").await, 1);
    assert_eq!(role_and_active(&app, id).await, (Role::Approver, false));
}

#[tokio::test]
async fn lowering_a_staff_member_to_coordinator_takes_effect_at_once() {
    let app = TestApp::spawn().await;
    app.login_as(Role::Admin, None).await;
    let approver = app.other_browser();
    let id = approver.login_as(Role::Approver, None).await;
    assert_eq!(approver.get("/attest").await.status, StatusCode::OK);
    let email = app.email_of(id).await;
    let org = org_id(&app, "Region Gävleborg").await.to_string();
    let path = format!("/admin/anvandare/{id}");
    let done = app
        .submit(
            &path,
            &path,
            &[
                ("name", "Tidigare attestant"),
                ("email", email.as_str()),
                ("role", "coordinator"),
                ("organisation_id", &org),
            ],
        )
        .await;
    assert_eq!(done.location.as_deref(), Some("/admin/anvandare"));
    assert_eq!(role_and_active(&app, id).await, (Role::Coordinator, true));
    assert_eq!(approver.get("/attest").await.status, StatusCode::FORBIDDEN);
    assert_eq!(pending_grants(&app).await, 0);
}

#[tokio::test]
async fn the_database_refuses_a_staff_role_without_a_second_administrators_confirmation() {
    let app = TestApp::spawn().await;
    let first = app.login_as(Role::Admin, None).await;
    let (id, _) = create_staff(&app, "Sam Staff", "sam@tillvaxtverket.se", Role::Approver).await;
    let grant = pending_grant(&app, id).await;
    let constraint = |result: Result<sqlx::postgres::PgQueryResult, sqlx::Error>| {
        result
            .expect_err("refused by the database")
            .as_database_error()
            .and_then(|e| e.constraint().map(str::to_string))
    };
    let confirm =
        "UPDATE role_grants SET state = 'confirmed', confirmed_by = $2, confirmed_at = now()
                   WHERE id = $1";

    // The one who asked can't confirm, not even straight in SQL.
    let own = sqlx::query(confirm)
        .bind(grant)
        .bind(first)
        .execute(&app.db)
        .await;
    assert_eq!(constraint(own).as_deref(), Some("role_grants_four_eyes"));
    // Nor can someone who is not an administrator.
    let case_officer = app.create_user(Role::CaseOfficer, None).await;
    let by_staff = sqlx::query(confirm)
        .bind(grant)
        .bind(case_officer)
        .execute(&app.db)
        .await;
    assert_eq!(
        constraint(by_staff).as_deref(),
        Some("role_grants_by_administrators")
    );
    // The role is not written, nor the account opened, without a confirmation.
    let coordinator = app
        .create_user(Role::Coordinator, Some("Region Uppsala"))
        .await;
    let raised =
        sqlx::query("UPDATE users SET role = 'approver', organisation_id = NULL WHERE id = $1")
            .bind(coordinator)
            .execute(&app.db)
            .await;
    assert_eq!(
        constraint(raised).as_deref(),
        Some("users_staff_role_confirmed")
    );
    let opened = sqlx::query("UPDATE users SET active = true WHERE id = $1")
        .bind(id)
        .execute(&app.db)
        .await;
    assert_eq!(
        constraint(opened).as_deref(),
        Some("users_staff_account_confirmed")
    );

    // Nobody confirms a role for themself: a second administrator asked to be made case officer.
    let second = app.other_browser();
    let second_id = second.login_as(Role::Admin, None).await;
    let email = app.email_of(second_id).await;
    let path = format!("/admin/anvandare/{second_id}");
    let asked = app
        .submit(
            &path,
            &path,
            &[
                ("name", "Test Administratör"),
                ("email", email.as_str()),
                ("role", "case_officer"),
                ("organisation_id", ""),
            ],
        )
        .await;
    assert_eq!(asked.location.as_deref(), Some("/admin/anvandare"));
    let theirs = pending_grant(&app, second_id).await;
    let page = second.get("/admin/behorigheter").await;
    assert!(
        page.select(&format!("#begaran-{theirs} button.confirm"))
            .is_empty()
    );
    assert_eq!(
        decide(&second, theirs, "bekrafta").await.status,
        StatusCode::FORBIDDEN
    );
    let for_oneself = sqlx::query(confirm)
        .bind(theirs)
        .bind(second_id)
        .execute(&app.db)
        .await;
    assert_eq!(
        constraint(for_oneself).as_deref(),
        Some("role_grants_not_for_oneself")
    );
    // A decided request stays as it was decided.
    decide(&second, theirs, "neka").await;
    let changed = sqlx::query("UPDATE role_grants SET state = 'pending', refused_by = NULL, refused_at = NULL WHERE id = $1")
        .bind(theirs)
        .execute(&app.db)
        .await;
    assert_eq!(
        constraint(changed).as_deref(),
        Some("role_grants_decided_once")
    );
    let deleted = sqlx::query("DELETE FROM role_grants WHERE id = $1")
        .bind(theirs)
        .execute(&app.db)
        .await;
    assert_eq!(constraint(deleted).as_deref(), Some("role_grants_kept"));
    assert_eq!(role_and_active(&app, second_id).await, (Role::Admin, true));
}

#[tokio::test]
async fn of_two_confirmations_at_once_one_wins_and_the_other_is_told_it_was_already_handled() {
    let app = TestApp::spawn().await;
    app.login_as(Role::Admin, None).await;
    let (id, _) = create_staff(&app, "Robin Roll", "robin@tillvaxtverket.se", Role::Admin).await;
    let grant = pending_grant(&app, id).await;
    let b = app.other_browser();
    b.login_as(Role::Admin, None).await;
    let c = app.other_browser();
    c.login_as(Role::Admin, None).await;
    let action = format!("/admin/behorigheter/{grant}/bekrafta");
    let b_csrf = b.get("/admin/behorigheter").await.csrf();
    let c_csrf = c.get("/admin/behorigheter").await.csrf();
    let b_fields = [("csrf", b_csrf.as_str())];
    let c_fields = [("csrf", c_csrf.as_str())];
    let (first, second) = tokio::join!(b.post(&action, &b_fields), c.post(&action, &c_fields));
    let mut statuses = [first.status, second.status];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::SEE_OTHER, StatusCode::CONFLICT]);
    let loser = if first.status == StatusCode::CONFLICT {
        first
    } else {
        second
    };
    assert!(loser.text.contains("Begäran har redan hanterats"));
    assert_eq!(app.audit_count("role_grant.confirmed").await, 1);
    assert_eq!(role_and_active(&app, id).await, (Role::Admin, true));
}

#[tokio::test]
async fn the_roles_page_and_its_buttons_refuse_every_other_role() {
    let app = TestApp::spawn().await;
    app.login_as(Role::Admin, None).await;
    let (id, _) = create_staff(
        &app,
        "Vera Väntar",
        "vera@tillvaxtverket.se",
        Role::CaseOfficer,
    )
    .await;
    let grant = pending_grant(&app, id).await;
    for (role, org) in [
        (Role::Coordinator, Some("Region Skåne")),
        (Role::CaseOfficer, None),
        (Role::Approver, None),
    ] {
        let browser = app.other_browser();
        browser.login_as(role, org).await;
        let csrf = browser.get("/").await.csrf();
        assert_eq!(
            browser.get("/admin/behorigheter").await.status,
            StatusCode::FORBIDDEN,
            "{role:?}"
        );
        for action in ["bekrafta", "neka"] {
            let page = browser
                .post(
                    &format!("/admin/behorigheter/{grant}/{action}"),
                    &[("csrf", csrf.as_str())],
                )
                .await;
            assert_eq!(page.status, StatusCode::FORBIDDEN, "{role:?} {action}");
        }
    }
    assert_eq!(
        app.other_browser()
            .get("/admin/behorigheter")
            .await
            .location
            .as_deref(),
        Some("/logga-in")
    );
    assert_eq!(pending_grant(&app, id).await, grant, "still waiting");
    assert_eq!(role_and_active(&app, id).await, (Role::CaseOfficer, false));
}

#[tokio::test]
async fn the_operators_first_administrator_needs_no_confirmation_and_gets_a_password_link() {
    let app = TestApp::spawn().await;
    let mut tx = app.db.begin().await.expect("begin");
    let id = digikoord::users::create_first_administrator(
        &mut tx,
        " Första.Admin@Tillvaxtverket.se ",
        "Första Administratören",
    )
    .await
    .expect("created");
    let link = digikoord::users::create_password_link(
        &mut tx,
        "http://localhost:3000",
        id,
        digikoord::mail::PasswordLink::NewAccount,
    )
    .await
    .expect("link");
    tx.commit().await.expect("commit");
    assert_eq!(role_and_active(&app, id).await, (Role::Admin, true));
    assert_eq!(app.email_of(id).await, "första.admin@tillvaxtverket.se");
    let (requested_by, state): (Option<Uuid>, String) =
        sqlx::query_as("SELECT requested_by, state::text FROM role_grants WHERE user_id = $1")
            .bind(id)
            .fetch_one(&app.db)
            .await
            .expect("grant");
    assert_eq!((requested_by, state.as_str()), (None, "confirmed"));
    let actor: Option<Uuid> =
        sqlx::query_scalar("SELECT actor_user_id FROM audit_log WHERE action = 'user.created'")
            .fetch_one(&app.db)
            .await
            .expect("audit");
    assert_eq!(actor, None, "done by the operator");
    let path = link
        .strip_prefix("http://localhost:3000")
        .expect("public URL");
    assert_eq!(app.get(path).await.status, StatusCode::OK);

    let mut conn = app.db.acquire().await.expect("conn");
    let invalid =
        digikoord::users::create_first_administrator(&mut conn, "inte-en-adress", " ").await;
    assert_eq!(
        invalid.expect_err("invalid").to_string(),
        "e-postadress: Ange en giltig e-postadress, till exempel namn@region.se.; namn: Ange namnet."
    );
    let taken = digikoord::users::create_first_administrator(
        &mut conn,
        "FÖRSTA.admin@tillvaxtverket.se",
        "Igen",
    )
    .await;
    assert!(matches!(
        taken,
        Err(digikoord::users::FirstAdministratorError::EmailTaken)
    ));
}

#[tokio::test]
async fn a_staff_members_new_address_waits_for_a_second_administrator_and_both_addresses_are_told()
{
    let sink = Sink::start();
    let app = with_mail(crate::TestApp::default_clock(), &sink).await;
    app.login_as(Role::Admin, None).await;
    let approver = app.create_user(Role::Approver, None).await;
    let old_email = app.email_of(approver).await;
    let path = format!("/admin/anvandare/{approver}");
    let fields = [
        ("name", "Test Attestant"),
        ("email", "Ny.Adress@Tillvaxtverket.se"),
        ("role", "approver"),
        ("organisation_id", ""),
    ];
    let saved = app.submit(&path, &path, &fields).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.plain());
    let saved = app.follow(saved).await;
    assert!(
        saved.select(".flash")[0].contains("Den nya e-postadressen ny.adress@tillvaxtverket.se gäller först när en annan administratör har bekräftat den"),
        "{:?}",
        saved.select(".flash")
    );
    // Until then the address is the old one: a link would still go there.
    assert_eq!(app.email_of(approver).await, old_email);
    let form = app.get(&path).await;
    assert_eq!(
        form.select("#pending-changes li"),
        vec!["Ny e-postadress: ny.adress@tillvaxtverket.se (begärd av Test Administratör)"]
    );
    // The schema holds it too: the server's role can't change a staff address alone.
    let server = digikoord::db::server_pool(&app.server_url, 1).expect("pool");
    let err = sqlx::query("UPDATE users SET email = 'x@tillvaxtverket.se' WHERE id = $1")
        .bind(approver)
        .execute(&server)
        .await
        .expect_err("changed alone");
    assert_eq!(
        digikoord::error::violated_constraint(&err),
        Some("users_staff_email_confirmed")
    );
    let request: i64 = sqlx::query_scalar(
        "SELECT id FROM account_requests WHERE user_id = $1 AND state = 'pending'",
    )
    .bind(approver)
    .fetch_one(&app.db)
    .await
    .expect("request");
    let confirm = format!("/admin/behorigheter/andringar/{request}/bekrafta");
    assert_eq!(
        app.submit("/admin/behorigheter", &confirm, &[])
            .await
            .status,
        StatusCode::FORBIDDEN,
        "not by the one who asked"
    );
    let second = app.other_browser();
    second.login_as(Role::Admin, None).await;
    let page = second.get("/admin/behorigheter").await;
    assert_eq!(
        page.select(&format!("#andring-{request} .change")),
        vec!["Ny e-postadress: ny.adress@tillvaxtverket.se"]
    );
    let confirmed = second.submit("/admin/behorigheter", &confirm, &[]).await;
    assert_eq!(
        confirmed.status,
        StatusCode::SEE_OTHER,
        "{}",
        confirmed.plain()
    );
    assert_eq!(app.email_of(approver).await, "ny.adress@tillvaxtverket.se");
    deliver(&app, &sink).await;
    let told_old = sink.to(&old_email);
    assert_eq!(told_old.len(), 1);
    assert!(
        told_old[0].text.contains("har ändrats från"),
        "{}",
        told_old[0].text
    );
    assert_eq!(sink.to("ny.adress@tillvaxtverket.se").len(), 1);
    assert_eq!(app.audit_count("account_request.confirmed").await, 1);

    // A coordinator's address changes at once; the old address is told all the same.
    let coordinator = app
        .create_user(Role::Coordinator, Some("Region Halland"))
        .await;
    let coordinator_email = app.email_of(coordinator).await;
    let org = org_id(&app, "Region Halland").await.to_string();
    let path = format!("/admin/anvandare/{coordinator}");
    let saved = app
        .submit(
            &path,
            &path,
            &[
                ("name", "Test Koordinator"),
                ("email", "koordinator@regionhalland.se"),
                ("role", "coordinator"),
                ("organisation_id", &org),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.plain());
    assert_eq!(
        app.email_of(coordinator).await,
        "koordinator@regionhalland.se"
    );
    deliver(&app, &sink).await;
    assert_eq!(sink.to(&coordinator_email).len(), 1);

    // A new link for a staff member waits too; a coordinator's goes at once.
    let link = format!("/admin/anvandare/{approver}/losenordslank");
    let asked = app
        .submit(&format!("/admin/anvandare/{approver}"), &link, &[])
        .await;
    let asked = app.follow(asked).await;
    assert!(asked.select(".flash")[0].contains("Ny lösenordslänk för Test Attestant väntar"));
    assert_eq!(link_mails(&app, "ny.adress@tillvaxtverket.se").await, 0);
    let link = format!("/admin/anvandare/{coordinator}/losenordslank");
    let sent = app
        .submit(&format!("/admin/anvandare/{coordinator}"), &link, &[])
        .await;
    let sent = app.follow(sent).await;
    assert!(
        sent.select(".flash")[0]
            .contains("är skickad med e-post till koordinator@regionhalland.se")
    );
    assert_eq!(link_mails(&app, "koordinator@regionhalland.se").await, 1);
}
