//! The accessibility statement (tillgänglighetsredogörelse) in the form DIGG gives, as the
//! law on accessibility to digital public services (2018:1937) asks of an authority's
//! services: how accessible Digikoord is, what is not, how it was tested, and how to
//! report a problem.
//!
//! Served at `/tillganglighet`; the address it gives for reporting a problem is
//! `ACCESSIBILITY_CONTACT`. What it rests on: every page passes axe-core's WCAG 2.1 A and
//! AA checks, wide (1280 px) and narrow (390 px) and with its forms in their error state,
//! and none scrolls sideways (`tests/it/browser.rs`); every table has a caption, and every
//! sideways-scrolling table region can be reached with the keyboard; charts carry their
//! figures as text (`crate::charts`); overdue marks and chart series are never told by
//! colour alone; with JavaScript, a warning before the idle limit (`static/digikoord.js`,
//! WCAG 2.2.1).

use askama::Template;
use axum::{Router, extract::State, response::Response, routing::get};

use crate::{
    AppState,
    auth::{Ctx, PageCtx},
    error::Result,
    web::render,
};

pub fn router() -> Router<AppState> {
    Router::new().route("/tillganglighet", get(statement))
}

#[derive(Template)]
#[template(path = "accessibility.html")]
struct Statement {
    ctx: Ctx,
    contact: String,
}

async fn statement(State(state): State<AppState>, PageCtx(ctx): PageCtx) -> Result<Response> {
    render(&Statement {
        ctx,
        contact: state.config.accessibility_contact.clone(),
    })
}
