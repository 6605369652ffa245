# DROP EXTENSION leaves nothing behind (nothing in schema maintmode, the catalogs
# as before CREATE EXTENSION), CREATE EXTENSION again works, also in the same
# session (the kept plans follow the new tables); ALTER EXTENSION UPDATE from every
# earlier version gives what a fresh install gives, and keeps the data.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use MaintmodeTest;

# Every version an installation can be on today besides the default; add each new
# released version here (its upgrade script maintmode--X--Y.sql makes the path).
my @earlier_versions = ('1.0', '1.1', '1.2');

my $node = new_maintmode_node('dropupdate');

# Rows in the catalogs an extension can leave something in.
my $catalog_counts_sql = q{
	SELECT string_agg(format('%s=%s', c, (xpath('/row/n/text()',
	           query_to_xml(format('SELECT count(*) AS n FROM pg_catalog.%I', c), false, true, '')))[1]),
	           ' ' ORDER BY c)
	  FROM unnest(ARRAY['pg_class', 'pg_proc', 'pg_type', 'pg_operator', 'pg_depend',
	                    'pg_init_privs', 'pg_trigger', 'pg_constraint', 'pg_attrdef',
	                    'pg_sequence', 'pg_extension', 'pg_description', 'pg_cast',
	                    'pg_event_trigger', 'pg_policy', 'pg_rewrite', 'pg_index']) AS c};
# Objects still in schema maintmode, by kind.
my $schema_objects_sql = q{
	SELECT count(*) FROM (
	    SELECT oid FROM pg_class WHERE relnamespace = 'maintmode'::regnamespace
	    UNION ALL SELECT oid FROM pg_proc WHERE pronamespace = 'maintmode'::regnamespace
	    UNION ALL SELECT oid FROM pg_type WHERE typnamespace = 'maintmode'::regnamespace
	    UNION ALL SELECT oid FROM pg_operator WHERE oprnamespace = 'maintmode'::regnamespace
	    UNION ALL SELECT oid FROM pg_constraint WHERE connamespace = 'maintmode'::regnamespace) o};

$node->safe_psql('postgres', 'CREATE DATABASE drop_test');
my $before = $node->safe_psql('drop_test', $catalog_counts_sql);

# One session: create, use, drop, create again, use again, drop.
my $session_out = $node->safe_psql(
	'drop_test', q{
	CREATE EXTENSION maintmode;
	INSERT INTO maintmode.client (name) VALUES ('acme');
	INSERT INTO maintmode.site (client_id, name) VALUES (1, 'hq');
	INSERT INTO maintmode.agent (site_id, hostname) VALUES (1, 'a1'), (1, 'a2');
	SELECT states_saved FROM maintmode.server_maint_mode('enable');
	SELECT maintmode.set_agent_maintenance(1, false);
	DROP EXTENSION maintmode;
	CREATE EXTENSION maintmode;
	INSERT INTO maintmode.client (name) VALUES ('acme');
	INSERT INTO maintmode.site (client_id, name) VALUES (1, 'hq');
	INSERT INTO maintmode.agent (site_id, hostname) VALUES (1, 'b1');
	SELECT states_saved FROM maintmode.server_maint_mode('enable');
	SELECT maintmode.set_agent_maintenance(1, false);
	SELECT string_agg(hostname || ':' || maintenance_mode, ' ') FROM maintmode.agent;
	SELECT count(*) FROM maintmode.event_log;
	DROP EXTENSION maintmode;
});
is($session_out, "2\n1\n1\n1\nb1:false\n2",
	'create, use, drop and create again in one session: the second install starts empty and works');

is($node->safe_psql('drop_test', $schema_objects_sql), '0', 'after DROP EXTENSION nothing is left in schema maintmode');
is($node->safe_psql('drop_test', $catalog_counts_sql), $before, 'after DROP EXTENSION the catalogs are as before CREATE EXTENSION');
# CREATE EXTENSION made the schema (the control file names it); an empty schema is
# left, as PostgreSQL does for every such extension.
$node->safe_psql('drop_test', 'DROP SCHEMA maintmode');
is($node->safe_psql('drop_test', 'SELECT count(*) FROM pg_namespace WHERE nspname = $$maintmode$$'),
	'0', 'the empty schema drops without CASCADE');

