# docgen: verify YAML derivations and render them to PDF, HTML and Markdown.
# Run `make help` for the list of targets.

VENV   := .venv
PY     := $(VENV)/bin/python
PYTHON ?= python3
NPM    ?= npm

STAMP       := $(VENV)/.installed

SRC  := derivations
OUT  := build
SITE := site

# PDFs need TeX Live (XeLaTeX, latexmk, ctex, Noto CJK fonts). Without it `make` builds the
# other formats and says how to get PDFs; `make deps` installs the Debian packages.
, := ,
LATEXMK ?= latexmk
XELATEX ?= xelatex
HAVE_TEX := $(shell command -v $(LATEXMK) >/dev/null 2>&1 && command -v $(XELATEX) >/dev/null 2>&1 && echo yes)
ALL_FORMATS := $(if $(HAVE_TEX),latex$(,)pdf$(,)html$(,)md,latex$(,)html$(,)md)
DEB_PACKAGES := texlive-xetex texlive-lang-chinese texlive-fonts-recommended latexmk fonts-noto-cjk poppler-utils
NO_TEX_LINE := PDFs skipped: TeX Live not found. On Debian or Ubuntu `make deps` installs it ($(DEB_PACKAGES)); elsewhere install TeX Live with XeLaTeX, latexmk and ctex, and the Noto CJK fonts

.DEFAULT_GOAL := all
.DELETE_ON_ERROR:

.PHONY: all help deps venv vendor-katex verify build test bench bench-example bench-katex mutants pdf html md publish serve clean distclean

all: build ## Set up, verify all derivations, then build every format (only if inputs changed)

help: ## List targets with one-line descriptions
	@echo "Usage: make [target]   (default: $(.DEFAULT_GOAL))"
	@echo
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) \
		| sed -E 's/^([a-zA-Z_-]+):.*## (.*)$$/\1\t\2/' \
		| awk -F '\t' '{ printf "  %-12s %s\n", $$1, $$2 }'

deps: ## Install the Debian packages for PDFs (TeX Live, ctex, Noto CJK) with apt-get (as root or with sudo)
	$(if $(filter 0,$(shell id -u)),,sudo) apt-get update
	$(if $(filter 0,$(shell id -u)),,sudo) env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $(DEB_PACKAGES)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

# docgen's bytecode, compiled ahead: where writing it at import time is turned off
# (PYTHONDONTWRITEBYTECODE=1, common in containers) every run would compile docgen again,
# 20-30 ms at each start of the command and of each worker process
PYC_STAMP := $(VENV)/.bytecode

$(PYC_STAMP): $(wildcard docgen/*.py docgen/*/*.py) $(STAMP)
	$(PY) -m compileall -q docgen
	touch $@

venv: $(STAMP) $(PYC_STAMP) ## Create .venv and install docgen (editable) with test extras

# KaTeX ships inside docgen (docgen/render/katex_dist/) and runs in embedded V8 (mini-racer, a
# Python dependency): building needs neither Node nor npm. Only refreshing those files does:
# the tarball of package.json's version, checked against package-lock.json's integrity.
KATEX_VERSION = $(shell $(PYTHON) -c 'import json; print(json.load(open("package.json"))["dependencies"]["katex"])')

vendor-katex: ## Refresh docgen/render/katex_dist/ from KaTeX's npm tarball (package.json's version; needs npm)
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	$(NPM) pack --silent --pack-destination "$$tmp" katex@$(KATEX_VERSION) >/dev/null && \
	$(PYTHON) tools/vendor_katex.py "$$tmp/katex-$(KATEX_VERSION).tgz"

