-- Configuration documents (configuration sets, event destinations,
-- notification topics and subscriptions: see store.ObjectStore) and the
-- event log with its outbox (store.EventStore).

CREATE TABLE objects (
	account_id TEXT NOT NULL REFERENCES accounts(id),
	kind       TEXT NOT NULL,
	name       TEXT NOT NULL,
	body       BLOB NOT NULL,
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL,
	PRIMARY KEY (account_id, kind, name)
) STRICT, WITHOUT ROWID;

-- The log. fanned is 0 until FanOutEvents has made the event's
-- deliveries; the partial index keeps finding those cheap however long
-- the log grows.
CREATE TABLE events (
	id                INTEGER PRIMARY KEY AUTOINCREMENT,
	account_id        TEXT NOT NULL,
	type              TEXT NOT NULL,
	-- subtype refines type: "Permanent/General" for a bounce, the feedback
	-- type of a complaint, the delay type of a delay.
	subtype           TEXT NOT NULL,
	message_id        TEXT NOT NULL,
	recipient         TEXT NOT NULL,
	source            TEXT NOT NULL,
	configuration_set TEXT NOT NULL,
	at                INTEGER NOT NULL,
	detail            BLOB NOT NULL,
	fanned            INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX events_by_message ON events(message_id);
CREATE INDEX events_by_recipient ON events(account_id, recipient, at) WHERE recipient <> '';
-- Reputation counts every account's recent events, searches by time
-- filter on it, pruning deletes old ones. (No (account_id, at) index as
-- well: every index costs each of the two or more events per message.)
CREATE INDEX events_by_at ON events(at);
CREATE INDEX events_to_fan_out ON events(id) WHERE fanned = 0;

CREATE TABLE event_deliveries (
	event_id        INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
	target          TEXT NOT NULL,
	state           TEXT NOT NULL,
	attempts        INTEGER NOT NULL,
	next_attempt_at INTEGER NOT NULL,
	last_error      TEXT NOT NULL,
	updated_at      INTEGER NOT NULL,
	lease_owner     TEXT,
	lease_until     INTEGER,
	PRIMARY KEY (event_id, target)
) STRICT, WITHOUT ROWID;
CREATE INDEX event_deliveries_due ON event_deliveries(next_attempt_at) WHERE state = 'pending';
CREATE INDEX event_deliveries_by_target ON event_deliveries(target);

-- "Everything that happened to this address": the queue's recipients are
-- found by address for `hikyaku trace --to`.
CREATE INDEX recipients_by_address ON recipients(lower(address));
