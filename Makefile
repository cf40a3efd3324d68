# The two commands of the README's quick start.
PYTHON ?= python3
OUTPUT ?= output

.PHONY: demo check

# Install, then make today's digest of the bundled sample inbox into $(OUTPUT)/<today>/.
demo:
	bash scripts/install.sh
	$(PYTHON) -m digest run --inbox inbox --output $(OUTPUT)

# Install with the test tools, then lint, type-check and run the whole test suite.
# pytest's exit code 5 (no tests collected) is turned into a failure.
check:
	bash scripts/install.sh test
	$(PYTHON) -m ruff check digest tests benchmarks
	$(PYTHON) -m mypy
	$(PYTHON) -m pytest; status=$$?; \
	  if [ $$status -eq 5 ]; then echo "check: pytest collected no tests" >&2; exit 1; fi; exit $$status
