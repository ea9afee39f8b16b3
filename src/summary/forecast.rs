//! The outflow forecast (`/oversikt/prognos`, staff): on any day, what Tillväxtverket
//! expects to repay to Kammarkollegiet on the year's repayment day (15 March Y+1, as
//! söndagsregeln moves it) and what is still uncertain, per actor; downloaded as CSV and
//! XLSX (`lists::Table`) and as JSON for the agency's own reporting to the state's finance
//! system.
//!
//! It stands on the account's one rule (`AgencyAccount::to_repay`): requisitioned − paid
//! out − own costs + from each region what it owed and paid. What no region changes —
//! requisitioned − paid out − own costs, money never paid out included — is known today
//! (`Forecast::agency_part`); from each actor:
//!
//! - *Säker*: an approved report says what is unused: it goes on to Kammarkollegiet,
//!   whether the region has paid it in yet or not (what it has not is shown apart).
//! - *Osäker*: a report submitted and not approved (its figure may change on review), a
//!   correction of an approved report waiting for review, or no report yet: between 0 kr
//!   and what was paid out. A payout under way lowers the repayment by up to its amount.
//! - *Ingen utbetalning*: nothing paid; what was requisitioned for the actor is never paid
//!   out and goes back with Tillväxtverket's part.
//!
//! A year whose period has no Kammarkollegiet chain (2018–2020) has no forecast: the page
//! says so. The rules are pure and unit-tested here; the rows are read in `forecast_db.rs`;
//! the page is at the end of this file.

use askama::Template;
use axum::{
    extract::{Query, State},
    response::Response,
};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{
    AppState,
    auth::{Ctx, CurrentUser},
    error::{AppError, Result},
    lists::{Cell, Column, Export, Table, column},
    programme::{
        db::ProgrammeYear,
        model::{ASSUMED, DeadlineStatus, YearDate},
    },
    repayments::model::{AgencyAccount, Balance},
    reports::model::ReportState,
    web::{download_response, filters, render},
};

// ---- The rules ----

/// What Digikoord holds of one actor's year, as the forecast reads it (`forecast_db`).
#[derive(Clone, Debug, PartialEq)]
pub struct ActorFigures {
    pub organisation_id: Uuid,
    pub actor_name: String,
    pub case_number: Option<String>,
    /// Registered payouts of the year: the account's `paid_out`, per actor.
    pub paid_out: Decimal,
    /// Payouts prepared or approved, not yet paid.
    pub payout_under_way: Decimal,
    /// The state of the latest report version, once one is started.
    pub report_state: Option<ReportState>,
    /// What the latest version says is unused, once submitted (`report_owed`).
    pub latest_unused: Option<Decimal>,
    /// The repayment, `owed` as `repayment_owed_per_actor` says it.
    pub balance: Balance,
    /// The year is imported history for the actor: outside the account.
    pub imported: bool,
}

/// Where an actor's year stands, as far as the forecast is concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stand {
    /// An approved report: the unused amount is known.
    Approved,
    /// An approved report, and a correction of it waiting for review.
    Correction,
    /// A report submitted (or returned for completion), none approved.
    Submitted,
    /// Paid, no report submitted yet.
    NoReport,
    /// Nothing paid yet, a payout under way.
    PayoutUnderWay,
    /// Nothing paid, nothing under way.
    NothingPaid,
    /// The year is imported history for the actor.
    Imported,
}

/// How sure the forecast is of an actor's part.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Certainty {
    Certain,
    Uncertain,
    NoPayout,
    /// Imported history: not in the account Digikoord keeps.
    Outside,
}

impl Certainty {
    pub const ALL: [Certainty; 4] = [
        Certainty::Certain,
        Certainty::Uncertain,
        Certainty::NoPayout,
        Certainty::Outside,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Certainty::Certain => "Säker",
            Certainty::Uncertain => "Osäker",
            Certainty::NoPayout => "Ingen utbetalning",
            Certainty::Outside => "Utanför kontot",
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            Certainty::Certain => "saker",
            Certainty::Uncertain => "osaker",
            Certainty::NoPayout => "ingen-utbetalning",
            Certainty::Outside => "utanfor",
        }
    }
}

impl Stand {
    pub fn of(a: &ActorFigures) -> Stand {
        if a.imported {
            return Stand::Imported;
        }
        let under_review = matches!(
            a.report_state,
            Some(ReportState::Submitted | ReportState::Returned)
        );
        match a.balance.owed {
            Some(_) if a.balance.approved && under_review => Stand::Correction,
            Some(_) if a.balance.approved => Stand::Approved,
            Some(_) => Stand::Submitted,
            None if a.paid_out > Decimal::ZERO => Stand::NoReport,
            None if a.payout_under_way > Decimal::ZERO => Stand::PayoutUnderWay,
            None => Stand::NothingPaid,
        }
    }

