"""The guard: before the hub signs a checkpoint, it checks the log in the database against itself.

Someone with write access to the database can edit an entry, recompute its hashes, the chain
after it and the head row, and delete the checkpoints that would betray it. Signing the head row
as it stands would then vouch for the forgery. So, before signing, the guard takes the last tree
head the hub signed (from ``app.audit.trust``, outside the database), recomputes the leaf of
every entry after it from the entry's content (never the stored hashes), checks the prev-hash
chain and the roots of the stored checkpoints it passes, and requires the result to equal the
head about to be signed. If it does not, the guard raises an alarm (a reason code, no personal
data): logged critically, kept in memory and in the state file, and nothing is signed until an
operator clears it. The signed head becomes trusted only after its transaction commits.
"""

from __future__ import annotations

import base64
import binascii
import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from cryptography.exceptions import InvalidSignature
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction

from app.audit.entry import canonical, entry_hash, leaf, timestamp
from app.audit.merkle import Frontier
from app.audit.signing import AuditSigner, Checkpoint
from app.audit.trust import (
    SignedHead,
    StateFile,
    StateUnreadable,
    TrustState,
    cleared,
    disagreement,
    merge,
)
from app.db.models import AccessLogEntry, AuditCheckpoint

logger = logging.getLogger(__name__)

BATCH = 2000

# What an entry's canonical form is made of, selected as plain columns (no ORM objects).
_E = AccessLogEntry
ENTRY_COLUMNS = (
    _E.position,
    _E.at,
    _E.actor_member_id,
    _E.actor_agency_id,
    _E.action,
    _E.decision,
    _E.reason,
    _E.cell_id,
    _E.case_id,
    _E.subject_id,
    _E.exchange_id,
    _E.note_id,
    _E.object_id,
    _E.fields,
    _E.denied,
    _E.purpose,
    _E.request_id,
    _E.prev_hash,
    _E.owners,
    _E.count,
)


class Broken(Exception):
    """The log does not extend the signed head; ``code`` says how."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class Walk:
    """Extends a signed tree entry by entry, from the entries' content (pure)."""

    def __init__(self, head: SignedHead) -> None:
        self.frontier = Frontier(head.size, [bytes.fromhex(h) for h in head.frontier])
        self.last_hash = head.last_hash

    @property
    def size(self) -> int:
        """How many entries the tree holds so far."""
        return self.frontier.size

    def add(self, entry: Mapping[str, Any]) -> None:
        """The next entry, as its canonical object; raises Broken if it does not follow."""
        if entry.get("seq") != self.size:
            raise Broken("entries_missing")
        if entry.get("prev") != self.last_hash:
            raise Broken("chain_broken")
        try:
            data = canonical(entry)
        except (ValueError, TypeError):
            raise Broken("entry_unreadable") from None
        self.last_hash = entry_hash(data)
        self.frontier.append(leaf(data))

    def root(self) -> str:
        """The root of the tree so far (hex)."""
        return self.frontier.root().hex()

    def head(self) -> SignedHead:
        """The tree so far, as a head that can be signed and extended."""
        nodes = tuple(n.hex() for n in self.frontier.nodes)
        return SignedHead(self.size, self.root(), nodes, self.last_hash)

    def require(self, size: int, frontier: Sequence[str], last_hash: str) -> None:
        """Raise Broken unless the walk ends exactly at this head."""
        if self.size != size:
            raise Broken("entries_missing")
        if [n.hex() for n in self.frontier.nodes] != list(frontier) or self.last_hash != last_hash:
            raise Broken("head_mismatch")


@dataclass
class _Staged:
    """What a transaction signed or logged, applied only once it commits."""

    heads: list[SignedHead] = field(default_factory=list)
    then: list[Callable[[], None]] = field(default_factory=list)
    logged: bool = False

    def clear(self) -> None:
        self.heads.clear()
        self.then.clear()
        self.logged = False


