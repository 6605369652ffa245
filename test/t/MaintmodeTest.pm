# Shared by the TAP tests in test/t: a node with maintmode, a large fleet built
# set-based, digests of the fleet's state, and the consistency check every test
# runs after a fault.
package MaintmodeTest;

use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use Test::More;
use Exporter 'import';

our @EXPORT = qw(new_maintmode_node build_fleet agents_digest saved_digest
  assert_consistent);

# A started node; extra postgresql.conf lines and init options may be given.
sub new_maintmode_node
{
	my ($name, %params) = @_;
	my $node = PostgreSQL::Test::Cluster->new($name);
	$node->init(%{ $params{init} // {} });
	$node->append_conf('postgresql.conf', $params{conf}) if $params{conf};
	$node->start;
	return $node;
}

# CREATE EXTENSION and a fleet of $agents agents over 10 clients and 100 sites;
# every 7th agent is in maintenance by hand, every 3rd has a failing check.
sub build_fleet
{
	my ($node, $db, $agents) = @_;
	$node->safe_psql(
		$db, qq{
		CREATE EXTENSION maintmode;
		INSERT INTO maintmode.client (name) SELECT 'client' || g FROM generate_series(1, 10) g;
		INSERT INTO maintmode.site (client_id, name)
		    SELECT 1 + g % 10, 'site' || g FROM generate_series(1, 100) g;
		INSERT INTO maintmode.agent (site_id, hostname, maintenance_mode, last_seen)
		    SELECT 1 + g % 100, 'host' || g, g % 7 = 0, now() - g * interval '1 second'
		      FROM generate_series(1, $agents) g;
		INSERT INTO maintmode.check_result (agent_id, name, status, alert_severity)
		    SELECT id, 'disk', CASE WHEN id % 3 = 0 THEN 'failing' ELSE 'passing' END, 'error'
		      FROM maintmode.agent;
	});
	return;
}

# Every agent's flag, as one md5: equal digests, equal fleets.
sub agents_digest
{
	my ($node, $db) = @_;
	return $node->safe_psql($db,
		q{SELECT md5(string_agg(id || ':' || maintenance_mode, ',' ORDER BY id)) FROM maintmode.agent});
}

# The saved states in the same form: equals agents_digest of the fleet they saved.
sub saved_digest
{
	my ($node, $db) = @_;
	return $node->safe_psql($db,
		q{SELECT md5(string_agg(agent_id || ':' || maintenance_mode, ',' ORDER BY agent_id)) FROM maintmode.saved_state});
}

# What must hold whatever happened: saved states only while the server is in
# maintenance with states saved; while in maintenance, a server_maint_status()
# that agrees with the tables.
sub assert_consistent
{
	my ($node, $db, $label) = @_;
	is( $node->safe_psql(
			$db, q{
		SELECT concat_ws('; ',
		    CASE WHEN EXISTS (SELECT FROM maintmode.saved_state)
		          AND NOT EXISTS (SELECT FROM maintmode.server_mode
		                           WHERE in_maintenance AND states_saved_at IS NOT NULL)
		         THEN 'saved states without a server in maintenance' END,
		    CASE WHEN (SELECT in_maintenance FROM maintmode.server_maint_status())
		              IS DISTINCT FROM coalesce((SELECT in_maintenance FROM maintmode.server_mode), false)
		         THEN 'server_maint_status disagrees with server_mode' END,
		    CASE WHEN (SELECT agents_in_maintenance FROM maintmode.server_maint_status())
		              <> (SELECT count(*) FROM maintmode.agent WHERE maintenance_mode)
		         THEN 'agents_in_maintenance miscounted' END)}),
		'',
		"$label: consistent");
	is($node->safe_psql($db, 'SELECT count(*) FROM maintmode.verify_counters()'),
		'0', "$label: dashboard counters equal their recomputation");
	return;
}

1;
