-- Configuration documents (configuration sets, event destinations,
-- notification topics and subscriptions: see store.ObjectStore) and the
-- event log with its outbox (store.EventStore).

CREATE TABLE objects (
	account_id text COLLATE "C" NOT NULL REFERENCES accounts(id),
	kind       text COLLATE "C" NOT NULL,
	name       text COLLATE "C" NOT NULL,
	body       bytea NOT NULL,
	created_at timestamptz NOT NULL,
	updated_at timestamptz NOT NULL,
	PRIMARY KEY (account_id, kind, name)
);

-- The log. fanned is false until FanOutEvents has made the event's
-- deliveries; the partial index keeps finding those cheap however long
-- the log grows.
CREATE TABLE events (
	id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	account_id        text COLLATE "C" NOT NULL,
	type              text NOT NULL,
	-- subtype refines type: "Permanent/General" for a bounce, the feedback
	-- type of a complaint, the delay type of a delay.
	subtype           text NOT NULL,
	message_id        text COLLATE "C" NOT NULL,
	recipient         text COLLATE "C" NOT NULL,
	source            text NOT NULL,
	configuration_set text NOT NULL,
	at                timestamptz NOT NULL,
	detail            bytea NOT NULL,
	fanned            boolean NOT NULL DEFAULT false
);
CREATE INDEX events_by_message ON events(message_id);
CREATE INDEX events_by_recipient ON events(account_id, recipient, at) WHERE recipient <> '';
-- Reputation counts every account's recent events, searches by time
-- filter on it, pruning deletes old ones. (No (account_id, at) index as
-- well: every index costs each of the two or more events per message.)
CREATE INDEX events_by_at ON events(at);
CREATE INDEX events_to_fan_out ON events(id) WHERE NOT fanned;

CREATE TABLE event_deliveries (
	event_id        bigint NOT NULL REFERENCES events(id) ON DELETE CASCADE,
	target          text COLLATE "C" NOT NULL,
	state           text NOT NULL,
	attempts        integer NOT NULL,
	next_attempt_at timestamptz NOT NULL,
	last_error      text NOT NULL,
	updated_at      timestamptz NOT NULL,
	lease_owner     text,
	lease_until     timestamptz,
	PRIMARY KEY (event_id, target)
);
CREATE INDEX event_deliveries_due ON event_deliveries(next_attempt_at) WHERE state = 'pending';
CREATE INDEX event_deliveries_by_target ON event_deliveries(target);

-- "Everything that happened to this address": the queue's recipients are
-- found by address for `hikyaku trace --to`.
CREATE INDEX recipients_by_address ON recipients(lower(address));
