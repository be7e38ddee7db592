//! `licet install`: put a license in force on a running license server (`licet serve`, or a product mounting
//! licet-server's API) over its HTTP API, with the same checks, roles and audit as the page's upload. Going through
//! the server rather than its store is what makes the server take the license at once (a SQLite store tells no
//! other process) and keeps the profile's say over which ways in are open.

use std::process::ExitCode;

use anyhow::{bail, Context};
use licet_core::Loss;
use serde_json::{json, Value};

use crate::input;

/// Install a license on a running license server (POST /v1/license, or PUT /v1/license/orgs/{id} with --org, or
/// POST /v1/license/import with --import). Exits 0 when installed, 1 when the server refused the license (the code,
/// the sentence and, for license_change_needs_ack, what it would take away are on stderr), 2 on other errors.
#[derive(clap::Args)]
pub struct Args {
    /// The server's base URL.
    #[arg(long, env = "LICET_SERVER", default_value = "http://127.0.0.1:8087")]
    server: String,
    /// An API token: owner to replace a license, admin where none is installed; none for the very first install.
    #[arg(long, env = "LICET_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// Why, for the audit log (required with --import).
    #[arg(long)]
    reason: Option<String>,
    /// Send it as an offline import (the vendor's answer to an activation request) instead of an upload.
    #[arg(long, conflicts_with = "org")]
    import: bool,
    /// Install this organization's own license instead of the instance-wide one.
    #[arg(long)]
    org: Option<String>,
    /// Accept what the license takes away from the one in force (a fall in state such as active → expired,
    /// another customer, fewer products, features, limits or organizations). Without it such a license is refused
    /// with license_change_needs_ack and nothing changes.
    #[arg(long)]
    acknowledge: bool,
    /// The license: token text, a file, or `-` for stdin.
    license: String,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let bytes = input::read_token(&args.license)?;
    let license = String::from_utf8(bytes).context("the license is not UTF-8 text")?;
    let base = args.server.trim_end_matches('/');
    let (method, url) = match (&args.org, args.import) {
        (Some(org), _) => (reqwest::Method::PUT, format!("{base}/v1/license/orgs/{org}")),
        (None, true) => (reqwest::Method::POST, format!("{base}/v1/license/import")),
        (None, false) => (reqwest::Method::POST, format!("{base}/v1/license")),
    };
    if args.import && args.reason.is_none() {
        bail!("an import must say why: give --reason");
    }
    let mut body = json!({ "license": license, "acknowledge": args.acknowledge });
    if let Some(reason) = &args.reason {
        body["reason"] = json!(reason);
    }
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    let (status, answer) = runtime.block_on(async {
        let mut req = reqwest::Client::new().request(method, &url).json(&body);
        if let Some(token) = &args.token {
            req = req.bearer_auth(token);
        }
        let res = req.send().await.with_context(|| format!("cannot reach {url}"))?;
        let status = res.status();
        let text = res
            .text()
            .await
            .with_context(|| format!("reading the answer of {url}"))?;
        anyhow::Ok((status, text))
    })?;
    let answer: Value =
        serde_json::from_str(&answer).with_context(|| format!("{url} answered {status} with something not JSON"))?;
    if status.is_success() {
        // `POST /v1/license` answers `{status, owner_token?}`, the org route the status itself.
        let view = answer.get("status").unwrap_or(&answer);
        let state = view.get("state").and_then(Value::as_str).unwrap_or("unknown");
        eprintln!("licet: license installed; state {state}");
        if let Some(owner) = answer.pointer("/owner_token/token").and_then(Value::as_str) {
            eprintln!("licet: first install: the owner token is shown once:");
            println!("{owner}");
        }
        return Ok(ExitCode::SUCCESS);
    }
    let field = |k: &str| answer.get(k).and_then(Value::as_str).unwrap_or_default().to_owned();
    let code = field("code");
    eprintln!("licet: {code}: {}", field("message"));
    let detail = field("detail");
    if !detail.is_empty() {
        eprintln!("  {detail}");
    }
    let changes: Vec<Loss> = answer
        .get("changes")
        .and_then(|c| serde_json::from_value(c.clone()).ok())
        .unwrap_or_default();
    for change in &changes {
        eprintln!("  - {change}");
    }
    if !changes.is_empty() {
        eprintln!("licet: nothing was changed; run again with --acknowledge to accept these changes");
    }
    // A license the server judged and refused is exit 1, as for `licet verify`; who-may and transport are 2.
    let judged = status == reqwest::StatusCode::UNPROCESSABLE_ENTITY
        || code.starts_with("license_")
        || code == "clock_rollback_detected";
    Ok(ExitCode::from(if judged {
        crate::EXIT_REFUSED
    } else {
        crate::EXIT_ERROR
    }))
}
