# Two entry points (see README): `make demo` and `make test`. Both set up .venv on first use.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

# constraints.txt pins the versions the suite passed with; pyproject.toml keeps the compatible ranges.
$(STAMP): pyproject.toml setup.py constraints.txt sigap_core/_hmac_many.c
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -c constraints.txt -e '.[dev]'
	touch $(STAMP)

.PHONY: setup demo test lint unit i18n
setup: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/sigap demo

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

# Two workers (this machine kind has two cores); an idle worker takes tests from the other's queue.
test: lint
	$(PY) -m pytest -q -p no:cacheprovider -n 2 --dist worksteal

unit: $(STAMP)
	$(PY) -m pytest -q tests/unit

# After changing user-facing text: refresh the template and merge it into both catalogs, then translate
# the new entries in sigap_core/locales/en (tests/unit/test_i18n.py fails until every message has an English text).
i18n: $(STAMP)
	$(VENV)/bin/pybabel extract -F babel.cfg -k _ -k N_ -k ngettext:1,2 --no-location --sort-output --omit-header -o sigap_core/locales/messages.pot .
	$(VENV)/bin/pybabel update -i sigap_core/locales/messages.pot -d sigap_core/locales -D messages --no-fuzzy-matching --ignore-obsolete
