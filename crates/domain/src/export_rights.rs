//! Who may export customers (issue 10, point 10): a right per position, set by the
//! administrator, and the one rule that turns an actor and those rights into what an export may
//! hold. The export page, the export API and the list's export links all ask [`Actor::export_scope`].

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::access::{Actor, DataScope};
use crate::org::Position;

/// What people in one position may export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExportRight {
    /// No export at all.
    None,
    /// The customers they own, even when they see more.
    Own,
    /// Everything their data scope shows (their region, their team, everything).
    Scope,
}

impl ExportRight {
    /// Every right, the narrowest first (the settings form lists them in this order).
    pub const ALL: [ExportRight; 3] = [ExportRight::None, ExportRight::Own, ExportRight::Scope];

    pub fn as_str(self) -> &'static str {
        match self {
            ExportRight::None => "none",
            ExportRight::Own => "own",
            ExportRight::Scope => "scope",
        }
    }

    pub fn parse(code: &str) -> Option<ExportRight> {
        ExportRight::ALL.into_iter().find(|r| r.as_str() == code)
    }

    /// The i18n key of its label (`export_right.<code>`).
    pub fn label_key(self) -> String {
        format!("export_right.{}", self.as_str())
    }

    /// The right a position has until the administrator changes it: managers and above export
    /// their scope, everyone else (staff, sales assistants) their own customers.
    pub fn default_for(p: Position) -> ExportRight {
        if p.is_manager() {
            ExportRight::Scope
        } else {
            ExportRight::Own
        }
    }
}

/// The right of every position; a position missing from the map (a setting saved before the
/// position existed) has its default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ExportRights(pub BTreeMap<Position, ExportRight>);

impl Default for ExportRights {
    fn default() -> Self {
        ExportRights(
            Position::ALL
                .into_iter()
                .map(|p| (p, ExportRight::default_for(p)))
                .collect(),
        )
    }
}

impl ExportRights {
    pub fn of(&self, p: Position) -> ExportRight {
        self.0
            .get(&p)
            .copied()
            .unwrap_or_else(|| ExportRight::default_for(p))
    }
}

impl Actor {
    /// Which customers this actor may export: the data scope to read them in, or the i18n key
    /// of why the export is refused. Never wider than what the actor sees.
    pub fn export_scope(&self, rights: &ExportRights) -> Result<DataScope, &'static str> {
        let Some(position) = self.position else {
            return Err("error.export_no_sales_data");
        };
        match (rights.of(position), self.data_scope()) {
            (ExportRight::None, _) => Err("error.export_not_allowed"),
            (_, DataScope::Nothing) => Err("error.export_no_sales_data"),
            (ExportRight::Own, _) => Ok(DataScope::Own),
            (ExportRight::Scope, scope) => Ok(scope),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Position::*;

    fn actor(position: Option<Position>, is_admin: bool) -> Actor {
        Actor {
            user_id: 7,
            position,
            is_admin,
            region_id: Some(3),
        }
    }

    /// Every position with the default rights, written out as the specification.
    #[test]
    fn by_default_managers_export_their_scope_and_everyone_else_their_own_customers() {
        let table: &[(Position, Result<DataScope, &str>)] = &[
            (SalesVp, Ok(DataScope::All)),
            (SalesDirector, Ok(DataScope::All)),
            (RegionalManager, Ok(DataScope::Region(3))),
            (EofficeManager, Ok(DataScope::Team)),
            (AccountManager, Ok(DataScope::Own)),
            (SalesRep, Ok(DataScope::Own)),
            (Consultant, Ok(DataScope::Own)),
            (EofficeRep, Ok(DataScope::Own)),
            // The assistant sees the region but exports only what they own.
            (SalesAssistant, Ok(DataScope::Own)),
            (Telesales, Ok(DataScope::Own)),
        ];
        let rights = ExportRights::default();
        for p in Position::ALL {
            let expected = table.iter().find(|r| r.0 == p).expect("every position").1;
            assert_eq!(
                actor(Some(p), false).export_scope(&rights),
                expected,
                "{p:?}"
            );
        }
        assert_eq!(
            actor(None, true).export_scope(&rights),
            Err("error.export_no_sales_data"),
            "an administrator holds no sales data"
        );
        assert_eq!(
            actor(Some(AccountManager), true).export_scope(&rights),
            Ok(DataScope::Own),
            "an administrator with a sales position exports as that position"
        );
    }

    /// Every position under every right: refused, own, or the whole scope, never wider than
    /// what the position sees.
    #[test]
    fn a_changed_right_applies_to_every_position() {
        for p in Position::ALL {
            let a = actor(Some(p), false);
            for right in ExportRight::ALL {
                let mut rights = ExportRights::default();
                rights.0.insert(p, right);
                let expected = match right {
                    ExportRight::None => Err("error.export_not_allowed"),
                    ExportRight::Own => Ok(DataScope::Own),
                    ExportRight::Scope => Ok(a.data_scope()),
                };
                assert_eq!(a.export_scope(&rights), expected, "{p:?} {right:?}");
            }
        }
    }

    #[test]
    fn a_position_missing_from_stored_rights_has_its_default_and_codes_round_trip() {
        let rights = ExportRights(BTreeMap::from([(Telesales, ExportRight::None)]));
        assert_eq!(rights.of(SalesVp), ExportRight::Scope);
        assert_eq!(rights.of(Telesales), ExportRight::None);
        for r in ExportRight::ALL {
            assert_eq!(ExportRight::parse(r.as_str()), Some(r));
        }
        assert_eq!(ExportRight::parse("all"), None);
        let json = serde_json::to_string(&rights).unwrap();
        assert_eq!(json, r#"{"telesales":"none"}"#);
    }
}
