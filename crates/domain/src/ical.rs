//! iCalendar (RFC 5545) for a person's private calendar feed (issue 12 point 8), so that
//! Outlook, Apple Calendar and Google Calendar can subscribe to their follow-ups and deadlines.
//!
//! What the RFC asks and this writer does: CRLF line ends (§3.1); content lines folded at 75
//! octets with a CRLF and one space, never inside a UTF-8 character (§3.1 — a line of Chinese
//! text is folded by bytes, not characters); TEXT values with `\`, `,`, `;` and newlines
//! escaped (§3.3.11); `DTSTAMP` and a `UID` on every event (§3.6.1); all-day events as `DATE`
//! values with `DTEND` the day after (§3.6.1: the end is exclusive); timed ones in UTC (`Z`).

use chrono::{DateTime, NaiveDate, Utc};

/// When an event happens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    /// A whole day (a follow-up planned for a date).
    Day(NaiveDate),
    /// A moment, shown as `minutes` long (a deadline, a scheduled call).
    At(DateTime<Utc>, u32),
}

/// One event of the feed.
#[derive(Debug, Clone)]
pub struct Event {
    /// Stable per item (`followup-customer-42@salesdesk`): a calendar updates the event
    /// instead of adding a copy when the feed is read again.
    pub uid: String,
    pub when: When,
    pub summary: String,
    pub description: Option<String>,
    /// A link back to the item in salesdesk.
    pub url: Option<String>,
}

/// A whole calendar.
#[derive(Debug, Clone)]
pub struct Calendar {
    /// `X-WR-CALNAME`: what the subscribing application calls it.
    pub name: String,
    /// `DTSTAMP` of every event: when the feed was made.
    pub stamp: DateTime<Utc>,
    pub events: Vec<Event>,
}

/// Escapes a TEXT value (RFC 5545 §3.3.11): backslash, comma, semicolon, newline. Carriage
/// returns and other control characters (which a content line may not hold) are dropped.
pub fn escape_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ',' => out.push_str("\\,"),
            ';' => out.push_str("\\;"),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Writes one content line folded at 75 octets (RFC 5545 §3.1): each continuation starts with
/// one space, which counts towards its 75; a multi-byte character is never split.
pub fn fold_into(line: &str, out: &mut String) {
    let mut len = 0;
    for c in line.chars() {
        let w = c.len_utf8();
        if len + w > 75 {
            out.push_str("\r\n ");
            len = 1;
        }
        out.push(c);
        len += w;
    }
    out.push_str("\r\n");
}

fn utc(t: DateTime<Utc>) -> String {
    t.format("%Y%m%dT%H%M%SZ").to_string()
}

fn date(d: NaiveDate) -> String {
    d.format("%Y%m%d").to_string()
}

