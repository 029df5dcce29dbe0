//! Customers (seed S4): create, read, list and change, always within the actor's data scope.
//! Status approval, contacts, contact records, assignment rules and import/export build on this.

use std::sync::Arc;

use salesdesk_domain::customer::{self as rules, CompanySize, CustomerStatus, Uscc};
use salesdesk_domain::{Capability, DataScope, FieldError, FieldErrors, geo, validate};
use salesdesk_store::customers::{self as store, CustomerFields, CustomerFilter, Visible};
use salesdesk_store::{Page, Paged, audit, choices, owner_history, regions, users};
use serde::Serialize;
use serde_json::json;

use crate::{App, AppError, Ctx, Result};

/// A customer as pages and the API show it.
#[derive(Debug, Clone, Serialize)]
pub struct Customer {
    pub id: i64,
    pub name: String,
    pub short_name: Option<String>,
    pub uscc: Option<String>,
    pub website: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub province: Option<String>,
    pub city: Option<String>,
    pub address: Option<String>,
    pub industry: Option<String>,
    pub background: Option<String>,
    /// GB/T 2260 code of the province; absent with a `province` text: legacy text typed before
    /// the national list (likewise for city and industry).
    pub province_code: Option<String>,
    /// GB/T 2260 code of the prefecture-level city.
    pub city_code: Option<String>,
    /// GB/T 4754-2017 section letter.
    pub industry_code: Option<String>,
    pub region_id: Option<i64>,
    pub owner_id: Option<i64>,
    pub owner_name: Option<String>,
    /// Code of the administrator's customer-type list.
    pub type_code: Option<String>,
    /// Code of the administrator's customer-source list.
    pub source_code: Option<String>,
    pub size: Option<CompanySize>,
    pub status: CustomerStatus,
    pub status_changed_at: chrono::DateTime<chrono::Utc>,
    pub last_contact_at: Option<chrono::DateTime<chrono::Utc>>,
    /// The next contact date the latest contact record set (the follow-up list).
    pub next_contact_on: Option<chrono::NaiveDate>,
    /// Since when the customer sits in the public pool (公海), if it does.
    pub pool_since: Option<chrono::DateTime<chrono::Utc>>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    /// Bumped by every change: an edit names the version it read (optimistic concurrency).
    pub version: i32,
    /// Set when migration m0014 found this record to have the duplicate key of an older one
    /// (that one's id): a manager should merge the two.
    pub duplicate_of: Option<i64>,
}

/// What a form or an API call sends. Raw text: parsed here.
#[derive(Debug, Clone, Default)]
pub struct CustomerInput {
    pub name: String,
    pub short_name: String,
    pub uscc: String,
    pub website: String,
    pub email: String,
    pub phone: String,
    pub province: String,
    pub city: String,
    pub address: String,
    pub industry: String,
    pub background: String,
    pub region_id: Option<i64>,
    pub owner_id: Option<i64>,
    pub type_code: String,
    pub source_code: String,
    pub size_code: String,
}

/// The customers this actor may see, as a storage condition: their data scope, without the rows
/// of imports that are not finished (issue 9; none usually, and then no condition is added).
pub async fn visible(app: &App, ctx: &Ctx) -> Result<Visible> {
    visible_in(app, ctx, ctx.actor.data_scope()).await
}

/// As [`visible`], for a scope narrower than the actor's own (an export limited to their own
/// customers: `export_rights`).
pub(crate) async fn visible_in(app: &App, ctx: &Ctx, scope: DataScope) -> Result<Visible> {
    let scope = scope_of(app, ctx, scope).await?;
    if scope == Visible::Nothing {
        return Ok(scope);
    }
    let unfinished = salesdesk_store::imports::unfinished_ids(app.db.read()).await?;
    Ok(scope.hiding(unfinished))
}

pub(crate) async fn scope_of(app: &App, ctx: &Ctx, scope: DataScope) -> Result<Visible> {
    let me = ctx.actor.user_id;
    Ok(match scope {
        DataScope::All => Visible::All,
        DataScope::Nothing => Visible::Nothing,
        DataScope::Own => Visible::Some {
            owners: vec![me],
            regions: vec![],
        },
        // A team's or a region's people change rarely and are asked on every list: from the
        // read cache (a commit here empties it; another process's after `read_cache_ms`).
        DataScope::Team => {
            app.cached(format!("scope:team:{me}"), async {
                let mut owners = vec![me];
                owners.extend(users::team_ids(app.db.read(), me).await?);
                Ok(Visible::Some {
                    owners,
                    regions: vec![],
                })
            })
            .await?
        }
        DataScope::Region(r) => {
            app.cached(format!("scope:region:{r}:{me}"), async {
                let regions = regions::with_branches(app.db.read(), r).await?;
                let mut owners = users::ids_in_regions(app.db.read(), &regions).await?;
                if !owners.contains(&me) {
                    owners.push(me);
                }
                Ok(Visible::Some { owners, regions })
            })
            .await?
        }
    })
}

pub(crate) fn may_see_owner(v: &Visible, owner: i64) -> bool {
    match v.scope() {
        Visible::All => true,
        Visible::Some { owners, .. } => owners.contains(&owner),
        Visible::Nothing | Visible::Hiding { .. } => false,
    }
}

/// Stored customers as shown, with their owners' names (for other use cases' lists).
pub(crate) async fn view_all(app: &App, list: Vec<store::Customer>) -> Result<Vec<Customer>> {
    view(app, list).await
}

async fn view(app: &App, list: Vec<store::Customer>) -> Result<Vec<Customer>> {
    let names = crate::people::display_names(app).await?;
    Ok(list
        .into_iter()
        .map(|c| Customer {
            owner_name: c.owner_id.and_then(|o| names.get(&o).cloned()),
            status: CustomerStatus::parse(&c.status).unwrap_or(CustomerStatus::Lead),
            size: c.size_code.as_deref().and_then(CompanySize::parse),
            type_code: c.type_code,
            source_code: c.source_code,
            next_contact_on: c.next_contact_on,
            pool_since: c.pool_since,
            id: c.id,
            name: c.name,
            short_name: c.short_name,
            uscc: c.uscc,
            website: c.website,
            email: c.email,
            phone: c.phone,
            province: c.province,
            city: c.city,
            address: c.address,
            industry: c.industry,
            background: c.background,
            province_code: c.province_code,
            city_code: c.city_code,
            industry_code: c.industry_code,
            region_id: c.region_id,
            owner_id: c.owner_id,
            status_changed_at: c.status_changed_at,
            last_contact_at: c.last_contact_at,
            created_at: c.created_at,
            updated_at: c.updated_at,
            version: c.version,
            duplicate_of: c.duplicate_of,
        })
        .collect())
}

