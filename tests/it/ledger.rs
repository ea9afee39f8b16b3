//! The SIE 4I file for the agency's accounting system (issue 30), through HTTP as an
//! administrator uses it: the account plan set on `/admin/bokforing` (the file refused, the
//! page saying what is missing, until it is complete; administrators only), and a year
//! driven through a payout, repayments, a refund and Kammarkollegiet, downloaded as its two
//! fiscal years' files, which an independent reader — the `sie4` crate — reads back to the
//! figures `/konto` shows.
//!
//! `sie4` 0.1.1 reads the items of SIE 4 it knows and stops with an error at `#DIM` and
//! `#OBJEKT`, and it keeps only the first member of a `#TRANS` object list: those two
//! items are taken out before it reads, and the objects are checked in the text, decoded
//! from PC8 by `codepage-437`.

use std::collections::BTreeMap;

use codepage_437::{CP437_CONTROL, FromCp437};
use digikoord::auth::Role;
use reqwest::StatusCode;
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::{
    Page, TestApp,
    steps::{
        Case, SKANE, approve, approve_payout, approve_report, approved_case, confirm, dec,
        fill_in_everything, live_payout, on, org_id, pay_payout, post_anyway, register,
        start_report, submit_report, submitted, unconfirmed_payment,
    },
};

const VASTMANLAND: &str = "Region Västmanland";

/// A finance unit's account plan (the numbers made up for the test), as an administrator
/// types it.
const PLAN: [(&str, &str); 18] = [
    ("company_name", "Tillväxtverket"),
    ("org_number", "202100-5026"),
    ("voucher_series", "DK"),
    ("payout_account", "8419"),
    ("payout_account_name", "Lämnade bidrag till regioner"),
    ("bank_account", "1931"),
    ("bank_account_name", "Avräkning med bank"),
    ("repayment_account", "8490"),
    ("repayment_account_name", "Återbetalda bidrag"),
    ("refund_account", "2891"),
    ("refund_account_name", "Skuld till regioner, överbetalt"),
    ("appropriation_account", "7311"),
    ("appropriation_account_name", "Medel från Kammarkollegiet"),
    ("actor_dimension", "20"),
    ("appropriation_dimension", "21"),
    ("expenditure_area", "22"),
    ("appropriation", "2:4"),
    ("appropriation_item", "4"),
];

const PAYOUTS: u32 = 8419;
const BANK: u32 = 1931;
const REPAYMENTS: u32 = 8490;
const REFUNDS: u32 = 2891;
const APPROPRIATION: u32 = 7311;

/// The plan with an account (its number and its name) left out.
fn plan_without(account: &str) -> Vec<(&'static str, &'static str)> {
    let name = format!("{account}_name");
    PLAN.iter()
        .copied()
        .filter(|(k, _)| *k != account && *k != name)
        .collect()
}

async fn save_plan(admin: &TestApp, fields: &[(&str, &str)]) -> Page {
    admin
        .submit("/admin/bokforing", "/admin/bokforing", fields)
        .await
}

/// The file as the administrator's browser downloads it: status, Content-Disposition, bytes.
async fn download(admin: &TestApp, query: &str) -> (StatusCode, String, Vec<u8>) {
    let response = admin
        .client
        .get(admin.url(&format!("/admin/bokforing/sie?{query}")))
        .send()
        .await
        .expect("download");
    let status = response.status();
    let disposition = response
        .headers()
        .get("content-disposition")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    (
        status,
        disposition,
        response.bytes().await.expect("bytes").to_vec(),
    )
}

/// An amount on a page (`1 900 000,50 kr`).
fn kronor(page: &Page, css: &str) -> Decimal {
    let text = page
        .select(css)
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("{css} on the page"));
    let plain: String = text
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == ',')
        .map(|c| if c == ',' { '.' } else { c })
        .collect();
    dec(&plain)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// What `sie4` reads in a file.
#[derive(Debug, Default)]
struct Read {
    company: String,
    org_number: String,
    /// `#RAR 0`: the years its first and last day fall in.
    fiscal_year: Option<(i32, i32)>,
    accounts: BTreeMap<u32, String>,
    /// Each voucher's text and balance (debits less credits).
    vouchers: Vec<(String, Decimal)>,
    /// Each voucher's number.
    numbers: Vec<u32>,
    totals: BTreeMap<u32, Decimal>,
    /// The first member of each `#TRANS` object list, per account.
    first_objects: BTreeMap<u32, Vec<String>>,
}

