# Alerts through pg_dump and restore: every row comes back exactly (restoring raises,
# suppresses and resolves nothing), the identity sequence goes on after the restored
# ids, and the restored outages and queue behave as they did before.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('alerts_dump');
$node->init;
$node->start;
$node->safe_psql('postgres', 'CREATE DATABASE src');
$node->safe_psql('postgres', 'CREATE DATABASE dst');

# Alerts of every kind and state: sent, queued, suppressed, resolved, overdue.
$node->safe_psql(
	'src', q{
	CREATE EXTENSION maintmode;
	INSERT INTO maintmode.client (name) VALUES ('acme');
	INSERT INTO maintmode.site (client_id, name) VALUES (1, 'hq');
	INSERT INTO maintmode.agent (site_id, hostname, maintenance_mode, last_seen,
	                             overdue_email_alert)
	    SELECT 1, 'host' || g, g = 2, now() - interval '2 hours', g <= 2
	      FROM generate_series(1, 4) g;
	INSERT INTO maintmode.check_result (agent_id, kind, name, email_alert, text_alert)
	    SELECT id, kind, kind || id, true, id % 2 = 0
	      FROM maintmode.agent, (VALUES ('check'), ('task')) k(kind);
	UPDATE maintmode.check_result SET status = 'failing';
	SELECT count(*) FROM maintmode.take_notifications('email', 3);
	UPDATE maintmode.check_result SET status = 'passing' WHERE agent_id = 4 AND kind = 'task';
	SELECT maintmode.set_agent_maintenance(3, true);
	SELECT * FROM maintmode.sweep_overdue();
});

my $alerts_query = 'SELECT * FROM maintmode.alert ORDER BY id';
my $before = $node->safe_psql('src', $alerts_query);
my $count = $node->safe_psql('src', 'SELECT count(*) FROM maintmode.alert');
my $last_id = $node->safe_psql('src', 'SELECT max(id) FROM maintmode.alert');
cmp_ok($count, '>=', 10, "src has $count alerts");
is( $node->safe_psql(
		'src', q{SELECT count(*) FILTER (WHERE suppressed) > 0
		               AND count(*) FILTER (WHERE email_sent_at IS NOT NULL) > 0
		               AND count(*) FILTER (WHERE resolved_at IS NOT NULL) > 0
		               AND count(*) FILTER (WHERE kind = 'overdue') > 0
		          FROM maintmode.alert}),
	't',
	'src has suppressed, sent, resolved and overdue alerts');

my $dump = $node->basedir . '/src.sql';
$node->command_ok([ 'pg_dump', '-d', $node->connstr('src'), '-f', $dump ], 'pg_dump');
$node->command_ok(
	[ 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', $node->connstr('dst'), '-f', $dump ],
	'restore');

is($node->safe_psql('dst', $alerts_query), $before, 'every alert restored unchanged');

# What the sweep and the senders would do next is the same on both sides.
for my $db ('src', 'dst')
{
	is($node->safe_psql($db, 'SELECT * FROM maintmode.sweep_overdue()'),
		'0|0|0', "$db: the restored outages are not raised again");
}
is( $node->safe_psql(
		'dst',
		q{SELECT string_agg(id::text, ',' ORDER BY id) FROM maintmode.take_notifications('sms', 100)}
	),
	$node->safe_psql(
		'src',
		q{SELECT string_agg(id::text, ',' ORDER BY id) FROM maintmode.take_notifications('sms', 100)}
	),
	'the same alerts are still to send');

# New alerts get new ids.
is( $node->safe_psql(
		'dst', qq{
	UPDATE maintmode.check_result SET status = 'failing' WHERE agent_id = 4 AND kind = 'task';
	SELECT min(id) > $last_id FROM maintmode.alert WHERE resolved_at IS NULL AND agent_id = 4
	                                              AND kind = 'task'}),
	't',
	'a new alert after restore gets an id after the restored ones');

$node->stop;
done_testing();
