//! One administrator alone, playing the attacker: administrator A tries every way there was
//! to become administrator B, or to be the second pair of eyes on their own request. Each is
//! refused or parked for a second administrator, and nothing passes with A as both people.

use digikoord::auth::Role;
use reqwest::StatusCode;
use uuid::Uuid;

use crate::{
    TestApp,
    mail::{Sink, deliver, with_mail},
};

/// The rows that decide something, with who asked and who decided.
async fn decided_by_their_own_asker(app: &TestApp) -> i64 {
    sqlx::query_scalar(
        "SELECT (SELECT count(*) FROM role_grants
                 WHERE state = 'confirmed' AND confirmed_by = requested_by)
              + (SELECT count(*) FROM account_requests
                 WHERE state = 'confirmed' AND decided_by = requested_by)
              + (SELECT count(*) FROM identity_provider_changes
                 WHERE state = 'confirmed' AND decided_by = requested_by)",
    )
    .fetch_one(&app.db)
    .await
    .expect("decisions")
}

#[tokio::test]
async fn one_administrator_alone_can_neither_become_another_nor_be_the_second_pair_of_eyes() {
    let sink = Sink::start();
    let app = with_mail(TestApp::default_clock(), &sink).await;
    let a = app.other_browser();
    let a_id = a.login_as(Role::Admin, None).await;
    let b_id = app.create_user(Role::Admin, None).await;
    let b_email = app.email_of(b_id).await;
    let a_email = app.email_of(a_id).await;
    let b_page = format!("/admin/anvandare/{b_id}");

    // 1. A asks for a new password for B and reads every mail: the link is nowhere.
    let asked = a
        .submit("/glomt-losenord", "/glomt-losenord", &[("email", &b_email)])
        .await;
    assert_eq!(asked.status, StatusCode::OK);
    let mails = a.get("/admin/meddelanden").await;
    assert!(
        mails.text.contains("Välj ett nytt lösenord"),
        "the mail is listed"
    );
    assert!(!mails.text.contains("/losenord/"), "but not its link");
    crate::users::assert_links_unreadable(&app).await;
    deliver(&app, &sink).await;
    assert!(sink.to(&a_email).is_empty(), "nothing reaches A's mailbox");
    assert_eq!(sink.to(&b_email).len(), 1, "B's link goes to B");

    // 2. A changes B's address to A's own mailbox: parked, B's address stays.
    let fields = [
        ("name", "Test Administratör"),
        ("email", "a-privat@test.example"),
        ("role", "admin"),
        ("organisation_id", ""),
    ];
    let changed = a.submit(&b_page, &b_page, &fields).await;
    assert_eq!(changed.status, StatusCode::SEE_OTHER, "{}", changed.plain());
    assert_eq!(app.email_of(b_id).await, b_email);

    // 3. and 4. A resets B's second factor and makes B a new set-password link: parked.
    for action in ["tvastegsverifiering/aterstall", "losenordslank"] {
        let done = a.submit(&b_page, &format!("{b_page}/{action}"), &[]).await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{action}");
    }
    let factor: i64 = sqlx::query_scalar("SELECT count(*) FROM second_factors WHERE user_id = $1")
        .bind(b_id)
        .fetch_one(&app.db)
        .await
        .expect("factor");
    assert_eq!(factor, 1, "B's second factor stays");
    let b_links: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM password_tokens WHERE user_id = $1 AND used_at IS NULL",
    )
    .bind(b_id)
    .fetch_one(&app.db)
    .await
    .expect("links");
    assert_eq!(b_links, 1, "only B's own reset link from step 1");

    // A can confirm none of them, nor their own request for a role for themselves.
    let requests: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM account_requests WHERE state = 'pending' ORDER BY id")
            .fetch_all(&app.db)
            .await
            .expect("requests");
    assert_eq!(requests.len(), 3);
    for id in &requests {
        let own = a
            .submit(
                "/admin/behorigheter",
                &format!("/admin/behorigheter/andringar/{id}/bekrafta"),
                &[],
            )
            .await;
        assert_eq!(own.status, StatusCode::FORBIDDEN);
    }
    // A makes a second account of their own (an approver "B2" with A's other mailbox):
    // it is shut until a second administrator confirms the role, and A can't.
    let created = a
        .submit(
            "/admin/anvandare/ny",
            "/admin/anvandare/ny",
            &[
                ("name", "B2 Attestant"),
                ("email", "a-andra@test.example"),
                ("role", "approver"),
                ("organisation_id", ""),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER);
    let grant: i64 = sqlx::query_scalar("SELECT id FROM role_grants WHERE state = 'pending'")
        .fetch_one(&app.db)
        .await
        .expect("a grant");
    let own_grant = a
        .submit(
            "/admin/behorigheter",
            &format!("/admin/behorigheter/{grant}/bekrafta"),
            &[],
        )
        .await;
    assert_eq!(own_grant.status, StatusCode::FORBIDDEN);
    let b2_active: bool =
        sqlx::query_scalar("SELECT active FROM users WHERE email = 'a-andra@test.example'")
            .fetch_one(&app.db)
            .await
            .expect("b2");
    assert!(!b2_active, "no second account in force");

    // 5. A adds a provider that signs in staff and trusts its own MFA claim, and 6. points
    // an existing provider at another issuer: both wait for a second administrator.
    let existing: Uuid = sqlx::query_scalar(
        "INSERT INTO identity_providers (id, key, display_name, issuer_url, client_id, client_secret,
             organisations, email_domains, signs_in_staff)
         VALUES (gen_random_uuid(), 'tvv', 'Tillväxtverkets konto', 'https://login.tvv.example',
             'digikoord', 'hemligt', '{}', '{test.example}', true) RETURNING id",
    )
    .fetch_one(&app.db)
    .await
    .expect("a provider");
    let provider = |key: &'static str, issuer: &'static str| {
        [
            ("key", key),
            ("display_name", "Ett konto"),
            ("issuer_url", issuer),
            ("client_id", "digikoord"),
            ("client_secret", "hemligt"),
            ("active", "on"),
            ("email_domains", "test.example"),
            ("signs_in_staff", "on"),
            ("trusts_mfa", "on"),
        ]
    };
    let new = a
        .submit(
            "/admin/inloggning",
            "/admin/inloggning",
            &provider("angripare", "https://idp.angripare.example"),
        )
        .await;
    assert_eq!(new.status, StatusCode::SEE_OTHER, "{}", new.plain());
    let moved = a
        .submit(
            "/admin/inloggning",
            &format!("/admin/inloggning/{existing}"),
            &provider("tvv", "https://idp.angripare.example/tvv"),
        )
        .await;
    assert_eq!(moved.status, StatusCode::SEE_OTHER, "{}", moved.plain());
    let in_force: Vec<(String, String)> =
        sqlx::query_as("SELECT key, issuer_url FROM identity_providers ORDER BY key")
            .fetch_all(&app.db)
            .await
            .expect("providers");
    assert_eq!(
        in_force,
        vec![("tvv".to_string(), "https://login.tvv.example".to_string())],
        "nothing A asked for is in force"
    );
    let changes: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM identity_provider_changes WHERE state = 'pending' ORDER BY id",
    )
    .fetch_all(&app.db)
    .await
    .expect("changes");
    for id in &changes {
        let own = a
            .submit(
                "/admin/inloggning",
                &format!("/admin/inloggning/andringar/{id}/bekrafta"),
                &[],
            )
            .await;
        assert_eq!(own.status, StatusCode::FORBIDDEN);
    }

    // 7. A link of B's to the existing provider, waiting: A's confirmation is parked too.
    let link: Uuid = sqlx::query_scalar(
        "INSERT INTO identity_links (id, provider_id, subject, user_id, email)
         VALUES (gen_random_uuid(), $1, 'falsk-b', $2, $3) RETURNING id",
    )
    .bind(existing)
    .bind(b_id)
    .bind(&b_email)
    .fetch_one(&app.db)
    .await
    .expect("a waiting link");
    let confirmed = a
        .submit(
            "/admin/inloggning",
            &format!("/admin/inloggning/kopplingar/{link}/bekrafta"),
            &[],
        )
        .await;
    assert_eq!(confirmed.status, StatusCode::SEE_OTHER);
    let link_confirmed: bool =
        sqlx::query_scalar("SELECT confirmed_at IS NOT NULL FROM identity_links WHERE id = $1")
            .bind(link)
            .fetch_one(&app.db)
            .await
            .expect("link");
    assert!(!link_confirmed, "B's link waits for a second administrator");

    // Nothing anywhere was decided by the one who asked for it.
    assert_eq!(decided_by_their_own_asker(&app).await, 0);
    // And B, a real second administrator, can decide what A asked.
    let b = app.other_browser();
    let password = b.login(&b_email, crate::PASSWORD).await;
    let in_page = b.pass_second_step(b_id, password).await;
    assert_eq!(in_page.location.as_deref(), Some("/"));
    let refused = b
        .submit(
            "/admin/behorigheter",
            &format!("/admin/behorigheter/andringar/{}/neka", requests[0]),
            &[],
        )
        .await;
    assert_eq!(refused.status, StatusCode::SEE_OTHER);
    assert_eq!(app.email_of(b_id).await, b_email, "refused: unchanged");
}

