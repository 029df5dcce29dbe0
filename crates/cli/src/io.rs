//! `salesdesk customers import|export`: the same use cases as the pages, with progress on
//! standard error.

use std::io::Write;
use std::time::Instant;

use salesdesk_app::customers::CustomerQuery;
use salesdesk_app::export::{self, Labels};
use salesdesk_app::import::{self, Target};
use salesdesk_app::{App, AppError, auth};
use salesdesk_web::i18n::{Lang, Tr};
use salesdesk_web::pages::imports::{error_report, field_label, row_message};

use crate::CustomersCommand;

fn describe(e: AppError, tr: Tr) -> String {
    match e {
        AppError::Validation(f) | AppError::Conflict(f) => {
            f.0.iter()
                .map(|x| format!("{}: {}", x.field, tr.t(x.code)))
                .collect::<Vec<_>>()
                .join("; ")
        }
        AppError::NotFound => tr.t("problem.not_found").to_string(),
        AppError::Forbidden => tr.t("problem.forbidden").to_string(),
        other => other.to_string(),
    }
}

/// Peak resident memory of this process (Linux), for the benchmark's report.
fn peak_rss() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(|l| l.trim_start_matches("VmHWM:").trim().to_string())
        })
        .unwrap_or_else(|| "?".into())
}

pub async fn run(app: &App, command: CustomersCommand) -> Result<(), String> {
    match command {
        CustomersCommand::Import {
            file,
            as_login,
            valid_only,
            mapping,
            report,
        } => {
            let ctx = auth::cli_ctx(app, &as_login)
                .await
                .map_err(|_| format!("no active person with the login {as_login:?}"))?;
            let tr = Tr(Lang::from_code(&ctx.locale));
            let started = Instant::now();
            let bytes = std::fs::read(&file).map_err(|e| format!("{}: {e}", file.display()))?;
            let name = file
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default();
            let up = import::upload(app, &ctx, &name, bytes)
                .await
                .map_err(|e| describe(e, tr))?;
            let mapping = match mapping {
                None => None,
                Some(m) => Some(
                    m.split(',')
                        .map(|t| match t.trim() {
                            "" => Ok(None),
                            t => Target::parse(t)
                                .map(Some)
                                .ok_or_else(|| format!("unknown field {t:?} in --mapping")),
                        })
                        .collect::<Result<Vec<_>, _>>()?,
                ),
            };
            eprintln!("{}: {} rows", name, up.total);
            let progress = |done: u64, total: u64| {
                eprint!("\rchecked {done}/{total} rows");
                let _ = std::io::stderr().flush();
            };
            let result = import::run_now(app, &ctx, up.id, mapping, valid_only, &progress)
                .await
                .map_err(|e| describe(e, tr))?;
            eprintln!();
            for e in result.errors.iter().take(20) {
                eprintln!(
                    "row {}: {}: {}",
                    e.row,
                    field_label(tr, &e.field),
                    row_message(tr, e)
                );
            }
            if result.errors.len() > 20 {
                eprintln!("… {} more", result.errors.len() - 20);
            }
            if let Some(path) = report
                && !result.errors.is_empty()
            {
                let (body, _) = error_report(app, &ctx, tr.lang(), up.id)
                    .await
                    .map_err(|e| describe(e, tr))?;
                std::fs::write(&path, body).map_err(|e| format!("{}: {e}", path.display()))?;
                eprintln!("error report written to {}", path.display());
            }
            println!(
                "import {}: {} rows, {} valid, {} refused, {} imported in {:.2} s (peak RSS {})",
                result.status,
                result.total,
                result.valid,
                result.rejected,
                result.imported,
                started.elapsed().as_secs_f64(),
                peak_rss()
            );
            match result.status.as_str() {
                "done" => Ok(()),
                "rejected" => Err(
                    "rows were refused, so nothing was imported; fix them or use --valid-only"
                        .into(),
                ),
                _ => Err(result
                    .message
                    .map(|m| tr.t(&m).to_string())
                    .unwrap_or_else(|| "the import failed".into())),
            }
        }
        CustomersCommand::Export {
            as_login,
            format,
            status,
            q,
            region_id,
            owner_id,
            out,
        } => {
            let ctx = auth::cli_ctx(app, &as_login)
                .await
                .map_err(|_| format!("no active person with the login {as_login:?}"))?;
            let tr = Tr(Lang::from_code(&ctx.locale));
            let started = Instant::now();
            let query = CustomerQuery {
                q,
                status,
                region_id,
                owner_id,
                ..Default::default()
            };
            let labels = Labels::new(|k| tr.t(k).to_string());
            let mut ex = export::open(app, &ctx, &query, labels)
                .await
                .map_err(|e| describe(e, tr))?;
            let mut sink: Box<dyn Write> = match &out {
                Some(p) => Box::new(std::io::BufWriter::new(
                    std::fs::File::create(p).map_err(|e| format!("{}: {e}", p.display()))?,
                )),
                None => Box::new(std::io::stdout().lock()),
            };
            let io_err = |e: std::io::Error| e.to_string();
            let rows = match format.as_str() {
                "csv" => {
                    let mut rows: u64 = 0;
                    while let Some(chunk) = ex.next_csv().await.map_err(|e| describe(e, tr))? {
                        rows += chunk.iter().filter(|b| **b == b'\n').count() as u64;
                        sink.write_all(&chunk).map_err(io_err)?;
                        eprint!("\rexported {} rows", rows.saturating_sub(1));
                    }
                    rows.saturating_sub(1)
                }
                "xlsx" => {
                    let bytes = ex.xlsx().await.map_err(|e| describe(e, tr))?;
                    sink.write_all(&bytes).map_err(io_err)?;
                    0
                }
                other => return Err(format!("unknown format {other:?}: use csv or xlsx")),
            };
            sink.flush().map_err(io_err)?;
            eprintln!();
            eprintln!(
                "export done: {rows} rows in {:.2} s (peak RSS {})",
                started.elapsed().as_secs_f64(),
                peak_rss()
            );
            Ok(())
        }
    }
}
