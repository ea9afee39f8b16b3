//! One table says who may use every route, and one test holds the app to it. The routes
//! are read from the router's source, so a route added without an entry in the table
//! fails here by name, and an entry for a route that is gone fails too. Every route is
//! tried by no one, by a login halfway (password given, second step not), by each role,
//! by a coordinator of the case's own organisation and of another, and by an approver who
//! prepared the payout, with real cases; every POST also without and with a wrong CSRF
//! token. Every form is filled in right: refusals change nothing, and every form is carried
//! out by someone allowed (one that only shows what another will do is served, changing
//! nothing).
//!
//! Run alone with `cargo test --test it routes`. Latest result, as last counted: 259
//! method × path pairs (every `.route(` in `src/`), about 3 270 requests, every refusal
//! changing nothing.

use std::{
    collections::{BTreeMap, BTreeSet},
    path::Path,
    sync::Arc,
};

use digikoord::auth::{Role, token::hash as hash_token};
use reqwest::{StatusCode, header};
use scraper::{Html, Selector};
use uuid::Uuid;

use crate::{
    TestApp,
    steps::{
        Case, STOCKHOLM, approve_report, fill_in_everything, on, org_id, paid, paid_in, register,
        start_report, submit_report,
    },
};

// ---- The table ----

/// Who may use a route.
#[derive(Clone, Copy, Debug)]
enum Access {
    /// Served before sessions are looked at: the health check and the assets.
    Always,
    /// Anyone; a login halfway through is sent on to its second step first.
    Public,
    /// Anyone, a login halfway through too: logging in and out.
    Login,
    /// Only a login halfway through; anyone else is sent to log in.
    SecondStep,
    /// Anyone logged in.
    LoggedIn,
    /// These roles, whoever's the case is.
    Roles(&'static [Role]),
    /// The coordinator of the case's own organisation (another organisation's gets 404, as
    /// if the case did not exist), and these staff roles.
    Own(&'static [Role]),
}
use Access::*;

const GET: &str = "GET";
const POST: &str = "POST";

const STAFF: &[Role] = &[Role::CaseOfficer, Role::Approver, Role::Admin];
const REGIONS: &[Role] = &[Role::Coordinator];
const OFFICER: &[Role] = &[Role::CaseOfficer];
const APPROVER: &[Role] = &[Role::Approver];
const PAYERS: &[Role] = &[Role::CaseOfficer, Role::Approver];
const ADMIN: &[Role] = &[Role::Admin];
const ORGANISERS: &[Role] = &[Role::CaseOfficer, Role::Admin];
const NO_STAFF: &[Role] = &[];

/// Every route the router has, and who may use it.
const TABLE: &[(&str, &str, Access)] = &[
    (GET, "/healthz", Always),
    (GET, "/static/{*path}", Always),
    (GET, "/", LoggedIn),
    // Logging in, out, and the second step.
    (GET, "/logga-in", Login),
    (POST, "/logga-in", Login),
    (POST, "/logga-ut", Login),
    (GET, "/logga-in/kod", SecondStep),
    (POST, "/logga-in/kod", SecondStep),
    (GET, "/logga-in/aktivera-tvastegsverifiering", SecondStep),
    (POST, "/logga-in/aktivera-tvastegsverifiering", SecondStep),
    (GET, "/logga-in/sso/{key}", Public),
    (GET, "/logga-in/sso/{key}/svar", Public),
    (GET, "/logga-in/sso/bekrafta", Public),
    (POST, "/logga-in/sso/bekrafta", Public),
    (GET, "/admin/inloggning", Roles(ADMIN)),
    (POST, "/admin/inloggning", Roles(ADMIN)),
    (POST, "/admin/inloggning/{id}", Roles(ADMIN)),
    (POST, "/admin/inloggning/{id}/stang-av", Roles(ADMIN)),
    (
        POST,
        "/admin/inloggning/andringar/{id}/bekrafta",
        Roles(ADMIN),
    ),
    (POST, "/admin/inloggning/andringar/{id}/neka", Roles(ADMIN)),
    (
        POST,
        "/admin/inloggning/kopplingar/{id}/bekrafta",
        Roles(ADMIN),
    ),
    (
        POST,
        "/admin/inloggning/kopplingar/{id}/ta-bort",
        Roles(ADMIN),
    ),
    (GET, "/glomt-losenord", Public),
    (POST, "/glomt-losenord", Public),
    (GET, "/losenord/{token}", Public),
    (POST, "/losenord/{token}", Public),
    (GET, "/sessioner", LoggedIn),
    (POST, "/sessioner/logga-ut-overallt", LoggedIn),
    // *Fortsätt vara inloggad*: renews the session, 204.
    (GET, "/sessionen/fortsatt", LoggedIn),
    (GET, "/tvastegsverifiering", LoggedIn),
    (POST, "/tvastegsverifiering", LoggedIn),
    // Calendar: the feed's link carries its own token.
    (GET, "/kalender", LoggedIn),
    (POST, "/kalender", LoggedIn),
    (GET, "/kalender/{file}", Public),
    // Programme.
    (GET, "/program", Public),
    (GET, "/admin/program/perioder/ny", Roles(ADMIN)),
    (POST, "/admin/program/perioder/ny", Roles(ADMIN)),
    (GET, "/admin/program/perioder/{id}", Roles(ADMIN)),
    (POST, "/admin/program/perioder/{id}", Roles(ADMIN)),
    (POST, "/admin/program/perioder/{id}/aktorer", Roles(ADMIN)),
    (
        GET,
        "/admin/program/perioder/{id}/aktorer/{org}/ta-bort",
        Roles(ADMIN),
    ),
    (
        POST,
        "/admin/program/perioder/{id}/aktorer/{org}/ta-bort",
        Roles(ADMIN),
    ),
    (GET, "/admin/program/ar/{year}", Roles(ADMIN)),
    (POST, "/admin/program/ar/{year}", Roles(ADMIN)),
    (GET, "/admin/organisationer", Roles(ADMIN)),
    (POST, "/admin/organisationer", Roles(ADMIN)),
    // Requisitions: a coordinator files their own organisation's. The forms are sent in the
    // table's order: the region's returned requisition is changed, withdrawn, and filed anew.
    (GET, "/rekvisitioner/{id}", Own(STAFF)),
    (GET, "/rekvisitioner/{id}/andra", Own(NO_STAFF)),
    (POST, "/rekvisitioner/{id}/andra", Own(NO_STAFF)),
    (GET, "/rekvisitioner/{id}/kvitto", Own(STAFF)),
    (POST, "/rekvisitioner/{id}/bilagor", Own(NO_STAFF)),
    (GET, "/rekvisitioner/{id}/bilagor/{attachment}", Own(STAFF)),
    (
        POST,
        "/rekvisitioner/{id}/bilagor/{attachment}/ta-bort",
        Own(NO_STAFF),
    ),
    (POST, "/rekvisitioner/{id}/meddelanden", Own(STAFF)),
    (GET, "/rekvisitioner/{id}/aterkalla", Own(NO_STAFF)),
    (POST, "/rekvisitioner/{id}/aterkalla", Own(NO_STAFF)),
    (GET, "/rekvisitioner/ny", Roles(REGIONS)),
    (POST, "/rekvisitioner/ny", Roles(REGIONS)),
    (GET, "/rekvisitioner/{id}/godkann", Roles(OFFICER)),
    (POST, "/rekvisitioner/{id}/godkann", Roles(OFFICER)),
    (GET, "/rekvisitioner/{id}/komplettering", Roles(OFFICER)),
    (POST, "/rekvisitioner/{id}/komplettering", Roles(OFFICER)),
    (GET, "/rekvisitioner/{id}/avslag", Roles(OFFICER)),
    (POST, "/rekvisitioner/{id}/avslag", Roles(OFFICER)),
    (GET, "/handlaggning/rekvisitioner", Roles(STAFF)),
    (GET, "/handlaggning/forlangningar", Roles(STAFF)),
    (POST, "/handlaggning/forlangningar", Roles(OFFICER)),
    (
        POST,
        "/handlaggning/forlangningar/aterkalla",
        Roles(OFFICER),
    ),
    (
        GET,
        "/handlaggning/forlangningar/{year}/{organisation}/{deadline}/andra",
        Roles(OFFICER),
    ),
    (
        POST,
        "/handlaggning/forlangningar/{year}/{organisation}/{deadline}/andra",
        Roles(OFFICER),
    ),
    (GET, "/attest", Roles(STAFF)),
    (GET, "/utbetalningar/{id}/attestera", Roles(APPROVER)),
    (POST, "/utbetalningar/{id}/attestera", Roles(APPROVER)),
    (GET, "/utbetalningar/{id}/skicka-tillbaka", Roles(APPROVER)),
    (POST, "/utbetalningar/{id}/skicka-tillbaka", Roles(APPROVER)),
    (GET, "/utbetalningar/{id}/utbetald", Roles(PAYERS)),
    (POST, "/utbetalningar/{id}/utbetald", Roles(PAYERS)),
    // Reports: written by the region, decided by a case officer. In the table's order the
    // region's correction is written, submitted, approved, and corrected again.
    (POST, "/redovisningar/ny", Roles(REGIONS)),
    (GET, "/redovisningar/{id}", Own(STAFF)),
    (GET, "/redovisningar/{id}/kontrollera", Own(NO_STAFF)),
    (GET, "/redovisningar/{id}/uppdrag", Own(NO_STAFF)),
    (POST, "/redovisningar/{id}/uppdrag", Own(NO_STAFF)),
    (GET, "/redovisningar/{id}/aktiviteter", Own(NO_STAFF)),
    (POST, "/redovisningar/{id}/aktiviteter", Own(NO_STAFF)),
    // Changed before it is removed.
    (
        GET,
        "/redovisningar/{id}/aktiviteter/{activity}/andra",
        Own(NO_STAFF),
    ),
    (
        POST,
        "/redovisningar/{id}/aktiviteter/{activity}/andra",
        Own(NO_STAFF),
    ),
    (
        GET,
        "/redovisningar/{id}/aktiviteter/{activity}/ta-bort",
        Own(NO_STAFF),
    ),
    (
        POST,
        "/redovisningar/{id}/aktiviteter/{activity}/ta-bort",
        Own(NO_STAFF),
    ),
    (GET, "/redovisningar/{id}/analys", Own(NO_STAFF)),
    (POST, "/redovisningar/{id}/analys", Own(NO_STAFF)),
    (GET, "/redovisningar/{id}/ekonomi", Own(NO_STAFF)),
    (POST, "/redovisningar/{id}/ekonomi", Own(NO_STAFF)),
    (GET, "/redovisningar/{id}/bilagor", Own(NO_STAFF)),
    (POST, "/redovisningar/{id}/bilagor", Own(NO_STAFF)),
    (GET, "/redovisningar/{id}/bilagor/{attachment}", Own(STAFF)),
    (
        POST,
        "/redovisningar/{id}/bilagor/{attachment}/ta-bort",
        Own(NO_STAFF),
    ),
    (POST, "/redovisningar/{id}/meddelanden", Own(STAFF)),
    (POST, "/redovisningar/{id}/skicka-in", Own(NO_STAFF)),
    (GET, "/redovisningar/{id}/kvitto", Own(STAFF)),
    (POST, "/redovisningar/{id}/godkann", Roles(OFFICER)),
    (GET, "/redovisningar/{id}/komplettering", Roles(OFFICER)),
    (POST, "/redovisningar/{id}/komplettering", Roles(OFFICER)),
    (POST, "/redovisningar/{id}/ny-version", Own(NO_STAFF)),
    (GET, "/handlaggning/redovisningar", Roles(STAFF)),
    // Repayments: paid by the region, confirmed and refunded by Tillväxtverket.
    (GET, "/aterbetalningar/{year}/{org}", Own(STAFF)),
    (
        POST,
        "/aterbetalningar/{year}/{org}/betalningar",
        Own(NO_STAFF),
    ),
    (
        POST,
        "/aterbetalningar/{year}/{org}/meddelanden",
        Own(STAFF),
    ),
    (GET, "/aterbetalningar/arende/{case}", Own(STAFF)),
    (
        GET,
        "/aterbetalningar/betalningar/{id}/bekrafta",
        Roles(OFFICER),
    ),
    (
        POST,
        "/aterbetalningar/betalningar/{id}/bekrafta",
        Roles(OFFICER),
    ),
    (
        GET,
        "/aterbetalningar/betalningar/{id}/andra",
        Own(NO_STAFF),
    ),
    (
        POST,
        "/aterbetalningar/betalningar/{id}/andra",
        Own(NO_STAFF),
    ),
    (
        GET,
        "/aterbetalningar/betalningar/{id}/ta-bort",
        Own(NO_STAFF),
    ),
    (
        POST,
        "/aterbetalningar/betalningar/{id}/ta-bort",
        Own(NO_STAFF),
    ),
    (
        POST,
        "/aterbetalningar/{year}/{org}/tillbakabetalningar",
        Roles(OFFICER),
    ),
    (
        GET,
        "/aterbetalningar/tillbakabetalningar/{id}/attestera",
        Roles(APPROVER),
    ),
    (
        POST,
        "/aterbetalningar/tillbakabetalningar/{id}/attestera",
        Roles(APPROVER),
    ),
    (
        POST,
        "/aterbetalningar/tillbakabetalningar/{id}/skicka-tillbaka",
        Roles(APPROVER),
    ),
    (
        POST,
        "/aterbetalningar/tillbakabetalningar/{id}/betald",
        Roles(PAYERS),
    ),
    (GET, "/handlaggning/aterbetalningar", Roles(STAFF)),
    // The bank's files: staff look, a case officer reads one in and decides each payment.
    (GET, "/handlaggning/bank", Roles(STAFF)),
    (POST, "/handlaggning/bank", Roles(OFFICER)),
    (GET, "/handlaggning/bank/betalningar/{id}", Roles(OFFICER)),
    (
        POST,
        "/handlaggning/bank/betalningar/{id}/bekrafta",
        Roles(OFFICER),
    ),
    (
        POST,
        "/handlaggning/bank/betalningar/{id}/avvisa",
        Roles(OFFICER),
    ),
    // The payment file to the bank: staff look, a case officer checks a batch and makes its
    // file, an administrator sets who pays.
    (GET, "/handlaggning/bank/betalningsfil", Roles(STAFF)),
    (POST, "/handlaggning/bank/betalningsfil", Roles(OFFICER)),
    (
        POST,
        "/handlaggning/bank/betalningsfil/skapa",
        Roles(OFFICER),
    ),
    (
        POST,
        "/handlaggning/bank/betalningsfil/avsandare",
        Roles(ADMIN),
    ),
    (GET, "/handlaggning/bank/betalningsfiler/{id}", Roles(STAFF)),
    (GET, "/konto", Roles(STAFF)),
    (POST, "/konto/{year}", Roles(ADMIN)),
    (POST, "/konto/{year}/dokument", Roles(ADMIN)),
    (POST, "/konto/dokument/{id}/inlamnad", Roles(ADMIN)),
    // Bookkeeping: the account plan and the SIE file.
    (GET, "/admin/bokforing", Roles(ADMIN)),
    (POST, "/admin/bokforing", Roles(ADMIN)),
    (GET, "/admin/bokforing/sie", Roles(ADMIN)),
    // The yearly summary, its exports, the history and open data.
    (GET, "/oversikt", Roles(STAFF)),
    (GET, "/sammanstallning", Roles(STAFF)),
    (POST, "/sammanstallning/{year}/avsnitt", Roles(ADMIN)),
    (POST, "/sammanstallning/{year}/exporter", Roles(ADMIN)),
    (GET, "/sammanstallning/exporter/{id}", Roles(ADMIN)),
    (GET, "/sammanstallning/{year}/utkast/{format}", Roles(ADMIN)),
    (GET, "/sammanstallning/exporter/{id}/inlamnad", Roles(ADMIN)),
    (
        POST,
        "/sammanstallning/exporter/{id}/inlamnad",
        Roles(ADMIN),
    ),
    (GET, "/admin/referensranta", Roles(ADMIN)),
    (POST, "/admin/referensranta", Roles(ADMIN)),
    (
        POST,
        "/aterbetalningar/{year}/{org}/drojsmalsranta",
        Roles(OFFICER),
    ),
    (
        GET,
        "/handlaggning/aterbetalningar/{year}/drojsmalsranta.csv",
        Roles(STAFF),
    ),
    (GET, "/admin/historik", Roles(ADMIN)),
    (POST, "/admin/historik", Roles(ADMIN)),
    (GET, "/admin/historik/{id}", Roles(ADMIN)),
    (POST, "/admin/historik/{id}/las-in", Roles(ADMIN)),
    (GET, "/admin/historik/filer/{name}", Roles(ADMIN)),
    (GET, "/oversikt/alla-ar", Roles(STAFF)),
    (GET, "/oversikt/prognos", Roles(STAFF)),
    (GET, "/oppna-data", Public),
    (GET, "/tillganglighet", Public),
    (GET, "/oppna-data/{file}", Public),
    // Users and roles.
    (GET, "/admin/anvandare", Roles(ADMIN)),
    (GET, "/admin/anvandare/ny", Roles(ADMIN)),
    (POST, "/admin/anvandare/ny", Roles(ADMIN)),
    (GET, "/admin/anvandare/{id}", Roles(ADMIN)),
    (POST, "/admin/anvandare/{id}", Roles(ADMIN)),
    (GET, "/admin/anvandare/{id}/inaktivera", Roles(ADMIN)),
    (POST, "/admin/anvandare/{id}/inaktivera", Roles(ADMIN)),
    (POST, "/admin/anvandare/{id}/aktivera", Roles(ADMIN)),
    (POST, "/admin/anvandare/{id}/losenordslank", Roles(ADMIN)),
    (
        POST,
        "/admin/anvandare/{id}/tvastegsverifiering/aterstall",
        Roles(ADMIN),
    ),
    (GET, "/admin/behorigheter", Roles(ADMIN)),
    (POST, "/admin/behorigheter/{id}/bekrafta", Roles(ADMIN)),
    (POST, "/admin/behorigheter/{id}/neka", Roles(ADMIN)),
    (
        POST,
        "/admin/behorigheter/andringar/{id}/bekrafta",
        Roles(ADMIN),
    ),
    (
        POST,
        "/admin/behorigheter/andringar/{id}/neka",
        Roles(ADMIN),
    ),
    (GET, "/admin/logg", Roles(ADMIN)),
    (GET, "/admin/logg/export.csv", Roles(ADMIN)),
    // Mail.
    (GET, "/meddelanden", LoggedIn),
    (GET, "/meddelanden/e-post", LoggedIn),
    (POST, "/meddelanden/paminnelser", LoggedIn),
    (GET, "/admin/meddelanden", Roles(ADMIN)),
    (POST, "/admin/meddelanden/{id}/skicka-igen", Roles(ADMIN)),
    (POST, "/admin/meddelanden/paminnelsedagar", Roles(ADMIN)),
    // The network: a coordinator keeps their own entry, Tillväxtverket the events.
    (GET, "/natverk", LoggedIn),
    (GET, "/natverk/export.csv", LoggedIn),
    (GET, "/natverk/export.vcf", LoggedIn),
    (GET, "/natverk/kontakter/ny", Roles(ADMIN)),
    (POST, "/natverk/kontakter/ny", Roles(ADMIN)),
    (GET, "/natverk/kontakter/{id}", Own(ADMIN)),
    (POST, "/natverk/kontakter/{id}", Own(ADMIN)),
    (POST, "/natverk/kontakter/{id}/ta-bort", Roles(ADMIN)),
    (GET, "/natverk/tillvaxtverket", Roles(ADMIN)),
    (POST, "/natverk/tillvaxtverket", Roles(ADMIN)),
    (GET, "/natverk/traffar", LoggedIn),
    (GET, "/natverk/traffar/ny", Roles(ORGANISERS)),
    (POST, "/natverk/traffar/ny", Roles(ORGANISERS)),
    (GET, "/natverk/traffar/{id}", LoggedIn),
    (GET, "/natverk/traffar/{id}/redigera", Roles(ORGANISERS)),
    (POST, "/natverk/traffar/{id}/redigera", Roles(ORGANISERS)),
    (POST, "/natverk/traffar/{id}/bilagor", Roles(ORGANISERS)),
    (GET, "/natverk/traffar/{id}/bilagor/{document}", LoggedIn),
    (
        POST,
        "/natverk/traffar/{id}/bilagor/{document}/ta-bort",
        Roles(ORGANISERS),
    ),
    (POST, "/natverk/traffar/{id}/stall-in", Roles(ORGANISERS)),
    (
        POST,
        "/natverk/traffar/{id}/anmalan",
        Roles(&[Role::Coordinator, Role::CaseOfficer, Role::Admin]),
    ),
    (
        POST,
        "/natverk/traffar/{id}/anmalan/{registration}/ta-bort",
        Own(ORGANISERS),
    ),
    (POST, "/natverk/traffar/{id}/narvaro", Roles(ORGANISERS)),
    // Decision records, and a case's documents as PDF/A (kept before: no LibreOffice here).
    (GET, "/beslut", LoggedIn),
    (GET, "/beslut/{id}", Own(STAFF)),
    (GET, "/beslut/{id}/pdf", Own(STAFF)),
    (GET, "/dokument/kvitto/{id}/pdf", Own(STAFF)),
    (GET, "/dokument/redovisning/{id}/pdf", Own(STAFF)),
    // The region's signatory confirms, sends back, or the region takes back what another of
    // its coordinators prepared: a case of its own waiting for each.
    (GET, "/firmatecknare", Roles(REGIONS)),
    (GET, "/firmatecknare/rekvisition/{id}", Own(NO_STAFF)),
    (
        POST,
        "/firmatecknare/rekvisition/{id}/bekrafta",
        Own(NO_STAFF),
    ),
    (
        POST,
        "/firmatecknare/rekvisition/{id}/atersand",
        Own(NO_STAFF),
    ),
    (
        POST,
        "/firmatecknare/rekvisition/{id}/ta-tillbaka",
        Own(NO_STAFF),
    ),
    (GET, "/firmatecknare/redovisning/{id}", Own(NO_STAFF)),
    (
        POST,
        "/firmatecknare/redovisning/{id}/bekrafta",
        Own(NO_STAFF),
    ),
    (
        POST,
        "/firmatecknare/redovisning/{id}/atersand",
        Own(NO_STAFF),
    ),
    (
        POST,
        "/firmatecknare/redovisning/{id}/ta-tillbaka",
        Own(NO_STAFF),
    ),
    // The registrar's diarienummer, and the administrator's number series.
    (GET, "/registratur", Roles(STAFF)),
    (POST, "/registratur/registrera", Roles(ORGANISERS)),
    (POST, "/registratur/andra", Roles(ORGANISERS)),
    (GET, "/admin/diarium", Roles(ADMIN)),
    (POST, "/admin/diarium", Roles(ADMIN)),
    // Requests for public documents: staff look, case officers and administrators act.
    (GET, "/handlaggning/utlamnande", Roles(STAFF)),
    (GET, "/handlaggning/utlamnande/ny", Roles(ORGANISERS)),
    (POST, "/handlaggning/utlamnande/ny", Roles(ORGANISERS)),
    (GET, "/handlaggning/utlamnande/{id}", Roles(STAFF)),
    (
        GET,
        "/handlaggning/utlamnande/{id}/dokument/{n}",
        Roles(ORGANISERS),
    ),
    (
        POST,
        "/handlaggning/utlamnande/{id}/dokument/{n}",
        Roles(ORGANISERS),
    ),
    (
        GET,
        "/handlaggning/utlamnande/{id}/paket",
        Roles(ORGANISERS),
    ),
    (
        GET,
        "/handlaggning/utlamnande/{id}/avsluta",
        Roles(ORGANISERS),
    ),
    (
        POST,
        "/handlaggning/utlamnande/{id}/avsluta",
        Roles(ORGANISERS),
    ),
    // Retention: the classes, a run proposed by one administrator and confirmed or cancelled
    // by another, and the legal holds.
    (GET, "/admin/gallring", Roles(ADMIN)),
    (GET, "/admin/gallring/klasser", Roles(ADMIN)),
    (POST, "/admin/gallring/klasser", Roles(ADMIN)),
    (POST, "/admin/gallring/forslag", Roles(ADMIN)),
    (GET, "/admin/gallring/spar", Roles(ADMIN)),
    (POST, "/admin/gallring/spar", Roles(ADMIN)),
    (GET, "/admin/gallring/spar/{id}/hav", Roles(ADMIN)),
    (POST, "/admin/gallring/spar/{id}/hav", Roles(ADMIN)),
    (GET, "/admin/gallring/{run}", Roles(ADMIN)),
    (POST, "/admin/gallring/{run}/bekrafta", Roles(ADMIN)),
    (POST, "/admin/gallring/{run}/avbryt", Roles(ADMIN)),
    // Personal data: extracts, the record of processing, anonymising shut accounts.
    (GET, "/admin/personuppgifter", Roles(ADMIN)),
    (GET, "/admin/personuppgifter/behandlingar", Roles(ADMIN)),
    (GET, "/admin/personuppgifter/anonymisering", Roles(ADMIN)),
    (POST, "/admin/personuppgifter/anonymisering", Roles(ADMIN)),
    (
        GET,
        "/admin/personuppgifter/anonymisering/bekrafta",
        Roles(ADMIN),
    ),
    (
        POST,
        "/admin/personuppgifter/anonymisering/bekrafta",
        Roles(ADMIN),
    ),
    (GET, "/admin/personuppgifter/kontakt", Roles(ADMIN)),
    (GET, "/admin/personuppgifter/kontakt/json", Roles(ADMIN)),
    (GET, "/admin/personuppgifter/{id}", Roles(ADMIN)),
    (GET, "/admin/personuppgifter/{id}/json", Roles(ADMIN)),
    // The archive packages of closed years.
    (GET, "/admin/arkiv", Roles(ADMIN)),
    (GET, "/admin/arkiv/ar/{year}", Roles(ADMIN)),
    (POST, "/admin/arkiv/ar/{year}", Roles(ADMIN)),
    (GET, "/admin/arkiv/{id}", Roles(ADMIN)),
    // The benchmark's yardstick (served here: the test turns BENCH_CEILING on).
    (GET, "/bench/ceiling", LoggedIn),
];

/// The routes that take a file (multipart, with the CSRF token in the query).
const UPLOADS: [&str; 5] = [
    "/rekvisitioner/{id}/bilagor",
    "/redovisningar/{id}/bilagor",
    "/natverk/traffar/{id}/bilagor",
    "/admin/historik",
    "/handlaggning/bank",
];

/// What the uploads send: a history sheet to the import (an actor-year not imported), a
/// BgMax file of one payment to Tillväxtverket's bankgiro (before the matrix's day, not yet
/// read in) to the bank, a small PDF to the rest.
fn file_for(pattern: &str) -> (&'static str, Vec<u8>) {
    if pattern == "/admin/historik" {
        ("historik.csv", history_sheet(HISTORY_ROW))
    } else if pattern == "/handlaggning/bank" {
        let file = crate::bank::bgmax(
            "20260415",
            &[crate::bank::Paid {
                sender: "0001234566",
                reference: "Matris",
                ore: 123_400,
                serial: 424_242,
                name: "Matrisens region",
            }],
        );
        ("bgmax.txt", file.into_bytes())
    } else {
        (
            "underlag.pdf",
            b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
                .to_vec(),
        )
    }
}

const HISTORY_ROW: &str = "2019;Region Skåne;;1 000 000;1 000 000;2019-04-01;850 000;150 000;150 000;2020-02-20;2020-01-15";

/// A history sheet as the import's template has it: the header, then the row.
fn history_sheet(row: &str) -> Vec<u8> {
    let header = digikoord::history::model::COLUMNS.join(";");
    format!("\u{feff}{header}\r\n{row}\r\n").into_bytes()
}

/// Where an approver is refused a case of their own: approving the payout or refund they
/// prepared themselves (four eyes).
const FOUR_EYES: [&str; 2] = [
    "/utbetalningar/{id}/attestera",
    "/aterbetalningar/tillbakabetalningar/{id}/attestera",
];

/// The forms no request of the matrix may carry out; each is proven where it can be.
const NOT_PROVEN_HERE: [&str; 5] = [
    // A right password would sign the matrix's anonymous browser in: auth.rs.
    "/logga-in",
    // The right code would finish the halfway login: two_factor.rs.
    "/logga-in/kod",
    // Enrols a login without a second factor; the halfway one has one: two_factor.rs.
    "/logga-in/aktivera-tvastegsverifiering",
    // Confirms a provider's sign-in waiting in the browser, which needs a provider: sso.rs.
    "/logga-in/sso/bekrafta",
    // Starts making a closed year's archive package, which needs LibreOffice on the server
    // (the matrix runs without it) and builds in the background; the matrix's year is not
    // closed, so it is served as refused (409): archive.rs.
    "/admin/arkiv/ar/{year}",
];

/// The forms that only show what another form will do, and write nothing: each is carried
/// out by being served as done (a page without a form error) with nothing changed.
const ONLY_SHOWN: [&str; 1] = [
    // The ticked batch checked and the file to be made shown; `/skapa` makes it.
    "/handlaggning/bank/betalningsfil",
];

/// Tables a refused request may still touch: a session's last-seen time (once a minute).
const MAY_CHANGE: [&str; 1] = ["sessions"];

// ---- Reading the router ----

/// A token of Rust source, as much as reading routes needs: comments and whitespace are
/// dropped, string literals (raw ones too) kept whole.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Tok {
    Word(String),
    Str(String),
    Punct(char),
}

fn tokens(text: &str) -> Vec<Tok> {
    let c: Vec<char> = text.chars().collect();
    let at = |k: usize| c.get(k).copied().unwrap_or('\0');
    let mut out = Vec::new();
    let mut i = 0;
    while i < c.len() {
        let start = i;
        match c[i] {
            ch if ch.is_whitespace() => i += 1,
            '/' if at(i + 1) == '/' => {
                while i < c.len() && c[i] != '\n' {
                    i += 1;
                }
            }
            '/' if at(i + 1) == '*' => {
                let mut depth = 0;
                loop {
                    match (at(i), at(i + 1)) {
                        ('/', '*') => depth += 1,
                        ('*', '/') => depth -= 1,
                        ('\0', _) => break,
                        _ => {
                            i += 1;
                            continue;
                        }
                    }
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                }
            }
            '"' => {
                i += 1;
                while i < c.len() && c[i] != '"' {
                    i += if c[i] == '\\' { 2 } else { 1 };
                }
                i += 1;
                out.push(Tok::Str(c[start + 1..i - 1].iter().collect()));
            }
            // A char literal ('x', '\n'); otherwise the quote of a lifetime.
            '\'' if at(i + 1) == '\\' || at(i + 2) == '\'' => {
                // Past the quote, and the escape's backslash and first char if any.
                i += if at(i + 1) == '\\' { 3 } else { 2 };
                while i < c.len() && c[i] != '\'' {
                    i += 1;
                }
                i += 1;
            }
            ch if ch.is_alphanumeric() || ch == '_' => {
                while at(i).is_alphanumeric() || at(i) == '_' {
                    i += 1;
                }
                let word: String = c[start..i].iter().collect();
                let hashes = c[i..].iter().take_while(|&&h| h == '#').count();
                if (word == "r" || word == "br") && at(i + hashes) == '"' {
                    // A raw string: up to a quote followed by as many hashes.
                    let body = i + hashes + 1;
                    let mut end = body;
                    while end < c.len()
                        && !(c[end] == '"' && c[end + 1..].starts_with(&c[i..i + hashes]))
                    {
                        end += 1;
                    }
                    out.push(Tok::Str(c[body..end.min(c.len())].iter().collect()));
                    i = end + 1 + hashes;
                } else {
                    out.push(Tok::Word(word));
                }
            }
            ch => {
                out.push(Tok::Punct(ch));
                i += 1;
            }
        }
    }
    out
}

fn punct(t: Option<&Tok>, ch: char) -> bool {
    t == Some(&Tok::Punct(ch))
}

/// Just past the bracket that closes the one at `open`.
fn past_closing(t: &[Tok], open: usize) -> usize {
    let mut depth = 0;
    for (i, tok) in t.iter().enumerate().skip(open) {
        match tok {
            Tok::Punct('(' | '[' | '{') => depth += 1,
            Tok::Punct(')' | ']' | '}') => {
                depth -= 1;
                if depth == 0 {
                    return i + 1;
                }
            }
            _ => {}
        }
    }
    t.len()
}

/// The tokens without the `#[cfg(test)]` items: a unit test's router is not the app's.
fn without_tests(t: Vec<Tok>) -> Vec<Tok> {
    let marker = tokens("#[cfg(test)]");
    let mut out = Vec::with_capacity(t.len());
    let mut i = 0;
    while i < t.len() {
        if t[i..].starts_with(&marker) {
            let body = (i..t.len())
                .find(|&k| punct(t.get(k), '{') || punct(t.get(k), ';'))
                .unwrap_or(t.len());
            i = if punct(t.get(body), '{') {
                past_closing(&t, body)
            } else {
                body + 1
            };
        } else {
            out.push(t[i].clone());
            i += 1;
        }
    }
    out
}

/// The arguments of the call whose `(` is at `open`, split at its own commas.
fn call_arguments(t: &[Tok], open: usize) -> Vec<&[Tok]> {
    let end = past_closing(t, open) - 1;
    let mut args = Vec::new();
    let mut from = open + 1;
    let mut i = from;
    while i < end {
        if punct(t.get(i), ',') {
            args.push(&t[from..i]);
            from = i + 1;
        }
        i = match t[i] {
            Tok::Punct('(' | '[' | '{') => past_closing(t, i),
            _ => i + 1,
        };
    }
    args.push(&t[from..end]);
    args.retain(|a| !a.is_empty());
    args
}

/// The HTTP methods of a method router like `get(a).post(b).layer(…)`: the names it calls.
fn methods_of(chain: &[Tok], file: &str) -> Vec<String> {
    let mut methods = Vec::new();
    let mut i = 0;
    while i < chain.len() {
        match (&chain[i], chain.get(i + 1)) {
            (Tok::Word(name), Some(Tok::Punct('('))) => {
                match name.as_str() {
                    "get" | "post" | "put" | "patch" | "delete" | "head" | "options" | "trace" => {
                        methods.push(name.to_uppercase())
                    }
                    "layer" | "route_layer" => {}
                    other => panic!("{file}: a route's methods call `{other}(`: read it here"),
                }
                i = past_closing(chain, i + 1);
            }
            _ => i += 1,
        }
    }
    assert!(
        !methods.is_empty(),
        "{file}: a route without a method: {chain:?}"
    );
    methods
}

/// Every `const NAME: &str = "…";` (or `&'static str`) in the code: the values of each name.
fn string_constants(code: &[(String, Vec<Tok>)]) -> BTreeMap<String, BTreeSet<String>> {
    let word = |w: &str| Tok::Word(w.to_string());
    let kinds = [
        vec![Tok::Punct('&'), word("str")],
        vec![
            Tok::Punct('&'),
            Tok::Punct('\''),
            word("static"),
            word("str"),
        ],
    ];
    let mut found = BTreeMap::<String, BTreeSet<String>>::new();
    for (_, t) in code {
        for i in 0..t.len() {
            if let (Some(Tok::Word(c)), Some(Tok::Word(name)), true) =
                (t.get(i), t.get(i + 1), punct(t.get(i + 2), ':'))
                && c == "const"
                && let Some(kind) = kinds.iter().find(|k| t[i + 3..].starts_with(k))
                && punct(t.get(i + 3 + kind.len()), '=')
                && let Some(Tok::Str(value)) = t.get(i + 4 + kind.len())
            {
                found.entry(name.clone()).or_default().insert(value.clone());
            }
        }
    }
    found
}

/// Every `.route(PATH, METHODS)` in `src/` as (method, path), PATH a string literal or a
/// `&str` constant.
fn routes_in_source() -> BTreeSet<(String, String)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let code: Vec<(String, Vec<Tok>)> = files
        .iter()
        .map(|f| {
            let text = std::fs::read_to_string(f).expect("read a source file");
            let name = f.strip_prefix(&src).unwrap_or(f).display().to_string();
            (name, without_tests(tokens(&text)))
        })
        .collect();
    let constants = string_constants(&code);
    let mut routes = BTreeSet::new();
    for (file, t) in &code {
        for args in route_calls(t) {
            assert_eq!(args.len(), 2, "{file}: .route( with {args:?}");
            let path = match args[0] {
                [Tok::Str(path)] => path.clone(),
                [.., Tok::Word(name)] => match constants.get(name) {
                    Some(values) if values.len() == 1 => {
                        values.iter().map(String::as_str).collect()
                    }
                    values => panic!("{file}: the constant {name} has the values {values:?}"),
                },
                other => panic!("{file}: a route's path {other:?}: read it here"),
            };
            for method in methods_of(args[1], file) {
                routes.insert((method, path.clone()));
            }
        }
    }
    routes
}