pub(crate) fn snapshot(c: &store::Customer) -> serde_json::Value {
    json!({
        "name": c.name, "short_name": c.short_name, "uscc": c.uscc, "website": c.website,
        "email": c.email, "phone": c.phone, "province": c.province, "city": c.city,
        "address": c.address, "industry": c.industry, "background": c.background,
        "province_code": c.province_code, "city_code": c.city_code,
        "industry_code": c.industry_code, "region_id": c.region_id, "owner_id": c.owner_id, "status": c.status,
        "type": c.type_code, "source": c.source_code, "size": c.size_code,
    })
}

/// A website: `example.com` or `http(s)://…`, stored with its scheme.
fn optional_website(field: &str, s: &str) -> Result<Option<String>, FieldError> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    let bad = || FieldError::new(field, "error.website");
    if s.len() > 255 || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad());
    }
    let url = if s.starts_with("http://") || s.starts_with("https://") {
        s.to_string()
    } else if s.contains("://") {
        return Err(bad());
    } else {
        format!("https://{s}")
    };
    let host = url
        .split("://")
        .nth(1)
        .unwrap_or("")
        .split(['/', '?', '#'])
        .next()
        .unwrap_or("");
    if !host.contains('.') || host.starts_with('.') || host.ends_with('.') {
        return Err(bad());
    }
    Ok(Some(url))
}

/// Where `parse` looks up the people, regions and list entries a customer refers to: the
/// database inside the use case's transaction, or (for an import of many rows) tables loaded
/// once. The rules are the same either way.
pub(crate) trait Lookup {
    async fn user(&self, id: i64) -> Result<Option<users::User>>;
    async fn region(&self, id: i64) -> Result<Option<regions::Region>>;
    async fn choice(&self, list: &str, code: &str) -> Result<Option<choices::Choice>>;
}

/// [`Lookup`] in the database, on the given connection or transaction.
pub(crate) struct InDb<'a, C>(pub &'a C);

impl<C: salesdesk_store::Conn> Lookup for InDb<'_, C> {
    async fn user(&self, id: i64) -> Result<Option<users::User>> {
        Ok(users::get(self.0, id).await?)
    }
    async fn region(&self, id: i64) -> Result<Option<regions::Region>> {
        Ok(regions::get(self.0, id).await?)
    }
    async fn choice(&self, list: &str, code: &str) -> Result<Option<choices::Choice>> {
        Ok(choices::get(self.0, list, code).await?)
    }
}

/// Parses and checks the fields; returns them with the owner and region resolved.
pub(crate) async fn parse(
    c: &impl Lookup,
    ctx: &Ctx,
    v: &Visible,
    input: &CustomerInput,
    before: Option<&store::Customer>,
) -> Result<CustomerFields> {
    let mut errs = FieldErrors::new();
    let name = errs
        .take(validate::required_text("name", &input.name, MAX_NAME))
        .map(|n| rules::normalize_name(&n));
    let short_name = errs
        .take(validate::optional_text(
            "short_name",
            &input.short_name,
            MAX_SHORT_NAME,
        ))
        .flatten();
    let uscc = match input.uscc.trim() {
        "" => None,
        s => errs.take(Uscc::parse("uscc", s)).map(Uscc::into_string),
    };
    let website = errs
        .take(optional_website("website", &input.website))
        .flatten();
    let email = errs
        .take(validate::optional_email("email", &input.email))
        .flatten();
    let phone = errs
        .take(validate::optional_phone("phone", &input.phone))
        .flatten();
    let place = errs.take(parse_place(input, before));
    let address = errs
        .take(validate::optional_text(
            "address",
            &input.address,
            MAX_ADDRESS,
        ))
        .flatten();
    let industry = errs.take(parse_industry(input, before));
    let background = match input.background.trim() {
        "" => None,
        b if b.chars().count() > MAX_BACKGROUND => {
            errs.push(FieldError::too_long("background", MAX_BACKGROUND));
            None
        }
        b => Some(b.replace('\0', "")),
    };

    // The owner: staff own what they create; managers may give it to someone in their scope.
    let owner_id = match input.owner_id {
        None if matches!(ctx.actor.data_scope(), DataScope::Own) => Some(ctx.actor.user_id),
        None => None,
        Some(o) => match c.user(o).await? {
            Some(u) if u.active && u.position.is_some() && may_see_owner(v, u.id) => {
                if matches!(ctx.actor.data_scope(), DataScope::Own) && u.id != ctx.actor.user_id {
                    errs.push(FieldError::new("owner_id", "error.owner_outside_scope"));
                }
                Some(u.id)
            }
            Some(u) if u.active && u.position.is_some() => {
                errs.push(FieldError::new("owner_id", "error.owner_outside_scope"));
                None
            }
            _ => {
                errs.push(FieldError::new("owner_id", "error.unknown_person"));
                None
            }
        },
    };
    let region_id = match input.region_id {
        Some(r) => match c.region(r).await? {
            Some(reg) if reg.active => Some(reg.id),
            _ => {
                errs.push(FieldError::new("region_id", "error.unknown_region"));
                None
            }
        },
        None => match owner_id {
            // One's own region is known from the session: no look-up.
            Some(o) if o == ctx.actor.user_id => ctx.actor.region_id,
            Some(o) => c.user(o).await?.and_then(|u| u.region_id),
            None => ctx.actor.region_id,
        },
    };
    let type_code = choice(c, &mut errs, "type_code", "type", &input.type_code).await?;
    let source_code = choice(c, &mut errs, "source_code", "source", &input.source_code).await?;
    let size_code = match input.size_code.trim() {
        "" => None,
        s => match CompanySize::parse(s) {
            Some(z) => Some(z.as_str().to_string()),
            None => {
                errs.push(FieldError::new("size_code", "error.invalid_choice"));
                None
            }
        },
    };
    errs.into_result()?;
    let name = name.unwrap_or_default();
    let search = search_text(&name, short_name.as_deref(), &[]);
    let place = place.unwrap_or_default();
    let (industry, industry_code) = industry.unwrap_or_default();
    Ok(CustomerFields {
        province: place.province,
        province_code: place.province_code,
        city: place.city,
        city_code: place.city_code,
        industry_code,
        name_key: rules::match_key(&name),
        search_key: search,
        name,
        short_name,
        uscc,
        website,
        email,
        phone,
        address,
        industry,
        background,
        region_id,
        owner_id,
        type_code,
        source_code,
        size_code,
    })
}

