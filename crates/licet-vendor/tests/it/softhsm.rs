//! A SoftHSM2 for the test binary. SoftHSM2 reads `SOFTHSM2_CONF` once, at `C_Initialize`, and that is once per
//! process; so the whole binary shares one token directory (a tempdir, created once) and each test initialises its
//! own token in it under its own label. Tests then run in parallel without seeing each other's keys.
//!
//! SoftHSM2 missing makes every HSM test fail with a sentence saying so; `LICET_SKIP_HSM_TESTS=1` skips them instead.

use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::{Error as CkError, RvError};
use cryptoki::session::UserType;
use cryptoki::types::AuthPin;
use licet_vendor::hsm::{HsmConfig, HsmToken, TokenSelector};

pub const USER_PIN: &str = "test-only-user-pin";
const SO_PIN: &str = "test-only-so-pin";

struct SoftHsm {
    module: PathBuf,
    pkcs11: Pkcs11,
    _dir: tempfile::TempDir,
    /// SoftHSM2 offers one free slot at a time; initialising tokens is serialised so two tests don't grab the same.
    init_lock: Mutex<()>,
}

fn module_path() -> PathBuf {
    std::env::var_os("LICET_TEST_PKCS11_MODULE")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/lib/softhsm/libsofthsm2.so"))
}

/// Whether HSM tests should be skipped (prints why). Call first in every HSM test.
pub fn skip() -> bool {
    if std::env::var("LICET_SKIP_HSM_TESTS").as_deref() == Ok("1") {
        eprintln!("LICET_SKIP_HSM_TESTS=1: skipping HSM test");
        return true;
    }
    false
}

fn softhsm() -> &'static SoftHsm {
    static SOFTHSM: OnceLock<SoftHsm> = OnceLock::new();
    SOFTHSM.get_or_init(|| {
        let module = module_path();
        assert!(
            module.is_file(),
            "SoftHSM2 is not installed: {} is missing. Install it (`apt-get install -y softhsm2`), point \
             LICET_TEST_PKCS11_MODULE at a PKCS#11 module, or set LICET_SKIP_HSM_TESTS=1 to skip the HSM tests.",
            module.display()
        );
        let dir = tempfile::tempdir().unwrap();
        let tokens = dir.path().join("tokens");
        std::fs::create_dir(&tokens).unwrap();
        let conf = dir.path().join("softhsm2.conf");
        let text = format!(
            "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n",
            tokens.display()
        );
        std::fs::write(&conf, text).unwrap();
        // Before anything in this process initialises the module (the library registry does so lazily).
        std::env::set_var("SOFTHSM2_CONF", &conf);
        let pkcs11 = Pkcs11::new(&module).unwrap();
        match pkcs11.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)) {
            Ok(()) | Err(CkError::Pkcs11(RvError::CryptokiAlreadyInitialized, _)) => {}
            Err(e) => panic!("initialising SoftHSM2: {e}"),
        }
        SoftHsm {
            module,
            pkcs11,
            _dir: dir,
            init_lock: Mutex::new(()),
        }
    })
}

/// The test's own Pkcs11 handle on the same module, for setting up objects licet would never create.
pub fn pkcs11() -> &'static Pkcs11 {
    &softhsm().pkcs11
}

pub fn module() -> PathBuf {
    softhsm().module.clone()
}

/// Initialises a fresh token labelled `label` with the test user PIN, and returns its config.
pub fn new_token(label: &str) -> HsmConfig {
    let hsm = softhsm();
    let _guard = hsm.init_lock.lock().unwrap_or_else(|e| e.into_inner());
    let free = hsm
        .pkcs11
        .get_all_slots()
        .unwrap()
        .into_iter()
        .find(|slot| {
            hsm.pkcs11
                .get_token_info(*slot)
                .is_ok_and(|info| !info.token_initialized())
        })
        .expect("SoftHSM2 always offers a free slot");
    let so_pin = AuthPin::new(SO_PIN.into());
    hsm.pkcs11.init_token(free, &so_pin, label).unwrap();
    // After C_InitToken SoftHSM2 may renumber the slot: find the token again by label.
    let slot = hsm
        .pkcs11
        .get_slots_with_initialized_token()
        .unwrap()
        .into_iter()
        .find(|slot| hsm.pkcs11.get_token_info(*slot).is_ok_and(|info| info.label() == label))
        .unwrap();
    let session = hsm.pkcs11.open_rw_session(slot).unwrap();
    session.login(UserType::So, Some(&so_pin)).unwrap();
    session.init_pin(&AuthPin::new(USER_PIN.into())).unwrap();
    drop(session);
    config(label, USER_PIN)
}

pub fn config(label: &str, pin: &str) -> HsmConfig {
    HsmConfig {
        module: module_path(),
        token: TokenSelector::Label(label.into()),
        pin: AuthPin::new(pin.into()),
    }
}

/// A fresh token, opened and logged in.
pub fn open_new_token(label: &str) -> HsmToken {
    HsmToken::open(new_token(label)).unwrap()
}