    pub fn certainty(self) -> Certainty {
        match self {
            Stand::Approved => Certainty::Certain,
            Stand::Correction | Stand::Submitted | Stand::NoReport | Stand::PayoutUnderWay => {
                Certainty::Uncertain
            }
            Stand::NothingPaid => Certainty::NoPayout,
            Stand::Imported => Certainty::Outside,
        }
    }

    /// The report's state, as the table's column says it.
    pub fn label(self) -> &'static str {
        match self {
            Stand::Approved => "Godkänd",
            Stand::Correction => "Godkänd, rättelse inlämnad men ej godkänd",
            Stand::Submitted => "Inlämnad, ej godkänd",
            Stand::NoReport => "Ingen inlämnad",
            Stand::PayoutUnderWay => "Utbetalning pågår",
            Stand::NothingPaid => "Inget utbetalt",
            Stand::Imported => "Importerad historik",
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            Stand::Approved => "godkand",
            Stand::Correction => "rattelse",
            Stand::Submitted => "inlamnad",
            Stand::NoReport => "ingen-redovisning",
            Stand::PayoutUnderWay => "utbetalning-pagar",
            Stand::NothingPaid => "inget-utbetalt",
            Stand::Imported => "importerad",
        }
    }

    /// Why the actor's part is as sure as it is.
    pub fn reason(self) -> &'static str {
        match self {
            Stand::Approved => {
                "Oanvänt enligt den godkända redovisningen: känt, och går vidare till Kammarkollegiet."
            }
            Stand::Correction => {
                "En rättelse av den godkända redovisningen väntar på granskning: det oanvända beloppet kan ändras när den godkänns."
            }
            Stand::Submitted => {
                "Redovisningen är inte godkänd än: det oanvända beloppet kan ändras vid granskningen."
            }
            Stand::NoReport => {
                "Ingen redovisning är inlämnad: det oanvända beloppet är okänt, mellan 0 kr och det utbetalda."
            }
            Stand::PayoutUnderWay => {
                "En utbetalning är på väg: betalas den ut minskar återbetalningen till Kammarkollegiet med högst dess belopp."
            }
            Stand::NothingPaid => {
                "Inget är utbetalt: det som rekvirerats för aktören stannar hos Tillväxtverket och återbetalas med Tillväxtverkets del."
            }
            Stand::Imported => {
                "Året är inläst som historik för aktören: det ingår inte i Tillväxtverkets konto i Digikoord."
            }
        }
    }
}

/// One actor's part of the forecast.
#[derive(Clone, Debug, PartialEq)]
pub struct ActorForecast {
    pub figures: ActorFigures,
    pub stand: Stand,
}

impl ActorForecast {
    pub fn of(figures: ActorFigures) -> ActorForecast {
        let stand = Stand::of(&figures);
        ActorForecast { figures, stand }
    }

    pub fn certainty(&self) -> Certainty {
        self.stand.certainty()
    }

    /// What goes on to Kammarkollegiet from this actor for certain: an approved report's
    /// unused amount (what the region owes; an over-payment is the region's and never
    /// counts, as `Balance::counted` has it).
    pub fn certain(&self) -> Decimal {
        match self.stand {
            Stand::Approved => self.figures.balance.owed_or_zero(),
            _ => Decimal::ZERO,
        }
    }

    /// The least this actor's year adds to the repayment: a payout under way, once paid,
    /// takes its amount off it.
    pub fn low(&self) -> Decimal {
        match self.stand {
            Stand::PayoutUnderWay => -self.figures.payout_under_way,
            _ => self.certain(),
        }
    }

    /// The most this actor's year adds to the repayment: at most everything paid out comes
    /// back unused.
    pub fn high(&self) -> Decimal {
        match self.stand {
            Stand::Correction | Stand::Submitted | Stand::NoReport => self.figures.paid_out,
            _ => self.certain(),
        }
    }

    /// The unused amount an approved report gives: known.
    pub fn approved_unused(&self) -> Option<Decimal> {
        match self.stand {
            Stand::Approved | Stand::Correction => self.figures.balance.owed,
            _ => None,
        }
    }

