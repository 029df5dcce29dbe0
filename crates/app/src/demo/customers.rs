//! The demo's customers (issue 10, point 1): a few hundred companies across the regions, owned
//! by the demo's salespeople, in every status, with contacts and two years of contact records
//! ending today; their status history (approved and now and then rejected requests), requests
//! waiting in the managers' queues, follow-ups due today and overdue, the public pool switched
//! on with customers in it, and one finished import.
//!
//! Names, USCCs, people and phone numbers come from `datagen`'s tables and PRNG, so the demo
//! and `salesdesk gen` look alike. Every date is relative to `now` (the app clock): the demo is
//! always current. Rows go in through [`bulk::insert`]; like generated data they carry no audit
//! row each — one `demo.load` row records the load, and the import its `customer.import_run`.

use std::collections::HashSet;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use salesdesk_domain::Position;
use salesdesk_domain::customer::{self as rules, Uscc};
use salesdesk_store::bulk::{self, Row, Value};
use salesdesk_store::contacts::Contact;
use salesdesk_store::{Tx, audit, settings as settings_store, users::User};
use serde_json::json;

use super::org::Org;
use crate::datagen::{
    BRAND_FIRST, BRAND_SECOND, CITIES, CONTACT_COLUMNS, CUSTOMER_COLUMNS, INDUSTRIES, KINDS,
    LEGAL_FORMS, OUTCOMES, RECORD_COLUMNS, ROLES, Rng, SIZES, SOURCES, STEPS, TITLES, TOPICS,
    TYPES, contact_row, mobile, os, person_name, s,
};
use crate::{Ctx, Result};

/// The PRNG's seed: changing it changes every customer of the demo.
const SEED: u64 = 20_261_127;

/// Customers per owner, by position: account managers carry the most.
fn share(p: Position) -> usize {
    match p {
        Position::AccountManager => 16,
        Position::SalesRep => 14,
        Position::Telesales => 12,
        Position::EofficeRep => 10,
        Position::Consultant => 8,
        _ => 0,
    }
}

/// Customers waiting in each region's public pool.
const POOL_PER_REGION: usize = 4;

/// Statuses handed out in turn (shifted per owner), so that everyone has a mix: 6 leads, 5
/// basic, 3 potential, 4 signed, 2 invalid in 20.
const STATUS_CYCLE: [&str; 20] = [
    "lead",
    "basic",
    "signed",
    "lead",
    "potential",
    "basic",
    "lead",
    "invalid",
    "signed",
    "basic",
    "lead",
    "potential",
    "basic",
    "signed",
    "lead",
    "basic",
    "potential",
    "invalid",
    "signed",
    "lead",
];

/// When the next contact is planned, relative to today.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FollowUp {
    Overdue,
    Today,
    Upcoming,
    None,
}

/// The rows being built, and the ids handed out so far.
struct Rows {
    customers: Vec<Row>,
    contacts: Vec<Row>,
    records: Vec<Row>,
    record_contacts: Vec<Row>,
    requests: Vec<Row>,
    history: Vec<Row>,
    notifications: Vec<Row>,
    customer_id: i64,
    contact_id: i64,
    record_id: i64,
    /// Duplicate keys used so far: a demo name never collides with another.
    keys: HashSet<String>,
}

/// What the demo knows of one customer before writing it.
struct Plan<'a> {
    /// The current owner; `None` in the pool.
    owner: Option<&'a User>,
    /// Who owned it before the pool took it.
    former: Option<&'a User>,
    /// Index of the top-level region in [`Org::regions`] order (north, east, …).
    region_ix: usize,
    status: &'static str,
    followup: FollowUp,
    /// The next step asked for and waiting for a decision.
    pending: Option<&'static str>,
    /// Created by the demo's import run (at this time, by this person).
    imported: Option<(i64, DateTime<Utc>, i64)>,
    /// Created within the last week.
    fresh: bool,
    /// Owned by someone else first, then reassigned by the manager.
    reassigned_from: Option<&'a User>,
    /// An earlier request for the first step was rejected.
    rejected_first: bool,
    /// Position in the owner's list (drives the cycles above).
    k: usize,
}

