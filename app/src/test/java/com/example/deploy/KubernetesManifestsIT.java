package com.example.deploy;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.example.app.HealthEndpoints;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraint;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * deploy/kubernetes, checked without a cluster: it renders, every object reads into its typed
 * class with no unknown field, and what the rest of the project knows holds in it (the images it
 * builds, the health endpoints HealthIT proves, the hardening of the production containers), and
 * the trust boundary: one namespace under Pod Security Admission's restricted standard, no
 * traffic in or out but what the edge and the app need.
 */
class KubernetesManifestsIT {

    private static final String APP = "app";
    private static final String EDGE = "nginx";
    /** The official Liberty image's user (app/Dockerfile copies its files as 1001:0). */
    private static final long LIBERTY_USER = 1001;
    /** How long Liberty's stop may wait for requests in flight (its quiesce period). */
    private static final int LIBERTY_QUIESCE_SECONDS = 30;
    /** A patch for an overlay, beside the base but not in it. */
    private static final Path TRUSTED_PROXIES_EXAMPLE = RenderedManifests.BASE.resolve("examples/trusted-proxies-patch.yaml");

    private static String rendered;
    private static List<HasMetadata> objects;

    @BeforeAll
    static void render() throws Exception {
        rendered = RenderedManifests.render(RenderedManifests.BASE);
        objects = RenderedManifests.load(rendered);
    }

    @Test
    void aMisspeltFieldFailsTheReading() {
        String misspelt = rendered.replace("readinessProbe:", "readinesProbe:");
        assertNotEquals(rendered, misspelt, "the rendering has no readinessProbe to misspell");
        Exception refused = assertThrows(Exception.class, () -> RenderedManifests.load(misspelt));
        assertTrue(refused.getMessage().contains("readinesProbe"), refused.getMessage());
    }

    @Test
    void theBaseHoldsEachObjectOnce() {
        assertEquals(
                Set.of("Namespace/quote-service", "NetworkPolicy/default-deny",
                        "Deployment/app", "Service/app", "PodDisruptionBudget/app", "NetworkPolicy/app",
                        "Deployment/nginx", "Service/nginx", "PodDisruptionBudget/nginx", "NetworkPolicy/nginx"),
                objects.stream().map(o -> o.getKind() + "/" + o.getMetadata().getName()).collect(Collectors.toSet()));
        assertEquals(10, objects.size());
    }

    @Test
    void everyObjectLivesInOneNamespaceThatEnforcesRestricted() {
        List<Namespace> namespaces = objects.stream().filter(Namespace.class::isInstance).map(Namespace.class::cast).toList();
        assertEquals(1, namespaces.size(), "Namespaces");
        String name = namespaces.get(0).getMetadata().getName();
        Map<String, String> labels = namespaces.get(0).getMetadata().getLabels();
        assertAll(
                () -> assertEquals("restricted", labels.get("pod-security.kubernetes.io/enforce"), "PSA enforce"),
                () -> assertNotNull(labels.get("pod-security.kubernetes.io/enforce-version"), "PSA enforce-version"));
        assertAll(objects.stream().filter(o -> o != namespaces.get(0)).map(o -> () ->
                assertEquals(name, o.getMetadata().getNamespace(), o.getKind() + "/" + o.getMetadata().getName())));
    }

    @Test
    void imagesAreTheOnesTheProjectBuildsAtItsVersion() throws Exception {
        String version = ProjectFiles.projectVersion();
        assertEquals(repository(ProjectFiles.readmeImageBuiltFrom("app/Dockerfile")) + ":" + version, container(APP).getImage());
        assertEquals(repository(ProjectFiles.composeImage("nginx")) + ":" + version, container(EDGE).getImage());
    }

