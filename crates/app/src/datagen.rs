//! `salesdesk gen`: a large, realistic and deterministic Chinese dataset for benchmarks — customers
//! with contacts and contact records, owned by generated salespeople in the demo regions.
//!
//! Everything derives from the seed through a small PRNG ([`Rng`], splitmix64), each customer
//! from its own stream, so one seed always gives the same rows. Keys are computed as the use
//! cases compute them (`match_key`, [`crate::customers::search_text`]). Rows go in through
//! multi-row INSERTs in large transactions and carry no audit row each: generated data is not
//! anybody's activity. One `gen.run` audit row records the run.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use salesdesk_domain::Position;
use salesdesk_domain::customer::{self as rules, Uscc};
use salesdesk_store::bulk::{self, Row, Value};
use salesdesk_store::{audit, contacts::Contact, regions, users};
use serde_json::json;

use crate::{App, AppError, Ctx, Result, demo, password};

mod collections;
mod contracts;
pub(crate) mod deals;
mod expenses;
mod quotes;
mod trials;
pub use contracts::{ContractGenOptions, ContractGenReport, generate_contracts};
pub use deals::{DealGenOptions, DealGenReport, generate_deals};
pub use expenses::{ExpenseGenOptions, ExpenseGenReport, generate_expenses};
pub use quotes::{QuoteGenOptions, QuoteGenReport, generate_quotes};
pub use trials::{TrialGenOptions, TrialGenReport, generate_trials};

/// What to generate.
#[derive(Debug, Clone)]
pub struct GenOptions {
    pub customers: u64,
    pub contacts: u64,
    pub records: u64,
    pub salespeople: u64,
    pub seed: u64,
    /// The generated history ends on this day (contact records cover the two years before it).
    pub as_of: NaiveDate,
}

/// What was generated.
#[derive(Debug, Clone, Default)]
pub struct GenReport {
    pub salespeople: u64,
    pub customers: u64,
    pub contacts: u64,
    pub records: u64,
}

/// Rows written so far and in all, for a progress display.
#[derive(Debug, Clone, Copy)]
pub struct Progress {
    pub done: u64,
    pub total: u64,
}

/// splitmix64: tiny, fast, and good enough for test data.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// An independent stream for item `i` of stream `stream`.
    pub(crate) fn for_item(seed: u64, stream: u64, i: u64) -> Rng {
        let mut r = Rng(seed ^ stream.wrapping_mul(0xA076_1D64_78BD_642F));
        r.0 ^= r
            .next_u64()
            .wrapping_add(i.wrapping_mul(0xE703_7ED1_A0B4_28DB));
        r
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        ((self.next_u64() >> 32) * n) >> 32
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub(crate) fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// Picks by weight from `(weight, item)` pairs.
    pub(crate) fn weighted<'a, T>(&mut self, items: &'a [(u32, T)]) -> &'a T {
        let total: u32 = items.iter().map(|(w, _)| w).sum();
        let mut x = self.below(u64::from(total)) as u32;
        for (w, item) in items {
            if x < *w {
                return item;
            }
            x -= w;
        }
        &items[items.len() - 1].1
    }
}

/// Splits `total` over `n` items with random sizes between 0 and about twice the mean, summing to
/// `total` exactly: item `i` gets `⌊m·(i+1) + j(i+1)⌋ − ⌊m·i + j(i)⌋` with `m = total/n` and a
/// jitter `j` in [0, m) that is 0 at both ends.
fn share(seed: u64, stream: u64, total: u64, n: u64, i: u64) -> u64 {
    if n == 0 {
        return 0;
    }
    let m = total as f64 / n as f64;
    let at = |k: u64| -> u64 {
        let jitter = if k == 0 || k == n {
            0.0
        } else {
            Rng::for_item(seed, stream, k).unit() * m * 0.98
        };
        (m * k as f64 + jitter).floor() as u64
    };
    at(i + 1).saturating_sub(at(i))
}

