//! A logged-in PKCS#11 token, shareable across threads.
//!
//! Two PKCS#11 facts shape this file:
//! - `C_Initialize` is once per process per module, and `C_Finalize` ends it for every user in the process. So
//!   contexts live in a process-wide registry keyed by module path, are shared by every token opened from that
//!   module, and are never finalised (the process exiting is the end).
//! - Login state belongs to the application, not to a session, and lasts while at least one session on the token is
//!   open. So a token keeps one "anchor" session logged in for its lifetime, and signing opens a short session per
//!   call that inherits the login. Opening a token that this process already holds returns the same token, after
//!   comparing PINs: the token itself would answer `CKR_USER_ALREADY_LOGGED_IN` without looking at the PIN, and a
//!   wrong PIN would only surface later, at the next relogin.
//!
//! Why a session per sign call rather than one `Mutex<Session>`: a PKCS#11 session is single-threaded (cryptoki's
//! `Session` is `Send`, not `Sync`), so a shared session serialises every signature behind one lock, while HSMs
//! (network ones above all) sign in parallel across sessions. The price is a `C_OpenSession`/`C_CloseSession` pair
//! per signature, microseconds on a local token and one round trip each on a network HSM. A session pool would
//! remove that too; licenses are signed rarely enough that it is not worth the state yet.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, PoisonError, Weak};

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Function, Pkcs11};
use cryptoki::error::{Error as CkError, RvError};
use cryptoki::mechanism::MechanismType;
use cryptoki::session::{Session, SessionState, UserType};
use cryptoki::slot::Slot;
use licet_core::Alg;
use secrecy::ExposeSecret;
use sha2::{Digest, Sha256};

use super::config::{HsmConfig, HsmPin, TokenSelector};
use super::error::HsmError;

/// A token of a PKCS#11 module, with the user logged in. Cheap to clone; `Send + Sync`.
#[derive(Clone)]
pub struct HsmToken {
    inner: Arc<Inner>,
}

/// Tokens this process holds, by (canonical module path, slot id).
type OpenTokens = HashMap<(PathBuf, u64), Weak<Inner>>;

struct Inner {
    pkcs11: Pkcs11,
    module: PathBuf,
    slot: Slot,
    label: String,
    pin: HsmPin,
    /// Holds the login (see the module comment). `None` only between a lost login and the next `relogin`.
    anchor: Mutex<Option<Session>>,
}

impl std::fmt::Debug for HsmToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HsmToken")
            .field("module", &self.inner.module)
            .field("slot", &self.inner.slot.id())
            .field("label", &self.inner.label)
            .finish_non_exhaustive()
    }
}

impl HsmToken {
    /// Loads the module (once per process), finds the token and logs in as its user.
    ///
    /// Errors: `hsm_unavailable` (module missing or not PKCS#11, token absent), `hsm_login_failed`.
    pub fn open(config: HsmConfig) -> Result<HsmToken, HsmError> {
        static OPEN: OnceLock<Mutex<OpenTokens>> = OnceLock::new();
        let HsmConfig { module, token, pin } = config;
        let (module, pkcs11) = context(&module)?;
        let (slot, label) = find_slot(&pkcs11, &token)?;
        let mut open = OPEN
            .get_or_init(Default::default)
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        open.retain(|_, inner| inner.strong_count() > 0);
        if let Some(inner) = open.get(&(module.clone(), slot.id())).and_then(Weak::upgrade) {
            // Digests, so that the comparison's timing says nothing about the PIN.
            if Sha256::digest(inner.pin.expose_secret()) != Sha256::digest(pin.expose_secret()) {
                return Err(HsmError::LoginFailed {
                    detail: format!("{token} is already logged in by this process with a different PIN"),
                });
            }
            return Ok(HsmToken { inner });
        }
        let inner = Arc::new(Inner {
            pkcs11,
            module,
            slot,
            label,
            pin,
            anchor: Mutex::new(None),
        });
        let token = HsmToken { inner };
        token.relogin()?;
        open.insert((token.inner.module.clone(), slot.id()), Arc::downgrade(&token.inner));
        tracing::info!(module = %token.inner.module.display(), slot = slot.id(), token = %token.inner.label,
            "logged in to HSM token");
        Ok(token)
    }

    /// The slot id the token was found in.
    pub fn slot_id(&self) -> u64 {
        self.inner.slot.id()
    }

    /// The token's label.
    pub fn label(&self) -> &str {
        &self.inner.label
    }

    /// The licet algorithms whose signing mechanism the token offers (`CKM_EDDSA`, `CKM_ECDSA`,
    /// `CKM_SHA256_RSA_PKCS`), in `Alg` order.
    pub fn supported_algs(&self) -> Result<Vec<Alg>, HsmError> {
        let mechanisms = self
            .inner
            .pkcs11
            .get_mechanism_list(self.inner.slot)
            .map_err(unavailable)?;
        Ok([Alg::EdDSA, Alg::RS256, Alg::ES256]
            .into_iter()
            .filter(|alg| mechanisms.contains(&sign_mechanism_type(*alg)))
            .collect())
    }

