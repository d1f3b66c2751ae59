#!/bin/bash
# The dev stage's command: Liberty dev mode on the image's own Liberty installation and Java
# (recompiles and redeploys on every source change; a debug port only when asked, no tests on
# change), and beside it the notifier that restarts the application at each recompile
# (LibertyChangeNotifier.java), with Liberty's own monitor idle (updateTrigger=mbean).
# - The server directory is a tmpfs (compose): filled first from the image's copy, so the server
#   starts from the configuration the image was built with, then dev mode copies the mounted
#   src-liberty/ over it and follows its edits.
# - Maven runs on the dev image's JDK (the mvn beside this script); the server on the image's
#   Java, JAVA_HOME here, which dev mode writes to the server's server.env (the server script
#   reads it after the environment).
# - The server writes its output and logs in the server directory, where dev mode reads
#   logs/messages.log (the plugin knows no LOG_DIR), not in the image's /logs.
# - The features are those features.sh installed when the image was built: no feature check.
# - Offline: the dev stack has no way out, and the image holds every plugin and dependency.
# - Faster than dev mode's defaults: a compile wait of 0.05 s (not 0.5 s). Dev mode's loop wakes at
#   a change, then every 100 ms, and compiles at the first wake-up more than compileWait after the
#   last change: at 0.1 s that test (strictly later, in whole milliseconds) often fails at the
#   100 ms wake-up and waits for the next; below 0.1 s, the compile starts 100 ms after the change.
# DEV_POLLING (auto, the default; true or false decide): whether dev mode polls the sources (its
# loop, every 100 ms; the plugin's pollingTest option) instead of waiting for their change events,
# which do not arrive through some bind mounts (Docker Desktop's Windows drives, other FUSE or
# network mounts). Either way the notifier restarts the application: the class directory is a
# volume of the container's, where events always arrive; it polls the webapp directory when dev
# mode polls.
set -eu

# The console is for people: each edit shows as dev mode's "compiled" (or the compiler's errors)
# and Liberty's "application updated", Liberty's lines as Liberty prints them. Left out: what
# says nothing at each compile (dev mode's compiler options; that tests do not run) or restart
# (the application stopped, its address in the container removed and available); dev mode's
# copies of the configuration into the server (three at the start, one at each server.xml edit)
# and Liberty's reading of each configuration drop-in; the JSON record that dev mode quotes from
# messages.log at the start, and the HTTP port its banner names (whichever endpoint opened last;
# the app is reached through nginx).
exec > >(sed -u -e '/^\[INFO\] Recompiling with compiler options: /d' \
  -e '/^\[INFO\] Tests will not run on demand because skipTests is set to true\.$/d' \
  -e '/ CWWKT001[67]I: /d' -e '/ CWWKZ0009I: /d' -e '/ CWWKG0093A: /d' \
  -e '/^\[INFO\] CWWKM2144I: /d' -e '/^\[INFO\] CWWKM2185I: /d' \
  -e '/^\[INFO\] Copying [0-9]* files\{0,1\} to \/opt\/ol\//d' \
  -e '/^\[INFO\] CWWKM2015I: /d' -e '/^\[INFO\] \*  *Liberty server \(port information:\|HTTP port: \)/d' \
  -e 's/^\[INFO\] \(\[[0-9]\{1,2\}\/[0-9]\{1,2\}\/[0-9]\{2\}, \)/\1/')

server_java_home=${JAVA_HOME:?the image names its Java in JAVA_HOME}

# DEV_DEBUG_PORT (docker-compose.yml): empty, no debug agent; a port number, the server's JVM
# listens for a debugger (JDWP) on 7777 in the container, which nginx relays from the host's
# loopback port of that number. Dev mode lets it run without waiting for a debugger, and on every
# interface (WLP_DEBUG_REMOTE, in server.env): the relay is another container.
case ${DEV_DEBUG_PORT:-} in
  '') debug=false ;;
  *[!0-9]* | 0* | ??????*) debug=invalid ;;
  *) if [ "$DEV_DEBUG_PORT" -le 65535 ]; then debug=true; else debug=invalid; fi ;;
esac
if [ "$debug" = invalid ]; then
  echo "start-dev-mode: DEV_DEBUG_PORT must be empty (no debugger) or a port from 1 to 65535, got '$DEV_DEBUG_PORT'" >&2
  exit 64
fi
find /opt/dev-mode/server -mindepth 1 -maxdepth 1 -exec cp -a {} /config/ \;

# fs_type PATH: the type of the file system that holds PATH: the latest mount at the longest
# mount point above it. A bind mount keeps the type of its source.
fs_type() {
  awk -v path="$1" '{
    for (i = 7; $i != "-"; i++) continue
    if (($5 == "/" || path == $5 || index(path, $5 "/") == 1) && length($5) >= longest) {
      longest = length($5); type = $(i + 1)
    }
  } END { print type }' /proc/self/mountinfo
}

# auto polls unless every mounted source is on a file system known to raise inotify events for
# edits made on the host too. FUSE (Docker Desktop's grpcfuse, fakeowner, bindfs...), 9p, virtiofs
# and network file systems raise them at best for edits made through the mount itself, so they
# poll, as does any type not named here: a needless poll costs about 100 ms an edit, a missing
# event every edit.
case "${DEV_POLLING:-auto}" in
  true) polling=true why="DEV_POLLING=true" ;;
  false) polling=false why="DEV_POLLING=false" ;;
  auto)
    polling=false why="the sources are on file systems that raise change events (DEV_POLLING=auto)"
    for source in /workspace/pom.xml /workspace/src-liberty /workspace/app/src; do
      type=$(fs_type "$source")
      case $type in
        ext[234] | xfs | btrfs | zfs | f2fs | overlay | tmpfs) ;;
        *)
          polling=true why="$source is on ${type:-an unknown file system}, which may raise no change events (DEV_POLLING=auto)"
          break ;;
      esac
    done ;;
  *)
    echo "start-dev-mode: DEV_POLLING must be auto, true or false, got '$DEV_POLLING'" >&2
    exit 64 ;;
esac
if [ "$polling" = true ]; then
  echo "start-dev-mode: dev mode polls the sources every 100 ms: $why"
  polled_webapp="--poll /workspace/app/src/main/webapp"
else
  echo "start-dev-mode: dev mode follows the sources' change events: $why"
  polled_webapp=/workspace/app/src/main/webapp
fi

# The notifier runs on the server's Java (the attach API reaches only a JVM of its own kind) and
# is kept small: it only waits. It is started again if it ever ends: without it no change would
# reach the server.
while true; do
  # shellcheck disable=SC2086 # one or two words
  "$server_java_home/bin/java" -Xmx16m -Xss512k -cp /opt/dev-mode/notifier LibertyChangeNotifier \
    app /workspace/target/classes $polled_webapp || true
  echo "[notifier] ended; starting it again in 1 s" >&2
  sleep 1
done &

exec env -u LOG_DIR /opt/dev-mode/bin/mvn -B -o liberty:dev -DinstallDirectory=/opt/ol/wlp -DskipInstallFeature=true \
  -Dliberty.env.JAVA_HOME="$server_java_home" \
  -Ddebug="$debug" -DdebugPort=7777 -Dliberty.env.WLP_DEBUG_REMOTE=y -DhotTests=false -DskipTests -DcompileWait=0.05 \
  -Dliberty.var.app.update.trigger=mbean -DpollingTest="$polling"
