# docgen: verify YAML derivations and render them to PDF, HTML and Markdown.
# Run `make help` for the list of targets.

VENV   := .venv
PY     := $(VENV)/bin/python
PYTHON ?= python3
NPM    ?= npm

STAMP       := $(VENV)/.installed
KATEX_STAMP := node_modules/.katex-installed

SRC  := derivations
OUT  := build
SITE := site

.DEFAULT_GOAL := all
.DELETE_ON_ERROR:

.PHONY: all help venv katex verify build test bench pdf html md publish serve clean distclean

all: venv katex ## Set up, verify all derivations, then build every format
	$(MAKE) --no-print-directory verify
	$(MAKE) --no-print-directory build

help: ## List targets with one-line descriptions
	@echo "Usage: make [target]   (default: $(.DEFAULT_GOAL))"
	@echo
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) \
		| sed -E 's/^([a-zA-Z_-]+):.*## (.*)$$/\1\t\2/' \
		| awk -F '\t' '{ printf "  %-10s %s\n", $$1, $$2 }'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

venv: $(STAMP) ## Create .venv and install docgen (editable) with test extras

$(KATEX_STAMP): package.json package-lock.json
	$(NPM) ci --no-audit --no-fund
	touch $@

katex: $(KATEX_STAMP) ## Install KaTeX into node_modules/ (npm ci from package-lock.json)

verify: venv ## Verify every derivation in derivations/
	$(PY) -m docgen verify $(SRC)

build: venv katex ## Build all formats into build/
	$(PY) -m docgen build $(SRC) --out $(OUT)

test: venv ## Run the test suite
	$(PY) -m pytest -q

bench: venv ## Run the verification benchmark
	$(PY) benchmarks/bench_verify.py

pdf: venv ## Build the PDF (LaTeX) output into build/
	$(PY) -m docgen build $(SRC) --format pdf --out $(OUT)

html: venv katex ## Build the HTML output into build/ (KaTeX rendered server-side)
	$(PY) -m docgen build $(SRC) --format html --out $(OUT)

md: venv ## Build the Markdown output into build/
	$(PY) -m docgen build $(SRC) --format md --out $(OUT)

publish: venv katex ## Publish the site into site/
	$(PY) -m docgen publish --out $(SITE)

serve: venv ## Serve the site locally
	$(PY) -m docgen serve

clean: ## Remove build outputs, caches and __pycache__ dirs
	rm -rf $(OUT) $(SITE) .docgen-cache .pytest_cache
	find . -path ./$(VENV) -prune -o -path ./node_modules -prune -o \
		-type d -name __pycache__ -prune -exec rm -rf {} +

distclean: clean ## clean, and also remove .venv and node_modules
	rm -rf $(VENV) node_modules
