# Audio Diffusion Studio: `make run` opens the app on the demo session, `make test` runs the suite.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
APT_PACKAGES := libpulse0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 xvfb xauth libegl1 libgl1 \
                libxkbcommon-x11-0 libfontconfig1 libdbus-1-3 alsa-utils

.PHONY: run test test-slow test-all bench check-system clean demo lock guide bundle

$(PY):
	$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python >= 3.11 is required")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

# Everything installs from requirements.lock (exact versions, made by `make lock`); the
# project itself goes in without resolving again, then torch and torchaudio must load together.
$(STAMP): $(PY) pyproject.toml requirements.lock
	$(PY) -m pip install -q -r requirements.lock
	$(PY) -m pip install -q --no-deps -e .
	$(PY) -m studio.install_check
	touch $(STAMP)

# Regenerate the lock after changing a dependency in pyproject.toml (uv: resolves in a second,
# and writes a pip-readable file, so installing needs nothing but pip).
lock: $(PY)
	$(PY) -m pip install -q uv
	$(VENV)/bin/uv pip compile pyproject.toml --extra test --extra bench --extra cluster --extra bundle \
	  --python-version 3.11 --python-platform x86_64-manylinux_2_28 -o requirements.lock

# System libraries Qt needs; prints the exact command to install what is missing.
check-system:
	@missing=""; \
	ldconfig -p 2>/dev/null | grep -q 'libpulse.so.0' || missing="$$missing libpulse0"; \
	ldconfig -p 2>/dev/null | grep -q 'libxcb-cursor.so.0' || missing="$$missing libxcb-cursor0"; \
	ldconfig -p 2>/dev/null | grep -q 'libxcb-icccm.so.4' || missing="$$missing libxcb-icccm4"; \
	ldconfig -p 2>/dev/null | grep -q 'libxcb-keysyms.so.1' || missing="$$missing libxcb-keysyms1"; \
	ldconfig -p 2>/dev/null | grep -q 'libEGL.so.1' || missing="$$missing libegl1"; \
	ldconfig -p 2>/dev/null | grep -q 'libxkbcommon-x11.so.0' || missing="$$missing libxkbcommon-x11-0"; \
	command -v xvfb-run >/dev/null 2>&1 || missing="$$missing xvfb xauth"; \
	[ -f /usr/share/sounds/alsa/Front_Center.wav ] || missing="$$missing alsa-utils"; \
	if [ -n "$$missing" ]; then \
	  echo "Missing system packages:$$missing"; \
	  echo "Install them with:  sudo apt-get install -y$$missing"; \
	  exit 1; \
	fi

run: check-system $(STAMP)
	$(VENV)/bin/studio gui

test: check-system $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q

test-slow: check-system $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q -m slow

test-all: check-system $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q -m ''

bench: $(STAMP)
	for b in tests/bench/*.py; do $(PY) $$b || exit 1; done

# The one-folder desktop app, from the same lock: dist/audio-diffusion-studio/studio
bundle: $(STAMP)
	$(PY) -m PyInstaller build_spec/studio.spec --noconfirm --distpath dist --workpath build/pyinstaller

demo: $(STAMP)
	$(PY) resources/recipes/make_demo.py

# The user guide's pictures, from the real window under a virtual X server (resources/guide/).
guide: check-system $(STAMP)
	xvfb-run -a -s "-screen 0 1600x1000x24" $(PY) resources/recipes/make_guide.py

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache
