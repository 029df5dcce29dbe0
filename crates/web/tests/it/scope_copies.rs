//! m0052: every deal and contract carries a copy of its customer's owner, region and archived
//! mark, which the board, the lists and the receivables test instead of joining the customers.
//! The copies are the database's (triggers); here a randomized workload through the app's use
//! cases — new deals and contracts, transfers, region moves, the pool, archive and restore,
//! merges — must leave every copy equal to a recomputation from the customers.

use salesdesk_app::customers::{self as cuc, CustomerInput};
use salesdesk_app::deals::{MoveInput, Target};
use salesdesk_app::{Ctx, auth, settings};
use salesdesk_domain::contract::{ContractInput, LineInput};
use salesdesk_domain::deal::DealInput;
use salesdesk_test_support::TestApp;
use sea_orm::{ConnectionTrait, Statement};

/// Deals and contracts whose copy differs from their customer's owner, region or archived mark
/// (one statement on both engines: `IS DISTINCT FROM` compares NULLs as values).
pub(crate) async fn stale_copies(c: &impl ConnectionTrait) -> (i64, i64, i64) {
    let mut out = [0i64; 3];
    for (k, q) in [
        "SELECT count(*) AS n FROM deals",
        "SELECT count(*) AS n FROM deals d JOIN customers c ON c.id = d.customer_id \
         WHERE d.cust_owner_id IS DISTINCT FROM c.owner_id \
            OR d.cust_region_id IS DISTINCT FROM c.region_id \
            OR d.cust_archived <> (c.archived_at IS NOT NULL)",
        "SELECT count(*) AS n FROM contracts k JOIN customers c ON c.id = k.customer_id \
         WHERE k.cust_owner_id IS DISTINCT FROM c.owner_id \
            OR k.cust_region_id IS DISTINCT FROM c.region_id \
            OR k.cust_archived <> (c.archived_at IS NOT NULL)",
    ]
    .into_iter()
    .enumerate()
    {
        let row = c
            .query_one_raw(Statement::from_string(c.get_database_backend(), q))
            .await
            .unwrap()
            .unwrap();
        out[k] = row.try_get::<i64>("", "n").unwrap();
    }
    (out[0], out[1], out[2])
}

/// The keys whose kept value differs from the recounted one, as "key: kept ≠ recounted".
fn differing<V: PartialEq + std::fmt::Debug>(
    kept: &std::collections::BTreeMap<Vec<i64>, V>,
    counted: &std::collections::BTreeMap<Vec<i64>, V>,
) -> Vec<String> {
    let keys: std::collections::BTreeSet<&Vec<i64>> = kept.keys().chain(counted.keys()).collect();
    keys.into_iter()
        .filter(|k| kept.get(*k) != counted.get(*k))
        .map(|k| format!("{k:?}: {:?} ≠ {:?}", kept.get(k), counted.get(k)))
        .collect()
}

