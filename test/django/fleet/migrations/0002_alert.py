# The alert table comes with the extension: state only, as in 0001.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('fleet', '0001_initial'),
    ]

    operations = [
        migrations.CreateModel(
            name='Alert',
            fields=[
                ('id', models.BigAutoField(primary_key=True, serialize=False)),
                ('kind', models.TextField(choices=[('overdue', 'overdue'), ('check', 'check'), ('task', 'task')])),
                ('severity', models.TextField(choices=[('info', 'info'), ('warning', 'warning'), ('error', 'error')])),
                ('message', models.TextField()),
                ('created_at', models.DateTimeField()),
                ('email', models.BooleanField(default=False)),
                ('sms', models.BooleanField(default=False)),
                ('suppressed', models.BooleanField(default=False)),
                ('suppressed_reason', models.TextField(null=True)),
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
    ]
