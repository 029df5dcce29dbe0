//! Likely duplicates (issue 10, point 5): keeping every customer's keys true, and finding the
//! customers that share a key with a new record.
//!
//! A customer's keys (`domain::customer::likely::keys_of`: the name with the place moved, the
//! phones, the web domain, the e-mail domains of it and its contacts) are rewritten in the
//! transaction of every change to what they come from: creating and editing a customer
//! ([`crate::customers`]), its contacts and a merge (both through
//! [`crate::customers::refresh_search`]), and an import ([`crate::import`]).
//!
//! Suggestions look across every scope, as the exact-duplicate check does: a likely duplicate
//! the person cannot see is told by its name and its owner's name only, never by its id.

use std::collections::{BTreeMap, HashMap};

use salesdesk_domain::customer::likely::{
    self as rules, ContactKeys, KeySource, LikelyKey, Reason,
};
use salesdesk_store::contacts::Contact;
use salesdesk_store::customers::{self as store, Visible};
use salesdesk_store::{Conn, likely, users};
use serde::Serialize;

use crate::Result;

/// Most likely duplicates shown for one record.
pub const MAX_SHOWN: usize = 5;
/// Most holders read for each key of a record (a switchboard number can be shared by many).
const MAX_HOLDERS: u64 = 200;

/// Why a record is probably another: what they share, as the new record has it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Why {
    /// `name`, `phone`, `web` or `mail`.
    pub reason: &'static str,
    /// The value as typed (`021-6234 5678`, `https://www.xinghe.cn`, `info@xinghe.cn`).
    pub value: String,
}

/// A customer that is probably the same company as a new record.
#[derive(Debug, Clone, Serialize)]
pub struct Likely {
    /// Only when the person may open the record.
    pub id: Option<i64>,
    pub name: String,
    pub owner_name: Option<String>,
    pub why: Vec<Why>,
}

/// The keys of a stored customer with these contacts.
pub(crate) fn keys_of(c: &store::Customer, contacts: &[Contact]) -> Vec<LikelyKey> {
    let people: Vec<ContactKeys<'_>> = contacts
        .iter()
        .map(|p| ContactKeys {
            phone: p.phone.as_deref(),
            mobile: p.mobile.as_deref(),
            email: p.email.as_deref(),
        })
        .collect();
    rules::keys_of(&KeySource {
        name: &c.name,
        phone: c.phone.as_deref(),
        website: c.website.as_deref(),
        email: c.email.as_deref(),
        contacts: &people,
    })
}

/// The keys of a record about to be written (no contacts yet).
pub(crate) fn keys_of_fields(f: &store::CustomerFields) -> Vec<LikelyKey> {
    rules::keys_of(&KeySource {
        name: &f.name,
        phone: f.phone.as_deref(),
        website: f.website.as_deref(),
        email: f.email.as_deref(),
        contacts: &[],
    })
}

/// Stored form of keys.
pub(crate) fn stored(keys: &[LikelyKey]) -> Vec<likely::Key> {
    keys.iter()
        .map(|k| (k.reason.as_str().to_string(), k.value.clone()))
        .collect()
}

/// The customers that share one of `keys`, `except` one, grouped with every reason, those with
/// the most reasons first, at most [`MAX_SHOWN`]. `v` is the person's scope: it decides which
/// of them are named by id (and leaves out rows of unfinished imports).
pub(crate) async fn find(
    c: &impl Conn,
    v: &Visible,
    keys: &[LikelyKey],
    except: Option<i64>,
) -> Result<Vec<Likely>> {
    if keys.is_empty() {
        return Ok(vec![]);
    }
    let mut values: Vec<String> = keys.iter().map(|k| k.value.clone()).collect();
    values.sort();
    values.dedup();
    let held = likely::holders(c, &values, except, MAX_HOLDERS).await?;
    let mut by_customer: BTreeMap<i64, Vec<Why>> = BTreeMap::new();
    for (id, kind, value) in held {
        let Some(theirs) = Reason::parse(&kind) else {
            continue;
        };
        for k in keys
            .iter()
            .filter(|k| k.value == value && k.reason.matches(theirs))
        {
            let why = Why {
                reason: k.reason.as_str(),
                value: k.shown.clone(),
            };
            let list = by_customer.entry(id).or_default();
            if !list.contains(&why) {
                list.push(why);
            }
        }
    }
    let mut ranked: Vec<(i64, Vec<Why>)> = by_customer.into_iter().collect();
    ranked.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(&b.0)));
    let hidden_imports = match v {
        Visible::Hiding { imports, .. } => imports.clone(),
        _ => vec![],
    };
    let everyone = Visible::All.hiding(hidden_imports);
    let mut found = Vec::new();
    for (id, why) in ranked {
        if found.len() == MAX_SHOWN {
            break;
        }
        let Some(cust) = store::get(c, id, &everyone).await? else {
            continue;
        };
        let visible = store::get(c, id, v).await?.is_some();
        found.push((cust, visible, why));
    }
    let owner_ids: Vec<i64> = found.iter().filter_map(|(c, _, _)| c.owner_id).collect();
    let owners = users::by_ids(c, &owner_ids).await?;
    Ok(found
        .into_iter()
        .map(|(cust, visible, why)| Likely {
            id: visible.then_some(cust.id),
            owner_name: cust
                .owner_id
                .and_then(|o| owners.iter().find(|u| u.id == o))
                .map(|u| u.display_name.clone()),
            name: cust.name,
            why,
        })
        .collect())
}

