# A window starts and ends while the server runs and no client does anything: the
# window worker (maintmode in shared_preload_libraries) sweeps on its own, agents enter
# and leave maintenance on time, alerts follow (suppressed in the window, raised live
# when it ends on a still-failing check), hand-set maintenance expires, a listener gets
# the events, and maintenance set by hand gets its reminders.  The test never calls
# sweep_windows() or sweep_reminders(); it only reads, so every change is the worker's.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep);
use MaintmodeTest;

my $node = new_maintmode_node(
	'windows',
	conf => qq{shared_preload_libraries = 'maintmode'
maintmode.window_database = 'postgres'
maintmode.window_sweep_interval = 1
});

ok( $node->poll_query_until(
		'postgres',
		q{SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'maintmode window worker'},
		'1'),
	'the window worker runs (before CREATE EXTENSION it has nothing to do, and waits)');

$node->safe_psql(
	'postgres', q{
	CREATE EXTENSION maintmode;
	INSERT INTO maintmode.client (name) VALUES ('acme');
	INSERT INTO maintmode.site (client_id, name) VALUES (1, 'hq'), (1, 'branch');
	INSERT INTO maintmode.agent (site_id, hostname, last_seen)
	    VALUES (1, 'hq1', now()), (1, 'hq2', now()), (2, 'br1', now());
	INSERT INTO maintmode.check_result (agent_id, name, email_alert, alert_severity)
	    VALUES (1, 'disk', true, 'error');
});

# A session listening for events about maintenance: the worker's sweeps send them too.
my $listener = $node->background_psql('postgres');
$listener->query_safe('LISTEN maintmode_events');

# Site hq: a window from 4 s from now, for 10 s.  The window's times are fixed before
# anything is checked; the waits below poll, whatever the machine's speed.
my $window = $node->safe_psql(
	'postgres', q{
	SELECT maintmode.create_window('site', 1, now() + interval '4 seconds',
	                               duration => '10 seconds', reason => 'rack move')});
my ($starts, $ends) = split /\|/,
  $node->safe_psql('postgres',
	"SELECT starts_at, ends_at FROM maintmode.maintenance_window WHERE id = $window");
is( $node->safe_psql(
		'postgres', q{SELECT count(*) FROM maintmode.agent WHERE maintenance_mode}),
	'0',
	'before the window starts, nobody is in maintenance');

# Hand-set maintenance with an expiry, on br1: the worker ends it too.
$node->safe_psql('postgres',
	q{SELECT maintmode.set_agent_maintenance(3, true, until => now() + interval '2 seconds')});

ok( $node->poll_query_until(
		'postgres', q{
		SELECT string_agg(hostname || ':' || maintenance_mode, ' ' ORDER BY id)
		  FROM maintmode.agent},
		'hq1:true hq2:true br1:false'),
	'the window started with no client calling anything: hq in maintenance, br1 expired');

# The worker's sweeps sent the events, at their commit: br1's expiry ended, hq's window
# started.  (psql shows what arrived after each statement of the listening session.)
my $events = '';
foreach (1 .. 10 * $PostgreSQL::Test::Utils::timeout_default)
{
	$events .= $listener->query_safe('SELECT 1');
	last if $events =~ /"path":"window"/ && $events =~ /"path":"expiry"/;
	usleep(100_000);
}
like(
	$events,
	qr/\{"event":"ended","seq":1,"path":"expiry","scope":null,"target":null,"window":null,"reason":null,"reason_truncated":false,"agents":1,"agent_ids":\[3\]\}/,
	'a listener got the event of the expiry the worker made');
like(
	$events,
	qr/\{"event":"started","seq":1,"path":"window","scope":"site","target":1,"window":$window,"reason":"rack move","reason_truncated":false,"agents":2,"agent_ids":\[1,2\]\}/,
	'and of the window it started');

# The dashboard follows: its counters were changed by the worker's sweep.
my $dashboard_sql = q{
	SELECT concat_ws(' | ',
	    (SELECT string_agg(hostname || ':' || colour, ' ' ORDER BY agent_id)
	       FROM maintmode.agent_dashboard),
	    (SELECT string_agg(name || ':' || colour, ' ' ORDER BY site_id)
	       FROM maintmode.site_dashboard),
	    (SELECT string_agg(name || ':' || colour, ' ' ORDER BY client_id)
	       FROM maintmode.client_dashboard),
	    (SELECT count(*) || ' counters differ' FROM maintmode.verify_counters()))};
# A check fails during the window: the alert is recorded, suppressed.
$node->safe_psql('postgres',
	q{UPDATE maintmode.check_result SET status = 'failing' WHERE agent_id = 1});
is( $node->safe_psql(
		'postgres', q{SELECT string_agg(suppressed::text, ',') FROM maintmode.alert}),
	'true', 'a failure inside the window raises a suppressed alert');
is( $node->safe_psql('postgres',
		q{SELECT count(*) FROM maintmode.take_notifications('email', 10)}),
	'0', 'and nothing is sent for it');
is( $node->safe_psql('postgres', $dashboard_sql),
	'hq1:maintenance hq2:maintenance br1:passing | hq:maintenance branch:ok | acme:ok | 0 counters differ',
	'during the window the dashboard shows hq in maintenance, its failing check hidden');

