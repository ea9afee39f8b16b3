//! Bad input is never a 500 and changes nothing. The forms are not listed by hand: each
//! role's pages are crawled from its start page over a year full of demo cases, every
//! form found is sent back with one field at a time replaced by a bad value, and every
//! page with a year in its address is asked for impossible years. Each answer must be a
//! 4xx in Swedish, and the database must be as it was.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use digikoord::auth::Role;
use scraper::{ElementRef, Selector};

use crate::{Page, TestApp, digests};

/// Tables a refused request may still touch: the session's last-seen time, the record of
/// login attempts that throttling keeps, and who has read a case's thread (its page, shown
/// again with the refusal, has been read).
const MAY_CHANGE: [&str; 3] = ["sessions", "login_attempts", "thread_reads"];

/// How many pages of one role's site are visited at most.
const MAX_PAGES: usize = 400;

#[derive(Clone, Debug)]
struct Field {
    name: String,
    kind: String,
    value: String,
}

#[derive(Clone, Debug)]
struct Form {
    found_on: String,
    action: String,
    fields: Vec<Field>,
}

fn selector(css: &str) -> Selector {
    Selector::parse(css).expect("selector")
}

/// The form's fields with the values a person who changed nothing would send.
fn fields_of(form: ElementRef) -> Vec<Field> {
    let mut fields = Vec::new();
    let mut radios_seen = BTreeSet::new();
    for input in form.select(&selector("input, textarea, select")) {
        let el = input.value();
        let Some(name) = el.attr("name") else {
            continue;
        };
        let kind = match el.name() {
            "textarea" => "textarea".to_string(),
            "select" => "select".to_string(),
            _ => el.attr("type").unwrap_or("text").to_string(),
        };
        let value = match kind.as_str() {
            "textarea" => input.text().collect(),
            "select" => {
                let options: Vec<ElementRef> = input.select(&selector("option")).collect();
                options
                    .iter()
                    .find(|o| o.value().attr("selected").is_some())
                    .or(options.first())
                    .and_then(|o| o.value().attr("value"))
                    .unwrap_or_default()
                    .to_string()
            }
            "checkbox" if el.attr("checked").is_none() => continue,
            "radio" => {
                if el.attr("checked").is_none() && radios_seen.contains(name) {
                    continue;
                }
                if el.attr("checked").is_some() {
                    fields.retain(|f: &Field| f.name != name);
                }
                radios_seen.insert(name.to_string());
                el.attr("value").unwrap_or("on").to_string()
            }
            "submit" | "button" | "file" => continue,
            _ => el.attr("value").unwrap_or_default().to_string(),
        };
        fields.push(Field {
            name: name.to_string(),
            kind,
            value,
        });
    }
    fields
}

/// The path of a link or form action on this site, or `None` for anything to leave alone.
fn own_path(href: &str, page: &str) -> Option<String> {
    let href = href.split('#').next()?;
    let path = if href.is_empty() {
        page.to_string()
    } else if href.starts_with('/') && !href.starts_with("//") {
        href.to_string()
    } else if href.starts_with('?') {
        format!("{}{href}", page.split('?').next().unwrap_or(page))
    } else {
        return None;
    };
    let leave_alone = path.starts_with("/static/")
        || path.starts_with("/logga-ut")
        // Downloads are files, not pages.
        || path.contains("/export")
        || path.contains("/bilagor/");
    (!leave_alone).then_some(path)
}