/// Keys of `deal_board_totals` (m0053) that differ from a recomputation from the deals: each
/// (stage, owner, region, customer's owner, customer's region, archived) with its count, Σ
/// amount and Σ amount × probability, as "key: kept ≠ recomputed". Empty when they agree.
pub(crate) async fn stale_board_totals(c: &impl ConnectionTrait) -> Vec<String> {
    let key = "stage_id, COALESCE(owner_id, 0) AS o, COALESCE(region_id, 0) AS r, \
               COALESCE(cust_owner_id, 0) AS co, COALESCE(cust_region_id, 0) AS cr, \
               CAST(CASE WHEN cust_archived THEN 1 ELSE 0 END AS BIGINT) AS ca";
    let read = |q: String| async move {
        let rows = c
            .query_all_raw(Statement::from_string(c.get_database_backend(), q))
            .await
            .unwrap();
        let mut m = std::collections::BTreeMap::new();
        for r in rows {
            let k: Vec<i64> = ["stage_id", "o", "r", "co", "cr", "ca"]
                .iter()
                .map(|n| r.try_get::<i64>("", n).unwrap())
                .collect();
            let v: Vec<i64> = ["n", "a", "w"]
                .iter()
                .map(|n| r.try_get::<i64>("", n).unwrap())
                .collect();
            m.insert(k, v);
        }
        m
    };
    let kept = read(format!(
        "SELECT {key}, CAST(SUM(deals) AS BIGINT) AS n, CAST(SUM(amount_fen) AS BIGINT) AS a, \
         CAST(SUM(weighted) AS BIGINT) AS w FROM (SELECT * FROM deal_board_totals \
         UNION ALL SELECT * FROM deal_board_deltas) AS t GROUP BY 1, 2, 3, 4, 5, 6 \
         HAVING SUM(deals) <> 0 OR SUM(amount_fen) <> 0 OR SUM(weighted) <> 0"
    ))
    .await;
    let counted = read(format!(
        "SELECT {key}, count(*) AS n, CAST(SUM(amount_fen) AS BIGINT) AS a, \
         CAST(SUM(amount_fen * probability) AS BIGINT) AS w FROM deals GROUP BY 1, 2, 3, 4, 5, 6"
    ))
    .await;
    differing(&kept, &counted)
}

/// For every role of the demo and the board's owner and region filters: the board from the
/// kept totals and seeks ([`salesdesk_store::deals::board`]) equals the board from one scan
/// of the deals ([`salesdesk_store::deals::board_scan`]) — the same cards in each column, in
/// the same order, and the same totals. `limit` small, so that columns are cut.
pub(crate) async fn board_equals_scan(t: &TestApp, limit: u64) -> usize {
    use salesdesk_store::deals::{self, DealFilter};
    let app = &t.app;
    let stages = deals::stages(app.db.read()).await.unwrap();
    let ids: Vec<i64> = stages.iter().filter(|s| s.active).map(|s| s.id).collect();
    let recent: Vec<i64> = stages
        .iter()
        .filter(|s| s.active && s.kind != "open")
        .map(|s| s.id)
        .collect();
    let mut compared = 0;
    for login in [
        "vp",
        "director",
        "north.manager",
        "east.manager",
        "eoffice.manager",
        "north.am1",
        "east.am1",
        "north.rep",
        "eoffice.rep1",
    ] {
        let ctx = auth::cli_ctx(app, login).await.unwrap();
        let v = cuc::visible(app, &ctx).await.unwrap();
        let mut filters = vec![DealFilter::default()];
        for p in ["north.am1", "east.am1"] {
            filters.push(DealFilter {
                owner: Some(t.person_id(p).await),
                ..Default::default()
            });
        }
        for r in salesdesk_store::regions::list(app.db.read())
            .await
            .unwrap()
            .iter()
            .take(4)
        {
            filters.push(DealFilter {
                region: Some(r.id),
                ..Default::default()
            });
        }
        for f in filters {
            let (cards, totals) = deals::board(app.db.read(), &f, &v, &ids, &recent, limit)
                .await
                .unwrap();
            let (want_cards, want_totals) =
                deals::board_scan(app.db.read(), &f, &v, &ids, &recent, limit)
                    .await
                    .unwrap();
            let got: Vec<(i64, i64)> = cards.iter().map(|d| (d.stage_id, d.id)).collect();
            let want: Vec<(i64, i64)> = want_cards.iter().map(|d| (d.stage_id, d.id)).collect();
            assert_eq!(got, want, "{login}, {f:?}: the cards");
            assert_eq!(totals, want_totals, "{login}, {f:?}: the totals");
            compared += want.len();
        }
    }
    compared
}

