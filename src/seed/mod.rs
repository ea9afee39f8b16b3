//! The real programme from DOMAIN.md, loaded at every start (idempotent); the demo that
//! `cargo run` adds on its private database is in `demo.rs`, its calendar in `model.rs`.
//!
//! # The demo
//!
//! Loaded when `DEMO` is on (the default with the private database). The demo users share
//! the published password `digikoord-demo-2026` and the staff the published TOTP key
//! `DIGIKOORDDEMOHEMLIGHETATTPROVAPA`; both are printed at start-up, and they are marked
//! `users.demo`. A server that would serve them on a non-loopback address or behind an https
//! `PUBLIC_URL` refuses to start, in one line naming `DEMO`, unless `DEMO=true` is set
//! outright. Starting with `DEMO` off deactivates them and ends their sessions (recorded in
//! the audit log).
//!
//! Demo cases follow the calendar: they are placed in the programme year that is running
//! on the (Swedish) day `cargo run` starts — year Y from 27 March Y until its summary to
//! the Government on 26 March Y+1 — and only the steps whose time has come exist, each
//! dated before that day at its usual distance from its deadline (`model.rs`). A year
//! outside the real programme is added in a period of its own, decision number **DEMO**,
//! titled as made-up test data, ministry "—", with the standard deadlines, a decided budget
//! and all 21 actors; it is marked `periods.demo` and shown as a demo on `/program`, and
//! nothing of the real programme changes. What the demo roles find, by season:
//!
//! - late March–April: requisitions filed and decided — Region Stockholm's returned for
//!   completion, Region Skåne's awaiting the case officer, Region Uppsala's payout awaiting
//!   the approver, Region Örebro län's awaiting payment; Gotlands kommun has a later
//!   deadline by extension (30 November);
//! - May–November: everything paid but Gotlands kommun's, filed late by its extension,
//!   whose payout awaits the approver; from November a few reports written early (Region
//!   Stockholm's is a draft) and the case officer approving them; Tillväxtverket
//!   requisitions 23 000 000 kr from Kammarkollegiet a week before 1 December;
//! - December–January: reports written, submitted and approved; early repayments
//!   registered and confirmed; Tillväxtverket's support costs registered;
//! - February–March: the reports in (one a few days late, Region Värmland's returned for
//!   completion, Gotlands kommun's two and a half weeks late), repayments registered,
//!   confirmed and a few overdue; on 13 March Tillväxtverket's repayment to Kammarkollegiet
//!   registered.
//!
//! Every decision the staff take in the story is recorded as a decision record (`/beslut`:
//! requisitions returned and granted, the extension, reports returned and approved), dated
//! when the demo was loaded, since a record keeps the moment it was made. Region Skåne has a
//! signatory besides its coordinator, `firmatecknare.skane@digikoord.example` (printed with
//! the other logins): its requisition and report were drawn up by the coordinator and went
//! in on the signatory's confirmation. The registrar's part: a number series (`Ä 2026-00001`)
//! for each calendar year of registration, this year's included, and a diarienummer on every
//! case the day after it came in, but the living year's three newest and any that came in
//! yesterday, which wait on `/registratur`.
//!
//! The network has a contact, a meeting a month back with its attendance and a competence
//! event three weeks ahead with some regions registered. The cases are loaded once per
//! year: starting again adds nothing, and cases loaded earlier stay as they were (they
//! don't move on with the calendar); when a new year has come alive, its cases are added and
//! the demo period grows to it.
//!
//! `scale.rs` makes synthetic actors × years through the demo's own writes, for the
//! benchmark (`src/bin/bench/main.rs`).

mod demo;
pub mod model;
pub mod scale;
mod story;

use chrono::NaiveDate;
use sqlx::PgPool;
use uuid::Uuid;

use crate::programme::db::add_missing_years;

pub use demo::{
    DEMO_PASSWORD, DEMO_TOTP_SECRET, DemoLogin, deactivate_demo_users, demo, demo_cases, demo_users,
};