/// (city, province, telephone area code, division code for the USCC, index of the demo region:
/// north, east, south, southwest, central).
pub(crate) const CITIES: &[(&str, &str, &str, &str, usize)] = &[
    ("北京", "北京市", "010", "110108", 0),
    ("天津", "天津市", "022", "120116", 0),
    ("石家庄", "河北省", "0311", "130100", 0),
    ("太原", "山西省", "0351", "140100", 0),
    ("济南", "山东省", "0531", "370100", 0),
    ("青岛", "山东省", "0532", "370200", 0),
    ("上海", "上海市", "021", "310115", 1),
    ("杭州", "浙江省", "0571", "330100", 1),
    ("宁波", "浙江省", "0574", "330200", 1),
    ("南京", "江苏省", "025", "320100", 1),
    ("苏州", "江苏省", "0512", "320500", 1),
    ("合肥", "安徽省", "0551", "340100", 1),
    ("广州", "广东省", "020", "440100", 2),
    ("深圳", "广东省", "0755", "440300", 2),
    ("东莞", "广东省", "0769", "441900", 2),
    ("厦门", "福建省", "0592", "350200", 2),
    ("福州", "福建省", "0591", "350100", 2),
    ("南宁", "广西壮族自治区", "0771", "450100", 2),
    ("成都", "四川省", "028", "510100", 3),
    ("重庆", "重庆市", "023", "500000", 3),
    ("昆明", "云南省", "0871", "530100", 3),
    ("贵阳", "贵州省", "0851", "520100", 3),
    ("武汉", "湖北省", "027", "420100", 4),
    ("长沙", "湖南省", "0731", "430100", 4),
    ("郑州", "河南省", "0371", "410100", 4),
    ("南昌", "江西省", "0791", "360100", 4),
];

/// First and second characters of two-character brands (字号), with their pinyin for websites.
pub(crate) const BRAND_FIRST: &[(&str, &str)] = &[
    ("云", "yun"),
    ("华", "hua"),
    ("中", "zhong"),
    ("天", "tian"),
    ("金", "jin"),
    ("宏", "hong"),
    ("新", "xin"),
    ("恒", "heng"),
    ("博", "bo"),
    ("海", "hai"),
    ("瑞", "rui"),
    ("信", "xin"),
    ("东", "dong"),
    ("泰", "tai"),
    ("安", "an"),
    ("盛", "sheng"),
    ("鼎", "ding"),
    ("联", "lian"),
    ("创", "chuang"),
    ("智", "zhi"),
    ("星", "xing"),
    ("远", "yuan"),
    ("正", "zheng"),
    ("永", "yong"),
    ("佳", "jia"),
    ("润", "run"),
    ("汇", "hui"),
    ("蓝", "lan"),
    ("银", "yin"),
    ("嘉", "jia"),
];

pub(crate) const BRAND_SECOND: &[(&str, &str)] = &[
    ("帆", "fan"),
    ("为", "wei"),
    ("达", "da"),
    ("通", "tong"),
    ("科", "ke"),
    ("源", "yuan"),
    ("翔", "xiang"),
    ("辉", "hui"),
    ("鑫", "xin"),
    ("泽", "ze"),
    ("宇", "yu"),
    ("峰", "feng"),
    ("锐", "rui"),
    ("航", "hang"),
    ("腾", "teng"),
    ("迅", "xun"),
    ("邦", "bang"),
    ("诚", "cheng"),
    ("拓", "tuo"),
    ("维", "wei"),
    ("越", "yue"),
    ("卓", "zhuo"),
    ("捷", "jie"),
    ("睿", "rui"),
    ("晟", "sheng"),
    ("德", "de"),
    ("成", "cheng"),
    ("图", "tu"),
    ("盈", "ying"),
    ("信", "xin"),
];

