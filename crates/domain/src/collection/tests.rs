use super::*;

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn yuan(y: i64) -> Money {
    Money::from_yuan(y).unwrap()
}

fn row(due: &str, amount: &str) -> InstalmentInput {
    InstalmentInput {
        due_date: due.into(),
        amount: amount.into(),
    }
}

fn st(id: i64, due: &str, amount: i64, paid: i64) -> InstalmentState {
    InstalmentState {
        id,
        due_date: d(due),
        amount: yuan(amount),
        paid: yuan(paid),
    }
}

fn codes(e: &FieldErrors) -> Vec<(String, &'static str, Option<String>)> {
    e.0.iter()
        .map(|e| (e.field.clone(), e.code, e.arg.clone()))
        .collect()
}

#[test]
fn a_plan_must_sum_exactly_to_the_total_and_the_error_names_the_difference() {
    let signed = d("2026-11-02");
    let total = Money::from_fen(1_000_000); // ¥10,000.00
    let ok = parse_plan(
        &[
            row("2027-01-31", "6000"),
            row("2026-12-31", "4,000.00"),
            row("", ""),
        ],
        signed,
        total,
    )
    .unwrap();
    // Ordered by due date.
    assert_eq!(ok[0].due_date, d("2026-12-31"));
    assert_eq!(ok[0].amount, yuan(4000));
    let short = parse_plan(&[row("2026-12-31", "9999.99")], signed, total).unwrap_err();
    assert_eq!(
        codes(&short),
        vec![(
            "instalments".into(),
            "error.plan_short",
            Some("¥0.01".into())
        )]
    );
    let over = parse_plan(&[row("2026-12-31", "0.6万")], signed, total).unwrap_err();
    assert_eq!(
        codes(&over),
        vec![(
            "instalments".into(),
            "error.plan_short",
            Some("¥4,000.00".into())
        )]
    );
    let over = parse_plan(
        &[row("2026-12-31", "5000"), row("2027-01-31", "5000.01")],
        signed,
        total,
    )
    .unwrap_err();
    assert_eq!(
        codes(&over),
        vec![(
            "instalments".into(),
            "error.plan_over",
            Some("¥0.01".into())
        )]
    );
}

#[test]
fn a_plan_row_names_its_own_bad_box_and_the_sum_is_not_argued_then() {
    let signed = d("2026-11-02");
    let e = parse_plan(
        &[
            row("2026-11-01", "100"),
            row("2026-13-01", "-5"),
            row("2026-12-01", "1.234"),
            row("2026-12-02", "abc"),
            row("2026-12-03", "0"),
            row("2026-12-04", ""),
        ],
        signed,
        yuan(100),
    )
    .unwrap_err();
    let c = codes(&e);
    assert_eq!(
        c[0],
        (
            "instalments[0].due_date".into(),
            "error.plan_before_contract",
            Some("2026-11-02".into())
        )
    );
    assert_eq!(c[1].0, "instalments[1].due_date");
    assert_eq!(c[1].1, "error.date_format");
    assert_eq!(
        c[2],
        ("instalments[1].amount".into(), crate::money::NEGATIVE, None)
    );
    assert_eq!(
        c[3],
        (
            "instalments[2].amount".into(),
            crate::money::TOO_MANY_DECIMALS,
            None
        )
    );
    assert_eq!(
        c[4],
        (
            "instalments[3].amount".into(),
            crate::money::NOT_A_NUMBER,
            None
        )
    );
    assert_eq!(
        c[5],
        ("instalments[4].amount".into(), "error.plan_zero", None)
    );
    assert_eq!(
        c[6],
        ("instalments[5].amount".into(), "error.required", None)
    );
    assert_eq!(c.len(), 7, "no sum error beside row errors: {c:?}");
    // Nothing typed at all.
    let e = parse_plan(&[row(" ", "")], signed, yuan(1)).unwrap_err();
    assert_eq!(codes(&e)[0].1, "error.plan_empty");
    // Due on the signing day itself is fine.
    assert!(parse_plan(&[row("2026-11-02", "1")], signed, yuan(1)).is_ok());
}