/// The longest name, short name, address and background (characters): the forms state these
/// and set them as the fields' `maxlength`.
pub const MAX_NAME: usize = 100;
pub const MAX_SHORT_NAME: usize = 30;
pub const MAX_ADDRESS: usize = 200;
pub const MAX_BACKGROUND: usize = 5000;

/// Where a customer is, as stored: each text with its GB/T 2260 code, or a legacy text alone.
#[derive(Debug, Default)]
struct PlaceFields {
    province: Option<String>,
    province_code: Option<String>,
    city: Option<String>,
    city_code: Option<String>,
}

/// Whether `typed` is the record's legacy text, sent back unchanged: a form that shows an old
/// free-text value keeps it until someone picks a value from the list.
fn kept_legacy(typed: &str, text: &Option<String>, code: &Option<String>) -> bool {
    code.is_none() && text.as_deref().is_some_and(|t| t == typed.trim())
}

/// Province and city from the national list (codes or exact names, `geo::parse_place`); an
/// existing record's legacy text may stay as it is.
fn parse_place(
    input: &CustomerInput,
    before: Option<&store::Customer>,
) -> std::result::Result<PlaceFields, FieldError> {
    let legacy_p =
        before.is_some_and(|b| kept_legacy(&input.province, &b.province, &b.province_code));
    let legacy_c = before.is_some_and(|b| kept_legacy(&input.city, &b.city, &b.city_code));
    let province_in = if legacy_p {
        ""
    } else {
        input.province.as_str()
    };
    let city_in = if legacy_c { "" } else { input.city.as_str() };
    let (p, c) = geo::parse_place(province_in, city_in).map_err(|mut e| e.0.remove(0))?;
    let mut out = PlaceFields {
        province: p.map(|p| p.name_zh.to_string()),
        province_code: p.map(|p| p.code.to_string()),
        city: c.map(|c| c.name_zh.to_string()),
        city_code: c.map(|c| c.code.to_string()),
    };
    if let Some(b) = before {
        if legacy_p && p.is_none() {
            out.province = b.province.clone();
        }
        if legacy_c && c.is_none() {
            out.city = b.city.clone();
        }
    }
    Ok(out)
}

/// The industry section (text = its Chinese name, code = its letter), or the legacy text kept.
fn parse_industry(
    input: &CustomerInput,
    before: Option<&store::Customer>,
) -> std::result::Result<(Option<String>, Option<String>), FieldError> {
    if let Some(b) = before
        && kept_legacy(&input.industry, &b.industry, &b.industry_code)
    {
        return Ok((b.industry.clone(), None));
    }
    Ok(geo::parse_industry("industry", &input.industry)?
        .map(|i| (Some(i.name_zh.to_string()), Some(i.code.to_string())))
        .unwrap_or_default())
}

/// An optional code of one of the administrator's lists; only active entries may be chosen.
async fn choice(
    c: &impl Lookup,
    errs: &mut FieldErrors,
    field: &str,
    list: &str,
    code: &str,
) -> Result<Option<String>> {
    let code = code.trim();
    if code.is_empty() {
        return Ok(None);
    }
    match c.choice(list, code).await? {
        Some(ch) if ch.active => Ok(Some(ch.code)),
        _ => {
            errs.push(FieldError::new(field, "error.invalid_choice"));
            Ok(None)
        }
    }
}

/// The folded text that substring search runs on: the name, the short name, and each contact's
/// name, mobile and phone (so "王磊" or "13800138000" finds the customer). Pieces are joined with
/// a space, which a folded query never contains, so no match spans two pieces.
pub fn search_text(
    name: &str,
    short: Option<&str>,
    contacts: &[salesdesk_store::contacts::Contact],
) -> String {
    search_text_of(
        name,
        short,
        contacts
            .iter()
            .map(|c| (c.name.as_str(), c.mobile.as_deref(), c.phone.as_deref())),
    )
}

/// As [`search_text`], from each contact's (name, mobile, phone): for a record about to be
/// written with its contacts (the trial intake's new lead).
pub(crate) fn search_text_of<'a>(
    name: &str,
    short: Option<&str>,
    contacts: impl IntoIterator<Item = (&'a str, Option<&'a str>, Option<&'a str>)>,
) -> String {
    let mut parts = vec![rules::search_key(name)];
    parts.extend(short.map(rules::search_key));
    for (n, mobile, phone) in contacts {
        parts.extend(contact_search_parts(n, mobile, phone));
    }
    parts.retain(|p| !p.is_empty());
    parts.join(" ")
}

/// What a contact adds to its customer's search text: the folded name and the digits of the
/// mobile and phone.
pub(crate) fn contact_search_parts(
    name: &str,
    mobile: Option<&str>,
    phone: Option<&str>,
) -> impl Iterator<Item = String> {
    std::iter::once(rules::search_key(name))
        .chain(mobile.map(digits))
        .chain(phone.map(digits))
}