/// (word in the name, short form, GB/T 4754 section of the industry).
pub(crate) const INDUSTRIES: &[(&str, &str, &str)] = &[
    ("信息技术", "信息", "I"),
    ("软件", "软件", "I"),
    ("网络科技", "网络", "I"),
    ("电子", "电子", "C"),
    ("机械制造", "机械", "C"),
    ("精密制造", "精密", "C"),
    ("建筑工程", "建工", "E"),
    ("建材", "建材", "E"),
    ("医药", "医药", "C"),
    ("医疗器械", "医疗", "C"),
    ("物流", "物流", "G"),
    ("供应链管理", "供应链", "G"),
    ("贸易", "贸易", "F"),
    ("进出口", "进出口", "F"),
    ("教育科技", "教育", "P"),
    ("新能源", "能源", "D"),
    ("电力设备", "电力", "D"),
    ("生物科技", "生物", "M"),
    ("环保科技", "环保", "N"),
    ("食品", "食品", "C"),
    ("餐饮管理", "餐饮", "H"),
    ("管理咨询", "咨询", "L"),
    ("文化传媒", "传媒", "R"),
    ("广告", "广告", "R"),
    ("汽车配件", "汽配", "C"),
    ("金融服务", "金服", "J"),
    ("投资管理", "投资", "J"),
    ("房地产开发", "地产", "K"),
    ("物业管理", "物业", "K"),
    ("化工", "化工", "C"),
    ("纺织", "纺织", "C"),
    ("服饰", "服饰", "C"),
    ("智能装备", "智能", "C"),
    ("通信技术", "通信", "I"),
    ("数据科技", "数据", "I"),
    ("人力资源", "人力", "L"),
    ("旅游", "旅游", "L"),
    ("农业科技", "农业", "A"),
    ("安防科技", "安防", "C"),
    ("酒店管理", "酒店", "H"),
];

pub(crate) const LEGAL_FORMS: &[(u32, &str)] = &[
    (70, "有限公司"),
    (15, "股份有限公司"),
    (10, "有限责任公司"),
    (5, "科技有限公司"),
];

const STATUSES: &[(u32, &str)] = &[
    (30, "lead"),
    (25, "basic"),
    (15, "potential"),
    (20, "signed"),
    (10, "invalid"),
];

pub(crate) const TYPES: &[(u32, &str)] = &[
    (70, "enterprise"),
    (5, "government"),
    (5, "institution"),
    (5, "education"),
    (10, "partner"),
    (5, "other"),
];

pub(crate) const SOURCES: &[(u32, &str)] = &[
    (15, "trial"),
    (20, "website"),
    (20, "telesales"),
    (15, "referral"),
    (10, "partner"),
    (10, "exhibition"),
    (5, "existing"),
    (5, "other"),
];

pub(crate) const SIZES: &[(u32, &str)] = &[
    (45, "s1_49"),
    (30, "s50_199"),
    (17, "s200_999"),
    (8, "s1000"),
];

pub(crate) const KINDS: &[(u32, &str)] = &[
    (40, "call"),
    (12, "visit"),
    (15, "email"),
    (8, "meeting"),
    (7, "demo"),
    (15, "wechat"),
    (3, "other"),
];

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾",
    "肖", "田", "董", "袁", "潘", "于", "蒋", "蔡", "余", "杜", "叶", "程", "苏", "魏", "吕", "丁",
    "任", "沈", "姚", "卢", "姜", "崔", "钟", "谭", "陆", "汪", "范", "欧阳",
];

const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
    "超", "秀", "霞", "平", "刚", "桂", "英", "华", "建", "国", "文", "辉", "鹏", "宇", "浩", "婷",
    "雪", "琳", "晨", "欣", "然", "子", "博", "俊", "凯", "慧", "佳", "颖", "思", "梦", "海", "志",
];

pub(crate) const TITLES: &[&str] = &[
    "总经理",
    "副总经理",
    "采购经理",
    "IT主管",
    "信息中心主任",
    "财务总监",
    "行政经理",
    "技术负责人",
    "运营总监",
    "办公室主任",
];

pub(crate) const ROLES: &[&str] = &[
    "decision_maker",
    "influencer",
    "user",
    "technical",
    "purchasing",
    "other",
];

