//! `salesdesk gen --quotes` (issue 13 point 2): generated quotations hang on the generated
//! deals, are numbered 1, 2 … per deal, carry what their state implies (pending: an approver and
//! a discount above the limit; rejected: a comment; sent: when and by whom), and every total is
//! the sum of its lines, each line computed by the domain's rounding rule.

use std::collections::BTreeMap;

use salesdesk_app::datagen::{
    DealGenOptions, GenOptions, QuoteGenOptions, generate, generate_deals, generate_quotes,
};
use salesdesk_domain::Money;
use salesdesk_domain::quote::line_amounts;
use salesdesk_test_support::TestApp;

use crate::api_get;

#[tokio::test]
async fn generated_quotations_follow_their_deals_and_their_totals_add_up() {
    let t = TestApp::spawn().await;
    let today = t
        .app
        .config
        .clock
        .now()
        .with_timezone(&t.app.config.time_zone)
        .date_naive();
    generate(
        &t.app,
        &GenOptions {
            customers: 600,
            contacts: 600,
            records: 100,
            salespeople: 6,
            seed: 5,
            as_of: today,
        },
        &mut |_| {},
    )
    .await
    .expect("gen customers");
    generate_deals(
        &t.app,
        &DealGenOptions {
            deals: 120,
            seed: 5,
        },
        &mut |_| {},
    )
    .await
    .expect("gen deals");
    let r = generate_quotes(
        &t.app,
        &QuoteGenOptions {
            quotes: 60,
            seed: 5,
        },
        &mut |_| {},
    )
    .await
    .expect("gen quotes");
    assert_eq!(r.quotes, 60);
    assert!(r.by_state.iter().all(|(_, n)| *n > 0), "{:?}", r.by_state);

    let db = t.app.db.read();
    let mut versions: BTreeMap<i64, Vec<i32>> = BTreeMap::new();
    let mut lines_seen = 0u64;
    for id in 1..=60i64 {
        let q = salesdesk_store::quotes::get(db, id, &salesdesk_store::customers::Visible::All)
            .await
            .unwrap()
            .expect("quote");
        versions.entry(q.deal_id).or_default().push(q.version);
        let lines = salesdesk_store::quotes::lines(db, id).await.unwrap();
        assert!(!lines.is_empty(), "quote {id} has lines");
        lines_seen += lines.len() as u64;
        let (mut net, mut tax, mut gross) = (0, 0, 0);
        for l in &lines {
            let a = line_amounts(
                Money::from_fen(l.list_price_fen),
                l.quantity,
                l.discount_bp as u32,
                l.tax_bp as u32,
            )
            .unwrap();
            assert_eq!(
                (a.net.fen(), a.tax.fen(), a.gross.fen()),
                (l.net_fen, l.tax_fen, l.gross_fen),
                "quote {id}"
            );
            net += l.net_fen;
            tax += l.tax_fen;
            gross += l.gross_fen;
        }
        assert_eq!(
            (q.net_fen, q.tax_fen, q.gross_fen),
            (net, tax, gross),
            "quote {id}"
        );
        match q.state.as_str() {
            "pending" => {
                assert!(q.needs_approval && q.submitted_at.is_some(), "quote {id}");
                assert!(q.approver_id.is_some(), "quote {id} asks someone");
            }
            "rejected" => assert!(q.decision_comment.is_some(), "quote {id}"),
            "sent" => assert!(q.sent_at.is_some() && q.sent_by.is_some(), "quote {id}"),
            "approved" => assert!(q.decided_at.is_some(), "quote {id}"),
            _ => assert_eq!(q.state, "draft"),
        }
    }
    assert_eq!(lines_seen, r.lines);
    for (deal, v) in &versions {
        let want: Vec<i32> = (1..=v.len() as i32).collect();
        assert_eq!(v, &want, "deal {deal}: versions 1, 2 …");
    }
    // The pending ones are in their approvers' queues, through the API.
    let director = t.token("director").await;
    let (s, queue) = api_get(
        &t.client(),
        &t.url("/api/v1/quote-approvals?per_page=200"),
        &director,
    )
    .await;
    assert_eq!(s, 200);
    let pending = r.by_state.iter().find(|(s, _)| s == "pending").unwrap().1;
    assert_eq!(queue["total"], pending);
}
