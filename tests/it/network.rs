//! The coordinators' network through HTTP (issue 13): the directory kept by each
//! coordinator and by administrators, searched and exported; meetings created by the
//! staff, registered for by the regions, attended and in the calendar feeds; and
//! Tillväxtverket's contact on the regions' start page.

use digikoord::auth::Role;
use icalendar::{Calendar, Component, EventLike};
use reqwest::{StatusCode, multipart};
use uuid::Uuid;

use crate::{
    Page, TestApp,
    steps::{SKANE, STOCKHOLM, on},
};

/// The directory entry of a user.
async fn entry_of(app: &TestApp, user: Uuid) -> Uuid {
    sqlx::query_scalar("SELECT id FROM network_contacts WHERE user_id = $1")
        .bind(user)
        .fetch_one(&app.db)
        .await
        .expect("every coordinator has an entry")
}

async fn browser_as(app: &TestApp, role: Role, organisation: Option<&str>) -> (TestApp, Uuid) {
    let browser = app.other_browser();
    let id = browser.login_as(role, organisation).await;
    (browser, id)
}

fn directory_names(page: &Page) -> Vec<String> {
    page.select("table.directory tbody .person-name")
}

#[tokio::test]
async fn a_coordinator_keeps_their_own_entry_and_is_refused_anyone_elses() {
    let app = TestApp::spawn().await;
    let (region, me) = browser_as(&app, Role::Coordinator, Some(STOCKHOLM)).await;
    let (_, other) = browser_as(&app, Role::Coordinator, Some(SKANE)).await;
    let mine = entry_of(&app, me).await;
    let theirs = entry_of(&app, other).await;

    let directory = region.get("/natverk").await;
    assert_eq!(directory.status, StatusCode::OK);
    assert_eq!(
        directory_names(&directory).len(),
        2,
        "both coordinators are listed"
    );
    let own = format!("/natverk/kontakter/{mine}");
    assert_eq!(directory.attr("a.own-entry", "href"), Some(own.clone()));
    assert_eq!(directory.select("a.edit-entry").len(), 1, "only their own");

    // A mistake is shown beside the field, with what was typed kept.
    let wrong = region
        .submit(
            &own,
            &own,
            &[
                ("name", "Anna Lindqvist"),
                ("title", "Digitaliseringskoordinator"),
                ("email", "inte en adress"),
                ("phone", "08-123 456 78"),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(wrong.select("#email-error").len(), 1);
    assert_eq!(
        wrong.attr("#title", "value").as_deref(),
        Some("Digitaliseringskoordinator")
    );

    let saved = region
        .submit(
            &own,
            &own,
            &[
                ("name", "Anna Lindqvist"),
                ("title", "Digitaliseringskoordinator"),
                ("email", "anna.lindqvist@regionstockholm.se"),
                ("phone", "08-123 456 78"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.plain());
    let directory = region.follow(saved).await;
    assert!(
        directory.select(".flash")[0].contains("Anna Lindqvist"),
        "{:?}",
        directory.select(".flash")
    );
    let row = directory.select("table.directory tbody tr");
    assert!(
        row.iter().any(|r| r.contains("Anna Lindqvist")
            && r.contains("Digitaliseringskoordinator")
            && r.contains("anna.lindqvist@regionstockholm.se")
            && r.contains("08-123 456 78")
            && r.contains(STOCKHOLM)),
        "{row:?}"
    );
    assert_eq!(app.audit_count("network_contact.updated").await, 1);

    // Someone else's entry: not found, to look at or to change.
    let path = format!("/natverk/kontakter/{theirs}");
    assert_eq!(region.get(&path).await.status, StatusCode::NOT_FOUND);
    let csrf = region.get("/natverk").await.csrf();
    let refused = region
        .post(
            &path,
            &[
                ("csrf", &csrf),
                ("name", "Kapad"),
                ("email", "kapad@example.se"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);
    // Nor may a coordinator add or remove contacts, or set Tillväxtverket's contact.
    assert_eq!(
        region.get("/natverk/kontakter/ny").await.status,
        StatusCode::FORBIDDEN
    );
    for action in [
        "/natverk/kontakter/ny".to_string(),
        format!("/natverk/kontakter/{theirs}/ta-bort"),
        "/natverk/tillvaxtverket".to_string(),
    ] {
        let page = region
            .post(
                &action,
                &[("csrf", &csrf), ("name", "X"), ("email", "x@example.se")],
            )
            .await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{action}");
    }
    let name: String = sqlx::query_scalar("SELECT name FROM network_contacts WHERE id = $1")
        .bind(theirs)
        .fetch_one(&app.db)
        .await
        .expect("entry");
    assert_eq!(name, "Test Regional koordinator");

    // Tillväxtverket's case officers and approvers read the directory but change nothing.
    for role in [Role::CaseOfficer, Role::Approver] {
        let (staff, _) = browser_as(&app, role, None).await;
        assert_eq!(staff.get("/natverk").await.status, StatusCode::OK);
        assert_eq!(
            staff.get(&path).await.status,
            StatusCode::FORBIDDEN,
            "{role:?}"
        );
        let page = staff
            .submit(
                "/natverk",
                &path,
                &[("name", "X"), ("email", "x@example.se")],
            )
            .await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{role:?}");
    }
    // And no one logged out sees it.
    let anonymous = app.other_browser();
    assert_eq!(
        anonymous.get("/natverk").await.location.as_deref(),
        Some("/logga-in")
    );
    assert_eq!(
        anonymous
            .get("/natverk/export.csv")
            .await
            .location
            .as_deref(),
        Some("/logga-in")
    );
}

#[tokio::test]
async fn an_administrator_keeps_anyones_entry_and_adds_a_contact_who_is_not_a_user() {
    let app = TestApp::spawn().await;
    let (_, coordinator) = browser_as(&app, Role::Coordinator, Some(SKANE)).await;
    let (admin, _) = browser_as(&app, Role::Admin, None).await;
    let entry = entry_of(&app, coordinator).await;
    let path = format!("/natverk/kontakter/{entry}");
    let saved = admin
        .submit(
            &path,
            &path,
            &[
                ("name", "Per Persson"),
                ("title", "Koordinator"),
                ("email", "per.persson@skane.se"),
                ("phone", "+46 40 12 34 56"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.plain());

    let organisation: Uuid = sqlx::query_scalar("SELECT id FROM organisations WHERE name = $1")
        .bind(SKANE)
        .fetch_one(&app.db)
        .await
        .expect("organisation");
    let missing = admin
        .submit(
            "/natverk/kontakter/ny",
            "/natverk/kontakter/ny",
            &[("name", "Eva Ek"), ("email", "eva.ek@skane.se")],
        )
        .await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(missing.select("#organisation_id-error").len(), 1);
    assert_eq!(missing.attr("#name", "value").as_deref(), Some("Eva Ek"));
    let added = admin
        .submit(
            "/natverk/kontakter/ny",
            "/natverk/kontakter/ny",
            &[
                ("name", "Eva Ek"),
                ("title", "Regional utvecklingsdirektör"),
                ("email", "eva.ek@skane.se"),
                ("phone", ""),
                ("organisation_id", &organisation.to_string()),
            ],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.plain());
    let directory = admin.follow(added).await;
    assert_eq!(directory_names(&directory), vec!["Eva Ek", "Per Persson"]);
    assert_eq!(directory.select("a.edit-entry").len(), 2, "anyone's");
    assert_eq!(app.audit_count("network_contact.created").await, 1);
    assert_eq!(app.audit_count("network_contact.updated").await, 1);

    // The contact who is not a user can be removed; a coordinator's entry goes with the account.
    let contact: Uuid = sqlx::query_scalar("SELECT id FROM network_contacts WHERE name = 'Eva Ek'")
        .fetch_one(&app.db)
        .await
        .expect("contact");
    let page = format!("/natverk/kontakter/{contact}");
    let removed = admin.submit(&page, &format!("{page}/ta-bort"), &[]).await;
    assert_eq!(removed.status, StatusCode::SEE_OTHER);
    assert_eq!(
        directory_names(&admin.get("/natverk").await),
        vec!["Per Persson"]
    );
    let kept = admin.submit(&path, &format!("{path}/ta-bort"), &[]).await;
    assert_eq!(kept.status, StatusCode::FORBIDDEN);
    assert_eq!(app.audit_count("network_contact.removed").await, 1);
}

#[tokio::test]
async fn the_directory_is_searched_on_the_server_and_exported_as_csv_and_vcard() {
    let app = TestApp::spawn().await;
    let (_, stockholm) = browser_as(&app, Role::Coordinator, Some(STOCKHOLM)).await;
    let (_, skane) = browser_as(&app, Role::Coordinator, Some(SKANE)).await;
    for (user, name, title) in [
        (stockholm, "Anna Lindqvist", "Koordinator; digitalisering"),
        (skane, "Per Persson", "Samordnare"),
    ] {
        sqlx::query(
            "UPDATE network_contacts SET name = $2, title = $3, phone = '+46 8 123' WHERE user_id = $1",
        )
        .bind(user)
        .bind(name)
        .bind(title)
        .execute(&app.db)
        .await
        .expect("entry");
    }
    let (reader, _) = browser_as(&app, Role::Approver, None).await;

    // By organisation, then name: Skåne before Stockholm.
    let all = reader.get("/natverk").await;
    assert_eq!(directory_names(&all), vec!["Per Persson", "Anna Lindqvist"]);
    let found = reader.get("/natverk?q=sk%C3%A5ne+per").await;
    assert_eq!(directory_names(&found), vec!["Per Persson"]);
    assert_eq!(found.attr("#q", "value").as_deref(), Some("skåne per"));
    assert!(found.select(".result-count")[0].starts_with("1 av 2"));
    let none = reader.get("/natverk?q=ingen").await;
    assert!(directory_names(&none).is_empty());

    let csv = reader
        .client
        .get(reader.url("/natverk/export.csv"))
        .send()
        .await
        .expect("csv");
    assert_eq!(csv.status(), StatusCode::OK);
    assert!(
        csv.headers()["content-disposition"]
            .to_str()
            .expect("header")
            .starts_with("attachment")
    );
    let text = csv.text().await.expect("body");
    let lines: Vec<&str> = text.split("\r\n").collect();
    assert_eq!(lines[0], "\u{feff}Namn;Titel;E-post;Telefon;Organisation");
    assert!(
        lines[1].starts_with("Per Persson;Samordnare;"),
        "{}",
        lines[1]
    );
    assert!(
        lines[2].starts_with("Anna Lindqvist;\"Koordinator; digitalisering\";")
            && lines[2].ends_with(";+46 8 123;Region Stockholm"),
        "{}",
        lines[2]
    );
    assert_eq!(lines.len(), 4, "two people and the final line break");

    // The export follows the search.
    let link = found.attr(".exports a[href^='/natverk/export.vcf']", "href");
    let vcf = reader
        .client
        .get(reader.url(&link.expect("a vCard link with the search")))
        .send()
        .await
        .expect("vcf");
    assert_eq!(
        vcf.headers()["content-type"].to_str().expect("header"),
        "text/vcard; charset=utf-8"
    );
    let text = vcf.text().await.expect("body");
    assert_eq!(text.matches("BEGIN:VCARD\r\n").count(), 1, "{text}");
    assert!(text.contains("VERSION:3.0\r\n"));
    assert!(text.contains("N:Persson;Per;;;\r\n"), "{text}");
    assert!(text.contains("FN:Per Persson\r\n"));
    assert!(text.contains("ORG:Region Skåne\r\n"));
    assert!(text.contains("TITLE:Samordnare\r\n"));
    assert!(text.contains("TEL;TYPE=WORK,VOICE:+46 8 123\r\n"));
    let all = reader
        .client
        .get(reader.url("/natverk/export.vcf"))
        .send()
        .await
        .expect("vcf")
        .text()
        .await
        .expect("body");
    assert_eq!(all.matches("END:VCARD\r\n").count(), 2);
    assert!(
        all.contains("TITLE:Koordinator\\; digitalisering\r\n"),
        "{all}"
    );
}

const EVENT: [(&str, &str); 7] = [
    ("kind", "natverkstraff"),
    ("title", "Vårens nätverksträff"),
    ("day", "2025-03-20"),
    ("starts", "10:00"),
    ("ends", "15:00"),
    ("place", "Tillväxtverket, Stockholm"),
    ("agenda", "1. Välkommen\n2. Läget i regionerna"),
];

/// A case officer creates the meeting of 20 March 2025; returns its id.
async fn create_event(officer: &TestApp) -> Uuid {
    let created = officer
        .submit("/natverk/traffar/ny", "/natverk/traffar/ny", &EVENT)
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.plain());
    let location = created.location.expect("to the event");
    location
        .rsplit('/')
        .next()
        .and_then(|id| id.parse().ok())
        .expect("an event id")
}

async fn upload(browser: &TestApp, event: Uuid, name: &str, bytes: Vec<u8>) -> Page {
    let action = browser
        .get(&format!("/natverk/traffar/{event}"))
        .await
        .attr("form[enctype='multipart/form-data']", "action")
        .expect("an upload form");
    let form = multipart::Form::new().part(
        "file",
        multipart::Part::bytes(bytes).file_name(name.to_string()),
    );
    let response = browser
        .client
        .post(browser.url(&action))
        .multipart(form)
        .send()
        .await
        .expect("upload");
    TestApp::page_of(response).await
}

#[tokio::test]
async fn an_event_is_created_regions_register_who_attends_and_staff_record_attendance() {
    let app = TestApp::spawn_on(on(2025, 3, 1)).await;
    let (officer, _) = browser_as(&app, Role::CaseOfficer, None).await;

    // Without a place or a link, the form says so beside the field and keeps the rest.
    let mut nowhere = EVENT.to_vec();
    nowhere[5] = ("place", "");
    let refused = officer
        .submit("/natverk/traffar/ny", "/natverk/traffar/ny", &nowhere)
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.select("#place-error").len(), 1);
    assert_eq!(refused.attr("#starts", "value").as_deref(), Some("10:00"));

    let event = create_event(&officer).await;
    let path = format!("/natverk/traffar/{event}");
    let page = officer.get(&path).await;
    assert_eq!(page.select("h1"), vec!["Vårens nätverksträff"]);
    assert_eq!(page.select(".when"), vec!["20 mars 2025 kl. 10.00–15.00"]);
    assert_eq!(app.audit_count("network_event.created").await, 1);

    // A document: checked by its first bytes, served as a download to every region.
    let wrong = upload(&officer, event, "dagordning.pdf", b"MZ\x90\x00".to_vec()).await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(wrong.select("#file-error").len(), 1);
    let pdf = b"%PDF-1.7 dagordning".to_vec();
    let uploaded = upload(&officer, event, "dagordning.pdf", pdf.clone()).await;
    assert_eq!(
        uploaded.status,
        StatusCode::SEE_OTHER,
        "{}",
        uploaded.plain()
    );

    let (region, me) = browser_as(&app, Role::Coordinator, Some(STOCKHOLM)).await;
    let list = region.get("/natverk/traffar").await;
    assert_eq!(
        list.select("table.upcoming tbody th"),
        vec!["Vårens nätverksträff"]
    );
    let page = region.get(&path).await;
    let link = page
        .attr(".documents a", "href")
        .expect("the document is listed");
    let download = region
        .client
        .get(region.url(&link))
        .send()
        .await
        .expect("download");
    assert_eq!(download.status(), StatusCode::OK);
    assert!(
        download.headers()["content-disposition"]
            .to_str()
            .expect("header")
            .starts_with("attachment")
    );
    assert_eq!(download.bytes().await.expect("bytes").to_vec(), pdf);
    assert!(
        page.select("form[enctype='multipart/form-data']")
            .is_empty()
    );

    // The region registers its coordinator, then a colleague who has no account.
    let mine = entry_of(&app, me).await.to_string();
    let registered = region
        .submit(&path, &format!("{path}/anmalan"), &[("contact", &mine)])
        .await;
    assert_eq!(
        registered.status,
        StatusCode::SEE_OTHER,
        "{}",
        registered.plain()
    );
    let again = region
        .submit(&path, &format!("{path}/anmalan"), &[("contact", &mine)])
        .await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(again.select("#contact-error")[0].contains("redan anmäld"));
    let half = region
        .submit(
            &path,
            &format!("{path}/anmalan"),
            &[("contact", ""), ("name", "Karin Berg"), ("email", "")],
        )
        .await;
    assert_eq!(half.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(half.select("#email-error").len(), 1);
    assert_eq!(half.attr("#name", "value").as_deref(), Some("Karin Berg"));
    let colleague = region
        .submit(
            &path,
            &format!("{path}/anmalan"),
            &[
                ("contact", ""),
                ("name", "Karin Berg"),
                ("email", "karin.berg@regionstockholm.se"),
            ],
        )
        .await;
    assert_eq!(colleague.status, StatusCode::SEE_OTHER);
    let page = region.follow(colleague).await;
    assert!(page.select(".flash")[0].contains("Karin Berg är anmäld"));
    assert_eq!(page.select("table.registrations tbody tr").len(), 2);
    assert_eq!(app.audit_count("network_registration.created").await, 2);

    // Another region sees only its own registrations, and may not withdraw Stockholm's.
    let (skane, _) = browser_as(&app, Role::Coordinator, Some(SKANE)).await;
    let theirs = skane.get(&path).await;
    assert_eq!(theirs.select(".no-registrations").len(), 1);
    let registration: Uuid = sqlx::query_scalar(
        "SELECT id FROM network_registrations WHERE email = 'karin.berg@regionstockholm.se'",
    )
    .fetch_one(&app.db)
    .await
    .expect("registration");
    let withdraw = format!("{path}/anmalan/{registration}/ta-bort");
    assert_eq!(
        skane.submit(&path, &withdraw, &[]).await.status,
        StatusCode::NOT_FOUND
    );

    // Staff register only on a named organisation's behalf, a region doesn't arrange, and
    // an approver does neither.
    let unnamed = officer
        .submit(&path, &format!("{path}/anmalan"), &[("contact", &mine)])
        .await;
    assert_eq!(unnamed.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(unnamed.select("#organisation-error").len(), 1);
    let (approver, _) = browser_as(&app, Role::Approver, None).await;
    assert_eq!(
        approver
            .submit(&path, &format!("{path}/anmalan"), &[("contact", &mine)])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    for browser in [&region, &approver] {
        assert_eq!(
            browser.get("/natverk/traffar/ny").await.status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            browser
                .submit(&path, "/natverk/traffar/ny", &EVENT)
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            browser
                .submit(&path, &format!("{path}/redigera"), &EVENT)
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        let attendance = format!("narvaro_{registration}");
        assert_eq!(
            browser
                .submit(&path, &format!("{path}/narvaro"), &[(&attendance, "ja")])
                .await
                .status,
            StatusCode::FORBIDDEN
        );
    }

    // Attendance is recorded afterwards, not before the day.
    let yes = format!("narvaro_{registration}");
    let early = officer
        .submit(&path, &format!("{path}/narvaro"), &[(&yes, "ja")])
        .await;
    assert_eq!(early.status, StatusCode::FORBIDDEN);
    let later = officer.later(on(2025, 3, 21)).await;
    let page = later.get(&path).await;
    let radios = page.select("form.attendance input[type=radio]");
    assert_eq!(radios.len(), 4, "yes and no for each of the two");
    let coordinator_registration: Uuid = sqlx::query_scalar(
        "SELECT id FROM network_registrations WHERE email <> 'karin.berg@regionstockholm.se'",
    )
    .fetch_one(&app.db)
    .await
    .expect("registration");
    let no = format!("narvaro_{coordinator_registration}");
    let recorded = later
        .submit(
            &path,
            &format!("{path}/narvaro"),
            &[(&yes, "ja"), (&no, "nej")],
        )
        .await;
    assert_eq!(
        recorded.status,
        StatusCode::SEE_OTHER,
        "{}",
        recorded.plain()
    );
    let page = later.follow(recorded).await;
    assert!(
        page.select(".flash")[0].contains("1 av 2 anmälda deltog"),
        "{:?}",
        page.select(".flash")
    );
    assert_eq!(
        app.audit_count("network_event.attendance_recorded").await,
        1
    );

    // The region sees who came; it can no longer register or withdraw.
    let region_later = region.later(on(2025, 3, 21)).await;
    let page = region_later.get(&path).await;
    let attended = page.select("table.registrations tbody td.attended");
    assert_eq!(attended.len(), 2);
    assert!(attended.contains(&"Ja".to_string()) && attended.contains(&"Nej".to_string()));
    assert!(page.select("form.register").is_empty());
    let list = region_later.get("/natverk/traffar").await;
    assert_eq!(
        list.select("table.past tbody th"),
        vec!["Vårens nätverksträff"]
    );
    let closed = region_later
        .submit(
            &path,
            &format!("{path}/anmalan"),
            &[
                ("contact", ""),
                ("name", "Sen"),
                ("email", "sen@example.se"),
            ],
        )
        .await;
    assert_eq!(closed.status, StatusCode::FORBIDDEN);
}

/// The person's calendar feed, as a new link gives it: its text and parsed.
async fn feed_of(app: &TestApp, person: &TestApp) -> (String, Calendar) {
    let page = person.submit("/kalender", "/kalender", &[]).await;
    let link = page.attr("#calendar-link", "value").expect("a link");
    let path = &link[link.find("/kalender/").expect("feed path")..];
    let text = reqwest::Client::new()
        .get(app.url(path))
        .send()
        .await
        .expect("feed")
        .text()
        .await
        .expect("body");
    let calendar = text.parse().expect("iCalendar");
    (text, calendar)
}

#[tokio::test]
async fn an_event_appears_in_the_regions_and_tillvaxtverkets_calendar_feeds() {
    let app = TestApp::spawn_on(on(2025, 3, 1)).await;
    let (officer, _) = browser_as(&app, Role::CaseOfficer, None).await;
    let event = create_event(&officer).await;
    // An edit moves it in the feeds: same UID, new time.
    let edit = format!("/natverk/traffar/{event}/redigera");
    let form = officer.get(&edit).await;
    assert_eq!(
        form.attr("#title", "value").as_deref(),
        Some("Vårens nätverksträff")
    );
    let mut later = EVENT.to_vec();
    later[3] = ("starts", "13:00");
    let saved = officer.submit(&edit, &edit, &later).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.plain());
    assert_eq!(app.audit_count("network_event.updated").await, 1);

    let (region, _) = browser_as(&app, Role::Coordinator, Some(STOCKHOLM)).await;
    for person in [&region, &officer] {
        let (text, calendar) = feed_of(&app, person).await;
        let uid = format!("network-event-{event}@digikoord");
        let found: Vec<_> = calendar
            .events()
            .filter(|e| e.get_uid() == Some(uid.as_str()))
            .collect();
        assert_eq!(found.len(), 1, "{text}");
        assert_eq!(
            found[0].get_summary(),
            Some("Nätverksträff: Vårens nätverksträff")
        );
        assert_eq!(found[0].get_location(), Some("Tillväxtverket, Stockholm"));
        // 13.00 in Stockholm in March is 12.00 UTC.
        assert!(text.contains("DTSTART:20250320T120000Z\r\n"), "{text}");
        assert!(text.contains("DTEND:20250320T140000Z\r\n"), "{text}");
    }
}

#[tokio::test]
async fn tillvaxtverkets_contact_is_kept_by_an_administrator_and_shown_on_every_regions_start_page()
{
    let app = TestApp::spawn().await;
    let (region, _) = browser_as(&app, Role::Coordinator, Some(STOCKHOLM)).await;
    assert!(region.get("/").await.select(".agency-contact").is_empty());

    let (officer, _) = browser_as(&app, Role::CaseOfficer, None).await;
    assert_eq!(
        officer.get("/natverk/tillvaxtverket").await.status,
        StatusCode::FORBIDDEN
    );
    let (admin, _) = browser_as(&app, Role::Admin, None).await;
    let half = admin
        .submit(
            "/natverk/tillvaxtverket",
            "/natverk/tillvaxtverket",
            &[("name", "Eva Ek"), ("email", "")],
        )
        .await;
    assert_eq!(half.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(half.select("#email-error").len(), 1);
    let saved = admin
        .submit(
            "/natverk/tillvaxtverket",
            "/natverk/tillvaxtverket",
            &[("name", "Eva Ek"), ("email", "Eva.Ek@tillvaxtverket.se")],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.plain());
    assert!(admin.follow(saved).await.select(".flash")[0].contains("Eva Ek"));
    assert_eq!(app.audit_count("network_settings.updated").await, 1);

    for organisation in [STOCKHOLM, SKANE] {
        let (coordinator, _) = browser_as(&app, Role::Coordinator, Some(organisation)).await;
        let start = coordinator.get("/").await;
        assert_eq!(
            start.select(".agency-contact p"),
            vec!["Eva Ek, eva.ek@tillvaxtverket.se"]
        );
        assert_eq!(
            start.attr(".agency-contact a", "href").as_deref(),
            Some("mailto:eva.ek@tillvaxtverket.se")
        );
    }

    // Emptied, it is no longer shown.
    let cleared = admin
        .submit(
            "/natverk/tillvaxtverket",
            "/natverk/tillvaxtverket",
            &[("name", ""), ("email", "")],
        )
        .await;
    assert_eq!(cleared.status, StatusCode::SEE_OTHER);
    assert!(region.get("/").await.select(".agency-contact").is_empty());
}

#[tokio::test]
async fn a_cancelled_event_stays_marked_tells_the_registered_and_closes_registration() {
    let app = TestApp::spawn_on(on(2025, 3, 1)).await;
    let (officer, _) = browser_as(&app, Role::CaseOfficer, None).await;
    let event = create_event(&officer).await;
    let path = format!("/natverk/traffar/{event}");
    let (region, me) = browser_as(&app, Role::Coordinator, Some(STOCKHOLM)).await;
    let mine = entry_of(&app, me).await.to_string();
    let registered = region
        .submit(&path, &format!("{path}/anmalan"), &[("contact", &mine)])
        .await;
    assert_eq!(registered.status, StatusCode::SEE_OTHER);
    let colleague = region
        .submit(
            &path,
            &format!("{path}/anmalan"),
            &[
                ("contact", ""),
                ("name", "Kim Kollega"),
                ("email", "kim@region.example"),
            ],
        )
        .await;
    assert_eq!(
        colleague.status,
        StatusCode::SEE_OTHER,
        "{}",
        colleague.plain()
    );

    // A region may not cancel; an organiser must give a reason, kept in the form.
    assert!(region.get(&path).await.select("form.cancel").is_empty());
    let refused = region
        .submit(&path, &format!("{path}/stall-in"), &[("reason", "Nej")])
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let empty = officer
        .submit(&path, &format!("{path}/stall-in"), &[("reason", "  ")])
        .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(empty.select("#reason-error").len(), 1);
    assert_eq!(app.audit_count("network_event.cancelled").await, 0);

    let cancelled = officer
        .submit(
            &path,
            &format!("{path}/stall-in"),
            &[(
                "reason",
                "Föreläsaren är sjuk; vi återkommer med nytt datum.",
            )],
        )
        .await;
    assert_eq!(
        cancelled.status,
        StatusCode::SEE_OTHER,
        "{}",
        cancelled.plain()
    );
    assert_eq!(app.audit_count("network_event.cancelled").await, 1);

    // Everyone registered hears of it, with the reason.
    let mails: Vec<(String, String)> = sqlx::query_as(
        "SELECT to_address, body_text FROM outbox WHERE event = 'network_event.cancelled'
         ORDER BY to_address",
    )
    .fetch_all(&app.db)
    .await
    .expect("mails");
    assert_eq!(mails.len(), 2, "{mails:?}");
    assert!(
        mails.iter().any(|(to, _)| to == "kim@region.example"),
        "{mails:?}"
    );
    assert!(
        mails
            .iter()
            .all(|(_, body)| body.contains("Föreläsaren är sjuk"))
    );

    // It stays, marked; the region can no longer register and the organiser no longer edit.
    let page = region.get(&path).await;
    assert!(
        page.plain().contains("Träffen är inställd."),
        "{}",
        page.plain()
    );
    assert!(page.select("form.register").is_empty());
    let late = region
        .submit(
            &path,
            &format!("{path}/anmalan"),
            &[
                ("contact", ""),
                ("name", "Sen Anmälan"),
                ("email", "sen@region.example"),
            ],
        )
        .await;
    assert_eq!(late.status, StatusCode::CONFLICT, "{}", late.plain());
    let list = region.get("/natverk/traffar").await;
    assert_eq!(
        list.select("table.upcoming .tag.cancelled"),
        vec!["Inställd"]
    );
    let edit = format!("{path}/redigera");
    let edited = officer.submit(&edit, &edit, &EVENT).await;
    assert_eq!(edited.status, StatusCode::CONFLICT);
    let again = officer
        .submit(&path, &format!("{path}/stall-in"), &[("reason", "Igen")])
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(again.plain().contains("Träffen är redan inställd."));
    assert_eq!(app.audit_count("network_event.cancelled").await, 1);

    // The calendar feeds keep it, marked cancelled.
    let (text, calendar) = feed_of(&app, &region).await;
    let uid = format!("network-event-{event}@digikoord");
    let found: Vec<_> = calendar
        .events()
        .filter(|e| e.get_uid() == Some(uid.as_str()))
        .collect();
    assert_eq!(found.len(), 1, "{text}");
    assert!(text.contains("STATUS:CANCELLED\r\n"), "{text}");
}

#[tokio::test]
async fn staff_register_and_withdraw_on_a_regions_behalf() {
    let app = TestApp::spawn_on(on(2025, 3, 1)).await;
    let (officer, _) = browser_as(&app, Role::CaseOfficer, None).await;
    let event = create_event(&officer).await;
    let path = format!("/natverk/traffar/{event}");
    let action = format!("{path}/anmalan");

    // Without an organisation: said beside the field, the rest kept.
    let missing = officer
        .submit(
            &path,
            &action,
            &[
                ("organisation", ""),
                ("name", "Sam Skåning"),
                ("email", "sam@skane.example"),
            ],
        )
        .await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(missing.select("#organisation-error").len(), 1);
    assert_eq!(
        missing.attr("#name", "value").as_deref(),
        Some("Sam Skåning")
    );

    let skane: Uuid = sqlx::query_scalar("SELECT id FROM organisations WHERE name = $1")
        .bind(SKANE)
        .fetch_one(&app.db)
        .await
        .expect("Skåne");
    let registered = officer
        .submit(
            &path,
            &action,
            &[
                ("organisation", &skane.to_string()),
                ("name", "Sam Skåning"),
                ("email", "sam@skane.example"),
            ],
        )
        .await;
    assert_eq!(
        registered.status,
        StatusCode::SEE_OTHER,
        "{}",
        registered.plain()
    );
    assert_eq!(app.audit_count("network_registration.created").await, 1);

    // The region sees its registration; another region does not.
    let (skane_region, _) = browser_as(&app, Role::Coordinator, Some(SKANE)).await;
    let theirs = skane_region.get(&path).await;
    assert_eq!(
        theirs.select("table.registrations tbody th"),
        vec!["Sam Skåning"]
    );
    let (stockholm, _) = browser_as(&app, Role::Coordinator, Some(STOCKHOLM)).await;
    assert!(
        stockholm
            .get(&path)
            .await
            .select("table.registrations tbody th")
            .is_empty()
    );
    // A region cannot register for another: its own organisation is used whatever it sends.
    let sent = stockholm
        .submit(
            &path,
            &action,
            &[
                ("organisation", &skane.to_string()),
                ("contact", ""),
                ("name", "Smyg Smygsson"),
                ("email", "smyg@sthlm.example"),
            ],
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER);
    let org_of_smyg: Uuid = sqlx::query_scalar(
        "SELECT organisation_id FROM network_registrations WHERE email = 'smyg@sthlm.example'",
    )
    .fetch_one(&app.db)
    .await
    .expect("registration");
    assert_ne!(org_of_smyg, skane);

    // Staff withdraw it again.
    let page = officer.get(&path).await;
    let withdraw = page
        .attrs("table.registrations form", "action")
        .into_iter()
        .next()
        .expect("a withdraw button");
    let withdrawn = officer.submit(&path, &withdraw, &[]).await;
    assert_eq!(
        withdrawn.status,
        StatusCode::SEE_OTHER,
        "{}",
        withdrawn.plain()
    );
    assert_eq!(app.audit_count("network_registration.withdrawn").await, 1);
}
