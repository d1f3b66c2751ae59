package com.example.app;

/**
 * MicroProfile Health's endpoints, as HealthIT proves the app serves them; the Kubernetes
 * manifests' probes are checked against the same names (com.example.deploy.KubernetesManifestsIT).
 */
public final class HealthEndpoints {

    public static final String LIVE = "/health/live";
    public static final String READY = "/health/ready";
    public static final String STARTED = "/health/started";

    private HealthEndpoints() {
    }
}
