# Two commands do everything on a fresh machine: `make demo` and `make test`.
# Both create .venv/ and the collections tree (.collections/) when they are missing.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
ANSIBLE_VERSION := 12.3.0
COLLECTIONS := .collections/ansible_collections
AMAZON_AWS := $(COLLECTIONS)/amazon/aws/MANIFEST.json
SELF_LINK := $(COLLECTIONS)/cerpac/ecs_iam
export PATH := $(CURDIR)/$(BIN):$(PATH)
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: setup demo endpoint test unit integration molecule sanity lint changelog bench clean newest-ansible

setup: $(VENV)/.installed $(AMAZON_AWS) $(SELF_LINK)

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements-dev.txt
	touch $@

# amazon.aws is not on PyPI alone: take it from the pinned `ansible` wheel, unpacking only that collection.
$(AMAZON_AWS): | $(VENV)/.installed
	$(BIN)/python scripts/fetch_amazon_aws.py --version $(ANSIBLE_VERSION)
	touch $@

$(SELF_LINK):
	mkdir -p $(COLLECTIONS)/cerpac
	ln -sfn ../../.. $@

demo: setup
	$(BIN)/python -m scripts.demo

# The local AWS endpoint of the tests (moto, AWS managed policies loaded), in the foreground: prints the `export` lines.
PORT ?= 5000
endpoint: setup
	$(BIN)/python -m scripts.endpoint --port $(PORT)

# The prerequisites first (scripts/preflight.sh, one line per missing one), before the venv is built.
test:
	PYTHON=$(PYTHON) bash scripts/preflight.sh
	$(MAKE) --no-print-directory setup
	bash scripts/test.sh

unit: setup
	$(BIN)/python -m pytest tests/unit -q

integration: setup
	$(BIN)/python -m pytest tests/integration -q

molecule: setup
	bash scripts/molecule.sh

sanity: setup
	bash scripts/sanity.sh

lint: setup
	bash scripts/lint.sh

changelog: setup
	$(BIN)/antsibull-changelog lint

bench: setup
	bash scripts/bench.sh

# The real playbooks on the newest `ansible` release (its own venv in .cache/newest/, built once per requirements).
newest-ansible: setup
	bash scripts/newest_ansible.sh

clean:
	rm -rf $(VENV) .collections .cache tests/output .pytest_cache
