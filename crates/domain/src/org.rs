//! The organisation of seed S3: positions with a fixed meaning, and the kinds of organisational unit.

use serde::{Deserialize, Serialize};

/// A position of seed S3.2. The code (`as_str`) is what the database and the API store; it never
/// changes, whatever the display names become.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Position {
    /// 销售副总经理 — sets targets, allocates resources, builds the control system (S3.3).
    SalesVp,
    /// 销售总监 — quantifies targets, builds the team, supervises branches (S3.4).
    SalesDirector,
    /// 地区销售经理 — leads a region or branch office.
    RegionalManager,
    /// 客户经理 — develops and keeps customers, collects payments (S3.5).
    AccountManager,
    /// 销售代表.
    SalesRep,
    /// 咨询顾问 — pre-sales consultant.
    Consultant,
    /// e-office 销售经理 — leads the e-office product team.
    EofficeManager,
    /// e-office 销售代表.
    EofficeRep,
    /// 销售助理 — assists managers and account managers (S3.6).
    SalesAssistant,
    /// 电话销售.
    Telesales,
}

impl Position {
    /// Every position, in the order of the organisation chart (most senior first).
    pub const ALL: [Position; 10] = [
        Position::SalesVp,
        Position::SalesDirector,
        Position::RegionalManager,
        Position::EofficeManager,
        Position::AccountManager,
        Position::SalesRep,
        Position::Consultant,
        Position::EofficeRep,
        Position::SalesAssistant,
        Position::Telesales,
    ];

    /// The stable code stored in the database and used in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Position::SalesVp => "sales_vp",
            Position::SalesDirector => "sales_director",
            Position::RegionalManager => "regional_manager",
            Position::AccountManager => "account_manager",
            Position::SalesRep => "sales_rep",
            Position::Consultant => "consultant",
            Position::EofficeManager => "eoffice_manager",
            Position::EofficeRep => "eoffice_rep",
            Position::SalesAssistant => "sales_assistant",
            Position::Telesales => "telesales",
        }
    }

    /// Parses a stored code; `None` for anything that is not one of [`Position::ALL`].
    pub fn parse(code: &str) -> Option<Position> {
        Position::ALL.into_iter().find(|p| p.as_str() == code)
    }

    /// The i18n catalog key of the display name (`position.<code>`).
    pub fn label_key(self) -> &'static str {
        match self {
            Position::SalesVp => "position.sales_vp",
            Position::SalesDirector => "position.sales_director",
            Position::RegionalManager => "position.regional_manager",
            Position::AccountManager => "position.account_manager",
            Position::SalesRep => "position.sales_rep",
            Position::Consultant => "position.consultant",
            Position::EofficeManager => "position.eoffice_manager",
            Position::EofficeRep => "position.eoffice_rep",
            Position::SalesAssistant => "position.sales_assistant",
            Position::Telesales => "position.telesales",
        }
    }

    /// True for the positions that lead people (and so approve their requests and reports).
    pub fn is_manager(self) -> bool {
        matches!(
            self,
            Position::SalesVp
                | Position::SalesDirector
                | Position::RegionalManager
                | Position::EofficeManager
        )
    }

    /// Whether a person in this position belongs to a region (or branch) by the nature of the job.
    /// The VP and the director work across the whole country.
    pub fn needs_region(self) -> bool {
        !matches!(self, Position::SalesVp | Position::SalesDirector)
    }
}

/// An organisational unit: a sales region (华北, 华东 …) or a branch office under one (S3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegionKind {
    /// 销售大区.
    Region,
    /// 分支机构 / 分公司 — sits under a region.
    Branch,
}

impl RegionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RegionKind::Region => "region",
            RegionKind::Branch => "branch",
        }
    }

    pub fn parse(code: &str) -> Option<RegionKind> {
        match code {
            "region" => Some(RegionKind::Region),
            "branch" => Some(RegionKind::Branch),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_position_code_round_trips_and_codes_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for p in Position::ALL {
            assert_eq!(Position::parse(p.as_str()), Some(p));
            assert_eq!(p.label_key(), format!("position.{}", p.as_str()));
            assert!(seen.insert(p.as_str()), "duplicate code {}", p.as_str());
        }
        assert_eq!(
            seen.len(),
            10,
            "eight positions of S3.2 plus assistant and telesales"
        );
        assert_eq!(Position::parse("ceo"), None);
    }

    #[test]
    fn only_the_vp_and_director_work_without_a_region() {
        let national: Vec<_> = Position::ALL
            .into_iter()
            .filter(|p| !p.needs_region())
            .collect();
        assert_eq!(national, vec![Position::SalesVp, Position::SalesDirector]);
    }
}
