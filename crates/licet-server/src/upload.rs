//! Reading a license out of a request, in every form an operator might send it: a raw body (`text/plain`,
//! `application/jwt`), JSON `{license, reason, acknowledge}`, or a multipart upload (file field `license` or
//! `file`, text fields `reason` and `acknowledge`). `acknowledge=true` may also be a query parameter, which is the
//! only way to say it with a raw body. Every failure is a 4xx with a code; nothing here touches the installed
//! license.

use axum::body::Bytes;
use axum::extract::multipart::MultipartError;
use axum::extract::{FromRequest, Multipart, Request};
use axum::http::header::CONTENT_TYPE;
use axum::http::StatusCode;
use serde::Deserialize;

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// A reason given alongside a raw-body upload.
pub const REASON_HEADER: &str = "x-licet-reason";
/// Longest reason kept; the audit log is for sentences, not documents.
const MAX_REASON_LEN: usize = 1000;

/// A license as uploaded, with the operator's reason if they gave one.
#[derive(Debug)]
pub struct LicenseUpload {
    pub license: Vec<u8>,
    pub reason: Option<String>,
    /// The operator accepts what this license takes away from the one in force (`license_change_needs_ack`).
    pub acknowledge: bool,
}

#[derive(Deserialize)]
struct JsonUpload {
    license: String,
    #[serde(default)]
    reason: Option<String>,
    #[serde(default)]
    acknowledge: bool,
}

/// `true` or `false`, as a query parameter or form field says it (`1`/`0` too, as HTML forms and curl users
/// write). Anything else is refused: a misspelt value must not read as "not acknowledged" and silently fail, nor
/// as acknowledged.
fn flag(name: &str, value: &str) -> ApiResult<bool> {
    match value.trim() {
        "true" | "1" => Ok(true),
        "false" | "0" | "" => Ok(false),
        other => Err(ApiError::BadRequest(format!(
            "{name} must be true or false, not {other:?}"
        ))),
    }
}

/// `acknowledge` from the query string, if given (last one wins, as in most query parsers).
fn query_acknowledge(req: &Request) -> ApiResult<bool> {
    let mut out = false;
    for pair in req.uri().query().unwrap_or_default().split('&') {
        if let Some(("acknowledge", value)) = pair.split_once('=') {
            out = flag("acknowledge", value)?;
        } else if pair == "acknowledge" {
            out = true;
        }
    }
    Ok(out)
}

/// Reads `{license, reason}` the way licet reads claims: the whole body must be strict JSON (UTF-8 throughout,
/// no repeated member), then an object. A derived struct alone would skip unknown members without checking them
/// and would also read `["<license>", "<reason>"]`; both were found by the `upload_body` fuzz target.
fn json_upload(bytes: &[u8]) -> ApiResult<JsonUpload> {
    let not_upload =
        |e: &dyn std::fmt::Display| ApiError::BadRequest(format!("the JSON body is not {{\"license\": …}}: {e}"));
    let object = licet_core::json::parse_strict_object(bytes).map_err(|e| not_upload(&e))?;
    JsonUpload::deserialize(serde_json::Value::Object(object)).map_err(|e| not_upload(&e))
}

/// The optional body of `DELETE` requests: `{reason}`.
#[derive(Debug, Default, Deserialize)]
pub struct ReasonBody {
    #[serde(default)]
    pub reason: Option<String>,
}

enum Kind {
    Raw,
    Json,
    Multipart,
}

fn kind(req: &Request) -> ApiResult<Kind> {
    let ct = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .ok_or(ApiError::UnsupportedMediaType)?;
    let essence = ct.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    match essence.as_str() {
        "text/plain" | "application/jwt" | "application/jose" | "application/octet-stream" => Ok(Kind::Raw),
        "application/json" | "application/jose+json" => Ok(Kind::Json),
        "multipart/form-data" => Ok(Kind::Multipart),
        _ => Err(ApiError::UnsupportedMediaType),
    }
}

pub(crate) fn clean_reason(reason: Option<String>) -> ApiResult<Option<String>> {
    match reason.map(|r| r.trim().to_owned()) {
        Some(r) if r.chars().count() > MAX_REASON_LEN => Err(ApiError::BadRequest(format!(
            "the reason is longer than {MAX_REASON_LEN} characters"
        ))),
        Some(r) if r.is_empty() => Ok(None),
        other => Ok(other),
    }
}