# What a build reads: a stamp per format set is rebuilt only when one of these is newer, so a
# second `make` does nothing. (docgen build verifies everything again; it writes all outputs
# or none, and a failing derivation makes it exit 1, leaving the stamp old.)
DERIVS   := $(shell find $(SRC) -type f \( -name '*.yaml' -o -name '*.yml' \) 2>/dev/null | sort)
TEMPLATE_FILES := $(shell find templates -type f 2>/dev/null | sort)
DOCGEN_SRC := $(wildcard docgen/*.py docgen/*/*.py docgen/*/*.js docgen/schema/*.json docgen/render/katex_dist/*)
BUILD_INPUTS := $(DERIVS) $(TEMPLATE_FILES) $(DOCGEN_SRC) $(STAMP) $(PYC_STAMP)

$(OUT)/.stamp-all: $(BUILD_INPUTS)
	$(PY) -m docgen build $(SRC) --format $(ALL_FORMATS) --out $(OUT)
	@$(if $(HAVE_TEX),:,echo '$(NO_TEX_LINE)')
	@touch $@

$(OUT)/.stamp-pdf: $(BUILD_INPUTS)
	$(PY) -m docgen build $(SRC) --format latex,pdf --out $(OUT)
	touch $@

$(OUT)/.stamp-html: $(BUILD_INPUTS)
	$(PY) -m docgen build $(SRC) --format html --out $(OUT)
	touch $@

$(OUT)/.stamp-md: $(BUILD_INPUTS)
	$(PY) -m docgen build $(SRC) --format md --out $(OUT)
	touch $@

verify: venv ## Verify every derivation in derivations/
	$(PY) -m docgen verify $(SRC)

build: $(OUT)/.stamp-all ## Build all formats into build/<id>/ (.tex .pdf .html .md)

test: venv ## Run the test suite
	$(PY) -m pytest -q

BENCH_STAMP := $(VENV)/.bench-installed

$(BENCH_STAMP): pyproject.toml $(STAMP) $(PYC_STAMP)
	$(PY) -m pip install --quiet -e '.[bench]'
	touch $@

bench: $(BENCH_STAMP) ## Benchmarks (~10 min): checker vs naive SymPy, make timings, scaling, synthetic corpus -> benchmarks/results/
	$(PY) benchmarks/bench_verify.py

bench-example: venv ## What the example's term values cost: CPU with and without them, ~1 min
	$(PY) benchmarks/bench_example.py

bench-katex: venv ## KaTeX in Node vs in mini-racer (needs node), ~1 min -> benchmarks/results/katex.md
	$(PY) benchmarks/bench_katex.py

# The SymPy conformance corpus (105 bare claims, 2859 mutants, 974 of them of one claim) is mutated
# by a seeded sample of CONFORMANCE_MUTANTS per claim, which keeps the target to a few minutes
CONFORMANCE_MUTANTS ?= 4

mutants: venv ## Mutation testing of the checker on derivations/ and the SymPy corpus -> benchmarks/results/mutants*.md (ARGS='--limit N' for a sample)
	$(PY) benchmarks/mutants.py $(ARGS)
	$(PY) benchmarks/mutants.py tests/conformance/sympy --per-step $(CONFORMANCE_MUTANTS) \
		--out benchmarks/results/mutants-conformance.md $(ARGS)

pdf: $(OUT)/.stamp-pdf ## Build the LaTeX and PDF output into build/ (latexmk -xelatex)

html: $(OUT)/.stamp-html ## Build the HTML output into build/ (KaTeX rendered server-side)

md: $(OUT)/.stamp-md ## Build the Markdown output into build/

PORT ?= 8000

publish: venv ## Verify, render and publish the static site into site/ (replaced as a whole; a failing note stops it)
	$(PY) -m docgen publish $(SRC) --out $(SITE)

serve: venv ## Serve a live preview on 127.0.0.1 (PORT=8000), rebuilding on changes (Ctrl-C stops)
	$(PY) -m docgen serve $(SRC) --port $(PORT)

clean: ## Remove build outputs, caches and __pycache__ dirs
	rm -rf $(OUT) $(SITE) .docgen-cache .pytest_cache $(PYC_STAMP)
	find . -path ./$(VENV) -prune -o -path ./node_modules -prune -o \
		-type d -name __pycache__ -prune -exec rm -rf {} +

distclean: clean ## clean, and also remove .venv (and node_modules, which older versions made)
	rm -rf $(VENV) node_modules
