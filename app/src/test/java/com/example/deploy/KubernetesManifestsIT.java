package com.example.deploy;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.example.app.HealthEndpoints;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * deploy/kubernetes, checked without a cluster: it renders, every object reads into its typed
 * class with no unknown field, and what the rest of the project knows holds in it (the images it
 * builds, the health endpoints HealthIT proves, the hardening of the production containers).
 */
class KubernetesManifestsIT {

    private static final String APP = "app";
    private static final String EDGE = "nginx";
    /** The official Liberty image's user (app/Dockerfile copies its files as 1001:0). */
    private static final long LIBERTY_USER = 1001;
    /** How long Liberty's stop may wait for requests in flight (its quiesce period). */
    private static final int LIBERTY_QUIESCE_SECONDS = 30;

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
                Set.of("Deployment/app", "Service/app", "PodDisruptionBudget/app", "NetworkPolicy/app",
                        "Deployment/nginx", "Service/nginx", "PodDisruptionBudget/nginx"),
                objects.stream().map(o -> o.getKind() + "/" + o.getMetadata().getName()).collect(Collectors.toSet()));
        assertEquals(7, objects.size());
    }

    @Test
    void imagesAreTheOnesTheProjectBuilds() throws Exception {
        assertEquals(ProjectFiles.readmeImageBuiltFrom("app/Dockerfile"), container(APP).getImage());
        assertEquals(ProjectFiles.composeImage("nginx"), container(EDGE).getImage());
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