    /// The unused amount a report not yet approved gives: it may change.
    pub fn submitted_unused(&self) -> Option<Decimal> {
        match self.stand {
            Stand::Submitted => self.figures.balance.owed,
            Stand::Correction => self.figures.latest_unused,
            _ => None,
        }
    }

    /// A payout under way, not yet paid.
    pub fn payout_under_way(&self) -> Option<Decimal> {
        Some(self.figures.payout_under_way).filter(|q| *q > Decimal::ZERO)
    }

    /// Paid in by the region and kept: received less what was refunded to it.
    pub fn repaid(&self) -> Decimal {
        self.figures.balance.net()
    }

    /// Of the certain amount, what the region has still to pay in.
    pub fn not_yet_received(&self) -> Decimal {
        match self.stand {
            Stand::Approved => self.figures.balance.remaining(),
            _ => Decimal::ZERO,
        }
    }

    fn cells(&self) -> Vec<Cell> {
        let f = &self.figures;
        vec![
            Cell::text(&f.actor_name),
            match &f.case_number {
                Some(c) => Cell::text(c),
                None => Cell::Empty,
            },
            Cell::Amount(f.paid_out),
            Cell::text(self.stand.label()),
            Cell::amount(self.approved_unused()),
            Cell::amount(self.submitted_unused()),
            Cell::Amount(self.repaid()),
            Cell::text(self.certainty().label()),
            Cell::Amount(self.certain()),
            Cell::Amount(self.low()),
            Cell::Amount(self.high()),
        ]
    }
}

/// The columns of the forecast's table, as downloaded.
pub const COLUMNS: [Column; 11] = [
    column("aktor", "Aktör"),
    column("arende", "Ärende"),
    column("utbetalt", "Utbetalt"),
    column("redovisning", "Redovisning"),
    column("oanvant-godkant", "Oanvänt enligt godkänd redovisning"),
    column("oanvant-inlamnat", "Oanvänt enligt redovisning ej godkänd"),
    column("inbetalt", "Inbetalt av regionen"),
    column("bedomning", "Bedömning"),
    column("sakert", "Säkert till Kammarkollegiet"),
    column("lagst", "Lägst"),
    column("hogst", "Högst"),
];

/// The line of the table that is Tillväxtverket's own part.
pub const AGENCY_LINE: &str = "Tillväxtverket: rekvirerat − utbetalt − egna kostnader";

/// A year's forecast on one day.
#[derive(Clone, Debug)]
pub struct Forecast {
    pub year: i32,
    pub today: NaiveDate,
    /// The repayment day that counts (söndagsregeln applied where the period applies it).
    pub deadline: NaiveDate,
    /// The repayment day as the decision writes it.
    pub decided: NaiveDate,
    pub account: AgencyAccount,
    pub actors: Vec<ActorForecast>,
}

impl Forecast {
    pub fn of(
        year: i32,
        today: NaiveDate,
        (deadline, decided): (NaiveDate, NaiveDate),
        account: AgencyAccount,
        figures: Vec<ActorFigures>,
    ) -> Forecast {
        Forecast {
            year,
            today,
            deadline,
            decided,
            account,
            actors: figures.into_iter().map(ActorForecast::of).collect(),
        }
    }

    /// What goes back whatever the regions do: requisitioned − paid out − own costs, money
    /// never paid out included — the account's amount to repay without what came from the
    /// regions. `None` until the requisition from Kammarkollegiet is registered.
    pub fn agency_part(&self) -> Option<Decimal> {
        self.account
            .requisitioned
            .map(|_| self.account.to_repay() - self.account.counted_from_regions)
    }

    fn sum(&self, f: impl Fn(&ActorForecast) -> Decimal) -> Decimal {
        self.actors.iter().map(f).sum()
    }

    /// From the actors, for certain: the approved reports' unused amounts.
    pub fn from_actors(&self) -> Decimal {
        self.sum(ActorForecast::certain)
    }

    pub fn actors_low(&self) -> Decimal {
        self.sum(ActorForecast::low)
    }

    pub fn actors_high(&self) -> Decimal {
        self.sum(ActorForecast::high)
    }

    /// What Tillväxtverket is certain to repay, as things stand today.
    pub fn certain(&self) -> Option<Decimal> {
        self.agency_part().map(|a| a + self.from_actors())
    }

    /// The least it may repay.
    pub fn low(&self) -> Option<Decimal> {
        self.agency_part().map(|a| a + self.actors_low())
    }

    /// The most it may repay.
    pub fn high(&self) -> Option<Decimal> {
        self.agency_part().map(|a| a + self.actors_high())
    }

