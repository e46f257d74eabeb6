"""The anchor file: after each successful verification the last verified batch (its id and hash, the
last sealed entry id, the number of sealed entries, the time) is appended to a file outside the database (`JOURNAL_ANCHOR_FILE`).

A database rewritten afterwards, even by someone holding the HMAC key and the owner role, no longer
contains the anchored batch or has fewer entries: the next verification says so. Each line
carries its own HMAC, so an edited line is refused rather than trusted. Keep the file on storage the
database's administrators cannot rewrite (another host, or `chattr +a`).
"""
import hashlib
import hmac
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from django.conf import settings

from .models import journal_key


class AnchorError(Exception):
    """The anchor file exists but cannot be trusted (edited, truncated mid-line, wrong key)."""


@dataclass(frozen=True)
class Anchor:
    at: str  # ISO time of the verification
    count: int  # entries in the journal then
    last_id: int | None  # id of the last entry (None: empty journal)
    last_hash: str  # the last batch's hash (an entry's hash in anchors written before batches)
    batch: int | None = None  # id of the last batch verified

    def describe(self) -> str:
        return f"ancre du {self.at[:19].replace('T', ' ')} ({self.count} entrée(s), dernière n° {self.last_id})"


def anchor_path() -> Path:
    return Path(settings.JOURNAL_ANCHOR_FILE)


def _mac(fields: dict) -> str:
    payload = json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()
    return hmac.new(journal_key(), b"anchor:" + payload, hashlib.sha256).hexdigest()


def _parse(number: int, line: str) -> Anchor:
    try:
        record = json.loads(line)
        mac = record.pop("mac")
        anchor = Anchor(**record)
    except (ValueError, TypeError, KeyError) as exc:
        raise AnchorError(f"fichier d'ancrage {anchor_path()}, ligne {number} illisible") from exc
    if not hmac.compare_digest(mac, _mac(record)):
        raise AnchorError(f"fichier d'ancrage {anchor_path()}, ligne {number} : signature invalide (ligne modifiée)")
    return anchor


def last_anchor() -> Anchor | None:
    """The latest anchor, after checking every line's signature and that counts never went down."""
    path = anchor_path()
    if not path.exists():
        return None
    previous: Anchor | None = None
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            anchor = _parse(number, line)
            if previous is not None and (anchor.count < previous.count or (anchor.last_id or 0) < (previous.last_id or 0)):
                raise AnchorError(f"fichier d'ancrage {path}, ligne {number} : recule par rapport à la précédente")
            previous = anchor
    return previous


def anchor_write(anchor: Anchor) -> None:
    """Append one line and flush it to disk; the file is only ever opened for appending."""
    path = anchor_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    fields = asdict(anchor)
    line = json.dumps({**fields, "mac": _mac(fields)}, sort_keys=True, separators=(",", ":"))
    with path.open("a", encoding="utf-8") as out:
        out.write(line + "\n")
        out.flush()
        os.fsync(out.fileno())