    @ParameterizedTest
    @ValueSource(strings = {APP, EDGE})
    void imagesNameAFixedTag(String name) {
        Container container = container(name);
        String image = container.getImage();
        String lastPart = image.substring(image.lastIndexOf('/') + 1);
        assertAll(
                () -> assertTrue(image.contains("@sha256:") || lastPart.contains(":"), image + ": no tag, so latest"),
                () -> assertFalse(lastPart.endsWith(":latest"), image + ": latest names another image at every push"),
                () -> assertEquals("IfNotPresent", container.getImagePullPolicy(), "a fixed tag needs pulling once"),
                () -> assertFalse(rendered.contains(":latest"), "the rendering names a :latest"));
    }

    /** An image's name without its tag. */
    private static String repository(String image) {
        int slash = image.lastIndexOf('/');
        int colon = image.indexOf(':', slash + 1);
        return colon < 0 ? image : image.substring(0, colon);
    }

    @Test
    void appProbesAskTheEndpointsHealthItProvesOnLibertysPort() throws Exception {
        Container app = container(APP);
        int port = Integer.parseInt(ProjectFiles.libertyVariable("http.port"));
        assertAll(
                () -> assertHttpGet(app, app.getStartupProbe(), HealthEndpoints.STARTED, port),
                () -> assertHttpGet(app, app.getReadinessProbe(), HealthEndpoints.READY, port),
                () -> assertHttpGet(app, app.getLivenessProbe(), HealthEndpoints.LIVE, port));
    }

    private static void assertHttpGet(Container container, Probe probe, String path, int port) {
        assertNotNull(probe, path + ": no probe");
        HTTPGetAction get = probe.getHttpGet();
        assertNotNull(get, path + ": not an httpGet probe");
        assertEquals(path, get.getPath());
        assertEquals(port, containerPort(container, get.getPort()), path + ": port");
    }

    @Test
    void edgeProbesRunTheImagesHealthcheck() throws Exception {
        Container edge = container(EDGE);
        List<String> healthcheck = ProjectFiles.healthcheckCommand(Path.of("nginx/Dockerfile"));
        assertAll(
                () -> assertEquals(healthcheck, edge.getStartupProbe().getExec().getCommand(), "startupProbe"),
                () -> assertEquals(healthcheck, edge.getLivenessProbe().getExec().getCommand(), "livenessProbe"),
                () -> assertEquals(443, containerPort(edge, edge.getReadinessProbe().getTcpSocket().getPort()),
                        "readinessProbe: tcpSocket on 443"));
    }

    @ParameterizedTest
    @ValueSource(strings = {APP, EDGE})
    void podsAreHardened(String name) {
        PodSpec pod = pod(name);
        PodSecurityContext podContext = pod.getSecurityContext();
        assertNotNull(podContext, name + ": no pod securityContext");
        assertAll(
                () -> assertEquals(Boolean.TRUE, podContext.getRunAsNonRoot(), "runAsNonRoot"),
                () -> assertEquals("RuntimeDefault", podContext.getSeccompProfile().getType(), "seccompProfile"),
                () -> assertEquals(Boolean.FALSE, pod.getAutomountServiceAccountToken(), "automountServiceAccountToken"),
                () -> assertNotEquals(Boolean.TRUE, pod.getHostNetwork(), "hostNetwork"),
                () -> assertNotEquals(Boolean.TRUE, pod.getHostPID(), "hostPID"),
                () -> assertNotEquals(Boolean.TRUE, pod.getHostIPC(), "hostIPC"));
        for (Container container : pod.getContainers()) {
            SecurityContext context = container.getSecurityContext();
            assertNotNull(context, container.getName() + ": no securityContext");
            assertAll(container.getName(),
                    () -> assertEquals(Boolean.TRUE, context.getReadOnlyRootFilesystem(), "readOnlyRootFilesystem"),
                    () -> assertEquals(Boolean.FALSE, context.getAllowPrivilegeEscalation(), "allowPrivilegeEscalation"),
                    () -> assertNotEquals(Boolean.TRUE, context.getPrivileged(), "privileged"),
                    () -> assertNotNull(context.getCapabilities(), "capabilities"),
                    () -> assertEquals(List.of("ALL"), context.getCapabilities().getDrop(), "capabilities.drop"),
                    () -> assertTrue(context.getCapabilities().getAdd().isEmpty(), "capabilities.add"),
                    () -> assertNull(context.getRunAsUser(), "runAsUser: the pod's, not a container's own"));
        }
    }

