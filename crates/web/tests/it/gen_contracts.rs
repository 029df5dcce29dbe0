//! `salesdesk gen --contracts` (issue 13): generated contracts hang on owned signed customers,
//! their totals are the sums of their lines, their invoices never pass them, and revenue on
//! signing over them equals a recomputation from the rows; those in force have plans summing
//! exactly to their totals, with payments allocated to instalments as the use cases would have
//! left them (never over an instalment), some overdue.

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
    let (mut payment_count, mut overdue, mut paid) = (0u64, 0, 0);
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
        let plan = salesdesk_store::collections::instalments(db, k.id)
            .await
            .unwrap();
        if ["signed", "in_delivery", "completed"].contains(&k.status.as_str()) {
            signed_total += k.total_fen;
            assert_eq!(plan.iter().map(|i| i.amount_fen).sum::<i64>(), k.total_fen);
            assert!(plan.iter().all(|i| i.due_date >= k.signing_date));
        } else {
            assert!(plan.is_empty(), "{k:?}");
        }
        let payments = salesdesk_store::collections::payments(db, k.id)
            .await
            .unwrap();
        payment_count += payments.len() as u64;
        let mut allocated = std::collections::BTreeMap::<i64, i64>::new();
        for p in &payments {
            assert!(p.received_on >= k.signing_date && p.received_on <= today);
            let a = salesdesk_store::collections::allocations(db, p.id)
                .await
                .unwrap();
            assert_eq!(a.iter().map(|a| a.amount_fen).sum::<i64>(), p.amount_fen);
            for a in a {
                *allocated.entry(a.instalment_id).or_default() += a.amount_fen;
            }
        }
        for i in &plan {
            assert!(0 <= i.paid_fen && i.paid_fen <= i.amount_fen, "{i:?}");
            assert_eq!(
                allocated.get(&i.id).copied().unwrap_or(0),
                i.paid_fen,
                "{i:?}"
            );
            if i.paid_fen < i.amount_fen && i.due_date < today {
                overdue += 1;
            }
            if i.paid_fen == i.amount_fen {
                paid += 1;
            }
        }
    }
    assert_eq!((r.payments, r.instalments > 0), (payment_count, true));
    assert!(
        overdue > 0 && paid > 0,
        "some overdue ({overdue}), some paid ({paid})"
    );
    let rev = salesdesk_app::contracts::revenue_in(&t.app, &Visible::All, None, None, from, to)
        .await
        .unwrap();
    assert_eq!(rev.amount.fen(), signed_total);
}