pub(crate) const TOPICS: &[&str] = &[
    "协同办公平台",
    "OA 审批流程",
    "移动办公",
    "公文管理",
    "知识管理",
    "项目管理模块",
    "CRM 集成",
    "报销流程",
    "私有化部署",
    "年度续费",
];

pub(crate) const OUTCOMES: &[&str] = &[
    "客户有兴趣，需内部讨论",
    "已发送报价",
    "约定下次演示",
    "客户预算待批",
    "暂无需求",
    "需要技术方案",
];

pub(crate) const STEPS: &[&str] = &[
    "发送产品资料",
    "安排上门演示",
    "提交报价单",
    "跟进采购流程",
    "电话回访",
];

pub(crate) fn person_name(r: &mut Rng) -> String {
    let mut s = r.pick(SURNAMES).to_string();
    s.push_str(r.pick::<&str>(GIVEN));
    if r.chance(0.7) {
        s.push_str(r.pick::<&str>(GIVEN));
    }
    s
}

pub(crate) fn mobile(r: &mut Rng) -> String {
    let second = [3, 5, 7, 8, 9][r.below(5) as usize];
    format!("1{second}{:09}", r.below(1_000_000_000))
}

/// Places per demo region: the regions and branches found in the database, grouped under the
/// five demo regions by position (a database with other regions still works).
struct Place {
    /// Top-level region id.
    region: i64,
    /// Salespeople (own-scope positions) sitting in the region or its branches.
    owners: Vec<(i64, Option<i64>)>,
}

const OWN_POSITIONS: [Position; 4] = [
    Position::AccountManager,
    Position::SalesRep,
    Position::Consultant,
    Position::Telesales,
];

/// Creates the missing salespeople (up to `wanted` generated ones) in the regions, reporting
/// to each region's manager. Returns how many were created.
async fn ensure_salespeople(app: &App, o: &GenOptions, tops: &[regions::Region]) -> Result<u64> {
    let all_regions = regions::list(app.db.read()).await?;
    let managers =
        users::active_with_positions(app.db.read(), &[Position::RegionalManager.as_str()]).await?;
    let hash = password::hash(demo::DEMO_PASSWORD.into()).await?;
    let tx = app.db.begin().await?;
    let mut created = 0;
    let mut r = Rng::for_item(o.seed, 1, 0);
    for n in 0..o.salespeople {
        let login = format!("gen{}.{:04}", o.seed, n + 1);
        if users::find_by_login(&tx, &login).await?.is_some() {
            continue;
        }
        let top = &tops[(n % tops.len() as u64) as usize];
        let branches: Vec<i64> = all_regions
            .iter()
            .filter(|b| b.parent_id == Some(top.id) && b.active)
            .map(|b| b.id)
            .collect();
        let at = if branches.is_empty() || r.chance(0.3) {
            top.id
        } else {
            *r.pick(&branches)
        };
        let position = [
            Position::AccountManager,
            Position::AccountManager,
            Position::AccountManager,
            Position::SalesRep,
            Position::SalesRep,
            Position::Consultant,
            Position::Telesales,
        ][(n / tops.len() as u64 % 7) as usize];
        let manager = managers
            .iter()
            .find(|m| m.region_id == Some(top.id))
            .map(|m| m.id);
        users::insert(
            &tx,
            users::UserFields {
                login: login.clone(),
                display_name: person_name(&mut r),
                email: Some(format!("{login}@example.com")),
                phone: Some(mobile(&mut r)),
                position: Some(position.as_str().into()),
                is_admin: false,
                region_id: Some(at),
                manager_id: manager,
                active: true,
                locale: "zh-CN".into(),
                on_leave_until: None,
            },
            hash.clone(),
            false,
        )
        .await?;
        created += 1;
    }
    app.db.commit(tx).await?;
    Ok(created)
}

pub(crate) const CUSTOMER_COLUMNS: &[&str] = &[
    "id",
    "name",
    "name_key",
    "search_key",
    "search_grams",
    "short_name",
    "uscc",
    "website",
    "email",
    "phone",
    "province",
    "city",
    "address",
    "industry",
    "background",
    "region_id",
    "owner_id",
    "status",
    "status_changed_at",
    "last_contact_at",
    "created_by",
    "created_at",
    "updated_at",
    "type_code",
    "source_code",
    "size_code",
    "next_contact_on",
    "pool_since",
    "province_code",
    "city_code",
    "industry_code",
    "import_id",
];

