//! The programme: periods (government decisions), their actors, and each year's
//! cap, deadlines and budget state.

pub mod db;
mod handlers;
pub mod model;

pub use handlers::router;

use crate::{
    AppState,
    error::{AppError, Result},
};

/// A programme year named in a path (`/konto/2025`), with every year for the picker:
/// exactly that year, or "not found".
pub async fn path_year(state: &AppState, year: i32) -> Result<(db::ProgrammeYear, Vec<i32>)> {
    page_year(state, Some(&year.to_string()))
        .await
        .map_err(|e| match e {
            AppError::BadRequest(_) => AppError::NotFound,
            other => other,
        })
}

/// The programme year a page shows (`?ar=`, or the current year), with every year for
/// the picker; an unknown setup (no years at all) is "not found".
pub async fn page_year(
    state: &AppState,
    ar: Option<&str>,
) -> Result<(db::ProgrammeYear, Vec<i32>)> {
    db::chosen_year(&state.db, ar, state.clock.today())
        .await?
        .ok_or(AppError::NotFound)
}