/// The demo's customers and everything hung on them, written in `tx`.
pub(super) async fn seed(tx: &Tx, org: &Org, now: DateTime<Utc>, tz: Tz) -> Result<()> {
    let tops: Vec<i64> = org
        .regions
        .iter()
        .filter(|r| r.parent_id.is_none())
        .map(|r| r.id)
        .collect();
    let owners: Vec<&User> = org
        .people
        .iter()
        .filter(|u| position(u).is_some_and(|p| share(p) > 0))
        .collect();
    let importer = org.person("east.manager");
    let import_at = local(
        tz,
        now.with_timezone(&tz).date_naive() - Duration::days(75),
        10,
        30,
    );
    let import_id = bulk::max_id(tx, "imports").await? + 1;

    let mut plans = vec![];
    for (oi, owner) in owners.iter().enumerate() {
        let Some(region_ix) = owner
            .region_id
            .and_then(|r| tops.iter().position(|t| *t == org.top_of(r)))
        else {
            continue;
        };
        let colleague = owners.iter().find(|o| {
            o.id != owner.id && o.region_id.map(|r| org.top_of(r)) == Some(tops[region_ix])
        });
        for k in 0..share(position(owner).unwrap_or(Position::SalesVp)) {
            let status = STATUS_CYCLE[(k + oi * 3) % STATUS_CYCLE.len()];
            let active = matches!(status, "lead" | "basic" | "potential");
            // The east region's telesales and representative got part of their list from a
            // trade-show import.
            let imported = (owner.login == "east.telesales" || owner.login == "east.rep")
                && k.is_multiple_of(2);
            let fresh = !imported && status == "lead" && k.is_multiple_of(6);
            let followup = match (status, k % 10) {
                ("invalid", _) => FollowUp::None,
                _ if fresh => FollowUp::Upcoming,
                ("signed", 0 | 4) => FollowUp::Upcoming,
                ("signed", 1) => FollowUp::Overdue,
                ("signed", _) => FollowUp::None,
                (_, 0 | 1) => FollowUp::Overdue,
                (_, 2) => FollowUp::Today,
                (_, 8 | 9) => FollowUp::None,
                _ => FollowUp::Upcoming,
            };
            let pending = (active && k % 6 == 1).then_some(match status {
                "lead" => "basic",
                "basic" => "potential",
                _ => "signed",
            });
            plans.push(Plan {
                owner: Some(owner),
                former: None,
                region_ix,
                status,
                followup,
                pending,
                imported: match (imported, importer) {
                    (true, Some(by)) => Some((import_id, import_at, by.id)),
                    _ => None,
                },
                fresh,
                reassigned_from: (k % 7 == 5).then_some(colleague.copied()).flatten(),
                rejected_first: status != "lead" && k % 6 == 3,
                k,
            });
        }
    }
    for (region_ix, top) in tops.iter().enumerate() {
        let former: Vec<&User> = owners
            .iter()
            .copied()
            .filter(|o| o.region_id.map(|r| org.top_of(r)) == Some(*top))
            .collect();
        for k in 0..POOL_PER_REGION {
            plans.push(Plan {
                owner: None,
                former: former.get(k % former.len().max(1)).copied(),
                region_ix,
                status: if k.is_multiple_of(2) { "lead" } else { "basic" },
                followup: FollowUp::None,
                pending: None,
                imported: None,
                fresh: false,
                reassigned_from: None,
                rejected_first: false,
                k,
            });
        }
    }

    let mut rows = Rows {
        customers: vec![],
        contacts: vec![],
        records: vec![],
        record_contacts: vec![],
        requests: vec![],
        history: vec![],
        notifications: vec![],
        customer_id: bulk::max_id(tx, "customers").await?,
        contact_id: bulk::max_id(tx, "contacts").await?,
        record_id: bulk::max_id(tx, "contact_records").await?,
        keys: HashSet::new(),
    };
    // The demo's customers get ids above this one.
    let first_id = rows.customer_id;
    let mut imported_lines = vec![];
    for (i, plan) in plans.iter().enumerate() {
        let line = customer(&mut rows, org, &tops, plan, i as u64, now, tz);
        if plan.imported.is_some() {
            imported_lines.push(line);
        }
    }
    let counts = json!({
        "customers": rows.customers.len(), "contacts": rows.contacts.len(),
        "records": rows.records.len(), "status_requests": rows.requests.len(),
    });

    bulk::insert(tx, "customers", CUSTOMER_COLUMNS, rows.customers).await?;
    bulk::insert(tx, "contacts", CONTACT_COLUMNS, rows.contacts).await?;
    // Their likely-duplicate keys (issue 10, point 5), so that the demo warns as real data does.
    salesdesk_store::likely::key_bulk_rows(tx, first_id).await?;
    bulk::insert(tx, "contact_records", RECORD_COLUMNS, rows.records).await?;
    bulk::insert(
        tx,
        "contact_record_contacts",
        &["record_id", "contact_id"],
        rows.record_contacts,
    )
    .await?;
    bulk::insert(tx, "status_requests", REQUEST_COLUMNS, rows.requests).await?;
    bulk::insert(tx, "owner_history", HISTORY_COLUMNS, rows.history).await?;
    bulk::insert(
        tx,
        "notifications",
        NOTIFICATION_COLUMNS,
        rows.notifications,
    )
    .await?;
    if let Some(by) = importer {
        import_run(tx, import_id, by.id, import_at, tz, &imported_lines).await?;
    }
    for t in ["customers", "contacts", "contact_records", "imports"] {
        bulk::sync_id_sequence(tx, t).await?;
    }
    // The pool is part of what the demo shows: switched on, with the default limits.
    let settings = crate::settings::Settings {
        pool_enabled: true,
        ..Default::default()
    };
    settings_store::put(
        tx,
        "customers",
        &serde_json::to_string(&settings).unwrap_or_default(),
        None,
    )
    .await?;
    audit::insert(
        tx,
        Ctx::system().audit("demo.load", "customer", None, None, Some(counts)),
    )
    .await?;
    Ok(())
}