/// For each record of a batch about to be written (its keys), the first existing customer it
/// is a likely duplicate of, by the rules of [`find`] (rows of unfinished imports left out, as
/// `v` says): that customer's name and the reason. One look-up for the whole batch.
pub(crate) async fn first_of_each(
    c: &impl Conn,
    v: &Visible,
    keys: &[Vec<LikelyKey>],
) -> Result<Vec<Option<(String, Reason)>>> {
    let mut values: Vec<String> = keys.iter().flatten().map(|k| k.value.clone()).collect();
    values.sort();
    values.dedup();
    let mut out = vec![None; keys.len()];
    if values.is_empty() {
        return Ok(out);
    }
    let held = likely::holders_of_many(c, &values, 10_000).await?;
    if held.is_empty() {
        return Ok(out);
    }
    let hidden_imports = match v {
        Visible::Hiding { imports, .. } => imports.clone(),
        _ => vec![],
    };
    let everyone = Visible::All.hiding(hidden_imports);
    let mut names: HashMap<i64, Option<String>> = HashMap::new();
    for (i, mine) in keys.iter().enumerate() {
        'held: for (id, kind, value) in &held {
            let Some(theirs) = Reason::parse(kind) else {
                continue;
            };
            let Some(k) = mine
                .iter()
                .find(|k| &k.value == value && k.reason.matches(theirs))
            else {
                continue;
            };
            let name = match names.get(id) {
                Some(n) => n.clone(),
                None => {
                    let n = store::get(c, *id, &everyone).await?.map(|x| x.name);
                    names.insert(*id, n.clone());
                    n
                }
            };
            if let Some(name) = name {
                out[i] = Some((name, k.reason));
                break 'held;
            }
        }
    }
    Ok(out)
}

/// The group a key matches in: a web and an e-mail domain are both the company's domain.
fn group(r: Reason) -> &'static str {
    match r {
        Reason::Web | Reason::Mail => "domain",
        other => other.as_str(),
    }
}

