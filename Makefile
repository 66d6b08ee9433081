# One command each: `make demo` and `make test` set everything up from nothing, then run.
VENV    ?= .venv
PY      := $(VENV)/bin/python
STAMP   := $(VENV)/.installed
EXTRAS  ?= models,dev,ray

.PHONY: setup system-deps demo test bench clean

setup: system-deps $(STAMP)

system-deps:
	@missing=""; \
	for tool in ffmpeg:ffmpeg espeak-ng:espeak-ng chromium:chromium; do \
	  command -v $${tool%%:*} >/dev/null 2>&1 || missing="$$missing $${tool##*:}"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	@# A CPU build of torch first (argostranslate and openai-whisper need torch; unpinned it pulls CUDA).
	$(PY) -m pip install -q torch==2.13.0
	@# openai-whisper without triton (1 GB, GPU only): its other requirements, then the package alone.
	$(PY) -m pip install -q more-itertools numba tiktoken tqdm
	$(PY) -m pip install -q --no-deps openai-whisper==20250625
	$(PY) -m pip install -q -e '.[$(EXTRAS)]'
	touch $(STAMP)

demo: setup
	mkdir -p out/demo
	$(VENV)/bin/localize info fixtures/episode_zh/reference.srt
	for fmt in vtt ass ttml json; do \
	  $(VENV)/bin/localize convert fixtures/episode_zh/reference.srt out/demo/episode.zh.$$fmt || exit 1; \
	done
	@echo "demo outputs: out/demo/"

test: setup
	$(PY) -m pytest -q

bench: setup
	for script in benchmarks/*.py; do $(PY) $$script || exit 1; done

clean:
	rm -rf $(VENV) out build *.egg-info
