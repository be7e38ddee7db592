//! The HTTP API. Each file owns its routes, DTOs and handlers; `lib.rs` merges them. Every `.route` call names
//! one full path and one method, so the OpenAPI test can read the route table from these sources.

pub(crate) mod activation;
pub(crate) mod audit;
pub(crate) mod install;
pub(crate) mod ops;
pub(crate) mod orgs;
pub(crate) mod status;
pub(crate) mod tokens;

use serde::Serialize;

use crate::error::ApiResult;
use crate::service::{Actor, NewToken, Role, Scope, StatusView};
use crate::state::AppState;
use crate::upload::LicenseUpload;

/// What a change answers: the status now in force, and (only on the first install) the owner token, shown once.
#[derive(Serialize)]
pub(crate) struct ChangeResponse {
    pub status: StatusView,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner_token: Option<NewToken>,
}

/// Install `upload` for `scope` as `actor`; on the first install also mint the owner token.
pub(crate) async fn install_as(
    state: &AppState,
    scope: Scope,
    upload: LicenseUpload,
    source: &'static str,
    actor: Actor,
    first_install: bool,
) -> ApiResult<ChangeResponse> {
    let service = state.service();
    let status = service
        .install_with(
            scope,
            upload.license,
            source,
            actor.clone(),
            upload.reason,
            upload.acknowledge,
        )
        .await?;
    let owner_token = if first_install {
        let token = service.create_token("owner", Role::Owner).await?;
        service
            .record(
                actor,
                "token_created",
                Some(format!("owner token {} (first install)", token.info.id)),
            )
            .await?;
        Some(token)
    } else {
        None
    };
    Ok(ChangeResponse { status, owner_token })
}