fn position(u: &User) -> Option<Position> {
    u.position.as_deref().and_then(Position::parse)
}

/// `hour`:00 + `minutes` on `day` in the company's zone, as UTC.
fn local(tz: Tz, day: NaiveDate, hour: u32, minutes: u32) -> DateTime<Utc> {
    let t = day.and_hms_opt(hour, 0, 0).unwrap_or_default() + Duration::minutes(minutes.into());
    tz.from_local_datetime(&t)
        .earliest()
        .map_or_else(|| Utc.from_utc_datetime(&t), |x| x.with_timezone(&Utc))
}

/// A working-hours moment on the day `days` before `today` (never later than `now`).
fn work_time(r: &mut Rng, tz: Tz, now: DateTime<Utc>, days: i64) -> DateTime<Utc> {
    let today = now.with_timezone(&tz).date_naive();
    let t = local(tz, today - Duration::days(days), 9, r.below(540) as u32);
    if t > now {
        now - Duration::minutes(5 + r.below(120) as i64)
    } else {
        t
    }
}

const REQUEST_COLUMNS: &[&str] = &[
    "customer_id",
    "from_status",
    "to_status",
    "need",
    "budget",
    "timeline",
    "negotiation",
    "invalid_reason",
    "note",
    "requested_by",
    "state",
    "decided_by",
    "decision_comment",
    "created_at",
    "decided_at",
];

const HISTORY_COLUMNS: &[&str] = &[
    "customer_id",
    "from_owner_id",
    "to_owner_id",
    "reason",
    "changed_by",
    "changed_at",
];

const NOTIFICATION_COLUMNS: &[&str] = &["user_id", "kind", "params", "link", "created_at"];