/// The arguments of every `.route(` call that is a router's. A method of another type named
/// `route` takes one argument (where a region's filing sends it, `filing.route(user)`); the
/// router's takes two, and anything else is a reading to look at.
fn route_calls(t: &[Tok]) -> Vec<Vec<&[Tok]>> {
    (0..t.len())
        .filter(|&i| {
            punct(t.get(i), '.')
                && t.get(i + 1) == Some(&Tok::Word("route".into()))
                && punct(t.get(i + 2), '(')
        })
        .map(|i| call_arguments(t, i + 2))
        .filter(|args| args.len() != 1)
        .collect()
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src").flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn the_router_is_read_through_comments_constants_raw_strings_and_layers() {
    let t = without_tests(tokens(
        r##"
        const HOME: &str = "/hem";
        fn router() {
            Router::new()
                .route("/a", get(a).post(b)) // .route("/commented", get(x))
                .route(HOME, axum::routing::post(c))
                .route(
                    "/c/{id}",
                    post(d)
                        /* Room for a file, (a nested /* comment */). */
                        .layer(Limit::max(32 * (1024)), ')', '\'', '\u{28}'),
                )
                .route(r#"/raw"#, get(e::<'static>))
        }
        fn send(filing: Filing) -> bool { filing.route(user.id()) == Route::ToSignatory }
        #[cfg(test)]
        mod tests { fn t() { Router::new().route("/test-only", get(t)); } }
        "##,
    ));
    let calls = route_calls(&t);
    assert_eq!(calls.len(), 4, "{calls:?}");
    assert_eq!(calls[0][0], [Tok::Str("/a".into())]);
    assert_eq!(calls[3][0], [Tok::Str("/raw".into())]);
    let methods: Vec<Vec<String>> = calls.iter().map(|c| methods_of(c[1], "t")).collect();
    assert_eq!(
        methods,
        [vec!["GET", "POST"], vec!["POST"], vec!["POST"], vec!["GET"]]
    );
    let constants = string_constants(&[("t".into(), t)]);
    assert_eq!(
        constants.get("HOME"),
        Some(&BTreeSet::from(["/hem".to_string()]))
    );
}

