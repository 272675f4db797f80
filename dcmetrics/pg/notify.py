"""Learning of another process's commit on PostgreSQL without polling.

`store.bump_data_version` runs `pg_notify('dcmetrics_data', '<new data_version>')` inside the
commit's transaction: PostgreSQL delivers it to every listening connection when (and only if)
the transaction commits, in commit order. Pages do not need this (they read data_version on
every script run, one indexed row); it is for work a process should start when data changes,
such as bringing stored score runs up to date.

    listener = store.listen()
    seq = listener.wait(30)      # the newest data_version committed, or None after 30 s
    listener.close()
"""

from __future__ import annotations

CHANNEL = "dcmetrics_data"


class DataListener:
    """A connection of its own (outside the store's pool) listening on CHANNEL."""

    def __init__(self, conn):
        self._conn = conn
        conn.execute(f"LISTEN {CHANNEL}")

    def wait(self, timeout: float) -> int | None:
        """The newest data_version announced since the last call, waiting at most `timeout`
        seconds for the first; None when nothing was committed meanwhile. Notifications
        that have already arrived are read at once (a burst that arrived together gives its last
        number; one still on its way comes with the next call)."""
        newest = None
        for n in self._conn.notifies(timeout=timeout, stop_after=1):
            newest = int(n.payload)
        if newest is not None:
            for n in self._conn.notifies(timeout=0.0):  # those already here, without waiting
                newest = max(newest, int(n.payload))
        return newest

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> DataListener:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