/// Instalments whose copies of their contract (m0054: in force, customer, owner, region, the
/// customer's scope) differ from it.
pub(crate) async fn stale_instalment_copies(c: &impl ConnectionTrait) -> i64 {
    let q = "SELECT count(*) AS n FROM instalments x JOIN contracts k ON k.id = x.contract_id \
             WHERE x.k_live <> (k.status IN ('signed', 'in_delivery', 'completed')) \
                OR x.k_customer_id IS DISTINCT FROM k.customer_id \
                OR x.k_owner_id IS DISTINCT FROM k.owner_id \
                OR x.k_region_id IS DISTINCT FROM k.region_id \
                OR x.cust_owner_id IS DISTINCT FROM k.cust_owner_id \
                OR x.cust_region_id IS DISTINCT FROM k.cust_region_id \
                OR x.cust_archived <> k.cust_archived";
    let row = c
        .query_one_raw(Statement::from_string(c.get_database_backend(), q))
        .await
        .unwrap()
        .unwrap();
    row.try_get::<i64>("", "n").unwrap()
}

/// The ageing buckets' latest due dates the comparisons use.
const BOUNDS: [&str; 4] = ["2026-11-30", "2026-10-31", "2026-10-01", "2026-09-01"];

/// For every role of the demo, every grouping and the owner and region filters: the receivables
/// ageing from the instalments' copies ([`salesdesk_store::collections::ageing`]) equals the
/// ageing through the join to the contracts (`ageing_by_join`). The number of rows compared.
pub(crate) async fn ageing_equals_join(t: &TestApp) -> usize {
    use salesdesk_store::collections::{self as col, GroupBy, ReceivableFilter};
    let app = &t.app;
    let bounds = BOUNDS.map(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap());
    let mut compared = 0;
    for login in [
        "vp",
        "director",
        "north.manager",
        "east.manager",
        "eoffice.manager",
        "north.am1",
        "east.am1",
    ] {
        let ctx = auth::cli_ctx(app, login).await.unwrap();
        let v = cuc::visible(app, &ctx).await.unwrap();
        let mut filters = vec![ReceivableFilter::default()];
        filters.push(ReceivableFilter {
            owner: Some(t.person_id("east.am1").await),
            ..Default::default()
        });
        for r in salesdesk_store::regions::list(app.db.read())
            .await
            .unwrap()
            .iter()
            .take(5)
        {
            filters.push(ReceivableFilter {
                region: Some(r.id),
                ..Default::default()
            });
        }
        for f in &filters {
            for by in [
                GroupBy::All,
                GroupBy::Region,
                GroupBy::Owner,
                GroupBy::Customer,
            ] {
                let got = col::ageing(app.db.read(), &v, f, by, bounds, 1000, 0)
                    .await
                    .unwrap();
                let want = col::ageing_by_join(app.db.read(), &v, f, by, bounds, 1000, 0)
                    .await
                    .unwrap();
                assert_eq!(got, want, "{login}, {f:?}, {by:?}");
                compared += want.len();
            }
        }
    }
    compared
}

/// Keys of an open amount the database keeps per key (`totals` and its waiting `deltas`) whose
/// amount differs from a recount from the open instalments of contracts in force, as "key: kept
/// ≠ recounted". `key` selects the key columns, named `names`, from either side; `copies` are the
/// instalment's columns under the totals' names (a missing id kept as 0).
async fn stale_open_amounts(
    c: &impl ConnectionTrait,
    totals: &str,
    deltas: &str,
    key: &str,
    names: &[&str],
    copies: &str,
) -> Vec<String> {
    let read = |q: String| async move {
        let rows = c
            .query_all_raw(Statement::from_string(c.get_database_backend(), q))
            .await
            .unwrap();
        let mut m = std::collections::BTreeMap::new();
        for r in rows {
            let k: Vec<i64> = names
                .iter()
                .map(|n| r.try_get::<i64>("", n).unwrap())
                .collect();
            m.insert(k, r.try_get::<i64>("", "a").unwrap());
        }
        m
    };
    let kept = read(format!(
        "SELECT {key}, CAST(SUM(open_fen) AS BIGINT) AS a FROM (SELECT * FROM {totals} \
         UNION ALL SELECT * FROM {deltas}) AS t GROUP BY 1, 2, 3, 4 HAVING SUM(open_fen) <> 0"
    ))
    .await;
    let counted = read(format!(
        "SELECT {key}, CAST(SUM(amount_fen - paid_fen) AS BIGINT) AS a FROM (SELECT {copies}, \
           amount_fen, paid_fen FROM instalments WHERE k_live AND paid_fen < amount_fen) AS x \
         GROUP BY 1, 2, 3, 4"
    ))
    .await;
    differing(&kept, &counted)
}