    /// What it repays if every report not yet approved is approved as it stands (and the
    /// actors that have not reported leave nothing unused).
    pub fn as_submitted(&self) -> Option<Decimal> {
        let submitted: Decimal = self
            .actors
            .iter()
            .filter_map(ActorForecast::submitted_unused)
            .sum();
        self.certain().map(|c| c + submitted)
    }

    /// Of the certain amount, what the regions have still to pay in.
    pub fn not_yet_received(&self) -> Decimal {
        self.sum(ActorForecast::not_yet_received)
    }

    /// Paid out to the actors, as the account counts it.
    pub fn paid_out(&self) -> Decimal {
        self.account.paid_out
    }

    /// Paid in by the regions and kept.
    pub fn repaid(&self) -> Decimal {
        self.sum(ActorForecast::repaid)
    }

    pub fn count(&self, certainty: Certainty) -> usize {
        self.actors
            .iter()
            .filter(|a| a.certainty() == certainty)
            .count()
    }

    /// (label, key, number of actors) of each certainty some actor has.
    pub fn counts(&self) -> Vec<(&'static str, &'static str, usize)> {
        Certainty::ALL
            .iter()
            .map(|c| (c.label(), c.key(), self.count(*c)))
            .filter(|(_, _, n)| *n > 0)
            .collect()
    }

    /// "15 mars 2026 (söndag) → 16 mars 2026" when söndagsregeln moved the day.
    pub fn moved(&self) -> Option<String> {
        crate::programme::model::moved(self.decided, self.deadline)
    }

    /// The day the money is due, as people read it: moved by söndagsregeln, said so.
    pub fn deadline_text(&self) -> String {
        self.moved()
            .unwrap_or_else(|| crate::dates::format_date(self.deadline))
    }

    /// "N dagar kvar", "Sista dagen i dag", "Passerad för N dagar sedan".
    pub fn deadline_status(&self) -> String {
        DeadlineStatus::of(self.deadline, self.today).label()
    }

    /// The table as downloaded: a line per actor, Tillväxtverket's part, and the sum. Each
    /// amount column adds up to its sum line.
    pub fn table(&self) -> Table {
        let mut rows: Vec<Vec<Cell>> = self.actors.iter().map(ActorForecast::cells).collect();
        let agency = self.agency_part();
        if let Some(part) = agency {
            rows.push(vec![
                Cell::text(AGENCY_LINE),
                Cell::Empty,
                Cell::Empty,
                Cell::Empty,
                Cell::Empty,
                Cell::Empty,
                Cell::Empty,
                Cell::text(Certainty::Certain.label()),
                Cell::Amount(part),
                Cell::Amount(part),
                Cell::Amount(part),
            ]);
        }
        let part = agency.unwrap_or_default();
        rows.push(vec![
            Cell::text(match agency {
                Some(_) => "Summa",
                None => {
                    "Summa från aktörerna (rekvisitionen från Kammarkollegiet är inte registrerad)"
                }
            }),
            Cell::Empty,
            Cell::Amount(self.sum(|a| a.figures.paid_out)),
            Cell::Empty,
            Cell::Amount(self.sum(|a| a.approved_unused().unwrap_or_default())),
            Cell::Amount(self.sum(|a| a.submitted_unused().unwrap_or_default())),
            Cell::Amount(self.repaid()),
            Cell::Empty,
            Cell::Amount(part + self.from_actors()),
            Cell::Amount(part + self.actors_low()),
            Cell::Amount(part + self.actors_high()),
        ]);
        Table::new(&COLUMNS, rows)
    }

    /// The forecast for the agency's own reporting: amounts as exact decimal strings.
    pub fn json(&self, appropriation: Option<&str>) -> std::result::Result<Vec<u8>, String> {
        let export = JsonForecast {
            year: self.year,
            as_of: self.today,
            repayment_deadline: self.deadline,
            repayment_deadline_decided: self.decided,
            appropriation,
            requisitioned: self.account.requisitioned,
            paid_out: self.account.paid_out,
            support_costs: self.account.support_costs,
            agency_part: self.agency_part(),
            certain: self.certain(),
            low: self.low(),
            high: self.high(),
            if_approved_as_submitted: self.as_submitted(),
            not_yet_received_from_regions: self.not_yet_received(),
            repaid_to_kammarkollegiet: self.account.repaid,
            actors: self
                .actors
                .iter()
                .map(|a| JsonActor {
                    organisation_id: a.figures.organisation_id,
                    actor: &a.figures.actor_name,
                    case_number: a.figures.case_number.as_deref(),
                    paid_out: a.figures.paid_out,
                    report: a.stand.key(),
                    certainty: a.certainty().key(),
                    unused_approved: a.approved_unused(),
                    unused_not_approved: a.submitted_unused(),
                    repaid_by_region: a.repaid(),
                    certain: a.certain(),
                    low: a.low(),
                    high: a.high(),
                })
                .collect(),
        };
        serde_json::to_vec_pretty(&export).map_err(|e| format!("json: {e}"))
    }
}

