package com.example.deploy;

import static org.junit.jupiter.api.Assertions.fail;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import tools.jackson.databind.BeanDescription;
import tools.jackson.databind.DeserializationConfig;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.deser.BeanDeserializerBuilder;
import tools.jackson.databind.deser.ValueDeserializerModifier;
import tools.jackson.databind.module.SimpleModule;
import tools.jackson.dataformat.yaml.YAMLMapper;

/** deploy/kubernetes as `kubectl kustomize` renders it, each object read into its typed class. */
final class RenderedManifests {

    static final Path BASE = Path.of("deploy/kubernetes");
    private static final long RENDER_TIMEOUT_SECONDS = 60;
    private static final Map<String, Class<? extends HasMetadata>> CLASSES = Map.of(
            "Namespace", Namespace.class,
            "Deployment", Deployment.class,
            "Service", Service.class,
            "PodDisruptionBudget", PodDisruptionBudget.class,
            "NetworkPolicy", NetworkPolicy.class);

    /**
     * Fails on any field its class does not declare. fabric8's classes would otherwise keep an
     * unknown field (a misspelt `readinesProbe`) in their additionalProperties map: their any-setter
     * is taken away, so Jackson's FAIL_ON_UNKNOWN_PROPERTIES applies.
     */
    private static final ObjectMapper STRICT = YAMLMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .addModule(new SimpleModule("no-additional-properties").setDeserializerModifier(
                    new ValueDeserializerModifier() {
                        @Override
                        public BeanDeserializerBuilder updateBuilder(DeserializationConfig config,
                                BeanDescription.Supplier description, BeanDeserializerBuilder builder) {
                            builder.setAnySetter(null);
                            return builder;
                        }
                    }))
            .build();

    private RenderedManifests() {
    }

    /** What `kubectl kustomize BASE` prints; fails, saying how to install kubectl, where it is missing. */
    static String render(Path base) throws IOException, InterruptedException {
        File output = File.createTempFile("kustomize", ".yaml");
        File errors = File.createTempFile("kustomize", ".err");
        try {
            Process kubectl;
            try {
                kubectl = new ProcessBuilder("kubectl", "kustomize", base.toString())
                        .redirectOutput(output).redirectError(errors).start();
            } catch (IOException e) {
                return fail("kubectl is needed to render " + base + " and was not found on the PATH ("
                        + e.getMessage() + "). Install it: on Debian 12 `apt-get install kubernetes-client`"
                        + " (kubectl 1.20, enough for this base), or any kubectl 1.20 or newer.");
            }
            if (!kubectl.waitFor(RENDER_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                kubectl.destroyForcibly();
                return fail("kubectl kustomize " + base + " did not finish within " + RENDER_TIMEOUT_SECONDS + " s");
            }
            if (kubectl.exitValue() != 0) {
                return fail("kubectl kustomize " + base + " exited " + kubectl.exitValue() + ": "
                        + Files.readString(errors.toPath()));
            }
            return Files.readString(output.toPath());
        } finally {
            output.delete();
            errors.delete();
        }
    }

    /** Each YAML document of a rendering as an object of the class its kind names, read strictly. */
    static List<HasMetadata> load(String yaml) {
        List<HasMetadata> objects = new ArrayList<>();
        for (JsonNode document : STRICT.readerFor(JsonNode.class).<JsonNode>readValues(yaml).readAll()) {
            String kind = document.path("kind").asString();
            Class<? extends HasMetadata> type = CLASSES.get(kind);
            if (type == null) {
                fail("no class known for kind '" + kind + "' (" + document.path("metadata").path("name") + ")");
            }
            objects.add(STRICT.treeToValue(document, type));
        }
        return objects;
    }
}
