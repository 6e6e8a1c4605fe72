# Tregua: `make serve` and `make test` work on a fresh machine (they install what they need).
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
# `make serve` listens where the KG_* settings say (KG_HOST, KG_PORT, KG_STORE, as `kg serve` reads
# them); `make serve PORT=8080` also works, and wins.
STORE   ?= $(or $(KG_STORE),data/store)
HOST    ?= $(or $(KG_HOST),127.0.0.1)
PORT    ?= $(or $(KG_PORT),8000)
STAMP   := $(VENV)/.installed
SYSSTAMP:= $(VENV)/.system-packages
# The pages' browser bundles: npm packages (web/package-lock.json) bundled by esbuild (web/build.mjs)
# into api/static/dist/, which git ignores; built here, so a fresh clone needs no step of its own.
WEBDEPS := web/node_modules/.installed
WEBDIST := api/static/dist/.built

.PHONY: install system-packages web build serve test lint bench clean

$(BIN)/python:
	$(PY) -m venv $(VENV) || { echo "python3 -m venv failed: installing python3-venv"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq python3-venv >/dev/null && $(PY) -m venv $(VENV); }
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

# Debian packages the tests and the docs need: Chromium (browser tests), Graphviz (model diagram),
# Java (HermiT, through owlready2; a JDK runs the OWL 2 DL profile check in tests/ontology),
# Virtuoso Open Source and HAProxy (tests/remote: a remote store, replicas behind a balancer).
# Installed once per machine; skipped when already there.
$(SYSSTAMP): | $(BIN)/python
	@missing=""; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v dot >/dev/null || missing="$$missing graphviz"; \
	command -v java >/dev/null || missing="$$missing default-jre-headless"; \
	command -v javac >/dev/null || missing="$$missing default-jdk-headless"; \
	command -v virtuoso-t >/dev/null || missing="$$missing virtuoso-opensource"; \
	command -v haproxy >/dev/null || [ -x /usr/sbin/haproxy ] || missing="$$missing haproxy"; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi
	touch $@

$(WEBDEPS): web/package.json web/package-lock.json
	@command -v npm >/dev/null || { echo "npm not found: installing Debian's nodejs and npm"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq nodejs npm >/dev/null; }
	cd web && npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(WEBDIST): $(WEBDEPS) web/build.mjs $(wildcard web/src/*)
	cd web && node build.mjs

web: $(WEBDIST)

install: $(STAMP) $(SYSSTAMP) $(WEBDIST)

system-packages: $(SYSSTAMP)

# The store is rebuilt when the sources, the ontology, the shapes or the core's code change.
$(STORE)/.built: $(STAMP) $(wildcard ontology/*.ttl shapes/*.ttl sources/*.trig sources/*.txt sources/*.csv $(shell find kg -name "*.py"))
	$(BIN)/kg build --store $(STORE)
	touch $@

build: $(STAMP)
	$(BIN)/kg build --store $(STORE)
	touch $(STORE)/.built

# Serving needs no Debian packages (those are for the tests): only the venv and the store.
serve: $(STAMP) $(WEBDIST) $(STORE)/.built
	$(BIN)/kg serve --host $(HOST) --port $(PORT) --store $(STORE)

test: install
	$(BIN)/ruff check .
	$(BIN)/mypy --strict kg
	$(BIN)/mypy kg api
	$(BIN)/python -m pytest -n 2 --dist loadgroup --no-loadscope-reorder -q

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy --strict kg
	$(BIN)/mypy kg api

# Benchmarks print figures (ratios against a peer in the same run); they assert nothing.
# bench/canned.py installs grlc into its own venv under bench/out/ on first run.
bench: install
	$(BIN)/python bench/build.py
	$(BIN)/python bench/endpoint.py --datasets real,100000,1000000 --phases load,memory,validation
	$(BIN)/python bench/canned.py
	$(BIN)/python bench/linked.py
	$(BIN)/python bench/linked_pages.py
	$(BIN)/python bench/writes.py

clean:
	rm -rf data .pytest_cache api/static/dist web/node_modules
