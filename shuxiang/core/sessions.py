"""The session engine: Django's database sessions, read with a prepared query.

Same table, same rules (an expired session is none), same writes; only the read that every
signed-in request makes skips building its SQL (``shuxiang.core.prepared``).
"""

from __future__ import annotations

from django.contrib.sessions.backends.db import SessionStore as DatabaseStore
from django.contrib.sessions.models import Session
from django.db import router
from django.utils import timezone

from shuxiang.core.prepared import Prepared

BY_KEY = Prepared(lambda key: Session.objects.filter(session_key=key), "\x00no-such-session")


class SessionStore(DatabaseStore):
    def _get_session_from_db(self):
        session = BY_KEY.first(self.session_key, using=self._using())
        if session is None or session.expire_date <= timezone.now():
            self._session_key = None
            return None
        return session

    def _using(self) -> str:
        return router.db_for_read(self.model)