/// A phone number as searched: its digits only.
fn digits(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

/// Recomputes a customer's search text and likely-duplicate keys ([`crate::likely`]) after its
/// contacts changed (or a merge).
pub(crate) async fn refresh_search(c: &impl salesdesk_store::Conn, customer_id: i64) -> Result<()> {
    if let Some(cust) = store::get(c, customer_id, &Visible::All).await? {
        let people = salesdesk_store::contacts::for_customer(c, customer_id).await?;
        let key = search_text(&cust.name, cust.short_name.as_deref(), &people);
        store::set_search_key(c, customer_id, &key).await?;
        let keys = crate::likely::keys_of(&cust, &people);
        salesdesk_store::likely::replace(c, customer_id, &crate::likely::stored(&keys)).await?;
    }
    Ok(())
}

/// Refuses a silent duplicate: same matching key or same USCC as another customer.
async fn check_duplicate(
    app: &App,
    c: &impl salesdesk_store::Conn,
    may_restore: bool,
    v: &Visible,
    f: &CustomerFields,
    except: Option<i64>,
) -> Result<()> {
    if let Some(d) = store::find_duplicate(c, &f.name_key, f.uscc.as_deref(), except).await? {
        let field = if f.uscc.is_some() && d.uscc == f.uscc {
            "uscc"
        } else {
            "name"
        };
        let owner_name = match d.owner_id {
            Some(o) => users::get(app.db.read(), o).await?.map(|u| u.display_name),
            None => None,
        };
        // An archived record still holds its key: whoever may restore it is led there.
        let archived = d.archived_at.is_some();
        let existing_id = if archived {
            match may_restore {
                true => store::get_any(c, d.id, v).await?.map(|x| x.id),
                false => None,
            }
        } else {
            store::get(c, d.id, v).await?.map(|x| x.id)
        };
        return Err(AppError::Duplicate {
            field,
            owner_name,
            existing_id,
            archived,
        });
    }
    Ok(())
}

/// Creates a customer as a new lead (线索), whatever likely duplicates it has (the caller has
/// shown them, or has none to show: the demo, tests).
pub async fn create(app: &App, ctx: &Ctx, input: &CustomerInput) -> Result<Customer> {
    create_checked(app, ctx, input, true).await
}

/// Creates a customer as a new lead (线索) as a person asks: unless they said it is another
/// company (`distinct`), a record that shares a key with existing customers (the same name with
/// the place moved, phone, web domain or e-mail domain; [`crate::likely`]) is not saved and
/// [`AppError::LikelyDuplicates`] lists them. An exact duplicate is refused first, as always.
pub async fn create_checked(
    app: &App,
    ctx: &Ctx,
    input: &CustomerInput,
    distinct: bool,
) -> Result<Customer> {
    // The scope without the probe for unfinished imports: a create reads no customer unless it
    // is refused, and a refusal asks for the full condition (`visible`) before naming any.
    let scope = scope_of(app, ctx, ctx.actor.data_scope()).await?;
    if scope == Visible::Nothing {
        return Err(AppError::Forbidden);
    }
    let tx = app.db.begin().await?;
    let mut fields = parse(&InDb(&tx), ctx, &scope, input, None).await?;
    let keys = crate::likely::keys_of_fields(&fields);
    if !distinct
        && !crate::likely::find(&tx, &scope, &keys, None)
            .await?
            .is_empty()
    {
        // Asked again with the full condition, which leaves out the rows of unfinished
        // imports; an exact duplicate is told first, as always (it is also a likely one).
        let v = visible(app, ctx).await?;
        let found = crate::likely::find(&tx, &v, &keys, None).await?;
        if !found.is_empty() {
            check_duplicate(app, &tx, ctx.actor.may_restore(), &v, &fields, None).await?;
            return Err(AppError::LikelyDuplicates(found));
        }
    }
    // Without an owner, the region's rule (S4.5) may give it to one of its account managers.
    let mut reason = "create";
    if let (None, Some(region)) = (fields.owner_id, fields.region_id)
        && let Some(o) =
            crate::assignment::pick_owner(&tx, region, crate::records::today(app)).await?
    {
        fields.owner_id = Some(o);
        reason = "assign";
    }
    // An exact duplicate (same key or USCC) is refused by the unique indexes, not by a read
    // before the write (issue 11: one statement less per create, and no race to lose): the
    // refusal is then explained by the same read the check used to make (`refused`).
    let created = match store::insert(
        &tx,
        fields.clone(),
        CustomerStatus::Lead.as_str(),
        ctx.actor_id(),
    )
    .await
    {
        Ok(c) => c,
        Err(e) => {
            drop(tx);
            let v = visible(app, ctx).await?;
            return Err(refused(app, ctx.actor.may_restore(), &v, &fields, None, e).await);
        }
    };
    let stored = crate::likely::stored(&keys);
    salesdesk_store::likely::insert(&tx, stored.into_iter().map(|k| (created.id, k)).collect())
        .await?;
    if let Some(owner) = created.owner_id {
        owner_history::insert(&tx, created.id, None, Some(owner), reason, ctx.actor_id()).await?;
        if reason == "assign" && owner != ctx.actor.user_id {
            salesdesk_store::notifications::insert(
                &tx,
                owner,
                "customers_assigned",
                json!({"count": 1, "by": ctx.display_name}),
                Some(format!("/customers/{}", created.id)),
            )
            .await?;
        }
    }
    audit::insert(
        &tx,
        ctx.audit(
            "customer.create",
            "customer",
            Some(created.id),
            None,
            Some(snapshot(&created)),
        ),
    )
    .await?;
    app.db.commit_records(tx).await?;
    Ok(view(app, vec![created]).await?.remove(0))
}

/// One customer; "not found" when outside the actor's scope.
pub async fn get(app: &App, ctx: &Ctx, id: i64) -> Result<Customer> {
    let v = visible(app, ctx).await?;
    let c = store::get(app.db.read(), id, &v)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(view(app, vec![c]).await?.remove(0))
}

/// A write the duplicate-key or USCC index refused — a create or rename that lost a race to a
/// concurrent one: the same answer as [`check_duplicate`] gives, read again now that the winner
/// has committed. Any other error passes through.
async fn refused(
    app: &App,
    may_restore: bool,
    v: &Visible,
    f: &CustomerFields,
    except: Option<i64>,
    e: salesdesk_store::StoreError,
) -> AppError {
    use salesdesk_store::Violation;
    if matches!(
        e.violation(),
        Some(Violation::CustomerNameKey | Violation::CustomerUscc)
    ) && let Err(dup) = check_duplicate(app, app.db.read(), may_restore, v, f, except).await
    {
        return dup;
    }
    e.into()
}

/// The editable fields of a stored customer, by the names the API and the form use.
fn editable(c: &store::Customer) -> [(&'static str, serde_json::Value); 16] {
    [
        ("name", json!(c.name)),
        ("short_name", json!(c.short_name)),
        ("uscc", json!(c.uscc)),
        ("website", json!(c.website)),
        ("email", json!(c.email)),
        ("phone", json!(c.phone)),
        ("province", json!(c.province)),
        ("city", json!(c.city)),
        ("address", json!(c.address)),
        ("industry", json!(c.industry)),
        ("background", json!(c.background)),
        ("region_id", json!(c.region_id)),
        ("owner_id", json!(c.owner_id)),
        ("type_code", json!(c.type_code)),
        ("source_code", json!(c.source_code)),
        ("size_code", json!(c.size_code)),
    ]
}

/// The 409 of a write based on an old version: every editable field whose current value is not
/// the value the writer would store, with the current value, so that nothing is overwritten
/// unseen and the writer can merge.
fn stale(now: &store::Customer, mine: &store::Customer) -> AppError {
    let changed = editable(now)
        .into_iter()
        .zip(editable(mine))
        .filter(|((_, a), (_, b))| a != b)
        .map(|((field, value), _)| (field.to_string(), value))
        .collect();
    AppError::Stale {
        version: now.version,
        changed,
    }
}

/// Changes a customer's record, if it is still at the `version` the writer read (when given;
/// otherwise at the version read here). Its region and owner are a manager's decision (S4.5):
/// anyone else who tries to change either is refused with 403 naming the field. The status
/// changes only through an approved request, never here.
pub async fn update(
    app: &App,
    ctx: &Ctx,
    id: i64,
    input: &CustomerInput,
    version: Option<i32>,
) -> Result<Customer> {
    let v = visible(app, ctx).await?;
    let tx = app.db.begin().await?;
    let before = store::get(&tx, id, &v).await?.ok_or(AppError::NotFound)?;
    let refused_fields = ctx.actor.refused_placement(
        input.region_id != before.region_id,
        input.owner_id != before.owner_id,
    );
    if !refused_fields.is_empty() {
        return Err(AppError::ForbiddenFields(FieldErrors(
            refused_fields
                .into_iter()
                .map(|f| {
                    let code = if f == "region_id" {
                        "error.region_managers_only"
                    } else {
                        "error.owner_managers_only"
                    };
                    FieldError::new(f, code)
                })
                .collect(),
        )));
    }
    let mut fields = parse(&InDb(&tx), ctx, &v, input, Some(&before)).await?;
    let people = salesdesk_store::contacts::for_customer(&tx, id).await?;
    fields.search_key = search_text(&fields.name, fields.short_name.as_deref(), &people);
    let mine = |f: &CustomerFields| store::Customer {
        name: f.name.clone(),
        short_name: f.short_name.clone(),
        uscc: f.uscc.clone(),
        website: f.website.clone(),
        email: f.email.clone(),
        phone: f.phone.clone(),
        province: f.province.clone(),
        city: f.city.clone(),
        address: f.address.clone(),
        industry: f.industry.clone(),
        background: f.background.clone(),
        region_id: f.region_id,
        owner_id: f.owner_id,
        type_code: f.type_code.clone(),
        source_code: f.source_code.clone(),
        size_code: f.size_code.clone(),
        ..before.clone()
    };
    if version.is_some_and(|read| read != before.version) {
        return Err(stale(&before, &mine(&fields)));
    }
    check_duplicate(app, &tx, ctx.actor.may_restore(), &v, &fields, Some(id)).await?;
    let after = match store::update(&tx, id, fields.clone(), Some(before.version)).await {
        Ok(Some(c)) => c,
        // Written by someone else between the read above and this write.
        Ok(None) => {
            drop(tx);
            let now = store::get(app.db.read(), id, &v)
                .await?
                .ok_or(AppError::NotFound)?;
            return Err(stale(&now, &mine(&fields)));
        }
        Err(e) => {
            drop(tx);
            return Err(refused(app, ctx.actor.may_restore(), &v, &fields, Some(id), e).await);
        }
    };
    salesdesk_store::likely::replace(
        &tx,
        id,
        &crate::likely::stored(&crate::likely::keys_of(&after, &people)),
    )
    .await?;
    if after.owner_id != before.owner_id {
        owner_history::insert(
            &tx,
            id,
            before.owner_id,
            after.owner_id,
            "reassign",
            ctx.actor_id(),
        )
        .await?;
    }
    audit::insert(
        &tx,
        ctx.audit(
            "customer.update",
            "customer",
            Some(id),
            Some(snapshot(&before)),
            Some(snapshot(&after)),
        ),
    )
    .await?;
    app.db.commit(tx).await?;
    Ok(view(app, vec![after]).await?.remove(0))
}

/// The input that reproduces a customer as it is (to pre-fill a form or merge a patch).
pub fn input_of(c: &Customer) -> CustomerInput {
    let s = |v: &Option<String>| v.clone().unwrap_or_default();
    CustomerInput {
        name: c.name.clone(),
        short_name: s(&c.short_name),
        uscc: s(&c.uscc),
        website: s(&c.website),
        email: s(&c.email),
        phone: s(&c.phone),
        province: s(&c.province),
        city: s(&c.city),
        address: s(&c.address),
        industry: s(&c.industry),
        background: s(&c.background),
        region_id: c.region_id,
        owner_id: c.owner_id,
        type_code: s(&c.type_code),
        source_code: s(&c.source_code),
        size_code: c.size.map(|z| z.as_str().to_string()).unwrap_or_default(),
    }
}

/// Filter of the customer list, as typed. Every field is optional; empty text means "any".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct CustomerQuery {
    pub q: Option<String>,
    pub status: Option<String>,
    pub region_id: Option<i64>,
    pub owner_id: Option<i64>,
    pub type_code: Option<String>,
    pub source_code: Option<String>,
    pub size_code: Option<String>,
    pub industry: Option<String>,
    pub province: Option<String>,
    /// Only records lacking a required item (S4.1 completeness).
    pub incomplete: Option<bool>,
    /// Only customers nobody has contacted for this many days (never contacted included).
    pub no_contact_days: Option<u32>,
    /// Only customers contacted within this many days.
    pub contacted_days: Option<u32>,
    /// Only customers due for regular review (定期整理): status unchanged or no contact for
    /// the number of days the settings give their status.
    pub review: Option<bool>,
    /// Only customers created on or after this day (the company's calendar): "new this week".
    pub created_from: Option<chrono::NaiveDate>,
    /// Only customers whose next contact is [`FOLLOWUPS`]`[0]` (`overdue`: planned before today)
    /// or `[1]` (`today`).
    pub followup: Option<String>,
    /// Only customers without an owner (those in the public pool).
    pub no_owner: Option<bool>,
    /// Only customers with a status request by this person waiting for a decision.
    pub requested_by: Option<i64>,
    /// `updated` (default), `name`, `created`, `last_contact`, `next_contact`, `status_changed`.
    pub sort: Option<String>,
    /// `asc` or `desc` (default: `desc`, but `asc` for name and next contact).
    pub dir: Option<String>,
}

/// The list's follow-up filter codes.
pub const FOLLOWUPS: [&str; 2] = ["overdue", "today"];

/// The list's sort codes.
pub const SORTS: [&str; 6] = [
    "updated",
    "name",
    "created",
    "last_contact",
    "next_contact",
    "status_changed",
];

fn profile_column(item: rules::ProfileItem) -> store::Missing {
    use rules::ProfileItem as P;
    use salesdesk_store::entity::customers::Column as C;
    store::Missing::Column(match item {
        P::ShortName => C::ShortName,
        P::Uscc => C::Uscc,
        P::Website => C::Website,
        P::Email => C::Email,
        P::Phone => C::Phone,
        P::Province => C::Province,
        P::City => C::City,
        P::Address => C::Address,
        P::Industry => C::Industry,
        P::Size => C::SizeCode,
        P::Type => C::TypeCode,
        P::Source => C::SourceCode,
        P::Background => C::Background,
        P::Region => C::RegionId,
        P::Owner => C::OwnerId,
        P::Contact => return store::Missing::Contact,
    })
}

/// Turns what was typed into the storage filter, naming any value that cannot be one (the
/// list and the export share it).
pub(crate) async fn filter_of(app: &App, q: &CustomerQuery) -> Result<CustomerFilter> {
    let mut errs = FieldErrors::new();
    let text = |v: &Option<String>| {
        v.as_deref()
            .map(validate::search_text)
            .filter(|s| !s.is_empty())
    };
    let status = match q.status.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => match CustomerStatus::parse(s) {
            Some(st) => Some(st.as_str().to_string()),
            None => {
                errs.push(FieldError::new("status", "error.invalid_choice"));
                None
            }
        },
        None => None,
    };
    let size_code = match text(&q.size_code) {
        Some(z) if CompanySize::parse(&z).is_none() => {
            errs.push(FieldError::new("size_code", "error.invalid_choice"));
            None
        }
        z => z,
    };
    let sort = match q.sort.as_deref().unwrap_or("updated") {
        "" | "updated" => store::Sort::Updated,
        "name" => store::Sort::Name,
        "created" => store::Sort::Created,
        "last_contact" => store::Sort::LastContact,
        "next_contact" => store::Sort::NextContact,
        "status_changed" => store::Sort::StatusChanged,
        _ => {
            errs.push(FieldError::new("sort", "error.invalid_choice"));
            store::Sort::Updated
        }
    };
    let descending = match q.dir.as_deref() {
        None | Some("") => !matches!(sort, store::Sort::Name | store::Sort::NextContact),
        Some("desc") => true,
        Some("asc") => false,
        Some(_) => {
            errs.push(FieldError::new("dir", "error.invalid_choice"));
            true
        }
    };
    let followup = match q.followup.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(f) if FOLLOWUPS.contains(&f) => Some(f == "overdue"),
        Some(_) => {
            errs.push(FieldError::new("followup", "error.invalid_choice"));
            None
        }
    };
    for (field, days) in [
        ("no_contact_days", q.no_contact_days),
        ("contacted_days", q.contacted_days),
    ] {
        if days.is_some_and(|d| d == 0 || d > 3650) {
            errs.push(FieldError::new(field, "error.days_range"));
        }
    }
    errs.into_result()?;
    let region_ids = match q.region_id {
        Some(r) => Some(regions::with_branches(app.db.read(), r).await?),
        None => None,
    };
    let incomplete = if q.incomplete == Some(true) {
        let settings = crate::settings::get(app).await?;
        Some(
            settings
                .required_items
                .iter()
                .map(|i| profile_column(*i))
                .collect(),
        )
    } else {
        None
    };
    let days_ago = |d: u32| chrono::Utc::now() - chrono::Duration::days(i64::from(d));
    let review = if q.review == Some(true) {
        let settings = crate::settings::get(app).await?;
        Some(
            settings
                .review_days
                .iter()
                .map(|(st, d)| (st.as_str().to_string(), days_ago(*d)))
                .collect(),
        )
    } else {
        None
    };
    let today = crate::dashboard::today(app);
    Ok(CustomerFilter {
        created_since: q.created_from.map(|d| crate::dashboard::start_of(app, d)),
        next_contact_before: followup.filter(|o| *o).map(|_| today),
        next_contact_on: followup.filter(|o| !*o).map(|_| today),
        unowned: q.no_owner == Some(true),
        pending_request_by: q.requested_by,
        q: text(&q.q).map(|s| rules::search_key(&s)),
        status,
        region_ids,
        owner_id: q.owner_id,
        type_code: text(&q.type_code),
        source_code: text(&q.source_code),
        size_code,
        // A code or any name of a list entry finds the records that hold it (their text is the
        // entry's Chinese name); other text matches legacy text exactly.
        industry: text(&q.industry).map(|i| match geo::industry(&i) {
            Some(x) => x.name_zh.to_string(),
            None => i,
        }),
        province: text(&q.province).map(|p| match geo::province(&p) {
            Some(x) => x.name_zh.to_string(),
            None => p,
        }),
        incomplete,
        no_contact_since: q.no_contact_days.map(days_ago),
        contacted_since: q.contacted_days.map(days_ago),
        in_pool: None,
        review,
        sort,
        descending,
    })
}

