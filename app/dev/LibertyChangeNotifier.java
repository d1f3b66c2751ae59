// Dev mode only (app/Dockerfile's dev stage): restarts the application the moment dev mode has
// written its recompiled classes, instead of leaving that to Liberty's application monitor. Polled,
// the monitor acts after two clean rescans 100 ms apart; told through the FileNotification MBean,
// its update queue still waits 200 ms (both hard-coded in Liberty 26.0.0.3).
//
// The server runs with <applicationMonitor updateTrigger="mbean">, so it never acts on its own.
// This program watches the directories it is given (inotify, through WatchService) and, once a
// burst of changes has gone quiet, calls the application's MBean `restart`: a new class loader
// reads the classes as they are on disk, new and deleted ones included. An application with no
// MBean (not installed yet) is left to the monitor: processApplicationChanges. The server's JVM is
// reached through the attach API (same user, same container): no JMX port, no extra feature. It
// runs on the server's own Java, as an attach API reaches only a JVM of its own kind (OpenJ9's is
// not HotSpot's).
//
// Directories after --poll are polled instead (every POLL_MILLIS: a walk comparing each file's time
// and size), for a mount that raises no change events: dev mode's sources when it polls them.
//
// It says nothing unless something went wrong: a change made while no server runs is no fault
// (the server reads every class as it starts), and a restart is Liberty's to report.
//
//   java LibertyChangeNotifier APPLICATION DIRECTORY... [--poll DIRECTORY...]

import com.sun.tools.attach.VirtualMachine;
import com.sun.tools.attach.VirtualMachineDescriptor;
import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.management.InstanceNotFoundException;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

public final class LibertyChangeNotifier {

    private static final String SERVER_JAR = "ws-server.jar";
    private static final String FILE_NOTIFICATION =
            "WebSphere:service=com.ibm.ws.kernel.filemonitor.FileNotificationMBean";
    private static final String APPLICATION_MBEAN = "WebSphere:service=com.ibm.websphere.application.ApplicationMBean,name=";
    // javac writes one compile's classes within a few milliseconds of each other: one restart
    // for the burst.
    private static final long QUIET_MILLIS = 15;
    // How often a directory that does not exist yet (a fresh target/ volume) is looked for.
    private static final long ABSENT_RETRY_MILLIS = 500;
    // As often as dev mode polls the sources.
    private static final long POLL_MILLIS = 100;

    private final ObjectName application;
    private final List<Path> roots;
    private final List<Path> polledRoots;
    private Map<Path, List<Object>> polledFiles;
    private final WatchService watcher;
    private final Map<WatchKey, Path> watched = new HashMap<>();
    private JMXConnector connector;
    private MBeanServerConnection server;

