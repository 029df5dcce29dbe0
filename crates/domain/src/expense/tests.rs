use chrono::NaiveDate;

use super::*;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn yuan(y: i64) -> Money {
    Money::from_yuan(y).unwrap()
}

fn p(id: i64, pos: Position) -> Person {
    Person {
        id,
        position: Some(pos),
    }
}

const CATS: [&str; 3] = ["travel", "gifts", "other"];

fn input(cat: &str, date: &str, amount: &str) -> ExpenseInput {
    ExpenseInput {
        category: cat.into(),
        expense_date: date.into(),
        amount: amount.into(),
        description: "客户拜访 上海".into(),
    }
}

fn codes(r: Result<ExpenseFields, FieldErrors>) -> Vec<(String, &'static str)> {
    r.unwrap_err()
        .0
        .into_iter()
        .map(|e| (e.field, e.code))
        .collect()
}

#[test]
fn a_claim_is_checked_field_by_field() {
    let today = d(2026, 11, 27);
    let ok =
        ExpenseFields::parse(&input("travel", "2026-11-27", "1,234.50"), today, &CATS).unwrap();
    assert_eq!(ok.amount.fen(), 123_450);
    assert_eq!(ok.expense_date, today);

    assert_eq!(
        codes(ExpenseFields::parse(
            &input("travel", "2026-11-28", "10"),
            today,
            &CATS
        )),
        vec![("expense_date".to_string(), "error.expense_date_future")]
    );
    assert_eq!(
        codes(ExpenseFields::parse(
            &input("travel", "2026-11-01", "-5"),
            today,
            &CATS
        )),
        vec![("amount".to_string(), "error.expense_amount_positive")]
    );
    assert_eq!(
        codes(ExpenseFields::parse(
            &input("travel", "2026-11-01", "0"),
            today,
            &CATS
        )),
        vec![("amount".to_string(), "error.expense_amount_positive")]
    );
    assert_eq!(
        codes(ExpenseFields::parse(
            &input("yacht", "2025-01-01", "1000001"),
            today,
            &CATS
        )),
        vec![
            ("category".to_string(), "error.expense_category"),
            ("expense_date".to_string(), "error.expense_date_old"),
            ("amount".to_string(), crate::money::TOO_LARGE),
        ]
    );
    let mut empty = input("", "", "");
    empty.description = "  ".into();
    let fields: Vec<String> = codes(ExpenseFields::parse(&empty, today, &CATS))
        .into_iter()
        .map(|x| x.0)
        .collect();
    assert_eq!(
        fields,
        ["category", "expense_date", "amount", "description"]
    );
}

#[test]
fn the_first_approver_is_the_manager_then_the_director_then_the_vp() {
    let am = p(10, Position::AccountManager);
    let mgr = p(5, Position::RegionalManager);
    let dir = p(2, Position::SalesDirector);
    let vp = p(1, Position::SalesVp);
    assert_eq!(
        first_approver(am, Some(mgr), Some(dir), Some(vp)),
        Some(mgr)
    );
    // No manager: the director.
    assert_eq!(first_approver(am, None, Some(dir), Some(vp)), Some(dir));
    // The director's own claim goes to their manager, the VP, and so does its second step.
    assert_eq!(first_approver(dir, Some(vp), Some(dir), Some(vp)), Some(vp));
    assert_eq!(first_approver(dir, None, Some(dir), Some(vp)), Some(vp));
    assert_eq!(second_approver(dir, Some(dir), Some(vp)), Some(vp));
    // Nobody in post: the caller reports a vacancy.
    assert_eq!(first_approver(am, None, None, None), None);
    // A manager pointing at the claimant is no manager.
    assert_eq!(first_approver(mgr, Some(mgr), Some(dir), None), Some(dir));
    // The VP's own claim: nobody above, no director… the director approves it.
    assert_eq!(first_approver(vp, None, Some(dir), Some(vp)), Some(dir));
}

#[test]
fn above_the_threshold_the_director_approves_after_the_manager() {
    use ExpenseState::*;
    let t = yuan(5000);
    assert!(!needs_director(yuan(5000), t), "at the threshold: one step");
    assert!(needs_director(Money::from_fen(500_001), t));
    // Below: the manager's approval is the last.
    assert_eq!(
        check(PendingManager, Action::Approve, false, false),
        Ok(Approved)
    );
    // Above: the manager's approval hands it to the director…
    assert_eq!(
        check(PendingManager, Action::Approve, true, false),
        Ok(PendingDirector)
    );
    // …unless the director (or VP) gave it.
    assert_eq!(
        check(PendingManager, Action::Approve, true, true),
        Ok(Approved)
    );
    assert_eq!(
        check(PendingDirector, Action::Approve, true, true),
        Ok(Approved)
    );
    assert_eq!(
        check(PendingDirector, Action::Approve, true, false),
        Err("error.expense_director_step")
    );
    // Returned from either step, resubmitted to the start.
    assert_eq!(
        check(PendingDirector, Action::Return, true, true),
        Ok(Returned)
    );
    assert_eq!(
        check(PendingManager, Action::Return, false, false),
        Ok(Returned)
    );
    assert_eq!(
        check(Returned, Action::Resubmit, true, false),
        Ok(PendingManager)
    );
    // What cannot happen.
    assert_eq!(
        check(Approved, Action::Return, false, true),
        Err("error.expense_already_approved")
    );
    assert_eq!(
        check(Approved, Action::Approve, false, true),
        Err("error.expense_already_approved")
    );
    assert_eq!(
        check(Returned, Action::Approve, false, true),
        Err("error.expense_is_returned")
    );
    assert_eq!(
        check(PendingManager, Action::Resubmit, false, false),
        Err("error.expense_not_returned")
    );
}

