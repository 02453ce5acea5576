SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:
MAKEFLAGS += --no-builtin-rules --no-print-directory

# --- parameters (override on the command line: make report QUARTER=2019Q2 GOAL=90000) ---------
PYTHON ?= python3
# The default quarter lives in one place, the package's config.py.
DEFAULT_QUARTER := $(shell sed -n 's/^DEFAULT_QUARTER = "\([0-9Q]*\)".*/\1/p' src/deliveries/config.py)
QUARTER ?= $(DEFAULT_QUARTER)
GOAL ?=
CONSENSUS ?=
DATA ?= data/production_deliveries.csv
GOALS ?= data/goals.csv
PAPER ?= A4
OUT ?= report
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
PORT ?= 8888
RELEASE ?=
SOURCE_URL ?=
TO ?=
WATCH ?=
EVERY ?=
UNTIL ?=
# CC= names the e-mail's copy recipients (make email CC=...), but make predefines CC as the C
# compiler ("cc"): unless the user gave it, clear it, so that no "--cc cc" reaches the command.
ifeq ($(origin CC),default)
CC :=
endif

VENV := .venv
BIN := $(VENV)/bin
UV := $(BIN)/uv
UV_VERSION := 0.13.9
LOCK := requirements.lock
INSTALLED := $(VENV)/.installed
BYTECODE := $(VENV)/.bytecode
RUN := $(BIN)/deliveries
CODE := $(shell find src -name '*.py' -o -name '*.j2' -o -name '*.css' -o -name 'conf.json')
DATA_INPUTS := $(DATA) $(GOALS) $(wildcard $(dir $(DATA))revisions.csv $(dir $(DATA))consensus.csv \
	$(dir $(DATA))storage.csv)
QUARTER_INPUTS := $(DATA_INPUTS) notebooks/quarterly_report.ipynb $(CODE)
REPORT_DIR = $(OUT)/$(QUARTER)
REPORT_PDF = $(REPORT_DIR)/tesla-deliveries-$(QUARTER).pdf
PARAMS = $(OUT)/.params-$(QUARTER)
REPORTS_PARAMS := $(OUT)/.params-reports
HISTORY_PARAMS := $(OUT)/.params-history
DATA_ARGS := --data $(DATA) --goals $(GOALS)

# Catch mistyped values here, before anything runs.
ifeq ($(wildcard $(DATA)),)
$(error DATA=$(DATA) does not exist)
endif
ifeq ($(wildcard $(GOALS)),)
$(error GOALS=$(GOALS) does not exist)
endif
# QUARTER=latest: the newest quarter in the data.
ifneq ($(filter latest LATEST Latest,$(QUARTER)),)
override QUARTER := $(shell awk -F, 'NR > 1 && $$1 ~ /^[0-9][0-9][0-9][0-9]Q[1-4]$$/ {print $$1}' \
	'$(DATA)' | sort | tail -n 1)
ifeq ($(QUARTER),)
$(error QUARTER=latest: $(DATA) has no quarter rows)
endif
endif
ifeq ($(shell [[ "$(QUARTER)" =~ ^[0-9]{4}Q[1-4]$$ ]] && echo ok),)
$(error QUARTER=$(QUARTER) is not a quarter label (expected YYYYQn, e.g. 2019Q3, or latest))
endif
ifeq ($(filter A4 a4 Letter letter,$(PAPER)),)
$(error PAPER=$(PAPER) is not one of A4, Letter)
endif
ifneq ($(GOAL),)
ifeq ($(shell [[ "$(GOAL)" =~ ^[0-9][0-9_,]*$$ ]] && echo ok),)
$(error GOAL=$(GOAL) is not a whole number of vehicles)
endif
endif
ifneq ($(CONSENSUS),)
ifeq ($(shell [[ "$(CONSENSUS)" =~ ^[0-9][0-9_,]*$$ ]] && echo ok),)
$(error CONSENSUS=$(CONSENSUS) is not a whole number of vehicles)
endif
endif
ifeq ($(shell [[ "$(JOBS)" =~ ^[1-9][0-9]*$$ ]] && echo ok),)
$(error JOBS=$(JOBS) is not a positive whole number)
endif

# A target depends on its parameters too: each is recorded in a file that changes only when
# they do ($(call record,FILE,LINES)), so a new GOAL or PAPER re-renders and an old one does not.
record = $(shell mkdir -p $(OUT) && printf '%s\n' $(2) > $(1).new && \
	{ cmp -s $(1).new $(1) && rm -f $(1).new || mv -f $(1).new $(1); })
ifneq ($(filter report email,$(MAKECMDGOALS)),)
$(call record,$(PARAMS),'goal=$(GOAL)' 'consensus=$(CONSENSUS)' 'data=$(DATA)' 'goals=$(GOALS)' 'paper=$(PAPER)')
endif
ifneq ($(filter reports,$(MAKECMDGOALS)),)
$(call record,$(REPORTS_PARAMS),'data=$(DATA)' 'goals=$(GOALS)' 'paper=$(PAPER)')
endif
ifneq ($(filter history,$(MAKECMDGOALS)),)
$(call record,$(HISTORY_PARAMS),'data=$(DATA)' 'goals=$(GOALS)' 'paper=$(PAPER)')
endif

## Render report/QUARTER/ as HTML and PDF (QUARTER=2019Q3|latest, GOAL=, CONSENSUS=, DATA=, PAPER=A4|Letter)
.PHONY: report
report: $(REPORT_PDF)
	@echo "report: $(REPORT_DIR)/tesla-deliveries-$(QUARTER).html"
	@echo "report: $(REPORT_PDF)"

$(PARAMS) $(REPORTS_PARAMS) $(HISTORY_PARAMS):
	@mkdir -p $(@D) && touch $@

$(REPORT_PDF): $(BYTECODE) $(QUARTER_INPUTS) $(PARAMS)
	$(RUN) report --quarter $(QUARTER) $(if $(GOAL),--goal $(GOAL)) \
		$(if $(CONSENSUS),--consensus $(CONSENSUS)) $(DATA_ARGS) \
		--paper $(PAPER) --out $(OUT)

## Render every quarter, the history report and report/index.html (JOBS=N workers)
.PHONY: reports
reports: $(OUT)/index.html
	@echo "reports: $(OUT)/index.html"

$(OUT)/index.html: $(BYTECODE) $(QUARTER_INPUTS) notebooks/history.ipynb $(REPORTS_PARAMS)
	$(RUN) reports --jobs $(JOBS) $(DATA_ARGS) --paper $(PAPER) --out $(OUT)

## Render the history report into report/history/
.PHONY: history
history: $(OUT)/history/tesla-deliveries-history.pdf

$(OUT)/history/tesla-deliveries-history.pdf: $(BYTECODE) $(DATA_INPUTS) notebooks/history.ipynb $(CODE) \
		$(HISTORY_PARAMS)
	$(RUN) history $(DATA_ARGS) --paper $(PAPER) --out $(OUT)

## Add a press release's figures to the data (RELEASE=path/to/release.txt, SOURCE_URL=its address)
.PHONY: ingest
ingest: $(BYTECODE)
	@[[ -n "$(RELEASE)" ]] || { echo "error: give the release file: make ingest RELEASE=path" >&2; exit 2; }
	$(RUN) ingest "$(RELEASE)" --data $(DATA) $(if $(SOURCE_URL),--source-url "$(SOURCE_URL)")

## Fetch the newest release from SEC EDGAR; if new, add it, render it, the history and the index, e-mail it (TO=)
.PHONY: update
update: UPDATE_ARGS = $(strip $(if $(TO),--to "$(TO)") $(if $(CC),--cc "$(CC)") --data $(DATA) \
	--out $(OUT) --paper $(PAPER) \
	$(if $(WATCH),--watch $(if $(EVERY),--every $(EVERY)) $(if $(UNTIL),--until $(UNTIL))))
update: $(BYTECODE)
	$(RUN) update $(UPDATE_ARGS)

## E-mail report/QUARTER's PDF (TO=addr[,addr], CC=...; SMTP_* settings or a .eml file)
.PHONY: email
email: $(REPORT_PDF)
	@[[ -n "$(TO)" ]] || { echo "error: give the recipients: make email TO=analyst@example.com" >&2; exit 2; }
	$(RUN) email --quarter $(QUARTER) --to "$(TO)" $(if $(CC),--cc "$(CC)") \
		$(if $(GOAL),--goal $(GOAL)) $(if $(CONSENSUS),--consensus $(CONSENSUS)) $(DATA_ARGS) --out $(OUT)

## Start JupyterLab on notebooks/ (PORT=8888, LAB_TOKEN=...); stop with Ctrl-C twice
.PHONY: lab
lab: LAB_URL = $(strip $(if $(LAB_TOKEN),http://127.0.0.1:$(PORT)/lab?token=$(LAB_TOKEN),\
	the URL with ?token= that Jupyter prints below))