/// Evidence of a status step, as an account manager writes it.
const NEEDS: &[&str] = &[
    "全公司 120 人上线协同办公，替换现有纸质审批",
    "分公司之间公文流转，需移动端审批",
    "项目管理与报销流程线上化",
    "知识库与文档权限管理",
];
const BUDGETS: &[&str] = &[
    "年度 IT 预算约 30 万元",
    "预算 15–20 万元，已列入本年计划",
    "约 50 万元，分两期",
    "8 万元以内",
];
const TIMELINES: &[&str] = &[
    "本季度内选型，下季度上线",
    "年底前完成采购",
    "明年一季度招标",
    "两个月内决定",
];
const NEGOTIATIONS: &[&str] = &[
    "已提交报价，客户在比价，折扣在谈",
    "合同条款在法务审核",
    "商务谈判中，客户要求分期付款",
    "已进入最终两家，等待领导决策",
];
const INVALID_REASONS: &[&str] = &["no_need", "no_budget", "unreachable", "closed"];
const REJECT_COMMENTS: &[&str] = &[
    "预算来源还不清楚，请补充后再提交",
    "需求描述太笼统，请写明人数和模块",
];

/// (city, province, area code, division code, region index), as in `datagen`.
type City = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    usize,
);

/// A demo company's name and where it is.
struct Company {
    name: String,
    short_name: String,
    city: &'static City,
    /// Index in `INDUSTRIES`.
    industry: usize,
    /// The brand in pinyin, for web and mail domains.
    pinyin: String,
}

/// A company name for the region that no earlier demo customer has (by duplicate key).
fn company(rows: &mut Rows, r: &mut Rng, region_ix: usize) -> Company {
    let cities: Vec<&'static City> = CITIES.iter().filter(|c| c.4 == region_ix).collect();
    loop {
        // The first two cities of a region are where its offices are: most customers sit there.
        let city = if r.chance(0.7) {
            cities[r.below(2.min(cities.len() as u64)) as usize]
        } else {
            *r.pick(&cities)
        };
        let (b1, p1) = *r.pick(BRAND_FIRST);
        let (b2, p2) = *r.pick(BRAND_SECOND);
        if b1 == b2 {
            continue;
        }
        let ind = r.below(INDUSTRIES.len() as u64) as usize;
        let (word, short, _) = INDUSTRIES[ind];
        // "科技有限公司" after an industry reads oddly (房地产开发科技有限公司): plain 有限公司.
        let form = match *r.weighted::<&str>(LEGAL_FORMS) {
            "科技有限公司" => "有限公司",
            f => f,
        };
        let name = rules::normalize_name(&format!("{}{b1}{b2}{word}{form}", city.0));
        if rows.keys.insert(rules::match_key(&name)) {
            return Company {
                name,
                short_name: format!("{b1}{b2}{short}"),
                city,
                industry: ind,
                pinyin: format!("{p1}{p2}"),
            };
        }
    }
}

