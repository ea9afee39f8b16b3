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
