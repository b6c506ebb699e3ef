# Everyday commands. `make run` and `make test` work on a fresh machine with Python 3.11+.
PYTHON ?= python3
BOOT   := .venv-boot
UV     := $(BOOT)/bin/uv
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := .venv

.PHONY: run install migrate serve test check lint format typecheck bench audit clean messages

$(UV):
	$(PYTHON) -m venv $(BOOT)
	$(BOOT)/bin/pip install --quiet "uv==0.13.9"

install: $(UV)
	$(UV) sync --frozen --python $(PYTHON)
	@.venv/bin/python -m gangway.kit.catalogues compile

# After adding or changing a text: re-extract the .pot files and merge them into the .po files.
messages: install
	.venv/bin/python -m gangway.kit.catalogues update

migrate: install
	.venv/bin/gangway migrate

run: install
	@.venv/bin/gangway migrate
	@echo ""
	@echo "Gangway runs at http://127.0.0.1:8000 (API docs: http://127.0.0.1:8000/v3/docs)."
	@echo "Get an API key in another terminal:  .venv/bin/gangway partners create 'My Fintech'"
	@echo ""
	.venv/bin/gangway serve

test: install check
	.venv/bin/pytest $(PYTEST_ARGS)

# The modules allowed to open a transaction or commit: the unit of work itself, the request edge
# (SessionDep, and the few endpoints that must commit in steps), the worker's jobs and the CLI.
# db/shared_limits: the PostgreSQL limiter store runs each statement on its own autocommit
# connection, outside the request's transaction (a hot key's row lock must not last as long).
TRANSACTION_EDGE := src/gangway/(db/session|db/shared_limits|web/deps|web/idempotency|auth/endpoints|flow/session|flow/passkey|flow/consent_passkey|review/deps|review/pages|webhooks/delivery|verification/jobs|worker/jobs|cli/common|cli/keys)\.py

check: lint typecheck
	.venv/bin/lint-imports --no-cache
	@! git grep -n -E '\btransaction\(|\.commit\(|\.begin\(\)' -- 'src/**/*.py' \
		| grep -v -E '^$(TRANSACTION_EDGE):' | grep -v 'def transaction(' \
		|| (echo "a transaction opened outside the edge modules (docs/CONVENTIONS.md, Transactions)"; exit 1)

lint:
	.venv/bin/ruff check src tests bench migrations
	.venv/bin/ruff format --check src tests bench migrations

format:
	.venv/bin/ruff format src tests bench migrations
	.venv/bin/ruff check --fix src tests bench migrations

typecheck:
	.venv/bin/mypy

bench:
	.venv/bin/python bench/api.py

# Known vulnerabilities in the locked dependencies (needs PyPI's JSON API or OSV to be reachable).
audit: install
	$(UV) export --frozen --no-hashes --no-emit-project > .venv/requirements-audit.txt
	.venv/bin/pip-audit --disable-pip --no-deps -r .venv/requirements-audit.txt

clean:
	rm -rf $(BOOT) .venv .mypy_cache .ruff_cache .pytest_cache