/// Keys of what each customer owes (m0055: customer, customer's owner, region, archived) whose
/// kept amount differs from a recount from the instalments. Empty when they agree.
pub(crate) async fn stale_customer_receivables(c: &impl ConnectionTrait) -> Vec<String> {
    stale_open_amounts(
        c,
        "customer_receivables",
        "customer_receivable_deltas",
        "customer_id, cust_owner_id, cust_region_id, \
         CAST(CASE WHEN cust_archived THEN 1 ELSE 0 END AS BIGINT) AS ca",
        &["customer_id", "cust_owner_id", "cust_region_id", "ca"],
        "COALESCE(k_customer_id, 0) AS customer_id, COALESCE(cust_owner_id, 0) AS \
         cust_owner_id, COALESCE(cust_region_id, 0) AS cust_region_id, cust_archived",
    )
    .await
}

/// Keys of the open amounts per day (m0056: customer's region, archived, contract's region, day)
/// whose kept amount differs from a recount from the instalments. Empty when they agree.
pub(crate) async fn stale_receivable_days(c: &impl ConnectionTrait) -> Vec<String> {
    stale_open_amounts(
        c,
        "receivable_days",
        "receivable_day_deltas",
        "cust_region_id, CAST(CASE WHEN cust_archived THEN 1 ELSE 0 END AS BIGINT) AS ca, \
         k_region_id, CAST(REPLACE(CAST(due_date AS TEXT), '-', '') AS BIGINT) AS day",
        &["cust_region_id", "ca", "k_region_id", "day"],
        "COALESCE(cust_region_id, 0) AS cust_region_id, cust_archived, \
         COALESCE(k_region_id, 0) AS k_region_id, due_date",
    )
    .await
}

/// For every role of the demo and pages of `size`: the customers who owe most, chosen by seeks
/// on the kept amounts ([`salesdesk_store::collections::customers_owing_most`]) and then aged
/// (`ageing_of_customers`), are the page of the ageing by customer read from the instalments
/// (`ageing`), in its order. The number of rows compared.
pub(crate) async fn owing_most_equals_ageing(t: &TestApp, size: u64) -> usize {
    use salesdesk_store::collections::{self as col, GroupBy, ReceivableFilter};
    let app = &t.app;
    let bounds = BOUNDS.map(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap());
    let mut compared = 0;
    for login in [
        "vp",
        "director",
        "north.manager",
        "east.manager",
        "eoffice.manager",
        "north.am1",
        "east.am1",
        "north.rep",
    ] {
        let ctx = auth::cli_ctx(app, login).await.unwrap();
        let v = cuc::visible(app, &ctx).await.unwrap();
        for page in 0..3 {
            let ids = col::customers_owing_most(app.db.read(), &v, 0, size, page * size)
                .await
                .unwrap()
                .expect("the demo's scopes have few arms");
            let want = col::ageing(
                app.db.read(),
                &v,
                &ReceivableFilter::default(),
                GroupBy::Customer,
                bounds,
                size,
                page * size,
            )
            .await
            .unwrap();
            let want_ids: Vec<i64> = want.iter().filter_map(|r| r.key).collect();
            assert_eq!(ids, want_ids, "{login}, page {page} of {size}");
            let mut got = col::ageing_of_customers(app.db.read(), &v, &ids, bounds)
                .await
                .unwrap();
            got.sort_by_key(|r| ids.iter().position(|i| Some(*i) == r.key));
            assert_eq!(got, want, "{login}, page {page} of {size}: the buckets");
            compared += want.len();
        }
    }
    compared
}