    /// A fresh session that inherits the login. Read-only unless `rw` (key generation needs read-write).
    pub(crate) fn session(&self, rw: bool) -> Result<Session, HsmError> {
        let pkcs11 = &self.inner.pkcs11;
        let opened = if rw {
            pkcs11.open_rw_session(self.inner.slot)
        } else {
            pkcs11.open_ro_session(self.inner.slot)
        };
        opened.map_err(unavailable)
    }

    /// Like `session(false)`, with the PKCS#11 error kept so that the caller can tell a lost login.
    pub(crate) fn raw_session(&self) -> Result<Session, CkError> {
        self.inner.pkcs11.open_ro_session(self.inner.slot)
    }

    /// Makes sure the anchor session exists and is logged in as the user. Called at open and after an operation
    /// failed because the login or the session was lost (HSM restart, network HSM failover).
    pub(crate) fn relogin(&self) -> Result<(), HsmError> {
        let mut anchor = self.inner.anchor.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(session) = anchor.as_ref() {
            if let Ok(info) = session.get_session_info() {
                if matches!(info.session_state(), SessionState::RoUser | SessionState::RwUser) {
                    return Ok(());
                }
            }
        }
        *anchor = None;
        let session = self.session(false)?;
        match session.login(UserType::User, Some(&self.inner.pin)) {
            // Another session of this process (another signer on the same token) already logged in.
            Ok(()) | Err(CkError::Pkcs11(RvError::UserAlreadyLoggedIn, _)) => {}
            Err(e) => return Err(login_error(e)),
        }
        *anchor = Some(session);
        Ok(())
    }
}

/// PKCS#11 errors after which a relogin and one retry can succeed.
pub(crate) fn is_login_lost(e: &CkError) -> bool {
    matches!(
        e,
        CkError::Pkcs11(
            RvError::UserNotLoggedIn
                | RvError::SessionHandleInvalid
                | RvError::SessionClosed
                | RvError::ObjectHandleInvalid
                | RvError::KeyHandleInvalid
                | RvError::DeviceRemoved
                | RvError::TokenNotPresent,
            _
        )
    )
}

pub(crate) fn sign_mechanism_type(alg: Alg) -> MechanismType {
    match alg {
        Alg::EdDSA => MechanismType::EDDSA,
        Alg::RS256 => MechanismType::SHA256_RSA_PKCS,
        Alg::ES256 => MechanismType::ECDSA,
    }
}

pub(crate) fn unavailable(e: CkError) -> HsmError {
    HsmError::Unavailable { detail: e.to_string() }
}

fn login_error(e: CkError) -> HsmError {
    match e {
        CkError::Pkcs11(
            RvError::PinIncorrect
            | RvError::PinInvalid
            | RvError::PinLenRange
            | RvError::PinExpired
            | RvError::PinLocked
            | RvError::UserPinNotInitialized,
            Function::Login,
        ) => HsmError::LoginFailed { detail: e.to_string() },
        other => unavailable(other),
    }
}

/// The process-wide module registry (see the module comment).
/// Returns the canonical module path (the registry key) with the context.
fn context(module: &Path) -> Result<(PathBuf, Pkcs11), HsmError> {
    static CONTEXTS: OnceLock<Mutex<HashMap<PathBuf, Pkcs11>>> = OnceLock::new();
    // Checked first so that the common mistake gets a plain sentence rather than a dlopen message.
    if !module.is_file() {
        return Err(HsmError::Unavailable {
            detail: format!("PKCS#11 module {} does not exist or is not a file", module.display()),
        });
    }
    let key = module.canonicalize().unwrap_or_else(|_| module.to_path_buf());
    let mut contexts = CONTEXTS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    if let Some(pkcs11) = contexts.get(&key) {
        return Ok((key, pkcs11.clone()));
    }
    let pkcs11 = Pkcs11::new(&key).map_err(|e| HsmError::Unavailable {
        detail: format!("cannot load PKCS#11 module {}: {e}", key.display()),
    })?;
    match pkcs11.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)) {
        // Initialised by other code in this process that loaded the same module; sharing it is what PKCS#11 wants.
        Ok(()) | Err(CkError::Pkcs11(RvError::CryptokiAlreadyInitialized, _)) => {}
        Err(e) => {
            return Err(HsmError::Unavailable {
                detail: format!("cannot initialise PKCS#11 module {}: {e}", key.display()),
            })
        }
    }
    contexts.insert(key.clone(), pkcs11.clone());
    Ok((key, pkcs11))
}

fn find_slot(pkcs11: &Pkcs11, token: &TokenSelector) -> Result<(Slot, String), HsmError> {
    let slots = pkcs11.get_slots_with_initialized_token().map_err(unavailable)?;
    let mut found = Vec::new();
    for slot in slots {
        let info = pkcs11.get_token_info(slot).map_err(unavailable)?;
        let label = info.label().trim_end().to_owned();
        let wanted = match token {
            TokenSelector::Label(want) => label == want.trim_end(),
            TokenSelector::Slot(id) => slot.id() == *id,
        };
        if wanted {
            found.push((slot, label));
        }
    }
    let count = found.len();
    match found.pop() {
        Some(one) if count == 1 => Ok(one),
        Some(_) => Err(HsmError::Unavailable {
            detail: format!("{count} initialised tokens match {token}; give each token a unique label"),
        }),
        None => Err(HsmError::Unavailable {
            detail: format!("no initialised token matches {token}"),
        }),
    }
}