#[derive(Serialize)]
struct JsonForecast<'a> {
    year: i32,
    as_of: NaiveDate,
    repayment_deadline: NaiveDate,
    repayment_deadline_decided: NaiveDate,
    appropriation: Option<&'a str>,
    requisitioned: Option<Decimal>,
    paid_out: Decimal,
    support_costs: Decimal,
    agency_part: Option<Decimal>,
    certain: Option<Decimal>,
    low: Option<Decimal>,
    high: Option<Decimal>,
    if_approved_as_submitted: Option<Decimal>,
    not_yet_received_from_regions: Decimal,
    repaid_to_kammarkollegiet: Option<Decimal>,
    actors: Vec<JsonActor<'a>>,
}

#[derive(Serialize)]
struct JsonActor<'a> {
    organisation_id: Uuid,
    actor: &'a str,
    case_number: Option<&'a str>,
    paid_out: Decimal,
    report: &'static str,
    certainty: &'static str,
    unused_approved: Option<Decimal>,
    unused_not_approved: Option<Decimal>,
    repaid_by_region: Decimal,
    certain: Decimal,
    low: Decimal,
    high: Decimal,
}

// ---- The page ----

#[derive(Deserialize)]
pub struct ForecastQuery {
    ar: Option<String>,
    format: Option<String>,
}

#[derive(Template)]
#[template(path = "summary/forecast.html")]
struct ForecastPage {
    ctx: Ctx,
    year: ProgrammeYear,
    years: Vec<i32>,
    /// `None`: the year's period has no Kammarkollegiet chain.
    forecast: Option<Forecast>,
}

/// The forecast of the chosen year (`?ar=`), or its CSV, XLSX or JSON (`format=`).
pub async fn page(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(query): Query<ForecastQuery>,
) -> Result<Response> {
    user.require_staff()?;
    let (year, years) = crate::programme::page_year(&state, query.ar.as_deref()).await?;
    let forecast = match year.agency_repayment_deadline.filter(|_| year.has_chain()) {
        Some(deadline) => {
            let decided = year.agency_repayment_deadline_decided.unwrap_or(deadline);
            let (account, actors) =
                super::forecast_db::load(&state.figures, &state.db, year.year).await?;
            Some(Forecast::of(
                year.year,
                state.clock.today(),
                (deadline, decided),
                account,
                actors,
            ))
        }
        None => None,
    };
    let format = query.format.as_deref().map(str::trim);
    if format.is_some_and(|f| !f.is_empty()) {
        let Some(forecast) = forecast else {
            return Err(AppError::BadRequest(no_chain(year.year)));
        };
        let name = format!("prognos-kammarkollegiet-{}", year.year);
        if format == Some("json") {
            let appropriation = state
                .programme
                .period(&state.db, year.period_id)
                .await?
                .and_then(|p| p.appropriation);
            let bytes = forecast
                .json(appropriation.as_deref())
                .map_err(AppError::Internal)?;
            return Ok(download_response(
                bytes,
                "application/json",
                &format!("{name}.json"),
            ));
        }
        let export = Export::read(format)
            .ok_or_else(|| AppError::BadRequest("Välj CSV, Excel (XLSX) eller JSON.".into()))?;
        return forecast.table().download(
            export,
            &name,
            &format!("Prognos Kammarkollegiet {}", year.year),
        );
    }
    render(&ForecastPage {
        ctx: user.ctx,
        year,
        years,
        forecast,
    })
}

/// What a year without the chain has instead of a forecast.
fn no_chain(year: i32) -> String {
    format!(
        "{year} har ingen rekvisition från och ingen återbetalning till Kammarkollegiet: periodens beslut anger ingen sådan, och det finns inget konto med Kammarkollegiet att göra en prognos för."
    )
}

impl ForecastPage {
    fn no_chain(&self) -> String {
        no_chain(self.year.year)
    }

    /// The address of a download of the forecast.
    fn export_link(&self, format: &str) -> String {
        format!("/oversikt/prognos?ar={}&format={format}", self.year.year)
    }

