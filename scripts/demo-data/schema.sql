-- The demo's warehouse: a SaaS product's accounts, users and events.
create table accounts (
	account_id text primary key,
	name text not null,
	industry text,
	plan text not null,
	seats integer not null,
	mrr numeric not null,
	created_at text not null
);
create table users (
	user_id text primary key,
	email text not null,
	name text not null,
	account_id text references accounts,
	role text,
	plan text not null,
	signed_up_at text not null,
	last_seen_at text,
	is_admin integer not null,
	projects integer not null
);
create table events (
	event_id text primary key,
	user_id text not null references users,
	event_name text not null,
	occurred_at text not null,
	plan text,
	amount numeric,
	feature text
);
.import --csv --skip 1 accounts.csv accounts
.import --csv --skip 1 users.csv users
.import --csv --skip 1 events.csv events
-- .import stores an empty field as an empty string; the warehouse has NULLs.
update users set last_seen_at = null where last_seen_at = '';
update events set amount = null where amount = '';
update events set feature = null where feature = '';
