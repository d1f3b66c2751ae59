# shellcheck shell=bash
# checks.sh: how a check is written and counted, for every test script, the lanes and the
# benchmarks. Sourced, never run; the other files of test/lib source it. REPO_ROOT is the
# repository's root (set here unless the sourcing file set it); LOG_NAME names the script in log
# and die (default: PART, else the script's file name).
#
# The one way to write and count a check:
#   check DESCRIPTION COMMAND [ARGS...]   runs COMMAND in this shell (never a subshell, so what it
#                                         sets stays set) and prints one line:
#                                           Pass: DESCRIPTION (what COMMAND printed)
#                                           Fail: DESCRIPTION: what COMMAND printed
#                                         COMMAND runs where `set -e` does not apply: a probe that
#                                         fails inside it must be tested (`|| return 1`), never
#                                         left to give an empty value that a comparison accepts.
#   equals EXPECTED ACTUAL                a COMMAND for check: prints ACTUAL, or fails with
#                                         "expected EXPECTED, got ACTUAL"
#   holds EXPECTED ACTUAL COMMAND...      a COMMAND for check: COMMAND's status, with EXPECTED and
#                                         ACTUAL as the words to print
#   last_check_passed                     whether the last check passed (check itself always
#                                         returns 0, so that `set -e` scripts go on after a Fail)
#   figure TEXT                           a measurement: `Figure: TEXT`, counted as nothing
#   skip TEXT                             a check not judged here, and why: `Skip: TEXT`, counted
#                                         as nothing, so that a count never changes silently
#   checks_summary NAME                   the last line, `NAME: N passed, M failed`; its status is
#                                         non-zero when any check failed. When CHECK_RESULTS names
#                                         a file, it also appends "NAME N M" there: the runners
#                                         add up those lines, never the printed ones.

[[ -z ${CHECKS_SH_SOURCED:-} ]] || return 0
CHECKS_SH_SOURCED=1

[[ -n ${REPO_ROOT:-} ]] || REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
LOG_NAME=${LOG_NAME:-${PART:-${0##*/}}}
CHECKS_PASSED=0
CHECKS_FAILED=0

check() {
  local description=$1 output_file output status=0
  shift
  output_file=$(mktemp)
  "$@" >"$output_file" 2>&1 || status=$?
  output=$(tr '\n' ' ' <"$output_file" | sed 's/ *$//')
  rm -f "$output_file"
  LAST_CHECK_STATUS=$status
  if ((status == 0)); then
    pass "$description${output:+ ($output)}"
  else
    fail "$description: ${output:-no detail}"
  fi
}

last_check_passed() {
  ((${LAST_CHECK_STATUS:-1} == 0))
}

# pass TEXT / fail TEXT: the two outcomes that check counts; called directly only where a loop
# has already decided the outcome of one check.
pass() {
  CHECKS_PASSED=$((CHECKS_PASSED + 1))
  printf 'Pass: %s\n' "$1"
}

fail() {
  CHECKS_FAILED=$((CHECKS_FAILED + 1))
  printf 'Fail: %s\n' "$1"
}

equals() {
  if [[ $2 == "$1" ]]; then
    printf '%s\n' "$2"
  else
    printf 'expected %s, got %s\n' "${1:-nothing}" "${2:-nothing}"
    return 1
  fi
}

holds() {
  local expected=$1 actual=$2
  shift 2
  if "$@" >/dev/null 2>&1; then
    printf '%s\n' "$actual"
  else
    printf 'expected %s, got %s\n' "$expected" "${actual:-nothing}"
    return 1
  fi
}

figure() {
  printf 'Figure: %s\n' "$*"
}

skip() {
  printf 'Skip: %s\n' "$*"
}

# fail_unjudged REASON DESCRIPTION...: one failed check for each DESCRIPTION that a failure
# before it left without a way to be judged, so that a failing run counts the checks a passing
# one does.
fail_unjudged() {
  local reason=$1 description
  shift
  for description in "$@"; do
    fail "$description: not judged: $reason"
  done
}

checks_summary() {
  printf '%s: %d passed, %d failed\n' "$1" "$CHECKS_PASSED" "$CHECKS_FAILED"
  if [[ -n ${CHECK_RESULTS:-} ]]; then
    printf '%s %d %d\n' "$1" "$CHECKS_PASSED" "$CHECKS_FAILED" >>"$CHECK_RESULTS"
  fi
  ((CHECKS_FAILED == 0))
}

# sum_results FILE: "N M", the passed and failed checks that the lines of FILE add up to.
sum_results() {
  awk '{ passed += $2; failed += $3 } END { printf "%d %d\n", passed, failed }' "$1"
}

# run_part SCRIPT [ARGS...]: one part of a runner (test/run-suite.sh, test/operations/), bounded
# by PART_TIMEOUT seconds (default 900); its counts, read from the results file it appends to,
# are added to this shell's. A part that recorded none, or failed with no failed check, is one
# failed check more.
run_part() {
  local part=$1 started=$SECONDS rc=0 results passed failed
  shift
  echo "== ${part#"${REPO_ROOT:?}"/} $*"
  results=$(mktemp)
  CHECK_RESULTS=$results timeout "${PART_TIMEOUT:-900}" bash "$part" "$@" || rc=$?
  if [[ ! -s $results ]]; then
    fail "$part: expected its counts, got exit status $rc and none (2: a precondition or tool missing; 124: over ${PART_TIMEOUT:-900} s)"
  else
    read -r passed failed < <(sum_results "$results")
    CHECKS_PASSED=$((CHECKS_PASSED + passed))
    CHECKS_FAILED=$((CHECKS_FAILED + failed))
    if ((rc != 0 && failed == 0)); then
      fail "$part: expected exit status 0 with no failed check, got $rc"
    fi
  fi
  rm -f "$results"
  figure "${part##*/} took $((SECONDS - started)) s"
}

# log and die: progress on stderr, and a stop with a message; LOG_NAME names the script.
log() { printf '[%s] %s\n' "$LOG_NAME" "$*" >&2; }
die() { printf '[%s] ERROR: %s\n' "$LOG_NAME" "$*" >&2; exit "${DIE_STATUS:-1}"; }

now_ms() {
  date +%s%3N
}

# wait_until TIMEOUT_SECONDS INTERVAL COMMAND...: polls COMMAND until it succeeds; fails at the
# deadline. Never longer than TIMEOUT_SECONDS plus one COMMAND.
wait_until() {
  local timeout=$1 interval=$2 deadline
  shift 2
  deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || return 1
    sleep "$interval"
  done
}

# wait_for_launched TIMEOUT PID LOGFILE WHAT COMMAND...: polls COMMAND until it succeeds, ending
# early when process PID (what the caller launched; empty when it launched nothing) has exited;
# when COMMAND still fails, stops with LOGFILE's last lines. How the engines' starters wait.
wait_for_launched() {
  local timeout=$1 pid=$2 logfile=$3 what=$4
  shift 4
  wait_until "$timeout" 1 succeeds_or_exited "$pid" "$@" || true
  if ! "$@"; then
    tail -n 20 "$logfile" >&2 || true
    die "$what did not answer within ${timeout}s, or it exited; see $logfile"
  fi
}

succeeds_or_exited() {
  local pid=$1
  shift
  "$@" || { [[ -n $pid ]] && ! kill -0 "$pid" 2>/dev/null; }
}