    @Test
    void podsRunAsTheImagesUsers() throws Exception {
        String[] edgeUser = ProjectFiles.directive(Path.of("nginx/Dockerfile"), "USER").split(":");
        PodSecurityContext edge = pod(EDGE).getSecurityContext();
        assertAll(
                () -> assertEquals(LIBERTY_USER, pod(APP).getSecurityContext().getRunAsUser(), "app runAsUser"),
                () -> assertEquals(0L, pod(APP).getSecurityContext().getRunAsGroup(), "app runAsGroup"),
                () -> assertEquals(Long.valueOf(edgeUser[0]), edge.getRunAsUser(), "nginx runAsUser"),
                () -> assertEquals(Long.valueOf(edgeUser[1]), edge.getRunAsGroup(), "nginx runAsGroup"),
                () -> assertEquals(Map.of("net.ipv4.ip_unprivileged_port_start", "0"),
                        edge.getSysctls().stream().collect(Collectors.toMap(s -> s.getName(), s -> s.getValue())),
                        "nginx sysctls"));
    }

    @ParameterizedTest
    @ValueSource(strings = {APP, EDGE})
    void everyWritablePathIsAnEmptyDir(String name) {
        PodSpec pod = pod(name);
        for (VolumeMount mount : pod.getContainers().get(0).getVolumeMounts()) {
            Volume volume = volume(pod, mount.getName());
            if (!Boolean.TRUE.equals(mount.getReadOnly())) {
                assertNotNull(volume.getEmptyDir(), name + ": " + mount.getMountPath() + " is writable and not an emptyDir");
                assertNotNull(volume.getEmptyDir().getSizeLimit(), name + ": " + mount.getMountPath() + " has no sizeLimit");
            }
        }
    }

    @Test
    void appWritesWhereTheHardenedProductionRunDoes() throws Exception {
        assertEquals(ProjectFiles.readmeHardenedRunTmpfs(), writablePaths(APP));
    }

    @Test
    void edgeWritesWhereTheComposeStackLetsIt() throws Exception {
        assertEquals(new TreeSet<>(ProjectFiles.composeTmpfs("nginx")), writablePaths(EDGE));
    }

    private static Set<String> writablePaths(String name) {
        return pod(name).getContainers().get(0).getVolumeMounts().stream()
                .filter(mount -> !Boolean.TRUE.equals(mount.getReadOnly()))
                .map(VolumeMount::getMountPath)
                .collect(Collectors.toCollection(TreeSet::new));
    }

    @Test
    void edgeReadsItsKeypairFromATlsSecretMountedAsADirectory() {
        VolumeMount tls = container(EDGE).getVolumeMounts().stream()
                .filter(mount -> mount.getMountPath().equals("/etc/nginx/tls")).findFirst().orElseThrow();
        Volume volume = volume(pod(EDGE), tls.getName());
        assertAll(
                () -> assertNotNull(volume.getSecret(), "/etc/nginx/tls: not a Secret"),
                () -> assertNull(tls.getSubPath(), "subPath: a renewed Secret would never show"),
                () -> assertEquals(Boolean.TRUE, tls.getReadOnly(), "readOnly"),
                () -> assertEquals("/etc/nginx/tls/tls.crt", env(EDGE).get("TLS_CERTIFICATE")),
                () -> assertEquals("/etc/nginx/tls/tls.key", env(EDGE).get("TLS_PRIVATE_KEY")),
                () -> assertFalse(env(EDGE).containsKey("PUBLISH_ADDRESS"), "PUBLISH_ADDRESS set: the localhost warning"));
    }

    @Test
    void edgeNamesTheAppServiceInFull() {
        EnvVar namespace = container(EDGE).getEnv().stream()
                .filter(e -> e.getName().equals("POD_NAMESPACE")).findFirst().orElseThrow();
        assertEquals("metadata.namespace", namespace.getValueFrom().getFieldRef().getFieldPath());
        int appPort = service(APP).getSpec().getPorts().get(0).getPort();
        assertEquals("app.$(POD_NAMESPACE).svc.cluster.local:" + appPort, env(EDGE).get("APP_UPSTREAM"));
    }

