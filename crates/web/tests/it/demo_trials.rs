//! The demo's trials (issue 12, point 7): spread over the regions, so that every region's
//! manager sees applications, and their pre-sales calls fall on working days of the company
//! calendar (holidays and make-up days included), as real trials' calls do.

use salesdesk_store::entity::{presales_calls, users};
use salesdesk_test_support::TestApp;
use sea_orm::{EntityTrait, QueryOrder};

use crate::api_get;

#[tokio::test]
async fn every_regions_manager_sees_demo_trials_and_demo_calls_fall_on_working_days() {
    let t = TestApp::with_living_demo().await;
    let people = users::Entity::find()
        .order_by_asc(users::Column::Id)
        .all(t.app.db.read())
        .await
        .unwrap();
    let managers: Vec<_> = people
        .iter()
        // Regional managers (the e-office product line's manager sees by product, not region).
        .filter(|u| u.login.ends_with(".manager") && !u.login.starts_with("eoffice."))
        .collect();
    assert!(managers.len() >= 3, "{managers:?}");
    for m in managers {
        let (s, v) = api_get(
            &t.client(),
            &t.url("/api/v1/trials?view=scope&per_page=1"),
            &t.token(&m.login).await,
        )
        .await;
        assert_eq!(s, 200, "{v}");
        assert!(
            v["total"].as_u64().unwrap_or(0) >= 1,
            "{} sees no trial: {v}",
            m.login
        );
    }
    let cal = salesdesk_app::calendar::builtin_calendar();
    let calls = presales_calls::Entity::find()
        .all(t.app.db.read())
        .await
        .unwrap();
    assert!(!calls.is_empty());
    for c in calls {
        assert!(
            cal.is_working_day(c.due_on),
            "a demo call on a day off: {c:?}"
        );
    }
}