# The extension as the catalogs define it, one entry per object or property, sorted:
# members; functions in full (pg_get_functiondef: arguments and defaults, result,
# attributes, settings and the body, also an SQL-standard one) and their privileges;
# table and view columns with their position among the columns not dropped (what
# INSERT ... SELECT * and SELECT * see), type, default and identity; constraints,
# indexes, triggers, views' queries, relation kinds, options, privileges and row-level
# security, and the policies; sequences'
# options; statistics objects; comments; initial privileges; dumped tables and their
# filter conditions.  A fragment of schema/ that differs from the update path shows
# here as a line or two of the diff.
my $definition_sql = q{
	WITH ext AS (SELECT oid, extconfig, extcondition FROM pg_extension WHERE extname = 'maintmode'),
	rels AS (SELECT oid, relkind FROM pg_class WHERE relnamespace = 'maintmode'::regnamespace),
	objs AS (SELECT 'pg_class'::regclass AS classid, oid FROM rels
	         UNION ALL SELECT 'pg_proc'::regclass, oid FROM pg_proc WHERE pronamespace = 'maintmode'::regnamespace
	         UNION ALL SELECT 'pg_type'::regclass, oid FROM pg_type WHERE typnamespace = 'maintmode'::regnamespace
	         UNION ALL SELECT 'pg_constraint'::regclass, oid FROM pg_constraint
	                    WHERE connamespace = 'maintmode'::regnamespace
	         UNION ALL SELECT 'pg_trigger'::regclass, oid FROM pg_trigger WHERE tgrelid IN (SELECT oid FROM rels)
	         UNION ALL SELECT 'pg_statistic_ext'::regclass, oid FROM pg_statistic_ext
	                    WHERE stxnamespace = 'maintmode'::regnamespace
	         UNION ALL SELECT 'pg_policy'::regclass, oid FROM pg_policy WHERE polrelid IN (SELECT oid FROM rels)
	         UNION ALL SELECT 'pg_extension'::regclass, oid FROM ext)
	SELECT string_agg(x, E'\n' ORDER BY x) FROM (
	    SELECT 'member ' || pg_describe_object(d.classid, d.objid, 0)
	      FROM pg_depend d, ext WHERE d.refclassid = 'pg_extension'::regclass
	                              AND d.refobjid = ext.oid AND d.deptype = 'e'
	    UNION ALL
	    SELECT format(E'function %s acl=%s\n%s', p.oid::regprocedure, p.proacl, pg_get_functiondef(p.oid))
	      FROM pg_proc p WHERE p.pronamespace = 'maintmode'::regnamespace
	    UNION ALL
	    SELECT format('column %s #%s %s %s notnull=%s default=%s identity=%s generated=%s',
	                  a.attrelid::regclass, rank() OVER (PARTITION BY a.attrelid ORDER BY a.attnum),
	                  a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
	                  pg_get_expr(ad.adbin, ad.adrelid), a.attidentity, a.attgenerated)
	      FROM pg_attribute a LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
	     WHERE a.attrelid IN (SELECT oid FROM rels WHERE relkind IN ('r', 'p', 'v', 'm', 'f'))
	       AND a.attnum > 0 AND NOT a.attisdropped
	    UNION ALL
	    SELECT format('constraint %s %s %s', conrelid::regclass, conname, pg_get_constraintdef(oid))
	      FROM pg_constraint WHERE connamespace = 'maintmode'::regnamespace
	    UNION ALL
	    SELECT 'index ' || pg_get_indexdef(indexrelid) FROM pg_index WHERE indrelid IN (SELECT oid FROM rels)
	    UNION ALL
	    SELECT format('trigger %s enabled=%s', pg_get_triggerdef(oid), tgenabled) FROM pg_trigger
	     WHERE tgrelid IN (SELECT oid FROM rels) AND NOT tgisinternal
	    UNION ALL
	    SELECT format('relation %s kind=%s persistence=%s options=%s acl=%s rowsecurity=%s force=%s',
	                  oid::regclass, relkind, relpersistence, reloptions, relacl, relrowsecurity,
	                  relforcerowsecurity)
	      FROM pg_class WHERE oid IN (SELECT oid FROM rels)
	    UNION ALL
	    SELECT format('policy %s on %s for %s permissive=%s roles=%s using %s check %s', polname,
	                  polrelid::regclass, polcmd, polpermissive, polroles::regrole[],
	                  pg_get_expr(polqual, polrelid), pg_get_expr(polwithcheck, polrelid))
	      FROM pg_policy WHERE polrelid IN (SELECT oid FROM rels)
	    UNION ALL
	    SELECT format(E'view %s\n%s', oid::regclass, pg_get_viewdef(oid))
	      FROM rels WHERE relkind IN ('v', 'm')
	    UNION ALL
	    SELECT format('sequence %s type=%s start=%s increment=%s min=%s max=%s cache=%s cycle=%s',
	                  seqrelid::regclass, seqtypid::regtype, seqstart, seqincrement, seqmin, seqmax,
	                  seqcache, seqcycle)
	      FROM pg_sequence WHERE seqrelid IN (SELECT oid FROM rels)
	    UNION ALL
	    SELECT format('statistics %s target=%s', pg_get_statisticsobjdef(oid), stxstattarget)
	      FROM pg_statistic_ext WHERE stxnamespace = 'maintmode'::regnamespace
	    UNION ALL
	    SELECT format('comment %s: %s', pg_describe_object(d.classoid, d.objoid, d.objsubid), d.description)
	      FROM pg_description d JOIN objs o ON o.classid = d.classoid AND o.oid = d.objoid
	    UNION ALL
	    SELECT format('initial privileges %s: %s', pg_describe_object(i.classoid, i.objoid, i.objsubid),
	                  i.initprivs)
	      FROM pg_init_privs i JOIN objs o ON o.classid = i.classoid AND o.oid = i.objoid
	    UNION ALL
	    SELECT format('dumped %s where %L', c::regclass, w)
	      FROM ext, unnest(ext.extconfig, ext.extcondition) AS u(c, w)
	) s(x)};

