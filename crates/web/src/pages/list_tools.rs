//! What the customers, deals, contracts and receivables lists share beside their own filters
//! (issue 13 point 7): the person's saved filters of the list, the form that saves the current
//! one, and the CSV/XLSX export links with the export right's note. A list page builds a
//! [`ListTools`] with [`ListTools::load`] and includes `list_tools.html`; its filter implements
//! [`ListFilter`], and [`routes`] gives it the saving, deleting and download routes.

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use salesdesk_app::export::{Export, Format, Rows};
use salesdesk_app::saved_filters::{self, ListKind};
use salesdesk_app::{App, AppError, Ctx};
use salesdesk_domain::DataScope;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::AppState;
use crate::auth::PageUser;
use crate::error::{PageForm, PagePath, PageQuery, page_error};
use crate::i18n::{Lang, Tr};
use crate::view::FormErrors;

/// A list's filter as a page or the API reads it, and how the export of what the list shows
/// with it opens.
pub(crate) trait Exportable: Send + Sync + 'static {
    const KIND: ListKind;
    /// The export's rows.
    type Rows: Rows;

    /// The export, headed by `tr` (the reader's translations).
    fn export(
        &self,
        app: &App,
        ctx: &Ctx,
        tr: &(dyn Fn(&str) -> String + Sync),
    ) -> impl Future<Output = Result<Export<Self::Rows>, AppError>> + Send;
}

/// What a list page tells the shared tools beside its export: its filter's canonical query
/// string and how it renders itself.
pub(crate) trait ListFilter: Exportable + DeserializeOwned + Default {
    /// The canonical query string of the filter (no page): for links, paging and saving.
    fn encoded(&self) -> String;

    /// The list page showing this filter, with the save form's errors.
    fn page(
        self,
        s: &AppState,
        u: &PageUser,
        errors: FormErrors,
    ) -> impl Future<Output = Response> + Send;
}

/// The routes every list has: `/{list}/filters` (save), `/{list}/filters/{id}/delete` and
/// `/{list}/export.csv|xlsx`.
pub(crate) fn routes<F: ListFilter>() -> Router<AppState> {
    let path = F::KIND.as_str();
    Router::new()
        .route(&format!("/{path}/filters"), post(save_filter::<F>))
        .route(
            &format!("/{path}/filters/{{id}}/delete"),
            post(delete_filter::<F>),
        )
        .route(
            &format!("/{path}/export.csv"),
            get(|s: State<AppState>, u: PageUser, q: PageQuery<F>| {
                download::<F>(s, u, q, Format::Csv)
            }),
        )
        .route(
            &format!("/{path}/export.xlsx"),
            get(|s: State<AppState>, u: PageUser, q: PageQuery<F>| {
                download::<F>(s, u, q, Format::Xlsx)
            }),
        )
}

/// A saved filter as a chip above the list.
pub(crate) struct Saved {
    pub id: i64,
    pub name: String,
    pub href: String,
    /// The list shows this filter now.
    pub current: bool,
}

/// The saved filters, the save form and the export links of one list page.
pub(crate) struct ListTools {
    /// The list's path without its slash: `contracts`.
    pub path: &'static str,
    pub saved: Vec<Saved>,
    /// The current filter, canonical, without `?` (the save form's hidden field).
    pub query: String,
    /// The current filter as `?…` (or nothing) for the export links.
    pub export_query: String,
    /// Whether the export links are shown (the `export_rights` setting), and what the export
    /// holds or why there is none.
    pub may_export: bool,
    pub export_note: Option<String>,
    pub save_errors: FormErrors,
}

impl ListTools {
    /// The tools of list `kind` showing the canonical filter `encoded`.
    pub(crate) async fn load(
        s: &AppState,
        u: &PageUser,
        kind: ListKind,
        encoded: &str,
        save_errors: FormErrors,
    ) -> Result<ListTools, AppError> {
        let saved = saved_filters::list(&s.app, &u.ctx, kind).await?;
        let scope = salesdesk_app::export_rights::scope(&s.app, &u.ctx).await?;
        let path = kind.as_str();
        Ok(ListTools {
            path,
            saved: saved
                .into_iter()
                .map(|x| Saved {
                    current: x.query == encoded,
                    href: if x.query.is_empty() {
                        format!("/{path}")
                    } else {
                        format!("/{path}?{}", x.query)
                    },
                    id: x.id,
                    name: x.name,
                })
                .collect(),
            query: encoded.to_string(),
            export_query: if encoded.is_empty() {
                String::new()
            } else {
                format!("?{encoded}")
            },
            may_export: scope.is_ok(),
            export_note: export_note(Tr(u.lang), &u.ctx.actor, scope),
            save_errors,
        })
    }
}