/// The customers the actor may see, filtered and paginated. Substring search works on Chinese
/// text ("华为" finds "华为技术有限公司") through the folded search key.
pub async fn list(
    app: &App,
    ctx: &Ctx,
    q: &CustomerQuery,
    page: Page,
) -> Result<Arc<Paged<Customer>>> {
    let v = visible(app, ctx).await?;
    let filter = filter_of(app, q).await?;
    // The capped count of a full page without a search is kept like other hot reads (issue 11:
    // the second page, and the same list asked again, cost one statement less): any write of
    // this process makes it stale, another process's after `read_cache_ms`.
    let count_key = filter
        .q
        .as_deref()
        .is_none_or(str::is_empty)
        .then(|| format!("count:{v:?}:{filter:?}"));
    let generation = app.db.generation();
    let known = count_key
        .as_deref()
        .and_then(|k| app.cache_get::<u64>(k, generation));
    let (paged, counted) = store::list_known(app.db.read(), &v, &filter, page, known).await?;
    if let (Some(key), Some(n)) = (count_key, counted) {
        app.cache_put(key, generation, n);
    }
    let items = view(app, paged.items).await?;
    Ok(Arc::new(Paged {
        items,
        total: paged.total,
        total_exact: paged.total_exact,
        page: paged.page,
    }))
}