// ---- Who asks ----

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Actor {
    Anonymous,
    /// Password given, second step not yet.
    Halfway,
    /// The coordinator of the organisation whose cases the addresses name.
    OwnCoordinator,
    /// A coordinator of another organisation.
    OtherCoordinator,
    CaseOfficer,
    Approver,
    /// An approver who prepared the payout and the refund the addresses name.
    Preparer,
    Admin,
}

impl Actor {
    const ALL: [Actor; 8] = [
        Actor::Anonymous,
        Actor::Halfway,
        Actor::OwnCoordinator,
        Actor::OtherCoordinator,
        Actor::CaseOfficer,
        Actor::Approver,
        Actor::Preparer,
        Actor::Admin,
    ];

    fn role(self) -> Option<Role> {
        match self {
            Actor::Anonymous | Actor::Halfway => None,
            Actor::OwnCoordinator | Actor::OtherCoordinator => Some(Role::Coordinator),
            Actor::CaseOfficer => Some(Role::CaseOfficer),
            Actor::Approver | Actor::Preparer => Some(Role::Approver),
            Actor::Admin => Some(Role::Admin),
        }
    }
}

/// What an answer means for access: served (whatever the handler then said), or one of
/// the ways the app refuses.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Answer {
    Served(StatusCode),
    /// Redirected to log in (`AppError::Unauthenticated`).
    ToLogin,
    /// A login halfway through, sent on to its second step.
    ToSecondStep,
    /// 403 "Ingen behörighet": the role may not.
    Forbidden,
    /// 403 "Inte tillåtet": the role may, but not in this case (four eyes).
    Refused,
    /// 404: not there, or not the user's to see.
    NotFound,
    /// 403: the CSRF token was missing or wrong.
    Csrf,
    /// Anything else refused or broken: a 403 for another reason, a 5xx.
    Other(StatusCode, String),
}

impl Answer {
    /// How the app refuses the actor this route, or `None` when the actor may use it.
    fn refusal(pattern: &str, access: Access, actor: Actor) -> Option<Answer> {
        if actor == Actor::Preparer && FOUR_EYES.contains(&pattern) {
            return Some(Answer::Refused);
        }
        let refused_role = |roles: &[Role]| {
            (!actor.role().is_some_and(|r| roles.contains(&r))).then_some(Answer::Forbidden)
        };
        match (access, actor) {
            (Always, _) => None,
            (Public | Login, Actor::Anonymous) => None,
            (Login | SecondStep, Actor::Halfway) => None,
            (_, Actor::Halfway) => Some(Answer::ToSecondStep),
            (_, Actor::Anonymous) => Some(Answer::ToLogin),
            (Public | Login | LoggedIn, _) => None,
            (SecondStep, _) => Some(Answer::ToLogin),
            (Roles(roles), _) => refused_role(roles),
            (Own(_), Actor::OwnCoordinator) => None,
            (Own(_), Actor::OtherCoordinator) => Some(Answer::NotFound),
            (Own(staff), _) => refused_role(staff),
        }
    }
}

struct Reply {
    status: StatusCode,
    answer: Answer,
    /// Served as done: a page without a form error, or a redirect on.
    done: bool,
    text: String,
}

/// A browser of its own, with the CSRF token its session's forms carry.
struct Browser {
    actor: Actor,
    app: TestApp,
    csrf: String,
}

#[derive(Clone, Copy, Debug)]
enum Token {
    Right,
    Missing,
    Wrong,
    /// The right token and nothing else in the form: who is refused is refused before
    /// the form is read.
    Bare,
}

impl Browser {
    /// Asks for the route's address among the cases, with the fields its forms send.
    async fn send(&self, method: &str, pattern: &str, cases: &Cases, token: Token) -> Reply {
        let path = cases.address(pattern);
        let fields = match token {
            Token::Bare => vec![],
            _ => cases.fields(pattern, self.actor),
        };
        let client = &self.app.client;
        let csrf = match token {
            Token::Right | Token::Bare => Some(self.csrf.clone()),
            Token::Missing => None,
            Token::Wrong => Some("0".repeat(64)),
        };
        let request = if method == GET {
            client.get(self.app.url(&path))
        } else if UPLOADS.contains(&pattern) {
            let mut form = reqwest::multipart::Form::new();
            if !matches!(token, Token::Bare) {
                let (name, bytes) = file_for(pattern);
                form = form.part(
                    "file",
                    reqwest::multipart::Part::bytes(bytes).file_name(name),
                );
            }
            let mut url = self.app.url(&path);
            if let Some(csrf) = csrf {
                url.push_str(&format!("?csrf={csrf}"));
            }
            client.post(url).multipart(form)
        } else {
            let mut form: Vec<(&str, &str)> = fields
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            if let Some(csrf) = &csrf {
                form.push(("csrf", csrf));
            }
            client.post(self.app.url(&path)).form(&form)
        };
        let response = request.send().await.expect("the server answers");
        let status = response.status();
        let location = response
            .headers()
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let flash = response
            .headers()
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .any(|v| v.starts_with("dk_flash=") && !v.starts_with("dk_flash=;"));
        let body = response.text().await.unwrap_or_default();
        // Only a refusal's title is read: parsing every page would cost more than asking.
        let title = if status.is_client_error() || status.is_server_error() {
            Html::parse_document(&body)
                .select(&Selector::parse("h1").expect("selector"))
                .next()
                .map(|h| h.text().collect::<String>().trim().to_string())
                .unwrap_or_default()
        } else {
            String::new()
        };
        let answer = match (status, location.as_deref(), title.as_str()) {
            (s, Some("/logga-in"), _) if s.is_redirection() && !flash => Answer::ToLogin,
            (s, Some("/logga-in/kod" | "/logga-in/aktivera-tvastegsverifiering"), _)
                if s.is_redirection() =>
            {
                Answer::ToSecondStep
            }
            (StatusCode::FORBIDDEN, _, "Ingen behörighet") => Answer::Forbidden,
            (StatusCode::FORBIDDEN, _, "Formuläret kunde inte skickas") => Answer::Csrf,
            (StatusCode::FORBIDDEN, _, "Inte tillåtet") => Answer::Refused,
            // The login page, come back with why a sign-in through a provider did not go
            // through (the provider does not answer, say): served, whatever its status.
            (s, _, "Logga in") if s != StatusCode::NOT_FOUND => Answer::Served(s),
            (StatusCode::NOT_FOUND, _, _) => Answer::NotFound,
            (s, _, t) if s == StatusCode::FORBIDDEN || s.is_server_error() => {
                Answer::Other(s, t.to_string())
            }
            (s, _, _) => Answer::Served(s),
        };
        // A form's page shown again with its errors is served, but nothing was done.
        let done = match answer {
            Answer::Served(s) if s.is_success() => {
                method == POST
                    && Html::parse_document(&body)
                        .select(&Selector::parse(".error-summary, .field-error").expect("selector"))
                        .next()
                        .is_none()
            }
            Answer::Served(s) => s.is_redirection(),
            _ => false,
        };
        let text = format!("{status} {} {title}", location.unwrap_or_default());
        Reply {
            status,
            answer,
            done,
            text,
        }
    }
}

// ---- Real cases to ask about ----

