#!/bin/sh
# The dev stage's command: Liberty dev mode (recompiles and redeploys on every source change; no
# debug port, no tests on change), and beside it the notifier that restarts the application at
# each recompile (LibertyChangeNotifier.java), with Liberty's own monitor idle (updateTrigger=mbean).
# Faster than dev mode's defaults: compile 0.1 s after a change (not 0.5 s), and no feature
# check at each start (2.5 s): the runtime is openliberty-runtime, which holds every feature.
# DEV_POLLING=true, for bind mounts that deliver no change events (Docker Desktop on macOS or
# Windows): dev mode polls the sources (its loop, every 100 ms; the plugin's pollingTest option)
# and Liberty polls the application (every 100 ms), with no notifier, as inotify is not to be
# trusted there.
set -eu

case "${DEV_POLLING:-false}" in
  true)
    update_trigger=polled ;;
  false)
    update_trigger=mbean
    # The class directory is a volume of the container's (events always arrive); the webapp
    # directory is the mounted source. The notifier's JVM is kept small: it only waits. It is
    # started again if it ever ends: without it no change would reach the server.
    while true; do
      java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xmx16m -Xss512k -cp /opt/dev-mode LibertyChangeNotifier \
        app /workspace/target/classes /workspace/app/src/main/webapp || true
      echo "[notifier] ended; starting it again in 1 s" >&2
      sleep 1
    done &
    ;;
  *)
    echo "DEV_POLLING must be true or false, not '${DEV_POLLING}'" >&2
    exit 64 ;;
esac

exec mvn -B liberty:dev -DskipInstallFeature=true -Ddebug=false -DhotTests=false -DskipTests -DcompileWait=0.1 \
  -Dliberty.var.app.update.trigger="$update_trigger" -Dliberty.var.app.update.polling.rate=100ms \
  -DpollingTest="${DEV_POLLING:-false}"