    @Test
    void networkPolicyAdmitsOnlyTheEdgeToTheAppPort() {
        NetworkPolicy policy = (NetworkPolicy) object("NetworkPolicy", APP);
        assertTrue(selects(policy.getSpec().getPodSelector(), podLabels(APP)), "the policy does not select the app's pods");
        assertTrue(policy.getSpec().getPolicyTypes().contains("Ingress"), "policyTypes lacks Ingress");
        List<NetworkPolicyIngressRule> rules = policy.getSpec().getIngress();
        assertEquals(1, rules.size(), "ingress rules");
        List<NetworkPolicyPeer> from = rules.get(0).getFrom();
        assertEquals(1, from.size(), "an ingress rule without `from` admits everyone");
        NetworkPolicyPeer peer = from.get(0);
        assertAll(
                () -> assertNull(peer.getNamespaceSelector(), "namespaceSelector admits other namespaces"),
                () -> assertNull(peer.getIpBlock(), "ipBlock"),
                () -> assertNotNull(peer.getPodSelector(), "no podSelector"),
                () -> assertFalse(peer.getPodSelector().getMatchLabels().isEmpty(), "an empty podSelector admits every pod"),
                () -> assertTrue(selects(peer.getPodSelector(), podLabels(EDGE)), "the edge's pods are not admitted"),
                () -> assertFalse(selects(peer.getPodSelector(), podLabels(APP)), "the app's own pods are admitted"));
        List<NetworkPolicyPort> ports = rules.get(0).getPorts();
        assertEquals(1, ports.size(), "ports");
        assertEquals(containerPort(container(APP), new IntOrString("http")), ports.get(0).getPort().getIntVal());
        assertEquals("TCP", ports.get(0).getProtocol());
    }

    @Test
    void aDefaultDenyIsolatesEveryPodBothWays() {
        List<NetworkPolicy> denyAll = policies()
                .filter(p -> selectsEveryPod(p.getSpec().getPodSelector()))
                .filter(p -> p.getSpec().getPolicyTypes().containsAll(List.of("Ingress", "Egress")))
                .filter(p -> p.getSpec().getIngress().isEmpty() && p.getSpec().getEgress().isEmpty())
                .toList();
        assertEquals(1, denyAll.size(), "policies with an empty podSelector, Ingress and Egress, and no rules");
    }

    @Test
    void edgeAdmitsClientsFromAnywhereOnItsServicePortsOnly() {
        assertTrue(policies().anyMatch(p -> !selectsEveryPod(p.getSpec().getPodSelector())
                && policySelects(p, podLabels(EDGE))), "no policy of the edge's own");
        Set<String> ports = new TreeSet<>();
        for (Allowed allowed : allowed(EDGE, "Ingress")) {
            assertNull(allowed.peer(), "the edge's clients are anyone: " + allowed.peer());
            assertNotNull(allowed.port(), "an ingress rule without ports admits every port");
            ports.add(portText(allowed.port()));
        }
        Set<String> servicePorts = service(EDGE).getSpec().getPorts().stream()
                .map(p -> containerPort(container(EDGE), p.getTargetPort()) + "/" + p.getProtocol())
                .collect(Collectors.toCollection(TreeSet::new));
        assertEquals(servicePorts, ports);
    }

    @Test
    void edgeReachesOnlyTheClusterDnsAndTheAppPort() {
        Set<String> dns = new TreeSet<>();
        Set<String> app = new TreeSet<>();
        for (Allowed allowed : allowed(EDGE, "Egress")) {
            assertNotNull(allowed.peer(), "an egress rule without `to` lets the edge reach anywhere");
            assertNotNull(allowed.port(), "an egress rule without ports opens every port of its peers");
            if (isClusterDns(allowed.peer())) {
                dns.add(portText(allowed.port()));
            } else if (isAppPods(allowed.peer())) {
                app.add(portText(allowed.port()));
            } else {
                fail("the edge may reach " + allowed.peer());
            }
        }
        assertEquals(Set.of("53/TCP", "53/UDP"), dns, "DNS");
        assertEquals(Set.of(containerPort(container(APP), new IntOrString("http")) + "/TCP"), app, "the app");
    }

