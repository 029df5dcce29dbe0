//! The demo (issue 2, point 10; issue 10, point 1): a living sales department that
//! `serve --demo` and `salesdesk demo` load into an empty database.
//!
//! One slice per capability, each a module with a `seed` that writes its rows in the one
//! transaction of [`seed`], after the slices it builds on:
//!
//! - [`org`]: regions, branch offices and 41 people in every position (fixed logins).
//! - [`customers`]: a few hundred customers with contacts, two years of contact records, their
//!   status history and pending requests, follow-ups due and overdue, the public pool (switched
//!   on) and a finished import.
//! - [`presales`]: the pre-sales calls of the demo's started trials, recorded or missed.
//! - [`deals`]: deals of the potential customers in every stage, expected over six months.
//! - [`quotes`]: quotations on deals in the quotation and negotiation stages and on won ones —
//!   sent, rejected with a second version waiting for approval, drafts — and the company name.
//! - [`collections`]: payment plans of the signed contracts, some paid, some overdue in each
//!   ageing bucket.
//! - [`contracts`]: contracts of the won deals and of signed customers, a few waiting for the
//!   director's approval, some invoiced, some with a scanned PDF.
//!
//! - [`trial_setup`]: products, the province → region mapping (with the organisation), and with
//!   the data: automatic assignment in three regions, someone on leave, a demo intake key.
//!
//! A later capability adds its module here and one line to [`seed`]. Everything is
//! deterministic — fixed tables and a seeded PRNG, no randomness from outside — and dated
//! relative to the app clock ([`crate::Clock`]), so the demo always looks current: follow-ups
//! fall due today, requests wait since yesterday. Rows go in through `store::bulk` (multi-row
//! INSERTs), so the whole first start stays well under a second (BENCHMARKS.md).

pub mod collections;
pub mod contracts;
pub mod customers;
pub mod deals;
pub mod expenses;
pub mod org;
pub mod presales;
pub mod quotes;
pub mod trial_setup;
pub mod trials;

use salesdesk_store::users;

use crate::{App, Result, password};

/// Every demo login's password.
pub const DEMO_PASSWORD: &str = "salesdesk-demo";

/// Fills an empty database with the whole demo: the organisation and every slice of data on
/// it, in one transaction. Does nothing (and returns `false`) when anyone exists already, so it
/// is safe on every start.
pub async fn seed(app: &App) -> Result<bool> {
    load(app, true).await
}

/// Only the organisation (regions and people), no customers: the base of `salesdesk gen`, of
/// the import benchmark and of the tests that build their own data.
pub async fn seed_org(app: &App) -> Result<bool> {
    load(app, false).await
}

async fn load(app: &App, with_data: bool) -> Result<bool> {
    if users::count(app.db.read()).await? > 0 {
        return Ok(false);
    }
    // One hash for all demo accounts: hashing 41 times would slow the first start for nothing.
    let hash = password::hash(DEMO_PASSWORD.into()).await?;
    let tx = app.db.begin().await?;
    let org = org::seed(&tx, hash).await?;
    trial_setup::seed_setup(&tx, &org).await?;
    if with_data {
        let now = app.config.clock.now();
        customers::seed(&tx, &org, now, app.config.time_zone).await?;
        trials::seed(&tx, &org, now, app.config.time_zone).await?;
        trial_setup::seed_data(&tx, &org, now, app.config.time_zone).await?;
        // After the trials slice: it schedules and records the calls of the demo's trials.
        presales::seed(&tx, now, app.config.time_zone).await?;
        deals::seed(&tx, now, app.config.time_zone).await?;
        quotes::seed(&tx, now, app.config.time_zone).await?;
        let director = org
            .people
            .iter()
            .find(|p| p.login == "director")
            .map(|p| p.id);
        contracts::seed(
            &tx,
            now,
            app.config.time_zone,
            &app.config.attachments_dir,
            director,
        )
        .await?;
        // After the contracts: plans and payments of the signed ones.
        collections::seed(app, &tx, now, app.config.time_zone).await?;
        expenses::seed(
            &tx,
            &org,
            now,
            app.config.time_zone,
            &app.config.attachments_dir,
            director,
        )
        .await?;
    }
    app.db.commit(tx).await?;
    if with_data {
        // A fresh database: the planner knows nothing of the rows just loaded.
        salesdesk_store::bulk::analyze(app.db.read()).await?;
    }
    if with_data {
        // The business calendar's built-in year (seeded on first use anyway; loaded here so the
        // living demo starts with it).
        crate::calendar::load(app).await?;
    }
    Ok(true)
}
