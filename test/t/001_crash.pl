# The server killed in the middle of server_maint_mode() on a large fleet: after
# restart every agent is as before the call or as after it, never a mix, and the
# saved states match; a cancel at the same point leaves nothing either.  The call is caught mid-way without timing: a session holds
# a lock on the event log, so the call has saved the states and switched every
# agent when it blocks on its last statement; then the server dies.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use MaintmodeTest;

my $agents = 300_000;
my $node = new_maintmode_node('crash');
build_fleet($node, 'postgres', $agents);

my $before = agents_digest($node, 'postgres');
my $log_rows = $node->safe_psql('postgres', 'SELECT count(*) FROM maintmode.event_log');

# Start server_maint_mode($option) and return once it has done all its work on the
# agents and waits for the event log, with the lock holder and the caller.
sub call_blocked_at_event_log
{
	my ($option) = @_;
	my $holder = $node->background_psql('postgres');
	$holder->query_safe('BEGIN; LOCK TABLE maintmode.event_log IN ACCESS EXCLUSIVE MODE;');
	my $caller = $node->background_psql('postgres', on_error_stop => 0);
	$caller->query_until(qr/calling/,
		"\\echo calling\nSELECT * FROM maintmode.server_maint_mode('$option');\n");
	$node->poll_query_until(
		'postgres', q{
		SELECT EXISTS (SELECT FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
		                WHERE c.relname = 'event_log' AND NOT l.granted)})
	  or die 'server_maint_mode never reached the event log';
	return ($holder, $caller);
}

# The sessions die with the server; reap them.
sub reap
{
	$_->{run}->kill_kill for @_;
	return;
}

# 1. kill -9 of the postmaster while enable waits, its work done but not committed.
my ($holder, $caller) = call_blocked_at_event_log('enable');
is( $node->safe_psql('postgres',
		'SELECT count(*) FROM maintmode.agent WHERE maintenance_mode'),
	int($agents / 7),
	'other sessions still see the states before the uncommitted enable');
# Every server process but this query's backend, auxiliary ones included.
my @processes = split /\n/, $node->safe_psql('postgres',
	q{SELECT pid FROM pg_stat_activity WHERE pid <> pg_backend_pid()});
$node->kill9;
# The orphaned processes exit when they notice the postmaster is gone; the new
# postmaster cannot start while any of them still holds the shared memory.
for my $pid (@processes)
{
	my $tries = 0;
	while (kill(0, $pid) && $tries++ < 10 * $PostgreSQL::Test::Utils::timeout_default)
	{
		select(undef, undef, undef, 0.1);
	}
}
reap($holder, $caller);
$node->start;

is(agents_digest($node, 'postgres'), $before, 'after kill -9: every agent as before enable');
is($node->safe_psql('postgres', 'SELECT count(*) FROM maintmode.saved_state'),
	'0', 'after kill -9: no saved states');
is($node->safe_psql('postgres', 'SELECT in_maintenance FROM maintmode.server_maint_status()'),
	'f', 'after kill -9: server not in maintenance');
is($node->safe_psql('postgres', 'SELECT count(*) FROM maintmode.event_log'),
	$log_rows, 'after kill -9: no event logged');
assert_consistent($node, 'postgres', 'after kill -9');

# A cancel at the same point: the call fails, nothing of it stays.
($holder, $caller) = call_blocked_at_event_log('enable');
$node->safe_psql('postgres', q{
	SELECT pg_cancel_backend(pid) FROM pg_stat_activity
	 WHERE query LIKE '%server_maint_mode(''enable'')%' AND pid <> pg_backend_pid()});
$caller->query_until(qr/cancelled/, "\\echo cancelled\n");
like($caller->{stderr}, qr/canceling statement due to user request/, 'cancel: the call was cancelled');
$holder->quit;
$caller->quit;
is(agents_digest($node, 'postgres'), $before, 'after cancel: every agent as before enable');
is($node->safe_psql('postgres', 'SELECT count(*) FROM maintmode.saved_state'),
	'0', 'after cancel: no saved states');
is($node->safe_psql('postgres', 'SELECT count(*) FROM maintmode.event_log'),
	$log_rows, 'after cancel: no event logged');
assert_consistent($node, 'postgres', 'after cancel');

# The same enable, left to finish, then committed.
$node->safe_psql('postgres', q{SELECT maintmode.server_maint_mode('enable')});
is(saved_digest($node, 'postgres'), $before, 'enable saved every agent as it was');
is( $node->safe_psql('postgres',
		'SELECT count(*) FROM maintmode.agent WHERE NOT maintenance_mode'),
	'0', 'enable put every agent in maintenance');
my $enabled = agents_digest($node, 'postgres');

# 2. immediate stop while disable waits, its restore done but not committed.
($holder, $caller) = call_blocked_at_event_log('disable');
$node->stop('immediate');
reap($holder, $caller);
$node->start;

is(agents_digest($node, 'postgres'), $enabled, 'after immediate stop: every agent still in maintenance');
is(saved_digest($node, 'postgres'), $before, 'after immediate stop: the saved states are intact');
is($node->safe_psql('postgres', 'SELECT in_maintenance FROM maintmode.server_maint_status()'),
	't', 'after immediate stop: server still in maintenance');
assert_consistent($node, 'postgres', 'after immediate stop');

$node->safe_psql('postgres', q{SELECT maintmode.server_maint_mode('disable')});
is(agents_digest($node, 'postgres'), $before, 'disable after the crash restores every saved state');
assert_consistent($node, 'postgres', 'after disable');

$node->stop;
done_testing();
