"""Run ``ingest.py`` exactly as the command line does, with fault injection, for tests/test_faults.py.

    python tests/fault_ingest.py [ingest.py arguments...]

Nothing in ``rag/`` knows about this: the faults are injected from outside, at the boundaries an ingest
cannot avoid, so the tests stay valid however ``rag/ingest.py`` batches or threads its work.

Events counted (in whatever thread they happen):
- ``write``: a mutating call on a Chroma collection (``add``/``upsert``/``update``/``delete``), before it runs;
- ``index``: an ``os.replace`` made by ``rag.lexical`` (the keyword index swapping a rebuilt index in).

Environment:
- ``FAULT_KILL=write:3``: SIGKILL this process (kill -9: no cleanup, no atexit, no flush) just before the
  3rd write. ``index:N`` likewise before the N-th index swap.
- ``FAULT_PAUSE=write:3`` with ``FAULT_PAUSE_FILE``/``FAULT_RESUME_FILE``: at that point create the pause
  file and wait until the resume file exists (the ingest holds its lock meanwhile).
- ``FAULT_COUNT_FILE``: write the event counts there as JSON when the process exits normally.
- ``FAULT_EMBEDDER=hash``: use the deterministic ``HashEmbedder`` instead of the configured model (fast).
"""

from __future__ import annotations

import atexit
import json
import os
import runpy
import signal
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

_counts = {"write": 0, "index": 0}
_lock = threading.Lock()


def _point(var: str) -> tuple[str, int]:
    kind, _, n = os.environ.get(var, "").partition(":")
    return kind, int(n or 0)


_KILL = _point("FAULT_KILL")
_PAUSE = _point("FAULT_PAUSE")


def _event(kind: str) -> None:
    with _lock:
        _counts[kind] += 1
        n = _counts[kind]
    if (kind, n) == _KILL:
        os.kill(os.getpid(), signal.SIGKILL)
    if (kind, n) == _PAUSE:
        Path(os.environ["FAULT_PAUSE_FILE"]).write_text(str(os.getpid()))
        resume = Path(os.environ["FAULT_RESUME_FILE"])
        while not resume.exists():
            time.sleep(0.02)


def patch_events(on_event: Callable[[str], None]) -> Callable[[], None]:
    """Call ``on_event(kind)`` before every Chroma write ("write") and every index swap ("index"). Returns a
    function that undoes the patching (the tests count events in-process with it)."""
    from chromadb.api.models.Collection import Collection

    saved: list[tuple[Any, str, Any]] = []

    def wrap(fn: Callable[..., Any], kind: str) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            on_event(kind)
            return fn(*args, **kwargs)

        return wrapper

    for name in ("add", "upsert", "update", "delete"):
        saved.append((Collection, name, getattr(Collection, name)))
        setattr(Collection, name, wrap(getattr(Collection, name), "write"))

    real_replace = os.replace

    def replace(src: Any, dst: Any, **kwargs: Any) -> None:
        if sys._getframe(1).f_globals.get("__name__") == "rag.lexical":
            on_event("index")
        real_replace(src, dst, **kwargs)

    saved.append((os, "replace", real_replace))
    os.replace = replace

    def undo() -> None:
        for obj, name, value in reversed(saved):
            setattr(obj, name, value)

    return undo


def _install() -> None:
    patch_events(_event)

    if os.environ.get("FAULT_EMBEDDER") == "hash":
        import rag.pipeline
        from rag.embed import HashEmbedder

        rag.pipeline.make_embedder = lambda settings: HashEmbedder()

    count_file = os.environ.get("FAULT_COUNT_FILE")
    if count_file:
        atexit.register(lambda: Path(count_file).write_text(json.dumps(_counts)))


if __name__ == "__main__":
    _install()
    script = ROOT / "ingest.py"
    sys.argv = [str(script), *sys.argv[1:]]
    runpy.run_path(str(script), run_name="__main__")
