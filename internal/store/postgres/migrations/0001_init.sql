-- The initial schema. Keys and names that are listed in order or paged
-- through are COLLATE "C" so that they sort by bytes whatever the
-- database's locale, as on SQLite. Lists and outcomes are jsonb (see
-- package column).

CREATE TABLE accounts (
	id                 text COLLATE "C" PRIMARY KEY,
	name               text COLLATE "C" NOT NULL UNIQUE,
	production         boolean NOT NULL,
	sending_enabled    boolean NOT NULL,
	enforcement_status text NOT NULL,
	max_24hour_send    double precision NOT NULL,
	max_send_rate      double precision NOT NULL,
	suppressed_reasons jsonb NOT NULL,
	created_at         timestamptz NOT NULL,
	updated_at         timestamptz NOT NULL
);

CREATE TABLE access_keys (
	id            text COLLATE "C" PRIMARY KEY,
	account_id    text COLLATE "C" NOT NULL REFERENCES accounts(id),
	sealed_secret bytea NOT NULL,
	active        boolean NOT NULL,
	created_at    timestamptz NOT NULL
);
CREATE INDEX access_keys_by_account ON access_keys(account_id, created_at);

CREATE TABLE identities (
	account_id           text COLLATE "C" NOT NULL REFERENCES accounts(id),
	name                 text COLLATE "C" NOT NULL,
	type                 text NOT NULL,
	verification_status  text NOT NULL,
	verification_token   text NOT NULL,
	dkim_signing_enabled boolean NOT NULL,
	dkim_status          text NOT NULL,
	dkim_keys            jsonb NOT NULL,
	configuration_set    text NOT NULL,
	tags                 jsonb NOT NULL,
	created_at           timestamptz NOT NULL,
	checked_at           timestamptz NOT NULL,
	verified_at          timestamptz NOT NULL,
	PRIMARY KEY (account_id, name)
);
CREATE INDEX identities_by_token ON identities(verification_token) WHERE verification_token <> '';
CREATE INDEX identities_by_checked ON identities(checked_at);

CREATE TABLE messages (
	id                text COLLATE "C" PRIMARY KEY,
	account_id        text COLLATE "C" NOT NULL REFERENCES accounts(id),
	source            text NOT NULL,
	from_header       text NOT NULL,
	subject           text NOT NULL,
	return_path       text NOT NULL,
	configuration_set text NOT NULL,
	tags              jsonb NOT NULL,
	origin            text NOT NULL,
	created_at        timestamptz NOT NULL,
	size              integer NOT NULL
);

-- Bodies live apart so that reading a message or scanning recipients never
-- touches body bytes.
CREATE TABLE message_bodies (
	message_id text COLLATE "C" PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
	body       bytea NOT NULL
);

CREATE TABLE recipients (
	message_id      text COLLATE "C" NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
	idx             integer NOT NULL,
	address         text NOT NULL,
	domain          text NOT NULL,
	status          text NOT NULL,
	attempts        integer NOT NULL,
	next_attempt_at timestamptz NOT NULL,
	updated_at      timestamptz NOT NULL,
	outcome         jsonb NOT NULL,
	PRIMARY KEY (message_id, idx)
);
-- The queue asks "which recipients in status S are due by T?". Each index
-- costs every insert, so others come with the queries that need them.
CREATE INDEX recipients_by_due ON recipients(status, next_attempt_at);

CREATE TABLE stats (
	account_id        text COLLATE "C" NOT NULL REFERENCES accounts(id),
	bucket_start      timestamptz NOT NULL,
	delivery_attempts bigint NOT NULL,
	bounces           bigint NOT NULL,
	complaints        bigint NOT NULL,
	rejects           bigint NOT NULL,
	PRIMARY KEY (account_id, bucket_start)
);

CREATE TABLE suppressed (
	account_id  text COLLATE "C" NOT NULL REFERENCES accounts(id),
	address     text COLLATE "C" NOT NULL,
	reason      text NOT NULL,
	message_id  text NOT NULL,
	feedback_id text NOT NULL,
	last_update timestamptz NOT NULL,
	PRIMARY KEY (account_id, address)
);
CREATE INDEX suppressed_by_update ON suppressed(account_id, last_update DESC, address);
