-- The initial schema. Times are INTEGER microseconds since the Unix epoch
-- (UTC); lists and outcomes are JSON text (see package column).

CREATE TABLE accounts (
	id                 TEXT PRIMARY KEY,
	name               TEXT NOT NULL UNIQUE,
	production         INTEGER NOT NULL,
	sending_enabled    INTEGER NOT NULL,
	enforcement_status TEXT NOT NULL,
	max_24hour_send    REAL NOT NULL,
	max_send_rate      REAL NOT NULL,
	suppressed_reasons TEXT NOT NULL,
	created_at         INTEGER NOT NULL,
	updated_at         INTEGER NOT NULL
) STRICT;

CREATE TABLE access_keys (
	id            TEXT PRIMARY KEY,
	account_id    TEXT NOT NULL REFERENCES accounts(id),
	sealed_secret BLOB NOT NULL,
	active        INTEGER NOT NULL,
	created_at    INTEGER NOT NULL
) STRICT;
CREATE INDEX access_keys_by_account ON access_keys(account_id, created_at);

CREATE TABLE identities (
	account_id           TEXT NOT NULL REFERENCES accounts(id),
	name                 TEXT NOT NULL,
	type                 TEXT NOT NULL,
	verification_status  TEXT NOT NULL,
	verification_token   TEXT NOT NULL,
	dkim_signing_enabled INTEGER NOT NULL,
	dkim_status          TEXT NOT NULL,
	dkim_keys            TEXT NOT NULL,
	configuration_set    TEXT NOT NULL,
	tags                 TEXT NOT NULL,
	created_at           INTEGER NOT NULL,
	checked_at           INTEGER NOT NULL,
	verified_at          INTEGER NOT NULL,
	PRIMARY KEY (account_id, name)
) STRICT;
CREATE INDEX identities_by_token ON identities(verification_token) WHERE verification_token <> '';
CREATE INDEX identities_by_checked ON identities(checked_at);

CREATE TABLE messages (
	id                TEXT PRIMARY KEY,
	account_id        TEXT NOT NULL REFERENCES accounts(id),
	source            TEXT NOT NULL,
	from_header       TEXT NOT NULL,
	subject           TEXT NOT NULL,
	return_path       TEXT NOT NULL,
	configuration_set TEXT NOT NULL,
	tags              TEXT NOT NULL,
	origin            TEXT NOT NULL,
	created_at        INTEGER NOT NULL,
	size              INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- Bodies live apart so that reading a message or scanning recipients never
-- pages body bytes in.
CREATE TABLE message_bodies (
	message_id TEXT PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
	body       BLOB NOT NULL
) STRICT;

CREATE TABLE recipients (
	message_id      TEXT NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
	idx             INTEGER NOT NULL,
	address         TEXT NOT NULL,
	domain          TEXT NOT NULL,
	status          TEXT NOT NULL,
	attempts        INTEGER NOT NULL,
	next_attempt_at INTEGER NOT NULL,
	updated_at      INTEGER NOT NULL,
	outcome         TEXT NOT NULL,
	PRIMARY KEY (message_id, idx)
) STRICT, WITHOUT ROWID;
-- The queue asks "which recipients in status S are due by T?". Each index
-- costs every insert a page write, so others come with the queries that
-- need them.
CREATE INDEX recipients_by_due ON recipients(status, next_attempt_at);

CREATE TABLE stats (
	account_id        TEXT NOT NULL REFERENCES accounts(id),
	bucket_start      INTEGER NOT NULL,
	delivery_attempts INTEGER NOT NULL,
	bounces           INTEGER NOT NULL,
	complaints        INTEGER NOT NULL,
	rejects           INTEGER NOT NULL,
	PRIMARY KEY (account_id, bucket_start)
) STRICT, WITHOUT ROWID;

CREATE TABLE suppressed (
	account_id  TEXT NOT NULL REFERENCES accounts(id),
	address     TEXT NOT NULL,
	reason      TEXT NOT NULL,
	message_id  TEXT NOT NULL,
	feedback_id TEXT NOT NULL,
	last_update INTEGER NOT NULL,
	PRIMARY KEY (account_id, address)
) STRICT;
CREATE INDEX suppressed_by_update ON suppressed(account_id, last_update DESC, address);