/// People the actor may make a customer's owner: nobody for staff (they own what they create),
/// otherwise the active salespeople within the actor's scope. (id, name) pairs.
pub async fn owner_choices(app: &App, ctx: &Ctx) -> Result<Vec<(i64, String)>> {
    if matches!(ctx.actor.data_scope(), DataScope::Own | DataScope::Nothing) {
        return Ok(vec![]);
    }
    let codes: Vec<&str> = salesdesk_domain::Position::ALL
        .iter()
        .map(|p| p.as_str())
        .collect();
    let all = app
        .cached_arc("active_salespeople".into(), async {
            Ok(users::active_with_positions(app.db.read(), &codes).await?)
        })
        .await?;
    // Whom the actor may give customers to is a matter of scope alone (no import to hide).
    let v = scope_of(app, ctx, ctx.actor.data_scope()).await?;
    Ok(all
        .iter()
        .filter(|u| may_see_owner(&v, u.id))
        .map(|u| (u.id, u.display_name.clone()))
        .collect())
}

/// Gives one or many customers to another account manager (S4.5): a manager's act, within the
/// manager's scope both for the customers and for the new owner. All or nothing: if one customer
/// is out of scope, none moves. Each move is in the owner history and the audit log, and the new
/// owner is notified once.
pub async fn reassign(app: &App, ctx: &Ctx, ids: &[i64], to_owner: i64) -> Result<u64> {
    if !ctx.actor.can(Capability::ManageCustomers) {
        return Err(AppError::Forbidden);
    }
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Err(AppError::field("ids", "error.required"));
    }
    if ids.len() > 1000 {
        return Err(AppError::field("ids", "error.too_many"));
    }
    let v = visible(app, ctx).await?;
    let tx = app.db.begin().await?;
    match users::get(&tx, to_owner).await? {
        Some(u) if u.active && u.position.is_some() && may_see_owner(&v, u.id) => {}
        Some(u) if u.active && u.position.is_some() => {
            return Err(AppError::field("owner_id", "error.owner_outside_scope"));
        }
        _ => return Err(AppError::field("owner_id", "error.unknown_person")),
    }
    let mut moved = 0u64;
    for id in &ids {
        // Locked in id order (the list is sorted): the owner read is the one replaced.
        store::lock(&tx, *id).await?;
        let before = store::get(&tx, *id, &v).await?.ok_or(AppError::NotFound)?;
        if before.owner_id == Some(to_owner) {
            continue;
        }
        store::set_owner(&tx, *id, Some(to_owner)).await?;
        owner_history::insert(
            &tx,
            *id,
            before.owner_id,
            Some(to_owner),
            "reassign",
            ctx.actor_id(),
        )
        .await?;
        audit::insert(
            &tx,
            ctx.audit(
                "customer.reassign",
                "customer",
                Some(*id),
                Some(json!({"owner_id": before.owner_id})),
                Some(json!({"owner_id": to_owner})),
            ),
        )
        .await?;
        moved += 1;
    }
    if moved > 0 && to_owner != ctx.actor.user_id {
        salesdesk_store::notifications::insert(
            &tx,
            to_owner,
            "customers_assigned",
            json!({"count": moved, "by": ctx.display_name}),
            Some(format!("/customers?owner_id={to_owner}")),
        )
        .await?;
    }
    app.db.commit(tx).await?;
    Ok(moved)
}

