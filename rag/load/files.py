"""Files and errors shared by the readers: bounded reads, directory walks, LoadError helpers."""

from __future__ import annotations

import io
import os
import stat
import zipfile
from collections.abc import Iterator
from pathlib import Path

from ..errors import LoadError

MB = 1024 * 1024


def is_dir(p: Path) -> bool:
    try:
        return p.is_dir()
    except OSError:  # e.g. EACCES on a parent: treat as a file, load_file then reports why it can't be read
        return False


def exists(p: Path) -> bool:
    try:
        return p.exists() or p.is_symlink()  # a dangling symlink is yielded: load_file reports it
    except OSError:
        return True  # it is there, but not accessible: let load_file say so


def walk(d: Path, seen: set[str]) -> Iterator[Path]:
    # Track resolved directories so a symlink loop (a/link -> a) cannot recurse forever.
    real = os.path.realpath(d)
    if real in seen:
        return
    seen.add(real)
    try:
        entries = sorted(d.iterdir(), key=lambda e: e.name)
    except OSError as e:
        raise LoadError(d.name, f"cannot list directory: {e.strerror or type(e).__name__}") from None
    for entry in entries:
        if entry.name.startswith("."):
            continue
        if is_dir(entry):
            yield from walk(entry, seen)
        else:
            yield entry


def read_bytes(path: Path, max_file_mb: float) -> bytes:
    name = path.name
    limit = int(max_file_mb * MB)
    try:
        st = path.stat()
        if stat.S_ISDIR(st.st_mode):
            raise LoadError(name, "is a directory, not a file")
        if not stat.S_ISREG(st.st_mode):
            # A FIFO or device would block or never end on read().
            raise LoadError(name, "not a regular file")
        if st.st_size > limit:
            raise LoadError(name, too_large(st.st_size, max_file_mb))
        with path.open("rb") as f:
            # Read at most limit+1 bytes: the file may have grown since stat().
            raw = f.read(limit + 1)
    except OSError as e:
        # e.strerror only: str(e) would carry the full path.
        if isinstance(e, FileNotFoundError):
            raise LoadError(name, "no such file or directory") from None
        raise LoadError(name, f"cannot read file: {e.strerror or type(e).__name__}") from None
    if len(raw) > limit:
        raise LoadError(name, too_large(len(raw), max_file_mb))
    return raw


def too_large(size: int, max_file_mb: float) -> str:
    mb = size / MB
    shown = f"{mb:.1f}" if mb >= 1 else f"{mb:.3g}"  # a 2 KB file vs a 0.001 MB limit must not say "0.0"
    return f"file too large: {shown} MB > limit {max_file_mb:g} MB (RAG_MAX_FILE_MB)"


def fail(reason: str) -> LoadError:
    # File name is filled in by load_file, which knows it.
    return LoadError("", reason)


def describe(e: BaseException) -> str:
    msg = str(e).strip() or type(e).__name__
    msg = " ".join(msg.split())
    return msg if len(msg) <= 200 else msg[:197] + "..."


def scrub(reason: str, path: Path) -> str:
    """Belt and braces: library messages should not contain paths (we pass bytes, not paths), but if one
    does, show only the file name."""
    for p in {str(path.resolve()), str(path)}:
        if p and p != path.name:
            reason = reason.replace(p, path.name)
    return reason


def zip_members(raw: bytes, suffix: str, max_uncompressed_mb: float) -> list[zipfile.ZipInfo]:
    """The members of a zip-based document (.docx, .odt, .ofd), after the zip-bomb guard on their declared
    sizes — sufficient because CPython's zipfile never returns more than a member's declared size (and fails
    the CRC check if the data disagrees). LoadError naming ``suffix`` for a corrupt archive or a bomb."""
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as e:
        raise fail(f"not a valid {suffix} (corrupt zip: {describe(e)})") from None
    if sum(i.file_size for i in infos) > max_uncompressed_mb * MB:
        raise fail(f"{suffix[1:]} expands to more than {max_uncompressed_mb:g} MB (zip bomb?)")
    return infos
