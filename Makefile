# The README's two commands: `make demo` and `make test`. Both install into .venv first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
# Small matrices run fastest on one BLAS thread; threaded BLAS on a busy 2-core machine was ~10x slower.
RUN    := MPLBACKEND=Agg OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1

.PHONY: demo test lint graphviz tutorials notebooks bench bench-instructions clean

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

# The suite runs twice: as is, and on the reference paths alone (autodiff/fast.py switched off).
test: $(STAMP) graphviz
	$(BIN)/ruff check .
	$(RUN) $(BIN)/python -m pytest -q
	@echo "== the same suite again with AUTODIFF_REFERENCE=1 (the speed-only paths of autodiff/fast.py off)"
	$(RUN) AUTODIFF_REFERENCE=1 $(BIN)/python -m pytest -q

demo: $(STAMP) graphviz
	$(RUN) $(BIN)/autodiff "x1*x2 + exp(x1*x2) - sin(x2)" --at x1=1.5 x2=0.5 --out out/demo
	$(RUN) $(BIN)/nets train --dataset digits --model mlp --hidden 128 64 --optimizer adam --lr 1e-3 --epochs 20 \
		--batch-size 64 --schedule cosine --early-stopping 5 --out out/run
	$(RUN) $(BIN)/nets evaluate out/run/checkpoint.npz

# Run every tutorial as a script (figures go to out/tutorials/).
tutorials: $(STAMP) graphviz
	@for t in tutorials/[0-9][0-9]_*.py; do echo "== $$t"; $(RUN) $(BIN)/python $$t || exit 1; done

# Executed notebooks under out/notebooks/ (jupytext + nbclient, the `tutorials` extra).
notebooks: $(STAMP) graphviz
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[tutorials]'
	$(RUN) $(BIN)/python tutorials/make_notebooks.py out/notebooks

# Speed and memory against PyTorch, HIPS autograd, micrograd and hand-written numpy (the `bench` extra).
bench: $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[bench]'
	$(RUN) $(BIN)/python -m benchmarks --out out/bench

# The same workloads counted in instructions under callgrind (valgrind), which a busy machine does not change.
bench-instructions: $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[bench]'
	@command -v valgrind >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			echo "installing valgrind"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq valgrind >/dev/null; \
		else echo "valgrind is missing: sudo apt-get install valgrind (Debian/Ubuntu)"; exit 1; fi; }
	$(RUN) $(BIN)/python -m benchmarks --instructions --out out/bench-instructions

lint: $(STAMP)
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) out build *.egg-info