/// What fills each `{param}`: the first rule whose prefix the route's pattern starts with.
/// What a coordinator reaches belongs to Region Stockholm (the own coordinator's), what only
/// staff act on may be any region's; a route that removes something gets a thing of its own
/// to remove, and a decision a case waiting for it.
struct Cases {
    rules: Vec<(&'static str, &'static str, String)>,
    /// What the forms name beside the address.
    stockholm: Uuid,
    skane: Uuid,
    halland: Uuid,
    /// The own coordinator's entry in the directory.
    own_contact: Uuid,
    /// A registration whose attendance is recorded.
    attendee: Uuid,
    /// An organisation to add to the period as an actor.
    new_actor: Uuid,
    /// The address of the user whose account is edited, kept.
    edited_email: String,
    /// The repayment the bank's payment is confirmed against (`2025:<organisation>`).
    bank_case: String,
    /// The approved, unpaid payout the payment file is made of.
    payable_payout: String,
    /// The period's and the programme year's forms as they are saved, sent back.
    period: Vec<(String, String)>,
    year: Vec<(String, String)>,
    /// A case without a diarienummer (kind, year, organisation), and a registered one's entry.
    registry_case: (String, String, String),
    registry_entry: String,
    /// A shut account due to be anonymised.
    privacy_due: String,
}

/// A contact person without an account (the requisitions' contact), whose register extract
/// is asked for by address.
const CONTACT: &str = "karin.ek@matris.example";

impl Cases {
    fn address(&self, pattern: &str) -> String {
        let mut path: Vec<String> = Vec::new();
        for segment in pattern.split('/') {
            let Some(param) = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) else {
                path.push(segment.to_string());
                continue;
            };
            let param = param.trim_start_matches('*');
            let (_, _, value) = self
                .rules
                .iter()
                .find(|(prefix, p, _)| pattern.starts_with(prefix) && *p == param)
                .unwrap_or_else(|| panic!("nothing fills {{{param}}} in {pattern}: add a rule"));
            path.push(value.clone());
        }
        let path = path.join("/");
        // Filing asks for the year in the query; a contact person's extract, for the address.
        if pattern == "/rekvisitioner/ny" {
            format!("{path}?ar=2026")
        } else if pattern.starts_with("/admin/personuppgifter/kontakt") {
            format!("{path}?epost={}", CONTACT.replace('@', "%40"))
        } else {
            path
        }
    }

    /// The fields each POST sends: what a person would type, valid, with the ids a form
    /// carries taken from the cases. Where a form carries an organisation or a person, the
    /// own coordinator names the other organisation, and the other coordinator a person of
    /// the own one: each must act for their own organisation, or not at all.
    fn fields(&self, pattern: &str, actor: Actor) -> Vec<(String, String)> {
        let (stockholm, skane, halland) = (
            self.stockholm.to_string(),
            self.skane.to_string(),
            self.halland.to_string(),
        );
        // Attempts at one address are slowed down: each actor names its own.
        let own_address = format!("{actor:?}@matris.example").to_lowercase();
        let reason = [("reason", "Matrisen skriver ett skäl.")];
        let message = [("body", "Matrisen skriver ett meddelande.")];
        let event = |day| {
            typed(&[
                ("kind", "natverkstraff"),
                ("title", "Matristräff"),
                ("day", day),
                ("starts", "10:00"),
                ("ends", "12:00"),
                ("place", "Stockholm"),
            ])
        };
        match pattern {
            "/logga-in" => typed(&[("email", &own_address), ("password", "fel")]),
            "/glomt-losenord" => typed(&[("email", &own_address)]),
            "/losenord/{token}" => typed(&[
                ("password", NEW_PASSWORD),
                ("password_repeat", NEW_PASSWORD),
            ]),
            // The own coordinator's enrolment was begun with the tests' secret.
            "/tvastegsverifiering" => {
                typed(&[("code", &code_now(crate::two_factor::TEST_TOTP_SECRET))])
            }
            "/admin/inloggning" => typed(&[
                ("key", "matris-tre"),
                ("display_name", "Matrisens tredje konto"),
                ("issuer_url", "https://idp3.matris.example"),
                ("client_id", "digikoord"),
                ("client_secret", "hemligt"),
                ("email_domains", "matris.example"),
                ("active", "on"),
            ]),
            "/admin/inloggning/{id}" => typed(&[
                ("key", "matris"),
                ("display_name", "Matrisens konto"),
                ("issuer_url", "https://matris.example"),
                ("client_id", "digikoord"),
                ("email_domains", "matris.example"),
                ("active", "on"),
            ]),
            "/admin/program/perioder/ny" => typed(&[
                ("decision_number", "Matris 2027"),
                ("decision_date", "2026-04-01"),
                ("title", "Matrisens period"),
                ("ministry", "Finansdepartementet"),
                ("first_year", "2027"),
                ("last_year", "2028"),
                ("tasks", "Matrisens uppgift."),
                ("report_ministry", "Finansdepartementet"),
                ("report_title", "Matrisens redovisning"),
            ]),
            "/admin/program/perioder/{id}" => self.period.clone(),
            "/admin/program/perioder/{id}/aktorer" => {
                typed(&[("organisation_id", &self.new_actor.to_string())])
            }
            "/admin/program/ar/{year}" => self.year.clone(),
            "/admin/organisationer" => typed(&[("name", "Matrisens nya organisation")]),
            "/rekvisitioner/{id}/andra" | "/rekvisitioner/ny" => typed(&REQUISITION),
            "/rekvisitioner/{id}/godkann" => {
                typed(&[("amount", "500 000"), ("planned_date", "2026-04-30")])
            }
            "/rekvisitioner/{id}/komplettering"
            | "/rekvisitioner/{id}/avslag"
            | "/utbetalningar/{id}/skicka-tillbaka"
            | "/redovisningar/{id}/komplettering"
            | "/aterbetalningar/tillbakabetalningar/{id}/skicka-tillbaka"
            | "/handlaggning/bank/betalningar/{id}/avvisa"
            | "/natverk/traffar/{id}/stall-in" => typed(&reason),
            // The signatory answers the version they read (`SIGNATORY_READ`).
            "/firmatecknare/rekvisition/{id}/atersand"
            | "/firmatecknare/redovisning/{id}/atersand" => typed(&[
                ("reason", "Matrisen skriver ett skäl."),
                ("prepared_at", SIGNATORY_READ),
            ]),
            "/rekvisitioner/{id}/meddelanden"
            | "/redovisningar/{id}/meddelanden"
            | "/aterbetalningar/{year}/{org}/meddelanden" => typed(&message),
            "/handlaggning/forlangningar" => typed(&[
                ("ar", "2026"),
                ("organisation_id", &stockholm),
                ("deadline", "report"),
                ("new_deadline", "2027-03-31"),
                ("reason", "Matrisen behöver mer tid."),
                ("basis", "Matrisens medgivande, I2026/00001"),
            ]),
            "/handlaggning/forlangningar/aterkalla" => typed(&[
                ("ar", "2026"),
                ("extension", &format!("{halland}:repayment")),
                ("withdraw_reason", "Matrisen återkallar förlängningen."),
            ]),
            "/handlaggning/forlangningar/{year}/{organisation}/{deadline}/andra" => typed(&[
                ("new_deadline", "2027-04-30"),
                ("reason", "Matrisen behöver ännu mer tid."),
                ("basis", "Matrisens medgivande, I2026/00003"),
                ("change_reason", "Matrisen ändrar förlängningen."),
            ]),
            "/utbetalningar/{id}/utbetald" => typed(&[
                ("paid_date", "2026-04-20"),
                ("amount", "1 000 000"),
                ("voucher_number", "V-MATRIS-1"),
            ]),
            // The year of the own region's paid payout without a report.
            "/redovisningar/ny" => typed(&[("ar", "2024")]),
            "/redovisningar/{id}/uppdrag" => typed(&[
                ("task_1", "Digitaliseringen finns i länets strategi."),
                ("task_2", "Vi driver ett länsnätverk med kommunerna."),
                ("task_3", "Vi har kartlagt e-hälsan i länet."),
                ("task_4", "Vi deltar i Tillväxtverkets nätverksträffar."),
                ("task_5", "Vi har bidragit med underlag till uppföljningen."),
            ]),
            "/redovisningar/{id}/aktiviteter" => typed(&[
                ("title", "Länsträff om AI i offentlig sektor"),
                ("held", "mars 2025"),
                ("goal_innovation", "ja"),
                ("kind", "network_meeting"),
                ("partners", "Länsstyrelsen"),
                ("participants", "85"),
            ]),
            "/redovisningar/{id}/aktiviteter/{activity}/andra" => typed(&[
                ("title", "Länsträff om AI, ändrad"),
                ("held", "april 2025"),
                ("goal_ledning", "ja"),
                ("kind", "network_meeting"),
                ("participants", "40"),
            ]),
            "/redovisningar/{id}/analys" => typed(&[
                (
                    "needs_and_challenges",
                    "Kommunerna behöver stöd i säkerhet.",
                ),
                ("results_and_effects", "Fler kommuner har en plan."),
                ("self_assessment", "yes"),
                ("self_assessment_motivation", "Samverkan har ökat."),
            ]),
            // As much used as in the approved version: the amount owed stays.
            "/redovisningar/{id}/skicka-in" => typed(&[("declaration", "ja")]),
            "/firmatecknare/rekvisition/{id}/bekrafta"
            | "/firmatecknare/redovisning/{id}/bekrafta" => {
                typed(&[("declaration", "ja"), ("prepared_at", SIGNATORY_READ)])
            }
            "/redovisningar/{id}/ekonomi" => typed(&[
                ("cost_personnel", "600 000"),
                ("cost_services", "200 000"),
                ("cost_travel", "50 000"),
                ("cost_other", "73 000"),
            ]),
            "/aterbetalningar/{year}/{org}/betalningar" => typed(&[
                ("paid_on", "2026-04-15"),
                ("amount", "77 000"),
                ("reference", "Matris"),
            ]),
            "/aterbetalningar/betalningar/{id}/andra" => typed(&[
                ("paid_on", "2026-02-02"),
                ("amount", "1 100"),
                ("reference", "Matris rättad"),
            ]),
            "/aterbetalningar/betalningar/{id}/bekrafta" => typed(&[
                ("received_on", "2026-04-16"),
                ("received_amount", "22 000"),
                ("verification_number", "V-MATRIS-2"),
            ]),
            "/aterbetalningar/{year}/{org}/tillbakabetalningar" => {
                typed(&[("amount", "500"), ("planned_date", "2026-04-30")])
            }
            "/aterbetalningar/tillbakabetalningar/{id}/betald" => typed(&[
                ("paid_date", "2026-04-20"),
                ("voucher_number", "V-MATRIS-3"),
            ]),
            "/handlaggning/bank/betalningar/{id}/bekrafta" => {
                typed(&[("fall", &self.bank_case), ("overpayment_checked", "ja")])
            }
            // The matrix's payout is already in its seeded file: made again, knowingly.
            "/handlaggning/bank/betalningsfil" | "/handlaggning/bank/betalningsfil/skapa" => {
                typed(&[("utbetalning", &self.payable_payout), ("again", "ja")])
            }
            "/handlaggning/bank/betalningsfil/avsandare" => typed(&[
                ("debtor_name", "Tillväxtverket"),
                ("org_number", "202100-5026"),
                ("bankgiro", "5050-1055"),
                ("bic", ""),
            ]),
            "/admin/bokforing" => typed(&LEDGER_PLAN),
            "/aterbetalningar/{year}/{org}/drojsmalsranta" => typed(&[
                ("interest_claim", "debitera"),
                ("interest_reason", "Matrisen debiterar räntan."),
                ("confirmed", "ja"),
            ]),
            "/admin/referensranta" => typed(&[("year", "2026"), ("half", "1"), ("rate", "2,00")]),
            "/konto/{year}" => typed(&[
                ("requisitioned", "20 000 000"),
                ("requisitioned_on", "2025-03-10"),
                ("support_costs", "1 500 000"),
            ]),
            "/konto/{year}/dokument" => typed(&[("document", "rekvisition"), ("format", "xlsx")]),
            "/sammanstallning/{year}/avsnitt" => typed(&[
                ("summary", "Matrisens sammanfattning."),
                ("assignment", "Matrisens uppdrag."),
                ("analysis", "Matrisens analys."),
                ("innovation_hubs", "Matrisens innovationsnav."),
                ("digg_views", "Matrisens synpunkter."),
                ("report_date", "2026-03-20"),
                ("case_number", "Dnr 2026/1"),
            ]),
            "/sammanstallning/{year}/exporter" => typed(&[("format", "csv")]),
            "/admin/anvandare/ny" => typed(&[
                ("email", "ny.koordinator@matris.example"),
                ("name", "Ny Koordinator"),
                ("role", "coordinator"),
                ("organisation_id", &halland),
            ]),
            "/admin/anvandare/{id}" => typed(&[
                ("email", &self.edited_email),
                ("name", "Ändrad Koordinator"),
                ("role", "coordinator"),
                ("organisation_id", &halland),
            ]),
            "/meddelanden/paminnelser" => typed(&[("reminders", "on")]),
            "/admin/meddelanden/paminnelsedagar" => typed(&[("days", "14, 3")]),
            "/natverk/kontakter/ny" => typed(&[
                ("name", "Ny Kontakt"),
                ("email", "ny.kontakt@matris.example"),
                ("phone", "08-123 456 78"),
                ("organisation_id", &halland),
            ]),
            "/natverk/kontakter/{id}" => typed(&[
                ("name", "Matris Koordinator"),
                ("title", "Digitaliseringskoordinator"),
                ("email", "matris.koordinator@matris.example"),
                ("phone", "08-123 456 78"),
                ("organisation_id", &skane),
            ]),
            "/natverk/tillvaxtverket" => typed(&[
                ("name", "Matris Handläggare"),
                ("email", "handlaggare@matris.example"),
            ]),
            "/natverk/traffar/ny" => event("2026-05-20"),
            "/natverk/traffar/{id}/redigera" => event("2026-04-20"),
            "/natverk/traffar/{id}/anmalan" => match actor {
                Actor::OwnCoordinator => typed(&[
                    ("organisation", &skane),
                    ("name", "Matris Kollega"),
                    ("email", COLLEAGUE),
                ]),
                Actor::OtherCoordinator => typed(&[
                    ("organisation", &stockholm),
                    ("contact", &self.own_contact.to_string()),
                ]),
                _ => typed(&[
                    ("organisation", &halland),
                    ("name", "Matris Gäst"),
                    ("email", &own_address),
                ]),
            },
            "/natverk/traffar/{id}/narvaro" => {
                vec![(format!("narvaro_{}", self.attendee), "ja".into())]
            }
            "/registratur/registrera" => typed(&[
                ("kind", &self.registry_case.0),
                ("year", &self.registry_case.1),
                ("organisation", &self.registry_case.2),
                ("diarienummer", "Matris 2026-2"),
                ("satt", "skriv"),
            ]),
            "/registratur/andra" => typed(&[
                ("entry", &self.registry_entry),
                ("diarienummer", "Matris 2026-3"),
                ("reason", "Matrisen rättar numret."),
            ]),
            "/admin/diarium" => typed(&[
                ("year", "2026"),
                ("prefix", "Ä"),
                ("next", "42"),
                ("digits", "5"),
            ]),
            "/handlaggning/utlamnande/ny" => typed(&[
                ("ar", "2026"),
                ("organisation_id", &stockholm),
                ("received_on", "2026-04-20"),
                ("requester", ""),
                ("reply_to", "matris@matris.example"),
                ("asked_for", "Matrisens begäran."),
            ]),
            "/handlaggning/utlamnande/{id}/dokument/{n}" => {
                typed(&[("review", "withhold"), ("note", "OSL 21 kap. 1 §")])
            }
            "/handlaggning/utlamnande/{id}/avsluta" => typed(&[("note", "Matrisen avslutar.")]),
            // Sent mail is disposed of once sent: the matrix's old mail is due in a proposal.
            "/admin/gallring/klasser" => typed(&[
                ("kind", "sent_mail"),
                ("class", "when_not_needed"),
                ("years", ""),
                (
                    "basis",
                    "Matrisens informationshanteringsplan 4.2, dnr Matris 2026/1",
                ),
            ]),
            "/admin/gallring/spar" => typed(&[
                ("target", "actor_year"),
                ("year", "2026"),
                ("organisation", &stockholm),
                ("reason", "Matrisens överklagande"),
            ]),
            // The run to confirm lists nothing: no items, and the digest of nothing.
            "/admin/gallring/{run}/bekrafta" => typed(&[
                ("reviewed", "ja"),
                ("items", "0"),
                (
                    "digest",
                    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                ),
            ]),
            "/admin/personuppgifter/anonymisering" => typed(&[("months", "1")]),
            "/admin/personuppgifter/anonymisering/bekrafta" => {
                typed(&[("anvandare", &self.privacy_due)])
            }
            _ => vec![],
        }
    }
}

