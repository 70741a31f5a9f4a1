# The README's two commands: `make demo` and `make test`. Both install into .venv first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: demo test lint graphviz tutorials notebooks clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@rm -f $(VENV)/.installed-*
	@touch $@

# The `dot` program lays graphs out. As root with apt-get we install Debian's graphviz; otherwise we
# install the pip-only port `graphviz-pure` into .venv (it writes SVG and PNG) and say how to get dot.
graphviz: $(STAMP)
	@if command -v dot >/dev/null 2>&1 || [ -x $(BIN)/graphviz-pure ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing Debian's graphviz (for the dot program)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz >/dev/null; \
	else \
		echo "note: Graphviz's 'dot' is missing; installing graphviz-pure into .venv for SVG/PNG graphs."; \
		echo "      For PDF too: sudo apt-get install graphviz (Debian/Ubuntu), brew install graphviz (macOS)."; \
		$(BIN)/python -m pip install --quiet --disable-pip-version-check graphviz-pure || \
		echo "      graphviz-pure could not be installed; .dot files are still written."; \
	fi

test: $(STAMP) graphviz
	$(BIN)/ruff check autodiff nets tests tutorials benchmarks
	MPLBACKEND=Agg $(BIN)/python -m pytest -q

demo: $(STAMP) graphviz
	MPLBACKEND=Agg $(BIN)/python -m autodiff "x1*x2 + exp(x1*x2) - sin(x2)" --at x1=1.5 x2=0.5 --out out/demo

# Run every tutorial as a script (figures go to out/tutorials/).
tutorials: $(STAMP) graphviz
	@for t in tutorials/[0-9][0-9]_*.py; do echo "== $$t"; MPLBACKEND=Agg $(BIN)/python $$t || exit 1; done

# Executed notebooks under out/notebooks/ (jupytext + nbclient, the `tutorials` extra).
notebooks: $(STAMP) graphviz
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[tutorials]'
	MPLBACKEND=Agg $(BIN)/python tutorials/make_notebooks.py out/notebooks

lint: $(STAMP)
	$(BIN)/ruff check autodiff nets tests tutorials benchmarks

clean:
	rm -rf $(VENV) out build *.egg-info