/// Builds one customer's rows; returns its line of the import file (used when imported).
fn customer(
    rows: &mut Rows,
    org: &Org,
    tops: &[i64],
    plan: &Plan<'_>,
    i: u64,
    now: DateTime<Utc>,
    tz: Tz,
) -> String {
    let mut r = Rng::for_item(SEED, 1, i);
    let today = now.with_timezone(&tz).date_naive();
    let Company {
        name,
        short_name,
        city,
        industry: ind,
        pinyin,
    } = company(rows, &mut r, plan.region_ix);
    let (city_name, province, area, division, _) = *city;
    let top = tops[plan.region_ix];
    // A customer belongs to the branch office of its city, if there is one.
    let region = org
        .regions
        .iter()
        .find(|g| g.parent_id == Some(top) && g.name.starts_with(city_name))
        .map_or(top, |g| g.id);
    rows.customer_id += 1;
    let id = rows.customer_id;
    let holder = plan.owner.or(plan.former);
    let manager = holder.and_then(|h| h.manager_id);
    let manager_name = manager
        .and_then(|m| org.people.iter().find(|p| p.id == m))
        .map_or("", |p| p.display_name.as_str());

    // When things happened: the last contact from the follow-up plan, the creation before it.
    let (next_on, mut last_at) = match plan.followup {
        FollowUp::Overdue => {
            let next = today - Duration::days(1 + r.below(12) as i64);
            let back = (today - next).num_days() + 3 + r.below(14) as i64;
            let last = work_time(&mut r, tz, now, back);
            (Some(next), last)
        }
        FollowUp::Today => {
            let back = 2 + r.below(12) as i64;
            (Some(today), work_time(&mut r, tz, now, back))
        }
        FollowUp::Upcoming => {
            let back = r.below(20) as i64;
            let next = today + Duration::days(1 + r.below(21) as i64);
            (Some(next), work_time(&mut r, tz, now, back))
        }
        FollowUp::None => {
            let back = match (plan.owner, plan.status) {
                (None, _) => 70 + r.below(130),
                (_, "signed") => 10 + r.below(100),
                (_, "invalid") => 20 + r.below(300),
                _ => 5 + r.below(40),
            };
            (None, work_time(&mut r, tz, now, back as i64))
        }
    };
    let age_days = match plan.status {
        "lead" => 20 + r.below(160),
        "basic" => 60 + r.below(340),
        "potential" => 90 + r.below(410),
        "signed" => 180 + r.below(545),
        _ => 40 + r.below(680),
    } as i64;
    let mut created_at = match plan.imported {
        Some((_, at, _)) => at,
        // Some came in today (so "new this week" is never empty, even on a Monday morning),
        // the others during the last six days.
        None if plan.fresh && plan.k.is_multiple_of(12) => {
            let midnight = local(tz, today, 0, 0);
            midnight
                + Duration::seconds(
                    (((now - midnight).num_seconds().max(0)) as f64 * r.unit()) as i64,
                )
        }
        None if plan.fresh => now - Duration::hours(2 + r.below(24 * 6) as i64),
        None => work_time(&mut r, tz, now, age_days),
    };
    if plan.fresh {
        last_at = created_at + Duration::minutes(30 + r.below(90) as i64);
        if last_at > now {
            last_at = now;
        }
    }
    if created_at > last_at - Duration::hours(2) && !plan.fresh {
        created_at = last_at - Duration::days(3 + r.below(20) as i64);
    }
    let span = (last_at - created_at).num_seconds().max(60);

    // Contacts: one to three, the first primary.
    let domain = format!("{pinyin}{}.com.cn", i % 97);
    let has_web = r.chance(0.6);
    let n_contacts = 1 + r.below(3);
    let mut people = vec![];
    for k in 0..n_contacts {
        rows.contact_id += 1;
        let m = mobile(&mut r);
        let c = Contact {
            id: rows.contact_id,
            customer_id: id,
            name: person_name(&mut r),
            title: Some(r.pick::<&str>(TITLES).to_string()),
            role: Some(ROLES[(k as usize + i as usize) % ROLES.len()].to_string()),
            mobile: Some(m.clone()),
            phone: r
                .chance(0.4)
                .then(|| format!("{area}-{}", 60_000_000 + r.below(9_999_999))),
            email: has_web.then(|| format!("c{}@{domain}", rows.contact_id)),
            wechat: r.chance(0.5).then_some(m),
            notes: None,
            is_primary: k == 0,
            created_at,
            updated_at: created_at,
            removed_at: None,
            version: 1,
            import_id: None,
        };
        rows.contacts.push(contact_row(&c));
        people.push(c);
    }

    // The status history: the steps to the current status, each requested by the owner of the
    // time and approved by their manager a day later.
    let path: &[(&str, &str)] = match plan.status {
        "basic" => &[("lead", "basic")],
        "potential" => &[("lead", "basic"), ("basic", "potential")],
        "signed" => &[
            ("lead", "basic"),
            ("basic", "potential"),
            ("potential", "signed"),
        ],
        "invalid" if plan.k.is_multiple_of(2) => &[("lead", "invalid")],
        "invalid" => &[("lead", "basic"), ("basic", "invalid")],
        _ => &[],
    };
    let mut steps: Vec<DateTime<Utc>> = (0..path.len())
        .map(|_| created_at + Duration::seconds((span as f64 * (0.2 + 0.7 * r.unit())) as i64))
        .collect();
    steps.sort();
    let status_changed_at = steps.last().copied().unwrap_or(created_at);
    let requester = holder.map(|h| h.id);
    for (n, ((from, to), at)) in path.iter().zip(&steps).enumerate() {
        let Some(by) = requester else { break };
        let asked = (*at - Duration::hours(20 + r.below(30) as i64)).max(created_at);
        if n == 0 && plan.rejected_first && asked - Duration::days(10) > created_at {
            rows.requests.push(request(
                id,
                from,
                to,
                by,
                asked - Duration::days(10),
                Some((
                    "rejected",
                    manager,
                    r.pick::<&str>(REJECT_COMMENTS),
                    asked - Duration::days(9),
                )),
                &mut r,
            ));
        }
        rows.requests.push(request(
            id,
            from,
            to,
            by,
            asked,
            Some(("approved", manager, "", *at)),
            &mut r,
        ));
        if now - *at < Duration::days(7) {
            rows.notifications.push(vec![
                Value::from(by),
                s("status_approved"),
                Value::from(
                    json!({"who": manager_name, "customer": name, "to": to, "comment": ""})
                        .to_string(),
                ),
                Value::from(format!("/customers/{id}")),
                Value::from(*at),
            ]);
        }
    }
    if let (Some(to), Some(owner)) = (plan.pending, plan.owner) {
        let asked = (now - Duration::minutes(30 + r.below(60 * 24 * 5) as i64))
            .max((status_changed_at + Duration::hours(1)).min(now));
        rows.requests
            .push(request(id, plan.status, to, owner.id, asked, None, &mut r));
        if let Some(m) = owner.manager_id {
            rows.notifications.push(vec![
                Value::from(m),
                s("status_request"),
                Value::from(
                    json!({"who": owner.display_name, "customer": name, "to": to}).to_string(),
                ),
                Value::from(format!("/customers/{id}")),
                Value::from(asked),
            ]);
        }
    }

    // Contact records from creation to the last contact; the last one plans the next.
    let n_records = match plan.status {
        "lead" => 1 + r.below(3),
        "basic" => 3 + r.below(5),
        "potential" => 5 + r.below(7),
        "signed" => 8 + r.below(12),
        _ => 1 + r.below(4),
    }
    .min((span / 86_400).max(1) as u64);
    let mut times: Vec<DateTime<Utc>> = (1..n_records)
        .map(|_| created_at + Duration::seconds(r.below(span as u64) as i64))
        .collect();
    times.sort();
    times.push(last_at);
    for (k, at) in times.iter().enumerate() {
        rows.record_id += 1;
        let next = if k + 1 == times.len() {
            next_on
        } else {
            r.chance(0.5)
                .then(|| times[k + 1].with_timezone(&tz).date_naive())
        };
        let with = &people[r.below(people.len() as u64) as usize];
        rows.record_contacts
            .push(vec![Value::from(rows.record_id), Value::from(with.id)]);
        let topic = r.pick::<&str>(TOPICS);
        rows.records.push(vec![
            Value::from(rows.record_id),
            Value::from(id),
            Value::from(holder.map(|h| h.id)),
            s(r.weighted::<&str>(KINDS)),
            Value::from(*at),
            Value::from(format!("与{}沟通{topic}", with.name)),
            os(r.chance(0.7).then(|| r.pick::<&str>(OUTCOMES).to_string())),
            os(next.map(|_| r.pick::<&str>(STEPS).to_string())),
            Value::from(next),
            Value::from(*at),
        ]);
    }

    // Who had it: created (or imported) for its first owner, maybe reassigned, maybe pooled.
    let first = plan.reassigned_from.or(holder);
    let (reason, by) = match plan.imported {
        Some((_, _, importer)) => ("import", Some(importer)),
        None => ("create", first.map(|u| u.id)),
    };
    rows.history.push(vec![
        Value::from(id),
        Value::from(Option::<i64>::None),
        Value::from(first.map(|u| u.id)),
        s(reason),
        Value::from(by),
        Value::from(created_at),
    ]);
    if let (Some(from), Some(to)) = (plan.reassigned_from, plan.owner) {
        rows.history.push(vec![
            Value::from(id),
            Value::from(from.id),
            Value::from(to.id),
            s("reassign"),
            Value::from(to.manager_id),
            Value::from(created_at + Duration::seconds(span / 5)),
        ]);
    }
    let pool_since = match (plan.owner, plan.former) {
        (None, Some(former)) => {
            // Half were given back by their owner, half went back on their own when nobody
            // called them for the pool's idle days.
            let released = plan.k.is_multiple_of(2);
            let at = if released {
                last_at + Duration::days(1 + r.below(5) as i64)
            } else {
                last_at + Duration::days(60)
            };
            let at = at.min(now - Duration::days(1));
            rows.history.push(vec![
                Value::from(id),
                Value::from(former.id),
                Value::from(Option::<i64>::None),
                s(if released { "release" } else { "pool" }),
                Value::from(released.then_some(former.id)),
                Value::from(at),
            ]);
            Some(at)
        }
        _ => None,
    };

    let uscc = r
        .chance(0.8)
        .then(|| Uscc::from_parts(&format!("91{division}"), &format!("{:08}", 10_000 + i * 37)))
        .flatten()
        .map(Uscc::into_string);
    let website = has_web.then(|| format!("https://www.{domain}"));
    let email = has_web.then(|| format!("info@{domain}"));
    let phone = format!("{area}-{}", 80_000_000 + r.below(9_999_999));
    let address = format!(
        "{}{}路{}号",
        ["高新区", "经开区", "中心城区", "新区", "科技园"][r.below(5) as usize],
        ["建设", "人民", "解放", "创业", "科技", "中山", "长江"][r.below(7) as usize],
        1 + r.below(999)
    );
    // Places and industries from the national lists, as datagen writes them (m0022 codes).
    let national = salesdesk_domain::geo::province(province);
    let section = salesdesk_domain::geo::industry(INDUSTRIES[ind].2)
        .unwrap_or(&salesdesk_domain::geo::INDUSTRIES[8]);
    let industry = section.name_zh;
    let updated_at = [created_at, status_changed_at, last_at]
        .into_iter()
        .chain(pool_since)
        .max()
        .unwrap_or(created_at);
    let search_key = crate::customers::search_text(&name, Some(&short_name), &people);
    let source = if plan.imported.is_some() {
        "exhibition"
    } else {
        r.weighted::<&str>(SOURCES)
    };
    rows.customers.push(vec![
        Value::from(id),
        s(&name),
        Value::from(rules::match_key(&name)),
        Value::from(search_key.clone()),
        Value::from(rules::search_grams(&search_key)),
        s(&short_name),
        os(uscc.clone()),
        os(website),
        os(email),
        s(&phone),
        s(province),
        Value::from(format!("{city_name}市")),
        s(&address),
        s(industry),
        os(None),
        Value::from(region),
        Value::from(plan.owner.map(|o| o.id)),
        s(plan.status),
        Value::from(status_changed_at),
        Value::from(last_at),
        Value::from(match plan.imported {
            Some((_, _, by)) => Some(by),
            None => first.map(|u| u.id),
        }),
        Value::from(created_at),
        Value::from(updated_at),
        s(r.weighted::<&str>(TYPES)),
        s(source),
        s(r.weighted::<&str>(SIZES)),
        Value::from(next_on.filter(|_| plan.owner.is_some())),
        Value::from(pool_since),
        Value::from(national.map(|p| p.code)),
        Value::from(national.and_then(|p| p.city(city_name)).map(|c| c.code)),
        s(section.code),
        Value::from(plan.imported.map(|(imp, _, _)| imp)),
    ]);
    let owner_login = plan.owner.map_or("", |o| o.login.as_str());
    format!(
        "{name},{short_name},{},{province},{city_name}市,{industry},{owner_login}",
        uscc.unwrap_or_default()
    )
}

