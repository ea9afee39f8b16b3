//! The administrator's audit log: `/admin/logg`, filtered and paged, and its CSV.

use askama::Template;
use axum::{
    extract::{Query, State},
    response::Response,
};
use serde::Deserialize;
use uuid::Uuid;

use super::{
    db::{self, LoggedEntry},
    model::{LogQuery, PAGE_SIZE, pages},
};
use crate::{
    AppState,
    auth::{Ctx, CurrentUser},
    error::Result,
    lists::{Cell, Column, Export, Table, column, with_query},
    programme::db::{Organisation, organisations},
    web::render,
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

    /// The filtered log, every page of it, as CSV or XLSX.
    fn export_link(&self, format: &str) -> String {
        match format {
            "csv" => format!(
                "/admin/logg/export.csv{}",
                with_query(&self.query.query(), "")
            ),
            _ => format!(
                "/admin/logg{}",
                with_query(&self.query.query(), &format!("format={format}"))
            ),
        }
    }

    /// The time heading's link: the log in the other order, the filters kept.
    fn time_order_link(&self) -> String {
        let order = if self.query.oldest_first() {
            ""
        } else {
            "ordning=stigande"
        };
        format!(
            "/admin/logg{}",
            with_query(&self.query.query_without_order(), order)
        )
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
        !self.query.query_without_order().is_empty()
    }
}

/// `format=csv|xlsx`: the filtered log, every page of it, to download.
#[derive(Deserialize)]
pub struct FormatQuery {
    format: Option<String>,
}

pub async fn log(
    State(state): State<AppState>,
    admin: CurrentUser,
    Query(query): Query<LogQuery>,
    Query(format): Query<FormatQuery>,
) -> Result<Response> {
    admin.require_admin()?;
    let filter = query.filter();
    // The log keeps its time order (newest first) so its pages hold; it is filtered, not
    // sorted by other columns.
    if let Some(export) = Export::read(format.format.as_deref()) {
        let entries = db::entries(&state.db, &filter, None, 0).await?;
        return log_table(&entries).download(export, "handelselogg", "Händelselogg");
    }
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

/// The export's columns.
pub const LOG_COLUMNS: [Column; 7] = [
    column("tid", "Tid"),
    column("vem", "Vem"),
    column("handelse", "Händelse"),
    column("arende", "Ärende"),
    column("aktor", "Aktör"),
    column("atgard", "Åtgärd"),
    column("post", "Post"),
];

/// The filtered log, every page of it, as a table to export: the time a real time in the
/// workbook, the sentence as on the page.
pub fn log_table(entries: &[LoggedEntry]) -> Table {
    Table::new(
        &LOG_COLUMNS,
        entries.iter().map(|e| {
            vec![
                Cell::Time(crate::clock::swedish(e.at).naive_local()),
                Cell::text(e.actor_name.clone().unwrap_or_default()),
                Cell::text(e.sentence().replace('\u{a0}', " ")),
                Cell::text(e.case_number.clone().unwrap_or_default()),
                Cell::text(e.organisation_name.clone().unwrap_or_default()),
                Cell::text(&e.action),
                Cell::text(format!("{} {}", e.entity, e.entity_id)),
            ]
        }),
    )
}

pub async fn export_csv(
    State(state): State<AppState>,
    admin: CurrentUser,
    Query(query): Query<LogQuery>,
) -> Result<Response> {
    admin.require_admin()?;
    let entries = db::entries(&state.db, &query.filter(), None, 0).await?;
    log_table(&entries).download(Export::Csv, "handelselogg", "Händelselogg")
}
