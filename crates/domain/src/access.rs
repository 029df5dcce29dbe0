//! Permission scopes: the one place that says who may see and do what (issue 2, point 5).
//!
//! Two questions are answered here and nowhere else:
//! * [`Actor::data_scope`] — which sales records (customers, trials, contracts … as later issues
//!   add them) a person sees: their own, their region's, their team's, or everything.
//! * [`Actor::can`] — which organisation-wide actions a person may take ([`Capability`]).
//!
//! The web and API layers never look at positions themselves; they ask these two functions via the
//! use cases. A record outside the data scope is reported as not found (404); an action refused on a
//! visible record is forbidden (403).

use chrono::TimeDelta;

use crate::org::Position;

/// The person acting, as far as permission rules need to know them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user_id: i64,
    pub position: Option<Position>,
    pub is_admin: bool,
    pub region_id: Option<i64>,
}

/// Which sales records an actor sees and works on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataScope {
    /// No sales data at all (an administrator who holds no sales position).
    Nothing,
    /// Records the actor owns.
    Own,
    /// Records owned by anyone in this region or its branch offices, and records of the region
    /// that nobody owns yet.
    Region(i64),
    /// Records owned by the actor or by anyone who reports to the actor, directly or indirectly.
    Team,
    /// Every record.
    All,
}

/// Organisation-wide actions, independent of any one sales record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Capability {
    /// See the people directory and the organisation chart.
    ViewDirectory,
    /// Create people, change their position, region, manager, and disable them.
    ManagePeople,
    /// Create and rename regions and branch offices.
    ManageOrg,
    /// Set a new password for someone else (the person must change it at next login).
    ResetPasswords,
    /// Browse the audit log.
    ViewAudit,
    /// Change system settings.
    ManageSettings,
    /// Reassign and merge customers (within the actor's data scope): the managers' act of S4.5.
    ManageCustomers,
    /// See the login throttles (accounts, addresses, devices backing off) and clear one: part
    /// of managing people, so whoever manages people.
    ManageLoginThrottles,
}

impl Capability {
    pub const ALL: [Capability; 8] = [
        Capability::ViewDirectory,
        Capability::ManagePeople,
        Capability::ManageOrg,
        Capability::ResetPasswords,
        Capability::ViewAudit,
        Capability::ManageSettings,
        Capability::ManageCustomers,
        Capability::ManageLoginThrottles,
    ];
}

impl Actor {
    /// The sales-data scope of this actor (issue 2, point 5).
    ///
    /// * staff — account managers, sales and e-office reps, consultants, telesales: their own;
    /// * a sales assistant: the region they assist (their own records when they have no region);
    /// * a regional sales manager: their region; the e-office sales manager: their team;
    /// * the director and the VP: everything;
    /// * an administrator with no sales position: nothing.
    pub fn data_scope(&self) -> DataScope {
        let Some(position) = self.position else {
            return DataScope::Nothing;
        };
        match position {
            Position::SalesVp | Position::SalesDirector => DataScope::All,
            Position::RegionalManager | Position::SalesAssistant => match self.region_id {
                Some(region) => DataScope::Region(region),
                None if position == Position::RegionalManager => DataScope::Team,
                None => DataScope::Own,
            },
            Position::EofficeManager => DataScope::Team,
            Position::AccountManager
            | Position::SalesRep
            | Position::Consultant
            | Position::EofficeRep
            | Position::Telesales => DataScope::Own,
        }
    }

    /// Whether this actor may take an organisation-wide action.
    pub fn can(&self, capability: Capability) -> bool {
        let vp = self.position == Some(Position::SalesVp);
        match capability {
            Capability::ViewDirectory => true,
            Capability::ManagePeople
            | Capability::ManageOrg
            | Capability::ViewAudit
            | Capability::ManageLoginThrottles => self.is_admin || vp,
            Capability::ResetPasswords | Capability::ManageSettings => self.is_admin,
            Capability::ManageCustomers => {
                self.is_admin || self.position.is_some_and(|p| p.is_manager())
            }
        }
    }