pub(crate) const CONTACT_COLUMNS: &[&str] = &[
    "id",
    "customer_id",
    "name",
    "title",
    "role",
    "mobile",
    "phone",
    "email",
    "wechat",
    "notes",
    "is_primary",
    "created_at",
    "updated_at",
];

pub(crate) const RECORD_COLUMNS: &[&str] = &[
    "id",
    "customer_id",
    "author_id",
    "kind",
    "happened_at",
    "summary",
    "outcome",
    "next_step",
    "next_contact_on",
    "created_at",
];

/// Customers per transaction.
const BATCH: u64 = 5_000;

pub(crate) fn s(v: &str) -> Value {
    Value::from(v.to_string())
}

pub(crate) fn os(v: Option<String>) -> Value {
    Value::from(v)
}

/// A contact's row in the order of [`CONTACT_COLUMNS`] (without notes).
pub(crate) fn contact_row(c: &Contact) -> Row {
    vec![
        Value::from(c.id),
        Value::from(c.customer_id),
        s(&c.name),
        os(c.title.clone()),
        os(c.role.clone()),
        os(c.mobile.clone()),
        os(c.phone.clone()),
        os(c.email.clone()),
        os(c.wechat.clone()),
        os(None),
        Value::from(c.is_primary),
        Value::from(c.created_at),
        Value::from(c.updated_at),
    ]
}

/// The rows of one customer, its contacts, its records and the contact each record was with.
struct Generated {
    customer: Row,
    contacts: Vec<Row>,
    records: Vec<Row>,
    record_contacts: Vec<Row>,
}

struct Ids {
    customer: i64,
    contact: i64,
    record: i64,
}

