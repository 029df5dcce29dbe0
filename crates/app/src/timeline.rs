//! A customer's timeline: one list, newest first, of what happened to it — contact records,
//! status requests and their decisions, owner changes, edits of the record and how it came in
//! (created by hand or imported). Built from the lists each capability already keeps; nothing is
//! stored twice.
//!
//! Paging a merge of several lists: page `n` reads the newest `n × PER_PAGE` entries of each
//! list, merges them and keeps the page's slice. That is exact (no entry can be missing from the
//! newest `n × PER_PAGE` of the merge without being among the newest `n × PER_PAGE` of its own
//! list) and bounded by [`MAX_PAGE`]; the records have their own full list beyond that.

use chrono::{DateTime, Utc};
use salesdesk_store::customers::{self as cstore};
use salesdesk_store::{Page, audit as astore, imports};

use crate::audit::{AuditRow, Names, names_for, rows_seen};
use crate::customers::{OwnerChange, owner_history, visible};
use crate::records::{self, Record};
use crate::status::{self, StatusRequest};
use crate::{App, AppError, Ctx, Result};

/// Entries per page of the timeline.
pub const PER_PAGE: u64 = 20;
/// The last page the timeline pages to (`MAX_PAGE × PER_PAGE` entries of each kind at most);
/// older contact records are on the customer's record list.
pub const MAX_PAGE: u64 = 10;

/// The audited actions the timeline shows as the record's own history.
const EDIT_ACTIONS: &[&str] = &[
    "customer.update",
    "customer.create",
    "customer.import",
    "customer.archive",
    "customer.restore",
];

/// Which kind of entries the timeline shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Kind {
    #[default]
    All,
    Records,
    Status,
    Owner,
    Edits,
}

impl Kind {
    pub const FILTERS: [Kind; 5] = [
        Kind::All,
        Kind::Records,
        Kind::Status,
        Kind::Owner,
        Kind::Edits,
    ];

    /// The kind a page's `?kind=` names; anything else shows everything.
    pub fn parse(s: &str) -> Kind {
        match s {
            "records" => Kind::Records,
            "status" => Kind::Status,
            "owner" => Kind::Owner,
            "edits" => Kind::Edits,
            _ => Kind::All,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::All => "all",
            Kind::Records => "records",
            Kind::Status => "status",
            Kind::Owner => "owner",
            Kind::Edits => "edits",
        }
    }

    fn shows(self, k: Kind) -> bool {
        self == Kind::All || self == k
    }
}

/// One thing that happened to the customer.
#[derive(Debug, Clone)]
pub enum Item {
    Record(Record),
    /// Someone asked for a status change (the request as it is now: pending or decided).
    Requested(StatusRequest),
    /// A manager decided a request.
    Decided(StatusRequest),
    Owner(OwnerChange),
    /// A change of the record, values before and after.
    Edited(AuditRow),
    /// The record was entered by hand, or came in with an import (its file's name).
    Created {
        row: AuditRow,
        import: Option<String>,
    },
    /// The record was archived (`customer.archive`, with the reason given) or restored
    /// (`customer.restore`); seen once it is back.
    Archiving(AuditRow),
}

impl Item {
    pub fn kind(&self) -> Kind {
        match self {
            Item::Record(_) => Kind::Records,
            Item::Requested(_) | Item::Decided(_) => Kind::Status,
            Item::Owner(_) => Kind::Owner,
            Item::Edited(_) | Item::Created { .. } | Item::Archiving(_) => Kind::Edits,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Entry {
    pub at: DateTime<Utc>,
    pub item: Item,
}

/// One page of a customer's timeline.
#[derive(Debug, Clone)]
pub struct Timeline {
    pub entries: Vec<Entry>,
    pub kind: Kind,
    pub page: u64,
    /// Older entries exist beyond this page.
    pub more: bool,
    /// Older entries exist beyond the last page the timeline pages to.
    pub beyond: bool,
    /// The names the edits' values mention (people, regions), for showing them.
    pub names: Names,
}

/// Page `page` (1-based, at most [`MAX_PAGE`]) of the customer's timeline, only `kind`'s
/// entries; "not found" outside the reader's data scope.
pub async fn of_customer(
    app: &App,
    ctx: &Ctx,
    customer_id: i64,
    kind: Kind,
    page: u64,
) -> Result<Timeline> {
    let page = page.clamp(1, MAX_PAGE);
    let want = page * PER_PAGE;
    let v = visible(app, ctx).await?;
    let r = app.db.read();
    let customer = cstore::get(r, customer_id, &v)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut entries: Vec<Entry> = Vec::new();
    let mut total: u64 = 0;
    if kind.shows(Kind::Records) {
        let recs = records::list(app, ctx, customer_id, Page::new(Some(1), Some(want))).await?;
        total += recs.total;
        entries.extend(recs.items.into_iter().map(|x| Entry {
            at: x.happened_at,
            item: Item::Record(x),
        }));
    }
    if kind.shows(Kind::Status) {
        for q in status::history(app, ctx, customer_id).await? {
            if let Some(at) = q.decided_at.filter(|_| q.state != "pending") {
                total += 1;
                entries.push(Entry {
                    at,
                    item: Item::Decided(q.clone()),
                });
            }
            total += 1;
            entries.push(Entry {
                at: q.created_at,
                item: Item::Requested(q),
            });
        }
    }
    if kind.shows(Kind::Owner) {
        let changes = owner_history(app, ctx, customer_id).await?;
        total += changes.len() as u64;
        entries.extend(changes.into_iter().map(|o| Entry {
            at: o.at,
            item: Item::Owner(o),
        }));
    }
    let mut names = Names::default();
    if kind.shows(Kind::Edits) {
        let (rows, count) =
            astore::for_entity(r, "customer", customer_id, EDIT_ACTIONS, want).await?;
        total += count;
        // The customer is in the reader's scope (read above): its history is theirs to read.
        let rows = rows_seen(app, rows, |_| ctx.actor.customer_history_view(true)).await?;
        names = names_for(app, &rows).await?;
        let import = match customer.import_id {
            Some(id) if rows.iter().any(|x| x.action == "customer.import") => {
                imports::get(r, id).await?.map(|i| i.file_name)
            }
            _ => None,
        };
        entries.extend(rows.into_iter().map(|row| Entry {
            at: row.at,
            item: if row.action == "customer.update" {
                Item::Edited(row)
            } else if row.action == "customer.archive" || row.action == "customer.restore" {
                Item::Archiving(row)
            } else {
                Item::Created {
                    import: import.clone().filter(|_| row.action == "customer.import"),
                    row,
                }
            },
        }));
    }
    // Newest first; at the same moment the later-written entry (a decision after its request).
    entries.sort_by(|a, b| b.at.cmp(&a.at).then(order(&b.item).cmp(&order(&a.item))));
    let skip = ((page - 1) * PER_PAGE) as usize;
    let entries: Vec<Entry> = entries
        .into_iter()
        .skip(skip)
        .take(PER_PAGE as usize)
        .collect();
    Ok(Timeline {
        entries,
        kind,
        page,
        more: total > want && page < MAX_PAGE,
        beyond: total > want && page == MAX_PAGE,
        names,
    })
}

/// Among entries of the same moment, which was written later: a decision after its request, an
/// owner change after the creation that made it.
fn order(i: &Item) -> u8 {
    match i {
        Item::Created { .. } => 0,
        Item::Requested(_) => 1,
        Item::Owner(_) => 2,
        Item::Decided(_) => 3,
        Item::Record(_) => 4,
        Item::Edited(_) => 5,
        Item::Archiving(_) => 6,
    }
}
