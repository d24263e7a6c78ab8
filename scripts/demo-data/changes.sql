-- A day later: two users changed, one account grew, two new events.
update users set role = 'admin', is_admin = 1 where user_id = 'u-1002';
update users set last_seen_at = '2024-05-03 09:00:00', projects = 1 where user_id = 'u-1008';
update accounts set seats = 45, mrr = 1690.50 where account_id = 'acc-102';
insert into events values
	('ev-5011', 'u-1008', 'Created Project', '2024-05-03 09:01:30', 'pro', null, 'dashboards'),
	('ev-5012', 'u-1002', 'Invited Teammate', '2024-05-03 10:15:00', 'enterprise', null, null);
