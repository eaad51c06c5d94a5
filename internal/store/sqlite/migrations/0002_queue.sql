-- The delivery queue (store.QueueStore): leases on recipients, so that a
-- node that dies mid-delivery loses nothing and two never send the same
-- recipient at once, and the log of every attempt for `hikyaku trace`.

-- The node holding a recipient, and when its lease lapses (microseconds);
-- both NULL while no node does.
ALTER TABLE recipients ADD COLUMN lease_owner TEXT;
ALTER TABLE recipients ADD COLUMN lease_until INTEGER;

-- ClaimDue reads first attempts and retries separately, each oldest due
-- first, so each has an index of its own: a backlog of retries is then
-- never in the way of a scan for new mail, and both indexes hold only the
-- waiting recipients, however much delivered mail the table keeps. A query
-- uses them only if its WHERE repeats their WHERE word for word.
CREATE INDEX recipients_due_first ON recipients(next_attempt_at)
	WHERE status IN ('queued', 'deferred') AND attempts = 0;
CREATE INDEX recipients_due_retry ON recipients(next_attempt_at)
	WHERE status IN ('queued', 'deferred') AND attempts > 0;

-- One row per delivery attempt. seq (the rowid) orders attempts made in
-- the same microsecond.
CREATE TABLE attempts (
	seq         INTEGER PRIMARY KEY,
	message_id  TEXT NOT NULL,
	idx         INTEGER NOT NULL,
	at          INTEGER NOT NULL,
	duration_ns INTEGER NOT NULL,
	host        TEXT NOT NULL,
	status      TEXT NOT NULL,
	reply       TEXT NOT NULL,
	FOREIGN KEY (message_id, idx) REFERENCES recipients(message_id, idx) ON DELETE CASCADE
) STRICT;
CREATE INDEX attempts_by_recipient ON attempts(message_id, idx, at);