/// The 20 regions and Gotlands kommun of I2021/00795, with their organisation numbers.
pub const ACTORS_2021: [(&str, &str); 21] = [
    ("Region Blekinge", "232100-0081"),
    ("Region Dalarna", "232100-0180"),
    ("Region Gävleborg", "232100-0198"),
    ("Region Halland", "232100-0115"),
    ("Region Jämtland Härjedalen", "232100-0214"),
    ("Region Jönköpings län", "232100-0057"),
    ("Region Kalmar län", "232100-0073"),
    ("Region Kronoberg", "232100-0065"),
    ("Region Norrbotten", "232100-0230"),
    ("Region Skåne", "232100-0255"),
    ("Region Stockholm", "232100-0016"),
    ("Region Sörmland", "232100-0032"),
    ("Region Uppsala", "232100-0024"),
    ("Region Värmland", "232100-0156"),
    ("Region Västernorrland", "232100-0206"),
    ("Region Västerbotten", "232100-0222"),
    ("Region Västmanland", "232100-0172"),
    ("Västra Götalandsregionen", "232100-0131"),
    ("Region Örebro län", "232100-0164"),
    ("Region Östergötland", "232100-0040"),
    ("Gotlands kommun", "212000-0803"),
];

/// The 21 actors of N2018/04129 under the names the decision used, and the organisation
/// that carries the task on (a landsting became its region; a samverkansorgan's task
/// passed to the region). Stockholm's actor was the county administrative board.
pub const ACTORS_2018: [(&str, &str); 21] = [
    (
        "Länsstyrelsen i Stockholms län",
        "Länsstyrelsen i Stockholms län",
    ),
    ("Gotlands kommun", "Gotlands kommun"),
    ("Landstinget i Gävleborgs län", "Region Gävleborg"),
    ("Landstinget i Hallands län", "Region Halland"),
    ("Landstinget i Jämtlands län", "Region Jämtland Härjedalen"),
    ("Landstinget i Jönköpings län", "Region Jönköpings län"),
    ("Landstinget i Kronobergs län", "Region Kronoberg"),
    ("Landstinget i Norrbottens län", "Region Norrbotten"),
    ("Landstinget i Skåne län", "Region Skåne"),
    ("Landstinget i Uppsala län", "Region Uppsala"),
    ("Landstinget i Västernorrlands län", "Region Västernorrland"),
    (
        "Landstinget i Västra Götalands län",
        "Västra Götalandsregionen",
    ),
    ("Landstinget i Västmanlands län", "Region Västmanland"),
    ("Landstinget i Örebro län", "Region Örebro län"),
    ("Landstinget i Östergötlands län", "Region Östergötland"),
    ("Samverkansorganet i Blekinge län", "Region Blekinge"),
    ("Samverkansorganet i Dalarnas län", "Region Dalarna"),
    ("Samverkansorganet i Kalmar län", "Region Kalmar län"),
    ("Samverkansorganet i Södermanlands län", "Region Sörmland"),
    ("Samverkansorganet i Värmlands län", "Region Värmland"),
    (
        "Samverkansorganet i Västerbottens län",
        "Region Västerbotten",
    ),
];

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
}