/// A customer's owner changes, latest first, with names.
#[derive(Debug, Clone, Serialize)]
pub struct OwnerChange {
    pub from_name: Option<String>,
    pub to_name: Option<String>,
    pub reason: String,
    pub by_name: Option<String>,
    pub at: chrono::DateTime<chrono::Utc>,
    /// A release's reason code (list `release_reason`), a merge's merged-away name (m0024).
    pub note: Option<String>,
}

pub async fn owner_history(app: &App, ctx: &Ctx, id: i64) -> Result<Vec<OwnerChange>> {
    let v = visible(app, ctx).await?;
    let r = app.db.read();
    store::get(r, id, &v).await?.ok_or(AppError::NotFound)?;
    let rows = owner_history::for_customer(r, id).await?;
    let mut ids: Vec<i64> = rows
        .iter()
        .flat_map(|h| [h.from_owner_id, h.to_owner_id, h.changed_by])
        .flatten()
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let people = users::by_ids(r, &ids).await?;
    let name = |id: Option<i64>| {
        id.and_then(|i| people.iter().find(|u| u.id == i))
            .map(|u| u.display_name.clone())
    };
    Ok(rows
        .into_iter()
        .map(|h| OwnerChange {
            from_name: name(h.from_owner_id),
            to_name: name(h.to_owner_id),
            by_name: name(h.changed_by),
            reason: h.reason,
            at: h.changed_at,
            note: h.note,
        })
        .collect())
}

/// How complete a record is against the required items of the settings (S4.1).
pub fn completeness(
    c: &Customer,
    has_contact: bool,
    required: &[rules::ProfileItem],
) -> rules::Completeness {
    use rules::ProfileItem as P;
    rules::completeness(required, |item| match item {
        P::ShortName => c.short_name.is_some(),
        P::Uscc => c.uscc.is_some(),
        P::Website => c.website.is_some(),
        P::Email => c.email.is_some(),
        P::Phone => c.phone.is_some(),
        P::Province => c.province.is_some(),
        P::City => c.city.is_some(),
        P::Address => c.address.is_some(),
        P::Industry => c.industry.is_some(),
        P::Size => c.size.is_some(),
        P::Type => c.type_code.is_some(),
        P::Source => c.source_code.is_some(),
        P::Background => c.background.is_some(),
        P::Region => c.region_id.is_some(),
        P::Owner => c.owner_id.is_some(),
        P::Contact => has_contact,
    })
}