/// The calendar as an `.ics` document.
pub fn write(cal: &Calendar) -> String {
    let mut out = String::with_capacity(256 + cal.events.len() * 300);
    let mut line = |l: &str| fold_into(l, &mut out);
    line("BEGIN:VCALENDAR");
    line("VERSION:2.0");
    line("PRODID:-//salesdesk//calendar feed//ZH");
    line("CALSCALE:GREGORIAN");
    line("METHOD:PUBLISH");
    line(&format!("X-WR-CALNAME:{}", escape_text(&cal.name)));
    line("X-WR-TIMEZONE:Asia/Shanghai");
    // Ask subscribers to read the feed again every hour.
    line("REFRESH-INTERVAL;VALUE=DURATION:PT1H");
    line("X-PUBLISHED-TTL:PT1H");
    let stamp = utc(cal.stamp);
    for e in &cal.events {
        line("BEGIN:VEVENT");
        line(&format!("UID:{}", escape_text(&e.uid)));
        line(&format!("DTSTAMP:{stamp}"));
        match e.when {
            When::Day(d) => {
                line(&format!("DTSTART;VALUE=DATE:{}", date(d)));
                let next = d.succ_opt().unwrap_or(d);
                line(&format!("DTEND;VALUE=DATE:{}", date(next)));
                line("TRANSP:TRANSPARENT");
            }
            When::At(t, minutes) => {
                line(&format!("DTSTART:{}", utc(t)));
                let end = t + chrono::TimeDelta::minutes(i64::from(minutes.max(1)));
                line(&format!("DTEND:{}", utc(end)));
            }
        }
        line(&format!("SUMMARY:{}", escape_text(&e.summary)));
        if let Some(d) = &e.description {
            line(&format!("DESCRIPTION:{}", escape_text(d)));
        }
        if let Some(u) = &e.url {
            // A URI value is not TEXT: not escaped (salesdesk's own links hold none of `,;\`).
            line(&format!("URL:{u}"));
        }
        line("END:VEVENT");
    }
    line("END:VCALENDAR");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(s: &str) -> Vec<&str> {
        assert!(s.ends_with("\r\n"));
        s[..s.len() - 2].split("\r\n").collect()
    }

    fn unfold(s: &str) -> String {
        s.replace("\r\n ", "")
    }

    #[test]
    fn text_values_escape_backslash_comma_semicolon_and_newlines() {
        assert_eq!(
            escape_text("回访;确认,价格\\折扣\r\n第二行"),
            "回访\\;确认\\,价格\\\\折扣\\n第二行"
        );
    }

    #[test]
    fn a_long_chinese_line_is_folded_at_75_octets_without_splitting_a_character() {
        let summary =
            "回访：星河数据科技（上海）有限公司的试用第七天，确认部署、培训和报价进度".repeat(3);
        let mut out = String::new();
        fold_into(&format!("SUMMARY:{summary}"), &mut out);
        let ls = lines(&out);
        assert!(ls.len() > 3, "folded into several lines: {ls:?}");
        for (i, l) in ls.iter().enumerate() {
            assert!(l.len() <= 75, "line {i} has {} octets", l.len());
            if i > 0 {
                assert!(l.starts_with(' '));
            }
        }
        // Every piece is whole UTF-8 (a &str could not be otherwise) and unfolding restores it.
        assert_eq!(unfold(&out), format!("SUMMARY:{summary}\r\n"));
        // The first line is filled as far as a whole character allows (74 or 75 octets).
        assert!(ls[0].len() >= 73);
    }

    #[test]
    fn all_day_events_are_dates_ending_the_next_day_and_timed_ones_are_utc() {
        let stamp: DateTime<Utc> = "2026-11-30T01:02:03Z".parse().unwrap();
        let cal = Calendar {
            name: "王磊的销售日程".into(),
            stamp,
            events: vec![
                Event {
                    uid: "a@x".into(),
                    when: When::Day(NaiveDate::from_ymd_opt(2026, 12, 31).unwrap()),
                    summary: "跟进".into(),
                    description: None,
                    url: None,
                },
                Event {
                    uid: "b@x".into(),
                    when: When::At("2026-12-01T06:30:00Z".parse().unwrap(), 30),
                    summary: "回访".into(),
                    description: Some("a\nb".into()),
                    url: Some("https://crm.example.com/customers/1".into()),
                },
            ],
        };
        let ics = write(&cal);
        let ls = lines(&ics);
        assert_eq!(ls.first(), Some(&"BEGIN:VCALENDAR"));
        assert_eq!(ls.last(), Some(&"END:VCALENDAR"));
        assert!(ls.contains(&"X-WR-CALNAME:王磊的销售日程"));
        assert!(ls.contains(&"DTSTART;VALUE=DATE:20261231"));
        assert!(ls.contains(&"DTEND;VALUE=DATE:20270101"));
        assert!(ls.contains(&"DTSTART:20261201T063000Z"));
        assert!(ls.contains(&"DTEND:20261201T070000Z"));
        assert!(ls.contains(&"DESCRIPTION:a\\nb"));
        assert_eq!(
            ls.iter()
                .filter(|l| **l == "DTSTAMP:20261130T010203Z")
                .count(),
            2
        );
        assert!(!ics.replace("\r\n", "").contains('\n'), "no bare LF");
    }
}