fn customer(
    o: &GenOptions,
    places: &[Place],
    i: u64,
    ids: &mut Ids,
    n_contacts: u64,
    n_records: u64,
) -> Generated {
    let mut r = Rng::for_item(o.seed, 2, i);
    let end = Utc.from_utc_datetime(&o.as_of.and_hms_opt(18, 0, 0).unwrap_or_default());
    let two_years = 730 * 86_400;
    // A bijection of 0..space, so names (and their duplicate keys) never repeat.
    let space = (CITIES.len() * BRAND_FIRST.len() * BRAND_SECOND.len() * INDUSTRIES.len()) as u64;
    let combo = (i.wrapping_mul(1_000_003) + o.seed) % space;
    let round = i / space;
    let (city_i, rest) = (
        (combo % CITIES.len() as u64) as usize,
        combo / CITIES.len() as u64,
    );
    let (b1, rest) = (
        (rest % BRAND_FIRST.len() as u64) as usize,
        rest / BRAND_FIRST.len() as u64,
    );
    let (b2, rest) = (
        (rest % BRAND_SECOND.len() as u64) as usize,
        rest / BRAND_SECOND.len() as u64,
    );
    let ind = (rest % INDUSTRIES.len() as u64) as usize;
    let (city, province, area, division, region_ix) = CITIES[city_i];
    let (brand1, py1) = BRAND_FIRST[b1];
    let (brand2, py2) = BRAND_SECOND[b2];
    let (ind_word, ind_short, industry) = INDUSTRIES[ind];
    // Every generated place and industry is on the national lists (a test checks it).
    let national = salesdesk_domain::geo::province(province);
    let section =
        salesdesk_domain::geo::industry(industry).unwrap_or(&salesdesk_domain::geo::INDUSTRIES[8]);
    let form = r.weighted(LEGAL_FORMS);
    let raw_name = if round == 0 {
        format!("{city}{brand1}{brand2}{ind_word}{form}")
    } else {
        format!(
            "{city}{brand1}{brand2}{ind_word}{form}第{}分公司",
            round + 1
        )
    };
    let name = rules::normalize_name(&raw_name);
    let short_name = r
        .chance(0.8)
        .then(|| format!("{brand1}{brand2}{ind_short}"));
    let uscc = r
        .chance(0.7)
        .then(|| Uscc::from_parts(&format!("91{division}"), &format!("{:08}", i % 100_000_000)))
        .flatten()
        .map(Uscc::into_string);
    let domain = format!("{py1}{py2}{}.com.cn", i % 1000);
    let website = r.chance(0.4).then(|| format!("https://www.{domain}"));
    let email = website.as_ref().map(|_| format!("info@{domain}"));
    let phone = r
        .chance(0.6)
        .then(|| format!("{area}-{}", 80_000_000 + r.below(9_999_999)));
    let address = r.chance(0.7).then(|| {
        format!(
            "{city}市{}{}路{}号",
            ["高新区", "经开区", "中心城区", "新区", "科技园"][r.below(5) as usize],
            ["建设", "人民", "解放", "创业", "科技", "中山", "长江"][r.below(7) as usize],
            1 + r.below(999)
        )
    });
    let place = &places[region_ix % places.len()];
    let pooled = place.owners.is_empty() || r.chance(0.03);
    let (owner, region) = if pooled {
        (None, Some(place.region))
    } else {
        let (id, reg) = *r.pick(&place.owners);
        (Some(id), reg.or(Some(place.region)))
    };
    let status = *r.weighted(STATUSES);
    let created_at = end - Duration::seconds((r.below(two_years) + 86_400) as i64);
    let span = (end - created_at).num_seconds().max(1) as u64;

    ids.customer += 1;
    let cid = ids.customer;
    let mut people = Vec::with_capacity(n_contacts as usize);
    let mut contact_rows = Vec::with_capacity(n_contacts as usize);
    for k in 0..n_contacts {
        ids.contact += 1;
        let m = mobile(&mut r);
        let office = r
            .chance(0.3)
            .then(|| format!("{area}-{}", 60_000_000 + r.below(9_999_999)));
        let at = created_at + Duration::seconds(r.below(3_600) as i64);
        let c = Contact {
            id: ids.contact,
            customer_id: cid,
            name: person_name(&mut r),
            title: r.chance(0.8).then(|| r.pick(TITLES).to_string()),
            role: r.chance(0.7).then(|| r.pick(ROLES).to_string()),
            mobile: Some(m.clone()),
            phone: office,
            email: email.as_ref().map(|_| format!("c{}@{domain}", ids.contact)),
            wechat: r.chance(0.3).then_some(m),
            notes: None,
            is_primary: k == 0,
            created_at: at,
            updated_at: at,
            removed_at: None,
            version: 1,
            import_id: None,
        };
        contact_rows.push(contact_row(&c));
        people.push(c);
    }

    let mut times: Vec<DateTime<Utc>> = (0..n_records)
        .map(|_| created_at + Duration::seconds(r.below(span) as i64))
        .collect();
    times.sort();
    let mut record_rows = Vec::with_capacity(n_records as usize);
    let mut record_contacts = Vec::with_capacity(n_records as usize);
    let mut next_contact_on = None;
    for (k, at) in times.iter().enumerate() {
        ids.record += 1;
        let last = k + 1 == times.len();
        let next = (status != "invalid" && (last || r.chance(0.3)) && r.chance(0.7))
            .then(|| at.date_naive() + Duration::days(1 + r.below(30) as i64));
        if last {
            next_contact_on = next;
        }
        let kind = *r.weighted(KINDS);
        let topic = r.pick(TOPICS);
        let with = people.get(r.below(people.len().max(1) as u64) as usize);
        if let Some(p) = with {
            record_contacts.push(vec![Value::from(ids.record), Value::from(p.id)]);
        }
        let who = with.map(|p| p.name.as_str()).unwrap_or("客户");
        record_rows.push(vec![
            Value::from(ids.record),
            Value::from(cid),
            Value::from(owner),
            s(kind),
            Value::from(*at),
            Value::from(format!("与{who}沟通{topic}")),
            os(r.chance(0.6).then(|| r.pick(OUTCOMES).to_string())),
            os(r.chance(0.5).then(|| r.pick(STEPS).to_string())),
            Value::from(next),
            Value::from(*at),
        ]);
    }
    let last_contact_at = times.last().copied();
    let status_changed_at = if status == "lead" {
        created_at
    } else {
        created_at + Duration::seconds(r.below(span) as i64)
    };
    let updated_at = [Some(created_at), Some(status_changed_at), last_contact_at]
        .into_iter()
        .flatten()
        .max()
        .unwrap_or(created_at);
    let pool_since = pooled.then_some(updated_at);
    let search_key = crate::customers::search_text(&name, short_name.as_deref(), &people);
    let customer = vec![
        Value::from(cid),
        s(&name),
        Value::from(rules::match_key(&name)),
        Value::from(search_key.clone()),
        Value::from(rules::search_grams(&search_key)),
        os(short_name),
        os(uscc),
        os(website),
        os(email),
        os(phone),
        s(province),
        Value::from(format!("{city}市")),
        os(address),
        s(section.name_zh),
        os(None),
        Value::from(region),
        Value::from(owner),
        s(status),
        Value::from(status_changed_at),
        Value::from(last_contact_at),
        Value::from(owner),
        Value::from(created_at),
        Value::from(updated_at),
        s(r.weighted::<&str>(TYPES)),
        s(r.weighted::<&str>(SOURCES)),
        s(r.weighted::<&str>(SIZES)),
        Value::from(next_contact_on),
        Value::from(pool_since),
        Value::from(national.map(|p| p.code)),
        Value::from(national.and_then(|p| p.city(city)).map(|c| c.code)),
        s(section.code),
        Value::from(Option::<i64>::None),
    ];
    Generated {
        customer,
        contacts: contact_rows,
        records: record_rows,
        record_contacts,
    }
}