/// Fields as a form sends them.
fn typed(fields: &[(&str, &str)]) -> Vec<(String, String)> {
    fields
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// A requisition as the region fills it in, saved (its deadline has passed).
const REQUISITION: [(&str, &str); 12] = [
    ("ar", "2026"),
    ("amount", "800 000"),
    ("payment_method", "bankgiro"),
    ("account_number", "5050-1055"),
    ("payment_reference", "Digikoord 2026"),
    ("contact_name", "Karin Ek"),
    ("contact_email", "karin.ek@matris.example"),
    ("contact_phone", "08-123 456 78"),
    ("signatory_name", "Per Lind"),
    ("signatory_title", "Regiondirektör"),
    ("declaration", "ja"),
    ("handling", "spara"),
];

/// An account plan as an administrator types it (the numbers made up), complete: the SIE
/// file can be made.
const LEDGER_PLAN: [(&str, &str); 18] = [
    ("company_name", "Tillväxtverket"),
    ("org_number", "202100-5026"),
    ("voucher_series", "DK"),
    ("payout_account", "8419"),
    ("payout_account_name", "Lämnade bidrag"),
    ("bank_account", "1931"),
    ("bank_account_name", "Avräkning"),
    ("repayment_account", "8490"),
    ("repayment_account_name", "Återbetalda bidrag"),
    ("refund_account", "2891"),
    ("refund_account_name", "Skuld till regioner"),
    ("appropriation_account", "7311"),
    ("appropriation_account_name", "Medel från Kammarkollegiet"),
    ("actor_dimension", "20"),
    ("appropriation_dimension", "21"),
    ("expenditure_area", "22"),
    ("appropriation", "2:4"),
    ("appropriation_item", "4"),
];

/// The password a password link is used for: long, and of no one's name.
/// When the cases waiting for the signatory were drawn up: the version the signatory read.
const SIGNATORY_READ: &str = "2026-02-10T09:00:00Z";

const NEW_PASSWORD: &str = "Matrisens lösenord tål både regn och rusk";

/// The colleague the own coordinator registers for the network's meeting.
const COLLEAGUE: &str = "kollega@matris.example";

/// The code an authenticator app with `secret` shows now.
fn code_now(secret: &str) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs();
    totp_rs::Builder::new()
        .with_secret(totp_rs::Secret::try_from_base32(secret).expect("base32"))
        .build()
        .expect("totp")
        .generate(now)
        .to_string()
}

