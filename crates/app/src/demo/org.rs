//! The demo's organisation (issue 2, point 10): a small Chinese software vendor's sales
//! department — regions, branch offices and 41 people in every position.
//!
//! Deterministic: the same people, regions and logins on every fresh start. Every demo login's
//! password is [`super::DEMO_PASSWORD`]; demo accounts do not have to change it.

use salesdesk_domain::Position;
use salesdesk_store::{audit, regions, users};
use serde_json::json;

use crate::{Ctx, Result};

/// What the organisation slice created, for the slices after it.
#[derive(Debug, Clone)]
pub struct Org {
    /// Everyone, in the order created (the administrator first).
    pub people: Vec<users::User>,
    /// Regions and branch offices, in the order created.
    pub regions: Vec<regions::Region>,
}

impl Org {
    /// The person with this login (demo logins are fixed; a missing one is a bug here).
    pub fn person(&self, login: &str) -> Option<&users::User> {
        self.people.iter().find(|p| p.login == login)
    }

    /// The top-level region a region or branch belongs to.
    pub fn top_of(&self, region: i64) -> i64 {
        self.regions
            .iter()
            .find(|r| r.id == region)
            .map_or(region, regions::top_of)
    }
}

/// A region of the demo: (login slug, 中文名, English name, branches as (中文, English)).
type DemoRegion = (
    &'static str,
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
);

const REGIONS: [DemoRegion; 5] = [
    (
        "north",
        "华北大区",
        "North China",
        &[
            ("北京分公司", "Beijing Branch"),
            ("天津办事处", "Tianjin Office"),
        ],
    ),
    (
        "east",
        "华东大区",
        "East China",
        &[
            ("上海分公司", "Shanghai Branch"),
            ("杭州分公司", "Hangzhou Branch"),
        ],
    ),
    (
        "south",
        "华南大区",
        "South China",
        &[
            ("广州分公司", "Guangzhou Branch"),
            ("深圳分公司", "Shenzhen Branch"),
        ],
    ),
    (
        "southwest",
        "西南大区",
        "Southwest China",
        &[("成都分公司", "Chengdu Branch")],
    ),
    (
        "central",
        "华中大区",
        "Central China",
        &[("武汉分公司", "Wuhan Branch")],
    ),
];

/// Names handed out in order; 41 people need 41 names.
const NAMES: [&str; 41] = [
    "系统管理员",
    "陈建国",
    "王志强",
    "李明华",
    "张伟",
    "刘洋",
    "赵敏",
    "孙浩",
    "周婷",
    "吴磊",
    "郑晓东",
    "冯雪",
    "褚俊杰",
    "卫丽娟",
    "蒋涛",
    "沈佳怡",
    "韩冰",
    "杨帆",
    "朱文博",
    "秦雨",
    "尤嘉欣",
    "许鹏",
    "何静",
    "吕思远",
    "施颖",
    "张海峰",
    "孔令辉",
    "曹琳",
    "严宏",
    "华欣然",
    "金晨",
    "魏国庆",
    "陶然",
    "姜楠",
    "戚少华",
    "谢婉清",
    "邹凯",
    "喻晓峰",
    "柏雪梅",
    "水志远",
    "窦丽萍",
];

/// Per region: (login suffix, position, index of the branch to sit in, or None for the region).
const STAFF: [(&str, Position, Option<usize>); 7] = [
    ("manager", Position::RegionalManager, None),
    ("am1", Position::AccountManager, Some(0)),
    ("am2", Position::AccountManager, Some(0)),
    ("rep", Position::SalesRep, Some(0)),
    ("consultant", Position::Consultant, None),
    ("assistant", Position::SalesAssistant, None),
    ("telesales", Position::Telesales, None),
];

struct Seeder<'a> {
    tx: &'a salesdesk_store::Tx,
    hash: String,
    next_name: usize,
    org: Org,
}