#[test]
fn an_equal_plan_keeps_month_ends_and_leap_days_and_sums_to_the_total() {
    let p = equal_plan(Money::from_fen(100_000), 3, d("2028-01-31"));
    let dates: Vec<_> = p.iter().map(|i| i.due_date).collect();
    // 2028 is a leap year: January 31st → February 29th → March 31st.
    assert_eq!(
        dates,
        vec![d("2028-01-31"), d("2028-02-29"), d("2028-03-31")]
    );
    let amounts: Vec<_> = p.iter().map(|i| i.amount.fen()).collect();
    assert_eq!(amounts, vec![33_333, 33_333, 33_334]);
    let p = equal_plan(Money::from_fen(100_000), 2, d("2027-01-31"));
    assert_eq!(p[1].due_date, d("2027-02-28"));
    // Whatever it proposes passes the plan check.
    let rows: Vec<_> = equal_plan(Money::from_fen(1_000_001), 7, d("2026-12-31"))
        .iter()
        .map(|i| row(&i.due_date.to_string(), &i.amount.to_decimal()))
        .collect();
    assert!(parse_plan(&rows, d("2026-12-01"), Money::from_fen(1_000_001)).is_ok());
}

#[test]
fn a_payment_goes_to_the_oldest_due_first_and_partially() {
    let plan = [
        st(3, "2027-03-01", 300, 0),
        st(1, "2027-01-01", 100, 40),
        st(2, "2027-02-01", 200, 0),
    ];
    assert_eq!(
        allocate(yuan(100), &plan, &[]).unwrap(),
        vec![(1, yuan(60)), (2, yuan(40))]
    );
    // Exactly what is open: everything.
    assert_eq!(
        allocate(yuan(560), &plan, &[]).unwrap(),
        vec![(1, yuan(60)), (2, yuan(200)), (3, yuan(300))]
    );
    // One fen more: refused, naming what is open.
    let e = allocate(Money::from_fen(56_001), &plan, &[]).unwrap_err();
    assert_eq!(
        (e.field.as_str(), e.code, e.arg.as_deref()),
        ("amount", "error.payment_above_open", Some("¥560.00"))
    );
    // Same due date: the lower id (entered first) first.
    let tie = [st(9, "2027-01-01", 10, 0), st(8, "2027-01-01", 10, 0)];
    assert_eq!(
        allocate(yuan(15), &tie, &[]).unwrap(),
        vec![(8, yuan(10)), (9, yuan(5))]
    );
}

#[test]
fn a_payment_for_named_instalments_goes_only_there() {
    let plan = [
        st(1, "2027-01-01", 100, 0),
        st(2, "2027-02-01", 200, 0),
        st(3, "2027-03-01", 300, 0),
    ];
    assert_eq!(
        allocate(yuan(350), &plan, &[3, 2]).unwrap(),
        vec![(2, yuan(200)), (3, yuan(150))]
    );
    let e = allocate(yuan(301), &plan, &[3]).unwrap_err();
    assert_eq!(e.arg.as_deref(), Some("¥300.00"));
    let e = allocate(yuan(1), &plan, &[4]).unwrap_err();
    assert_eq!(
        (e.field.as_str(), e.code),
        ("instalments", "error.payment_no_instalment")
    );
    // A fully paid instalment named: nothing open there.
    let paid = [st(1, "2027-01-01", 100, 100), st(2, "2027-02-01", 100, 0)];
    let e = allocate(yuan(1), &paid, &[1]).unwrap_err();
    assert_eq!(e.arg.as_deref(), Some("¥0.00"));
    assert!(allocate(Money::ZERO, &paid, &[]).is_err());
    assert!(allocate(Money::from_fen(-1), &paid, &[]).is_err());
}

#[test]
fn a_refund_comes_off_the_latest_paid_and_never_exceeds_what_was_paid() {
    let plan = [
        st(1, "2027-01-01", 100, 100),
        st(2, "2027-02-01", 200, 50),
        st(3, "2027-03-01", 300, 0),
    ];
    assert_eq!(
        allocate_refund(yuan(70), &plan).unwrap(),
        vec![(2, yuan(-50)), (1, yuan(-20))]
    );
    assert_eq!(allocate_refund(yuan(150), &plan).unwrap().len(), 2);
    let e = allocate_refund(Money::from_fen(15_001), &plan).unwrap_err();
    assert_eq!(
        (e.code, e.arg.as_deref()),
        ("error.refund_above_paid", Some("¥150.00"))
    );
}