#[tokio::test]
async fn a_request_for_a_second_administrator_is_asked_by_one_decided_once_and_kept() {
    let app = TestApp::spawn().await;
    let a = app.create_user(Role::Admin, None).await;
    let b = app.create_user(Role::Admin, None).await;
    let officer = app.create_user(Role::CaseOfficer, None).await;
    let server = digikoord::db::server_pool(&app.server_url, 1).expect("pool");
    let constraint = |e: sqlx::Error| digikoord::error::violated_constraint(&e).map(str::to_string);
    for (table, insert) in [
        (
            "account_requests",
            "INSERT INTO account_requests (user_id, change, requested_by)
             VALUES ($1, 'password_link', $2) RETURNING id",
        ),
        (
            "identity_provider_changes",
            "INSERT INTO identity_provider_changes (provider_id, key, display_name, issuer_url,
                 client_id, only_way_in, active, organisations, email_domains, signs_in_staff,
                 trusts_mfa, requested_by)
             SELECT gen_random_uuid(), 'k' || substr(md5($1::text), 1, 8), 'Ett konto',
                 'https://idp.example', 'dk', false, true, '{}', '{example.se}', false, false, $2
             RETURNING id",
        ),
    ] {
        // Asked only by an administrator.
        let by_officer = sqlx::query_scalar::<_, i64>(insert)
            .bind(officer)
            .bind(officer)
            .fetch_one(&server)
            .await
            .expect_err("asked by a case officer");
        assert_eq!(
            constraint(by_officer).as_deref(),
            Some(format!("{table}_by_administrators").as_str())
        );
        let id: i64 = sqlx::query_scalar(insert)
            .bind(officer)
            .bind(a)
            .fetch_one(&server)
            .await
            .expect("asked");
        // Decided by another administrator, once; never deleted.
        let decide = format!(
            "UPDATE {table} SET state = 'confirmed', decided_by = $2, decided_at = now() WHERE id = $1"
        );
        let own = sqlx::query(&decide)
            .bind(id)
            .bind(a)
            .execute(&server)
            .await
            .expect_err("by the one who asked");
        assert_eq!(
            constraint(own).as_deref(),
            Some(format!("{table}_four_eyes").as_str())
        );
        sqlx::query(&decide)
            .bind(id)
            .bind(b)
            .execute(&server)
            .await
            .expect("confirmed");
        let again = sqlx::query(&format!(
            "UPDATE {table} SET state = 'refused' WHERE id = $1"
        ))
        .bind(id)
        .execute(&server)
        .await
        .expect_err("decided again");
        assert_eq!(
            constraint(again).as_deref(),
            Some(format!("{table}_decided_once").as_str())
        );
        let deleted = sqlx::query(&format!("DELETE FROM {table} WHERE id = $1"))
            .bind(id)
            .execute(&app.db)
            .await
            .expect_err("deleted, even by the owner");
        assert_eq!(
            constraint(deleted).as_deref(),
            Some(format!("{table}_kept").as_str())
        );
    }
}
