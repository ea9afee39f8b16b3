//! The start page: what the logged-in person needs first, by role.

use askama::Template;
use axum::{
    Router,
    extract::{Query, State},
    response::{IntoResponse, Redirect, Response},
    routing::get,
};
use chrono::NaiveDate;
use serde::Deserialize;

use crate::{
    AppState,
    auth::{PageCtx, Role},
    error::Result,
    programme::{
        db::{self, Actor, ProgrammeYear},
        model::{DeadlineStatus, current_year},
    },
    web::{Ctx, filters, render},
};

pub fn router() -> Router<AppState> {
    Router::new().route("/", get(start_page))
}

/// One thing an actor must do in a year.
pub struct Obligation {
    pub title: &'static str,
    pub deadline: NaiveDate,
    pub status: DeadlineStatus,
    pub state: &'static str,
}

fn obligations(year: &ProgrammeYear, today: NaiveDate) -> Vec<Obligation> {
    let d = year.deadlines();
    [
        ("Rekvisition av medel", d.requisition),
        ("Redovisning av verksamheten", d.report),
        ("Återbetalning av outnyttjade medel", d.repayment),
    ]
    .into_iter()
    .map(|(title, deadline)| Obligation {
        title,
        deadline,
        status: DeadlineStatus::of(deadline, today),
        state: "Ej påbörjad",
    })
    .collect()
}

#[derive(Deserialize)]
struct YearQuery {
    ar: Option<String>,
}

#[derive(Template)]
#[template(path = "start/coordinator.html")]
struct CoordinatorStart {
    ctx: Ctx,
    year: Option<ProgrammeYear>,
    years: Vec<i32>,
    actor: Option<Actor>,
    obligations: Vec<Obligation>,
    decision_number: String,
}

#[derive(Template)]
#[template(path = "start/staff.html")]
struct StaffStart {
    ctx: Ctx,
    year: Option<ProgrammeYear>,
    years: Vec<i32>,
    actors: Vec<Actor>,
    decision_number: String,
    agency: Vec<(&'static str, NaiveDate, DeadlineStatus)>,
}

async fn start_page(
    State(state): State<AppState>,
    PageCtx(ctx): PageCtx,
    Query(query): Query<YearQuery>,
) -> Result<Response> {
    let Some(user) = ctx.user.clone() else {
        return Ok(Redirect::to("/logga-in").into_response());
    };
    let today = state.clock.today();
    let all_years = db::years(&state.db).await?;
    let years: Vec<i32> = all_years.iter().map(|y| y.year).collect();
    let chosen = query
        .ar
        .and_then(|a| a.trim().parse::<i32>().ok())
        .filter(|y| years.contains(y));
    let year = chosen
        .or_else(|| current_year(&years, today))
        .and_then(|y| all_years.into_iter().find(|p| p.year == y));
    let decision_number = match &year {
        Some(y) => db::period(&state.db, y.period_id)
            .await?
            .map(|p| p.decision_number)
            .unwrap_or_default(),
        None => String::new(),
    };

    if user.role == Role::Coordinator {
        let (actor, obligations) = match (&year, user.organisation_id) {
            (Some(y), Some(org)) => {
                let actor = db::actors_of_year(&state.db, y.year, Some(org))
                    .await?
                    .into_iter()
                    .next();
                let obligations = if actor.is_some() {
                    obligations(y, today)
                } else {
                    vec![]
                };
                (actor, obligations)
            }
            _ => (None, vec![]),
        };
        return render(&CoordinatorStart {
            ctx,
            year,
            years,
            actor,
            obligations,
            decision_number,
        });
    }

    let actors = match &year {
        Some(y) => db::actors_of_year(&state.db, y.year, None).await?,
        None => vec![],
    };
    let agency = year
        .as_ref()
        .map(|y| {
            let d = y.deadlines();
            vec![
                ("Rekvisition från Kammarkollegiet", d.agency_requisition),
                (
                    "Återbetalning och ekonomisk redovisning till Kammarkollegiet",
                    d.agency_repayment,
                ),
                ("Sammanställning till Regeringskansliet", d.summary),
            ]
            .into_iter()
            .map(|(t, d)| (t, d, DeadlineStatus::of(d, today)))
            .collect()
        })
        .unwrap_or_default();
    render(&StaffStart {
        ctx,
        year,
        years,
        actors,
        decision_number,
        agency,
    })
}
