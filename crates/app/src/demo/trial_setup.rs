//! The demo's set-up for trial applications (issue 12): the products the demo company sells,
//! the default province → region mapping with city overrides to the branch offices, and — with
//! the demo data — automatic assignment in three regions, one account manager on leave, and one
//! intake key whose secret is published ([`DEMO_INTAKE_SECRET`]: demo databases only).

use chrono::{DateTime, TimeDelta, Utc};
use chrono_tz::Tz;
use salesdesk_store::{Tx, assignment, audit, intake_keys, products, region_routes, users};
use serde_json::json;

use super::org::Org;
use crate::{Ctx, Result, password};

/// The demo intake key's secret, for trying the intake API against a demo database
/// (`Authorization: Bearer …`). **Demo only**: it is public, so the demo's key is named as such,
/// and a real company issues its own keys on `/settings/intake-keys`.
pub const DEMO_INTAKE_SECRET: &str =
    "sdk_demo000000000000000000000000000000000000000000000000000000000000";

/// (code, 中文名, English name): what a Chinese office-software vendor sells.
pub const PRODUCTS: [(&str, &str, &str); 7] = [
    ("eoffice-std", "e-office 标准版", "e-office Standard"),
    ("eoffice-pro", "e-office 专业版", "e-office Professional"),
    ("mobile", "移动办公", "Mobile Office"),
    ("workflow", "流程引擎", "Workflow Engine"),
    ("docs", "文档管理", "Document Management"),
    ("impl", "实施服务", "Implementation Services"),
    ("training", "培训服务", "Training Services"),
];

/// City → branch office (by the branch's Chinese name): a city with a branch goes to it.
const CITY_BRANCHES: [(&str, &str); 8] = [
    ("110100", "北京分公司"),
    ("120100", "天津办事处"),
    ("310100", "上海分公司"),
    ("330100", "杭州分公司"),
    ("440100", "广州分公司"),
    ("440300", "深圳分公司"),
    ("510100", "成都分公司"),
    ("420100", "武汉分公司"),
];

/// Products and the mapping (part of the organisation: `seed_org` loads them too).
pub(super) async fn seed_setup(tx: &Tx, org: &Org) -> Result<()> {
    let ctx = Ctx::system();
    for (i, (code, zh, en)) in PRODUCTS.into_iter().enumerate() {
        let p = products::insert(
            tx,
            code,
            products::ProductFields {
                name_zh: zh.into(),
                name_en: en.into(),
                position: Some((i as i32 + 1) * 10),
                active: true,
            },
        )
        .await?;
        audit::insert(
            tx,
            ctx.audit(
                "product.create",
                "product",
                Some(p.id),
                None,
                Some(json!({"code": code, "name_zh": zh, "name_en": en})),
            ),
        )
        .await?;
    }
    let applied = crate::routing::fill_defaults(tx, None).await?;
    for (city, branch) in CITY_BRANCHES {
        if let Some(b) = org.regions.iter().find(|r| r.name == branch) {
            region_routes::set(tx, &format!("{}0000", &city[..2]), city, b.id, None).await?;
        }
    }
    audit::insert(
        tx,
        ctx.audit(
            "region_route.defaults",
            "region_route",
            None,
            None,
            Some(json!({"mapped": applied.mapped, "unmatched": applied.unmatched,
                        "cities": CITY_BRANCHES.len()})),
        ),
    )
    .await?;
    Ok(())
}

/// With the demo data: who receives new applications and the demo intake key.
pub(super) async fn seed_data(tx: &Tx, org: &Org, now: DateTime<Utc>, tz: Tz) -> Result<()> {
    // North and east hand out new customers in turn, south by load; southwest and central stay
    // manual, so their applications show the director's queue.
    for (slug, mode) in [
        ("north", "round_robin"),
        ("east", "round_robin"),
        ("south", "least_load"),
    ] {
        let Some(manager) = org.person(&format!("{slug}.manager")) else {
            continue;
        };
        let Some(region) = manager.region_id else {
            continue;
        };
        assignment::set_mode(tx, region, mode, Some(manager.id)).await?;
    }
    // One account manager is away this week: routing passes over them until the day after.
    if let Some(away) = org.person("east.am2") {
        let until = (now.with_timezone(&tz) + TimeDelta::days(4)).date_naive();
        let mut f = fields_of(away);
        f.on_leave_until = Some(until);
        users::update(tx, away.id, f).await?;
    }
    let k = intake_keys::insert(
        tx,
        intake_keys::NewKey {
            name: "演示官网（仅演示，密钥公开）".into(),
            prefix: DEMO_INTAKE_SECRET.chars().take(8).collect(),
            key_hash: password::token_hash(DEMO_INTAKE_SECRET),
            created_by: org.person("admin").map(|a| a.id),
            created_at: now - TimeDelta::days(30),
        },
    )
    .await?;
    audit::insert(
        tx,
        Ctx::system().audit(
            "intake_key.issue",
            "intake_key",
            Some(k.id),
            None,
            Some(json!({"name": k.name, "prefix": k.prefix})),
        ),
    )
    .await?;
    Ok(())
}

fn fields_of(u: &users::User) -> users::UserFields {
    users::UserFields {
        login: u.login.clone(),
        display_name: u.display_name.clone(),
        email: u.email.clone(),
        phone: u.phone.clone(),
        position: u.position.clone(),
        is_admin: u.is_admin,
        region_id: u.region_id,
        manager_id: u.manager_id,
        active: u.active,
        locale: u.locale.clone(),
        on_leave_until: u.on_leave_until,
    }
}
