//! The customer page as a workspace (issue 10, point 3): the timeline in its middle, read as a
//! person reads it — names, labels, times in the company zone (`crate::readable`). The page
//! itself is `customers::show_page`; this module turns `app::timeline` into lines.

use salesdesk_app::choices::Choice as ListChoice;
use salesdesk_app::timeline::{Item, Kind, Timeline};

use super::records::{self as records_view, RecordLine};
use crate::i18n::Tr;
use crate::readable::{self, Values};
use crate::view::fmt_time;

/// One line of the timeline: a contact record (shown as on the record list) or an event.
pub(super) struct TimelineLine {
    pub(super) record: Option<RecordLine>,
    /// `status`, `owner`, `edit`: the kind's style.
    pub(super) kind: &'static str,
    pub(super) tag: &'static str,
    pub(super) at: String,
    /// The sentence: who did what.
    pub(super) text: String,
    /// A state to show as a badge (a request's pending/approved/rejected), with its style.
    pub(super) state: Option<(&'static str, &'static str)>,
    /// Label and value lines under it (evidence, comment, note).
    pub(super) details: Vec<(String, String)>,
    /// An edit's changed fields: label, before, after.
    pub(super) changes: Vec<(String, String, String)>,
}

/// A filter link above the timeline.
pub(super) struct KindLink {
    pub(super) code: &'static str,
    pub(super) label: &'static str,
    pub(super) current: bool,
}

pub(super) struct TimelineView {
    pub(super) lines: Vec<TimelineLine>,
    pub(super) kinds: Vec<KindLink>,
    /// `all`, `records`, …: the filter shown.
    pub(super) kind: &'static str,
    pub(super) page: u64,
    pub(super) more: bool,
    pub(super) beyond: bool,
}

fn kind_label(tr: Tr, k: Kind) -> &'static str {
    tr.t(&format!("workspace.kind_{}", k.as_str()))
}

