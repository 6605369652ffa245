"""The extension creates and owns every table the models map; the models are
unmanaged, so this migration only creates the extension (when the database does not
have it yet) and records the models' state."""
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
    ]

    operations = [
        # Needs a superuser, unless a DBA has created the extension beforehand.
        # Migrating back does not drop it: that would delete the fleet.
        migrations.RunSQL("CREATE EXTENSION IF NOT EXISTS maintmode",
                          reverse_sql=migrations.RunSQL.noop),
        migrations.CreateModel(
            name='Agent',
            fields=[
                ('id', models.BigAutoField(primary_key=True, serialize=False)),
                ('hostname', models.TextField()),
                ('maintenance_mode', models.BooleanField(default=False)),
                ('last_seen', models.DateTimeField(blank=True, null=True)),
                ('offline_time', models.IntegerField(default=4)),
                ('overdue_time', models.IntegerField(default=30)),
                ('overdue_email_alert', models.BooleanField(default=False)),
                ('overdue_text_alert', models.BooleanField(default=False)),
                ('overdue_dashboard_alert', models.BooleanField(default=False)),
            ],
            options={
                'db_table': 'maintmode"."agent',
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
    ]