fn read_back(bytes: &[u8]) -> Read {
    let known: Vec<u8> = bytes
        .split_inclusive(|b| *b == b'\n')
        .filter(|line| !line.starts_with(b"#DIM ") && !line.starts_with(b"#OBJEKT "))
        .flatten()
        .copied()
        .collect();
    let mut read = Read::default();
    for item in sie4::Reader::new(known.as_slice()) {
        match item.unwrap_or_else(|e| panic!("sie4 reads the file: {e:?}")) {
            sie4::Item::FNamn(f) => read.company = f.name,
            sie4::Item::Orgnr(o) => read.org_number = o.org_no,
            sie4::Item::Rar(r) => {
                assert_eq!(r.no, 0, "the current fiscal year");
                read.fiscal_year = Some((r.start.year(), r.end.year()));
            }
            sie4::Item::Konto(k) => {
                read.accounts.insert(k.no, k.name);
            }
            sie4::Item::Ver(v) => {
                let balance: Decimal = v.transactions.0.iter().map(|t| t.amount).sum();
                read.vouchers.push((v.text.unwrap_or_default(), balance));
                read.numbers.push(v.no);
                for t in v.transactions.0 {
                    *read.totals.entry(t.account).or_default() += t.amount;
                    read.first_objects
                        .entry(t.account)
                        .or_default()
                        .extend(t.objects.0.into_iter().take(1));
                }
            }
            _ => {}
        }
    }
    read
}

#[tokio::test]
async fn without_a_complete_account_plan_the_file_is_refused_and_says_what_is_missing() {
    let app = TestApp::spawn().await;
    let admin = app.other_browser();
    admin.login_as(Role::Admin, None).await;
    let page = admin.get("/admin/bokforing").await;
    assert_eq!(page.status, StatusCode::OK);
    let missing = page.select(".missing li");
    assert_eq!(missing.len(), 8, "{missing:?}");
    assert!(missing.iter().any(|m| m.contains("organisationsnummer")));
    assert!(missing.iter().any(|m| m.contains("utbetalningar")));
    assert!(
        page.select("form[action='/admin/bokforing/sie']")
            .is_empty(),
        "no file to ask for yet"
    );
    // The appropriation's coding is there from the start, as data.
    for (field, value) in [
        ("company_name", "Tillväxtverket"),
        ("expenditure_area", "22"),
        ("appropriation", "2:4"),
        ("appropriation_item", "4"),
    ] {
        assert_eq!(
            page.attr(&format!("#{field}"), "value").as_deref(),
            Some(value)
        );
    }
    assert_eq!(page.attr("#org_number", "value").as_deref(), Some(""));

    let refused = admin.get("/admin/bokforing/sie?ar=2025").await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(
        refused.select(".missing")[0].contains("Filen kan inte göras än"),
        "{}",
        refused.plain()
    );
    assert_eq!(refused.select(".missing li").len(), 8);

    // A wrong account number comes back beside its field, as typed, and saves nothing.
    let mut wrong = PLAN.to_vec();
    wrong.retain(|(k, _)| *k != "payout_account");
    wrong.push(("payout_account", "84a9"));
    let page = save_plan(&admin, &wrong).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(page.select("#payout_account-error").len(), 1);
    assert_eq!(
        page.attr("#payout_account", "value").as_deref(),
        Some("84a9")
    );
    assert_eq!(page.attr("#bank_account", "value").as_deref(), Some("1931"));
    assert_eq!(
        page.attrs(".error-summary a", "href"),
        vec!["#payout_account"]
    );
    // The bank account twice: refused too.
    let mut twice = plan_without("repayment_account");
    twice.extend([
        ("repayment_account", "1931"),
        ("repayment_account_name", "Avräkning med bank"),
    ]);
    let page = save_plan(&admin, &twice).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(page.select("#repayment_account-error").len(), 1);
    assert_eq!(app.audit_count("ledger.settings_saved").await, 0);

    // All but the bank account: saved, and the file is refused for that alone.
    let saved = save_plan(&admin, &plan_without("bank_account")).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.plain());
    let page = admin.follow(saved).await;
    assert!(page.select(".flash")[0].contains("saknas"));
    let refused = admin.get("/admin/bokforing/sie?ar=2025").await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert_eq!(refused.select(".missing li"), vec!["Bankkonto (avräkning)"]);
    assert_eq!(app.audit_count("ledger.exported").await, 0);

    // Complete: a year with no money moved is a file with no vouchers, still read.
    let saved = save_plan(&admin, &PLAN).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.plain());
    let page = admin.follow(saved).await;
    assert!(page.select(".missing").is_empty());
    assert_eq!(
        page.attr("#ar option[selected]", "value").as_deref(),
        Some("2025")
    );
    let (status, disposition, bytes) = download(&admin, "ar=2025").await;
    assert_eq!(status, StatusCode::OK);
    assert!(disposition.contains("2025.si"), "{disposition}");
    let read = read_back(&bytes);
    assert!(read.vouchers.is_empty());
    assert_eq!(read.company, "Tillväxtverket");
    assert_eq!(read.fiscal_year, Some((2025, 2025)));

    // Only an administrator: staff and regions are refused as on every admin page, and an
    // anonymous visitor is sent to log in.
    for (role, organisation) in [
        (Role::CaseOfficer, None),
        (Role::Approver, None),
        (Role::Coordinator, Some(SKANE)),
    ] {
        let other = app.other_browser();
        other.login_as(role, organisation).await;
        assert_eq!(
            other.get("/admin/bokforing").await.status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            other.get("/admin/bokforing/sie?ar=2025").await.status,
            StatusCode::FORBIDDEN
        );
        let posted = post_anyway(&other, "/admin/bokforing", &plan_without("payout_account")).await;
        assert_eq!(posted.status, StatusCode::FORBIDDEN);
    }
    let anonymous = app.other_browser();
    let sent = anonymous.get("/admin/bokforing/sie?ar=2025").await;
    assert!(
        sent.location
            .as_deref()
            .is_some_and(|l| l.starts_with("/logga-in")),
        "{:?}",
        sent.location
    );
    assert_eq!(app.audit_count("ledger.settings_saved").await, 2);
    assert_eq!(app.audit_count("ledger.exported").await, 1);
    let payout_account: Option<String> =
        sqlx::query_scalar("SELECT payout_account FROM ledger_settings")
            .fetch_one(&app.db)
            .await
            .expect("settings");
    assert_eq!(
        payout_account.as_deref(),
        Some("8419"),
        "nobody else changed it"
    );
}