/// One status request's row; `decision` is (state, decided by, comment, decided at).
fn request(
    customer: i64,
    from: &str,
    to: &str,
    by: i64,
    at: DateTime<Utc>,
    decision: Option<(&str, Option<i64>, &str, DateTime<Utc>)>,
    r: &mut Rng,
) -> Row {
    let basic = to == "basic";
    let (state, decided_by, comment, decided_at) = match decision {
        Some((st, m, c, t)) => (st, m, Some(c).filter(|c| !c.is_empty()), Some(t)),
        None => ("pending", None, None, None),
    };
    vec![
        Value::from(customer),
        s(from),
        s(to),
        os(basic.then(|| r.pick::<&str>(NEEDS).to_string())),
        os(basic.then(|| r.pick::<&str>(BUDGETS).to_string())),
        os(basic.then(|| r.pick::<&str>(TIMELINES).to_string())),
        os((to == "potential").then(|| r.pick::<&str>(NEGOTIATIONS).to_string())),
        os((to == "invalid").then(|| r.pick::<&str>(INVALID_REASONS).to_string())),
        os((to == "signed").then(|| "合同已签，首付款已到账".to_string())),
        Value::from(by),
        s(state),
        Value::from(decided_by),
        os(comment.map(str::to_string)),
        Value::from(at),
        Value::from(decided_at),
    ]
}

