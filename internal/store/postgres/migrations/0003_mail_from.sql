-- Custom MAIL FROM domains (SES's MailFromAttributes): an identity's own
-- return-path domain and the state of its MX check, and on each message
-- the return-path domain intake chose for it, so that delivery (maybe on
-- another node, maybe after the setting changed) uses the same one.
--
-- Columns with a constant default are added without rewriting the table
-- (PostgreSQL 11+). mail_from_since defaults to the zero time as the store
-- writes it (0001-01-01 UTC), so rows of earlier releases read back as
-- "never set".
ALTER TABLE identities
	ADD COLUMN mail_from_domain text NOT NULL DEFAULT '',
	ADD COLUMN mail_from_status text NOT NULL DEFAULT '',
	ADD COLUMN mail_from_since timestamptz NOT NULL DEFAULT '0001-01-01 00:00:00+00',
	ADD COLUMN behavior_on_mx_failure text NOT NULL DEFAULT 'USE_DEFAULT_VALUE';

-- Empty: the node's default return-path domain.
ALTER TABLE messages ADD COLUMN mail_from_domain text NOT NULL DEFAULT '';
