# Dashboard counters through pg_dump and restore: the counter tables are not dumped,
# the restore's COPY into the base tables fires the counter triggers, and the restored
# database ends with every counter equal to its recomputation and the same colours.
# A data-only restore with --disable-triggers leaves them stale until
# rebuild_counters(), which is what the README tells users to run then.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('dashboard_dump');
$node->init;
$node->start;
$node->safe_psql('postgres', 'CREATE DATABASE src');
$node->safe_psql('postgres', 'CREATE DATABASE dst');
$node->safe_psql('postgres', 'CREATE DATABASE dst_data');

# A fleet with every colour: failing checks and tasks of each severity, agents in
# maintenance, an overdue agent with an alert flag, an empty site and client.
$node->safe_psql(
	'src', q{
	CREATE EXTENSION maintmode;
	INSERT INTO maintmode.client (name) SELECT 'client' || g FROM generate_series(1, 4) g;
	INSERT INTO maintmode.site (client_id, name)
	    SELECT 1 + g % 3, 'site' || g FROM generate_series(1, 9) g;
	INSERT INTO maintmode.agent (site_id, hostname, maintenance_mode, last_seen,
	                             overdue_email_alert)
	    SELECT 1 + g % 8, 'agent' || g, g % 7 = 0,
	           now() - CASE WHEN g = 5 THEN interval '2 hours' ELSE '1 minute' END, g = 5
	      FROM generate_series(1, 40) g;
	INSERT INTO maintmode.check_result (agent_id, kind, name, status, alert_severity)
	    SELECT a.id, CASE WHEN k % 3 = 0 THEN 'task' ELSE 'check' END, 'check' || k,
	           CASE WHEN (a.id + 2 * k) % 5 = 0 THEN 'failing' ELSE 'passing' END,
	           (ARRAY['info', 'warning', 'error'])[1 + (a.id + k) % 3]
	      FROM maintmode.agent a, generate_series(1, 6) k;
});

my $colours = q{
	SELECT (SELECT string_agg(agent_id || ':' || colour, ' ' ORDER BY agent_id)
	          FROM maintmode.agent_dashboard),
	       (SELECT string_agg(site_id || ':' || colour || ':' || agents || ':' || agents_in_maintenance,
	                          ' ' ORDER BY site_id) FROM maintmode.site_dashboard),
	       (SELECT string_agg(client_id || ':' || colour || ':' || agents, ' ' ORDER BY client_id)
	          FROM maintmode.client_dashboard)};
my $before = $node->safe_psql('src', $colours);
like($before, qr/error/, 'src has error colours');
like($before, qr/warning/, 'src has warning colours');
like($before, qr/maintenance/, 'src has maintenance colours');
is($node->safe_psql('src', 'SELECT count(*) FROM maintmode.verify_counters()'),
	'0', 'src counters agree');

my $dump = $node->basedir . '/src.sql';
$node->command_ok([ 'pg_dump', '-d', $node->connstr('src'), '-f', $dump ], 'pg_dump');
unlike(slurp_file($dump), qr/COPY maintmode\.\w+_counter/, 'no counter table in the dump');
$node->command_ok(
	[ 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', $node->connstr('dst'), '-f', $dump ],
	'restore');
is($node->safe_psql('dst', 'SELECT count(*) FROM maintmode.verify_counters()'),
	'0', 'restored counters agree with the restored rows');
is($node->safe_psql('dst', $colours), $before, 'same colours after restore');

# Data only, triggers disabled: nothing counted until rebuild_counters().
my $data = $node->basedir . '/src_data.sql';
$node->command_ok(
	[ 'pg_dump', '--data-only', '--disable-triggers', '-d', $node->connstr('src'), '-f', $data ],
	'pg_dump --data-only --disable-triggers');
$node->safe_psql('dst_data', 'CREATE EXTENSION maintmode');
$node->command_ok(
	[ 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', $node->connstr('dst_data'), '-f', $data ],
	'data-only restore');
cmp_ok($node->safe_psql('dst_data', 'SELECT count(*) FROM maintmode.verify_counters()'),
	'>', 0, 'counters stale after a restore with triggers disabled');
$node->safe_psql('dst_data', 'SELECT maintmode.rebuild_counters()');
is($node->safe_psql('dst_data', 'SELECT count(*) FROM maintmode.verify_counters()'),
	'0', 'rebuild_counters() makes them agree');
is($node->safe_psql('dst_data', $colours), $before, 'same colours after rebuild');

$node->stop;
done_testing();