    /// Which of a customer's placement fields this actor may not change on an existing record:
    /// its region and its owner are a manager's decision (seed S4.5), so whoever may not
    /// reassign customers ([`Capability::ManageCustomers`]: staff, and sales assistants, who see
    /// the region's customers but do not hand them out) is refused each one they try to change.
    /// Returns the refused fields, `region_id` before `owner_id`.
    pub fn refused_placement(
        &self,
        region_changed: bool,
        owner_changed: bool,
    ) -> Vec<&'static str> {
        if self.can(Capability::ManageCustomers) {
            return vec![];
        }
        [("region_id", region_changed), ("owner_id", owner_changed)]
            .into_iter()
            .filter(|(_, changed)| *changed)
            .map(|(field, _)| field)
            .collect()
    }

    /// Whether this actor may set how a region's new customers are assigned (seed S4.5): the
    /// regional manager of that region, and whoever manages the organisation (administrator, VP).
    pub fn may_set_assignment_rule(&self, region_id: i64) -> bool {
        self.can(Capability::ManageOrg)
            || (self.position == Some(Position::RegionalManager)
                && self.region_id == Some(region_id))
    }

    /// Whether this actor may correct a contact record of a customer they see: only its author,
    /// and only while the record is younger than `window` (the `record_edit_hours` setting) —
    /// a record is what was said at the time, not a text to rewrite later. The refusal is the
    /// i18n key of its reason.
    pub fn may_edit_record(
        &self,
        author_id: Option<i64>,
        age: TimeDelta,
        window: TimeDelta,
    ) -> Result<(), &'static str> {
        if author_id != Some(self.user_id) {
            return Err("error.record_not_author");
        }
        if age >= window {
            return Err("error.record_edit_window");
        }
        Ok(())
    }

    /// Whether this actor may delete a contact record of a customer they see (the caller checks
    /// that the customer is in the actor's data scope): a manager — the VP, the director, a
    /// regional or the e-office sales manager. Not its author: a wrong record is corrected
    /// within the window or removed by a manager who sees why.
    pub fn may_delete_record(&self) -> bool {
        self.position.is_some_and(|p| p.is_manager())
    }

    /// Whether this actor may archive a customer they see (the caller checks the data scope),
    /// given its owner: a manager — the VP, the director, a regional or the e-office sales
    /// manager — and the account manager who owns it. Other staff ask their manager: an archived
    /// customer leaves everyone's lists, which is a manager's call unless the customer is the
    /// account manager's own. A sales assistant sees the region but does not remove from it.
    pub fn may_archive(&self, owner_id: Option<i64>) -> bool {
        match self.position {
            Some(p) if p.is_manager() => true,
            Some(Position::AccountManager) => owner_id == Some(self.user_id),
            _ => false,
        }
    }

    /// Whether this actor may open the recycle bin and restore an archived customer of their
    /// scope: the managers only (the bin is a manager's tool; an account manager who archived
    /// by mistake asks theirs).
    pub fn may_restore(&self) -> bool {
        self.position.is_some_and(|p| p.is_manager())
    }

    /// Whether this actor may create, edit and move a deal they see (issue 13; the caller
    /// checks that its customer is in the actor's data scope), given the deal's owner — or,
    /// for a new deal, its customer's: the managers, and the owner. Sales assistants and other
    /// staff see the region's or their team's deals without working on them.
    pub fn may_work_deal(&self, owner_id: Option<i64>) -> bool {
        match self.position {
            Some(p) if p.is_manager() => true,
            Some(_) => owner_id == Some(self.user_id),
            None => false,
        }
    }

    /// Whether this actor may reopen a won deal (won is final but for this audited act): the
    /// managers only. A lost deal is reopened by whoever may work on it.
    pub fn may_reopen_won_deal(&self) -> bool {
        self.position.is_some_and(|p| p.is_manager())
    }

    /// Whether this actor may give a deal to another owner: the managers, as for customers.
    pub fn may_reassign_deal(&self) -> bool {
        self.position.is_some_and(|p| p.is_manager())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Capability::*;

    /// Every position, and whether it is one of the four managers (who reassign and merge
    /// customers and delete contact records).
    const MANAGERS: &[(Position, bool)] = &[
        (Position::SalesVp, true),
        (Position::SalesDirector, true),
        (Position::RegionalManager, true),
        (Position::EofficeManager, true),
        (Position::AccountManager, false),
        (Position::SalesRep, false),
        (Position::Consultant, false),
        (Position::EofficeRep, false),
        (Position::Telesales, false),
        (Position::SalesAssistant, false),
    ];

    fn actor(position: Option<Position>, is_admin: bool, region: Option<i64>) -> Actor {
        Actor {
            user_id: 7,
            position,
            is_admin,
            region_id: region,
        }
    }

    /// The whole matrix, written out as the specification: every position, with and without a
    /// region, and the administrator with and without a sales position.
    #[test]
    fn data_scope_of_every_role() {
        use Position::*;
        let r = Some(3);
        let table: &[(Option<Position>, bool, Option<i64>, DataScope)] = &[
            (Some(SalesVp), false, None, DataScope::All),
            (Some(SalesDirector), false, None, DataScope::All),
            (Some(RegionalManager), false, r, DataScope::Region(3)),
            (Some(RegionalManager), false, None, DataScope::Team),
            (Some(EofficeManager), false, r, DataScope::Team),
            (Some(AccountManager), false, r, DataScope::Own),
            (Some(SalesRep), false, r, DataScope::Own),
            (Some(Consultant), false, r, DataScope::Own),
            (Some(EofficeRep), false, r, DataScope::Own),
            (Some(Telesales), false, r, DataScope::Own),
            (Some(SalesAssistant), false, r, DataScope::Region(3)),
            (Some(SalesAssistant), false, None, DataScope::Own),
            (None, true, None, DataScope::Nothing),
            (Some(AccountManager), true, r, DataScope::Own),
            (None, false, None, DataScope::Nothing),
        ];
        for (position, admin, region, expected) in table {
            assert_eq!(
                actor(*position, *admin, *region).data_scope(),
                *expected,
                "{position:?} admin={admin} region={region:?}"
            );
        }
        // Every position appears in the table above.
        for p in Position::ALL {
            assert!(table.iter().any(|row| row.0 == Some(p)), "{p:?} missing");
        }
    }

    #[test]
    fn capabilities_of_every_role() {
        for p in Position::ALL {
            let a = actor(Some(p), false, Some(1));
            let vp = p == Position::SalesVp;
            assert!(a.can(ViewDirectory), "{p:?}");
            assert_eq!(a.can(ManagePeople), vp, "{p:?} ManagePeople");
            assert_eq!(a.can(ManageOrg), vp, "{p:?} ManageOrg");
            assert_eq!(a.can(ViewAudit), vp, "{p:?} ViewAudit");
            assert_eq!(
                a.can(ManageLoginThrottles),
                vp,
                "{p:?} ManageLoginThrottles"
            );
            assert!(!a.can(ResetPasswords), "{p:?} ResetPasswords");
            assert!(!a.can(ManageSettings), "{p:?} ManageSettings");
            // Only the four managers reassign and merge; a sales assistant sees the region's
            // customers but does not hand them out.
            let manager = matches!(
                p,
                Position::SalesVp
                    | Position::SalesDirector
                    | Position::RegionalManager
                    | Position::EofficeManager
            );
            assert_eq!(a.can(ManageCustomers), manager, "{p:?} ManageCustomers");
        }
        let admin = actor(None, true, None);
        for c in Capability::ALL {
            assert!(admin.can(c), "admin {c:?}");
        }
    }

    #[test]
    fn only_managers_and_administrators_move_a_customer_to_another_region_or_owner() {
        let table = MANAGERS;
        for p in Position::ALL {
            let may = table.iter().find(|r| r.0 == p).expect("every position").1;
            let a = actor(Some(p), false, Some(3));
            let refused: &[&str] = if may { &[] } else { &["region_id", "owner_id"] };
            assert_eq!(a.refused_placement(true, true), refused, "{p:?} both");
            let refused: &[&str] = if may { &[] } else { &["owner_id"] };
            assert_eq!(a.refused_placement(false, true), refused, "{p:?} owner");
            let refused: &[&str] = if may { &[] } else { &["region_id"] };
            assert_eq!(a.refused_placement(true, false), refused, "{p:?} region");
            // Leaving both as they are is never refused.
            assert!(
                a.refused_placement(false, false).is_empty(),
                "{p:?} unchanged"
            );
        }
        assert!(
            actor(None, true, None)
                .refused_placement(true, true)
                .is_empty()
        );
    }

    #[test]
    fn a_regions_assignment_rule_is_set_by_its_manager_the_vp_and_the_administrator() {
        for p in Position::ALL {
            let a = actor(Some(p), false, Some(3));
            let expected = matches!(p, Position::SalesVp | Position::RegionalManager);
            assert_eq!(a.may_set_assignment_rule(3), expected, "{p:?} own region");
            let vp = p == Position::SalesVp;
            assert_eq!(a.may_set_assignment_rule(4), vp, "{p:?} another region");
        }
        assert!(actor(None, true, None).may_set_assignment_rule(3));
        assert!(!actor(Some(Position::RegionalManager), false, None).may_set_assignment_rule(3));
    }

    #[test]
    fn contact_records_are_corrected_by_their_author_within_the_window_and_deleted_by_managers() {
        use Position::*;
        let window = TimeDelta::hours(24);
        let young = TimeDelta::hours(23);
        let old = TimeDelta::hours(24);
        // (position, may delete)
        let table = MANAGERS;
        for p in Position::ALL {
            let may_delete = table.iter().find(|r| r.0 == p).expect("every position").1;
            let a = actor(Some(p), false, Some(3));
            assert_eq!(a.may_delete_record(), may_delete, "{p:?} delete");
            // Every position corrects its own young record, and nothing else.
            assert_eq!(a.may_edit_record(Some(7), young, window), Ok(()), "{p:?}");
            assert_eq!(
                a.may_edit_record(Some(7), old, window),
                Err("error.record_edit_window"),
                "{p:?} after the window"
            );
            assert_eq!(
                a.may_edit_record(Some(8), young, window),
                Err("error.record_not_author"),
                "{p:?} someone else's"
            );
            assert_eq!(
                a.may_edit_record(None, young, window),
                Err("error.record_not_author"),
                "{p:?} an imported record"
            );
        }
        // An administrator without a sales position sees no customers and deletes no record;
        // one who also manages sales does.
        assert!(!actor(None, true, None).may_delete_record());
        assert!(actor(Some(RegionalManager), true, Some(3)).may_delete_record());
        assert!(!actor(Some(AccountManager), true, Some(3)).may_delete_record());
    }

    #[test]
    fn managers_archive_any_customer_they_see_and_an_account_manager_only_their_own() {
        use Position::*;
        // (position, archives someone else's, archives their own, restores)
        let table: &[(Position, bool, bool, bool)] = &[
            (SalesVp, true, true, true),
            (SalesDirector, true, true, true),
            (RegionalManager, true, true, true),
            (EofficeManager, true, true, true),
            (AccountManager, false, true, false),
            (SalesRep, false, false, false),
            (Consultant, false, false, false),
            (EofficeRep, false, false, false),
            (Telesales, false, false, false),
            (SalesAssistant, false, false, false),
        ];
        for p in Position::ALL {
            let row = table.iter().find(|r| r.0 == p).expect("every position");
            let a = actor(Some(p), false, Some(3));
            assert_eq!(a.may_archive(Some(8)), row.1, "{p:?} someone else's");
            assert_eq!(a.may_archive(None), row.1, "{p:?} a pool customer");
            assert_eq!(a.may_archive(Some(7)), row.2, "{p:?} their own");
            assert_eq!(a.may_restore(), row.3, "{p:?} restore");
        }
        // An administrator without a sales position sees no customers: nothing to archive.
        let admin = actor(None, true, None);
        assert!(!admin.may_archive(Some(7)) && !admin.may_restore());
        assert!(actor(Some(RegionalManager), true, Some(3)).may_restore());
    }

    #[test]
    fn deals_are_worked_by_their_owner_and_the_managers_and_a_won_one_reopened_by_managers() {
        use Position::*;
        // (position, works someone else's deal, works their own, reopens a won deal and
        // reassigns)
        let table: &[(Position, bool, bool, bool)] = &[
            (SalesVp, true, true, true),
            (SalesDirector, true, true, true),
            (RegionalManager, true, true, true),
            (EofficeManager, true, true, true),
            (AccountManager, false, true, false),
            (SalesRep, false, true, false),
            (Consultant, false, true, false),
            (EofficeRep, false, true, false),
            (Telesales, false, true, false),
            (SalesAssistant, false, true, false),
        ];
        for p in Position::ALL {
            let row = table.iter().find(|r| r.0 == p).expect("every position");
            let a = actor(Some(p), false, Some(3));
            assert_eq!(a.may_work_deal(Some(8)), row.1, "{p:?} someone else's");
            assert_eq!(a.may_work_deal(None), row.1, "{p:?} an unowned customer's");
            assert_eq!(a.may_work_deal(Some(7)), row.2, "{p:?} their own");
            assert_eq!(a.may_reopen_won_deal(), row.3, "{p:?} reopen");
            assert_eq!(a.may_reassign_deal(), row.3, "{p:?} reassign");
        }
        // An administrator without a sales position sees no deals and works on none.
        let admin = actor(None, true, None);
        assert!(!admin.may_work_deal(Some(7)) && !admin.may_reopen_won_deal());
        assert!(!admin.may_reassign_deal());
    }
}
