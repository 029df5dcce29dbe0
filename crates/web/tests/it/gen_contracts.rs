//! `salesdesk gen --contracts` (issue 13): generated contracts hang on owned signed customers,
//! their totals are the sums of their lines, their invoices never pass them, and revenue on
//! signing over them equals a recomputation from the rows.

use salesdesk_app::datagen::{ContractGenOptions, GenOptions, generate, generate_contracts};
use salesdesk_domain::deal::Month;
use salesdesk_store::customers::Visible;
use salesdesk_test_support::TestApp;

#[tokio::test]
async fn generated_contracts_sit_on_signed_customers_and_add_up() {
    let t = TestApp::spawn().await;
    let now = t.app.config.clock.now();
    let tz = t.app.config.time_zone;
    let today = now.with_timezone(&tz).date_naive();
    generate(
        &t.app,
        &GenOptions {
            customers: 600,
            contacts: 600,
            records: 100,
            salespeople: 6,
            seed: 11,
            as_of: today,
        },
        &mut |_| {},
    )
    .await
    .expect("gen customers");
    let r = generate_contracts(
        &t.app,
        &ContractGenOptions {
            contracts: 60,
            seed: 11,
        },
        &mut |_| {},
    )
    .await
    .expect("gen contracts");
    assert_eq!(r.contracts, 60);
    let db = t.app.db.read();
    let all = salesdesk_store::contracts::list(
        db,
        &Default::default(),
        &Visible::All,
        salesdesk_app::Page::new(None, Some(200)),
    )
    .await
    .unwrap()
    .items;
    assert_eq!(all.len(), 60);
    let mut signed_total = 0i64;
    let from = Month::of(today - chrono::Duration::days(400));
    let to = Month::of(today);
    for k in &all {
        let c = salesdesk_store::customers::get(db, k.customer_id, &Visible::All)
            .await
            .unwrap()
            .expect("customer");
        assert_eq!(c.status, "signed");
        assert_eq!(k.owner_id, c.owner_id);
        let lines = salesdesk_store::contracts::lines(db, k.id).await.unwrap();
        assert!(!lines.is_empty());
        assert_eq!(k.total_fen, lines.iter().map(|l| l.amount_fen).sum::<i64>());
        assert_eq!(
            k.total_excl_fen,
            lines.iter().map(|l| l.amount_excl_fen).sum::<i64>()
        );
        let invoices = salesdesk_store::contracts::invoices(db, k.id)
            .await
            .unwrap();
        assert_eq!(
            k.invoiced_fen,
            invoices.iter().map(|i| i.amount_fen).sum::<i64>()
        );
        assert!(k.invoiced_fen <= k.total_fen);
        if ["signed", "in_delivery", "completed"].contains(&k.status.as_str()) {
            signed_total += k.total_fen;
        }
    }
    let rev = salesdesk_app::contracts::revenue_in(&t.app, &Visible::All, None, None, from, to)
        .await
        .unwrap();
    assert_eq!(rev.amount.fen(), signed_total);
}