#[test]
fn nobody_decides_their_own_claim_and_the_director_may_stand_in() {
    let mgr = p(5, Position::RegionalManager);
    let other_mgr = p(6, Position::RegionalManager);
    let dir = p(2, Position::SalesDirector);
    assert!(may_decide(mgr, 10, Some(5)));
    assert!(!may_decide(other_mgr, 10, Some(5)));
    assert!(may_decide(dir, 10, Some(5)));
    // The director's own claim, even when asked.
    assert!(!may_decide(dir, 2, Some(2)));
    assert!(!may_decide(mgr, 5, Some(5)));
}

#[test]
fn who_sees_others_claims_and_sets_budgets_for_every_position() {
    for pos in Position::ALL {
        assert_eq!(sees_others(Some(pos)), pos.is_manager(), "{pos:?}");
        assert_eq!(
            may_set_budgets(Some(pos)),
            matches!(pos, Position::SalesDirector | Position::SalesVp),
            "{pos:?}"
        );
    }
    assert!(!sees_others(None));
    assert!(!may_set_budgets(None));
}

#[test]
fn only_approved_claims_in_marked_categories_are_sales_cost() {
    let marked = vec!["travel".to_string(), "gifts".to_string()];
    assert!(counts_as_cost(ExpenseState::Approved, "travel", &marked));
    assert!(!counts_as_cost(ExpenseState::Approved, "other", &marked));
    for s in [
        ExpenseState::PendingManager,
        ExpenseState::PendingDirector,
        ExpenseState::Returned,
    ] {
        assert!(!counts_as_cost(s, "travel", &marked), "{s:?}");
    }
}

#[test]
fn periods_parse_contain_and_close() {
    let q4 = Period::parse("period", "2026-Q4").unwrap();
    assert_eq!(q4.start, d(2026, 10, 1));
    assert_eq!(q4.end(), d(2026, 12, 31));
    assert_eq!(q4.months(), (202610, 202612));
    assert_eq!(q4.label(), "2026-Q4");
    assert_eq!(Period::containing(PeriodKind::Quarter, d(2026, 11, 27)), q4);
    let feb = Period::parse("period", "2028-02").unwrap();
    assert_eq!(feb.end(), d(2028, 2, 29), "a leap year's February");
    let y = Period::parse("period", "2026").unwrap();
    assert_eq!((y.start, y.end()), (d(2026, 1, 1), d(2026, 12, 31)));
    for bad in [
        "", "26", "2026-13", "2026-Q5", "2026-1", "1999", "2026-Qx", "abc",
    ] {
        assert_eq!(
            Period::parse("period", bad).unwrap_err().code,
            "error.budget_period",
            "{bad}"
        );
    }
    let today = d(2026, 11, 27);
    assert!(Period::parse("p", "2026-10").unwrap().is_closed(today));
    assert!(!Period::parse("p", "2026-11").unwrap().is_closed(today));
    assert!(!q4.is_closed(today));
    assert!(Period::parse("p", "2026-Q3").unwrap().is_closed(today));
}

#[test]
fn a_claim_over_what_is_left_of_the_budget_is_warned_about() {
    let u = BudgetUse {
        budget: yuan(10_000),
        approved: yuan(6_000),
        pending: yuan(3_000),
    };
    assert_eq!(u.left(), yuan(1_000));
    assert_eq!(u.percent_used(), Some(90));
    assert!(
        !over_budget(&u, yuan(1_000)),
        "exactly the budget is within it"
    );
    assert!(over_budget(&u, Money::from_fen(100_001)));
    let zero = BudgetUse {
        budget: yuan(0),
        approved: yuan(0),
        pending: yuan(0),
    };
    assert_eq!(zero.percent_used(), None);
    assert!(over_budget(&zero, Money::from_fen(1)));
    assert_eq!(
        parse_budget("amount", "-1").unwrap_err().code,
        crate::money::NEGATIVE
    );
}

#[test]
fn a_receipt_whose_name_says_another_type_than_its_bytes_is_refused() {
    assert_eq!(
        check_receipt("发票.pdf", b"%PDF-1.4 ...").unwrap(),
        ("发票.pdf".to_string(), "application/pdf")
    );
    assert_eq!(
        check_receipt("IMG_0001.JPEG", &[0xFF, 0xD8, 0xFF, 0xE1])
            .unwrap()
            .1,
        "image/jpeg"
    );
    assert_eq!(
        check_receipt("receipt.pdf", b"\x89PNG\r\n\x1a\n...")
            .unwrap_err()
            .code,
        "error.attachment_mismatch"
    );
    assert_eq!(
        check_receipt("receipt.exe", b"%PDF-1.4").unwrap_err().code,
        "error.attachment_mismatch"
    );
    assert_eq!(
        check_receipt("receipt.pdf", b"MZ\x90\x00")
            .unwrap_err()
            .code,
        "error.attachment_type"
    );
    // No extension: the bytes decide.
    assert_eq!(
        check_receipt("scan", b"%PDF-1.4").unwrap().1,
        "application/pdf"
    );
}
