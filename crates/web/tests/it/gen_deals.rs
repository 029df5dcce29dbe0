//! `salesdesk gen --deals` (issue 13): generated deals hang on owned potential customers, cover
//! every stage, carry what their stage implies (won: `won_at` and its month; lost: a reason),
//! have their stage history, and the forecast over them equals a recomputation from the rows.

use std::collections::{BTreeMap, HashSet};

use salesdesk_app::datagen::{DealGenOptions, GenOptions, generate, generate_deals};
use salesdesk_domain::deal::Month;
use salesdesk_store::customers::Visible;
use salesdesk_test_support::TestApp;

use crate::api_get;

#[tokio::test]
async fn generated_deals_cover_every_stage_keep_their_rules_and_the_forecast_adds_them_up() {
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
    let r = generate_deals(
        &t.app,
        &DealGenOptions {
            deals: 80,
            seed: 11,
        },
        &mut |_| {},
    )
    .await
    .expect("gen deals");
    assert_eq!(r.deals, 80);
    assert!(r.by_stage.iter().all(|(_, n)| *n > 0), "{:?}", r.by_stage);

    let db = t.app.db.read();
    let all = salesdesk_store::deals::list(
        db,
        &Default::default(),
        &Visible::All,
        salesdesk_app::Page::new(None, Some(200)),
    )
    .await
    .unwrap()
    .items;
    assert_eq!(all.len(), 80);
    let stages = salesdesk_store::deals::stages(db).await.unwrap();
    for d in &all {
        let c = salesdesk_store::customers::get(db, d.customer_id, &Visible::All)
            .await
            .unwrap()
            .expect("customer");
        assert_eq!(c.status, "potential", "deal {}", d.id);
        assert_eq!(d.owner_id, c.owner_id);
        let stage = stages.iter().find(|s| s.id == d.stage_id).unwrap();
        assert_eq!(d.state, stage.kind);
        assert_eq!(d.probability, stage.probability);
        assert_eq!(d.expected_month, Month::of(d.expected_sign_date).key());
        match d.state.as_str() {
            "won" => {
                let at = d.won_at.expect("won_at");
                assert!(at <= now);
                assert_eq!(d.won_month, Some(Month::of_instant(at, &tz).key()));
            }
            "lost" => assert!(d.lost_reason.is_some() && d.closed_at.is_some()),
            _ => assert!(d.won_at.is_none() && d.closed_at.is_none()),
        }
        let history = salesdesk_store::deals::changes(db, d.id).await.unwrap();
        assert_eq!(history[0].action, "create");
        assert_eq!(history.last().unwrap().to_stage_id, d.stage_id);
    }
    let ids: HashSet<i64> = all.iter().map(|d| d.id).collect();
    assert_eq!(ids.len(), 80);

    // The department's forecast (the director's) equals the sums recomputed from the rows.
    let director = t.token("director").await;
    let (s, f) = api_get(
        &t.client(),
        &t.url("/api/v1/deals/forecast?months=12"),
        &director,
    )
    .await;
    assert_eq!(s, 200, "{f}");
    let mut weighted: BTreeMap<i32, i64> = BTreeMap::new();
    for d in all.iter().filter(|d| d.state == "open") {
        *weighted.entry(d.expected_month).or_default() += d.amount_fen * i64::from(d.probability);
    }
    for row in f["rows"].as_array().unwrap() {
        let key = Month::parse(row["month"].as_str().unwrap()).unwrap().key();
        let sum = weighted.get(&key).copied().unwrap_or(0);
        let expected = salesdesk_domain::Money::from_fen(sum)
            .checked_ratio(1, 100)
            .unwrap()
            .to_decimal();
        assert_eq!(row["weighted"], expected, "{key}");
    }
    // A regional manager's board shows their region's deals only.
    let manager = t.token("north.manager").await;
    let (s, board) = api_get(&t.client(), &t.url("/api/v1/deals/board"), &manager).await;
    assert_eq!(s, 200);
    let shown: u64 = board
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["count"].as_u64().unwrap())
        .sum();
    assert!(
        shown > 0 && shown < 80,
        "their region, not the whole company: {shown}"
    );
}
