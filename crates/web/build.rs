//! Records how optimised this crate (the request paths) is built, so that `salesdesk bench`
//! can say which build its figures come from: `cargo run --release` builds at opt-level 1,
//! `--profile production` at 3 (Cargo.toml, issue 10 point 14).
fn main() {
    let level = std::env::var("OPT_LEVEL").unwrap_or_else(|_| "?".into());
    println!("cargo:rustc-env=SALESDESK_WEB_OPT_LEVEL={level}");
    println!("cargo:rerun-if-changed=build.rs");
}
