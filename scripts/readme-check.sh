#!/usr/bin/env bash
# Runs the shell lines of the README's "Quick start" section as a new user would, so they stay
# true (tests/e2e/readme.rs calls this). Each ```sh block runs in order, in one shell per
# block, from the repository root:
# - `./scripts/test.sh` is skipped: it is the test suite that calls this check;
# - a line that serves until interrupted (`--serve`, `wandb-emulator --listen`) starts in the
#   background; the check waits until its port answers, runs the block's remaining lines
#   against it, then stops it;
# - every other line must exit 0;
# - `127.0.0.1:8080` is replaced by a free port, so the check does not collide with a server
#   someone already runs there.
# Exit status: 0 when every line worked; 1 with the failing line on stderr otherwise.
# README_CHECK_FILE checks another file's Quick start (the check's own test uses it).
set -euo pipefail
cd "$(dirname "$0")/.."

readme="${README_CHECK_FILE:-README.md}"
section="$(awk '/^## Quick start/{on=1; next} /^## /{on=0} on' "$readme")"
if [ -z "$section" ]; then
  echo "error: $readme has no '## Quick start' section" >&2
  exit 1
fi

free_port() {
  local port
  for _ in $(seq 1 50); do
    port=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return
    fi
  done
  echo "error: no free port found" >&2
  exit 1
}

# Waits until 127.0.0.1:$1 accepts connections while process $2 lives (up to 10 minutes: the
# first line may build).
wait_for_port() {
  for _ in $(seq 1 1200); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then
      return 0
    fi
    if ! kill -0 "$2" 2>/dev/null; then
      return 1
    fi
    sleep 0.5
  done
  return 1
}

# Runs one block's lines (from fd 4, so the lines' own commands cannot read them) in this
# shell.
run_block() {
  local background=() line command log
  README_CHECK_PORT=""
  while IFS= read -r line; do
    # Comments, whole-line or trailing.
    command="$(sed -E 's/(^|[[:space:]])#.*$//' <<<"$line" | sed -E 's/[[:space:]]+$//')"
    [ -z "$command" ] && continue
    if [ "$command" = "./scripts/test.sh" ]; then
      echo "readme-check: skipped \`$command\` (the test suite that runs this check)"
      continue
    fi
    if [[ "$command" == *127.0.0.1:8080* ]]; then
      # One free port per block: its server line and the lines that use it agree.
      if [ -z "${README_CHECK_PORT:-}" ]; then
        README_CHECK_PORT="$(free_port)"
      fi
      command="${command//127.0.0.1:8080/127.0.0.1:$README_CHECK_PORT}"
    fi
    if [[ "$command" == export\ * ]]; then
      echo "readme-check: \$ $command"
      eval "$command"
      continue
    fi
    if [[ "$command" == *--serve* || "$command" == *wandb-emulator\ --listen* ]]; then
      log="$(mktemp)"
      echo "readme-check: \$ $command &"
      setsid bash -c "$command" </dev/null >"$log" 2>&1 &
      background+=("$!")
      if ! wait_for_port "${README_CHECK_PORT:?a server line without 127.0.0.1:8080}" "$!"; then
        echo "error: README line \`$line\` did not start a server on its port:" >&2
        tail -n 20 "$log" >&2
        stop "${background[@]}"
        return 1
      fi
      continue
    fi
    echo "readme-check: \$ $command"
    if ! out="$(eval "$command" 2>&1 </dev/null)"; then
      echo "error: README line \`$line\` failed:" >&2
      tail -n 20 <<<"$out" >&2
      stop "${background[@]+"${background[@]}"}"
      return 1
    fi
    tail -n 3 <<<"$out"
  done <&4
  stop "${background[@]+"${background[@]}"}"
}

# Stops the background servers this check started (their whole process groups).
stop() {
  local pid
  for pid in "$@"; do
    kill -- "-$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
}

blocks=0
block=""
in_block=0
while IFS= read -r line; do
  if [ "$in_block" = 0 ] && [ "$line" = '```sh' ]; then
    in_block=1
    block=""
  elif [ "$in_block" = 1 ] && [ "$line" = '```' ]; then
    in_block=0
    blocks=$((blocks + 1))
    run_block 4<<<"$block" || exit 1
  elif [ "$in_block" = 1 ]; then
    block+="$line"$'\n'
  fi
done <<<"$section"

if [ "$blocks" = 0 ]; then
  echo "error: the Quick start section has no sh blocks" >&2
  exit 1
fi
echo "readme-check: $blocks blocks of the Quick start ran as written"