#[test]
fn payment_fields_are_checked_and_a_refund_needs_a_reason() {
    let today = d("2026-11-30");
    let signed = d("2026-11-02");
    let input = |date: &str, amount: &str, reason: &str| PaymentInput {
        received_on: date.into(),
        amount: amount.into(),
        reference: String::new(),
        reason: reason.into(),
    };
    let p =
        PaymentFields::parse(&input("2026-11-30", "1,234.5", ""), today, signed, false).unwrap();
    assert_eq!(p.amount, Money::from_fen(123_450));
    let e = PaymentFields::parse(&input("2026-11-01", "-1", ""), today, signed, false).unwrap_err();
    assert_eq!(
        codes(&e),
        vec![
            (
                "received_on".into(),
                "error.payment_before_contract",
                Some("2026-11-02".into())
            ),
            ("amount".into(), crate::money::NEGATIVE, None),
        ]
    );
    let e =
        PaymentFields::parse(&input("2026-12-01", "1.001", ""), today, signed, false).unwrap_err();
    assert_eq!(e.0[0].code, "error.contract_date_future");
    assert_eq!(e.0[1].code, crate::money::TOO_MANY_DECIMALS);
    let e = PaymentFields::parse(&input("2026-11-30", "10", " "), today, signed, true).unwrap_err();
    assert_eq!(codes(&e), vec![("reason".into(), "error.required", None)]);
    let e =
        PaymentFields::parse(&input("30/11/2026", "ten", ""), today, signed, false).unwrap_err();
    assert_eq!(e.0[0].code, "error.date_format");
    assert_eq!(e.0[1].code, crate::money::NOT_A_NUMBER);
}

#[test]
fn ageing_buckets_count_calendar_days_in_company_time() {
    let today = d("2026-11-30");
    assert_eq!(Bucket::of(d("2026-12-01"), today), Bucket::NotDue);
    assert_eq!(Bucket::of(today, today), Bucket::NotDue);
    assert_eq!(Bucket::of(d("2026-11-29"), today), Bucket::Days1To30);
    assert_eq!(Bucket::of(d("2026-10-31"), today), Bucket::Days1To30); // 30 days
    assert_eq!(Bucket::of(d("2026-10-30"), today), Bucket::Days31To60); // 31
    assert_eq!(Bucket::of(d("2026-10-01"), today), Bucket::Days31To60); // 60
    assert_eq!(days_overdue(d("2026-10-01"), today), 60);
    assert_eq!(Bucket::of(d("2026-09-01"), today), Bucket::Days61To90); // 90
    assert_eq!(Bucket::of(d("2026-08-31"), today), Bucket::Over90); // 91
    // Each bucket's latest due date agrees with `of`.
    for b in Bucket::ALL.into_iter().skip(1) {
        let last = b.due_on_or_before(today).unwrap();
        assert_eq!(Bucket::of(last, today), b);
        assert_ne!(Bucket::of(last.succ_opt().unwrap(), today), b);
    }
}

#[test]
fn ageing_across_a_leap_day_and_a_month_end() {
    // 2028-02-29 exists; from 2028-01-30 to 2028-02-29 is 30 days, to 2028-03-01 is 31.
    assert_eq!(
        Bucket::of(d("2028-01-30"), d("2028-02-29")),
        Bucket::Days1To30
    );
    assert_eq!(
        Bucket::of(d("2028-01-30"), d("2028-03-01")),
        Bucket::Days31To60
    );
    // Not a leap year: 2027-01-30 to 2027-03-01 is 30 days.
    assert_eq!(
        Bucket::of(d("2027-01-30"), d("2027-03-01")),
        Bucket::Days1To30
    );
    // Due on a leap day, seen a year later: 366 days (> 90).
    assert_eq!(days_overdue(d("2028-02-29"), d("2029-03-01")), 366);
}

#[test]
fn a_due_date_on_a_holiday_is_not_moved() {
    // National Day 2026-10-01 (a public holiday) and a Sunday (2026-11-29): overdue the next
    // calendar day all the same (see the module's rule).
    assert_eq!(Bucket::of(d("2026-10-01"), d("2026-10-01")), Bucket::NotDue);
    assert_eq!(days_overdue(d("2026-10-01"), d("2026-10-02")), 1);
    assert_eq!(
        Bucket::of(d("2026-11-29"), d("2026-11-30")),
        Bucket::Days1To30
    );
}

#[test]
fn today_is_the_date_in_shanghai() {
    let late_utc: DateTime<Utc> = "2026-11-30T16:30:00Z".parse().unwrap();
    assert_eq!(company_date(late_utc), d("2026-12-01"));
    let early_utc: DateTime<Utc> = "2026-11-30T15:59:59Z".parse().unwrap();
    assert_eq!(company_date(early_utc), d("2026-11-30"));
}

#[test]
fn ageing_sums_by_bucket() {
    let mut a = Ageing::default();
    a.add(Bucket::NotDue, yuan(5));
    a.add(Bucket::Over90, yuan(7));
    a.add(Bucket::Over90, yuan(1));
    assert_eq!(a.get(Bucket::Over90), yuan(8));
    assert_eq!(a.total(), yuan(13));
    assert_eq!(a.overdue(), yuan(8));
}