/// A small deterministic generator (the workload is the same on every run and engine).
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % n.max(1)
    }
}

fn deal_input(k: usize) -> DealInput {
    DealInput {
        name: format!("范围副本商机{k}"),
        amount: "12万".into(),
        expected_sign_date: "2027-01-15".into(),
        competitors: String::new(),
        probability: String::new(),
        lines: vec![],
    }
}

fn contract_input(k: usize) -> ContractInput {
    ContractInput {
        title: format!("范围副本合同{k}"),
        signing_date: "2026-11-20".into(),
        lines: vec![LineInput {
            product: "eoffice-std".into(),
            quantity: "10".into(),
            unit_price: "1,000".into(),
            discount: String::new(),
            tax_rate: String::new(),
        }],
    }
}

#[tokio::test]
async fn the_copies_of_the_customers_scope_follow_every_use_case() {
    let t = TestApp::with_living_demo().await;
    let app = &t.app;
    let mut s = settings::get(app).await.unwrap();
    s.pool_enabled = true;
    s.pool_claims_per_day = 1000;
    settings::put(app, &Ctx::system(), &s).await.unwrap();
    let director = auth::cli_ctx(app, "director").await.unwrap();
    let people = [
        "north.am1",
        "north.am2",
        "north.rep",
        "east.am1",
        "east.am2",
        "east.rep",
        "south.am1",
        "south.rep",
        "central.am1",
    ];
    let mut ids = Vec::new();
    let mut ctxs = Vec::new();
    for p in people {
        ids.push(t.person_id(p).await);
        ctxs.push(auth::cli_ctx(app, p).await.unwrap());
    }
    let regions: Vec<i64> = salesdesk_store::regions::list(app.db.read())
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
    let customers = || async {
        use salesdesk_store::entity::customers::{Column, Entity};
        use sea_orm::{EntityTrait, QueryOrder};
        // In id order: the same seed picks the same customers on both engines.
        Entity::find()
            .order_by_asc(Column::Id)
            .all(app.db.read())
            .await
            .unwrap()
    };
    let (deals0, bad_deals, bad_contracts) = stale_copies(app.db.read()).await;
    assert!(deals0 > 0, "the demo has deals");
    assert_eq!((bad_deals, bad_contracts), (0, 0), "after the demo's load");

    let mut rng = Lcg(13);
    let stages = salesdesk_store::deals::stages(app.db.read()).await.unwrap();
    let open_stages: Vec<i64> = stages
        .iter()
        .filter(|s| s.active && s.kind == "open")
        .map(|s| s.id)
        .collect();
    let mut done = [0usize; 12];
    for step in 0..220 {
        let all = customers().await;
        let c = &all[rng.below(all.len())];
        let op = rng.below(12);
        let ok = match op {
            0 => {
                // A deal needs a potential customer: the demo has many.
                let pot: Vec<_> = all
                    .iter()
                    .filter(|c| c.status == "potential" && c.archived_at.is_none())
                    .collect();
                let c = pot[rng.below(pot.len())];
                salesdesk_app::deals::create(app, &director, c.id, &deal_input(step), None)
                    .await
                    .is_ok()
            }
            1 => {
                salesdesk_app::contracts::create(app, &director, c.id, None, &contract_input(step))
                    .await
                    .is_ok()
            }
            2 => cuc::reassign(app, &director, &[c.id], ids[rng.below(ids.len())])
                .await
                .is_ok(),
            3 => {
                let region = regions[rng.below(regions.len())];
                match cuc::get(app, &director, c.id).await {
                    Ok(now) => {
                        let input = CustomerInput {
                            region_id: Some(region),
                            ..cuc::input_of(&now)
                        };
                        cuc::update(app, &director, c.id, &input, Some(now.version))
                            .await
                            .is_ok()
                    }
                    Err(_) => false,
                }
            }
            4 => salesdesk_app::pool::release(app, &director, c.id, "competitor")
                .await
                .is_ok(),
            5 => {
                let pooled: Vec<_> = all
                    .iter()
                    .filter(|c| c.owner_id.is_none() && c.archived_at.is_none())
                    .collect();
                let c = pooled[rng.below(pooled.len())];
                // A person claims only from their own regions' pool: the first of the people,
                // from a random one on, whose pool holds the customer claims it.
                let first = rng.below(ctxs.len());
                let mut claimed = false;
                for k in 0..ctxs.len() {
                    let who = &ctxs[(first + k) % ctxs.len()];
                    if salesdesk_app::pool::claim(app, who, c.id).await.is_ok() {
                        claimed = true;
                        break;
                    }
                }
                claimed
            }
            6 => salesdesk_app::archive::archive(app, &director, c.id, "随机归档")
                .await
                .is_ok(),
            7 => {
                let archived: Vec<_> = all.iter().filter(|c| c.archived_at.is_some()).collect();
                !archived.is_empty()
                    && salesdesk_app::archive::restore(
                        app,
                        &director,
                        archived[rng.below(archived.len())].id,
                    )
                    .await
                    .is_ok()
            }
            9 => {
                // Move a deal: to an open stage, won or lost (the totals' stage, probability).
                let d = random_deal(app, &mut rng).await;
                let target = match rng.below(4) {
                    0 => Target::Won,
                    1 => Target::Lost,
                    _ => Target::Stage(open_stages[rng.below(open_stages.len())]),
                };
                let input = MoveInput {
                    lost_reason: "price".into(),
                    ..Default::default()
                };
                salesdesk_app::deals::move_to(app, &director, d.id, target, &input)
                    .await
                    .is_ok()
            }
            10 => {
                // Edit a deal: its amount and its owner (the totals' amount and owner key).
                let d = random_deal(app, &mut rng).await;
                let mut input = deal_input(step);
                input.amount = format!("{}", 1000 + rng.below(500_000));
                let owner = ids[rng.below(ids.len())];
                salesdesk_app::deals::update(app, &director, d.id, &input, Some(owner), None)
                    .await
                    .is_ok()
            }
            11 => {
                // Cancel a contract: its instalments stop being owed (m0054's copies).
                use salesdesk_store::entity::contracts::{Column, Entity};
                use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
                let live = Entity::find()
                    .filter(Column::Status.is_in(["signed", "in_delivery"]))
                    .order_by_asc(Column::Id)
                    .all(app.db.read())
                    .await
                    .unwrap();
                !live.is_empty()
                    && salesdesk_app::contracts::act(
                        app,
                        &director,
                        live[rng.below(live.len())].id,
                        salesdesk_domain::contract::Action::Cancel,
                        "随机取消",
                    )
                    .await
                    .is_ok()
            }
            _ => {
                // Merge a customer with deals into another one (its deals move).
                let other = &all[rng.below(all.len())];
                cuc::merge(app, &director, other.id, c.id).await.is_ok()
            }
        };
        if ok {
            done[op] += 1;
        }
    }
    let (deals, bad_deals, bad_contracts) = stale_copies(app.db.read()).await;
    assert_eq!(
        (bad_deals, bad_contracts),
        (0, 0),
        "copies equal their customer's after {done:?} successful operations"
    );
    assert!(deals > deals0, "new deals were made: {done:?}");
    for (k, n) in done.iter().enumerate() {
        assert!(*n > 0, "operation {k} succeeded at least once: {done:?}");
    }
    // m0053: the board's totals kept by the database equal a recount, and the board read from
    // them shows what a scan of the deals shows, for every role.
    let stale = stale_board_totals(app.db.read()).await;
    assert!(stale.is_empty(), "board totals after {done:?}: {stale:#?}");
    assert!(board_equals_scan(&t, 3).await > 0);
    // m0054: the instalments' copies of their contracts, and the ageing read from them.
    assert_eq!(
        stale_instalment_copies(app.db.read()).await,
        0,
        "after {done:?}"
    );
    assert!(ageing_equals_join(&t).await > 0);
    // m0055: what each customer owes, and the customers who owe most read from it.
    let stale = stale_customer_receivables(app.db.read()).await;
    assert!(stale.is_empty(), "owed after {done:?}: {stale:#?}");
    assert!(owing_most_equals_ageing(&t, 3).await > 0);
    // m0056: the open amounts per day (the ageing's totals and regions read them: compared with
    // the join above).
    let stale = stale_receivable_days(app.db.read()).await;
    assert!(stale.is_empty(), "days after {done:?}: {stale:#?}");
}

