-- licet-vendor schema, SQLite. Keep in step with ../postgres/0001_vendor.sql: same tables, same columns.
-- Times are Unix seconds (BIGINT); lists and maps are JSON text.

CREATE TABLE customers (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    email       TEXT,
    created_at  BIGINT NOT NULL
);

CREATE TABLE installs (
    id                TEXT PRIMARY KEY,
    customer_id       TEXT NOT NULL REFERENCES customers(id),
    audience          TEXT NOT NULL,
    fingerprints      TEXT NOT NULL DEFAULT '[]',
    domains           TEXT NOT NULL DEFAULT '[]',
    credential_hash   TEXT UNIQUE,
    activation_key    TEXT,
    activation_key_thumbprint TEXT,
    sequence          BIGINT NOT NULL DEFAULT 0,
    revision          BIGINT NOT NULL DEFAULT 1,
    last_refresh_at   BIGINT,
    created_at        BIGINT NOT NULL
);
CREATE INDEX installs_customer ON installs(customer_id);

CREATE TABLE entitlements (
    install_id     TEXT PRIMARY KEY REFERENCES installs(id) ON DELETE CASCADE,
    edition        TEXT,
    products       TEXT NOT NULL DEFAULT '[]',
    features       TEXT NOT NULL DEFAULT '[]',
    limits         TEXT NOT NULL DEFAULT '{}',
    max_orgs       TEXT,
    validity_days  BIGINT,
    renewal_url    TEXT,
    updated_at     BIGINT NOT NULL
);

CREATE TABLE entitlement_orgs (
    install_id   TEXT NOT NULL REFERENCES installs(id) ON DELETE CASCADE,
    org_id       TEXT NOT NULL,
    plan         TEXT,
    features     TEXT NOT NULL DEFAULT '[]',
    limits       TEXT NOT NULL DEFAULT '{}',
    valid_from   BIGINT,
    valid_until  BIGINT,
    PRIMARY KEY (install_id, org_id)
);

CREATE TABLE signing_keys (
    kid          TEXT PRIMARY KEY,
    alg          TEXT NOT NULL,
    public_pem   TEXT NOT NULL,
    private_ref  TEXT NOT NULL,
    active       BOOLEAN NOT NULL DEFAULT FALSE,
    created_at   BIGINT NOT NULL,
    retired_at   BIGINT
);
CREATE UNIQUE INDEX signing_keys_one_active ON signing_keys(active) WHERE active;

CREATE TABLE issued_licenses (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    install_id   TEXT NOT NULL REFERENCES installs(id) ON DELETE CASCADE,
    sequence     BIGINT NOT NULL,
    revision     BIGINT NOT NULL,
    kid          TEXT NOT NULL,
    fingerprint  TEXT NOT NULL,
    issued_at    BIGINT NOT NULL,
    exp          BIGINT,
    token        TEXT NOT NULL,
    actor        TEXT NOT NULL,
    UNIQUE (install_id, sequence)
);

CREATE TABLE activation_nonces (
    install_id   TEXT NOT NULL REFERENCES installs(id) ON DELETE CASCADE,
    nonce        TEXT NOT NULL,
    received_at  BIGINT NOT NULL,
    PRIMARY KEY (install_id, nonce)
);

CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          BIGINT NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    install_id  TEXT,
    detail      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_install ON audit_log(install_id, id);

-- Every issued license is audited by the database itself: a license row cannot exist without its audit entry,
-- and issuing saves a round trip.
CREATE TRIGGER issued_licenses_audit AFTER INSERT ON issued_licenses
BEGIN
    INSERT INTO audit_log (at, actor, action, install_id, detail)
    VALUES (NEW.issued_at, NEW.actor, 'license.issue', NEW.install_id,
            'sequence ' || NEW.sequence || ', kid ' || NEW.kid || ', fingerprint ' || NEW.fingerprint);
END;