/// N2018/04129 as the press release gives it: the actors' decision and Tillväxtverket's
/// assignment (the same day, its number not in the sources), the single task word for
/// word, a compilation to Näringsdepartementet every 26 March, no Kammarkollegiet chain,
/// 500 000 kr per actor in 2018 (granted by the decision), 1 000 000 kr 2019–2020 subject
/// to the Riksdag. No regional date is in the decision: all are assumed (2018's
/// requisition 15 November, since the decision came in July).
async fn n2018_rules(tx: &mut sqlx::PgConnection, period_id: Uuid) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE periods SET report_ministry = 'Näringsdepartementet',
             report_title = 'Sammanställning avseende de regionala digitaliseringskoordinatorernas verksamhet',
             agency_assignment_date = decision_date, agency_assignment_ministry = ministry,
             agency_assignment_title = 'Uppdrag att administrera ett nationellt sekretariat som ska fungera som en stödfunktion till de regionala digitaliseringskoordinatorerna'
         WHERE id = $1",
    )
    .bind(period_id)
    .execute(&mut *tx)
    .await?;
    crate::programme::db::set_tasks(
        tx,
        period_id,
        &["Digitaliseringskoordinatorn ska, med beaktande av de regionala förutsättningarna, ha i som uppgift att bidra till övergripande och strategisk samordning och samverkan mellan relevanta aktörer för att främja och tillvarata digitaliseringen i det regionala tillväxtarbetet.".to_string()],
    )
    .await?;
    add_missing_years(tx, period_id, 2018, 2020).await?;
    sqlx::query(
        "UPDATE programme_years SET summary_basis = 'N2018/04129',
             budget_state = 'decided', budget_basis = CASE WHEN year = 2018 THEN 'N2018/04129' END,
             agency_support_cap = CASE WHEN year = 2018 THEN 1000000 ELSE 2000000 END,
             cap_per_actor = CASE WHEN year = 2018 THEN 500000 ELSE cap_per_actor END,
             requisition_deadline_decided = CASE WHEN year = 2018 THEN $2 ELSE requisition_deadline_decided END
         WHERE period_id = $1",
    )
    .bind(period_id)
    .bind(date(2018, 11, 15))
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// I2021/00795 and Tillväxtverket's 2021 assignment (the same day: "denna dag"; its number
/// not in the sources): the five tasks word for word, the report on the coordinators and
/// the digital innovation hubs with DIGG's views to Infrastrukturdepartementet, the
/// Kammarkollegiet chain (23 000 000 kr a year, UO 22 anslag 2:4 ap. 4), 2 000 000 kr a
/// year for Tillväxtverket's own work. The dates each rest on the decision that gives
/// them; the 2025 report and repayment and the 26 March 2026 report are assumed (the
/// sources name 2022–2025 and 2021–2025). 2021's funds are granted by the decision; those
/// of 2022–2025 follow the Riksdag's yearly decisions, which the sources don't give: the
/// seed marks them decided as an assumption (no basis).
async fn i2021_rules(tx: &mut sqlx::PgConnection, period_id: Uuid) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE periods SET report_ministry = 'Infrastrukturdepartementet',
             report_title = 'Redovisning avseende de regionala digitaliseringskoordinatorernas verksamhet samt avseende arbetet med de digitala innovationshubbarna',
             report_hubs = true, report_digg = true, kammarkollegiet_chain = true,
             appropriation = 'Utgiftsområde 22 Kommunikationer, anslag 2:4 Informationsteknik och telekommunikation, anslagspost 4 Informationsteknik – del till Kammarkollegiets disposition',
             agency_frame = 23000000,
             agency_assignment_date = decision_date, agency_assignment_ministry = ministry,
             agency_assignment_title = 'Uppdrag att lämna stöd till de regionala digitaliseringskoordinatorerna samt att samordna och koordinera digitala innovationshubbar'
         WHERE id = $1",
    )
    .bind(period_id)
    .execute(&mut *tx)
    .await?;
    crate::programme::db::set_tasks(tx, period_id, &TASKS_2021.map(String::from)).await?;
    add_missing_years(tx, period_id, 2021, 2025).await?;
    let assignment = "Tillväxtverkets uppdrag 2021-03-04";
    sqlx::query(
        "UPDATE programme_years SET
             requisition_basis = 'I2021/00795',
             requisition_deadline_decided = CASE WHEN year = 2021 THEN $2 ELSE requisition_deadline_decided END,
             report_basis = CASE WHEN year < 2025 THEN 'I2021/00795' END,
             repayment_basis = CASE WHEN year < 2025 THEN 'I2021/00795' END,
             agency_requisition_basis = $3, agency_repayment_basis = $3,
             summary_basis = CASE WHEN year < 2025 THEN $3 END,
             budget_state = 'decided', budget_basis = CASE WHEN year = 2021 THEN 'I2021/00795' END,
             agency_support_cap = 2000000
         WHERE period_id = $1",
    )
    .bind(period_id)
    .bind(date(2021, 11, 15))
    .bind(assignment)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// The coordinators' five tasks in I2021/00795, word for word.
