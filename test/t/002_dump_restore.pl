# pg_dump of a database in server maintenance, with hand changes in the window,
# restored into new databases (custom format with pg_restore, plain with psql):
# the fleet, the saved states, the server row, the event log and the operators' scopes
# come back as they were, disable there restores exactly what it restores in the
# original, and new rows get fresh ids (the identity sequences are dumped too).  The
# scopes name their roles, so a restored scope limits the same role; the scope of a
# role dropped since is not dumped; a restore that meets a scope of a role missing
# there fails rather than leaving that table empty, i.e. every technician unlimited.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use MaintmodeTest;

my $node = new_maintmode_node('dump');
$node->safe_psql('postgres', 'CREATE DATABASE src');
build_fleet($node, 'src', 200);
# A technician per client, as the MSP case in doc/security.md; a role dropped since.
$node->safe_psql(
	'src', q{
	CREATE ROLE tech_client1;
	CREATE ROLE tech_site7;
	CREATE ROLE tech_gone;
	GRANT USAGE ON SCHEMA maintmode TO tech_client1, tech_site7;
	GRANT SELECT ON maintmode.agent TO tech_client1, tech_site7;
	GRANT EXECUTE ON FUNCTION maintmode.set_client_maintenance(bigint, boolean, timestamptz, text)
	    TO tech_client1, tech_site7;
	SELECT maintmode.grant_scope('tech_client1', 'client', 1);
	SELECT maintmode.grant_scope('tech_site7', 'site', 7);
	SELECT maintmode.grant_scope('tech_gone', 'client', 2);
	DROP ROLE tech_gone;
});
$node->safe_psql(
	'src', q{
	SELECT maintmode.server_maint_mode('enable');
	-- hand changes in the window: one agent that was in taken out, one that was out
	-- taken out, an agent added (starts in maintenance), one deleted
	SELECT maintmode.set_agent_maintenance(7, false), maintmode.set_agent_maintenance(8, false);
	INSERT INTO maintmode.agent (site_id, hostname) VALUES (5, 'added-in-window');
	DELETE FROM maintmode.agent WHERE id = 9;
});

# Every table's rows, as text, in one md5 per table; the scopes of dropped roles, which
# are not dumped, left out.
my $tables_sql = q{
	SELECT string_agg(format('%s=%s', c.relname,
	           (xpath('/row/m/text()',
	                  query_to_xml(format('SELECT md5(string_agg(t::text, %L ORDER BY t::text)) AS m FROM maintmode.%I t %s',
	                                      ',', c.relname,
	                                      CASE c.relname WHEN 'operator_scope'
	                                          THEN 'WHERE EXISTS (SELECT FROM pg_roles r WHERE r.oid = t.role)' END),
	                             false, true, '')))[1]),
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

	# The scopes limit the same roles: what each sees, and what it may switch.
	is( $node->safe_psql(
			$db, q{
		SELECT string_agg(role::text || ' ' || scope || ' ' || target, ', ' ORDER BY role::text)
		  FROM maintmode.operator_scope}),
		'tech_client1 client 1, tech_site7 site 7',
		"$db: the scopes restored, naming their roles; the dropped role's not dumped");
	my ($of_client, $of_site) = split /\|/,
	  $node->safe_psql(
		$db, q{
		SELECT count(*) FILTER (WHERE s.client_id = 1), count(*) FILTER (WHERE s.id = 7)
		  FROM maintmode.agent a JOIN maintmode.site s ON s.id = a.site_id});
	ok($of_client > 0 && $of_site > 0, "$db: client 1 and site 7 have agents");
	is($node->safe_psql($db, q{SET ROLE tech_client1; SELECT count(*) FROM maintmode.agent}),
		$of_client, "$db: restored, a client's technician sees its client's agents only");
	is($node->safe_psql($db, q{SET ROLE tech_site7; SELECT count(*) FROM maintmode.agent}),
		$of_site, "$db: restored, a site's technician sees its site's agents only");
	my ($rc, $out, $err) = $node->psql($db, q{
		SET ROLE tech_site7;
		SELECT maintmode.set_client_maintenance(1, true);
	});
	like($err, qr/client 1 is outside the scopes of role "tech_site7"/,
		"$db: restored, a technician may not switch outside its scopes");
}

# A restore into a cluster without a role that has scopes fails at the COPY of the
# scopes, which cannot name it: a restore that went on without them would leave every
# technician unlimited.  (Restore the roles first: pg_dumpall --roles-only.)
$node->safe_psql('postgres', 'CREATE DATABASE scoped');
$node->safe_psql(
	'scoped', q{
	CREATE EXTENSION maintmode;
	INSERT INTO maintmode.client (name) VALUES ('acme');
	CREATE ROLE tech_missing;
	SELECT maintmode.grant_scope('tech_missing', 'client', 1);
});
$node->command_ok([ 'pg_dump', '-Fp', '-d', $node->connstr('scoped'), '-f', "$dump.scoped.sql" ],
	'pg_dump of a database with a scope');
$node->safe_psql('postgres', 'DROP DATABASE scoped');
$node->safe_psql('postgres', 'DROP ROLE tech_missing');
$node->command_ok([ 'createdb', '-h', $node->host, '-p', $node->port, 'no_role' ], 'createdb no_role');
$node->command_fails_like(
	[ 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', $node->connstr('no_role'), '-f', "$dump.scoped.sql" ],
	qr/role "tech_missing" does not exist.*\n.*COPY operator_scope/,
	'a restore without a role that has scopes stops at the COPY of the scopes, naming it');

$node->stop;
done_testing();