    private static boolean isClusterDns(NetworkPolicyPeer peer) {
        return peer.getIpBlock() == null && peer.getNamespaceSelector() != null && peer.getPodSelector() != null
                && Map.of("kubernetes.io/metadata.name", "kube-system").equals(peer.getNamespaceSelector().getMatchLabels())
                && peer.getNamespaceSelector().getMatchExpressions().isEmpty()
                && Map.of("k8s-app", "kube-dns").equals(peer.getPodSelector().getMatchLabels())
                && peer.getPodSelector().getMatchExpressions().isEmpty();
    }

    private static boolean isAppPods(NetworkPolicyPeer peer) {
        return peer.getIpBlock() == null && peer.getNamespaceSelector() == null && peer.getPodSelector() != null
                && selects(peer.getPodSelector(), podLabels(APP)) && !selects(peer.getPodSelector(), podLabels(EDGE));
    }

    @Test
    void appReachesNothing() {
        assertEquals(List.of(), allowed(APP, "Egress"));
        // Not even DNS: the one lookup Liberty makes at start, the name of 0.0.0.0, is answered
        // from the pod's hosts file (COMMENTS.md, Known limits).
        assertTrue(pod(APP).getHostAliases().stream().anyMatch(h -> "0.0.0.0".equals(h.getIp()) && !h.getHostnames().isEmpty()),
                "no hostAliases entry for 0.0.0.0: Liberty's start waits 10 s for a DNS answer");
    }

    /**
     * What the policies that select NAME's pods let through in DIRECTION ("Ingress", "Egress"),
     * one (peer, port) pair a line; a null peer is anyone, a null port every port. Fails if no
     * policy isolates the pods in that direction (they would take or make any connection).
     */
    private static List<Allowed> allowed(String name, String direction) {
        List<NetworkPolicy> selecting = policies().filter(p -> policySelects(p, podLabels(name))).toList();
        assertTrue(selecting.stream().anyMatch(p -> p.getSpec().getPolicyTypes().contains(direction)),
                name + ": no policy isolates its pods' " + direction);
        List<Allowed> allowed = new ArrayList<>();
        for (NetworkPolicy policy : selecting) {
            if (!policy.getSpec().getPolicyTypes().contains(direction)) {
                continue;
            }
            if (direction.equals("Ingress")) {
                policy.getSpec().getIngress().forEach(rule -> addPairs(allowed, rule.getFrom(), rule.getPorts()));
            } else {
                policy.getSpec().getEgress().forEach(rule -> addPairs(allowed, rule.getTo(), rule.getPorts()));
            }
        }
        return allowed;
    }

    private static void addPairs(List<Allowed> allowed, List<NetworkPolicyPeer> peers, List<NetworkPolicyPort> ports) {
        for (NetworkPolicyPeer peer : orAnything(peers)) {
            for (NetworkPolicyPort port : orAnything(ports)) {
                allowed.add(new Allowed(peer, port));
            }
        }
    }

    private record Allowed(NetworkPolicyPeer peer, NetworkPolicyPort port) {
    }

    /** A rule's peers or ports: none listed means any, written as one null. */
    private static <T> List<T> orAnything(List<T> list) {
        List<T> items = new ArrayList<>();
        if (list == null || list.isEmpty()) {
            items.add(null);
        } else {
            items.addAll(list);
        }
        return items;
    }

    private static String portText(NetworkPolicyPort port) {
        return port.getPort().getIntVal() + (port.getEndPort() == null ? "" : "-" + port.getEndPort())
                + "/" + (port.getProtocol() == null ? "TCP" : port.getProtocol());
    }

    private static Stream<NetworkPolicy> policies() {
        return objects.stream().filter(NetworkPolicy.class::isInstance).map(NetworkPolicy.class::cast);
    }

