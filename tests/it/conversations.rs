//! *Meddelanden* is where the conversations are: every case thread a person may see, the
//! newest message first, with what is unread in it; opening the case reads it. The e-mails
//! sent to a person and the reminders setting are on a page of their own.

use digikoord::auth::Role;
use reqwest::StatusCode;
use uuid::Uuid;

use crate::{
    TestApp,
    steps::{SKANE, STOCKHOLM, submitted},
};

/// The requisition's case number, as its thread is called.
async fn case_number(app: &TestApp, id: Uuid) -> String {
    sqlx::query_scalar("SELECT case_number FROM requisitions WHERE id = $1")
        .bind(id)
        .fetch_one(&app.db)
        .await
        .expect("case number")
}

/// One person writes in the requisition's thread from its page.
async fn write(person: &TestApp, id: Uuid, body: &str) {
    let path = format!("/rekvisitioner/{id}");
    let sent = person
        .submit(&path, &format!("{path}/meddelanden"), &[("body", body)])
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.plain());
}

#[tokio::test]
async fn a_message_from_tillvaxtverket_is_unread_for_the_region_until_it_opens_the_case() {
    let app = TestApp::spawn().await;
    let region = app.other_browser();
    region.login_as(Role::Coordinator, Some(STOCKHOLM)).await;
    let officer = app.other_browser();
    officer.login_as(Role::CaseOfficer, None).await;
    let other_region = app.other_browser();
    other_region.login_as(Role::Coordinator, Some(SKANE)).await;

    let id = submitted(&region, "1 000 000").await;
    let number = case_number(&app, id).await;
    write(&officer, id, "Vi behöver ert nya bankgironummer.").await;

    let page = region.get("/meddelanden").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        page.select(".conversations tbody th"),
        vec![format!("Rekvisition {number}")]
    );
    assert_eq!(page.select(".conversations .unread-count"), vec!["1 oläst"]);
    assert_eq!(page.select(".conversations tr.unread strong").len(), 1);
    assert_eq!(
        page.select(".conversations .excerpt"),
        vec!["Vi behöver ert nya bankgironummer."]
    );
    assert!(page.select(".conversations tbody td")[0].contains("Stockholm"));
    assert_eq!(
        page.attrs(".conversations tbody th a", "href"),
        vec![format!("/rekvisitioner/{id}#meddelanden")]
    );
    // The writer has read what they wrote.
    let written = officer.get("/meddelanden").await;
    assert_eq!(written.select(".conversations .unread-count"), vec!["Läst"]);

    // Opening the case reads its thread.
    let case = region.get(&format!("/rekvisitioner/{id}")).await;
    assert_eq!(case.status, StatusCode::OK);
    let page = region.get("/meddelanden").await;
    assert_eq!(page.select(".conversations .unread-count"), vec!["Läst"]);
    assert!(page.select(".mark.unread").is_empty());

    // The region's answer is unread for Tillväxtverket, not for the region that wrote it.
    write(&region, id, "Det nya numret står i rekvisitionen.").await;
    let page = region.get("/meddelanden").await;
    assert_eq!(page.select(".conversations .unread-count"), vec!["Läst"]);
    assert_eq!(
        page.select(".conversations .excerpt"),
        vec!["Det nya numret står i rekvisitionen."]
    );
    let staff = officer.get("/meddelanden").await;
    assert_eq!(
        staff.select(".conversations .unread-count"),
        vec!["1 oläst"]
    );

    // Another region sees nothing of it.
    let elsewhere = other_region.get("/meddelanden").await;
    assert_eq!(elsewhere.status, StatusCode::OK);
    assert!(elsewhere.select(".conversations tbody tr").is_empty());
    assert!(!elsewhere.plain().contains(&number));
}

#[tokio::test]
async fn tillvaxtverket_sees_the_conversations_of_every_region_newest_first() {
    let app = TestApp::spawn().await;
    let stockholm = app.other_browser();
    stockholm.login_as(Role::Coordinator, Some(STOCKHOLM)).await;
    let skane = app.other_browser();
    skane.login_as(Role::Coordinator, Some(SKANE)).await;
    let officer = app.other_browser();
    officer.login_as(Role::CaseOfficer, None).await;
    let admin = app.other_browser();
    admin.login_as(Role::Admin, None).await;

    let first = submitted(&stockholm, "1 000 000").await;
    let second = submitted(&skane, "800 000").await;
    write(&stockholm, first, "Fråga från Stockholm.").await;
    write(&skane, second, "Fråga från Skåne.").await;
    write(&skane, second, "Ett tillägg från Skåne.").await;

    for staff in [&officer, &admin] {
        let page = staff.get("/meddelanden").await;
        assert_eq!(page.status, StatusCode::OK);
        assert_eq!(
            page.select(".conversations tbody th"),
            vec![
                format!("Rekvisition {}", case_number(&app, second).await),
                format!("Rekvisition {}", case_number(&app, first).await),
            ],
            "the newest message first"
        );
        assert_eq!(
            page.select(".conversations .unread-count"),
            vec!["2 olästa", "1 oläst"]
        );
        assert!(
            page.plain()
                .contains("Du har 3 olästa meddelanden i 2 ärenden.")
        );
    }
    // Each region sees its own only.
    let own = stockholm.get("/meddelanden").await;
    assert_eq!(
        own.select(".conversations .excerpt"),
        vec!["Fråga från Stockholm."]
    );
}

#[tokio::test]
async fn the_mail_sent_to_a_person_and_the_reminders_setting_have_a_page_of_their_own() {
    let app = TestApp::spawn().await;
    let region = app.other_browser();
    region.login_as(Role::Coordinator, Some(STOCKHOLM)).await;
    let officer = app.other_browser();
    officer.login_as(Role::CaseOfficer, None).await;
    let id = submitted(&region, "1 000 000").await;
    write(&officer, id, "Vi behöver ert nya bankgironummer.").await;

    let conversations = region.get("/meddelanden").await;
    assert!(conversations.select(".mail").is_empty());
    assert!(
        conversations
            .attrs("main a[href]", "href")
            .contains(&"/meddelanden/e-post".to_string())
    );
    let mail = region.get("/meddelanden/e-post").await;
    assert_eq!(mail.status, StatusCode::OK);
    let subjects = mail.select(".mail .mail-subject");
    assert!(
        subjects
            .iter()
            .any(|s| s.starts_with("Nytt meddelande från Tillväxtverket om")),
        "{subjects:?}"
    );
    assert!(
        mail.attrs("main a[href]", "href")
            .contains(&"/meddelanden".to_string())
    );

    let off = region
        .submit(
            "/meddelanden/e-post",
            "/meddelanden/paminnelser",
            &[("reminders", "off")],
        )
        .await;
    assert_eq!(off.status, StatusCode::SEE_OTHER);
    assert_eq!(off.location.as_deref(), Some("/meddelanden/e-post"));
    let after = region.follow(off).await;
    assert_eq!(after.attrs("#reminders-off[checked]", "value"), vec!["off"]);
}