# Lines only in one definition or the other, as diff -u shows them.
sub definition_diff
{
	my ($expected, $got) = @_;
	my $dir = PostgreSQL::Test::Utils::tempdir();
	PostgreSQL::Test::Utils::append_to_file("$dir/fresh", "$expected\n");
	PostgreSQL::Test::Utils::append_to_file("$dir/updated", "$got\n");
	return scalar `diff -u '$dir/fresh' '$dir/updated'`;
}

$node->safe_psql('postgres', 'CREATE DATABASE fresh');
$node->safe_psql('fresh', 'CREATE EXTENSION maintmode');
my $fresh = $node->safe_psql('fresh', $definition_sql);
my $default_version = $node->safe_psql('fresh',
	q{SELECT default_version FROM pg_available_extensions WHERE name = 'maintmode'});
is($node->safe_psql('fresh', q{SELECT extversion FROM pg_extension WHERE extname = 'maintmode'}),
	$default_version, "a fresh install is version $default_version");

for my $version (@earlier_versions)
{
	my $db = "from_$version" =~ s/\W/_/gr;
	$node->safe_psql('postgres', qq{CREATE DATABASE "$db"});
	$node->safe_psql($db, qq{CREATE EXTENSION maintmode VERSION '$version'});
	$node->safe_psql(
		$db, q{
		INSERT INTO maintmode.client (name) VALUES ('acme');
		INSERT INTO maintmode.site (client_id, name) VALUES (1, 'hq');
		INSERT INTO maintmode.agent (site_id, hostname, maintenance_mode)
		    SELECT 1, 'h' || g, g % 3 = 0 FROM generate_series(1, 30) g;
		SELECT maintmode.server_maint_mode('enable');
		SELECT maintmode.set_agent_maintenance(1, false);
		INSERT INTO maintmode.site (client_id, name) VALUES (1, 'branch');
		INSERT INTO maintmode.check_result (agent_id, name)
		    SELECT id, 'disk' FROM maintmode.agent WHERE id <= 5;
		UPDATE maintmode.check_result SET status = 'failing', alert_severity = 'error'
		 WHERE agent_id IN (1, 2);
		UPDATE maintmode.agent SET site_id = 2 WHERE id IN (2, 4);
	});
	is($node->safe_psql($db, 'SELECT count(*) FROM maintmode.verify_counters()'),
		'0', "on $version with the new library: the $version counters equal their recomputation");
	my $agents = agents_digest($node, $db);
	my $saved = saved_digest($node, $db);

	$node->safe_psql($db, 'ALTER EXTENSION maintmode UPDATE');
	is($node->safe_psql($db, q{SELECT extversion FROM pg_extension WHERE extname = 'maintmode'}),
		$default_version, "from $version: updated to $default_version");
	my $updated = $node->safe_psql($db, $definition_sql);
	ok($updated eq $fresh, "from $version: the same definition as a fresh install")
	  or diag(definition_diff($fresh, $updated));
	is(agents_digest($node, $db), $agents, "from $version: agents kept");
	is(saved_digest($node, $db), $saved, "from $version: saved states kept");
	assert_consistent($node, $db, "from $version");
	$node->safe_psql($db, q{SELECT maintmode.server_maint_mode('disable')});
	is( $node->safe_psql($db,
			'SELECT count(*) FROM maintmode.agent WHERE maintenance_mode <> (id % 3 = 0)'),
		'0', "from $version: disable after the update restores the states saved before it");

	# 1.1: what 1.0 had in maintenance is hand-set; windows work on the updated data.
	is( $node->safe_psql($db,
			'SELECT count(*) FROM maintmode.agent WHERE hand_maintenance <> maintenance_mode OR window_maintenance'),
		'0', "from $version: every agent's maintenance is its hand flag");
	is( $node->safe_psql(
			$db, q{
		SELECT maintmode.create_window('agent', 1, now(), duration => '1 hour', reason => 'after update');
		SELECT maintenance_mode FROM maintmode.agent WHERE id = 1}),
		"1\nt", "from $version: a window applies after the update");
}