/// The one value a query returns.
async fn one<T>(app: &TestApp, sql: &str, binds: &[Uuid]) -> T
where
    T: for<'r> sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres> + Send + Unpin,
{
    let mut query = sqlx::query_scalar::<_, T>(sql);
    for b in binds {
        query = query.bind(*b);
    }
    query
        .fetch_one(&app.db)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// A file row's columns: some bytes and their checksum.
const FILE: &str =
    "'underlag.pdf', 'application/pdf', 6, encode(sha256('matris'::bytea), 'hex'), 'matris'::bytea";

async fn cases(app: &TestApp, own: Uuid, preparer: Uuid) -> Cases {
    let db = &app.db;
    let organisation = |name: &'static str| async move {
        sqlx::query_scalar::<_, Uuid>("SELECT id FROM organisations WHERE name = $1")
            .bind(name)
            .fetch_one(db)
            .await
            .expect("an organisation")
    };
    let stockholm = organisation("Region Stockholm").await;
    let skane = organisation("Region Skåne").await;
    let halland = organisation("Region Halland").await;
    let helper_admin = app.create_user(Role::Admin, None).await;
    let helper_officer = app.create_user(Role::CaseOfficer, None).await;
    let period: Uuid = one(
        app,
        "SELECT period_id FROM programme_years WHERE year = 2026",
        &[],
    )
    .await;

    // Requisitions: Stockholm's of 2026 (returned to the region, so editable) and 2025.
    let requisition: Uuid = one(
        app,
        "SELECT id FROM requisitions WHERE organisation_id = $1 AND year = 2026",
        &[stockholm],
    )
    .await;
    let requisition_2025: Uuid = one(
        app,
        "SELECT id FROM requisitions WHERE organisation_id = $1 AND year = 2025",
        &[stockholm],
    )
    .await;
    let attachment = |requisition: Uuid| async move {
        one::<Uuid>(
            app,
            &format!("INSERT INTO requisition_attachments (id, requisition_id, filename, content_type, size, sha256, bytes, uploaded_by)
             VALUES (gen_random_uuid(), $1, {FILE}, $2) RETURNING id"),
            &[requisition, own],
        )
        .await
    };
    let requisition_attachment = attachment(requisition).await;
    let requisition_attachment_spare = attachment(requisition).await;
    // Three requisitions awaiting the case officer's decision, each of an actor of its own
    // (an actor has one requisition a year).
    let mut waiting = Vec::new();
    for n in 1..=3 {
        let name = format!("Matrisens region {n}");
        let org: Uuid = sqlx::query_scalar(
            "INSERT INTO organisations (id, name) VALUES (gen_random_uuid(), $1) RETURNING id",
        )
        .bind(&name)
        .fetch_one(db)
        .await
        .expect("an organisation");
        sqlx::query(
            "INSERT INTO period_actors (period_id, organisation_id, actor_name) VALUES ($1, $2, $3)",
        )
        .bind(period)
        .bind(org)
        .bind(&name)
        .execute(db)
        .await
        .expect("an actor");
        let id: Uuid = sqlx::query_scalar(
            "INSERT INTO requisitions (id, case_number, year, organisation_id, decision_number, state,
                 amount, payment_method, account_number, payment_reference, contact_name,
                 contact_email, contact_phone, signatory_name, signatory_title, declaration,
                 created_by, first_submitted_at, submitted_at)
             SELECT gen_random_uuid(), 'DK-2026-90' || $3, 2026, $1, decision_number, 'submitted',
                 500000, 'bankgiro', '5050-1055', 'Matris', 'Karin Ek', 'karin.ek@matris.example',
                 '08-123 456 78', 'Per Lind', 'Regiondirektör', true, $2, now(), now()
             FROM periods WHERE id = $4
             RETURNING id",
        )
        .bind(org)
        .bind(helper_admin)
        .bind(n.to_string())
        .bind(period)
        .fetch_one(db)
        .await
        .expect("a submitted requisition");
        waiting.push(id);
    }
    // Payouts (any region's: only staff act on them); the first prepared by the approver
    // who tries to approve it.
    let prepared: Vec<Uuid> =
        sqlx::query_scalar("SELECT id FROM payouts WHERE state = 'prepared' ORDER BY id")
            .fetch_all(db)
            .await
            .expect("prepared payouts");
    assert!(prepared.len() >= 2, "two payouts await the approver");
    sqlx::query("UPDATE payouts SET prepared_by = $2 WHERE id = $1")
        .bind(prepared[0])
        .bind(preparer)
        .execute(db)
        .await
        .expect("prepared by the preparer");
    let approved: Uuid = one(
        app,
        "SELECT id FROM payouts WHERE state = 'approved' LIMIT 1",
        &[],
    )
    .await;

    // Stockholm's report of 2025 being corrected (a new version of the approved one), an
    // activity and two attachments; another region's report awaiting the case officer; and
    // a paid payout of 2024 the own region has yet to report.
    let approved_report: Uuid = one(
        app,
        "SELECT id FROM reports WHERE organisation_id = $1 AND year = 2025",
        &[stockholm],
    )
    .await;
    let mut conn = db.acquire().await.expect("a connection");
    let report = digikoord::reports::db::new_version(&mut conn, approved_report, own)
        .await
        .expect("a new version")
        .expect("of the approved report");
    drop(conn);
    let activity: Uuid = one(
        app,
        "SELECT id FROM report_activities WHERE report_id = $1 LIMIT 1",
        &[report],
    )
    .await;
    let submitted_report: Uuid = one(
        app,
        "SELECT id FROM reports WHERE state = 'submitted' AND current LIMIT 1",
        &[],
    )
    .await;
    paid_in(app, 2024, STOCKHOLM, "1000000").await;
    let report_attachment = |report: Uuid| async move {
        one::<Uuid>(
            app,
            &format!("INSERT INTO report_attachments (id, report_id, filename, content_type, size, sha256, bytes, uploaded_by)
             VALUES (gen_random_uuid(), $1, {FILE}, $2) RETURNING id"),
            &[report, own],
        )
        .await
    };
    let report_attachment_one = report_attachment(report).await;
    let report_attachment_spare = report_attachment(report).await;

    // Repayments: a payment awaiting confirmation, and an over-payment of 2 000 kr with two
    // refunds of 500 kr (the first prepared by the approver who tries to approve it) and
    // 1 000 kr left to refund.
    let payment: Uuid = one(
        app,
        "SELECT id FROM repayment_payments WHERE state = 'registered' LIMIT 1",
        &[],
    )
    .await;
    // A region whose 2025 repayment was not all in by its deadline: interest runs, so a
    // case officer can decide on it (on a case paid in time there is nothing to decide).
    let late_region: Uuid = one(
        app,
        "SELECT r.organisation_id FROM repayment_owed_per_actor r
         JOIN actor_deadlines d ON d.year = r.year AND d.organisation_id = r.organisation_id
         WHERE r.year = 2025 AND r.owed > 0
           AND r.owed > (SELECT COALESCE(sum(p.received_amount), 0) FROM repayment_payments p
                         WHERE p.year = r.year AND p.organisation_id = r.organisation_id
                           AND p.state = 'confirmed' AND p.received_on <= d.repayment_due)
         ORDER BY r.organisation_id LIMIT 1",
        &[],
    )
    .await;
    let blekinge: Uuid = one(
        app,
        "SELECT id FROM organisations WHERE name = 'Region Blekinge'",
        &[],
    )
    .await;
    one::<Uuid>(
        app,
        "INSERT INTO repayment_payments (id, year, organisation_id, state, paid_on, amount, reference,
             registered_by, received_on, received_amount, verification_number, confirmed_by, confirmed_at)
         VALUES (gen_random_uuid(), 2025, $1, 'confirmed', '2026-03-01', 2000, 'FÖR MYCKET', $2,
                 '2026-03-02', 2000, 'V-MATRIS', $3, now()) RETURNING id",
        &[blekinge, helper_admin, helper_officer],
    )
    .await;
    let refund = |prepared_by: Uuid| async move {
        one::<Uuid>(
            app,
            "INSERT INTO refunds (id, year, organisation_id, amount, planned_date, prepared_by)
             VALUES (gen_random_uuid(), 2025, $1, 500, '2026-04-21', $2) RETURNING id",
            &[blekinge, prepared_by],
        )
        .await
    };
    let (refund_one, refund_two) = (refund(preparer).await, refund(helper_officer).await);
    // Two of Stockholm's own payments, registered: one the region corrects, one it withdraws.
    let own_payment = || async move {
        one::<Uuid>(
            app,
            "INSERT INTO repayment_payments (id, year, organisation_id, paid_on, amount, reference, registered_by)
             VALUES (gen_random_uuid(), 2025, $1, '2026-02-01', 1000, 'MATRIS', $2) RETURNING id",
            &[stockholm, own],
        )
        .await
    };
    let (payment_to_correct, payment_to_withdraw) = (own_payment().await, own_payment().await);
    // An extension for Region Halland's repayment of 2026, for the case officer to withdraw.
    one::<Uuid>(
        app,
        "INSERT INTO deadline_extensions (year, organisation_id, deadline, new_deadline, reason, basis, granted_by)
         VALUES (2026, $1, 'repayment', '2027-03-31', 'Matrisens skäl.', 'Matrisens medgivande, I2026/00002', $2)
         RETURNING organisation_id",
        &[halland, helper_officer],
    )
    .await;
    // And one for its report, for the case officer to change.
    one::<Uuid>(
        app,
        "INSERT INTO deadline_extensions (year, organisation_id, deadline, new_deadline, reason, basis, granted_by)
         VALUES (2026, $1, 'report', '2027-03-31', 'Matrisens skäl.', 'Matrisens medgivande, I2026/00002', $2)
         RETURNING organisation_id",
        &[halland, helper_officer],
    )
    .await;

    // The bank: a file read in by a case officer with two payments waiting, one to confirm
    // against a region's open repayment (not Stockholm's, being corrected, nor Blekinge's,
    // being refunded), one to dismiss.
    let bank_case: String = one(
        app,
        "SELECT o.year || ':' || o.organisation_id
         FROM repayment_owed_per_actor o
         JOIN requisitions r ON r.year = o.year AND r.organisation_id = o.organisation_id
             AND r.state = 'approved'
         JOIN organisations g ON g.id = o.organisation_id
         WHERE o.owed IS NOT NULL AND o.organisation_id NOT IN ($1, $2)
         ORDER BY o.year, g.name LIMIT 1",
        &[stockholm, blekinge],
    )
    .await;
    let bank_file: Uuid = one(
        app,
        "INSERT INTO bank_files (id, kind, file_name, sha256, imported_by, payment_count, total)
         VALUES (gen_random_uuid(), 'bgmax', 'matris.txt', encode(sha256('matris-bank'::bytea), 'hex'),
                 $1, 2, 2000) RETURNING id",
        &[helper_officer],
    )
    .await;
    let bank_payment = |line: i32| async move {
        sqlx::query_scalar::<_, Uuid>(
            "INSERT INTO bank_payments (id, file_id, line, bank_reference, amount, paid_on, reference,
                 payer_name)
             VALUES (gen_random_uuid(), $1, $2, 'BGC-20260414-00000000000' || $2, 1000, '2026-04-14',
                 'Matris', 'Matrisens betalare') RETURNING id",
        )
        .bind(bank_file)
        .bind(line)
        .fetch_one(db)
        .await
        .expect("a bank payment")
    };
    let (bank_to_confirm, bank_to_dismiss) = (bank_payment(3).await, bank_payment(5).await);
    // The account plan set, so that the SIE file is made.
    sqlx::query(
        "UPDATE ledger_settings SET org_number = '202100-5026',
             payout_account = '8410', payout_account_name = 'Bidrag',
             bank_account = '1930', bank_account_name = 'Bank',
             repayment_account = '8491', repayment_account_name = 'Återbetalt',
             refund_account = '2890', refund_account_name = 'Skuld',
             appropriation_account = '7310', appropriation_account_name = 'Anslag',
             actor_dimension = 10, appropriation_dimension = 11",
    )
    .execute(db)
    .await
    .expect("an account plan");

    // The payment file to the bank: who pays set; an approved payout not yet paid, of an
    // approved 2025 requisition of an actor of its own (the demo's approved payout is
    // registered paid first); and a file made of it, to download.
    sqlx::query(
        "UPDATE payment_file_settings SET org_number = '202100-5026', bankgiro = '5050-1055'",
    )
    .execute(db)
    .await
    .expect("who pays");
    let payee: Uuid = one(
        app,
        "INSERT INTO organisations (id, name) VALUES (gen_random_uuid(), 'Matrisens mottagare') RETURNING id",
        &[],
    )
    .await;
    one::<Uuid>(
        app,
        "INSERT INTO period_actors (period_id, organisation_id, actor_name)
         SELECT period_id, $1, 'Matrisens mottagare' FROM programme_years WHERE year = 2025
         RETURNING organisation_id",
        &[payee],
    )
    .await;
    let payable_requisition: Uuid = one(
        app,
        "INSERT INTO requisitions (id, case_number, year, organisation_id, decision_number, state,
             amount, payment_method, account_number, payment_reference, contact_name,
             contact_email, contact_phone, signatory_name, signatory_title, declaration,
             created_by, first_submitted_at, submitted_at, decided_at)
         SELECT gen_random_uuid(), 'DK-2025-900', 2025, $1, p.decision_number, 'approved',
             100000, 'bankgiro', '5050-1055', 'Matris', 'Karin Ek', 'karin.ek@matris.example',
             '08-123 456 78', 'Per Lind', 'Regiondirektör', true, $2, now(), now(), now()
         FROM programme_years y JOIN periods p ON p.id = y.period_id WHERE y.year = 2025
         RETURNING id",
        &[payee, helper_admin],
    )
    .await;
    let payable_payout: Uuid = one(
        app,
        "INSERT INTO payouts (id, requisition_id, state, amount, planned_date, prepared_by,
             approved_by, approved_at)
         VALUES (gen_random_uuid(), $1, 'approved', 1000, '2026-04-20', $2, $3, now()) RETURNING id",
        &[payable_requisition, helper_officer, helper_admin],
    )
    .await;
    // In one statement: a file's count and total are checked against its payments at commit.
    let payment_file: Uuid = one(
        app,
        "WITH f AS (
             INSERT INTO payment_files (id, number, message_id, created_by, created_at,
                 payment_count, total, debtor_bankgiro, sha256, content)
             VALUES (gen_random_uuid(), nextval('payment_file_numbers'), 'DIGIKOORD-20260415-900001',
                 $1, now(), 1, 1000, '5050-1055', encode(sha256('<Document/>'::bytea), 'hex'),
                 '<Document/>'::bytea)
             RETURNING id)
         INSERT INTO payment_file_items (file_id, position, payout_id, amount, execution_date,
             end_to_end_id, payment_method, account_number)
         SELECT f.id, 1, $2, 1000, '2026-04-20', 'DK-2025-900', 'bankgiro', '5050-1055' FROM f
         RETURNING file_id",
        &[helper_officer, payable_payout],
    )
    .await;

    // Exports: a summary export and one of Tillväxtverket's documents.
    let export = |document: &'static str| async move {
        one::<Uuid>(
            app,
            &format!("INSERT INTO summary_exports (id, year, format, filename, sha256, size, bytes, created_by, document)
             VALUES (gen_random_uuid(), 2025, 'csv', 'matris.csv', encode(sha256('matris'::bytea), 'hex'), 6,
                     'matris'::bytea, $1, '{document}') RETURNING id"),
            &[helper_admin],
        )
        .await
    };
    let summary_export = export("summary").await;
    let agency_document = export("agency_requisition").await;

    // A history upload checked and waiting to be loaded: another actor-year than the upload's.
    let sheet = history_sheet("2020;Region Halland;;1 000 000;1 000 000;2020-04-02;;;;;");
    let upload: Uuid = sqlx::query_scalar(
        "INSERT INTO history_uploads (id, filename, sha256, bytes, row_count, uploaded_by)
         VALUES (gen_random_uuid(), 'historik.csv', encode(sha256($1), 'hex'), $1, 1, $2) RETURNING id",
    )
    .bind(&sheet)
    .bind(helper_admin)
    .fetch_one(db)
    .await
    .expect("a history upload");

    // Users to edit, deactivate, activate, reset; two role requests by another administrator.
    let user_edited = app
        .create_user(Role::Coordinator, Some("Region Halland"))
        .await;
    let user_active = app
        .create_user(Role::Coordinator, Some("Region Halland"))
        .await;
    let user_inactive = app
        .create_user(Role::Coordinator, Some("Region Halland"))
        .await;
    sqlx::query("UPDATE users SET active = false WHERE id = $1")
        .bind(user_inactive)
        .execute(db)
        .await
        .expect("inactive");
    let user_reset = app.create_user(Role::CaseOfficer, None).await;
    // An identity provider that does not answer (port 9 is closed), and a link to remove.
    let provider: Uuid = one(
        app,
        "INSERT INTO identity_providers (id, key, display_name, issuer_url, client_id, client_secret)
         VALUES (gen_random_uuid(), 'matris', 'Matrisens konto', 'http://127.0.0.1:9', 'digikoord', 'hemligt')
         RETURNING id",
        &[],
    )
    .await;
    let linked_user = app
        .create_user(Role::Coordinator, Some("Region Halland"))
        .await;
    let identity_link: Uuid = one(
        app,
        "INSERT INTO identity_links (id, provider_id, subject, user_id, email)
         VALUES (gen_random_uuid(), $1, 'matris-1', $2, 'x@matris.example') RETURNING id",
        &[provider, linked_user],
    )
    .await;
    // A link waiting for an administrator's confirmation, and two changes of the provider
    // asked by another administrator.
    let waiting_user = app
        .create_user(Role::Coordinator, Some("Region Halland"))
        .await;
    let waiting_link: Uuid = one(
        app,
        "INSERT INTO identity_links (id, provider_id, subject, user_id, email)
         VALUES (gen_random_uuid(), $1, 'matris-2', $2, 'y@matris.example') RETURNING id",
        &[provider, waiting_user],
    )
    .await;
    let provider_change = |key: &'static str| async move {
        sqlx::query_scalar::<_, i64>(
            "INSERT INTO identity_provider_changes (provider_id, key, display_name, issuer_url,
                 client_id, client_secret, only_way_in, active, organisations, email_domains,
                 signs_in_staff, trusts_mfa, requested_by)
             VALUES (gen_random_uuid(), $1, 'Matrisens andra konto', 'https://idp.matris.example',
                 'digikoord', 'hemligt', false, true, '{}', '{matris.example}', false, false, $2)
             RETURNING id",
        )
        .bind(key)
        .bind(helper_admin)
        .fetch_one(db)
        .await
        .expect("a provider change")
    };
    let (change_made, change_refused_provider) = (
        provider_change("matris-ny").await,
        provider_change("matris-nej").await,
    );
    let grant = || async {
        let user = app.create_user(Role::CaseOfficer, None).await;
        sqlx::query_scalar::<_, i64>(
            "INSERT INTO role_grants (user_id, role, from_role, requested_by)
             VALUES ($1, 'approver', 'case_officer', $2) RETURNING id",
        )
        .bind(user)
        .bind(helper_admin)
        .fetch_one(db)
        .await
        .expect("a role request")
    };
    let (grant_confirmed, grant_refused) = (grant().await, grant().await);
    // Two account changes asked by another administrator: a new address for each of two
    // staff members.
    let change = || async {
        let user = app.create_user(Role::Approver, None).await;
        sqlx::query_scalar::<_, i64>(
            "INSERT INTO account_requests (user_id, change, new_email, requested_by)
             VALUES ($1, 'email', 'ny-' || $1::text || '@matris.example', $2) RETURNING id",
        )
        .bind(user)
        .bind(helper_admin)
        .fetch_one(db)
        .await
        .expect("an account request")
    };
    let (change_confirmed, change_refused) = (change().await, change().await);
    let mail: i64 = sqlx::query_scalar(
        "INSERT INTO outbox (user_id, to_address, kind, event, subject, body_text, body_html)
         VALUES ($1, 'koordinator@matris.example', 'notice', 'matris', 'Ämne', 'Text', '<p>Text</p>')
         RETURNING id",
    )
    .bind(own)
    .fetch_one(db)
    .await
    .expect("a mail");

    // The network: the own coordinator's entry, a contact to remove, an event today with
    // the own organisation's registration, another registration and two documents, and an
    // event to cancel.
    let own_contact: Uuid = one(
        app,
        "SELECT id FROM network_contacts WHERE user_id = $1",
        &[own],
    )
    .await;
    let spare_contact: Uuid = one(
        app,
        "INSERT INTO network_contacts (id, organisation_id, name, email)
         VALUES (gen_random_uuid(), $1, 'Extra Kontakt', 'extra@matris.example') RETURNING id",
        &[stockholm],
    )
    .await;
    let new_event = || async {
        one::<Uuid>(
            app,
            "INSERT INTO network_events (id, kind, title, day, starts, ends, place, created_by)
             VALUES (gen_random_uuid(), 'meeting', 'Matristräff', '2026-04-20', '10:00', '12:00', 'Stockholm', $1)
             RETURNING id",
            &[helper_admin],
        )
        .await
    };
    let (event, event_to_cancel) = (new_event().await, new_event().await);
    let registration: Uuid = one(
        app,
        "INSERT INTO network_registrations (id, event_id, organisation_id, name, email, registered_by)
         SELECT gen_random_uuid(), $1, organisation_id, name, email, id FROM users WHERE id = $2
         RETURNING id",
        &[event, own],
    )
    .await;
    let attendee: Uuid = one(
        app,
        "INSERT INTO network_registrations (id, event_id, organisation_id, name, email, registered_by)
         VALUES (gen_random_uuid(), $1, $2, 'Matris Deltagare', 'deltagare@matris.example', $3)
         RETURNING id",
        &[event, halland, helper_admin],
    )
    .await;
    let document = || async {
        one::<Uuid>(
            app,
            &format!("INSERT INTO network_event_documents (id, event_id, filename, content_type, size, sha256, bytes, uploaded_by)
             VALUES (gen_random_uuid(), $1, {FILE}, $2) RETURNING id"),
            &[event, helper_admin],
        )
        .await
    };
    let (document_one, document_spare) = (document().await, document().await);

    // The programme: 2026's period, with an actor of no cases to remove and an organisation
    // to add; the period's and the year's forms as saved.
    let spare_actor: Uuid = one(
        app,
        "INSERT INTO organisations (id, name) VALUES (gen_random_uuid(), 'Matrisens organisation') RETURNING id",
        &[],
    )
    .await;
    sqlx::query("INSERT INTO period_actors (period_id, organisation_id, actor_name) VALUES ($1, $2, 'Matrisens organisation')")
        .bind(period)
        .bind(spare_actor)
        .execute(db)
        .await
        .expect("an actor");
    let new_actor: Uuid = one(
        app,
        "INSERT INTO organisations (id, name) VALUES (gen_random_uuid(), 'Matrisens nya aktör') RETURNING id",
        &[],
    )
    .await;
    let (decision_number, decision_date, title, ministry, first_year, last_year): (
        String,
        String,
        String,
        String,
        String,
        String,
    ) = sqlx::query_as(
        "SELECT decision_number, decision_date::text, title, ministry, first_year::text, last_year::text
         FROM periods WHERE id = $1",
    )
    .bind(period)
    .fetch_one(db)
    .await
    .expect("the period");
    let period_form = typed(&[
        ("decision_number", &decision_number),
        ("decision_date", &decision_date),
        ("title", &title),
        ("ministry", &ministry),
        ("first_year", &first_year),
        ("last_year", &last_year),
        ("tasks", "Matrisens uppgift."),
        ("report_ministry", &ministry),
        ("report_title", &title),
    ]);
    let year_form: Vec<(String, String)> = sqlx::query_as(
        "SELECT key, value FROM programme_years y, LATERAL (VALUES
             ('cap_per_actor', cap_per_actor::bigint::text), ('budget_state', budget_state::text),
             ('requisition_deadline', requisition_deadline::text),
             ('report_deadline', report_deadline::text),
             ('repayment_deadline', repayment_deadline::text),
             ('agency_requisition_deadline', agency_requisition_deadline::text),
             ('agency_repayment_deadline', agency_repayment_deadline::text),
             ('summary_deadline', summary_deadline::text)) AS form (key, value)
         WHERE year = 2026",
    )
    .fetch_all(db)
    .await
    .expect("the programme year");
    let edited_email = app.email_of(user_edited).await;

    // The own coordinator has begun turning a second factor on, with the tests' secret.
    sqlx::query("UPDATE sessions SET totp_setup_secret = $2 WHERE user_id = $1")
        .bind(own)
        .bind(crate::sealer().seal(
            digikoord::secrets::Purpose::Totp,
            crate::two_factor::TEST_TOTP_SECRET,
        ))
        .execute(db)
        .await
        .expect("an enrolment begun");

    // Links carrying their own token: a password link and the own coordinator's calendar.
    let password_token = format!("{}", Uuid::new_v4().simple());
    sqlx::query(
        "INSERT INTO password_tokens (token_hash, user_id, expires_at) VALUES ($1, $2, now() + interval '1 day')",
    )
    .bind(hash_token(&password_token))
    .bind(user_edited)
    .execute(db)
    .await
    .expect("a password link");
    let calendar_token = format!("{}", Uuid::new_v4().simple());
    sqlx::query("INSERT INTO calendar_feeds (user_id, token_hash) VALUES ($1, $2)")
        .bind(own)
        .bind(hash_token(&calendar_token))
        .execute(db)
        .await
        .expect("a calendar link");

    // Decision records: one of the own region's, and the documents the matrix downloads kept
    // as PDF/A before (as if made earlier), so that no LibreOffice is needed.
    let mut conn = db.acquire().await.expect("a connection");
    let decision = digikoord::records::db::record(
        &mut conn,
        &digikoord::records::model::NewDecision {
            kind: digikoord::records::model::DecisionKind::RequisitionReturned,
            year: Some(2025),
            organisation_id: Some(stockholm),
            case_number: None,
            entity: "requisition",
            entity_id: requisition_2025.to_string(),
            decision: "Matrisens beslut.".into(),
            reasons: "Matrisens skäl.".into(),
            decided_by: helper_officer,
            presented_by: None,
            rests_on_record: None,
            rests_on: "Matrisens grund.".into(),
            region: None,
        },
    )
    .await
    .expect("a decision record");
    drop(conn);
    let submitted_at = |table: &'static str, id: Uuid| async move {
        sqlx::query_scalar::<_, chrono::DateTime<chrono::Utc>>(&format!(
            "SELECT submitted_at FROM {table} WHERE id = $1"
        ))
        .bind(id)
        .fetch_one(db)
        .await
        .expect("filed")
    };
    let kept = [
        digikoord::records::model::decision_key(decision),
        digikoord::records::model::receipt_key(
            requisition_2025,
            submitted_at("requisitions", requisition_2025).await,
        ),
        digikoord::records::model::report_key(
            approved_report,
            submitted_at("reports", approved_report).await,
        ),
    ];
    for key in kept {
        sqlx::query(
            "INSERT INTO case_document_pdfs (key, filename, sha256, bytes)
             VALUES ($1, 'matris.pdf', encode(sha256('%PDF-1.7 matris'::bytea), 'hex'), '%PDF-1.7 matris'::bytea)",
        )
        .bind(&key)
        .execute(db)
        .await
        .expect("a kept PDF/A");
    }

    // The region's signatory: the own coordinator. Another of its coordinators has prepared
    // three requisitions and three reports, each waiting for the signatory: one to confirm,
    // one to send back, one to take back. An actor has one requisition a year, and one current
    // report: the requisitions are of 2018–2020 (Region Stockholm an actor then too, beside
    // the county's), returned for completion; the reports of 2021–2023, each of a paid payout.
    let colleague = app
        .create_user(Role::Coordinator, Some("Region Stockholm"))
        .await;
    sqlx::query("UPDATE users SET signatory = true WHERE id = $1")
        .bind(own)
        .execute(db)
        .await
        .expect("the signatory");
    sqlx::query(
        "INSERT INTO period_actors (period_id, organisation_id, actor_name)
         SELECT period_id, $1, 'Region Stockholm' FROM programme_years WHERE year = 2018",
    )
    .bind(stockholm)
    .execute(db)
    .await
    .expect("an actor of 2018–2020");
    let mut awaiting_requisitions = Vec::new();
    for year in 2018..=2020 {
        let id: Uuid = sqlx::query_scalar(
            "INSERT INTO requisitions (id, case_number, year, organisation_id, decision_number, state,
                 amount, payment_method, account_number, payment_reference, contact_name,
                 contact_email, contact_phone, signatory_name, signatory_title, declaration,
                 state_note, created_by, first_submitted_at, submitted_at, decided_at,
                 prepared_by, prepared_at)
             SELECT gen_random_uuid(), 'DK-' || $3::text || '-901', $3, $1, p.decision_number,
                 'returned', 500000, 'bankgiro', '5050-1055', 'Matris', 'Karin Ek', $4,
                 '08-123 456 78', 'Per Lind', 'Regiondirektör', true,
                 'Matrisen ber om en komplettering.', $2, '2026-02-01', '2026-02-01', '2026-02-05',
                 $2, '2026-02-10T09:00:00Z'
             FROM programme_years y JOIN periods p ON p.id = y.period_id WHERE y.year = $3
             RETURNING id",
        )
        .bind(stockholm)
        .bind(colleague)
        .bind(year)
        .bind(CONTACT)
        .fetch_one(db)
        .await
        .expect("a requisition waiting for the signatory");
        awaiting_requisitions.push(id);
    }
    let mut awaiting_reports = Vec::new();
    for year in 2021..=2023 {
        paid_in(app, year, STOCKHOLM, "500000").await;
        let id: Uuid = sqlx::query_scalar(
            "WITH r AS (
                 INSERT INTO reports (id, year, organisation_id, payout_id, state, task_1, task_2,
                     task_3, task_4, task_5, needs_and_challenges, results_and_effects,
                     self_assessment, self_assessment_motivation, received, cost_personnel,
                     finances_saved, created_by, prepared_by, prepared_at)
                 SELECT gen_random_uuid(), $2, $1, p.id, 'draft', 'Matrisens strategi.',
                     'Matrisens nätverk.', 'Matrisens kartläggning.', 'Matrisens träffar.',
                     'Matrisens underlag.', 'Matrisens behov.', 'Matrisens resultat.', 'yes',
                     'Matrisens motivering.', p.paid_amount, p.paid_amount, true, $3, $3,
                     '2026-02-10T09:00:00Z'
                 FROM payouts p JOIN requisitions q ON q.id = p.requisition_id
                 WHERE q.year = $2 AND q.organisation_id = $1 AND p.state = 'paid'
                 RETURNING id)
             INSERT INTO report_activities (id, report_id, position, title, held, sub_goals, kind,
                 participants)
             SELECT gen_random_uuid(), r.id, 1, 'Matrisens länsträff', 'mars', ARRAY['ledning'],
                 'network_meeting', 20 FROM r
             RETURNING report_id",
        )
        .bind(stockholm)
        .bind(year)
        .bind(colleague)
        .fetch_one(db)
        .await
        .expect("a report waiting for the signatory");
        awaiting_reports.push(id);
    }

    // The registrar: a case without a diarienummer, and one registered to correct.
    let registry: Vec<(String, i32, Uuid)> = sqlx::query_as(
        "SELECT kind::text, year, organisation_id FROM registry_cases c
         WHERE organisation_id IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM registry_entries e WHERE e.kind = c.kind
                           AND e.year = c.year AND e.organisation_id = c.organisation_id)
         ORDER BY year, kind, organisation_id LIMIT 2",
    )
    .fetch_all(db)
    .await
    .expect("the registrar's cases");
    assert_eq!(registry.len(), 2, "two cases for the registrar");
    let registry_entry: i64 = sqlx::query_scalar(
        "INSERT INTO registry_entries (kind, year, organisation_id, diarienummer, registered_by)
         VALUES ($1::registry_case_kind, $2, $3, 'Matris 2026-1', $4) RETURNING id",
    )
    .bind(&registry[1].0)
    .bind(registry[1].1)
    .bind(registry[1].2)
    .bind(helper_officer)
    .fetch_one(db)
    .await
    .expect("a registered case");

    // Requests for public documents of the own region's 2025, each holding the case: one
    // listing the decision record to review, one without documents to bundle and decide.
    let disclosure = || async {
        sqlx::query_scalar::<_, Uuid>(
            "WITH h AS (
                 INSERT INTO legal_holds (entity, entity_id, reason, placed_by)
                 VALUES ('actor_year', '2025:' || $1::text, 'Matrisens begäran', $2) RETURNING id)
             INSERT INTO disclosure_requests (id, number, received_on, reply_to, asked_for, year,
                 organisation_id, registered_by, hold_id)
             SELECT gen_random_uuid(), nextval('disclosure_request_numbers'), '2026-04-01',
                 'matris@matris.example', 'Matrisens begäran.', 2025, $1, $2, h.id FROM h
             RETURNING id",
        )
        .bind(stockholm)
        .bind(helper_officer)
        .fetch_one(db)
        .await
        .expect("a request for public documents")
    };
    let (disclosure_open, disclosure_empty) = (disclosure().await, disclosure().await);
    sqlx::query(
        "INSERT INTO disclosure_documents (request_id, position, kind, document_id, title, dated)
         VALUES ($1, 1, 'decision', $2, 'Matrisens handling', '2026-02-10')",
    )
    .bind(disclosure_open)
    .bind(decision)
    .execute(db)
    .await
    .expect("a listed document");

    // Retention: a hold to release, two runs another administrator proposed (one to confirm,
    // one to cancel), and a mail sent before the matrix's day, for a proposal to list.
    let hold: i64 = sqlx::query_scalar(
        "INSERT INTO legal_holds (entity, entity_id, reason, placed_by)
         VALUES ('actor_year', '2026:' || $1::text, 'Matrisens spärr', $2) RETURNING id",
    )
    .bind(stockholm)
    .bind(helper_admin)
    .fetch_one(db)
    .await
    .expect("a legal hold");
    let run = || async {
        sqlx::query_scalar::<_, i64>(
            "INSERT INTO disposal_runs (proposed_by, proposed_on) VALUES ($1, '2026-03-01') RETURNING id",
        )
        .bind(helper_admin)
        .fetch_one(db)
        .await
        .expect("a disposal run")
    };
    let (run_to_confirm, run_to_cancel) = (run().await, run().await);
    sqlx::query(
        "INSERT INTO outbox (to_address, kind, event, subject, body_text, body_html, state, sent_at)
         VALUES ('gammal@matris.example', 'notice', 'matris', 'Ämne', 'Text', '<p>Text</p>', 'sent',
                 '2026-03-01T09:00:00Z')",
    )
    .execute(db)
    .await
    .expect("a sent mail");

    // The archive: a package kept, to download.
    let archive_package: Uuid = one(
        app,
        "INSERT INTO archive_packages (id, year, package_id, filename, sha256, size, bytes, documents)
         VALUES (gen_random_uuid(), 2025, 'digikoord-2025-matris', 'digikoord-2025-matris.zip',
                 encode(sha256('PK'::bytea), 'hex'), 2, 'PK'::bytea, 0) RETURNING id",
        &[],
    )
    .await;

    // Personal data: a coordinator's account shut long enough ago to be anonymised after a
    // month. The trigger dates a deactivation now, so its day is set after.
    let privacy_due = app
        .create_user(Role::Coordinator, Some("Region Halland"))
        .await;
    for statement in [
        "UPDATE users SET active = false WHERE id = $1",
        "UPDATE users SET deactivated_at = '2025-01-01T12:00:00Z' WHERE id = $1",
    ] {
        sqlx::query(statement)
            .bind(privacy_due)
            .execute(db)
            .await
            .expect("a shut account");
    }
    sqlx::query("UPDATE privacy_settings SET anonymise_after_months = 1")
        .execute(db)
        .await
        .expect("anonymised after a month");

    let s = |v: &dyn std::fmt::Display| v.to_string();
    Cases {
        stockholm,
        skane,
        halland,
        own_contact,
        attendee,
        new_actor,
        edited_email,
        bank_case,
        payable_payout: payable_payout.to_string(),
        period: period_form,
        year: year_form,
        registry_case: (
            registry[0].0.clone(),
            registry[0].1.to_string(),
            registry[0].2.to_string(),
        ),
        registry_entry: registry_entry.to_string(),
        privacy_due: privacy_due.to_string(),
        rules: vec![
            ("/beslut/", "id", s(&decision)),
            ("/dokument/kvitto/", "id", s(&requisition_2025)),
            ("/dokument/redovisning/", "id", s(&approved_report)),
            (
                "/firmatecknare/rekvisition/{id}/atersand",
                "id",
                s(&awaiting_requisitions[1]),
            ),
            (
                "/firmatecknare/rekvisition/{id}/ta-tillbaka",
                "id",
                s(&awaiting_requisitions[2]),
            ),
            (
                "/firmatecknare/rekvisition/",
                "id",
                s(&awaiting_requisitions[0]),
            ),
            (
                "/firmatecknare/redovisning/{id}/atersand",
                "id",
                s(&awaiting_reports[1]),
            ),
            (
                "/firmatecknare/redovisning/{id}/ta-tillbaka",
                "id",
                s(&awaiting_reports[2]),
            ),
            ("/firmatecknare/redovisning/", "id", s(&awaiting_reports[0])),
            (
                "/handlaggning/utlamnande/{id}/avsluta",
                "id",
                s(&disclosure_empty),
            ),
            (
                "/handlaggning/utlamnande/{id}/paket",
                "id",
                s(&disclosure_empty),
            ),
            ("/handlaggning/utlamnande/", "id", s(&disclosure_open)),
            ("/handlaggning/utlamnande/", "n", s(&1)),
            ("/admin/gallring/spar/", "id", s(&hold)),
            ("/admin/gallring/{run}/avbryt", "run", s(&run_to_cancel)),
            ("/admin/gallring/", "run", s(&run_to_confirm)),
            ("/admin/personuppgifter/", "id", s(&own)),
            // A year not closed (2025 is, once its summary is marked submitted).
            ("/admin/arkiv/ar/", "year", s(&2026)),
            ("/admin/arkiv/", "id", s(&archive_package)),
            ("/utbetalningar/{id}/utbetald", "id", s(&approved)),
            ("/utbetalningar/{id}/skicka-tillbaka", "id", s(&prepared[1])),
            ("/utbetalningar/", "id", s(&prepared[0])),
            (
                "/rekvisitioner/{id}/bilagor/{attachment}/ta-bort",
                "attachment",
                s(&requisition_attachment_spare),
            ),
            ("/rekvisitioner/", "attachment", s(&requisition_attachment)),
            ("/rekvisitioner/{id}/godkann", "id", s(&waiting[0])),
            ("/rekvisitioner/{id}/komplettering", "id", s(&waiting[1])),
            ("/rekvisitioner/{id}/avslag", "id", s(&waiting[2])),
            ("/rekvisitioner/", "id", s(&requisition)),
            (
                "/redovisningar/{id}/bilagor/{attachment}/ta-bort",
                "attachment",
                s(&report_attachment_spare),
            ),
            ("/redovisningar/", "attachment", s(&report_attachment_one)),
            ("/redovisningar/", "activity", s(&activity)),
            (
                "/redovisningar/{id}/komplettering",
                "id",
                s(&submitted_report),
            ),
            ("/redovisningar/{id}/kvitto", "id", s(&approved_report)),
            ("/redovisningar/", "id", s(&report)),
            (
                "/aterbetalningar/betalningar/{id}/andra",
                "id",
                s(&payment_to_correct),
            ),
            (
                "/aterbetalningar/betalningar/{id}/ta-bort",
                "id",
                s(&payment_to_withdraw),
            ),
            ("/aterbetalningar/betalningar/", "id", s(&payment)),
            (
                "/aterbetalningar/tillbakabetalningar/{id}/skicka-tillbaka",
                "id",
                s(&refund_two),
            ),
            (
                "/aterbetalningar/tillbakabetalningar/",
                "id",
                s(&refund_one),
            ),
            (
                "/aterbetalningar/{year}/{org}/tillbakabetalningar",
                "org",
                s(&blekinge),
            ),
            (
                "/aterbetalningar/{year}/{org}/drojsmalsranta",
                "org",
                s(&late_region),
            ),
            ("/aterbetalningar/", "org", s(&stockholm)),
            ("/aterbetalningar/", "case", s(&requisition_2025)),
            (
                "/handlaggning/bank/betalningar/{id}/avvisa",
                "id",
                s(&bank_to_dismiss),
            ),
            (
                "/handlaggning/bank/betalningsfiler/",
                "id",
                s(&payment_file),
            ),
            ("/handlaggning/bank/", "id", s(&bank_to_confirm)),
            ("/konto/dokument/", "id", s(&agency_document)),
            ("/sammanstallning/exporter/", "id", s(&summary_export)),
            ("/sammanstallning/", "format", s(&"csv")),
            ("/admin/historik/filer/", "name", s(&"mall.csv")),
            ("/admin/historik/", "id", s(&upload)),
            ("/admin/anvandare/{id}/inaktivera", "id", s(&user_active)),
            ("/admin/anvandare/{id}/aktivera", "id", s(&user_inactive)),
            (
                "/admin/anvandare/{id}/tvastegsverifiering",
                "id",
                s(&user_reset),
            ),
            ("/admin/anvandare/", "id", s(&user_edited)),
            (
                "/admin/behorigheter/andringar/{id}/neka",
                "id",
                s(&change_refused),
            ),
            ("/admin/behorigheter/andringar/", "id", s(&change_confirmed)),
            ("/admin/behorigheter/{id}/neka", "id", s(&grant_refused)),
            ("/admin/behorigheter/", "id", s(&grant_confirmed)),
            ("/admin/meddelanden/", "id", s(&mail)),
            (
                "/admin/inloggning/kopplingar/{id}/bekrafta",
                "id",
                s(&waiting_link),
            ),
            ("/admin/inloggning/kopplingar/", "id", s(&identity_link)),
            (
                "/admin/inloggning/andringar/{id}/neka",
                "id",
                s(&change_refused_provider),
            ),
            ("/admin/inloggning/andringar/", "id", s(&change_made)),
            ("/admin/inloggning/", "id", s(&provider)),
            ("/logga-in/sso/", "key", s(&"matris")),
            ("/natverk/kontakter/{id}/ta-bort", "id", s(&spare_contact)),
            ("/natverk/kontakter/", "id", s(&own_contact)),
            (
                "/natverk/traffar/{id}/bilagor/{document}/ta-bort",
                "document",
                s(&document_spare),
            ),
            ("/natverk/traffar/", "document", s(&document_one)),
            ("/natverk/traffar/", "registration", s(&registration)),
            ("/natverk/traffar/{id}/stall-in", "id", s(&event_to_cancel)),
            ("/natverk/traffar/", "id", s(&event)),
            ("/admin/program/perioder/", "org", s(&spare_actor)),
            ("/admin/program/perioder/", "id", s(&period)),
            ("/admin/program/ar/", "year", s(&2026)),
            ("/handlaggning/forlangningar/", "year", s(&2026)),
            ("/handlaggning/forlangningar/", "organisation", s(&halland)),
            ("/handlaggning/forlangningar/", "deadline", s(&"report")),
            ("/losenord/", "token", password_token),
            ("/kalender/", "file", format!("{calendar_token}.ics")),
            ("/oppna-data/", "file", s(&"2025.csv")),
            ("/static/", "path", s(&"style.css")),
            ("", "year", s(&2025)),
        ],
    }
}