/// A deal of the database, any state, in id order from a random point.
async fn random_deal(app: &salesdesk_app::App, rng: &mut Lcg) -> salesdesk_store::deals::Deal {
    use salesdesk_store::entity::deals::{Column, Entity};
    use sea_orm::{EntityTrait, QueryOrder};
    let all = Entity::find()
        .order_by_asc(Column::Id)
        .all(app.db.read())
        .await
        .unwrap();
    all[rng.below(all.len())].clone()
}

/// The demo's board, read from the kept totals and by seeks, equals a scan of its deals for
/// every role and filter, with columns cut at 3 and at 50 cards.
#[tokio::test]
async fn the_board_from_kept_totals_equals_a_scan_of_the_deals() {
    let t = TestApp::with_living_demo().await;
    assert_eq!(stale_instalment_copies(t.app.db.read()).await, 0);
    assert!(ageing_equals_join(&t).await > 0, "the demo has receivables");
    assert!(stale_board_totals(t.app.db.read()).await.is_empty());
    assert!(board_equals_scan(&t, 3).await > 0);
    assert!(board_equals_scan(&t, 50).await > 0);
    // On PostgreSQL the demo's deals left deltas; folded, they are gone and nothing changes.
    let tx = t.app.db.begin().await.unwrap();
    let folded = salesdesk_store::deals::fold_board_deltas(&tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let waiting = salesdesk_store::deals::board_deltas_waiting(t.app.db.read())
        .await
        .unwrap();
    assert_eq!(waiting, 0);
    if t.app.db.engine() == salesdesk_store::Engine::Postgres {
        assert!(folded > 0, "the demo's deals were appended as deltas");
    }
    assert!(stale_board_totals(t.app.db.read()).await.is_empty());
    assert!(board_equals_scan(&t, 3).await > 0);
}

/// The demo's customers who owe most, chosen from the amounts the database keeps per customer
/// (m0055), are the ageing by customer's, for every role, page size and page; on PostgreSQL
/// before and after the deltas are folded. The open amounts per day (m0056) equal a recount, and
/// the ageing read from them the join's, before and after the fold too.
#[tokio::test]
async fn the_customers_owing_most_from_kept_amounts_equal_the_ageing_by_customer() {
    let t = TestApp::with_living_demo().await;
    assert!(stale_customer_receivables(t.app.db.read()).await.is_empty());
    assert!(stale_receivable_days(t.app.db.read()).await.is_empty());
    assert!(owing_most_equals_ageing(&t, 2).await > 0);
    assert!(owing_most_equals_ageing(&t, 50).await > 0);
    let tx = t.app.db.begin().await.unwrap();
    let folded = salesdesk_store::collections::fold_receivable_deltas(&tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    if t.app.db.engine() == salesdesk_store::Engine::Postgres {
        assert!(
            folded > 0,
            "the demo's plans and payments were appended as deltas"
        );
    }
    assert_eq!(
        salesdesk_store::collections::owed_deltas_waiting(t.app.db.read())
            .await
            .unwrap(),
        0
    );
    assert!(stale_customer_receivables(t.app.db.read()).await.is_empty());
    assert!(stale_receivable_days(t.app.db.read()).await.is_empty());
    assert!(owing_most_equals_ageing(&t, 2).await > 0);
    assert!(ageing_equals_join(&t).await > 0, "after the fold");
}

/// A merge moves the duplicate's deals and contracts to the kept customer (the contracts'
/// foreign key cascades: before, the merge deleted them with the duplicate), and both take
/// the kept customer's scope: the kept customer's region manager sees them, the duplicate's
/// does not.
#[tokio::test]
async fn a_merge_moves_the_duplicates_deals_and_contracts_into_the_kept_customers_scope() {
    let t = TestApp::with_demo().await;
    let app = &t.app;
    let director = auth::cli_ctx(app, "director").await.unwrap();
    let mk = |login: &'static str, name: &'static str| async move {
        let ctx = auth::cli_ctx(app, login).await.unwrap();
        let input = CustomerInput {
            name: name.into(),
            ..CustomerInput::default()
        };
        let c = cuc::create_checked(app, &ctx, &input, true).await.unwrap();
        assert!(
            salesdesk_store::customers::set_status(
                app.db.read(),
                c.id,
                "lead",
                "potential",
                chrono::Utc::now()
            )
            .await
            .unwrap()
        );
        c.id
    };
    let keep = mk("north.am1", "北京合并保留有限公司").await;
    let dup = mk("east.am1", "上海合并重复有限公司").await;
    let deal = salesdesk_app::deals::create(app, &director, dup, &deal_input(1), None)
        .await
        .unwrap();
    let contract = salesdesk_app::contracts::create(app, &director, dup, None, &contract_input(1))
        .await
        .unwrap();
    cuc::merge(app, &director, keep, dup).await.unwrap();

    let north = auth::cli_ctx(app, "north.manager").await.unwrap();
    let east = auth::cli_ctx(app, "east.manager").await.unwrap();
    let k = salesdesk_app::contracts::get(app, &north, contract.id)
        .await
        .expect("the contract survives the merge, in the kept customer's region");
    assert_eq!(k.customer_id, keep);
    let d = salesdesk_app::deals::get(app, &north, deal.id)
        .await
        .unwrap();
    assert_eq!(d.customer_id, keep);
    assert!(
        salesdesk_app::contracts::get(app, &east, contract.id)
            .await
            .is_err()
    );
    assert!(
        salesdesk_app::deals::get(app, &east, deal.id)
            .await
            .is_err()
    );
    assert_eq!(stale_copies(app.db.read()).await.1, 0);
    assert_eq!(stale_copies(app.db.read()).await.2, 0);
}

#[tokio::test]
async fn a_merge_moves_the_duplicates_trial_applications_to_the_kept_customer() {
    let t = TestApp::with_living_demo().await;
    let app = &t.app;
    let db = app.db.read();
    let director = auth::cli_ctx(app, "director").await.unwrap();
    // A demo customer with a trial application and no pending status request (which would
    // refuse the merge).
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT t.id AS trial, t.customer_id AS dup FROM trial_applications t \
             WHERE NOT EXISTS (SELECT 1 FROM status_requests r \
                               WHERE r.customer_id = t.customer_id AND r.state = 'pending') \
             ORDER BY t.id LIMIT 1",
        ))
        .await
        .unwrap()
        .expect("the demo has trial applications");
    let trial: i64 = row.try_get("", "trial").unwrap();
    let dup: i64 = row.try_get("", "dup").unwrap();
    let keep = cuc::create_checked(
        app,
        &director,
        &CustomerInput {
            name: "北京试用合并保留有限公司".into(),
            ..CustomerInput::default()
        },
        true,
    )
    .await
    .unwrap()
    .id;
    cuc::merge(app, &director, keep, dup).await.unwrap();
    let moved = salesdesk_app::trials::get(app, &director, trial)
        .await
        .expect("the application is still visible after the merge");
    assert_eq!(moved.customer_id, keep);
    let orphans = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT count(*) AS n FROM trial_applications t \
             WHERE NOT EXISTS (SELECT 1 FROM customers c WHERE c.id = t.customer_id)",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get::<i64>("", "n")
        .unwrap();
    assert_eq!(orphans, 0, "no application names a deleted customer");
}