/// What an import remembers between its chunks: the first row of the file holding each key, and
/// the row of each customer it wrote.
#[derive(Default)]
pub(crate) struct ImportSeen {
    first: HashMap<(&'static str, String), i64>,
    row_of: HashMap<i64, u32>,
}

/// One chunk of an import (issue 10, point 5): flags each new customer that shares a key with a
/// customer already there or with an earlier row of the file (one flag per row, its first
/// reason), then stores the chunk's keys. Two statements for the look-up and the keys, whatever
/// the chunk's size, plus one for the flags; run inside the chunk's transaction.
/// `rows[i]` is the file row of `made[i]`, `people[i]` its contacts from the same row. Returns how many rows were flagged.
pub(crate) async fn import_chunk(
    c: &impl Conn,
    import_id: i64,
    made: &[store::Customer],
    people: &[Vec<Contact>],
    rows: &[u32],
    seen: &mut ImportSeen,
) -> Result<usize> {
    let keyed: Vec<(&store::Customer, u32, Vec<LikelyKey>)> = made
        .iter()
        .zip(rows.iter().copied())
        .enumerate()
        .map(|(i, (m, r))| (m, r, keys_of(m, people.get(i).map_or(&[][..], |p| &p[..]))))
        .collect();
    let mut values: Vec<String> = keyed
        .iter()
        .flat_map(|(_, _, ks)| ks.iter().map(|k| k.value.clone()))
        .collect();
    values.sort();
    values.dedup();
    // Customers there before this chunk: the lowest id per key (an older customer before a row
    // of this file).
    let mut before: HashMap<(&'static str, String), i64> = HashMap::new();
    for (kind, value, id) in likely::first_holders(c, &values).await? {
        if let Some(r) = Reason::parse(&kind) {
            let e = before.entry((group(r), value)).or_insert(id);
            *e = (*e).min(id);
        }
    }
    let mut flags = Vec::new();
    let mut new_keys = Vec::new();
    for (m, row, keys) in keyed {
        seen.row_of.insert(m.id, row);
        let hit = keys.iter().find_map(|k| {
            let at = (group(k.reason), k.value.clone());
            before
                .get(&at)
                .or_else(|| seen.first.get(&at))
                .map(|other| (k, *other))
        });
        if let Some((k, other)) = hit {
            flags.push(likely::NewFlag {
                row_no: row as i32,
                customer_id: m.id,
                other_id: other,
                other_row: seen.row_of.get(&other).map(|r| *r as i32),
                kind: k.reason.as_str().to_string(),
                shown: k.shown.chars().take(300).collect(),
            });
        }
        for k in keys {
            seen.first
                .entry((group(k.reason), k.value.clone()))
                .or_insert(m.id);
            new_keys.push((m.id, (k.reason.as_str().to_string(), k.value)));
        }
    }
    let n = flags.len();
    likely::insert(c, new_keys).await?;
    likely::insert_flags(c, import_id, flags).await?;
    Ok(n)
}

/// A flagged row of an import as its result page and the API show it.
#[derive(Debug, Clone, Serialize)]
pub struct ImportLikely {
    pub row: u32,
    /// The customer the row became.
    pub customer_id: i64,
    pub customer_name: String,
    /// The customer it probably is: its id only when the importer may open it.
    pub other_id: Option<i64>,
    pub other_name: String,
    pub other_owner_name: Option<String>,
    /// Its row when it came from the same file.
    pub other_row: Option<u32>,
    pub why: Why,
}

/// One page of an import's likely duplicates, for the person who ran it.
pub async fn of_import(
    app: &crate::App,
    ctx: &crate::Ctx,
    import_id: i64,
    page: salesdesk_store::Page,
) -> Result<salesdesk_store::Paged<ImportLikely>> {
    crate::import::get(app, ctx, import_id).await?;
    let v = crate::customers::visible(app, ctx).await?;
    let r = app.db.read();
    let paged = likely::flags_page(r, import_id, page).await?;
    let mut ids: Vec<i64> = paged
        .items
        .iter()
        .flat_map(|f| [Some(f.customer_id), f.other_id])
        .flatten()
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let names: HashMap<i64, String> = store::names(r, &ids).await?.into_iter().collect();
    let mut owner_of: HashMap<i64, Option<i64>> = HashMap::new();
    let mut seen_by_actor: Vec<i64> = Vec::new();
    for f in &paged.items {
        if let Some(o) = f.other_id
            && !owner_of.contains_key(&o)
            && let Some(cust) = store::get(r, o, &Visible::All).await?
        {
            owner_of.insert(o, cust.owner_id);
            if store::get(r, o, &v).await?.is_some() {
                seen_by_actor.push(o);
            }
        }
    }
    let owner_ids: Vec<i64> = owner_of.values().flatten().copied().collect();
    let owners = users::by_ids(r, &owner_ids).await?;
    let owner_name = |o: i64| -> Option<String> {
        owner_of
            .get(&o)
            .copied()
            .flatten()
            .and_then(|u| owners.iter().find(|x| x.id == u))
            .map(|u| u.display_name.clone())
    };
    Ok(paged.map(|f| {
        let other = f.other_id.unwrap_or_default();
        ImportLikely {
            row: f.row_no.max(0) as u32,
            customer_name: names.get(&f.customer_id).cloned().unwrap_or_default(),
            customer_id: f.customer_id,
            other_id: seen_by_actor.contains(&other).then_some(other),
            other_name: names.get(&other).cloned().unwrap_or_default(),
            other_owner_name: owner_name(other),
            other_row: f.other_row.map(|r| r.max(0) as u32),
            why: Why {
                reason: Reason::parse(&f.kind).map_or("name", Reason::as_str),
                value: f.shown,
            },
        }
    }))
}