/// Customers the caller can see that are probably the same company as `name` without being an
/// exact duplicate (those are refused): the same name with the place moved or bracketed
/// (`星河数据科技（上海）有限公司` / `上海星河数据科技有限公司`, [`rules::likely_key`]). Found
/// through the name search (its trigram index), at most five; `except` leaves one record out.
pub async fn likely_duplicates(
    app: &App,
    ctx: &Ctx,
    name: &str,
    except: Option<i64>,
) -> Result<Vec<Customer>> {
    let key = rules::likely_key(name);
    if key.chars().count() < 2 {
        return Ok(vec![]);
    }
    let query = CustomerQuery {
        q: Some(key.clone()),
        ..Default::default()
    };
    let found = list(app, ctx, &query, Page::new(Some(1), Some(50))).await?;
    Ok(found
        .items
        .iter()
        .filter(|c| Some(c.id) != except && rules::likely_key(&c.name) == key)
        .take(5)
        .cloned()
        .collect())
}

/// Merges two records of one company (S4.1): `duplicate` disappears into `keep`, which keeps its
/// own values and takes the duplicate's where it has none; every contact, contact record,
/// status request and owner change moves over. A manager's act, on two customers in their
/// scope. Refused while the duplicate has a pending status request (decide it first).
pub async fn merge(app: &App, ctx: &Ctx, keep: i64, duplicate: i64) -> Result<Customer> {
    if !ctx.actor.can(Capability::ManageCustomers) {
        return Err(AppError::Forbidden);
    }
    if keep == duplicate {
        return Err(AppError::field("duplicate_id", "error.merge_self"));
    }
    let v = visible(app, ctx).await?;
    let tx = app.db.begin().await?;
    // Both rows locked, in id order (two merges of the same pair cannot deadlock), before
    // anything is read: a status request or contact added meanwhile waits for the merge.
    for id in [keep.min(duplicate), keep.max(duplicate)] {
        store::lock(&tx, id).await?;
    }
    let k = store::get(&tx, keep, &v).await?.ok_or(AppError::NotFound)?;
    let d = store::get(&tx, duplicate, &v)
        .await?
        .ok_or(AppError::NotFound)?;
    use salesdesk_store::status_requests as sr;
    // The duplicate's pending request was made against its own status; moved over it could
    // change the kept record wrongly. It is decided first.
    if sr::pending_for(&tx, duplicate).await?.is_some() {
        return Err(AppError::conflict("duplicate_id", "error.merge_pending"));
    }
    let or = |a: &Option<String>, b: &Option<String>| a.clone().or_else(|| b.clone());
    let pair =
        |a: &Option<String>, ac: &Option<String>, b: &Option<String>, bc: &Option<String>| {
            if a.is_some() {
                (a.clone(), ac.clone())
            } else {
                (b.clone(), bc.clone())
            }
        };
    let fields = CustomerFields {
        name: k.name.clone(),
        name_key: k.name_key.clone(),
        search_key: k.search_key.clone(),
        short_name: or(&k.short_name, &d.short_name),
        uscc: or(&k.uscc, &d.uscc),
        website: or(&k.website, &d.website),
        email: or(&k.email, &d.email),
        phone: or(&k.phone, &d.phone),
        // A place and an industry come with their codes, from one record or the other.
        province: pair(&k.province, &k.province_code, &d.province, &d.province_code).0,
        province_code: pair(&k.province, &k.province_code, &d.province, &d.province_code).1,
        city: pair(&k.city, &k.city_code, &d.city, &d.city_code).0,
        city_code: pair(&k.city, &k.city_code, &d.city, &d.city_code).1,
        address: or(&k.address, &d.address),
        industry: pair(&k.industry, &k.industry_code, &d.industry, &d.industry_code).0,
        industry_code: pair(&k.industry, &k.industry_code, &d.industry, &d.industry_code).1,
        background: match (&k.background, &d.background) {
            (Some(a), Some(b)) if a != b => Some(format!("{a}\n\n{b}")),
            (a, b) => or(a, b),
        },
        region_id: k.region_id.or(d.region_id),
        owner_id: k.owner_id.or(d.owner_id),
        type_code: or(&k.type_code, &d.type_code),
        source_code: or(&k.source_code, &d.source_code),
        size_code: or(&k.size_code, &d.size_code),
    };
    store::merge_into(&tx, keep, duplicate).await?;
    let owner_taken = k.owner_id.is_none() && d.owner_id.is_some();
    store::update(&tx, keep, fields, None)
        .await?
        .ok_or(AppError::NotFound)?;
    refresh_search(&tx, keep).await?;
    salesdesk_store::contact_records::refresh_customer(&tx, keep).await?;
    // One line says what this record absorbed (the duplicate's creation line is gone), with
    // the owner it has now: the duplicate's when this one had none.
    owner_history::insert_with_note(
        &tx,
        keep,
        if owner_taken { None } else { k.owner_id },
        if owner_taken { d.owner_id } else { k.owner_id },
        "merge",
        ctx.actor_id(),
        Some(d.name.chars().take(200).collect()),
    )
    .await?;
    // The duplicate's account manager learns where their customer went (unless they merged it).
    if let Some(o) = d.owner_id.filter(|o| *o != ctx.actor.user_id) {
        salesdesk_store::notifications::insert(
            &tx,
            o,
            "customer_merged",
            json!({"name": d.name, "into": k.name, "by": ctx.display_name}),
            Some(format!("/customers/{keep}")),
        )
        .await?;
    }
    let after = store::get(&tx, keep, &Visible::All)
        .await?
        .ok_or(AppError::NotFound)?;
    audit::insert(
        &tx,
        ctx.audit(
            "customer.merge",
            "customer",
            Some(keep),
            Some(json!({"kept": snapshot(&k), "merged": snapshot(&d), "merged_id": duplicate})),
            Some(snapshot(&after)),
        ),
    )
    .await?;
    app.db.commit(tx).await?;
    Ok(view(app, vec![after]).await?.remove(0))
}
