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

use std::collections::BTreeMap;

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
/// Most key holders read for one record (a switchboard number can be shared by many).
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
