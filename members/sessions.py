"""Django's database sessions (SESSION_ENGINE = "members.sessions"), loaded with one plain
statement instead of a queryset: the same table, rows and expiry rule, about 0.4 ms less Python
on every signed-in request (the progress heartbeats above all). Saving, creating and deleting
are Django's own."""

from django.contrib.sessions.backends import db
from django.db import connections, router
from django.utils import timezone

from members import store


class SessionStore(db.SessionStore):
    def _get_session_from_db(self):
        if not self.session_key:
            return None
        using = router.db_for_read(self.model)
        connection = connections[using]
        q = connection.ops.quote_name
        with store.cursor(using) as cursor:
            cursor.execute(
                f"SELECT {q('session_data')} FROM {q(self.model._meta.db_table)} "
                f"WHERE {q('session_key')} = %s AND {q('expire_date')} > %s",
                [self.session_key, connection.ops.adapt_datetimefield_value(timezone.now())],
            )
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return None
        return self.model(session_key=self.session_key, session_data=row[0])