lab: $(BYTECODE)
	@[[ "$(PORT)" =~ ^[0-9]+$$ ]] && (( $(PORT) > 0 && $(PORT) < 65536 )) || \
		{ echo "error: PORT=$(PORT) is not a port number (1-65535)" >&2; exit 2; }
	@echo "lab: open $(LAB_URL)"
	@echo "lab: stop with Ctrl-C twice, or from another shell: $(BIN)/jupyter lab stop $(PORT)"
	@$(if $(LAB_TOKEN),JUPYTER_TOKEN='$(LAB_TOKEN)') exec $(BIN)/jupyter lab --no-browser \
		--ServerApp.ip=127.0.0.1 --ServerApp.port=$(PORT) --ServerApp.port_retries=0 \
		--ServerApp.root_dir="$(CURDIR)" --LabApp.default_url=/lab/tree/notebooks \
		$(if $(filter 0,$(shell id -u)),--allow-root)

## Run the whole test suite (unit and end-to-end)
.PHONY: test
test: $(BYTECODE)
	$(BIN)/python -m pytest || { status=$$?; [[ $$status -eq 5 ]] && echo "no tests ran" || exit $$status; }

## Run the fast unit tests only (no kernels, renders, browsers or make runs)
.PHONY: test-fast
test-fast: $(BYTECODE)
	$(BIN)/python -m pytest -m "not e2e" || { status=$$?; [[ $$status -eq 5 ]] && echo "no tests ran" || exit $$status; }

## Time the naive pipeline against ours, and each library patch (benchmarks/README.md)
.PHONY: bench
bench: $(BYTECODE)
	$(BIN)/python benchmarks/bench.py

## Check the code style and formatting (ruff) and that notebooks carry no outputs
.PHONY: lint
lint: $(BYTECODE)
	$(BIN)/ruff check src tests tools benchmarks
	$(BIN)/ruff format --check src tests tools benchmarks
	$(BIN)/python tools/strip_notebooks.py --check

## Strip outputs and execution counts from notebooks/
.PHONY: strip
strip: $(BYTECODE)
	$(BIN)/python tools/strip_notebooks.py

## Remove rendered reports (keeps the virtual environment)
.PHONY: clean
clean:
	find $(OUT) -mindepth 1 -not -name README.md -delete 2>/dev/null || true
	rm -rf .pytest_cache .ruff_cache .bench
	find . -name __pycache__ -not -path './$(VENV)/*' -prune -exec rm -rf {} +
	rm -f $(BYTECODE)

## Remove the virtual environment too
.PHONY: distclean
distclean: clean
	rm -rf $(VENV) src/*.egg-info

## List the targets
.PHONY: help
help:
	@awk '/^## /{doc=substr($$0,4)} /^[a-z_-]+:/{if(doc!="")printf "  make %-10s %s\n",substr($$1,1,length($$1)-1),doc; doc=""}' $(MAKEFILE_LIST)

## Resolve requirements.lock again from pyproject.toml (UPGRADE=1: the newest versions allowed)
.PHONY: lock
lock: $(UV)
	$(UV) pip compile pyproject.toml --extra dev --generate-hashes --python-version 3.11 \
		$(if $(UPGRADE),--upgrade) --quiet -o $(LOCK)
	@echo "lock: $(LOCK) ($$(grep -c '==' $(LOCK)) packages); make test installs and tries it"

# The virtual environment: made on first use, with uv (PyPI) as its installer.
$(UV):
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "error: $(PYTHON) is older than Python 3.11 (set PYTHON=python3.11)" >&2; exit 2; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet 'uv==$(UV_VERSION)'

# Every package at the version and hash in the lock (again when the lock or pyproject.toml
# changes; packages the lock does not name are removed), then the project itself, editable.
$(INSTALLED): $(LOCK) pyproject.toml | $(UV)
	$(UV) pip sync --quiet --python $(BIN)/python --require-hashes --compile-bytecode $(LOCK)
	$(UV) pip install --quiet --python $(BIN)/python --no-deps -e .
	touch $@

# The package's bytecode, written once per change. Where PYTHONDONTWRITEBYTECODE is set (it is on
# the machines this project is built and tested on) Python never caches it, and every process
# (the command, its kernel, each test's subprocess) compiles all our modules again: ~0.1 s each.
$(BYTECODE): $(INSTALLED) $(CODE)
	@$(BIN)/python -m compileall -q src/deliveries > /dev/null
	@touch $@