    /** A NetworkPolicy's podSelector: empty selects every pod of its namespace. */
    private static boolean policySelects(NetworkPolicy policy, Map<String, String> labels) {
        LabelSelector selector = policy.getSpec().getPodSelector();
        return selectsEveryPod(selector) || selects(selector, labels);
    }

    private static boolean selectsEveryPod(LabelSelector selector) {
        return (selector.getMatchLabels() == null || selector.getMatchLabels().isEmpty())
                && (selector.getMatchExpressions() == null || selector.getMatchExpressions().isEmpty());
    }

    @Test
    void theTrustedProxiesExampleNarrowsThemToThePodCidr() throws Exception {
        Path overlay = Files.createTempDirectory(Path.of("target"), "kustomize-overlay");
        try {
            Files.copy(TRUSTED_PROXIES_EXAMPLE, overlay.resolve(TRUSTED_PROXIES_EXAMPLE.getFileName()));
            Files.writeString(overlay.resolve("kustomization.yaml"), "resources:\n  - ../../" + RenderedManifests.BASE
                    + "\npatches:\n  - path: " + TRUSTED_PROXIES_EXAMPLE.getFileName() + "\n");
            Deployment patched = RenderedManifests.load(RenderedManifests.render(overlay)).stream()
                    .filter(o -> o instanceof Deployment && o.getMetadata().getName().equals(APP))
                    .map(Deployment.class::cast).findFirst().orElseThrow();
            String narrowed = patched.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv().stream()
                    .filter(e -> e.getName().equals("TRUSTED_PROXIES")).findFirst().orElseThrow().getValue();
            String base = env(APP).get("TRUSTED_PROXIES");
            // A pod of the example's 10.244.0.0/16, and a Service address outside it.
            assertAll(
                    () -> assertTrue(Pattern.matches(narrowed, "10.244.1.17"), narrowed + ": a pod's address"),
                    () -> assertFalse(Pattern.matches(narrowed, "10.96.0.10"), narrowed + ": outside the pod CIDR"),
                    () -> assertTrue(Pattern.matches(base, "10.96.0.10"), base + ": the base believes every private range"));
        } finally {
            try (Stream<Path> files = Files.walk(overlay)) {
                files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {APP, EDGE})
    void replicasSpreadOverNodes(String name) {
        TopologySpreadConstraint byNode = pod(name).getTopologySpreadConstraints().stream()
                .filter(c -> "kubernetes.io/hostname".equals(c.getTopologyKey())).findFirst()
                .orElseThrow(() -> new AssertionError(name + ": no topologySpreadConstraint on kubernetes.io/hostname"));
        assertAll(name,
                () -> assertEquals(1, byNode.getMaxSkew(), "maxSkew"),
                () -> assertEquals("DoNotSchedule", byNode.getWhenUnsatisfiable(), "ScheduleAnyway may put both on one node"),
                () -> assertTrue(selects(byNode.getLabelSelector(), podLabels(name)), "labelSelector: not its own pods"));
    }

    @ParameterizedTest
    @ValueSource(strings = {APP, EDGE})
    void servicesAndBudgetsSelectTheirPods(String name) {
        Deployment deployment = (Deployment) object("Deployment", name);
        assertTrue(selects(deployment.getSpec().getSelector(), podLabels(name)), "Deployment selector");
        assertTrue(selects(new LabelSelector(null, service(name).getSpec().getSelector()), podLabels(name)), "Service selector");
        PodDisruptionBudget budget = (PodDisruptionBudget) object("PodDisruptionBudget", name);
        assertTrue(selects(budget.getSpec().getSelector(), podLabels(name)), "PodDisruptionBudget selector");
        assertTrue(deployment.getSpec().getReplicas() >= 2, "a budget needs more than one replica");
    }

    @Test
    void servicesPublishTheirPorts() {
        assertEquals("ClusterIP", service(APP).getSpec().getType());
        assertEquals(Set.of("8000/TCP"), ports(service(APP)));
        assertEquals("LoadBalancer", service(EDGE).getSpec().getType());
        assertEquals(Set.of("80/TCP", "443/TCP", "443/UDP"), ports(service(EDGE)));
    }

    private static Set<String> ports(Service service) {
        return service.getSpec().getPorts().stream().map(p -> p.getPort() + "/" + p.getProtocol()).collect(Collectors.toSet());
    }

    @Test
    void stopsLetRequestsInFlightFinish() throws Exception {
        int edgeShutdown = Integer.parseInt(ProjectFiles.directive(Path.of("nginx/nginx.conf"), "worker_shutdown_timeout").replace("s", ""));
        assertAll(
                () -> assertStopFits(APP, LIBERTY_QUIESCE_SECONDS),
                () -> assertStopFits(EDGE, edgeShutdown));
    }

    private static void assertStopFits(String name, int stopSeconds) {
        List<String> preStop = container(name).getLifecycle().getPreStop().getExec().getCommand();
        assertEquals("sleep", preStop.get(0), name + ": preStop");
        int sleep = Integer.parseInt(preStop.get(1));
        assertTrue(sleep >= 5, name + ": a preStop sleep of " + sleep + " s leaves too little time to drop the endpoint");
        long grace = pod(name).getTerminationGracePeriodSeconds();
        assertTrue(grace > sleep + stopSeconds,
                name + ": terminationGracePeriodSeconds " + grace + " <= preStop " + sleep + " s + stop " + stopSeconds + " s");
    }

    @ParameterizedTest
    @ValueSource(strings = {APP, EDGE})
    void cpuAndMemoryAreBounded(String name) {
        var resources = container(name).getResources();
        assertAll(
                () -> assertNotNull(resources.getRequests().get("cpu"), "cpu request"),
                () -> assertNotNull(resources.getRequests().get("memory"), "memory request"),
                () -> assertNotNull(resources.getLimits().get("cpu"), "cpu limit (nginx's workers, the JVM's threads follow it)"),
                () -> assertNotNull(resources.getLimits().get("memory"), "memory limit (the heap follows it)"));
    }

    private static HasMetadata object(String kind, String name) {
        return objects.stream()
                .filter(o -> o.getKind().equals(kind) && o.getMetadata().getName().equals(name))
                .findFirst().orElseThrow(() -> new AssertionError("no " + kind + " " + name));
    }

    private static PodSpec pod(String name) {
        return ((Deployment) object("Deployment", name)).getSpec().getTemplate().getSpec();
    }

    private static Map<String, String> podLabels(String name) {
        return ((Deployment) object("Deployment", name)).getSpec().getTemplate().getMetadata().getLabels();
    }

    private static Container container(String name) {
        List<Container> containers = pod(name).getContainers();
        assertEquals(1, containers.size(), name + ": containers");
        return containers.get(0);
    }

    private static Service service(String name) {
        return (Service) object("Service", name);
    }

    private static Volume volume(PodSpec pod, String name) {
        return pod.getVolumes().stream().filter(v -> v.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no volume " + name));
    }

    private static Map<String, String> env(String name) {
        return container(name).getEnv().stream().filter(e -> e.getValue() != null)
                .collect(Collectors.toMap(EnvVar::getName, EnvVar::getValue));
    }

    private static int containerPort(Container container, IntOrString port) {
        if (port.getIntVal() != null) {
            return port.getIntVal();
        }
        return container.getPorts().stream().filter(p -> port.getStrVal().equals(p.getName())).findFirst()
                .orElseThrow(() -> new AssertionError(container.getName() + " has no port named " + port.getStrVal()))
                .getContainerPort();
    }

    /** Whether a selector with matchLabels only (no expressions, which these manifests do not use) selects LABELS. */
    private static boolean selects(LabelSelector selector, Map<String, String> labels) {
        assertTrue(selector.getMatchExpressions() == null || selector.getMatchExpressions().isEmpty(), "matchExpressions");
        return selector.getMatchLabels() != null && labels.entrySet().containsAll(selector.getMatchLabels().entrySet());
    }
}