pub const TASKS_2021: [&str; 5] = [
    "Verka främjande för att digitalisering integreras i det regionala tillväxtarbetet utifrån uppgifterna som anges i lagen (2010:630) om regionalt utvecklingsansvar. Detta med utgångspunkt i regeringens nationella digitaliseringsstrategi och dess delmål.",
    "Stötta nätverk, sprida relevant information i länet till relevanta aktörer för att öka kunskap och förutsättningar och för att därigenom dra nytta av ny teknik och digital innovation.",
    "Verka för att identifiera förbättringsområden inom området digitalisering kopplat till den nationella digitaliseringsstrategin och det regionala tillväxtarbetet.",
    "Samverka med Tillväxtverket och delta i det nätverk som myndigheten tillhandahåller.",
    "Bistå Tillväxtverket med uppföljning och analys av hur verksamheten bedrivits samt vilka behov och utmaningar som kunnat påvisas.",
];

/// Loads organisations, both periods, their actors and all years. Safe to run again:
/// it adds what is missing and never overwrites what an administrator changed.
pub async fn programme(db: &PgPool) -> sqlx::Result<()> {
    let mut tx = db.begin().await?;
    for (name, number) in ACTORS_2021 {
        sqlx::query("INSERT INTO organisations (id, name, org_number) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
            .bind(Uuid::new_v4())
            .bind(name)
            .bind(number)
            .execute(&mut *tx)
            .await?;
    }
    sqlx::query("INSERT INTO organisations (id, name) VALUES ($1, 'Länsstyrelsen i Stockholms län') ON CONFLICT DO NOTHING")
        .bind(Uuid::new_v4())
        .execute(&mut *tx)
        .await?;

    let periods = [
        (
            "N2018/04129",
            date(2018, 7, 12),
            "Uppdrag och erbjudande att inrätta och upprätthålla en funktion som regional digitaliseringskoordinator",
            "Näringsdepartementet",
            2018,
            2020,
        ),
        (
            "I2021/00795",
            date(2021, 3, 4),
            "Erbjudande att upprätthålla en funktion som regional digitaliseringskoordinator",
            "Infrastrukturdepartementet",
            2021,
            2025,
        ),
    ];
    for (number, decided, title, ministry, first, last) in periods {
        let inserted: Option<(Uuid,)> = sqlx::query_as(
            "INSERT INTO periods (id, decision_number, decision_date, title, ministry, first_year, last_year,
                 report_ministry, report_title)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $5, $4) ON CONFLICT DO NOTHING RETURNING id",
        )
        .bind(Uuid::new_v4())
        .bind(number)
        .bind(decided)
        .bind(title)
        .bind(ministry)
        .bind(first)
        .bind(last)
        .fetch_optional(&mut *tx)
        .await?;
        // Only a period created now gets its actors and years; later edits are the administrator's.
        let Some((period_id,)) = inserted else {
            continue;
        };
        let actors: Vec<(&str, &str)> = if first == 2018 {
            ACTORS_2018.to_vec()
        } else {
            ACTORS_2021.iter().map(|(name, _)| (*name, *name)).collect()
        };
        for (actor_name, organisation) in actors {
            sqlx::query(
                "INSERT INTO period_actors (period_id, organisation_id, actor_name)
                 SELECT $1, id, $2 FROM organisations WHERE name = $3",
            )
            .bind(period_id)
            .bind(actor_name)
            .bind(organisation)
            .execute(&mut *tx)
            .await?;
        }
        if first == 2018 {
            n2018_rules(&mut tx, period_id).await?;
        } else {
            i2021_rules(&mut tx, period_id).await?;
        }
    }
    tx.commit().await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::programme::model::parse_org_number;

    #[test]
    fn every_organisation_number_in_the_seed_is_luhn_valid() {
        for (name, number) in ACTORS_2021 {
            assert_eq!(parse_org_number(number).as_deref(), Ok(number), "{name}");
        }
    }

    #[test]
    fn every_2018_actor_maps_to_a_known_organisation() {
        for (actor, organisation) in ACTORS_2018 {
            assert!(
                organisation == "Länsstyrelsen i Stockholms län"
                    || ACTORS_2021.iter().any(|(n, _)| *n == organisation),
                "{actor} → {organisation}"
            );
        }
    }
}
