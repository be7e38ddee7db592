-- licet-store, install side, SQLite. Times are Unix seconds (INTEGER); ids shown to people are UUID text.

-- The installation's identity: one row, written once on first start and never changed.
CREATE TABLE installation (
    singleton   INTEGER PRIMARY KEY CHECK (singleton = 1),
    install_id  TEXT    NOT NULL,
    created_at  INTEGER NOT NULL
);

-- The install's own signing key (PKCS#8 PEM), made by the caller at first start; get-or-insert like the id.
CREATE TABLE install_key (
    singleton   INTEGER PRIMARY KEY CHECK (singleton = 1),
    key_pem     TEXT    NOT NULL,
    created_at  INTEGER NOT NULL
);

-- One row that every audited write updates first: it is the lock that serializes writers and the head of the
-- audit chain (last id and hash), plus the latest time ever seen (clock high-water mark).
CREATE TABLE store_head (
    singleton        INTEGER PRIMARY KEY CHECK (singleton = 1),
    audit_last_id    INTEGER NOT NULL,
    audit_last_hash  TEXT    NOT NULL,
    latest_seen      INTEGER NOT NULL
);
INSERT INTO store_head (singleton, audit_last_id, audit_last_hash, latest_seen)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000', 0);

-- Every license ever installed, per scope ('instance' or 'org:<id>').
CREATE TABLE license_history (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    scope         TEXT    NOT NULL,
    token         TEXT    NOT NULL,
    fingerprint   TEXT    NOT NULL,
    installed_at  INTEGER NOT NULL,
    actor         TEXT    NOT NULL,
    source        TEXT    NOT NULL,
    sequence      INTEGER,
    customer_id   TEXT,
    expires_at    INTEGER,
    replaced_at   INTEGER,
    replaced_by   INTEGER REFERENCES license_history (id),
    cleared_at    INTEGER,
    cleared_by    TEXT
);
CREATE INDEX license_history_scope ON license_history (scope, id);

-- The license in force per scope.
CREATE TABLE license_current (
    scope       TEXT    PRIMARY KEY,
    history_id  INTEGER NOT NULL REFERENCES license_history (id)
);

-- Highest license sequence ever installed, per customer (this store serves one install).
CREATE TABLE hwm_sequence (
    customer_id  TEXT    PRIMARY KEY,
    sequence     INTEGER NOT NULL
);

-- Append-only, hash-chained. ids come from store_head and have no gaps.
CREATE TABLE audit_log (
    id           INTEGER PRIMARY KEY,
    at           INTEGER NOT NULL,
    actor        TEXT    NOT NULL,
    action       TEXT    NOT NULL,
    fingerprint  TEXT,
    reason       TEXT,
    details      TEXT    NOT NULL,
    prev_hash    TEXT    NOT NULL,
    hash         TEXT    NOT NULL
);

CREATE TABLE api_tokens (
    id            TEXT    PRIMARY KEY,
    name          TEXT    NOT NULL,
    role          TEXT    NOT NULL CHECK (role IN ('viewer', 'admin', 'owner')),
    token_hash    TEXT    NOT NULL UNIQUE,
    created_at    INTEGER NOT NULL,
    last_used_at  INTEGER,
    revoked_at    INTEGER
);

CREATE TABLE renewal_state (
    scope               TEXT    PRIMARY KEY,
    last_attempt_at     INTEGER NOT NULL,
    last_success_at     INTEGER,
    last_error_code     TEXT,
    last_error_message  TEXT
);

CREATE TABLE settings (
    key         TEXT    PRIMARY KEY,
    value       TEXT    NOT NULL,
    updated_at  INTEGER NOT NULL
);