/// The finished import the imported customers came from: its file (as uploaded, a CSV), its
/// figures, and its audit row, dated when it ran.
async fn import_run(
    tx: &Tx,
    id: i64,
    by: i64,
    at: DateTime<Utc>,
    tz: Tz,
    lines: &[String],
) -> Result<()> {
    let mut csv = String::from("客户名称,简称,统一社会信用代码,省份,城市,行业,负责人\r\n");
    for l in lines {
        csv.push_str(l);
        csv.push_str("\r\n");
    }
    let n = lines.len() as i64;
    let file = format!(
        "{}年华东展会客户名单.csv",
        at.with_timezone(&tz).format("%Y")
    );
    bulk::insert(
        tx,
        "imports",
        &[
            "id",
            "user_id",
            "file_name",
            "status",
            "mapping",
            "valid_only",
            "total",
            "done",
            "valid",
            "rejected",
            "imported",
            "errors",
            "created_at",
            "started_at",
            "finished_at",
        ],
        vec![vec![
            Value::from(id),
            Value::from(by),
            s(&file),
            s("done"),
            s(r#"["name","short_name","uscc","province","city","industry","owner"]"#),
            Value::from(false),
            Value::from(n),
            Value::from(n),
            Value::from(n),
            Value::from(0i64),
            Value::from(n),
            s("[]"),
            Value::from(at - Duration::minutes(6)),
            Value::from(at - Duration::seconds(2)),
            Value::from(at),
        ]],
    )
    .await?;
    // The file itself lives beside the run's row (m0023).
    bulk::insert(
        tx,
        "import_files",
        &["import_id", "content"],
        vec![vec![Value::from(id), Value::from(csv.into_bytes())]],
    )
    .await?;
    bulk::insert(
        tx,
        "audit_log",
        &[
            "at",
            "actor_id",
            "action",
            "entity_type",
            "entity_id",
            "after",
        ],
        vec![vec![
            Value::from(at),
            Value::from(by),
            s("customer.import_run"),
            s("import"),
            Value::from(id),
            Value::from(json!({"file": file, "imported": n, "rejected": 0}).to_string()),
        ]],
    )
    .await?;
    Ok(())
}