class LogGuard:
    """Refuses to sign a head that does not extend the last one signed; keeps the alarm."""

    def __init__(
        self, signer: AuditSigner, store: StateFile | None = None, *, batch: int = BATCH
    ) -> None:
        self.signer = signer
        self.store = store
        self.batch = batch
        self._memory = TrustState(key_id=signer.key_id)
        self._unlogged: str | None = None
        self._lock = threading.Lock()
        self._key = f"livc-audit-guard-{id(self)}"

    # -- the trusted state ------------------------------------------------------------------

    def state(self) -> TrustState:
        """The trusted state: memory merged with the file (other processes' heads and alarms)."""
        try:
            disk = self.store.read() if self.store else None
        except StateUnreadable:
            self._raise("state_unreadable")
            return self._memory
        except OSError as exc:
            logger.error("audit state file unreadable (%s)", type(exc).__name__)
            self._raise("state_unreadable")
            return self._memory
        with self._lock:
            problem = disagreement(self._memory, disk)
            if problem is None:
                self._memory = merge(self._memory, disk)
        if problem:
            self._raise(problem)  # logged and kept like any other alarm
        return self._memory

    def alarm(self) -> str | None:
        """The raised alarm's reason code, or None when the log is sound."""
        return self.state().alarm

    def unlogged(self) -> str | None:
        """An alarm this process raised whose access-log entry has not committed yet."""
        return self._unlogged

    def clear(self, *, reset: bool = False) -> TrustState:
        """An operator clears the alarm (a new epoch); ``reset`` forgets the signed head."""
        if self.store is None:
            with self._lock:
                self._memory = cleared(self._memory, self.signer.key_id, reset=reset)
                return self._memory
        base = self._memory

        def change(disk: TrustState | None) -> TrustState:
            return cleared(merge(base, disk), self.signer.key_id, reset=reset)

        new = self.store.update(change)
        with self._lock:
            self._memory = new
        return new

    def _raise(self, reason: str) -> str:
        """Raise the alarm (once: a standing alarm keeps its first reason); return it."""
        with self._lock:
            fresh = self._memory.alarm is None
            if fresh:
                self._memory = replace(self._memory, alarm=reason)
                self._unlogged = reason
            standing = self._memory.alarm or reason
        if fresh:
            logger.critical(
                "access log integrity alarm (%s): no checkpoint will be signed until an "
                "operator examines the database and clears it",
                reason,
            )
            self._persist()
        return standing

    def _persist(self) -> None:
        if self.store is None:
            return
        mine = self._memory
        try:
            self.store.update(lambda disk: merge(mine, disk))
        except OSError as exc:
            logger.error("audit state file not written (%s)", type(exc).__name__)

    # -- the check --------------------------------------------------------------------------

    async def check(
        self,
        session: AsyncSession,
        size: int,
        frontier: Sequence[str],
        last_hash: str,
        entry_of: Callable[[Any], dict[str, object]],
    ) -> str | None:
        """None if the head (size, frontier, last hash) extends the signed one; else the alarm."""
        state = self.state()
        if state.alarm:
            return state.alarm
        if size < state.head.size:
            return self._raise("tail_cut")
        walk = Walk(state.head)
        try:
            await self._walk(session, walk, size, entry_of)
            walk.require(size, frontier, last_hash)
        except Broken as broken:
            return self._raise(broken.code)
        return None

    async def prime(
        self,
        sessions: Callable[[], AsyncSession],
        entry_of: Callable[[Any], dict[str, object]],
    ) -> None:
        """With no signed head yet (a fresh state file), recompute the log up to its latest
        stored checkpoint now, holding no lock, and trust that checkpoint if it matches.

        Otherwise the first checkpoint would recompute the whole log while appends wait.
        """
        state = self.state()
        if state.alarm or state.head.size:
            return
        async with sessions() as session:
            c = AuditCheckpoint
            latest = await session.scalar(
                select(c.tree_size)
                .where(c.key_id == self.signer.key_id)
                .order_by(c.tree_size.desc())
                .limit(1)
            )
            if not latest:
                return
            walk = Walk(state.head)
            try:
                await self._walk(session, walk, int(latest), entry_of)
            except Broken as broken:
                self._raise(broken.code)
                return
        self._trust(walk.head())

    async def _walk(
        self,
        session: AsyncSession,
        walk: Walk,
        size: int,
        entry_of: Callable[[Any], dict[str, object]],
    ) -> None:
        c = AuditCheckpoint
        stored = {
            row.tree_size: row
            for row in (
                await session.execute(
                    select(c.tree_size, c.root_hash, c.at, c.key_id, c.signature).where(
                        c.tree_size > walk.size, c.tree_size <= size
                    )
                )
            ).all()
        }
        # Core rows through the session's connection (same transaction): no ORM loading.
        connection = await session.connection()
        while walk.size < size:
            rows = (
                await connection.execute(
                    select(*ENTRY_COLUMNS)
                    .where(_E.position >= walk.size, _E.position < size)
                    .order_by(_E.position)
                    .limit(self.batch)
                )
            ).all()
            if not rows:
                raise Broken("entries_missing")
            for row in rows:
                walk.add(entry_of(row))
                if walk.size in stored:
                    self._passes(walk, stored[walk.size])

    def _passes(self, walk: Walk, row: Any) -> None:
        if row.root_hash != walk.root():
            raise Broken("checkpoint_mismatch")
        if row.key_id != self.signer.key_id:
            return  # signed before a key change: its root is what counts here
        head = Checkpoint(row.tree_size, row.root_hash, timestamp(row.at), row.key_id)
        try:
            signature = base64.b64decode(row.signature, validate=True)
            self.signer.public.verify(signature, head.message())
        except (InvalidSignature, binascii.Error, ValueError):
            raise Broken("checkpoint_signature") from None

    # -- after the commit -------------------------------------------------------------------

    def signed(
        self, session: AsyncSession, head: SignedHead, then: Callable[[], None] | None = None
    ) -> None:
        """This transaction stores a checkpoint of ``head``: trust it, run ``then``, on commit."""
        staged = self._staged(session)
        staged.heads.append(head)
        if then is not None:
            staged.then.append(then)

    def logging_alarm(self, session: AsyncSession) -> None:
        """This transaction writes the alarm's entry: it is logged once it commits."""
        self._staged(session).logged = True

    def _staged(self, session: AsyncSession) -> _Staged:
        sync = session.sync_session
        staged = sync.info.get(self._key)
        if staged is None:
            staged = sync.info[self._key] = _Staged()
            event.listen(sync, "after_commit", self._after_commit)
            event.listen(sync, "after_transaction_end", self._after_end)
        assert isinstance(staged, _Staged)  # noqa: S101 - only this guard writes the key
        return staged

    def _after_commit(self, sync: Session) -> None:
        transaction = sync.get_transaction()
        if transaction is not None and transaction.nested:
            return  # a savepoint: wait for the real commit
        staged = sync.info.get(self._key)
        if not isinstance(staged, _Staged):
            return
        heads, then, logged = list(staged.heads), list(staged.then), staged.logged
        staged.clear()
        try:
            if logged:
                self._unlogged = None
            if heads:
                self._trust(heads[-1])
            for step in then:
                step()
        except Exception as exc:  # noqa: BLE001 - the data is committed; never fail the request now
            logger.error("after-commit step of the audit guard failed (%s)", type(exc).__name__)

    def _after_end(self, sync: Session, transaction: SessionTransaction) -> None:
        if transaction.parent is None:
            staged = sync.info.get(self._key)
            if isinstance(staged, _Staged):
                staged.clear()  # rolled back (or already applied): forget it

    def _trust(self, head: SignedHead) -> None:
        with self._lock:
            signed = replace(self._memory, head=head, alarm=None)
            self._memory = merge(self._memory, signed)
        self._persist()
