//! Durations in working time, as people read them (issue 12, point 4): "还剩 2 小时 15 分（工作
//! 时间）" / "due in 2 h 15 min (working time)", "已超时 …" / "overdue by …". Shared: the trials
//! pages, reminders and anything else with a limit on the business calendar call these.

use super::Tr;

/// `2 小时 15 分` / `2 h 15 min`; `45 分钟` / `45 min` under an hour; `3 小时` / `3 h` on the
/// hour. Negative minutes are shown as their size.
pub fn duration(tr: Tr, minutes: i64) -> String {
    let m = minutes.unsigned_abs();
    let (h, rest) = (m / 60, m % 60);
    match (h, rest) {
        (0, r) => tr.tf("worktime.m", &[("m", &r.to_string())]),
        (h, 0) => tr.tf("worktime.h", &[("h", &h.to_string())]),
        (h, r) => tr.tf("worktime.h_m", &[("h", &h.to_string()), ("m", &r.to_string())]),
    }
}

/// How a limit stands, from the working minutes left (negative: past it): "还剩 2 小时 15 分（工作
/// 时间）" / "due in 2 h 15 min (working time)", "已超时 1 小时（工作时间）" / "overdue by 1 h
/// (working time)", "现在到期" / "due now" at 0.
pub fn due(tr: Tr, minutes_left: i64) -> String {
    match minutes_left {
        0 => tr.t("worktime.due_now").to_string(),
        m if m > 0 => tr.tf("worktime.due_in", &[("d", &duration(tr, m))]),
        m => tr.tf("worktime.overdue_by", &[("d", &duration(tr, m))]),
    }
}

/// `2:15`: hours and minutes, as the API's `h:mm` gives a working-time span.
pub fn h_mm(minutes: i64) -> String {
    let sign = if minutes < 0 { "-" } else { "" };
    let m = minutes.unsigned_abs();
    format!("{sign}{}:{:02}", m / 60, m % 60)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;

    #[test]
    fn durations_read_naturally_in_both_languages() {
        let (zh, en) = (Tr(Lang::Zh), Tr(Lang::En));
        assert_eq!(due(zh, 135), "还剩 2 小时 15 分（工作时间）");
        assert_eq!(due(en, 135), "due in 2 h 15 min (working time)");
        assert_eq!(due(zh, -65), "已超时 1 小时 5 分（工作时间）");
        assert_eq!(due(en, -60), "overdue by 1 h (working time)");
        assert_eq!(due(en, 45), "due in 45 min (working time)");
        assert_eq!(due(zh, 0), "现在到期");
        assert_eq!(duration(zh, 240), "4 小时");
        assert_eq!(h_mm(135), "2:15");
        assert_eq!(h_mm(12_000), "200:00");
        assert_eq!(h_mm(-5), "-0:05");
    }
}
