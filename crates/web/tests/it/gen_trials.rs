//! `salesdesk gen --trials` (issue 12): generated trial applications over generated customers
//! are in every state, keep the rules the database and the intake keep (one open application
//! per customer and product, unique references, the time limit's marks and jobs), are visible
//! in the API, and a real application of a generated applicant folds into theirs.

use std::collections::HashSet;

use reqwest::Method;
use salesdesk_app::Ctx;
use salesdesk_app::datagen::{GenOptions, TrialGenOptions, generate, generate_trials};
use salesdesk_test_support::TestApp;
use serde_json::json;

use crate::{api_get, api_send};

async fn all_trials(t: &TestApp) -> Vec<salesdesk_store::trials::Trial> {
    salesdesk_store::trials::list(
        t.app.db.read(),
        &Default::default(),
        &salesdesk_store::customers::Visible::All,
        salesdesk_app::Page::new(None, Some(200)),
    )
    .await
    .unwrap()
    .items
}

#[tokio::test]
async fn generated_trials_cover_every_state_keep_the_rules_and_a_new_application_folds_into_one() {
    let t = TestApp::spawn().await;
    let now = t.app.config.clock.now();
    let today = now.with_timezone(&t.app.config.time_zone).date_naive();
    generate(
        &t.app,
        &GenOptions {
            customers: 180,
            contacts: 300,
            records: 200,
            salespeople: 6,
            seed: 7,
            as_of: today,
        },
        &mut |_| {},
    )
    .await
    .expect("gen customers");
    let mut seen = Vec::new();
    let r = generate_trials(
        &t.app,
        &TrialGenOptions {
            trials: 150,
            seed: 7,
        },
        &mut |p| seen.push(p.done),
    )
    .await
    .expect("gen trials");
    assert_eq!(r.trials, 150);
    assert_eq!(seen.last(), Some(&150), "progress reaches the end");
    for (state, n) in &r.by_state {
        assert!(*n > 0, "no {state} application among {:?}", r.by_state);
    }
    assert!(r.overdue > 0 && r.late_contacts > 0, "{r:?}");
    assert!(r.calls > 0 && r.jobs > 0, "{r:?}");

    let rows = all_trials(&t).await;
    assert_eq!(rows.len(), 150);
    let customers: HashSet<i64> = rows.iter().map(|x| x.customer_id).collect();
    assert_eq!(customers.len(), 150, "one application per customer");
    let references: HashSet<&str> = rows.iter().filter_map(|x| x.reference.as_deref()).collect();
    assert_eq!(references.len(), 150, "every one has its own reference");
    let plan = salesdesk_app::presales::plan(&t.app).await.unwrap();
    let tz = t.app.config.time_zone;
    for x in &rows {
        let open = !matches!(x.state.as_str(), "converted" | "lost");
        let key = format!("{}:{}", x.customer_id, x.product_code);
        assert_eq!(x.open_key.as_deref(), open.then_some(key.as_str()), "{x:?}");
        let arrived = x.arrived_at.with_timezone(&tz).date_naive();
        assert_eq!(
            x.reference.as_deref(),
            Some(salesdesk_domain::trial::reference(arrived, x.id).as_str())
        );
        assert!(x.arrived_at <= now && x.first_contact_due_at > x.arrived_at);
        let escalation = salesdesk_store::jobs::by_once_key(
            t.app.db.read(),
            &format!("trial:{}:escalate", x.id),
        )
        .await
        .unwrap();
        match x.first_contact_at {
            None => {
                assert_eq!(x.state, "new");
                // Past the limit: marked as the escalation would; within it: its job waits.
                if x.first_contact_due_at <= now {
                    assert_eq!(x.overdue_at, Some(x.first_contact_due_at), "{x:?}");
                    assert!(escalation.is_none());
                } else {
                    assert_eq!(x.overdue_at, None);
                    let job = escalation.expect("the escalation job of an open new one");
                    assert_eq!(job.run_at, x.first_contact_due_at);
                }
            }
            Some(at) => {
                assert_ne!(x.state, "new");
                assert!(at > x.arrived_at && at <= now);
                assert_eq!(x.overdue_at.is_some(), at > x.first_contact_due_at, "{x:?}");
            }
        }
        match x.state.as_str() {
            "running" => {
                assert!(
                    x.trial_start.unwrap() <= today && x.trial_end.unwrap() > today,
                    "{x:?}"
                )
            }
            "ended" | "converted" => assert!(x.trial_end.unwrap() < today, "{x:?}"),
            "lost" => assert!(
                salesdesk_domain::trial::LOST_REASONS.contains(&x.lost_reason.as_deref().unwrap())
            ),
            _ => assert!(x.trial_start.is_none()),
        }
        let calls = salesdesk_store::presales::for_trial(t.app.db.read(), x.id)
            .await
            .unwrap();
        let expected = if x.trial_start.is_some() {
            plan.steps.len()
        } else {
            0
        };
        assert_eq!(calls.len(), expected, "{x:?}");
    }

    // The VP sees them all through the API; an account manager only those of their customers.
    let vp = t.token("vp").await;
    let c = t.client();
    let (s, list) = api_get(&c, &t.url("/api/v1/trials?view=scope&per_page=1"), &vp).await;
    assert_eq!(s, 200, "{list}");
    assert_eq!(list["total"], 150, "{list}");
    let owned = rows.iter().find(|x| x.owner_id.is_some()).unwrap();
    let owner = salesdesk_store::users::get(t.app.db.read(), owned.owner_id.unwrap())
        .await
        .unwrap()
        .unwrap();
    let tok = t
        .token_with(&owner.login, salesdesk_app::demo::DEMO_PASSWORD)
        .await;
    let (_, mine) = api_get(&c, &t.url("/api/v1/trials?per_page=200"), &tok).await;
    let mine = mine["items"].as_array().unwrap();
    assert!(!mine.is_empty());
    assert!(mine.iter().all(|m| m["owner_id"] == owner.id), "{mine:?}");

    // The applicant of a generated open application applies again for the same product
    // through the website: it folds into theirs, as the intake would have.
    let open = rows
        .iter()
        .find(|x| x.state == "new" && x.overdue_at.is_none())
        .expect("an open new application");
    let issued = salesdesk_app::intake_keys::issue(&t.app, &Ctx::system(), "官网")
        .await
        .unwrap();
    let (s, v) = api_send(
        &c,
        Method::POST,
        &t.url("/api/v1/intake/trials"),
        &issued.secret,
        json!({"company": open.company, "contact_name": "周杰", "mobile": "13600136000",
               "province": open.province_code, "product": open.product_code, "users": 30}),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["folded"], true, "{v}");
    assert_eq!(v["reference"], open.reference.clone().unwrap().as_str());

    // A second run takes only the customers without an application, and stops when none is left.
    let again = generate_trials(
        &t.app,
        &TrialGenOptions {
            trials: 1000,
            seed: 8,
        },
        &mut |_| {},
    )
    .await
    .unwrap();
    assert_eq!(again.trials, 30);
    let customers: HashSet<i64> = all_trials(&t).await.iter().map(|x| x.customer_id).collect();
    assert_eq!(customers.len(), 180);
}