    private LibertyChangeNotifier(ObjectName application, List<Path> roots, List<Path> polledRoots)
            throws IOException {
        this.application = application;
        this.roots = roots;
        this.polledRoots = polledRoots;
        this.polledFiles = polledFiles();
        this.watcher = FileSystems.getDefault().newWatchService();
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: java LibertyChangeNotifier APPLICATION DIRECTORY... [--poll DIRECTORY...]");
            System.exit(2);
        }
        List<Path> roots = new ArrayList<>();
        List<Path> polledRoots = new ArrayList<>();
        List<Path> addTo = roots;
        for (String directory : List.of(args).subList(1, args.length)) {
            if (directory.equals("--poll")) {
                addTo = polledRoots;
            } else {
                addTo.add(Path.of(directory).toAbsolutePath().normalize());
            }
        }
        new LibertyChangeNotifier(new ObjectName(APPLICATION_MBEAN + args[0]), roots, polledRoots).run();
    }

    private void run() throws InterruptedException {
        while (true) {
            watchRootsThatExist();
            WatchKey key = watcher.poll(polledRoots.isEmpty() ? ABSENT_RETRY_MILLIS : POLL_MILLIS,
                    TimeUnit.MILLISECONDS);
            if (key == null) {
                if (polledRootsChanged()) {
                    tellServer();
                }
                continue;
            }
            handle(key);
            while ((key = watcher.poll(QUIET_MILLIS, TimeUnit.MILLISECONDS)) != null) {
                handle(key);
            }
            tellServer();
        }
    }

    // Roots are watched with every directory below them; a root that is missing (or was
    // deleted) is looked for again on every turn.
    private void watchRootsThatExist() {
        for (Path root : roots) {
            if (!watched.containsValue(root) && Files.isDirectory(root)) {
                watchTree(root);
            }
        }
    }

    private void watchTree(Path top) {
        try (Stream<Path> paths = Files.walk(top)) {
            paths.filter(Files::isDirectory).forEach(directory -> {
                try {
                    watched.put(directory.register(watcher, StandardWatchEventKinds.ENTRY_CREATE,
                            StandardWatchEventKinds.ENTRY_MODIFY, StandardWatchEventKinds.ENTRY_DELETE), directory);
                } catch (IOException e) {
                    log("cannot watch " + directory + ": " + e);
                }
            });
        } catch (IOException | RuntimeException e) {
            log("cannot walk " + top + ": " + e);
        }
    }

    private boolean polledRootsChanged() {
        Map<Path, List<Object>> now = polledFiles();
        boolean changed = !now.equals(polledFiles);
        polledFiles = now;
        return changed;
    }

    // Every file and directory below the polled roots, with its time and size; a missing root
    // has none.
    private Map<Path, List<Object>> polledFiles() {
        Map<Path, List<Object>> files = new HashMap<>();
        for (Path root : polledRoots) {
            try (Stream<Path> paths = Files.walk(root)) {
                paths.forEach(path -> {
                    try {
                        BasicFileAttributes attributes = Files.readAttributes(path, BasicFileAttributes.class);
                        files.put(path, List.of(attributes.lastModifiedTime(), attributes.size()));
                    } catch (IOException gone) {
                        // Deleted during the walk: the next walk sees it gone.
                    }
                });
            } catch (IOException | RuntimeException e) {
                // Missing, or changing during the walk: the next walk tells.
            }
        }
        return files;
    }

    // A new directory (a new package) is watched too; a deleted one is forgotten.
    private void handle(WatchKey key) {
        Path directory = watched.get(key);
        for (WatchEvent<?> event : key.pollEvents()) {
            if (directory != null && event.kind() == StandardWatchEventKinds.ENTRY_CREATE) {
                Path created = directory.resolve((Path) event.context());
                if (Files.isDirectory(created)) {
                    watchTree(created);
                }
            }
        }
        if (!key.reset()) {
            watched.remove(key);
        }
    }

    // A failed call is retried once on a new connection (the server may have been restarted
    // by dev mode, with a new JVM); a server that is not up yet reads everything when it starts.
    private void tellServer() {
        Exception failure = null;
        for (int attempt = 0; attempt < 2; attempt++) {
            try {
                if (server == null && !connect()) {
                    return;
                }
                try {
                    server.invoke(application, "restart", null, null);
                } catch (InstanceNotFoundException notInstalled) {
                    server.invoke(new ObjectName(FILE_NOTIFICATION), "processApplicationChanges", null, null);
                }
                return;
            } catch (Exception e) {
                failure = e;
                disconnect();
            }
        }
        log("could not tell the server about the change (" + failure + "); an application change shows after"
                + " the server's next start, or after the next change that gets through");
    }

    // Whether a Liberty server JVM runs, and is now connected to.
    private boolean connect() throws Exception {
        VirtualMachineDescriptor libertyJvm = VirtualMachine.list().stream()
                .filter(descriptor -> descriptor.displayName().contains(SERVER_JAR))
                .findFirst()
                .orElse(null);
        if (libertyJvm == null) {
            return false;
        }
        VirtualMachine vm = VirtualMachine.attach(libertyJvm);
        String address;
        try {
            address = vm.startLocalManagementAgent();
        } finally {
            vm.detach();
        }
        connector = JMXConnectorFactory.connect(new JMXServiceURL(address));
        server = connector.getMBeanServerConnection();
        return true;
    }

    private void disconnect() {
        if (connector != null) {
            try {
                connector.close();
            } catch (IOException ignored) {
                // The connection is being dropped either way.
            }
        }
        connector = null;
        server = null;
    }

    private static void log(String message) {
        System.out.println("[notifier] " + LocalTime.now().withNano(0) + " " + message);
    }
}
