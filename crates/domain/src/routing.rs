//! Where a new trial application goes (issue 12, point 3; seed S5.3 "distributed mainly by
//! region", S4.5): the reasons a routing decision can have, and the default province → region
//! mapping the product ships.
//!
//! The decision itself reads the database (the mapping, the region's assignment rule, who is on
//! leave) and lives in `app::routing`; this module holds what it decides between.

/// Why an application got the region and owner it got. Stored as text ([`RouteReason::as_str`])
/// beside the decision; pages render it through the catalog key [`RouteReason::key`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RouteReason {
    /// The place's region (or branch) has an automatic rule, and it picked the owner.
    RegionRule,
    /// The applicant is an existing customer: it goes to that customer's owner. The caller
    /// decides this case (it knows the match); routing by place never returns it.
    ExistingOwner,
    /// No region is mapped for the province or city: the director's queue.
    NoRegion,
    /// The region's rule is manual (its manager hands out new customers): the director's queue,
    /// visible to the region.
    RegionManual,
    /// The region has an automatic rule but no account manager who is active and not on leave:
    /// the director's queue.
    NobodyAvailable,
}

impl RouteReason {
    pub const ALL: [RouteReason; 5] = [
        RouteReason::RegionRule,
        RouteReason::ExistingOwner,
        RouteReason::NoRegion,
        RouteReason::RegionManual,
        RouteReason::NobodyAvailable,
    ];

    /// The stored code.
    pub fn as_str(self) -> &'static str {
        match self {
            RouteReason::RegionRule => "region_rule",
            RouteReason::ExistingOwner => "existing_owner",
            RouteReason::NoRegion => "no_region",
            RouteReason::RegionManual => "region_manual",
            RouteReason::NobodyAvailable => "nobody_available",
        }
    }

    pub fn parse(s: &str) -> Option<RouteReason> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// The i18n key of its explanation (`routing.reason.<code>`).
    pub fn key(self) -> &'static str {
        match self {
            RouteReason::RegionRule => "routing.reason.region_rule",
            RouteReason::ExistingOwner => "routing.reason.existing_owner",
            RouteReason::NoRegion => "routing.reason.no_region",
            RouteReason::RegionManual => "routing.reason.region_manual",
            RouteReason::NobodyAvailable => "routing.reason.nobody_available",
        }
    }

    /// Whether the application waits in the director's queue (nobody owns it).
    pub fn to_director(self) -> bool {
        !matches!(self, RouteReason::RegionRule | RouteReason::ExistingOwner)
    }
}

/// The sales areas a Chinese company's regions are usually named after. The default mapping
/// sends each provincial-level division to one of five (a company with 东北 or 西北 regions
/// maps those provinces itself: the default folds them into 华北 and 西南).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Area {
    North,
    East,
    South,
    Southwest,
    Central,
}

impl Area {
    /// The two characters a region's Chinese name starts with (华北大区, 华北区, 华北…).
    pub fn name_zh(self) -> &'static str {
        match self {
            Area::North => "华北",
            Area::East => "华东",
            Area::South => "华南",
            Area::Southwest => "西南",
            Area::Central => "华中",
        }
    }

    /// The English name a region's English name starts with (North China …).
    pub fn name_en(self) -> &'static str {
        match self {
            Area::North => "North",
            Area::East => "East",
            Area::South => "South China",
            Area::Southwest => "Southwest",
            Area::Central => "Central",
        }
    }

    /// Whether a region of these names stands for this area (by prefix, in either language).
    pub fn matches(self, name_zh: &str, name_en: &str) -> bool {
        name_zh.trim().starts_with(self.name_zh())
            || name_en
                .trim()
                .to_ascii_lowercase()
                .starts_with(&self.name_en().to_ascii_lowercase())
    }
}

/// The default mapping of all 34 provincial-level divisions (GB/T 2260 codes) to an area.
/// 东北 goes with 华北 and 西北 with 西南, the usual cut of a five-region sales department.
pub const DEFAULT_AREAS: [(&str, Area); 34] = [
    ("110000", Area::North),     // 北京
    ("120000", Area::North),     // 天津
    ("130000", Area::North),     // 河北
    ("140000", Area::North),     // 山西
    ("150000", Area::North),     // 内蒙古
    ("210000", Area::North),     // 辽宁
    ("220000", Area::North),     // 吉林
    ("230000", Area::North),     // 黑龙江
    ("310000", Area::East),      // 上海
    ("320000", Area::East),      // 江苏
    ("330000", Area::East),      // 浙江
    ("340000", Area::East),      // 安徽
    ("350000", Area::East),      // 福建
    ("360000", Area::East),      // 江西
    ("370000", Area::East),      // 山东
    ("410000", Area::Central),   // 河南
    ("420000", Area::Central),   // 湖北
    ("430000", Area::Central),   // 湖南
    ("440000", Area::South),     // 广东
    ("450000", Area::South),     // 广西
    ("460000", Area::South),     // 海南
    ("500000", Area::Southwest), // 重庆
    ("510000", Area::Southwest), // 四川
    ("520000", Area::Southwest), // 贵州
    ("530000", Area::Southwest), // 云南
    ("540000", Area::Southwest), // 西藏
    ("610000", Area::Southwest), // 陕西
    ("620000", Area::Southwest), // 甘肃
    ("630000", Area::Southwest), // 青海
    ("640000", Area::Southwest), // 宁夏
    ("650000", Area::Southwest), // 新疆
    ("710000", Area::East),      // 台湾
    ("810000", Area::South),     // 香港
    ("820000", Area::South),     // 澳门
];

/// The area a province goes to by default.
pub fn default_area(province_code: &str) -> Option<Area> {
    DEFAULT_AREAS
        .iter()
        .find(|(code, _)| *code == province_code)
        .map(|(_, a)| *a)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geo::PROVINCES;

    #[test]
    fn the_default_mapping_covers_every_provincial_level_division_once() {
        assert_eq!(PROVINCES.len(), 34);
        for p in PROVINCES {
            let n = DEFAULT_AREAS.iter().filter(|(c, _)| *c == p.code).count();
            assert_eq!(n, 1, "{} {}", p.code, p.name_zh);
        }
        assert_eq!(default_area("440000"), Some(Area::South));
        assert_eq!(default_area("999999"), None);
    }

    #[test]
    fn a_reason_round_trips_through_its_stored_code() {
        for r in RouteReason::ALL {
            assert_eq!(RouteReason::parse(r.as_str()), Some(r));
            assert!(r.key().ends_with(r.as_str()));
        }
        assert_eq!(RouteReason::parse("whatever"), None);
        assert!(RouteReason::NoRegion.to_director());
        assert!(!RouteReason::RegionRule.to_director());
    }

    #[test]
    fn an_area_is_recognised_by_the_start_of_a_regions_name() {
        assert!(Area::North.matches("华北大区", "North China"));
        assert!(Area::North.matches("华北区", ""));
        assert!(Area::South.matches("", "South China Region"));
        assert!(!Area::South.matches("西南大区", "Southwest China"));
        assert!(Area::Southwest.matches("西南大区", "Southwest China"));
        assert!(!Area::East.matches("华南大区", "South China"));
    }
}
