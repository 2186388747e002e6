# Sourced by integration tests: counts checks and prints the closing line.
#   expect WHAT WANT GOT       equal strings
#   contains WHAT REGEX FILE   grep matches
#   check WHAT CMD...          the command succeeds
#   finish NAME [NOTE]         "NAME: N passed, M failed"; fails the script on failures
passes=0
fails=0

expect() {
  if [[ $2 == "$3" ]]; then
    passes=$((passes + 1))
  else
    echo "FAIL: $1: want '$2', got '$3'" >&2
    fails=$((fails + 1))
  fi
}

contains() {
  if grep -q -- "$2" "$3"; then
    passes=$((passes + 1))
  else
    echo "FAIL: $1: '$2' not in: $(head -c 2000 "$3")" >&2
    fails=$((fails + 1))
  fi
}

check() {
  local what=$1
  shift
  if "$@"; then
    passes=$((passes + 1))
  else
    echo "FAIL: $what" >&2
    fails=$((fails + 1))
  fi
}

finish() {
  echo "$1: $passes passed, $fails failed${2:+ ($2)}"
  ((fails == 0))
}
