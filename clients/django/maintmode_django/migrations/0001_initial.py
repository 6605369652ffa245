"""The extension creates and owns every table and view the models map; the models
are unmanaged, so this migration only creates the extension (when the database does
not have it yet) and records the models' state."""
from django.db import migrations, models
import django.db.models.deletion
import django.db.models.expressions
import django.utils.timezone
import maintmode_django.fields


class Migration(migrations.Migration):

    initial = True

    dependencies = [
    ]

    operations = [
        # Needs a superuser, unless a DBA has created the extension beforehand.
        # Migrating back (migrate maintmode_django zero) is a no-op on purpose: DROP
        # EXTENSION would delete the fleet, its history and its windows with it.
        migrations.RunSQL("CREATE EXTENSION IF NOT EXISTS maintmode",
                          reverse_sql=migrations.RunSQL.noop),
        migrations.CreateModel(
            name='Agent',
            fields=[
                ('id', models.BigAutoField(primary_key=True, serialize=False)),
                ('hostname', models.TextField()),
                ('maintenance_mode', maintmode_django.fields.ReturningBooleanField(default=False)),
                ('last_seen', models.DateTimeField(blank=True, null=True)),
                ('offline_time', models.IntegerField(default=4)),
                ('overdue_time', models.IntegerField(default=30)),
                ('overdue_email_alert', models.BooleanField(default=False)),
                ('overdue_text_alert', models.BooleanField(default=False)),
                ('overdue_dashboard_alert', models.BooleanField(default=False)),
                ('hand_maintenance', maintmode_django.fields.ReturningBooleanField(default=False, editable=False)),
                ('hand_since', maintmode_django.fields.ReturningDateTimeField(blank=True, editable=False, null=True)),
                ('hand_set_by', maintmode_django.fields.ReturningTextField(blank=True, editable=False, null=True)),
                ('hand_reason', maintmode_django.fields.ReturningTextField(blank=True, editable=False, null=True)),
                ('hand_until', maintmode_django.fields.ReturningDateTimeField(blank=True, editable=False, null=True)),
                ('window_maintenance', maintmode_django.fields.ReturningBooleanField(default=False, editable=False)),
            ],
            options={
                'db_table': 'maintmode"."agent',
                'managed': False,
            },
        ),
        migrations.CreateModel(
            name='Alert',
            fields=[
                ('id', models.BigAutoField(primary_key=True, serialize=False)),
                ('kind', models.TextField(choices=[('overdue', 'overdue'), ('check', 'check'), ('task', 'task'), ('reminder', 'reminder')])),
                ('severity', models.TextField(choices=[('info', 'info'), ('warning', 'warning'), ('error', 'error')])),
                ('message', models.TextField()),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('email', models.BooleanField(default=False)),
                ('sms', models.BooleanField(default=False)),
                ('suppressed', maintmode_django.fields.ReturningBooleanField(default=False)),
                ('suppressed_reason', maintmode_django.fields.ReturningTextField(null=True)),
                ('email_sent_at', models.DateTimeField(null=True)),
                ('sms_sent_at', models.DateTimeField(null=True)),
                ('resolved_at', models.DateTimeField(null=True)),
                ('last_seen', models.DateTimeField(null=True)),
            ],
            options={
                'db_table': 'maintmode"."alert',
                'managed': False,
            },
        ),
        migrations.CreateModel(
            name='CheckResult',
            fields=[
                ('id', models.BigAutoField(primary_key=True, serialize=False)),
                ('kind', models.TextField(choices=[('check', 'check'), ('task', 'task')], default='check')),
                ('name', models.TextField()),
                ('status', models.TextField(choices=[('passing', 'passing'), ('failing', 'failing'), ('pending', 'pending')], default='pending')),
                ('alert_severity', models.TextField(choices=[('info', 'info'), ('warning', 'warning'), ('error', 'error')], default='warning')),
                ('email_alert', models.BooleanField(default=False)),
                ('text_alert', models.BooleanField(default=False)),
            ],
            options={
                'db_table': 'maintmode"."check_result',
                'managed': False,
            },
        ),
        migrations.CreateModel(
            name='Client',
            fields=[
                ('id', models.BigAutoField(primary_key=True, serialize=False)),
                ('name', models.TextField(unique=True)),
            ],
            options={
                'db_table': 'maintmode"."client',
                'managed': False,
            },
        ),
        migrations.CreateModel(
            name='EventLog',
            fields=[
                ('id', models.BigAutoField(primary_key=True, serialize=False)),
                ('logged_at', models.DateTimeField()),
                ('role_name', models.TextField()),
                ('action', models.TextField()),
                ('scope', models.TextField(choices=[('agent', 'agent'), ('site', 'site'), ('client', 'client'), ('server', 'server')])),
                ('target_id', models.BigIntegerField(null=True)),
                ('agents_changed', models.BigIntegerField()),
                ('states_saved', models.BigIntegerField(default=0)),
                ('states_restored', models.BigIntegerField(default=0)),
            ],
            options={
                'db_table': 'maintmode"."event_log',
                'managed': False,
            },
        ),
        migrations.CreateModel(
            name='MaintenanceHistory',
            fields=[
                ('id', models.BigAutoField(primary_key=True, serialize=False)),
                ('changed_at', models.DateTimeField()),
                ('in_maintenance', models.BooleanField()),
                ('path', models.TextField(choices=[('agent', 'agent'), ('site', 'site'), ('client', 'client'), ('server', 'server'), ('window', 'window'), ('expiry', 'expiry'), ('sql', 'sql')])),
                ('reason', models.TextField(null=True)),
                ('session_role', models.TextField()),
                ('acting_role', models.TextField()),
                ('actor', models.TextField(null=True)),
            ],
            options={
                'db_table': 'maintmode"."maintenance_history',
                'managed': False,
            },
        ),
        migrations.CreateModel(
            name='MaintenanceWindow',
            fields=[
                ('id', models.BigAutoField(primary_key=True, serialize=False)),
                ('starts_at', models.DateTimeField()),
                ('ends_at', models.DateTimeField(null=True)),
                ('repeat', models.TextField(null=True)),
                ('time_zone', models.TextField(null=True)),
                ('duration', models.DurationField(null=True)),
                ('reason', models.TextField()),
                ('created_by', models.TextField()),
                ('created_at', models.DateTimeField()),
                ('ended_at', models.DateTimeField(null=True)),
            ],
            options={
                'db_table': 'maintmode"."maintenance_window',
                'managed': False,
            },
        ),
        migrations.CreateModel(
            name='OperatorScope',
            fields=[
                ('role', models.TextField(primary_key=True, serialize=False)),
                ('scope', models.TextField(choices=[('client', 'client'), ('site', 'site')])),
                ('target', models.BigIntegerField()),
                ('granted_by', models.TextField()),
                ('granted_at', models.DateTimeField()),
            ],
            options={
                'db_table': 'maintmode"."operator_scope',
                'managed': False,
            },
        ),
        migrations.CreateModel(
            name='ServerMode',
            fields=[
                ('singleton', models.BooleanField(default=True, primary_key=True, serialize=False)),
                ('in_maintenance', models.BooleanField(default=False)),
                ('since', models.DateTimeField(null=True)),
                ('enabled_by', models.TextField(null=True)),
                ('states_saved_at', models.DateTimeField(null=True)),
            ],
            options={
                'db_table': 'maintmode"."server_mode',
                'managed': False,
            },
        ),
        migrations.CreateModel(
            name='Site',
            fields=[
                ('id', models.BigAutoField(primary_key=True, serialize=False)),
                ('name', models.TextField()),
            ],
            options={
                'db_table': 'maintmode"."site',
                'managed': False,
            },
        ),
        migrations.CreateModel(
            name='AgentDashboard',
            fields=[
                ('agent', models.OneToOneField(on_delete=django.db.models.deletion.DO_NOTHING, primary_key=True, related_name='dashboard', serialize=False, to='maintmode_django.agent')),
                ('hostname', models.TextField()),
                ('status', models.TextField()),
                ('maintenance_mode', models.BooleanField()),
                ('failing_error', models.IntegerField()),
                ('failing_warning', models.IntegerField()),
                ('failing_info', models.IntegerField()),
                ('colour', models.TextField()),
            ],
            options={
                'db_table': 'maintmode"."agent_dashboard',
                'managed': False,
            },
        ),
        migrations.CreateModel(
            name='AgentInMaintenance',
            fields=[
                ('agent', models.OneToOneField(on_delete=django.db.models.deletion.DO_NOTHING, primary_key=True, related_name='+', serialize=False, to='maintmode_django.agent')),
                ('hostname', models.TextField()),
                ('source', models.TextField(choices=[('hand', 'hand'), ('window', 'window')])),
                ('since', models.DateTimeField(null=True)),
                ('until', models.DateTimeField(null=True)),
                ('set_by', models.TextField(null=True)),
                ('reason', models.TextField(null=True)),
            ],
            options={
                'db_table': 'maintmode"."agents_in_maintenance',
                'ordering': [django.db.models.expressions.OrderBy(django.db.models.expressions.F('since'), nulls_first=True), 'agent_id', django.db.models.expressions.OrderBy(django.db.models.expressions.F('window'), nulls_first=True)],
                'managed': False,
            },
        ),
        migrations.CreateModel(
            name='ClientDashboard',
            fields=[
                ('client', models.OneToOneField(on_delete=django.db.models.deletion.DO_NOTHING, primary_key=True, related_name='dashboard', serialize=False, to='maintmode_django.client')),
                ('name', models.TextField()),
                ('agents', models.BigIntegerField()),
                ('agents_in_maintenance', models.BigIntegerField()),
                ('colour', models.TextField()),
            ],
            options={
                'db_table': 'maintmode"."client_dashboard',
                'managed': False,
            },
        ),
        migrations.CreateModel(
            name='SavedState',
            fields=[
                ('agent', models.OneToOneField(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, primary_key=True, related_name='saved_state', serialize=False, to='maintmode_django.agent')),
                ('maintenance_mode', models.BooleanField()),
                ('hand_reason', models.TextField(null=True)),
                ('hand_set_by', models.TextField(null=True)),
                ('hand_since', models.DateTimeField(null=True)),
                ('hand_until', models.DateTimeField(null=True)),
            ],
            options={
                'db_table': 'maintmode"."saved_state',
                'managed': False,
            },
        ),
        migrations.CreateModel(
            name='UpcomingWindow',
            fields=[
                ('window', models.OneToOneField(on_delete=django.db.models.deletion.DO_NOTHING, primary_key=True, related_name='+', serialize=False, to='maintmode_django.maintenancewindow')),
                ('scope', models.TextField(choices=[('agent', 'agent'), ('site', 'site'), ('client', 'client'), ('server', 'server')])),
                ('target', models.BigIntegerField(null=True)),
                ('target_name', models.TextField(null=True)),
                ('starts', models.DateTimeField()),
                ('ends', models.DateTimeField()),
                ('in_force', models.BooleanField()),
                ('repeat', models.TextField(null=True)),
                ('time_zone', models.TextField(null=True)),
                ('duration', models.DurationField(null=True)),
                ('reason', models.TextField()),
                ('created_by', models.TextField()),
            ],
            options={
                'db_table': 'maintmode"."upcoming_windows',
                'ordering': ['starts', 'window_id'],
                'managed': False,
            },
        ),
        migrations.CreateModel(
            name='SiteDashboard',
            fields=[
                ('site', models.OneToOneField(on_delete=django.db.models.deletion.DO_NOTHING, primary_key=True, related_name='dashboard', serialize=False, to='maintmode_django.site')),
                ('name', models.TextField()),
                ('agents', models.BigIntegerField()),
                ('agents_in_maintenance', models.BigIntegerField()),
                ('colour', models.TextField()),
            ],
            options={
                'db_table': 'maintmode"."site_dashboard',
                'managed': False,
            },
        ),
    ]