    /// The date is ours, not the decision's.
    fn deadline_assumed(&self) -> bool {
        self.year.basis(YearDate::AgencyRepayment).is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn dec(s: &str) -> Decimal {
        Decimal::from_str(s).expect("decimal")
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("date")
    }

    fn actor(name: &str, paid_out: &str) -> ActorFigures {
        ActorFigures {
            organisation_id: Uuid::new_v4(),
            actor_name: name.into(),
            case_number: Some(format!("DK-2025-{name}")),
            paid_out: dec(paid_out),
            payout_under_way: Decimal::ZERO,
            report_state: None,
            latest_unused: None,
            balance: Balance::default(),
            imported: false,
        }
    }

    /// Approved with `unused`, and `received` paid in.
    fn approved(name: &str, paid_out: &str, unused: &str, received: &str) -> ActorFigures {
        ActorFigures {
            report_state: Some(ReportState::Approved),
            latest_unused: Some(dec(unused)),
            balance: Balance {
                owed: Some(dec(unused)),
                approved: true,
                received: dec(received),
                ..Balance::default()
            },
            ..actor(name, paid_out)
        }
    }

    fn submitted(name: &str, paid_out: &str, unused: &str) -> ActorFigures {
        ActorFigures {
            report_state: Some(ReportState::Submitted),
            latest_unused: Some(dec(unused)),
            balance: Balance {
                owed: Some(dec(unused)),
                approved: false,
                ..Balance::default()
            },
            ..actor(name, paid_out)
        }
    }

    /// The account as `repayments::db::agency_account` sums it from the same figures.
    fn account(requisitioned: Option<&str>, costs: &str, actors: &[ActorFigures]) -> AgencyAccount {
        let live: Vec<&ActorFigures> = actors.iter().filter(|a| !a.imported).collect();
        AgencyAccount {
            year: 2025,
            requisitioned: requisitioned.map(dec),
            support_costs: dec(costs),
            paid_out: live.iter().map(|a| a.paid_out).sum(),
            received_from_regions: live.iter().map(|a| a.balance.received).sum(),
            refunded_to_regions: live.iter().map(|a| a.balance.refunded).sum(),
            owed_to_regions: live.iter().map(|a| a.balance.overpaid()).sum(),
            counted_from_regions: live.iter().map(|a| a.balance.counted()).sum(),
            ..AgencyAccount::default()
        }
    }

    fn forecast(requisitioned: Option<&str>, costs: &str, actors: Vec<ActorFigures>) -> Forecast {
        let account = account(requisitioned, costs, &actors);
        Forecast::of(
            2025,
            date(2026, 3, 1),
            (date(2026, 3, 16), date(2026, 3, 15)),
            account,
            actors,
        )
    }

    #[test]
    fn each_actor_is_classed_by_its_report_and_its_payout() {
        let mut correction = approved("E", "1000000", "100000", "0");
        correction.report_state = Some(ReportState::Submitted);
        correction.latest_unused = Some(dec("150000"));
        let mut under_way = actor("F", "0");
        under_way.payout_under_way = dec("1000000");
        let mut imported = actor("G", "0");
        imported.imported = true;
        let cases = [
            (
                approved("A", "1000000", "0", "0"),
                Stand::Approved,
                Certainty::Certain,
            ),
            (
                submitted("B", "1000000", "50000"),
                Stand::Submitted,
                Certainty::Uncertain,
            ),
            (actor("C", "1000000"), Stand::NoReport, Certainty::Uncertain),
            (actor("D", "0"), Stand::NothingPaid, Certainty::NoPayout),
            (correction, Stand::Correction, Certainty::Uncertain),
            (under_way, Stand::PayoutUnderWay, Certainty::Uncertain),
            (imported, Stand::Imported, Certainty::Outside),
        ];
        for (figures, stand, certainty) in cases {
            let a = ActorForecast::of(figures);
            assert_eq!(a.stand, stand, "{}", a.figures.actor_name);
            assert_eq!(a.certainty(), certainty, "{}", a.figures.actor_name);
            assert!(a.low() <= a.certain() && a.certain() <= a.high(), "{a:?}");
        }
        // A returned report is not approved either.
        let mut returned = submitted("H", "1000000", "1");
        returned.report_state = Some(ReportState::Returned);
        assert_eq!(Stand::of(&returned), Stand::Submitted);
    }

    #[test]
    fn once_every_report_is_approved_and_paid_in_the_forecast_is_what_the_account_repays() {
        let f = forecast(
            Some("23000000"),
            "1850000",
            vec![
                approved("A", "1000000", "120000.50", "120000.50"),
                approved("B", "1000000", "0", "0"),
                approved("C", "1000000", "300000", "300000"),
            ],
        );
        assert_eq!(f.certain(), Some(f.account.to_repay()));
        assert_eq!(f.low(), f.certain());
        assert_eq!(f.high(), f.certain());
        // 23 000 000 − 3 000 000 − 1 850 000 + 420 000,50
        assert_eq!(f.certain(), Some(dec("18570000.50")));
        assert_eq!(f.agency_part(), Some(dec("18150000")));
        assert_eq!(f.not_yet_received(), Decimal::ZERO);
        assert_eq!(f.count(Certainty::Certain), 3);
    }

    #[test]
    fn an_approved_amount_not_yet_paid_in_is_expected_all_the_same_and_shown_apart() {
        let f = forecast(
            Some("3000000"),
            "0",
            vec![
                approved("A", "1000000", "200000", "50000"),
                approved("B", "1000000", "100000", "0"),
            ],
        );
        // The account counts only what came in (50 000); the forecast all that is owed.
        assert_eq!(f.account.to_repay(), dec("1050000"));
        assert_eq!(f.certain(), Some(dec("1300000")));
        assert_eq!(f.not_yet_received(), dec("250000"));
    }

    #[test]
    fn an_over_payment_is_the_regions_money_and_never_adds_to_the_forecast() {
        let f = forecast(
            Some("2000000"),
            "0",
            vec![approved("A", "1000000", "100000", "160000")],
        );
        assert_eq!(f.certain(), Some(dec("1100000")));
        assert_eq!(f.certain(), Some(f.account.to_repay()));
    }

    #[test]
    fn a_report_not_approved_leaves_a_range_from_nothing_to_all_that_was_paid_out() {
        let f = forecast(
            Some("23000000"),
            "2000000",
            vec![
                approved("A", "1000000", "100000", "100000"),
                // Paid in already what it says is unused: the review may still change it.
                ActorFigures {
                    balance: Balance {
                        received: dec("40000"),
                        ..submitted("B", "1000000", "40000").balance
                    },
                    ..submitted("B", "1000000", "40000")
                },
                actor("C", "800000"),
            ],
        );
        // 23 000 000 − 2 800 000 − 2 000 000 = 18 200 000; + A's 100 000.
        assert_eq!(f.agency_part(), Some(dec("18200000")));
        assert_eq!(f.certain(), Some(dec("18300000")));
        assert_eq!(f.low(), Some(dec("18300000")));
        assert_eq!(f.high(), Some(dec("20100000")));
        assert_eq!(f.as_submitted(), Some(dec("18340000")));
        assert_eq!(f.count(Certainty::Uncertain), 2);
        let b = &f.actors[1];
        assert_eq!(b.approved_unused(), None);
        assert_eq!(b.submitted_unused(), Some(dec("40000")));
        assert_eq!(b.repaid(), dec("40000"));
    }

    #[test]
    fn money_never_paid_out_goes_back_with_tillvaxtverkets_part() {
        let f = forecast(
            Some("23000000"),
            "2000000",
            vec![approved("A", "1000000", "0", "0"), actor("B", "0")],
        );
        // B's million was requisitioned and never paid: it is repaid for certain.
        assert_eq!(f.agency_part(), Some(dec("20000000")));
        assert_eq!(f.certain(), Some(dec("20000000")));
        assert_eq!(f.actors[1].certain(), Decimal::ZERO);
        assert_eq!(f.count(Certainty::NoPayout), 1);
    }

    #[test]
    fn a_payout_under_way_may_lower_the_repayment_by_its_amount() {
        let mut b = actor("B", "0");
        b.payout_under_way = dec("750000");
        let f = forecast(
            Some("2000000"),
            "0",
            vec![approved("A", "1000000", "0", "0"), b],
        );
        assert_eq!(f.certain(), Some(dec("1000000")));
        assert_eq!(f.low(), Some(dec("250000")));
        assert_eq!(f.high(), Some(dec("1000000")));
    }

    #[test]
    fn a_correction_waiting_for_review_makes_the_approved_figure_uncertain() {
        let mut a = approved("A", "1000000", "100000", "100000");
        a.report_state = Some(ReportState::Submitted);
        a.latest_unused = Some(dec("180000"));
        let f = forecast(Some("1000000"), "0", vec![a]);
        assert_eq!(f.certain(), Some(Decimal::ZERO));
        assert_eq!(f.high(), Some(dec("1000000")));
        assert_eq!(f.as_submitted(), Some(dec("180000")));
        assert_eq!(f.actors[0].approved_unused(), Some(dec("100000")));
        // A correction only started (a draft) changes nothing yet.
        let mut draft = approved("A", "1000000", "100000", "100000");
        draft.report_state = Some(ReportState::Draft);
        assert_eq!(Stand::of(&draft), Stand::Approved);
    }

    #[test]
    fn imported_history_is_outside_the_account_and_adds_nothing() {
        let mut a = approved("A", "1000000", "100000", "100000");
        a.imported = true;
        let f = forecast(Some("1000000"), "0", vec![a]);
        assert_eq!(f.actors[0].stand, Stand::Imported);
        assert_eq!(f.certain(), Some(dec("1000000")));
        assert_eq!(f.high(), f.certain());
    }

    #[test]
    fn without_a_requisition_from_kammarkollegiet_there_is_no_total_to_repay() {
        let f = forecast(None, "0", vec![approved("A", "1000000", "100000", "0")]);
        assert_eq!(f.agency_part(), None);
        assert_eq!(f.certain(), None);
        assert_eq!(f.low(), None);
        assert_eq!(f.as_submitted(), None);
        assert_eq!(f.from_actors(), dec("100000"));
        let table = f.table();
        assert_eq!(table.rows.len(), 2, "the actor and the sum, no agency line");
        assert!(
            matches!(&table.rows[1][0], Cell::Text(t) if t.starts_with("Summa från aktörerna"))
        );
    }

    #[test]
    fn every_amount_column_of_the_table_adds_up_to_its_sum_line() {
        let mut under_way = actor("E", "0");
        under_way.payout_under_way = dec("500000");
        let f = forecast(
            Some("23000000"),
            "1850000",
            vec![
                approved("A", "1000000", "120000.50", "120000.50"),
                submitted("B", "1000000", "40000"),
                actor("C", "900000"),
                actor("D", "0"),
                under_way,
            ],
        );
        let table = f.table();
        assert_eq!(table.headings.len(), COLUMNS.len());
        assert_eq!(
            table.rows.len(),
            7,
            "five actors, the agency's part and the sum"
        );
        let (lines, sum) = table.rows.split_at(table.rows.len() - 1);
        assert!(matches!(&lines[5][0], Cell::Text(t) if t == AGENCY_LINE));
        for c in [2, 4, 5, 6, 8, 9, 10] {
            let added: Decimal = lines
                .iter()
                .map(|r| match &r[c] {
                    Cell::Amount(a) => *a,
                    _ => Decimal::ZERO,
                })
                .sum();
            assert_eq!(
                sum[0][c],
                Cell::Amount(added),
                "column {}",
                COLUMNS[c].heading
            );
        }
        assert_eq!(sum[0][8], Cell::Amount(f.certain().expect("requisitioned")));
        assert_eq!(sum[0][9], Cell::Amount(f.low().expect("requisitioned")));
        assert_eq!(sum[0][10], Cell::Amount(f.high().expect("requisitioned")));
        assert_eq!(sum[0][2], Cell::Amount(f.paid_out()));
    }

    #[test]
    fn the_json_carries_the_totals_and_each_actor_as_exact_decimals() {
        let f = forecast(
            Some("23000000"),
            "1850000",
            vec![approved("A", "1000000", "120000.50", "0")],
        );
        let bytes = f.json(Some("UO 22 2:4 ap.4")).expect("json");
        let v: serde_json::Value = serde_json::from_slice(&bytes).expect("parses");
        assert_eq!(v["year"], 2025);
        assert_eq!(v["repayment_deadline"], "2026-03-16");
        assert_eq!(v["repayment_deadline_decided"], "2026-03-15");
        assert_eq!(
            dec(v["certain"].as_str().expect("a string")),
            dec("20270000.50")
        );
        assert_eq!(v["actors"][0]["certainty"], "saker");
        assert_eq!(
            dec(v["actors"][0]["unused_approved"]
                .as_str()
                .expect("a string")),
            dec("120000.50")
        );
    }

    #[test]
    fn a_moved_repayment_day_is_said_as_moved() {
        let f = forecast(Some("1"), "0", vec![]);
        assert_eq!(
            f.moved().as_deref(),
            Some("15 mars 2026 (söndag) → 16 mars 2026")
        );
        assert_eq!(f.deadline_status(), "15 dagar kvar");
    }
}
