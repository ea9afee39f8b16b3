//! The programme: periods (government decisions), their actors, and each year's
//! cap, deadlines and budget state.

pub mod db;
mod handlers;
pub mod model;

pub use handlers::router;
