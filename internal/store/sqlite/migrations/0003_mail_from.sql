-- Custom MAIL FROM domains (SES's MailFromAttributes): an identity's own
-- return-path domain and the state of its MX check, and on each message
-- the return-path domain intake chose for it, so that delivery (maybe on
-- another node, maybe after the setting changed) uses the same one.
--
-- mail_from_since is in microseconds like every time here; the default is
-- the zero time's encoding (store/column.Micros of time.Time{}), so rows of
-- earlier releases read back as "never set".
ALTER TABLE identities ADD COLUMN mail_from_domain TEXT NOT NULL DEFAULT '';
ALTER TABLE identities ADD COLUMN mail_from_status TEXT NOT NULL DEFAULT '';
ALTER TABLE identities ADD COLUMN mail_from_since INTEGER NOT NULL DEFAULT -62135596800000000;
ALTER TABLE identities ADD COLUMN behavior_on_mx_failure TEXT NOT NULL DEFAULT 'USE_DEFAULT_VALUE';

-- Empty: the node's default return-path domain.
ALTER TABLE messages ADD COLUMN mail_from_domain TEXT NOT NULL DEFAULT '';
