# pg_dump of a database in server maintenance, with hand changes in the window,
# restored into new databases (custom format with pg_restore, plain with psql):
# the fleet, the saved states, the server row and the event log come back as they
# were, disable there restores exactly what it restores in the original, and new
# rows get fresh ids (the identity sequences are dumped too).
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use MaintmodeTest;

my $node = new_maintmode_node('dump');
$node->safe_psql('postgres', 'CREATE DATABASE src');
build_fleet($node, 'src', 200);
$node->safe_psql(
	'src', q{
	SELECT maintmode.server_maint_mode('enable');
	-- hand changes in the window: one agent that was in taken out, one that was out
	-- taken out, an agent added (starts in maintenance), one deleted
	SELECT maintmode.set_agent_maintenance(7, false), maintmode.set_agent_maintenance(8, false);
	INSERT INTO maintmode.agent (site_id, hostname) VALUES (5, 'added-in-window');
	DELETE FROM maintmode.agent WHERE id = 9;
});

# Every table's rows, as text, in one md5 per table.
my $tables_sql = q{
	SELECT string_agg(format('%s=%s', c.relname,
	           (xpath('/row/m/text()',
	                  query_to_xml(format('SELECT md5(string_agg(t::text, %L ORDER BY t::text)) AS m FROM maintmode.%I t',
	                                      ',', c.relname), false, true, '')))[1]),
	           ' ' ORDER BY c.relname)
	  FROM pg_class c
	 WHERE c.relnamespace = 'maintmode'::regnamespace AND c.relkind = 'r'};
my $src_tables = $node->safe_psql('src', $tables_sql);
my $status_sql = 'SELECT in_maintenance, since, enabled_by, saved_states, agents, agents_in_maintenance FROM maintmode.server_maint_status()';
my $src_status = $node->safe_psql('src', $status_sql);
my $last_ids_sql = q{
	SELECT string_agg(format('%s=%s', c.relname, s.last_value), ' ' ORDER BY c.relname)
	  FROM pg_class c JOIN pg_sequences s ON s.schemaname = 'maintmode' AND s.sequencename = c.relname
	 WHERE c.relnamespace = 'maintmode'::regnamespace AND c.relkind = 'S'};

# Every sequence owned by a dumped table is dumped too, else a restore hands out
# ids the restored rows already have.
is( $node->safe_psql(
		'src', q{
		SELECT string_agg(d.objid::regclass::text, ', ')
		  FROM pg_extension e
		  JOIN pg_depend d ON d.refobjid = ANY (e.extconfig) AND d.classid = 'pg_class'::regclass
		                  AND d.deptype IN ('a', 'i')
		  JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
		 WHERE e.extname = 'maintmode' AND NOT d.objid = ANY (e.extconfig)}),
	'', 'every identity sequence of a dumped table is dumped');

my $dump = "$PostgreSQL::Test::Utils::tmp_check/src.dump";
$node->command_ok([ 'pg_dump', '-Fc', '-d', $node->connstr('src'), '-f', $dump ], 'pg_dump -Fc');
$node->command_ok([ 'createdb', '-h', $node->host, '-p', $node->port, 'custom' ], 'createdb custom');
$node->command_ok([ 'pg_restore', '--exit-on-error', '-d', $node->connstr('custom'), $dump ], 'pg_restore');
$node->command_ok([ 'pg_dump', '-Fp', '-d', $node->connstr('src'), '-f', "$dump.sql" ], 'pg_dump plain');
$node->command_ok([ 'createdb', '-h', $node->host, '-p', $node->port, 'plain' ], 'createdb plain');
$node->command_ok([ 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', $node->connstr('plain'), '-f', "$dump.sql" ],
	'psql < plain dump');

# What disable does in the original.
my $src_last_ids = $node->safe_psql('src', $last_ids_sql);
$node->safe_psql('src', q{SELECT maintmode.server_maint_mode('disable')});
my $src_after_disable = agents_digest($node, 'src');

for my $db ('custom', 'plain')
{
	is($node->safe_psql($db, $tables_sql), $src_tables, "$db: every table's rows restored as they were");
	is($node->safe_psql($db, $status_sql), $src_status, "$db: server_maint_status as in the original");
	is($node->safe_psql($db, $last_ids_sql), $src_last_ids, "$db: sequences restored");
	assert_consistent($node, $db, "$db after restore");

	is($node->safe_psql($db, q{SELECT states_restored FROM maintmode.server_maint_mode('disable')}),
		'199', "$db: disable restores the saved states of the 199 agents left (the deleted one's is ignored)");
	is(agents_digest($node, $db), $src_after_disable, "$db: disable restores exactly what it restores in the original");
	assert_consistent($node, $db, "$db after disable");

	# New rows get ids after the restored ones.
	is( $node->safe_psql(
			$db, q{
		WITH c AS (INSERT INTO maintmode.client (name) VALUES ('new') RETURNING id),
		     s AS (INSERT INTO maintmode.site (client_id, name) SELECT id, 'new' FROM c RETURNING id),
		     a AS (INSERT INTO maintmode.agent (site_id, hostname) SELECT id, 'new' FROM s RETURNING id),
		     k AS (INSERT INTO maintmode.check_result (agent_id, name) SELECT id, 'new' FROM a RETURNING id)
		SELECT (SELECT id FROM c), (SELECT id FROM s), (SELECT id FROM a), (SELECT id FROM k)}),
		'11|101|202|201', "$db: new client, site, agent (after the one added in the window) and check get fresh ids");
	is($node->safe_psql($db, q{SELECT max(id) FROM maintmode.event_log}),
		$node->safe_psql('src', q{SELECT max(id) FROM maintmode.event_log}),
		"$db: the disable got the next event log id, as in the original");
}

$node->stop;
done_testing();
