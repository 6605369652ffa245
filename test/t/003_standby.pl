# A streaming hot standby: the status function, agent_status() and plain reads
# work there; server_maint_mode() and the switches fail cleanly with a read-only
# error (25006) and write nothing; a switch on the primary shows on the standby
# once it has caught up.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use MaintmodeTest;

my $primary = new_maintmode_node('primary', init => { allows_streaming => 1 });
build_fleet($primary, 'postgres', 100);
$primary->backup('base');
my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($primary, 'base', has_streaming => 1);
$standby->start;
$primary->wait_for_catchup($standby);

my $status_sql = 'SELECT in_maintenance, saved_states, agents, agents_in_maintenance FROM maintmode.server_maint_status()';
is($standby->safe_psql('postgres', 'SELECT pg_is_in_recovery()'), 't', 'the standby is in recovery');
is($standby->safe_psql('postgres', $status_sql), 'f|0|100|14', 'server_maint_status() on the standby');
is( $standby->safe_psql(
		'postgres', q{
		SELECT bool_and(maintmode.agent_status(a.id)
		                = maintmode.agent_status(a.last_seen, a.offline_time, a.overdue_time)),
		       maintmode.agent_status(now() - interval '10 minutes', 4, 30),
		       count(*)
		  FROM maintmode.agent a JOIN maintmode.site s ON s.id = a.site_id}),
	't|offline|100', 'agent_status() by id and by columns, and plain reads, on the standby');

# Every state-changing call: refused as read-only, with its SQLSTATE.
my $primary_before = agents_digest($primary, 'postgres');
for my $call (
	q{maintmode.server_maint_mode('enable')},
	q{maintmode.server_maint_mode('force-disable')},
	q{maintmode.set_agent_maintenance(1, true)},
	q{maintmode.set_site_maintenance(1, true)},
	q{maintmode.set_client_maintenance(1, true)})
{
	my ($ret, $out, $err) = $standby->psql('postgres',
		"\\set VERBOSITY verbose\nSELECT $call;");
	isnt($ret, 0, "standby: $call fails");
	like($err, qr/ERROR:  25006: cannot execute [A-Z ]+ (in a read-only transaction|during recovery)/,
		"standby: $call is refused as read-only");
}
is($standby->safe_psql('postgres', $status_sql), 'f|0|100|14', 'the refused calls changed nothing on the standby');

# The same calls in a read-only transaction on the primary: refused, nothing written.
my $log_rows = $primary->safe_psql('postgres', 'SELECT count(*) FROM maintmode.event_log');
my ($ret, $out, $err) = $primary->psql('postgres',
	"\\set VERBOSITY verbose\nBEGIN READ ONLY;\nSELECT maintmode.server_maint_mode('enable');");
like($err, qr/ERROR:  25006:/, 'primary, read-only transaction: enable refused');
is(agents_digest($primary, 'postgres'), $primary_before, 'primary: no agent changed');
is($primary->safe_psql('postgres', 'SELECT count(*) FROM maintmode.event_log'), $log_rows,
	'primary: nothing logged');

# A switch on the primary shows on the standby after catch-up.
$primary->safe_psql('postgres', q{SELECT maintmode.server_maint_mode('enable')});
$primary->wait_for_catchup($standby);
is($standby->safe_psql('postgres', $status_sql), 't|100|100|100', 'enable on the primary shows on the standby');
is(saved_digest($standby, 'postgres'), $primary_before, 'the standby has the saved states');
is($standby->safe_psql('postgres', 'SELECT enabled_by IS NOT NULL AND since IS NOT NULL FROM maintmode.server_maint_status()'),
	't', 'and who enabled it, since when');
assert_consistent($standby, 'postgres', 'standby in maintenance');

$primary->safe_psql('postgres', q{SELECT maintmode.server_maint_mode('disable')});
$primary->wait_for_catchup($standby);
is(agents_digest($standby, 'postgres'), $primary_before, 'disable on the primary shows on the standby');
assert_consistent($standby, 'postgres', 'standby after disable');

$standby->stop;
$primary->stop;
done_testing();