/// Fills the database: the demo company if it is empty, `salespeople` more salespeople, then the
/// customers with their contacts and records. Refuses a database that has customers already.
pub async fn generate(
    app: &App,
    o: &GenOptions,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<GenReport> {
    if salesdesk_store::bulk::max_id(app.db.read(), "customers").await? > 0 {
        return Err(AppError::field("customers", "error.gen_not_empty"));
    }
    demo::seed_org(app).await?;
    let tops: Vec<regions::Region> = regions::list(app.db.read())
        .await?
        .into_iter()
        .filter(|r| r.parent_id.is_none() && r.active)
        .collect();
    if tops.is_empty() {
        return Err(AppError::field("regions", "error.gen_no_regions"));
    }
    let created = ensure_salespeople(app, o, &tops).await?;
    let all_regions = regions::list(app.db.read()).await?;
    let top_of = |id: Option<i64>| -> Option<i64> {
        let reg = all_regions.iter().find(|r| Some(r.id) == id)?;
        Some(regions::top_of(reg))
    };
    let codes: Vec<&str> = OWN_POSITIONS.iter().map(|p| p.as_str()).collect();
    let staff = users::active_with_positions(app.db.read(), &codes).await?;
    let mut places: Vec<Place> = tops
        .iter()
        .map(|t| Place {
            region: t.id,
            owners: vec![],
        })
        .collect();
    for u in &staff {
        if let Some(top) = top_of(u.region_id)
            && let Some(p) = places.iter_mut().find(|p| p.region == top)
        {
            p.owners.push((u.id, u.region_id));
        }
    }

    let mut ids = Ids {
        customer: 0,
        contact: bulk::max_id(app.db.read(), "contacts").await?,
        record: bulk::max_id(app.db.read(), "contact_records").await?,
    };
    let total = o.customers + o.contacts + o.records;
    let mut done = 0;
    let mut report = GenReport {
        salespeople: created,
        ..Default::default()
    };
    let mut start = 0;
    while start < o.customers {
        let end = (start + BATCH).min(o.customers);
        let mut customers = Vec::with_capacity((end - start) as usize);
        let mut contacts = Vec::new();
        let mut records = Vec::new();
        let mut record_contacts = Vec::new();
        for i in start..end {
            let nc = share(o.seed, 3, o.contacts, o.customers, i);
            let nr = share(o.seed, 4, o.records, o.customers, i);
            let g = customer(o, &places, i, &mut ids, nc, nr);
            customers.push(g.customer);
            contacts.extend(g.contacts);
            records.extend(g.records);
            record_contacts.extend(g.record_contacts);
        }
        let rows = (customers.len() + contacts.len() + records.len()) as u64;
        report.customers += customers.len() as u64;
        report.contacts += contacts.len() as u64;
        report.records += records.len() as u64;
        let tx = app.db.begin().await?;
        bulk::insert(&tx, "customers", CUSTOMER_COLUMNS, customers).await?;
        bulk::insert(&tx, "contacts", CONTACT_COLUMNS, contacts).await?;
        bulk::insert(&tx, "contact_records", RECORD_COLUMNS, records).await?;
        bulk::insert(
            &tx,
            "contact_record_contacts",
            &["record_id", "contact_id"],
            record_contacts,
        )
        .await?;
        app.db.commit(tx).await?;
        done += rows;
        progress(Progress { done, total });
        start = end;
    }
    let tx = app.db.begin().await?;
    for t in ["customers", "contacts", "contact_records"] {
        bulk::sync_id_sequence(&tx, t).await?;
    }
    audit::insert(
        &tx,
        Ctx::system().audit(
            "gen.run",
            "customer",
            None,
            None,
            Some(json!({
                "seed": o.seed, "as_of": o.as_of, "salespeople": report.salespeople,
                "customers": report.customers, "contacts": report.contacts,
                "records": report.records,
            })),
        ),
    )
    .await?;
    app.db.commit(tx).await?;
    bulk::analyze(app.db.read()).await?;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_generated_place_and_industry_is_on_the_national_lists() {
        use salesdesk_domain::geo;
        for (city, province, ..) in CITIES {
            let p = geo::province(province).unwrap_or_else(|| panic!("{province}"));
            let c = p.city(city).unwrap_or_else(|| panic!("{city}"));
            assert_eq!(
                c.name_zh,
                format!("{city}市"),
                "the stored text is the city's name"
            );
        }
        for (_, _, section) in INDUSTRIES {
            assert!(geo::industry(section).is_some(), "{section}");
        }
    }

    #[test]
    fn shares_add_up_and_stay_near_the_mean() {
        for (total, n) in [
            (2_000u64, 1_000u64),
            (5_000, 1_000),
            (7, 3),
            (0, 5),
            (10, 1),
        ] {
            let parts: Vec<u64> = (0..n).map(|i| share(42, 3, total, n, i)).collect();
            assert_eq!(parts.iter().sum::<u64>(), total);
            let mean = total / n;
            assert!(parts.iter().all(|p| *p <= 2 * mean + 2), "{parts:?}");
        }
    }

    #[test]
    fn the_generator_is_deterministic_and_names_never_repeat() {
        let mut a = Rng::for_item(7, 2, 5);
        let mut b = Rng::for_item(7, 2, 5);
        assert_eq!(a.next_u64(), b.next_u64());
        let o = GenOptions {
            customers: 3_000,
            contacts: 0,
            records: 0,
            salespeople: 0,
            seed: 42,
            as_of: NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
        };
        let places = [Place {
            region: 1,
            owners: vec![(10, Some(2))],
        }];
        let mut keys = std::collections::HashSet::new();
        for i in 0..o.customers {
            let mut ids = Ids {
                customer: i as i64,
                contact: 0,
                record: 0,
            };
            let g = customer(&o, &places, i, &mut ids, 2, 3);
            assert_eq!(g.contacts.len(), 2);
            assert_eq!(g.records.len(), 3);
            let Value::String(Some(key)) = &g.customer[2] else {
                panic!("name_key")
            };
            assert!(keys.insert(key.clone()), "duplicate key {key}");
        }
    }
}
