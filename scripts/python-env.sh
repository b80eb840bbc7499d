# Sourced by test.sh and bench.sh: a virtual environment under target/ with the Python tools
# from tests/requirements.txt, created once and reused. Distribution interpreters refuse
# `pip install` outside a virtual environment (PEP 668), so nothing is installed globally.
# Afterwards `$PYTHON` is the environment's interpreter.
VENV="${WANDB_AGENT_VENV:-target/venv}"
if [ ! -x "$VENV/bin/python" ]; then
    rm -rf "$VENV"
    if ! python3 -m venv "$VENV"; then
        echo "error: python3 cannot create a virtual environment; install the venv module (Debian/Ubuntu: apt install python3-venv)" >&2
        exit 1
    fi
fi
PYTHON="$VENV/bin/python"
# Reinstall only when the requirements changed since the last successful install.
if ! cmp -s tests/requirements.txt "$VENV/.requirements.installed"; then
    "$PYTHON" -m pip install --quiet --disable-pip-version-check -r tests/requirements.txt
    cp tests/requirements.txt "$VENV/.requirements.installed"
fi
export PYTHON