/// What has been written to each table (but those a refusal may touch), in one query: its
/// rows and the newest row version (`xmin`), which any insert, update or delete changes.
async fn fingerprint(app: &TestApp) -> BTreeMap<String, String> {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT tablename::text FROM pg_tables WHERE schemaname = 'public' AND NOT (tablename = ANY($1))
         ORDER BY 1",
    )
    .bind(MAY_CHANGE.map(String::from).to_vec())
    .fetch_all(&app.db)
    .await
    .expect("tables");
    let parts: Vec<String> = tables
        .iter()
        .map(|t| {
            format!(
                "SELECT '{t}', (SELECT count(*) || ' ' || coalesce(max(xmin::text::bigint), 0) FROM {t})"
            )
        })
        .collect();
    sqlx::query_as::<_, (String, String)>(&parts.join(" UNION ALL "))
        .fetch_all(&app.db)
        .await
        .expect("fingerprint")
        .into_iter()
        .collect()
}

fn changed(before: &BTreeMap<String, String>, after: &BTreeMap<String, String>) -> Vec<String> {
    before
        .iter()
        .filter(|(t, d)| after.get(*t) != Some(d))
        .map(|(t, _)| t.clone())
        .collect()
}

// ---- The matrix ----

/// One request of the matrix.
struct Try {
    browser: usize,
    method: &'static str,
    pattern: &'static str,
    token: Token,
    /// How it must be refused; `None` when it must be served.
    refusal: Option<Answer>,
}

