# The dashboard views come with the extension: state only, as in 0001.

from django.db import migrations, models
import django.db.models.deletion


class Migration(migrations.Migration):

    dependencies = [
        ('fleet', '0002_alert'),
    ]

    operations = [
        migrations.CreateModel(
            name='AgentDashboard',
            fields=[
                ('agent', models.OneToOneField(on_delete=django.db.models.deletion.DO_NOTHING, primary_key=True, related_name='dashboard', serialize=False, to='fleet.agent')),
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
            name='ClientDashboard',
            fields=[
                ('client', models.OneToOneField(on_delete=django.db.models.deletion.DO_NOTHING, primary_key=True, related_name='dashboard', serialize=False, to='fleet.client')),
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
            name='SiteDashboard',
            fields=[
                ('site', models.OneToOneField(on_delete=django.db.models.deletion.DO_NOTHING, primary_key=True, related_name='dashboard', serialize=False, to='fleet.site')),
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