#[tokio::test]
async fn a_years_sie_files_read_back_by_an_independent_parser_to_the_ledgers_figures() {
    // 1 March 2025: Västmanland requisitions, is approved, attested and paid, as people do.
    let app = TestApp::spawn().await;
    let region = app.other_browser();
    region.login_as(Role::Coordinator, Some(VASTMANLAND)).await;
    let officer = app.other_browser();
    officer.login_as(Role::CaseOfficer, None).await;
    let approver = app.other_browser();
    approver.login_as(Role::Approver, None).await;
    let requisition = submitted(&region, "1 000 000").await;
    approve(&officer, requisition, "1 000 000").await;
    let payout = live_payout(&app, requisition).await;
    approve_payout(&approver, requisition, payout).await;
    pay_payout(&officer, payout, "1 000 000", "V-100").await;
    let case_number: String =
        sqlx::query_scalar("SELECT case_number FROM requisitions WHERE id = $1")
            .bind(requisition)
            .fetch_one(&app.db)
            .await
            .expect("case number");

    // February 2026: both report; Västmanland owes 190 000 kr and pays 200 000 kr (10 000 kr
    // refunded with four eyes), Skåne owes and pays 12 345,67 kr.
    let feb = on(2026, 2, 10);
    let (region, officer, approver) = (
        region.later(feb).await,
        officer.later(feb).await,
        approver.later(feb).await,
    );
    let report = start_report(&region).await;
    fill_in_everything(&region, report).await;
    submit_report(&region, report).await;
    approve_report(&officer, report).await;
    let vastmanland = Case {
        region,
        officer,
        org: org_id(&app, VASTMANLAND).await,
        report,
    };
    let skane = approved_case(&app.later(feb).await, SKANE, "900000.50", "887 654,83").await;
    register(&vastmanland, "200 000", "DK").await;
    confirm(
        &vastmanland.officer,
        unconfirmed_payment(&app).await,
        "200 000",
    )
    .await;
    register(&skane, "12 345,67", "DK").await;
    confirm(&skane.officer, unconfirmed_payment(&app).await, "12 345,67").await;
    let page = vastmanland.page();
    let prepared = vastmanland
        .officer
        .submit(
            &page,
            &format!("{page}/tillbakabetalningar"),
            &[("amount", "10 000"), ("planned_date", "2026-02-12")],
        )
        .await;
    assert_eq!(
        prepared.status,
        StatusCode::SEE_OTHER,
        "{}",
        prepared.plain()
    );
    let refund: Uuid = sqlx::query_scalar("SELECT id FROM refunds")
        .fetch_one(&app.db)
        .await
        .expect("prepared");
    let csrf = approver.get(&page).await.csrf();
    let approved = approver
        .post(
            &format!("/aterbetalningar/tillbakabetalningar/{refund}/attestera"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(approved.status, StatusCode::SEE_OTHER);
    let refunded = vastmanland
        .officer
        .submit(
            &page,
            &format!("/aterbetalningar/tillbakabetalningar/{refund}/betald"),
            &[("paid_date", "2026-02-10"), ("voucher_number", "V-4711")],
        )
        .await;
    assert_eq!(
        refunded.status,
        StatusCode::SEE_OTHER,
        "{}",
        refunded.plain()
    );

    // March 2026: the administrator registers the account with Kammarkollegiet — requisitioned
    // in November, repaid what the page computes — and sets the account plan.
    let march = app.later(on(2026, 3, 10)).await;
    let admin = march.other_browser();
    admin.login_as(Role::Admin, None).await;
    let requisitioned = [
        ("requisitioned", "2 500 000"),
        ("requisitioned_on", "2025-11-20"),
        ("support_costs", ""),
    ];
    let saved = admin
        .submit("/konto?ar=2025", "/konto/2025", &requisitioned)
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.plain());
    let to_repay = kronor(&admin.get("/konto?ar=2025").await, ".to-repay");
    // 2 500 000 − 1 900 000,50 + 190 000 + 12 345,67: Västmanland's 10 000 kr is its own.
    assert_eq!(to_repay, dec("802345.17"));
    let typed = digikoord::money::format_input(to_repay);
    let mut repaid = requisitioned.to_vec();
    repaid.extend([("repaid", typed.as_str()), ("repaid_on", "2026-03-10")]);
    let saved = admin.submit("/konto?ar=2025", "/konto/2025", &repaid).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.plain());
    let account = admin.get("/konto?ar=2025").await;
    let paid_out = kronor(&account, ".paid-out");
    let received = kronor(&account, ".received-from-regions");
    let refunded = kronor(&account, ".refunded-to-regions");
    assert_eq!(
        (paid_out, received, refunded),
        (dec("1900000.50"), dec("212345.67"), dec("10000"))
    );
    let (requisitioned, repaid) = (dec("2500000"), to_repay);
    let saved = save_plan(&admin, &PLAN).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.plain());
    assert!(admin.follow(saved).await.select(".flash")[0].contains("SIE-filen kan laddas ner"));

    // The two fiscal years' files.
    let mut files = Vec::new();
    for year in [2025, 2026] {
        let (status, disposition, bytes) = download(&admin, &format!("ar={year}")).await;
        assert_eq!(status, StatusCode::OK, "{year}");
        assert!(disposition.contains(&format!("{year}.si")), "{disposition}");
        // PC8: ä is the one byte 0x84, never UTF-8's two; every line ends in CRLF.
        assert!(
            contains(&bytes, b"#FNAMN \"Tillv\x84xtverket\"\r\n"),
            "{year}"
        );
        assert!(!contains(&bytes, "ä".as_bytes()), "{year}: no UTF-8");
        assert!(
            bytes
                .iter()
                .enumerate()
                .filter(|(_, b)| **b == b'\n')
                .all(|(i, _)| i > 0 && bytes[i - 1] == b'\r'),
            "{year}: CRLF"
        );
        let read = read_back(&bytes);
        assert_eq!(read.company, "Tillväxtverket");
        assert_eq!(read.org_number, "202100-5026");
        assert_eq!(read.fiscal_year, Some((year, year)));
        for (text, balance) in &read.vouchers {
            assert_eq!(*balance, Decimal::ZERO, "{year}: {text} balances");
        }
        files.push((bytes, read));
    }
    let (bytes_2025, read_2025) = &files[0];
    let (bytes_2026, read_2026) = &files[1];

    // 2025: the two payouts and the requisition from Kammarkollegiet.
    let texts: Vec<&str> = read_2025.vouchers.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(texts.len(), 3, "{texts:?}");
    assert_eq!(
        texts[0],
        format!("Utbetalning 2025 till Region Västmanland, {case_number} (ver. V-100)")
    );
    assert!(texts[1].starts_with("Utbetalning 2025 till Region Skåne"));
    assert_eq!(texts[2], "Rekvisition från Kammarkollegiet, medel 2025");
    assert!(contains(bytes_2025, b"Region V\x84stmanland"));
    assert!(contains(bytes_2025, b"Region Sk\x86ne"));
    assert_eq!(
        read_2025.accounts.get(&PAYOUTS).map(String::as_str),
        Some("Lämnade bidrag till regioner")
    );
    assert_eq!(read_2025.totals.get(&PAYOUTS), Some(&paid_out));
    // sie4 sees the object list (its first member, the actors' dimension).
    assert_eq!(
        read_2025.first_objects.get(&PAYOUTS),
        Some(&vec!["20".to_string(), "20".to_string()])
    );
    // The objects, read as text: each actor by its organisation number, and the
    // appropriation on the payout's line.
    let text_2025 = String::from_cp437(bytes_2025.clone(), &CP437_CONTROL);
    for line in [
        "#DIM 20 \"Aktör\"",
        "#DIM 21 \"Anslag\"",
        "#OBJEKT 20 \"232100-0172\" \"Region Västmanland\"",
        "#OBJEKT 20 \"232100-0255\" \"Region Skåne\"",
        "#OBJEKT 21 \"UO22-2:4-ap4\" \"Utgiftsområde 22, anslag 2:4, anslagspost 4\"",
        "\t#TRANS 8419 {20 \"232100-0172\" 21 \"UO22-2:4-ap4\"} 1000000.00",
        "\t#TRANS 1931 {} -1000000.00",
        "\t#TRANS 7311 {21 \"UO22-2:4-ap4\"} -2500000.00",
    ] {
        assert!(
            text_2025.contains(&format!("{line}\r\n")),
            "{line}:\n{text_2025}"
        );
    }

    // 2026: the two repayments, the refund and the repayment to Kammarkollegiet.
    assert_eq!(read_2026.vouchers.len(), 4, "{:?}", read_2026.vouchers);
    assert!(read_2026.vouchers.iter().any(|(t, _)| {
        t.contains("Tillbakabetalning av överbetalt 2025 till Region Västmanland")
            && t.contains("V-4711")
    }));
    let text_2026 = String::from_cp437(bytes_2026.clone(), &CP437_CONTROL);
    assert!(
        text_2026.contains("\t#TRANS 2891 {20 \"232100-0172\"} 10000.00\r\n"),
        "a refund is never on the appropriation:\n{text_2026}"
    );

    // Both years together are the programme year's ledger, account by account.
    let mut totals: BTreeMap<u32, Decimal> = BTreeMap::new();
    for read in [read_2025, read_2026] {
        for (account, sum) in &read.totals {
            *totals.entry(*account).or_default() += *sum;
        }
    }
    let total = |account: u32| totals.get(&account).copied().unwrap_or_default();
    assert_eq!(total(PAYOUTS), paid_out);
    assert_eq!(total(REPAYMENTS), -received);
    assert_eq!(total(REFUNDS), refunded);
    assert_eq!(total(APPROPRIATION), repaid - requisitioned);
    assert_eq!(
        total(BANK),
        requisitioned - paid_out + received - refunded - repaid
    );
    assert_eq!(totals.len(), 5);

    // A period: March 2026 holds the repayment to Kammarkollegiet alone.
    let (status, disposition, bytes) =
        download(&admin, "ar=2026&fran=2026-03-01&till=2026-03-31").await;
    assert_eq!(status, StatusCode::OK);
    assert!(disposition.contains("2026-03-31.si"), "{disposition}");
    let march_only = read_back(&bytes);
    assert_eq!(
        march_only.vouchers,
        vec![(
            "Återbetalning till Kammarkollegiet, medel 2025".to_string(),
            Decimal::ZERO
        )]
    );
    assert_eq!(march_only.totals.get(&APPROPRIATION), Some(&repaid));
    // Voucher numbers follow the day, not the file: the period's voucher has the number the
    // year's file gave it, and no number is in both years' files.
    assert_eq!(march_only.numbers, vec![260_310_001]);
    assert!(
        read_2026.numbers.contains(&260_310_001),
        "{:?}",
        read_2026.numbers
    );
    assert!(
        read_2025
            .numbers
            .iter()
            .all(|n| !read_2026.numbers.contains(n)),
        "{:?} {:?}",
        read_2025.numbers,
        read_2026.numbers
    );
    assert_eq!(
        march_only.fiscal_year,
        Some((2026, 2026)),
        "the whole year's #RAR"
    );
    // A day outside the year comes back beside its field, as typed.
    let wrong = admin
        .get("/admin/bokforing/sie?ar=2026&fran=2025-12-01&till=")
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(wrong.select("#fran-error").len(), 1);
    assert_eq!(wrong.attr("#fran", "value").as_deref(), Some("2025-12-01"));

    assert_eq!(app.audit_count("ledger.settings_saved").await, 1);
    assert_eq!(app.audit_count("ledger.exported").await, 3);
}
