# The member's clock and the rate limit's previous minute on the heartbeat counter row.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('members', '0002_heartbeat_count'),
    ]

    operations = [
        migrations.AddField(
            model_name='heartbeatcount',
            name='previous',
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='heartbeatcount',
            name='clock_start',
            field=models.FloatField(default=0),
        ),
        migrations.AddField(
            model_name='heartbeatcount',
            name='clock_seen',
            field=models.FloatField(default=0),
        ),
        migrations.AddField(
            model_name='heartbeatcount',
            name='credited',
            field=models.FloatField(default=0),
        ),
    ]
