"""Word-processor formats LibreOffice reads (.doc, .wps, .rtf, .odt): converted to .docx by ``soffice
--headless`` in a private temporary directory, then read by the DOCX reader (same paragraphs, text boxes and
table rows as a .docx).

Each conversion gets its own directory and its own LibreOffice profile (``-env:UserInstallation``), so
concurrent ingests never share a running office instance or a profile lock. The whole process group is
killed when it overruns ``RAG_CONVERT_TIMEOUT_S``.

Content is checked before LibreOffice sees it: LibreOffice opens almost anything (random bytes become a
"plain text" document), so a .doc that is neither Word 97-2003, RTF, a .docx nor a web page is refused here.
A .docx or a web page named .doc is read directly by the DOCX or HTML reader.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from ..errors import LoadError
from .docx import load_docx
from .files import describe as _describe
from .files import fail as _fail
from .files import zip_members
from .html import load_html

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Compound File Binary: Word 97-2003 .doc, Kingsoft .wps
_RTF_MAGIC = b"{\\rtf"
_ZIP_MAGIC = b"PK\x03\x04"
_ODT_MIME = b"application/vnd.oasis.opendocument.text"
INSTALL_HINT = "needs LibreOffice (soffice) — install libreoffice-writer-nogui"


def soffice() -> str | None:
    """The LibreOffice binary on PATH, or None."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def load_office(raw: bytes, suffix: str, max_uncompressed_mb: float, timeout_s: float) -> str:
    """Text of a .doc/.wps/.rtf/.odt file (``suffix`` with the dot, lower case)."""
    kind = _sniff(raw, suffix, max_uncompressed_mb)
    if kind == "docx":  # a .docx saved under an old name: no conversion needed
        return load_docx(raw, max_uncompressed_mb)
    if kind == "html":  # a web page named .doc (Word's "save as web page"; sites serve these as .doc)
        return load_html(raw)[0]
    docx = convert_to_docx(raw, suffix, timeout_s)
    return load_docx(docx, max_uncompressed_mb)


def load_docx_or_legacy(raw: bytes, max_uncompressed_mb: float, timeout_s: float) -> str:
    """A .docx, or a Word 97-2003 file that was given the .docx name: that one is converted like a .doc
    (when LibreOffice is there) rather than refused."""
    if raw[:8] != OLE_MAGIC:
        return load_docx(raw, max_uncompressed_mb)
    if soffice() is None:
        raise _fail(
            f"not a valid .docx (legacy Word .doc content; reading it {INSTALL_HINT}, or save it as .docx)"
        )
    try:
        converted = convert_to_docx(raw, ".doc", timeout_s)
    except LoadError as e:
        raise _fail(f"legacy Word .doc content in a .docx file: {e.reason}") from None
    return load_docx(converted, max_uncompressed_mb)


def _sniff(raw: bytes, suffix: str, max_uncompressed_mb: float) -> str:
    """What the bytes are: "ole", "rtf", "odt", "docx" or "html"; a LoadError for anything else."""
    if raw[:8] == OLE_MAGIC and suffix in (".doc", ".wps"):
        return "ole"
    if raw.lstrip(b"\xef\xbb\xbf \t\r\n")[:5] == _RTF_MAGIC and suffix in (".doc", ".rtf"):
        return "rtf"  # Word saves RTF under .doc often enough
    if suffix in (".doc", ".wps") and b"<html" in raw[:4096].lower():
        return "html"
    if raw[:4] == _ZIP_MAGIC:
        names = {i.filename for i in zip_members(raw, suffix, max_uncompressed_mb)}
        if suffix == ".odt":
            if "content.xml" not in names:
                raise _fail("not a valid .odt (no content.xml in the archive)")
            return "odt"
        if "word/document.xml" in names and suffix in (".doc", ".wps"):
            return "docx"
    expected = {
        ".doc": "Word 97-2003 or RTF",
        ".wps": "WPS/Word 97-2003",
        ".rtf": "RTF ({\\rtf header)",
        ".odt": "OpenDocument (zip archive)",
    }[suffix]
    raise _fail(f"not a valid {suffix} (not {expected} content)")


def convert_to_docx(raw: bytes, suffix: str, timeout_s: float) -> bytes:
    """The .docx LibreOffice makes of ``raw`` (a file of type ``suffix``). LoadError when LibreOffice is
    missing, overruns the timeout, or writes nothing."""
    exe = soffice()
    if exe is None:
        raise _fail(f"reading {suffix} {INSTALL_HINT}")
    with tempfile.TemporaryDirectory(prefix="rag-office-") as tmp:
        work = Path(tmp)
        src = work / f"in{suffix}"  # a fixed ASCII name: the user's file name never reaches the command line
        src.write_bytes(raw)
        out = work / "out"
        cmd = [
            exe,
            f"-env:UserInstallation={(work / 'profile').as_uri()}",
            "--headless", "--norestore", "--nologo", "--nodefault", "--nolockcheck",
            "--convert-to", "docx:MS Word 2007 XML",
            "--outdir", str(out),
            str(src),
        ]  # fmt: skip
        env = {**os.environ, "HOME": str(work)}  # LibreOffice writes caches under $HOME too
        proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,  # its own process group: a timeout kills oosplash and soffice.bin alike
        )
        try:
            output, _ = proc.communicate(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            raise _fail(
                f"LibreOffice did not convert it within {timeout_s:g} s (RAG_CONVERT_TIMEOUT_S)"
            ) from None
        result = out / "in.docx"
        if proc.returncode != 0 or not result.is_file() or result.stat().st_size == 0:
            detail = (
                _last_line(output).replace(str(src), "the file").replace(tmp, "")
                or f"exit status {proc.returncode}"
            )
            raise _fail(f"LibreOffice could not convert it ({detail})")
        return result.read_bytes()


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except OSError:
        pass
    proc.communicate()


def _last_line(output: bytes) -> str:
    """LibreOffice's own complaint, without the noise it always prints (javaldx, the convert line)."""
    lines = [
        s.strip() for s in output.decode("utf-8", "replace").splitlines()
        if s.strip() and "javaldx" not in s and not s.startswith("convert ")
    ]  # fmt: skip
    return _describe(Exception(lines[-1])) if lines else ""