# Before the update, the 1.0 functions run on the new library (installed first, as a
# package upgrade does); the update keeps EXECUTE granted on the switches it replaces.
$node->safe_psql('postgres', 'CREATE DATABASE grants_1_0');
$node->safe_psql(
	'grants_1_0', q{
	CREATE EXTENSION maintmode VERSION '1.0';
	CREATE ROLE regress_operator;
	GRANT EXECUTE ON FUNCTION maintmode.set_site_maintenance(bigint, boolean) TO regress_operator;
	INSERT INTO maintmode.client (name) VALUES ('acme');
	INSERT INTO maintmode.site (client_id, name) VALUES (1, 'hq');
	INSERT INTO maintmode.agent (site_id, hostname) VALUES (1, 'a1');
});
is($node->safe_psql('grants_1_0', 'SELECT maintmode.set_site_maintenance(1, true)'),
	'1', 'on 1.0 with the new library, the 1.0 switch works');
$node->safe_psql('grants_1_0', 'ALTER EXTENSION maintmode UPDATE');
is( $node->safe_psql(
		'grants_1_0', q{
		SELECT has_function_privilege('regress_operator',
		    'maintmode.set_site_maintenance(bigint, boolean, timestamptz, text)', 'EXECUTE'),
		       has_function_privilege('regress_operator',
		    'maintmode.set_agent_maintenance(bigint, boolean, timestamptz, text)', 'EXECUTE')}),
	't|f', 'the update grants EXECUTE on the new switch to who had it on the old one, and no more');
$node->safe_psql('grants_1_0', 'DROP EXTENSION maintmode');
$node->safe_psql('postgres', 'DROP ROLE regress_operator');

# Since 1.3 the dashboard views read the tables as their caller: the update grants those
# tables to the roles that could read the views, so they keep reading them.  The grants
# are the DBA's, not the extension's: pg_dump writes them (they are not left among the
# extension's initial privileges, which it leaves out), and a restore keeps them.
$node->safe_psql('postgres', 'CREATE DATABASE grants_1_2');
$node->safe_psql(
	'grants_1_2', q{
	CREATE EXTENSION maintmode VERSION '1.2';
	CREATE ROLE regress_dashboard;
	CREATE ROLE regress_agents;
	GRANT USAGE ON SCHEMA maintmode TO regress_dashboard, regress_agents;
	GRANT SELECT ON maintmode.agent_dashboard, maintmode.site_dashboard,
	                maintmode.client_dashboard TO regress_dashboard;
	GRANT EXECUTE ON FUNCTION maintmode.overdue_alerting_agents() TO regress_dashboard;
	GRANT SELECT ON maintmode.agent TO regress_agents;
	REVOKE EXECUTE ON FUNCTION maintmode.server_maint_status() FROM PUBLIC;
	GRANT EXECUTE ON FUNCTION maintmode.server_maint_status() TO regress_dashboard;
	INSERT INTO maintmode.client (name) VALUES ('acme');
	INSERT INTO maintmode.site (client_id, name) VALUES (1, 'hq');
	INSERT INTO maintmode.agent (site_id, hostname) VALUES (1, 'a1'), (1, 'a2');
});
my $dashboards_sql = q{
	SET ROLE regress_dashboard;
	SELECT (SELECT count(*) FROM maintmode.agent_dashboard),
	       (SELECT count(*) FROM maintmode.site_dashboard),
	       (SELECT count(*) FROM maintmode.client_dashboard)};