ok( $node->poll_query_until(
		'postgres',
		q{SELECT count(*) FROM maintmode.agent WHERE maintenance_mode}, '0'),
	'the window ended with no client calling anything: every agent out');

is( $node->safe_psql('postgres', $dashboard_sql),
	'hq1:error hq2:passing br1:passing | hq:error branch:ok | acme:error | 0 counters differ',
	'after the window the dashboard shows the failure again');
is( $node->safe_psql(
		'postgres',
		q{SELECT string_agg(format('%s suppressed=%s', message, suppressed), ', ' ORDER BY id)
		    FROM maintmode.alert}),
	'check "disk" on hq1 is failing suppressed=t, check "disk" on hq1 is failing suppressed=f',
	'leaving the window still failing raised a live alert');
is( $node->safe_psql('postgres',
		q{SELECT string_agg(message, ',') FROM maintmode.take_notifications('email', 10)}),
	'check "disk" on hq1 is failing', 'and a sender gets it');

# Every change was the worker's, on time: its sweeps are in the event log, br1's expiry
# (1 agent) after its until, hq's entry (2 agents) inside the window, hq's exit after it.
my $until = $node->safe_psql('postgres',
	q{SELECT max(logged_at) FROM maintmode.event_log WHERE action = 'enable'});
is( $node->safe_psql(
		'postgres', qq{
		SELECT string_agg(format('%s:%s', agents_changed,
		           CASE WHEN logged_at < '$starts' THEN 'before'
		                WHEN logged_at < '$ends' THEN 'during' ELSE 'after' END),
		           ' ' ORDER BY id)
		  FROM maintmode.event_log WHERE action = 'sweep windows'}),
	'1:before 2:during 2:after',
	'the worker swept: the expiry, the start inside the window, the end after it');
is( $node->safe_psql(
		'postgres', qq{
		SELECT logged_at >= '$until'::timestamptz + interval '2 seconds'
		  FROM maintmode.event_log WHERE action = 'sweep windows' ORDER BY id LIMIT 1}),
	't', 'the expiry came no earlier than until');

# pg_dump / pg_restore with a window in force and a hand-set expiry pending: the
# restored database has the same flags, hand details and windows (the restored rows
# pass through the agent triggers, which keep what the dump says).
$node->safe_psql(
	'postgres', q{
	SELECT maintmode.create_window('site', 2, now(), duration => '1 hour', reason => 'long job');
	SELECT maintmode.set_agent_maintenance(1, true, until => now() + interval '1 hour',
	                                       reason => 'disk swap');
});
my $state_sql = q{
	SELECT concat_ws(' | ',
	    (SELECT string_agg(concat_ws(',', id, hand_maintenance, window_maintenance,
	                                 maintenance_mode, hand_since, hand_set_by, hand_reason,
	                                 hand_until), ';' ORDER BY id) FROM maintmode.agent),
	    (SELECT string_agg(w::text, ';' ORDER BY id) FROM maintmode.maintenance_window w))};
my $state = $node->safe_psql('postgres', $state_sql);
like($state, qr/^1,t,f,t,.*3,f,t,t/, 'before the dump: hq1 by hand, br1 by the window');
my $dump = $node->basedir . '/windows.dump';
$node->command_ok([ 'pg_dump', '-Fc', '-d', $node->connstr('postgres'), '-f', $dump ], 'pg_dump -Fc');
$node->command_ok([ 'createdb', '-h', $node->host, '-p', $node->port, 'restored' ], 'createdb');
$node->command_ok([ 'pg_restore', '--exit-on-error', '-d', $node->connstr('restored'), $dump ],
	'pg_restore');
is($node->safe_psql('restored', $state_sql), $state,
	'after restore: the same flags, hand details and windows');
is($node->safe_psql('restored', 'SELECT count(*) FROM maintmode.verify_counters()'),
	'0', 'after restore: the dashboard counters agree with the restored flags');

# Reminders: the worker runs sweep_reminders() after each window sweep.  With
# remind_after at 2 seconds, hq1 (in by hand since the dump above) and hq2, switched in
# now, are reminded with nobody calling anything; br1, which the window holds, is not.
$node->safe_psql('postgres',
	q{ALTER SYSTEM SET maintmode.remind_after = '2 seconds'; SELECT pg_reload_conf()});
$node->safe_psql('postgres',
	q{SELECT maintmode.set_agent_maintenance(2, true, reason => 'forgotten')});
ok( $node->poll_query_until(
		'postgres', q{
		SELECT string_agg(DISTINCT agent_id::text, ',')
		  FROM maintmode.alert WHERE kind = 'reminder' AND NOT suppressed},
		'1,2'),
	'the worker reminded of hq1 and hq2, in maintenance by hand, and not of br1');
like( $node->safe_psql('postgres',
		q{SELECT message FROM maintmode.alert WHERE kind = 'reminder' AND agent_id = 2 LIMIT 1}),
	qr/^hq2 has been in maintenance for \d+ seconds, since .* by \w+, reason: forgotten$/,
	'the reminder says since when, by whom and why');
$node->safe_psql('postgres', q{SELECT maintmode.set_agent_maintenance(2, false)});
is( $node->safe_psql('postgres',
		q{SELECT count(*) FROM maintmode.alert WHERE kind = 'reminder' AND agent_id = 2 AND resolved_at IS NULL}),
	'0', 'switched out, its reminders are resolved');

$listener->quit;
$node->stop;
done_testing();
