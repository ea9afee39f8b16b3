//! The region's authorised signatory (firmatecknare) through HTTP: an administrator marks a
//! coordinator as signatory; what another coordinator prepares stays unsent — not in the
//! case officers' queue, not submitted — until the signatory, signed in with their own
//! account, has read and confirmed it, and its receipt names both. Only the version the
//! signatory read is confirmed: one taken back, changed and sent again since is refused
//! (409) until read again. The signatory may send it back with a message; the one who prepared it never confirms it, even as a signatory;
//! a region without a signatory files as before and its page says so; another region's
//! signatory finds nothing (404).

use digikoord::auth::Role;
use reqwest::StatusCode;
use uuid::Uuid;

use crate::{
    Page, TestApp,
    steps::{
        SKANE, STOCKHOLM, approve_report, borrowed, complete, count, file, fill_in_everything, on,
        org_id, paid, post_anyway, report_state, requisition_id, requisition_state, start_report,
        with,
    },
};

/// A coordinator of `organisation` in a browser of their own, named `name`.
async fn coordinator(app: &TestApp, organisation: &str, name: &str) -> (TestApp, Uuid) {
    let browser = app.other_browser();
    let id = browser
        .login_as(Role::Coordinator, Some(organisation))
        .await;
    sqlx::query("UPDATE users SET name = $2 WHERE id = $1")
        .bind(id)
        .bind(name)
        .execute(&app.db)
        .await
        .expect("a name");
    (browser, id)
}

/// An administrator marks the coordinator `user` of `organisation` as its signatory on the
/// user's page: saved, and recorded.
async fn mark_signatory(admin: &TestApp, user: Uuid, organisation: &str, name: &str) {
    let path = format!("/admin/anvandare/{user}");
    let form = admin.get(&path).await;
    assert_eq!(
        form.attr("#signatory", "type").as_deref(),
        Some("checkbox"),
        "the user's page has the box"
    );
    let email = admin.email_of(user).await;
    let org = org_id(admin, organisation).await.to_string();
    let before = admin.audit_count("user.signatory_set").await;
    let done = admin
        .submit(
            &path,
            &path,
            &[
                ("name", name),
                ("email", &email),
                ("role", "coordinator"),
                ("organisation_id", &org),
                ("signatory", "ja"),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.plain());
    let signatory: bool = sqlx::query_scalar("SELECT signatory FROM users WHERE id = $1")
        .bind(user)
        .fetch_one(&admin.db)
        .await
        .expect("user");
    assert!(signatory, "marked as signatory");
    assert_eq!(admin.audit_count("user.signatory_set").await, before + 1);
}

/// The region sends a complete requisition for 2025 from the new-requisition form with its
/// *Skicka* button: the answer leads to the requisition.
async fn send_new(region: &TestApp) -> (Page, Uuid) {
    let mut fields = complete("1 000 000");
    fields.push(("handling", "skicka".into()));
    let page = region
        .submit(
            "/rekvisitioner/ny?ar=2025",
            "/rekvisitioner/ny",
            &borrowed(&fields),
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.plain());
    let id = requisition_id(&page);
    (page, id)
}

/// The version of the requisition or report the signatory's page shows, as its forms carry
/// it back.
fn shown_version(page: &Page) -> String {
    let versions = page.attrs("input[name=prepared_at]", "value");
    assert_eq!(
        versions.len(),
        2,
        "the confirm and send-back forms each carry the version shown ({}): {}",
        page.status,
        page.plain()
    );
    assert_eq!(versions[0], versions[1]);
    assert!(!versions[0].is_empty(), "a version is shown");
    versions[0].clone()
}

/// The signatory's step (`bekrafta`, `atersand`) on the page `link`, sent as the page gives
/// it: its CSRF token and the version it shows, with `fields`.
async fn sign_step(signatory: &TestApp, link: &str, step: &str, fields: &[(&str, &str)]) -> Page {
    let page = signatory.get(link).await;
    let version = shown_version(&page);
    let csrf = page.csrf();
    let mut all = vec![("csrf", csrf.as_str()), ("prepared_at", version.as_str())];
    all.extend_from_slice(fields);
    signatory.post(&format!("{link}/{step}"), &all).await
}

/// Who prepared a requisition or report (`table`) for the signatory, and who signed it.
async fn signing(app: &TestApp, table: &str, id: Uuid) -> (Option<Uuid>, Option<Uuid>) {
    sqlx::query_as(&format!(
        "SELECT prepared_by, signed_by FROM {table} WHERE id = $1"
    ))
    .bind(id)
    .fetch_one(&app.db)
    .await
    .expect("the row")
}

/// Mails of `event` queued to `user`.
async fn mails_to(app: &TestApp, user: Uuid, event: &str) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM outbox WHERE user_id = $1 AND event = $2")
        .bind(user)
        .bind(event)
        .fetch_one(&app.db)
        .await
        .expect("outbox")
}