is($node->safe_psql('grants_1_2', $dashboards_sql), '2|1|1', 'on 1.2, a role granted the dashboard views reads them');
$node->safe_psql('grants_1_2', 'ALTER EXTENSION maintmode UPDATE');
is($node->safe_psql('grants_1_2', $dashboards_sql), '2|1|1',
	'updated, it still reads them: the update granted it the tables behind them');
is( $node->safe_psql(
		'grants_1_2', q{
		SELECT count(*) FROM pg_init_privs i, aclexplode(i.initprivs) a
		 WHERE a.grantee IN ('regress_dashboard'::regrole, 'regress_agents'::regrole)}),
	'0', "the update's grants, and the grants it found, are not the extension's initial privileges");
my $grants_dump = "$PostgreSQL::Test::Utils::tmp_check/grants_1_2.sql";
$node->command_ok([ 'pg_dump', '-Fp', '-d', $node->connstr('grants_1_2'), '-f', $grants_dump ],
	'pg_dump of the updated database');
$node->safe_psql('postgres', 'CREATE DATABASE grants_restored');
$node->command_ok(
	[ 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', $node->connstr('grants_restored'), '-f', $grants_dump ],
	'restored into a fresh install');
is($node->safe_psql('grants_restored', $dashboards_sql), '2|1|1', 'restored, the role reads the dashboards');
is($node->safe_psql('grants_restored', q{SET ROLE regress_agents; SELECT count(*) FROM maintmode.agent}),
	'2', 'restored, a grant made before the update is kept');
# server_maint_status() is created anew by the update, with the privileges it had.
my $status_acl_sql = q{
	SELECT has_function_privilege('regress_dashboard', 'maintmode.server_maint_status()', 'EXECUTE'),
	       has_function_privilege('regress_agents', 'maintmode.server_maint_status()', 'EXECUTE')};
is($node->safe_psql('grants_1_2', $status_acl_sql), 't|f', "updated, server_maint_status() keeps its grant and revoke");
is($node->safe_psql('grants_restored', $status_acl_sql), 't|f', 'restored, so does it');
for my $db ('grants_1_2', 'grants_restored')
{
	$node->safe_psql($db, 'DROP EXTENSION maintmode; DROP SCHEMA maintmode');
}
$node->safe_psql('postgres', 'DROP ROLE regress_dashboard, regress_agents');

# A 1.0 database dumped and restored into the newest version: its agents in maintenance
# come back in maintenance by hand, with since and by whom unknown (NULL), as they were:
# a restore does not invent the restore time and role.
$node->safe_psql('postgres', 'CREATE DATABASE dump_1_0');
$node->safe_psql(
	'dump_1_0', q{
	CREATE EXTENSION maintmode VERSION '1.0';
	INSERT INTO maintmode.client (name) VALUES ('acme');
	INSERT INTO maintmode.site (client_id, name) VALUES (1, 'hq');
	INSERT INTO maintmode.agent (site_id, hostname, maintenance_mode)
	    VALUES (1, 'a1', true), (1, 'a2', false);
});
my $dump_1_0 = "$PostgreSQL::Test::Utils::tmp_check/dump_1_0.sql";
$node->command_ok([ 'pg_dump', '-Fp', '-d', $node->connstr('dump_1_0'), '-f', $dump_1_0 ],
	'pg_dump of a 1.0 database');
$node->safe_psql('postgres', 'CREATE DATABASE restored_1_0');
$node->command_ok(
	[ 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', $node->connstr('restored_1_0'), '-f', $dump_1_0 ],
	'the 1.0 dump restores into the newest version');
is( $node->safe_psql(
		'restored_1_0', q{
		SELECT string_agg(format('%s %s %s %s %s', hostname, maintenance_mode, hand_maintenance,
		                         hand_since IS NULL, hand_set_by IS NULL), ',' ORDER BY id)
		  FROM maintmode.agent}),
	'a1 t t t t,a2 f f t t',
	'restored from 1.0: in maintenance by hand, since and by whom NULL as they were');
is($node->safe_psql('restored_1_0', 'SELECT count(*) FROM maintmode.maintenance_history'),
	'0', 'a restore writes no maintenance history');

$node->stop;
done_testing();