fn body_error(status: StatusCode, text: String) -> ApiError {
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::PayloadTooLarge
    } else {
        ApiError::BadRequest(text.trim_end_matches('.').to_owned())
    }
}

fn multipart_error(e: MultipartError) -> ApiError {
    body_error(e.status(), e.body_text())
}

async fn read_multipart(mut mp: Multipart) -> ApiResult<LicenseUpload> {
    let mut license = None;
    let mut reason = None;
    let mut acknowledge = false;
    while let Some(field) = mp.next_field().await.map_err(multipart_error)? {
        match field.name() {
            Some("license") | Some("file") => {
                if license.is_some() {
                    return Err(ApiError::BadRequest("the upload carries more than one license".into()));
                }
                license = Some(field.bytes().await.map_err(multipart_error)?.to_vec());
            }
            Some("reason") => reason = Some(field.text().await.map_err(multipart_error)?),
            Some("acknowledge") => acknowledge = flag("acknowledge", &field.text().await.map_err(multipart_error)?)?,
            // Unknown fields are drained and ignored, as browsers add their own.
            _ => {
                field.bytes().await.map_err(multipart_error)?;
            }
        }
    }
    let license = license.ok_or_else(|| ApiError::BadRequest("the upload has no `license` or `file` field".into()))?;
    Ok(LicenseUpload {
        license,
        reason,
        acknowledge,
    })
}

impl FromRequest<AppState> for LicenseUpload {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let header_reason = req
            .headers()
            .get(REASON_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let query_ack = query_acknowledge(&req)?;
        let upload = match kind(&req)? {
            Kind::Raw => {
                let bytes = Bytes::from_request(req, state)
                    .await
                    .map_err(|e| body_error(e.status(), e.body_text()))?;
                LicenseUpload {
                    license: bytes.to_vec(),
                    reason: header_reason,
                    acknowledge: false,
                }
            }
            Kind::Json => {
                let bytes = Bytes::from_request(req, state)
                    .await
                    .map_err(|e| body_error(e.status(), e.body_text()))?;
                let parsed = json_upload(&bytes)?;
                LicenseUpload {
                    license: parsed.license.into_bytes(),
                    reason: parsed.reason.or(header_reason),
                    acknowledge: parsed.acknowledge,
                }
            }
            Kind::Multipart => {
                let mp = Multipart::from_request(req, state)
                    .await
                    .map_err(|e| body_error(e.status(), e.body_text()))?;
                let mut upload = read_multipart(mp).await?;
                upload.reason = upload.reason.or(header_reason);
                upload
            }
        };
        if upload.license.iter().all(u8::is_ascii_whitespace) {
            return Err(ApiError::BadRequest("the license is empty".into()));
        }
        Ok(LicenseUpload {
            license: upload.license,
            reason: clean_reason(upload.reason)?,
            acknowledge: upload.acknowledge || query_ack,
        })
    }
}

/// A JSON body that may be absent (e.g. `DELETE` with an optional `{reason}`).
pub struct OptionalJson<T>(pub T);

impl<T: serde::de::DeserializeOwned + Default> FromRequest<AppState> for OptionalJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let has_type = req.headers().contains_key(CONTENT_TYPE);
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|e| body_error(e.status(), e.body_text()))?;
        if bytes.is_empty() {
            return Ok(OptionalJson(T::default()));
        }
        if !has_type {
            return Err(ApiError::UnsupportedMediaType);
        }
        serde_json::from_slice(&bytes)
            .map(OptionalJson)
            .map_err(|e| ApiError::BadRequest(format!("the JSON body is malformed: {e}")))
    }
}

/// A required JSON body, with axum's rejections mapped onto our codes.
pub struct JsonBody<T>(pub T);

impl<T: serde::de::DeserializeOwned> FromRequest<AppState> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        use axum::extract::rejection::JsonRejection;
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(JsonBody(v)),
            Err(JsonRejection::MissingJsonContentType(_)) => Err(ApiError::UnsupportedMediaType),
            Err(e) => Err(body_error(e.status(), e.body_text())),
        }
    }
}