impl Seeder<'_> {
    async fn person(
        &mut self,
        login: &str,
        position: Option<Position>,
        is_admin: bool,
        region_id: Option<i64>,
        manager_id: Option<i64>,
    ) -> Result<users::User> {
        let name = NAMES[self.next_name % NAMES.len()];
        let n = self.next_name as u32;
        self.next_name += 1;
        let u = users::insert(
            self.tx,
            users::UserFields {
                login: login.into(),
                display_name: name.into(),
                email: Some(format!("{login}@example.com")),
                phone: Some(format!("138{:08}", 10_000_000 + n * 7_919)),
                position: position.map(|p| p.as_str().into()),
                is_admin,
                region_id,
                manager_id,
                active: true,
                locale: "zh-CN".into(),
                on_leave_until: None,
            },
            self.hash.clone(),
            false,
        )
        .await?;
        audit::insert(
            self.tx,
            Ctx::system().audit(
                "person.create",
                "person",
                Some(u.id),
                None,
                Some(json!({"login": login, "demo": true})),
            ),
        )
        .await?;
        self.org.people.push(u.clone());
        Ok(u)
    }

    async fn region(&mut self, name: &str, name_en: &str, parent: Option<i64>) -> Result<i64> {
        let r = region(self.tx, name, name_en, parent).await?;
        let id = r.id;
        self.org.regions.push(r);
        Ok(id)
    }
}

async fn region(
    tx: &salesdesk_store::Tx,
    name: &str,
    name_en: &str,
    parent: Option<i64>,
) -> Result<regions::Region> {
    let r = regions::insert(
        tx,
        regions::RegionFields {
            name: name.into(),
            name_en: name_en.into(),
            kind: if parent.is_some() { "branch" } else { "region" }.into(),
            parent_id: parent,
            active: true,
        },
    )
    .await?;
    audit::insert(
        tx,
        Ctx::system().audit(
            "region.create",
            "region",
            Some(r.id),
            None,
            Some(json!({"name": name, "demo": true})),
        ),
    )
    .await?;
    Ok(r)
}

/// Creates the demo's regions and people in `tx`, all with the password hash `hash`.
pub(super) async fn seed(tx: &salesdesk_store::Tx, hash: String) -> Result<Org> {
    let mut s = Seeder {
        tx,
        hash,
        next_name: 0,
        org: Org {
            people: vec![],
            regions: vec![],
        },
    };
    s.person("admin", None, true, None, None).await?;
    let vp = s
        .person("vp", Some(Position::SalesVp), false, None, None)
        .await?;
    let director = s
        .person(
            "director",
            Some(Position::SalesDirector),
            false,
            None,
            Some(vp.id),
        )
        .await?;
    let mut region_ids = vec![];
    for (slug, name, name_en, branches) in REGIONS {
        let rid = s.region(name, name_en, None).await?;
        let mut branch_ids = vec![];
        for (b, b_en) in branches {
            branch_ids.push(s.region(b, b_en, Some(rid)).await?);
        }
        region_ids.push(rid);
        let mut manager = None;
        for (suffix, position, branch) in STAFF {
            let at = branch
                .and_then(|i| branch_ids.get(i).copied())
                .unwrap_or(rid);
            let boss = if position == Position::RegionalManager {
                Some(director.id)
            } else {
                manager
            };
            let u = s
                .person(
                    &format!("{slug}.{suffix}"),
                    Some(position),
                    false,
                    Some(at),
                    boss,
                )
                .await?;
            if position == Position::RegionalManager {
                manager = Some(u.id);
            }
        }
    }
    // The e-office product line has its own small team, based in the north (head office).
    let eo = s
        .person(
            "eoffice.manager",
            Some(Position::EofficeManager),
            false,
            Some(region_ids[0]),
            Some(director.id),
        )
        .await?;
    s.person(
        "eoffice.rep1",
        Some(Position::EofficeRep),
        false,
        Some(region_ids[0]),
        Some(eo.id),
    )
    .await?;
    s.person(
        "eoffice.rep2",
        Some(Position::EofficeRep),
        false,
        Some(region_ids[1]),
        Some(eo.id),
    )
    .await?;
    Ok(s.org)
}