pub(super) fn view(tr: Tr, choices: &[ListChoice], t: Timeline) -> TimelineView {
    let values = Values {
        tr,
        names: &t.names,
        choices,
    };
    let someone = || tr.t("audit.system").to_string();
    let colon = readable::colon(tr);
    let lines = t
        .entries
        .into_iter()
        .map(|e| {
            let at = fmt_time(e.at);
            let tag = kind_label(tr, e.item.kind());
            let event = |kind, text: String| TimelineLine {
                record: None,
                kind,
                tag,
                at: at.clone(),
                text,
                state: None,
                details: vec![],
                changes: vec![],
            };
            match e.item {
                Item::Record(r) => TimelineLine {
                    record: Some(records_view::line(tr, r)),
                    ..event("record", String::new())
                },
                Item::Requested(q) => {
                    let evidence = [
                        ("field.need", q.need.clone()),
                        ("field.budget", q.budget.clone()),
                        ("field.timeline", q.timeline.clone()),
                        ("field.negotiation", q.negotiation.clone()),
                        (
                            "field.invalid_reason",
                            q.invalid_reason.map(|x| tr.t(&x.label_key()).to_string()),
                        ),
                        ("field.note", q.note.clone()),
                    ];
                    TimelineLine {
                        state: Some((
                            readable::request_state(tr, &q.state),
                            if q.state == "pending" {
                                "pending"
                            } else {
                                "done"
                            },
                        )),
                        details: evidence
                            .into_iter()
                            .filter_map(|(k, v)| v.map(|v| (tr.t(k).to_string(), v)))
                            .collect(),
                        ..event(
                            "status",
                            tr.tf(
                                "workspace.requested",
                                &[
                                    ("who", q.requested_by_name.as_str()),
                                    ("from", tr.t(&q.from_status.label_key())),
                                    ("to", tr.t(&q.to_status.label_key())),
                                ],
                            ),
                        )
                    }
                }
                Item::Decided(q) => {
                    let key = if q.state == "approved" {
                        "workspace.approved"
                    } else {
                        "workspace.rejected"
                    };
                    let who = q.decided_by_name.clone().unwrap_or_else(someone);
                    TimelineLine {
                        details: q
                            .decision_comment
                            .iter()
                            .map(|c| (tr.t("field.comment").to_string(), c.clone()))
                            .collect(),
                        ..event(
                            "status",
                            tr.tf(
                                key,
                                &[
                                    ("who", who.as_str()),
                                    ("from", tr.t(&q.from_status.label_key())),
                                    ("to", tr.t(&q.to_status.label_key())),
                                ],
                            ),
                        )
                    }
                }
                Item::Owner(o) => {
                    // As the owner history has always read: the reason, and a release's reason
                    // from the list or a merge's merged-away name.
                    let reason = readable::owner_reason(tr, &o.reason);
                    let reason = match (o.reason.as_str(), &o.note) {
                        ("release", Some(code)) => format!(
                            "{reason}{}",
                            tr.tf(
                                "owner_note.release",
                                &[(
                                    "reason",
                                    salesdesk_app::choices::label(
                                        choices,
                                        "release_reason",
                                        code,
                                        tr.lang().code(),
                                    ),
                                )],
                            )
                        ),
                        ("merge", Some(name)) => {
                            tr.tf("owner_note.merge", &[("name", name.as_str())])
                        }
                        _ => reason.to_string(),
                    };
                    let dash = || "—".to_string();
                    event(
                        "owner",
                        tr.tf(
                            "workspace.owner_changed",
                            &[
                                ("from", o.from_name.clone().unwrap_or_else(dash).as_str()),
                                ("to", o.to_name.clone().unwrap_or_else(dash).as_str()),
                                ("reason", reason.as_str()),
                                ("who", o.by_name.clone().unwrap_or_else(someone).as_str()),
                            ],
                        ),
                    )
                }
                Item::Edited(row) => TimelineLine {
                    changes: values.changes(row.masked, row.before.as_ref(), row.after.as_ref()),
                    ..event(
                        "edit",
                        tr.tf(
                            "workspace.edited",
                            &[(
                                "who",
                                row.actor_name.clone().unwrap_or_else(someone).as_str(),
                            )],
                        ),
                    )
                },
                Item::Archiving(row) => {
                    let who = row.actor_name.clone().unwrap_or_else(someone);
                    let key = if row.action == "customer.archive" {
                        "workspace.archived"
                    } else {
                        "workspace.restored"
                    };
                    let reason = row
                        .after
                        .as_ref()
                        .and_then(|a| a.get("reason"))
                        .and_then(|r| r.as_str())
                        .map(str::to_string);
                    let mut line = event("edit", tr.tf(key, &[("who", who.as_str())]));
                    if let Some(r) = reason {
                        line.details
                            .push((tr.t("field.archive_reason").to_string(), r));
                    }
                    line
                }
                Item::Created { row, import } => {
                    let who = row.actor_name.clone().unwrap_or_else(someone);
                    let text = match (row.action.as_str(), import) {
                        ("customer.import", Some(file)) => tr.tf(
                            "workspace.imported_from",
                            &[("who", who.as_str()), ("file", file.as_str())],
                        ),
                        ("customer.import", None) => {
                            tr.tf("workspace.imported", &[("who", who.as_str())])
                        }
                        _ => tr.tf("workspace.created", &[("who", who.as_str())]),
                    };
                    event("edit", text)
                }
            }
        })
        .map(|mut l| {
            // "Field: value" lines read with the page language's colon.
            for d in &mut l.details {
                d.0.push_str(colon);
            }
            l
        })
        .collect();
    TimelineView {
        lines,
        kinds: Kind::FILTERS
            .into_iter()
            .map(|k| KindLink {
                code: k.as_str(),
                label: kind_label(tr, k),
                current: k == t.kind,
            })
            .collect(),
        kind: t.kind.as_str(),
        page: t.page,
        more: t.more,
        beyond: t.beyond,
    }
}
