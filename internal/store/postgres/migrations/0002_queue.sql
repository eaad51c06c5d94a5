-- The delivery queue (store.QueueStore): leases on recipients, so that a
-- node that dies mid-delivery loses nothing and two never send the same
-- recipient at once, and the log of every attempt for `hikyaku trace`.

-- The node holding a recipient, and when its lease lapses; both NULL while
-- no node does. Nullable columns without a default are added without
-- rewriting the table.
ALTER TABLE recipients
	ADD COLUMN lease_owner text,
	ADD COLUMN lease_until timestamptz;

-- ClaimDue reads first attempts and retries separately, each oldest due
-- first, so each has an index of its own: a backlog of retries is then
-- never in the way of a scan for new mail, and both indexes hold only the
-- waiting recipients, however much delivered mail the table keeps. A query
-- uses them only if its WHERE implies theirs.
CREATE INDEX recipients_due_first ON recipients(next_attempt_at)
	WHERE status IN ('queued', 'deferred') AND attempts = 0;
CREATE INDEX recipients_due_retry ON recipients(next_attempt_at)
	WHERE status IN ('queued', 'deferred') AND attempts > 0;

-- One row per delivery attempt. seq orders attempts made in the same
-- microsecond; the primary key is also the index that reads a recipient's
-- log.
CREATE TABLE attempts (
	message_id  text COLLATE "C" NOT NULL,
	idx         integer NOT NULL,
	seq         bigint GENERATED ALWAYS AS IDENTITY,
	at          timestamptz NOT NULL,
	duration_ns bigint NOT NULL,
	host        text NOT NULL,
	status      text NOT NULL,
	reply       text NOT NULL,
	PRIMARY KEY (message_id, idx, seq),
	FOREIGN KEY (message_id, idx) REFERENCES recipients(message_id, idx) ON DELETE CASCADE
);
