-- Sequence high-water marks per customer *and scope*. The instance license and an org license of one customer are
-- issued and renewed independently; with one mark per customer, renewing the org license made the instance
-- license look rolled back. Every install is in license_history, so the marks are rebuilt exactly from it.
CREATE TABLE hwm_sequence_scope (
    customer_id  TEXT    NOT NULL,
    scope        TEXT    NOT NULL,
    sequence     BIGINT NOT NULL,
    PRIMARY KEY (customer_id, scope)
);
INSERT INTO hwm_sequence_scope (customer_id, scope, sequence)
    SELECT customer_id, scope, MAX(sequence) FROM license_history
    WHERE customer_id IS NOT NULL AND sequence IS NOT NULL
    GROUP BY customer_id, scope;
DROP TABLE hwm_sequence;