#[tokio::test]
async fn a_requisition_stays_unsent_until_the_signatory_confirms_and_its_receipt_names_both() {
    let app = TestApp::spawn().await;
    let admin = app.other_browser();
    admin.login_as(Role::Admin, None).await;
    let officer = app.other_browser();
    let officer_id = officer.login_as(Role::CaseOfficer, None).await;
    let (region, karin) = coordinator(&app, STOCKHOLM, "Karin Koordinator").await;
    let (signatory, per) = coordinator(&app, STOCKHOLM, "Per Lind").await;
    mark_signatory(&admin, per, STOCKHOLM, "Per Lind").await;

    // The form says where *Skicka* goes, and names the signatory.
    let form = region.get("/rekvisitioner/ny?ar=2025").await;
    let route = form.select(".signatory-route").join(" ");
    assert!(
        route.contains("går den först till er firmatecknare Per Lind"),
        "{route}"
    );
    assert!(
        form.select("button[value=skicka]")
            .contains(&"Skicka till firmatecknaren".to_string())
    );

    let (sent, id) = send_new(&region).await;
    let page = region.follow(sent).await;
    assert!(
        page.select(".flash")[0].contains("är skickad till firmatecknaren Per Lind"),
        "{:?}",
        page.select(".flash")
    );
    assert!(!page.select(".awaiting-signatory").is_empty());
    // Unsent: a draft Tillväxtverket neither sees nor is told of, locked for the region.
    assert_eq!(requisition_state(&app, id).await, "draft");
    assert_eq!(signing(&app, "requisitions", id).await, (Some(karin), None));
    let queue = officer.get("/handlaggning/rekvisitioner?ar=2025").await;
    assert!(!queue.plain().contains("DK-2025-001"), "not in the queue");
    assert_eq!(
        officer.get(&format!("/rekvisitioner/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(mails_to(&app, officer_id, "requisition.submitted").await, 0);
    assert_eq!(mails_to(&app, per, "requisition.prepared").await, 1);
    assert_eq!(
        region
            .get(&format!("/rekvisitioner/{id}/andra"))
            .await
            .status,
        StatusCode::CONFLICT
    );
    let changed = post_anyway(
        &region,
        &format!("/rekvisitioner/{id}/andra"),
        &[("ar", "2025"), ("amount", "1"), ("handling", "spara")],
    )
    .await;
    assert_eq!(changed.status, StatusCode::CONFLICT);
    // The coordinator is no signatory: they can't confirm it.
    assert_eq!(
        region
            .get(&format!("/firmatecknare/rekvisition/{id}"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );

    // The signatory finds it, reads it and must tick the box.
    let list = signatory.get("/firmatecknare").await;
    let link = format!("/firmatecknare/rekvisition/{id}");
    assert!(list.attrs("a[href]", "href").contains(&link), "listed");
    let read = signatory.get(&link).await;
    assert_eq!(read.status, StatusCode::OK);
    assert_eq!(read.select(".case-number"), vec!["DK-2025-001"]);
    assert_eq!(read.select(".requested"), vec!["1 000 000 kr"]);
    let unticked = sign_step(&signatory, &link, "bekrafta", &[]).await;
    assert_eq!(unticked.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!unticked.select("#declaration-error").is_empty());
    assert_eq!(requisition_state(&app, id).await, "draft");

    let confirmed = sign_step(&signatory, &link, "bekrafta", &[("declaration", "ja")]).await;
    assert_eq!(confirmed.status, StatusCode::SEE_OTHER);
    assert_eq!(
        confirmed.location.as_deref(),
        Some(format!("/rekvisitioner/{id}/kvitto").as_str())
    );
    assert_eq!(requisition_state(&app, id).await, "submitted");
    assert_eq!(
        signing(&app, "requisitions", id).await,
        (Some(karin), Some(per))
    );
    assert_eq!(app.audit_count("requisition.signed").await, 1);
    assert_eq!(mails_to(&app, officer_id, "requisition.submitted").await, 1);
    assert_eq!(mails_to(&app, karin, "requisition.signed").await, 1);

    // The receipt names both, and Tillväxtverket now has it.
    let receipt = region.get(&format!("/rekvisitioner/{id}/kvitto")).await;
    assert_eq!(receipt.status, StatusCode::OK);
    let drawn_up = receipt.select(".drawn-up-by").join(" ");
    let signed = receipt.select(".signed-by").join(" ");
    assert!(
        drawn_up.starts_with("Karin Koordinator 1 mars 2025"),
        "{drawn_up}"
    );
    assert!(signed.starts_with("Per Lind 1 mars 2025"), "{signed}");
    assert!(receipt.plain().contains("Upprättad av"));
    assert!(receipt.plain().contains("Bekräftad av firmatecknare"));
    let queue = officer.get("/handlaggning/rekvisitioner?ar=2025").await;
    assert!(queue.plain().contains("DK-2025-001"), "in the queue now");
    // Confirmed once: a second click finds nothing waiting.
    let again = post_anyway(
        &signatory,
        &format!("{link}/bekrafta"),
        &[("declaration", "ja")],
    )
    .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn the_signatory_confirms_only_the_version_they_read() {
    let app = TestApp::spawn().await;
    let admin = app.other_browser();
    admin.login_as(Role::Admin, None).await;
    let officer = app.other_browser();
    let officer_id = officer.login_as(Role::CaseOfficer, None).await;
    let (region, karin) = coordinator(&app, STOCKHOLM, "Karin Koordinator").await;
    let (signatory, per) = coordinator(&app, STOCKHOLM, "Per Lind").await;
    mark_signatory(&admin, per, STOCKHOLM, "Per Lind").await;
    let (_, id) = send_new(&region).await;

    // The signatory opens it: 1 000 000 kr.
    let link = format!("/firmatecknare/rekvisition/{id}");
    let read = signatory.get(&link).await;
    assert_eq!(read.status, StatusCode::OK);
    assert_eq!(read.select(".requested"), vec!["1 000 000 kr"]);
    let stale = shown_version(&read);

    // Meanwhile the coordinator takes it back, lowers the amount and sends it again.
    let taken = region
        .submit(
            &format!("/rekvisitioner/{id}"),
            &format!("{link}/ta-tillbaka"),
            &[],
        )
        .await;
    assert_eq!(taken.status, StatusCode::SEE_OTHER, "{}", taken.plain());
    let edit = format!("/rekvisitioner/{id}/andra");
    let fields = with(complete("900 000"), "handling", "skicka");
    let sent_again = region.submit(&edit, &edit, &borrowed(&fields)).await;
    assert_eq!(
        sent_again.status,
        StatusCode::SEE_OTHER,
        "{}",
        sent_again.plain()
    );
    assert_eq!(signing(&app, "requisitions", id).await, (Some(karin), None));
    let fresh = signatory.get(&link).await;
    assert_eq!(fresh.select(".requested"), vec!["900 000 kr"]);
    let current = shown_version(&fresh);
    assert_ne!(stale, current, "drawn up again, it is another version");
    let csrf = fresh.csrf();

    // What the signatory read is not what waits now: neither confirmed nor sent back.
    let confirmed_stale = signatory
        .post(
            &format!("{link}/bekrafta"),
            &[
                ("csrf", csrf.as_str()),
                ("prepared_at", stale.as_str()),
                ("declaration", "ja"),
            ],
        )
        .await;
    assert_eq!(confirmed_stale.status, StatusCode::CONFLICT);
    assert!(
        confirmed_stale.plain().contains(
            "Rekvisitionen har ändrats sedan du öppnade den. Läs den igen innan du bekräftar."
        ),
        "{}",
        confirmed_stale.plain()
    );
    let returned_stale = signatory
        .post(
            &format!("{link}/atersand"),
            &[
                ("csrf", csrf.as_str()),
                ("prepared_at", stale.as_str()),
                ("reason", "Beloppet stämmer inte."),
            ],
        )
        .await;
    assert_eq!(returned_stale.status, StatusCode::CONFLICT);
    assert!(
        returned_stale
            .plain()
            .contains("Rekvisitionen har ändrats sedan du öppnade den."),
        "{}",
        returned_stale.plain()
    );
    // A form that names no version confirms nothing either.
    let unversioned = signatory
        .post(
            &format!("{link}/bekrafta"),
            &[("csrf", csrf.as_str()), ("declaration", "ja")],
        )
        .await;
    assert_eq!(unversioned.status, StatusCode::CONFLICT);
    // Nothing was sent, signed or sent back.
    assert_eq!(requisition_state(&app, id).await, "draft");
    assert_eq!(signing(&app, "requisitions", id).await, (Some(karin), None));
    let note: Option<String> =
        sqlx::query_scalar("SELECT signatory_note FROM requisitions WHERE id = $1")
            .bind(id)
            .fetch_one(&app.db)
            .await
            .expect("the requisition");
    assert_eq!(note, None);
    assert_eq!(app.audit_count("requisition.signed").await, 0);
    assert_eq!(app.audit_count("requisition.signatory_returned").await, 0);
    assert_eq!(mails_to(&app, officer_id, "requisition.submitted").await, 0);

    // Nor are its documents changed while the signatory reads it: the schema refuses, and
    // says so in Swedish.
    let attached = sqlx::query(
        "INSERT INTO requisition_attachments (id, requisition_id, filename, content_type, size,
             sha256, bytes, uploaded_by)
         VALUES (gen_random_uuid(), $1, 'bilaga.pdf', 'application/pdf', 4,
             encode(sha256('%PDF'::bytea), 'hex'), '%PDF'::bytea, $2)",
    )
    .bind(id)
    .bind(karin)
    .execute(&app.db)
    .await
    .expect_err("no attachment while the signatory reads it");
    assert_eq!(
        digikoord::error::violated_constraint(&attached),
        Some("attachments_still_while_signing")
    );
    match digikoord::error::AppError::from(attached) {
        digikoord::error::AppError::Conflict(said) => assert_eq!(
            said,
            "Rekvisitionen väntar på firmatecknarens bekräftelse; bilagor kan inte läggas till eller tas bort under tiden. Ingenting har ändrats."
        ),
        other => panic!("a refusal that says why, not {other:?}"),
    }

    // Read again, it is confirmed as it stands now.
    let confirmed = signatory
        .post(
            &format!("{link}/bekrafta"),
            &[
                ("csrf", csrf.as_str()),
                ("prepared_at", current.as_str()),
                ("declaration", "ja"),
            ],
        )
        .await;
    assert_eq!(
        confirmed.status,
        StatusCode::SEE_OTHER,
        "{}",
        confirmed.plain()
    );
    assert_eq!(requisition_state(&app, id).await, "submitted");
    assert_eq!(
        signing(&app, "requisitions", id).await,
        (Some(karin), Some(per))
    );
    let amount: rust_decimal::Decimal =
        sqlx::query_scalar("SELECT amount FROM requisitions WHERE id = $1")
            .bind(id)
            .fetch_one(&app.db)
            .await
            .expect("the requisition");
    assert_eq!(amount, rust_decimal::Decimal::from(900_000));
    assert_eq!(mails_to(&app, officer_id, "requisition.submitted").await, 1);
}

#[tokio::test]
async fn the_signatory_sends_a_report_back_with_a_message_and_confirms_it_once_corrected() {
    let app = TestApp::spawn_on(on(2026, 1, 15)).await;
    paid(&app, STOCKHOLM, "1000000").await;
    let admin = app.other_browser();
    admin.login_as(Role::Admin, None).await;
    let officer = app.other_browser();
    let officer_id = officer.login_as(Role::CaseOfficer, None).await;
    let (region, karin) = coordinator(&app, STOCKHOLM, "Karin Koordinator").await;
    let (signatory, per) = coordinator(&app, STOCKHOLM, "Per Lind").await;
    mark_signatory(&admin, per, STOCKHOLM, "Per Lind").await;

    let id = start_report(&region).await;
    fill_in_everything(&region, id).await;
    let check = format!("/redovisningar/{id}/kontrollera");
    let submit = format!("/redovisningar/{id}/skicka-in");
    let page = region.get(&check).await;
    assert!(
        page.select("form.submit-report button")
            .contains(&"Skicka till firmatecknaren".to_string())
    );
    let prepared = region
        .submit(&check, &submit, &[("declaration", "ja")])
        .await;
    assert_eq!(prepared.status, StatusCode::SEE_OTHER);
    assert_eq!(
        prepared.location.as_deref(),
        Some(format!("/redovisningar/{id}").as_str())
    );
    assert_eq!(report_state(&app, id).await, "draft");
    assert_eq!(signing(&app, "reports", id).await, (Some(karin), None));
    assert_eq!(mails_to(&app, officer_id, "report.submitted").await, 0);
    // Locked while it waits: no part changes.
    let locked = post_anyway(
        &region,
        &format!("/redovisningar/{id}/ekonomi"),
        &[("cost_personnel", "1")],
    )
    .await;
    assert_eq!(locked.status, StatusCode::CONFLICT);
    // Nor its documents, whoever writes: the schema refuses, and says so in Swedish.
    let attached = sqlx::query(
        "INSERT INTO report_attachments (id, report_id, filename, content_type, size, sha256,
             bytes, uploaded_by)
         VALUES (gen_random_uuid(), $1, 'bilaga.pdf', 'application/pdf', 4,
             encode(sha256('%PDF'::bytea), 'hex'), '%PDF'::bytea, $2)",
    )
    .bind(id)
    .bind(karin)
    .execute(&app.db)
    .await
    .expect_err("no attachment while the signatory reads it");
    assert_eq!(
        digikoord::error::violated_constraint(&attached),
        Some("report_attachments_still_while_signing")
    );
    match digikoord::error::AppError::from(attached) {
        digikoord::error::AppError::Conflict(said) => assert_eq!(
            said,
            "Redovisningen väntar på firmatecknarens bekräftelse; bilagor kan inte läggas till eller tas bort under tiden. Ingenting har ändrats."
        ),
        other => panic!("a refusal that says why, not {other:?}"),
    }

    // Sent back: a message is required, and the coordinator reads it.
    let link = format!("/firmatecknare/redovisning/{id}");
    let read = signatory.get(&link).await;
    assert_eq!(read.status, StatusCode::OK);
    assert!(read.plain().contains("Länsträff om AI i offentlig sektor"));
    let empty = sign_step(&signatory, &link, "atersand", &[("reason", " ")]).await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!empty.select("#reason-error").is_empty());
    let back = sign_step(
        &signatory,
        &link,
        "atersand",
        &[("reason", "Beskriv resultaten för kommunerna tydligare.")],
    )
    .await;
    assert_eq!(back.status, StatusCode::SEE_OTHER);
    assert_eq!(signing(&app, "reports", id).await, (None, None));
    assert_eq!(report_state(&app, id).await, "draft");
    assert_eq!(mails_to(&app, karin, "report.signatory_returned").await, 1);
    let shown = region.get(&format!("/redovisningar/{id}")).await;
    assert_eq!(
        shown.select(".signatory-note"),
        vec!["Beskriv resultaten för kommunerna tydligare."]
    );
    assert!(
        shown
            .select(".history td")
            .iter()
            .any(|t| t.contains("Skickad tillbaka av firmatecknaren"))
    );

    // Corrected and sent again; the signatory confirms, and it is submitted.
    let changed = region
        .submit(
            &format!("/redovisningar/{id}/analys"),
            &format!("/redovisningar/{id}/analys"),
            &[
                (
                    "needs_and_challenges",
                    "Kommunerna behöver stöd i säkerhet.",
                ),
                ("results_and_effects", "Tolv kommuner har nu en plan."),
                ("self_assessment", "yes"),
                ("self_assessment_motivation", "Samverkan har ökat."),
            ],
        )
        .await;
    assert_eq!(changed.status, StatusCode::SEE_OTHER);
    region
        .submit(&check, &submit, &[("declaration", "ja")])
        .await;
    assert_eq!(signing(&app, "reports", id).await, (Some(karin), None));
    let confirmed = sign_step(&signatory, &link, "bekrafta", &[("declaration", "ja")]).await;
    assert_eq!(confirmed.status, StatusCode::SEE_OTHER);
    assert_eq!(report_state(&app, id).await, "submitted");
    assert_eq!(signing(&app, "reports", id).await, (Some(karin), Some(per)));
    assert_eq!(mails_to(&app, officer_id, "report.submitted").await, 1);
    let receipt = region.get(&format!("/redovisningar/{id}/kvitto")).await;
    assert!(
        receipt
            .select(".drawn-up-by")
            .join(" ")
            .starts_with("Karin Koordinator")
    );
    assert!(
        receipt
            .select(".signed-by")
            .join(" ")
            .starts_with("Per Lind")
    );
    let declared: Option<Uuid> =
        sqlx::query_scalar("SELECT declared_by FROM reports WHERE id = $1")
            .bind(id)
            .fetch_one(&app.db)
            .await
            .expect("report");
    assert_eq!(declared, Some(per), "the signatory declares what they send");
    assert_eq!(
        officer.get(&format!("/redovisningar/{id}")).await.status,
        StatusCode::OK
    );

    // Approved: the decision names the region's coordinator and signatory beside the case
    // officer who decided.
    approve_report(&officer, id).await;
    let (record, prepared_by, signed_by): (Uuid, Option<Uuid>, Option<Uuid>) = sqlx::query_as(
        "SELECT id, region_prepared_by, region_signed_by FROM decision_records
         WHERE kind = 'report_approved' AND entity_id = $1",
    )
    .bind(id.to_string())
    .fetch_one(&app.db)
    .await
    .expect("the report's decision");
    assert_eq!((prepared_by, signed_by), (Some(karin), Some(per)));
    let decision = region.get(&format!("/beslut/{record}")).await;
    assert_eq!(decision.status, StatusCode::OK);
    assert_eq!(
        decision.select(".region-signing"),
        [
            "Upprättad av Karin Koordinator (regional koordinator) och bekräftad av firmatecknare Per Lind."
        ]
    );
    assert!(
        decision.select(".integrity")[0].starts_with("Innehållet stämmer"),
        "the checksum covers the region's people: {:?}",
        decision.select(".integrity")
    );
}

#[tokio::test]
async fn the_one_who_prepared_it_never_confirms_it_even_as_a_signatory() {
    let app = TestApp::spawn().await;
    let admin = app.other_browser();
    admin.login_as(Role::Admin, None).await;
    let (region, karin) = coordinator(&app, STOCKHOLM, "Karin Lind").await;
    let (signatory, per) = coordinator(&app, STOCKHOLM, "Per Lind").await;
    mark_signatory(&admin, karin, STOCKHOLM, "Karin Lind").await;
    mark_signatory(&admin, per, STOCKHOLM, "Per Lind").await;

    // Karin signs too, but what she prepares goes to the other signatory.
    let form = region.get("/rekvisitioner/ny?ar=2025").await;
    assert!(
        form.select(".signatory-route")
            .join(" ")
            .contains("firmatecknare Per Lind")
    );
    let (_, id) = send_new(&region).await;
    assert_eq!(signing(&app, "requisitions", id).await, (Some(karin), None));
    let link = format!("/firmatecknare/rekvisition/{id}");
    let own = region.get(&link).await;
    assert_eq!(own.status, StatusCode::FORBIDDEN);
    assert!(
        own.plain()
            .contains("Du har själv upprättat rekvisitionen DK-2025-001")
    );
    for action in ["bekrafta", "atersand"] {
        let refused = post_anyway(
            &region,
            &format!("{link}/{action}"),
            &[("declaration", "ja"), ("reason", "Min egen.")],
        )
        .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{action}");
    }
    let listed = region.get("/firmatecknare").await;
    assert!(!listed.attrs("a[href]", "href").contains(&link));
    assert!(listed.plain().contains("Upprättad av dig"));
    assert_eq!(requisition_state(&app, id).await, "draft");
    // Nor does the schema let anyone write it so.
    let by_herself = sqlx::query(
        "UPDATE requisitions SET state = 'submitted', signed_by = prepared_by, signed_at = now(),
             submitted_at = now(), first_submitted_at = now() WHERE id = $1",
    )
    .bind(id)
    .execute(&app.db)
    .await;
    assert!(
        by_herself.is_err(),
        "the schema refuses a signature by the preparer"
    );
    // Nor sends in what waits without a signature.
    let unsigned = sqlx::query(
        "UPDATE requisitions SET state = 'submitted', prepared_by = NULL, prepared_at = NULL,
             submitted_at = now(), first_submitted_at = now() WHERE id = $1",
    )
    .bind(id)
    .execute(&app.db)
    .await;
    assert!(
        unsigned.is_err(),
        "the schema refuses sending past the signatory"
    );

    let confirmed = sign_step(&signatory, &link, "bekrafta", &[("declaration", "ja")]).await;
    assert_eq!(confirmed.status, StatusCode::SEE_OTHER);
    assert_eq!(
        signing(&app, "requisitions", id).await,
        (Some(karin), Some(per))
    );
}

#[tokio::test]
async fn the_coordinator_takes_it_back_from_the_signatory_to_change_it() {
    let app = TestApp::spawn().await;
    let admin = app.other_browser();
    admin.login_as(Role::Admin, None).await;
    let (region, _) = coordinator(&app, STOCKHOLM, "Karin Koordinator").await;
    let (_, per) = coordinator(&app, STOCKHOLM, "Per Lind").await;
    mark_signatory(&admin, per, STOCKHOLM, "Per Lind").await;
    let (_, id) = send_new(&region).await;
    let page = format!("/rekvisitioner/{id}");
    let taken = region
        .submit(
            &page,
            &format!("/firmatecknare/rekvisition/{id}/ta-tillbaka"),
            &[],
        )
        .await;
    assert_eq!(taken.status, StatusCode::SEE_OTHER);
    assert_eq!(signing(&app, "requisitions", id).await, (None, None));
    assert_eq!(
        region.get(&format!("{page}/andra")).await.status,
        StatusCode::OK
    );
    assert_eq!(app.audit_count("requisition.taken_back").await, 1);
    // Taken back once: a second click finds nothing waiting.
    let again = post_anyway(
        &region,
        &format!("/firmatecknare/rekvisition/{id}/ta-tillbaka"),
        &[],
    )
    .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn a_region_without_a_signatory_files_as_before_and_its_page_says_so() {
    let app = TestApp::spawn().await;
    let (region, _) = coordinator(&app, STOCKHOLM, "Karin Koordinator").await;
    let form = region.get("/rekvisitioner/ny?ar=2025").await;
    assert_eq!(
        form.select(".signatory-route"),
        vec![
            "Er region har ingen firmatecknare i Digikoord – rekvisitionen skickas direkt när du intygar."
        ]
    );
    assert!(
        form.select("button[value=skicka]")
            .contains(&"Skicka in rekvisitionen".to_string())
    );
    let sent = file(&region, &complete("1 000 000"), "skicka").await;
    let id = requisition_id(&sent);
    assert_eq!(requisition_state(&app, id).await, "submitted");
    assert_eq!(signing(&app, "requisitions", id).await, (None, None));
    let list = region.get("/firmatecknare").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(
        list.select(".signatory-route")
            .join(" ")
            .contains("Er region har ingen firmatecknare i Digikoord")
    );
}

#[tokio::test]
async fn another_regions_signatory_finds_nothing_and_staff_are_refused() {
    let app = TestApp::spawn().await;
    let admin = app.other_browser();
    admin.login_as(Role::Admin, None).await;
    let (region, _) = coordinator(&app, STOCKHOLM, "Karin Koordinator").await;
    let (_, per) = coordinator(&app, STOCKHOLM, "Per Lind").await;
    mark_signatory(&admin, per, STOCKHOLM, "Per Lind").await;
    let (other, olle) = coordinator(&app, SKANE, "Olle Ek").await;
    mark_signatory(&admin, olle, SKANE, "Olle Ek").await;
    let (_, id) = send_new(&region).await;

    let link = format!("/firmatecknare/rekvisition/{id}");
    assert_eq!(other.get(&link).await.status, StatusCode::NOT_FOUND);
    for action in ["bekrafta", "atersand", "ta-tillbaka"] {
        let refused = post_anyway(
            &other,
            &format!("{link}/{action}"),
            &[("declaration", "ja"), ("reason", "Inte vår.")],
        )
        .await;
        assert_eq!(refused.status, StatusCode::NOT_FOUND, "{action}");
    }
    let list = other.get("/firmatecknare").await;
    assert!(!list.attrs("a[href]", "href").contains(&link));
    assert!(list.plain().contains("Ingenting väntar"));
    let officer = app.other_browser();
    officer.login_as(Role::CaseOfficer, None).await;
    assert_eq!(officer.get(&link).await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        officer.get("/firmatecknare").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(requisition_state(&app, id).await, "draft");
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM audit_log WHERE action IN ('requisition.signed', 'requisition.signatory_returned', 'requisition.taken_back')"
        )
        .await,
        0
    );
}

#[tokio::test]
async fn only_a_coordinator_is_marked_signatory() {
    let app = TestApp::spawn().await;
    let admin = app.other_browser();
    admin.login_as(Role::Admin, None).await;
    let officer = app.create_user(Role::CaseOfficer, None).await;
    let path = format!("/admin/anvandare/{officer}");
    let email = admin.email_of(officer).await;
    let refused = admin
        .submit(
            &path,
            &path,
            &[
                ("name", "Eva Handläggare"),
                ("email", &email),
                ("role", "case_officer"),
                ("organisation_id", ""),
                ("signatory", "ja"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!refused.select("#signatory-error").is_empty());
    let marked: bool = sqlx::query_scalar("SELECT signatory FROM users WHERE id = $1")
        .bind(officer)
        .fetch_one(&app.db)
        .await
        .expect("user");
    assert!(!marked);
    // The schema agrees.
    let by_hand = sqlx::query("UPDATE users SET signatory = true WHERE id = $1")
        .bind(officer)
        .execute(&app.db)
        .await;
    assert!(by_hand.is_err(), "users_signatory_is_coordinator");
}
