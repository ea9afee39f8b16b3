//! The benchmark's yardstick: a page of our own stack doing the least a page does — one
//! session lookup (the session layer), one query and one template in the site's layout.
//! Served only with `BENCH_CEILING` on; `src/bin/bench/main.rs` measures every page against it.

use askama::Template;
use axum::{Router, extract::State, response::Response, routing::get};

use crate::{
    AppState,
    auth::{Ctx, CurrentUser},
    error::Result,
    web::render,
};

pub fn router() -> Router<AppState> {
    Router::new().route("/bench/ceiling", get(ceiling))
}

#[derive(Template)]
#[template(path = "bench/ceiling.html")]
struct CeilingPage {
    ctx: Ctx,
    name: String,
}

async fn ceiling(State(state): State<AppState>, user: CurrentUser) -> Result<Response> {
    let name = crate::users::db::name_of(&state.db, user.id()).await?;
    render(&CeilingPage {
        ctx: user.ctx,
        name,
    })
}