/// Every route asked by every browser with its session's token, every POST a browser
/// may send also without a token and with a wrong one, and every POST a browser may not
/// send also with nothing but its token.
fn matrix(browsers: &[Browser]) -> Vec<Try> {
    let mut tries = Vec::new();
    for &(method, pattern, access) in TABLE {
        for (browser, b) in browsers.iter().enumerate() {
            let refusal = Answer::refusal(pattern, access, b.actor);
            let mut add = |token, refusal| {
                tries.push(Try {
                    browser,
                    method,
                    pattern,
                    token,
                    refusal,
                })
            };
            if method == POST && refusal.is_none() {
                add(Token::Missing, Some(Answer::Csrf));
                add(Token::Wrong, Some(Answer::Csrf));
            }
            if method == POST && refusal.is_some() {
                add(Token::Bare, refusal.clone());
            }
            add(Token::Right, refusal);
        }
    }
    tries
}

/// Sends the requests a few at a time and returns their answers, in order.
async fn send_all(browsers: &Arc<Vec<Browser>>, cases: &Arc<Cases>, tries: &[&Try]) -> Vec<Reply> {
    let permits = Arc::new(tokio::sync::Semaphore::new(6));
    let mut set = tokio::task::JoinSet::new();
    for (i, t) in tries.iter().enumerate() {
        let (browsers, cases, permits) = (browsers.clone(), cases.clone(), permits.clone());
        let (b, method, pattern, token) = (t.browser, t.method, t.pattern, t.token);
        set.spawn(async move {
            let _permit = permits.acquire().await.expect("a permit");
            (i, browsers[b].send(method, pattern, &cases, token).await)
        });
    }
    let mut replies: Vec<(usize, Reply)> = set.join_all().await;
    replies.sort_by_key(|(i, _)| *i);
    replies.into_iter().map(|(_, r)| r).collect()
}

fn failure(t: &Try, browsers: &[Browser], expected: &str, reply: &Reply) -> String {
    let token = match t.token {
        Token::Right => String::new(),
        Token::Bare => " with nothing but the CSRF token".to_string(),
        token => format!(" with the CSRF token {token:?}"),
    };
    format!(
        "{} {} as {:?}{token}: expected {expected}, got {:?} ({})",
        t.method, t.pattern, browsers[t.browser].actor, reply.answer, reply.text
    )
}

#[tokio::test]
async fn every_route_refuses_every_role_it_must_and_serves_every_role_it_may() {
    // The table and the router agree, both ways.
    let in_router = routes_in_source();
    let in_table: BTreeSet<(String, String)> = TABLE
        .iter()
        .map(|(m, p, _)| (m.to_string(), p.to_string()))
        .collect();
    assert_eq!(in_table.len(), TABLE.len(), "a route is in the table twice");
    let missing: Vec<_> = in_router.difference(&in_table).collect();
    let stale: Vec<_> = in_table.difference(&in_router).collect();
    assert!(
        missing.is_empty() && stale.is_empty(),
        "routes without an entry in the table: {missing:?}; entries for routes the router no longer has: {stale:?}"
    );
    let named: Vec<&str> = NOT_PROVEN_HERE
        .iter()
        .chain(&FOUR_EYES)
        .chain(&UPLOADS)
        .chain(&ONLY_SHOWN)
        .copied()
        .collect();
    for form in named {
        assert!(
            in_table.contains(&(POST.to_string(), form.to_string())),
            "{form} is named as a form, but the table has no POST {form}"
        );
    }

    // Two demo years, as bad_input.rs loads them: 2025 with its reports and repayments,
    // 2026 with requisitions waiting at each step.
    let date = |m, d| chrono::NaiveDate::from_ymd_opt(2026, m, d).expect("date");
    let app = TestApp::spawn_with(
        digikoord::Clock::Fixed(date(4, 20)),
        &[("BENCH_CEILING", "true")],
    )
    .await;
    for day in [date(2, 10), date(4, 20)] {
        digikoord::seed::demo(&app.db, day).await.expect("demo");
    }
    let mut browsers = Vec::new();
    let (mut own, mut other, mut preparer) = (Uuid::nil(), Uuid::nil(), Uuid::nil());
    for actor in Actor::ALL {
        let b = app.other_browser();
        let page_with_a_form = match actor {
            Actor::Anonymous => "/logga-in",
            Actor::Halfway => {
                let id = b.create_user(Role::CaseOfficer, None).await;
                let page = b.login(&b.email_of(id).await, crate::PASSWORD).await;
                assert_eq!(page.location.as_deref(), Some("/logga-in/kod"));
                "/logga-in/kod"
            }
            Actor::OwnCoordinator => {
                own = b
                    .login_as(Role::Coordinator, Some("Region Stockholm"))
                    .await;
                "/"
            }
            Actor::OtherCoordinator => {
                other = b.login_as(Role::Coordinator, Some("Region Skåne")).await;
                "/"
            }
            _ => {
                let id = b.login_as(actor.role().expect("a role"), None).await;
                if actor == Actor::Preparer {
                    preparer = id;
                }
                "/"
            }
        };
        let csrf = b.get(page_with_a_form).await.csrf();
        browsers.push(Browser {
            actor,
            app: b,
            csrf,
        });
    }
    let browsers = Arc::new(browsers);
    let cases = Arc::new(cases(&app, own, preparer).await);
    let tries = matrix(&browsers);
    let mut failures = Vec::new();

    // First every refusal, while every case is as set up: none may change anything.
    let refused: Vec<&Try> = tries.iter().filter(|t| t.refusal.is_some()).collect();
    let audited: i64 = sqlx::query_scalar("SELECT coalesce(max(id), 0) FROM audit_log")
        .fetch_one(&app.db)
        .await
        .expect("audit log");
    let before = fingerprint(&app).await;
    let replies = send_all(&browsers, &cases, &refused).await;
    let touched = changed(&before, &fingerprint(&app).await);
    if !touched.is_empty() {
        let actions: Vec<String> =
            sqlx::query_scalar("SELECT action || ' ' || entity FROM audit_log WHERE id > $1")
                .bind(audited)
                .fetch_all(&app.db)
                .await
                .expect("audit log");
        panic!("refused requests changed {touched:?}; the audit log says {actions:?}");
    }
    for (t, reply) in refused.iter().zip(&replies) {
        if t.refusal.as_ref() != Some(&reply.answer) {
            let expected = format!("{:?}", t.refusal.as_ref().expect("a refusal"));
            failures.push(failure(t, &browsers, &expected, reply));
        }
    }

    // Then what each may do: every page, then the forms one route at a time, logging out
    // last. A form that used up its case (removed it, say) leaves the next a 404; one that
    // moved its case on leaves the next an answer that it has been handled.
    let mut served = BTreeMap::<u16, usize>::new();
    let mut check_served = |t: &Try, reply: &Reply, used_up: bool| {
        let ok = match reply.answer {
            Answer::Served(status) => {
                *served.entry(status.as_u16()).or_default() += 1;
                true
            }
            Answer::NotFound => used_up,
            // The second step's two pages send a login on to the one it is at.
            Answer::ToSecondStep => browsers[t.browser].actor == Actor::Halfway,
            _ => false,
        };
        if !ok {
            failures.push(failure(t, &browsers, "to be served", reply));
        }
    };
    let allowed = |method: &str| -> Vec<&Try> {
        let mut allowed: Vec<&Try> = tries
            .iter()
            .filter(|t| t.method == method && t.refusal.is_none())
            .collect();
        allowed.sort_by_key(|t| t.pattern == "/logga-ut");
        allowed
    };
    let pages = allowed(GET);
    for (t, reply) in pages.iter().zip(send_all(&browsers, &cases, &pages).await) {
        check_served(t, &reply, false);
    }
    let forms = allowed(POST);
    let forms_audited: i64 = sqlx::query_scalar("SELECT coalesce(max(id), 0) FROM audit_log")
        .fetch_one(&app.db)
        .await
        .expect("audit log");
    // A form is carried out by a request served as done that wrote something (one that only
    // shows, by one served as done that wrote nothing); each is asked of its allowed actors
    // in turn until one has.
    let mut carried_out = BTreeSet::new();
    let mut shown_but_written = Vec::new();
    let mut used_up = false;
    for (i, t) in forms.iter().enumerate() {
        used_up &= i > 0 && forms[i - 1].pattern == t.pattern;
        let only_shown = ONLY_SHOWN.contains(&t.pattern);
        let before = match carried_out.contains(t.pattern) && !only_shown {
            true => None,
            false => Some(fingerprint(&app).await),
        };
        let reply = browsers[t.browser]
            .send(t.method, t.pattern, &cases, t.token)
            .await;
        check_served(t, &reply, used_up);
        used_up |= reply.status.is_success() || reply.status.is_redirection();
        if let Some(before) = before
            && reply.done
        {
            let touched = changed(&before, &fingerprint(&app).await);
            if only_shown && !touched.is_empty() {
                shown_but_written.push(format!(
                    "POST {} only shows what is to be done, yet changed {touched:?}",
                    t.pattern
                ));
            } else if only_shown || !touched.is_empty() {
                carried_out.insert(t.pattern);
            }
        }
    }
    failures.extend(shown_but_written);
    let posts: BTreeSet<&str> = TABLE
        .iter()
        .filter(|(method, _, _)| *method == POST)
        .map(|(_, pattern, _)| *pattern)
        .collect();
    for pattern in posts {
        match (
            carried_out.contains(pattern),
            NOT_PROVEN_HERE.contains(&pattern),
        ) {
            (false, false) => failures.push(format!(
                "POST {pattern}: no one allowed carried it out with a valid form"
            )),
            (true, true) => failures.push(format!(
                "POST {pattern} was carried out: take it off NOT_PROVEN_HERE"
            )),
            _ => {}
        }
    }

    // A coordinator's form naming another organisation (or its people) acted for their own,
    // or not at all: the colleague is registered for the own organisation, the own entry is
    // still its, and nothing either coordinator did names the other's organisation.
    let registered: Vec<Uuid> =
        sqlx::query_scalar("SELECT organisation_id FROM network_registrations WHERE email = $1")
            .bind(COLLEAGUE)
            .fetch_all(&app.db)
            .await
            .expect("registrations");
    if registered != [cases.stockholm] {
        failures.push(format!("the colleague is registered for {registered:?}"));
    }
    let entry: Uuid = one(
        &app,
        "SELECT coalesce(u.organisation_id, c.organisation_id)
         FROM network_contacts c LEFT JOIN users u ON u.id = c.user_id WHERE c.id = $1",
        &[cases.own_contact],
    )
    .await;
    if entry != cases.stockholm {
        failures.push(format!("the own coordinator's entry is now {entry}'s"));
    }
    let crossed: Vec<String> = sqlx::query_scalar(
        "SELECT action FROM audit_log
         WHERE id > $1 AND (actor_user_id = $2 AND concat(entity_id, before, after) LIKE '%' || $3 || '%'
                         OR actor_user_id = $4 AND concat(entity_id, before, after) LIKE '%' || $5 || '%')",
    )
    .bind(forms_audited)
    .bind(own)
    .bind(cases.skane.to_string())
    .bind(other)
    .bind(cases.stockholm.to_string())
    .fetch_all(&app.db)
    .await
    .expect("audit log");
    if !crossed.is_empty() {
        failures.push(format!("written for the other organisation: {crossed:?}"));
    }

    eprintln!(
        "route matrix: {} routes, {} requests ({} refused); the allowed were answered {served:?}; {} forms carried out",
        TABLE.len(),
        refused.len() + pages.len() + forms.len(),
        refused.len(),
        carried_out.len()
    );
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// What the matrix leaves open of the per-domain role tests it replaced (`reports.rs`,
/// `repayments.rs`): a staff member is refused writing in a region's report and registering
/// its payments (the matrix says so, route by route), yet reads the submitted report and the
/// repayment's page, served whole (200).
#[tokio::test]
async fn staff_read_a_regions_submitted_report_and_its_repayment() {
    let app = TestApp::spawn_on(on(2026, 2, 10)).await;
    paid(&app, STOCKHOLM, "1000000").await;
    let region = app.other_browser();
    region.login_as(Role::Coordinator, Some(STOCKHOLM)).await;
    let report = start_report(&region).await;
    fill_in_everything(&region, report).await;
    submit_report(&region, report).await;
    let mut staff = Vec::new();
    for role in [Role::CaseOfficer, Role::Approver, Role::Admin] {
        let browser = app.other_browser();
        browser.login_as(role, None).await;
        assert_eq!(
            browser
                .get(&format!("/redovisningar/{report}"))
                .await
                .status,
            StatusCode::OK,
            "{role:?} reads the submitted report"
        );
        staff.push((role, browser));
    }
    // Approved, with a payment registered and waiting for a case officer to confirm it.
    let officer = staff[0].1.clone();
    approve_report(&officer, report).await;
    let case = Case {
        region,
        officer,
        org: org_id(&app, STOCKHOLM).await,
        report,
    };
    register(&case, "190 000", "DK").await;
    for (role, browser) in &staff {
        assert_eq!(
            browser.get(&case.page()).await.status,
            StatusCode::OK,
            "{role:?} reads the repayment"
        );
    }
}
