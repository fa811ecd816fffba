"""jionlp, loaded once and quietly: on import it prints a banner to stdout (which would corrupt
``python -m rag.inspect --json``) and loads its dictionaries (0.3 s), so only the stages that read money,
dates or places load it, on first use."""

from __future__ import annotations

import contextlib
import io
from functools import lru_cache
from typing import Any


@lru_cache(maxsize=1)
def jio() -> Any:
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        import jionlp

        # jiojio (its segmenter) announces its C functions on first use, not on import
        jionlp.parse_location("北京市")
    return jionlp