/// Beside the export links: why there are none, or that they hold only the reader's own
/// records when the reader sees more; nothing when the export holds what the list shows.
fn export_note(
    tr: Tr,
    actor: &salesdesk_domain::Actor,
    scope: Result<DataScope, &'static str>,
) -> Option<String> {
    match scope {
        Err(code) => Some(tr.t(code).to_string()),
        Ok(DataScope::Own) if actor.data_scope() != DataScope::Own => {
            Some(tr.t("export.own_only").to_string())
        }
        Ok(_) => None,
    }
}

/// Reads a query string into a list's filter; anything unreadable is an empty filter.
pub(crate) fn parse_query<T: DeserializeOwned + Default>(q: &str) -> T {
    axum::extract::Query::<T>::try_from_uri(
        &format!("/?{}", q.trim_start_matches('?'))
            .parse()
            .unwrap_or_else(|_| axum::http::Uri::from_static("/")),
    )
    .map(|x| x.0)
    .unwrap_or_default()
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct SaveForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    query: String,
}

/// Saves the list's current filter under a name: only a filter the list understands is stored,
/// canonically.
async fn save_filter<F: ListFilter>(
    State(s): State<AppState>,
    u: PageUser,
    PageForm(form): PageForm<SaveForm>,
) -> Response {
    let f: F = parse_query(&form.query);
    let encoded = f.encoded();
    match saved_filters::create(&s.app, &u.ctx, F::KIND, &form.name, &encoded).await {
        Ok(_) => {
            let sep = if encoded.is_empty() { "" } else { "&" };
            let path = F::KIND.as_str();
            Redirect::to(&format!("/{path}?{encoded}{sep}ok=filter_saved")).into_response()
        }
        Err(AppError::Validation(errs) | AppError::Conflict(errs)) => {
            f.page(&s, &u, FormErrors::from(&errs, Tr(u.lang))).await
        }
        Err(e) => page_error(e, u.lang),
    }
}

async fn delete_filter<F: ListFilter>(
    State(s): State<AppState>,
    u: PageUser,
    PagePath(id): PagePath<i64>,
) -> Response {
    match saved_filters::delete(&s.app, &u.ctx, id).await {
        Ok(()) => Redirect::to(&format!("/{}?ok=filter_deleted", F::KIND.as_str())).into_response(),
        Err(e) => page_error(e, u.lang),
    }
}

/// A list page's download: its export with this filter, or the error page.
async fn download<F: ListFilter>(
    State(s): State<AppState>,
    u: PageUser,
    PageQuery(f): PageQuery<F>,
    format: Format,
) -> Response {
    export_file(&s.app, &u.ctx, u.lang, &f, format)
        .await
        .unwrap_or_else(|e| page_error(e, u.lang))
}

/// The export of `e` as a file named after its list in the reader's language
/// (`合同-2026-11-30.csv`).
pub(crate) async fn export_file<E: Exportable>(
    app: &App,
    ctx: &Ctx,
    lang: Lang,
    e: &E,
    format: Format,
) -> Result<Response, AppError> {
    let tr = Tr(lang);
    let t = |k: &str| tr.t(k).to_string();
    let ex = e.export(app, ctx, &t).await?;
    let stem = tr
        .t(&format!("export.file.{}", E::KIND.as_str()))
        .to_string();
    send_export(app, ex, &stem, format).await
}

/// An export as a download: CSV streamed page by page, XLSX built then sent. `stem` names the
/// file (`合同-2026-11-30.csv`).
async fn send_export<R: Rows>(
    app: &App,
    mut ex: Export<R>,
    stem: &str,
    format: Format,
) -> Result<Response, AppError> {
    let file = salesdesk_app::export::named_file(app, stem, format);
    match format {
        Format::Csv => {
            // The first page is read before answering, so that a failure is a proper error.
            let first = ex.next_csv().await?;
            let head = futures_util::stream::iter(first.map(Ok::<_, std::io::Error>));
            let rest = futures_util::stream::unfold(Some(ex), |state| async move {
                let mut ex = state?;
                match ex.next_csv().await {
                    Ok(Some(chunk)) => Some((Ok(chunk), Some(ex))),
                    Ok(None) => None,
                    Err(e) => {
                        tracing::error!(error = %e, "export failed midway");
                        Some((Err(std::io::Error::other("export failed")), None))
                    }
                }
            });
            use futures_util::StreamExt;
            let body = Body::from_stream(head.chain(rest));
            Ok(crate::view::download(
                body,
                "text/csv; charset=utf-8",
                &file,
            ))
        }
        Format::Xlsx => {
            let bytes = ex.xlsx().await?;
            Ok(crate::view::download(
                bytes,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                &file,
            ))
        }
    }
}
