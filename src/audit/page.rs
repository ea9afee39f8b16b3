//! The administrator's audit log: `/admin/logg`, filtered and paged, and its CSV.

use askama::Template;
use axum::{
    extract::{Query, State},
    response::Response,
};
use uuid::Uuid;

use super::{
    db::{self, LoggedEntry},
    model::{LogQuery, PAGE_SIZE, pages},
};
use crate::{
    AppState,
    auth::{Ctx, CurrentUser},
    error::Result,
    export::csv::field,
    programme::db::{Organisation, organisations},
    web::{download_response, render},
};

#[derive(Template)]
#[template(path = "audit/log.html")]
struct LogPage {
    ctx: Ctx,
    entries: Vec<LoggedEntry>,
    query: LogQuery,
    people: Vec<(Uuid, String)>,
    organisations: Vec<Organisation>,
    matching: i64,
    page: i64,
    pages: i64,
}

impl LogPage {
    /// This view's address at another page.
    fn page_link(&self, page: i64) -> String {
        match self.query.query().as_str() {
            "" => format!("?sida={page}"),
            q => format!("?{q}&sida={page}"),
        }
    }

    fn export_link(&self) -> String {
        match self.query.query().as_str() {
            "" => "/admin/logg/export.csv".to_string(),
            q => format!("/admin/logg/export.csv?{q}"),
        }
    }

    fn first(&self) -> i64 {
        (self.page - 1) * PAGE_SIZE + 1
    }

    fn last(&self) -> i64 {
        self.first() + self.entries.len() as i64 - 1
    }

    fn is_person(&self, id: &Uuid) -> bool {
        self.query.person.trim() == id.to_string()
    }

    fn is_organisation(&self, o: &Organisation) -> bool {
        self.query.aktor.trim() == o.id.to_string()
    }

    fn filtered(&self) -> bool {
        !self.query.query().is_empty()
    }
}

pub async fn log(
    State(state): State<AppState>,
    admin: CurrentUser,
    Query(query): Query<LogQuery>,
) -> Result<Response> {
    admin.require_admin()?;
    let filter = query.filter();
    let matching = db::count(&state.db, &filter).await?;
    let pages = pages(matching);
    let page = query.page(pages);
    let entries = db::entries(&state.db, &filter, Some(PAGE_SIZE), (page - 1) * PAGE_SIZE).await?;
    render(&LogPage {
        ctx: admin.ctx,
        entries,
        people: db::people(&state.db).await?,
        organisations: organisations(&state.db).await?,
        query,
        matching,
        page,
        pages,
    })
}

pub const CSV_HEADINGS: [&str; 7] = [
    "Tid",
    "Vem",
    "Händelse",
    "Ärende",
    "Aktör",
    "Åtgärd",
    "Post",
];

/// The filtered log, every page of it, as a Swedish Excel opens it.
pub fn log_csv(entries: &[LoggedEntry]) -> Vec<u8> {
    let mut out = String::from("\u{feff}");
    out.push_str(&CSV_HEADINGS.join(";"));
    out.push_str("\r\n");
    for e in entries {
        let row = [
            e.at_local(),
            e.actor_name.clone().unwrap_or_default(),
            e.sentence().replace('\u{a0}', " "),
            e.case_number.clone().unwrap_or_default(),
            e.organisation_name.clone().unwrap_or_default(),
            e.action.clone(),
            format!("{} {}", e.entity, e.entity_id),
        ]
        .map(|f| field(&f));
        out.push_str(&row.join(";"));
        out.push_str("\r\n");
    }
    out.into_bytes()
}

pub async fn export_csv(
    State(state): State<AppState>,
    admin: CurrentUser,
    Query(query): Query<LogQuery>,
) -> Result<Response> {
    admin.require_admin()?;
    let entries = db::entries(&state.db, &query.filter(), None, 0).await?;
    Ok(download_response(
        log_csv(&entries),
        "text/csv; charset=utf-8",
        "handelselogg.csv",
    ))
}