/// A path with its ids made generic, so a form met on many cases is tried once.
fn shape(path: &str) -> String {
    path.split('?')
        .next()
        .unwrap_or(path)
        .split('/')
        .map(|part| {
            if uuid::Uuid::parse_str(part).is_ok() || part.parse::<i64>().is_ok() {
                "{id}"
            } else {
                part
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Visits the role's pages from its start page; returns the pages seen and the forms on them.
async fn crawl(browser: &TestApp, start: &[&str]) -> (BTreeSet<String>, Vec<Form>) {
    let mut queue: VecDeque<String> = start.iter().map(|s| s.to_string()).collect();
    let mut seen: BTreeSet<String> = queue.iter().cloned().collect();
    let mut shapes_seen = BTreeMap::<String, usize>::new();
    let mut forms = BTreeMap::<String, Form>::new();
    let mut visited = 0;
    while let Some(path) = queue.pop_front() {
        if visited >= MAX_PAGES {
            break;
        }
        visited += 1;
        let page = browser.get(&path).await;
        // Without LibreOffice on this machine a PDF/A is refused with that reason (CI has it).
        if page.status == reqwest::StatusCode::SERVICE_UNAVAILABLE
            && digikoord::pdfa::soffice(None).is_none()
            && page.select("h1") == ["Finns inte på den här servern"]
        {
            continue;
        }
        assert!(
            page.status.is_success() || page.status.is_redirection(),
            "GET {path}: {} {}",
            page.status,
            page.plain()
        );
        // A page's title is plain text: markup there lands in window titles and history.
        let titles: Vec<String> = page
            .html
            .select(&selector("head > title"))
            .map(|t| t.text().collect())
            .collect();
        let is_page = !page.select("h1").is_empty();
        assert!(
            !is_page
                || titles.len() == 1
                    && !titles[0].trim().is_empty()
                    && !titles[0].contains(['<', '>']),
            "GET {path}: the title is not plain text: {titles:?}"
        );
        for form in page.html.select(&selector("form")) {
            let el = form.value();
            let method = el.attr("method").unwrap_or("get").to_ascii_lowercase();
            let multipart = el.attr("enctype").is_some_and(|e| e.contains("multipart"));
            let Some(action) = own_path(el.attr("action").unwrap_or(""), &path) else {
                continue;
            };
            if method != "post" || multipart {
                continue;
            }
            let key = shape(&action);
            let fields = fields_of(form);
            // The form with the most fields of its kind is the one to try.
            let more = forms
                .get(&key)
                .is_none_or(|f| f.fields.len() < fields.len());
            if more {
                forms.insert(
                    key,
                    Form {
                        found_on: path.clone(),
                        action,
                        fields,
                    },
                );
            }
        }
        for link in page.html.select(&selector("a[href]")) {
            let Some(next) = link.value().attr("href").and_then(|h| own_path(h, &path)) else {
                continue;
            };
            // Every actor's case of a kind (their states differ), but no more.
            let count = shapes_seen.entry(shape(&next)).or_default();
            if *count < 25 && seen.insert(next.clone()) {
                *count += 1;
                queue.push_back(next);
            }
        }
    }
    (seen, forms.into_values().collect())
}

/// The values no field may accept.
fn bad_values(field: &Field) -> Vec<(&'static str, String)> {
    let mut values = vec![
        ("a NUL character", format!("{}\0x", field.value)),
        ("a control character", format!("{}\u{1}x", field.value)),
        ("a vertical tab", format!("{}\u{b}x", field.value)),
        ("a million characters", "x".repeat(1_000_000)),
    ];
    if field.kind == "date" {
        for date in ["1899-12-31", "2101-01-01", "+99999-01-01", "-0005-01-01"] {
            values.push(("a date outside 1900–2100", date.to_string()));
        }
    }
    if field.name == "ar" {
        for year in ["-5", "99999999999", "abc"] {
            values.push(("an impossible year", year.to_string()));
        }
    }
    values
}

fn is_swedish_refusal(page: &Page) -> bool {
    page.status.is_client_error()
        && page.html.root_element().value().attr("lang") == Some("sv")
        && !page.select("h1").is_empty()
}

/// Sends every form back with each field in turn made bad.
async fn try_forms(app: &TestApp, browser: &TestApp, forms: &[Form]) -> usize {
    let mut tried = 0;
    for form in forms {
        let before = digests(&app.db, &MAY_CHANGE).await;
        // The session's token (or the anonymous double-submit one): refused input must be
        // refused for what it is, never for a stale token.
        let csrf = browser.get(&form.found_on).await.csrf();
        for (i, field) in form.fields.iter().enumerate() {
            if field.name == "csrf" {
                continue;
            }
            for (what, bad) in bad_values(field) {
                let mut sent: Vec<(String, String)> = form
                    .fields
                    .iter()
                    .map(|f| (f.name.clone(), f.value.clone()))
                    .collect();
                sent[i].1 = bad;
                for pair in sent.iter_mut().filter(|(k, _)| k == "csrf") {
                    pair.1 = csrf.clone();
                }
                let response = browser
                    .client
                    .post(browser.url(&form.action))
                    .form(&sent)
                    .send()
                    .await
                    .expect("POST");
                let page = TestApp::page_of(response).await;
                assert!(
                    is_swedish_refusal(&page),
                    "POST {} (form on {}) with {what} in `{}` answered {}: {}",
                    form.action,
                    form.found_on,
                    field.name,
                    page.status,
                    page.plain().chars().take(300).collect::<String>()
                );
                tried += 1;
            }
        }
        assert_eq!(
            digests(&app.db, &MAY_CHANGE).await,
            before,
            "refused input to {} changed the database",
            form.action
        );
    }
    tried
}

/// Asks every page that takes a year for impossible ones, and every page for a NUL.
async fn try_queries(browser: &TestApp, pages: &BTreeSet<String>) {
    for path in pages {
        let base = path.split('?').next().unwrap_or(path);
        for control in ["%00", "%01", "%1F"] {
            let refused = browser.get(&format!("{base}?x={control}")).await;
            assert!(
                is_swedish_refusal(&refused),
                "GET {base}?x={control}: {}",
                refused.status
            );
        }
        if !path.contains("ar=") {
            continue;
        }
        for year in ["-5", "99999999999", "abc", "1999"] {
            let page = browser.get(&format!("{base}?ar={year}")).await;
            assert!(
                is_swedish_refusal(&page),
                "GET {base}?ar={year}: {} {}",
                page.status,
                page.plain().chars().take(200).collect::<String>()
            );
        }
    }
}

#[tokio::test]
async fn every_form_field_and_year_refuses_bad_values_in_swedish_and_changes_nothing() {
    // Two demo years side by side: 2025 as it stood in mid-February 2026 (reports in every
    // state, repayments owed) and 2026 as it stands in late April (requisitions waiting
    // for each step), so every kind of form is on some page.
    let date = |m, d| chrono::NaiveDate::from_ymd_opt(2026, m, d).expect("date");
    let app = TestApp::spawn_on(digikoord::Clock::Fixed(date(4, 20))).await;
    for day in [date(2, 10), date(4, 20)] {
        digikoord::seed::demo(&app.db, day)
            .await
            .expect("a year of demo cases");
    }

    // A network meeting on the day, with a region's registration: open for registering
    // and for recording attendance.
    sqlx::query(
        "WITH event AS (
             INSERT INTO network_events (id, kind, title, day, starts, ends, place, created_by)
             VALUES (gen_random_uuid(), 'meeting', 'Nätverksträff', '2026-04-20', '10:00',
                     '12:00', 'Stockholm', (SELECT id FROM users WHERE role = 'admin' LIMIT 1))
             RETURNING id)
         INSERT INTO network_registrations (id, event_id, organisation_id, name, email, registered_by)
         SELECT gen_random_uuid(), event.id, u.organisation_id, u.name, u.email, u.id
         FROM event, (SELECT * FROM users WHERE role = 'coordinator' LIMIT 1) u",
    )
    .execute(&app.db)
    .await
    .expect("a network meeting");

    // Before login: the login form itself.
    let anonymous = app.other_browser();
    let (pages, forms) = crawl(&anonymous, &["/logga-in", "/program"]).await;
    assert!(forms.iter().any(|f| f.action == "/logga-in"), "{forms:?}");
    let mut tried = try_forms(&app, &anonymous, &forms).await;
    try_queries(&anonymous, &pages).await;

    let mut all_forms = BTreeSet::new();
    // The regions whose cases are at each step: a returned requisition, a report being
    // written or returned, and a repayment still owed.
    let regions: Vec<String> = sqlx::query_scalar(
        "(SELECT o.name FROM requisitions r JOIN organisations o ON o.id = r.organisation_id
           WHERE r.state = 'returned' LIMIT 1)
         UNION (SELECT o.name FROM reports r JOIN organisations o ON o.id = r.organisation_id
           WHERE r.state IN ('draft', 'returned'))
         UNION (SELECT o.name FROM reports r JOIN organisations o ON o.id = r.organisation_id
           WHERE r.state = 'approved' AND r.unused > 0 LIMIT 2)",
    )
    .fetch_all(&app.db)
    .await
    .expect("regions");
    assert!(regions.len() >= 3, "{regions:?}");
    let mut people: Vec<(Role, Option<&str>)> = regions
        .iter()
        .map(|r| (Role::Coordinator, Some(r.as_str())))
        .collect();
    people.extend([
        (Role::CaseOfficer, None),
        (Role::Approver, None),
        (Role::Admin, None),
    ]);
    for (role, organisation) in people {
        let browser = app.other_browser();
        browser.login_as(role, organisation).await;
        let (pages, forms) = crawl(&browser, &["/", "/?ar=2025"]).await;
        assert!(!forms.is_empty(), "{role:?} finds forms");
        all_forms.extend(forms.iter().map(|f| shape(&f.action)));
        tried += try_forms(&app, &browser, &forms).await;
        try_queries(&browser, &pages).await;
    }
    // The crawl reached the forms that matter; a site that hid them would pass too easily.
    for expected in [
        "/rekvisitioner/{id}",
        "/handlaggning/forlangningar",
        "/admin/anvandare/ny",
        "/konto/{id}",
        "/redovisningar/{id}",
        "/aterbetalningar/{id}",
        "/utbetalningar/{id}/attestera",
        "/natverk/kontakter/{id}",
        "/natverk/traffar/ny",
        "/natverk/traffar/{id}/anmalan",
        "/natverk/traffar/{id}/narvaro",
    ] {
        assert!(
            all_forms.iter().any(|f| f.starts_with(expected)),
            "no form for {expected} among {all_forms:?}"
        );
    }
    eprintln!(
        "bad input: {tried} bad values tried on {} kinds of form: {all_forms:?}",
        all_forms.len()
    );
    assert!(tried > 100, "only {tried} bad values were tried");
}
