package io.tidings.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** k8s/ parses as Kubernetes objects and agrees with the code: probe paths, ports, env names, selectors. */
class ManifestsTest {

    private static final Path BASE = Path.of("k8s", "base");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);

    private static <T> T read(String file, Class<T> type) throws IOException {
        return YAML.readValue(BASE.resolve(file).toFile(), type);
    }

    @Test
    void everyManifestParsesAsItsKind() throws IOException {
        Map<String, Class<?>> kinds = Map.of("Deployment", Deployment.class, "Service", Service.class,
                "ConfigMap", ConfigMap.class, "Secret", Secret.class, "HorizontalPodAutoscaler", HorizontalPodAutoscaler.class,
                "PodDisruptionBudget", PodDisruptionBudget.class, "NetworkPolicy", NetworkPolicy.class);
        List<Path> files;
        try (Stream<Path> s = Files.list(BASE)) {
            files = s.filter(p -> p.toString().endsWith(".yaml") && !p.endsWith("kustomization.yaml")).sorted().toList();
        }
        Set<String> seen = new HashSet<>();
        for (Path f : files) {
            JsonNode tree = YAML.readTree(f.toFile());
            String kind = tree.path("kind").asText();
            if (kind.equals("Cluster")) continue; // CloudNativePG, optional
            assertThat(kinds).as(f + " has a known kind").containsKey(kind);
            YAML.treeToValue(tree, kinds.get(kind)); // typed fields must have their types (ports, quantities, selectors)
            seen.add(kind);
        }
        assertThat(seen).containsAll(kinds.keySet());
    }

    @Test
    void kustomizationsNameFilesThatExist() throws IOException {
        JsonNode base = YAML.readTree(BASE.resolve("kustomization.yaml").toFile());
        base.path("resources").forEach(r -> assertThat(BASE.resolve(r.asText())).exists());
        for (String overlay : List.of("dev", "prod")) {
            Path dir = Path.of("k8s", "overlays", overlay);
            JsonNode k = YAML.readTree(dir.resolve("kustomization.yaml").toFile());
            assertThat(k.path("resources").get(0).asText()).isEqualTo("../../base");
            k.path("configMapGenerator").forEach(g -> g.path("literals")
                    .forEach(l -> assertThat(appSettings()).contains(l.asText().split("=", 2)[0])));
        }
    }

    @Test
    void theDeploymentRunsHardenedWithProbesOnRealEndpoints() throws IOException {
        Deployment d = read("deployment.yaml", Deployment.class);
        var pod = d.getSpec().getTemplate().getSpec();
        Container c = pod.getContainers().get(0);
        assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(c.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        assertThat(c.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
        assertThat(c.getSecurityContext().getCapabilities().getDrop()).contains("ALL");
        assertThat(c.getVolumeMounts()).anySatisfy(m -> assertThat(m.getMountPath()).isEqualTo("/tmp"));
        assertThat(c.getResources().getRequests()).containsKeys("cpu", "memory");
        assertThat(c.getResources().getLimits()).containsKey("memory");

        // probe paths are routes of web.WebServer, on the port the container names
        String server = Files.readString(Path.of("src/main/java/io/tidings/web/WebServer.java"));
        int port = c.getPorts().get(0).getContainerPort();
        for (HTTPGetAction probe : List.of(c.getReadinessProbe().getHttpGet(), c.getLivenessProbe().getHttpGet(),
                c.getStartupProbe().getHttpGet())) {
            assertThat(server).contains("\"" + probe.getPath() + "\"");
            assertThat(probe.getPort().getStrVal()).isEqualTo(c.getPorts().get(0).getName());
        }
        assertThat(c.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/readyz");
        ConfigMap cm = read("configmap.yaml", ConfigMap.class);
        assertThat(Integer.parseInt(cm.getData().get("HTTP_PORT"))).isEqualTo(port);
        // SIGTERM grace covers the app's own shutdown deadline
        assertThat(pod.getTerminationGracePeriodSeconds()).isGreaterThan(Long.parseLong(cm.getData().get("SHUTDOWN_GRACE_SECONDS")));
        assertThat(c.getEnvFrom()).extracting(e -> e.getConfigMapRef() != null ? e.getConfigMapRef().getName()
                : e.getSecretRef().getName()).containsExactly(cm.getMetadata().getName(),
                read("secret.example.yaml", Secret.class).getMetadata().getName());
    }

    @Test
    void everyEnvironmentVariableIsOneTheAppReads() throws IOException {
        Set<String> known = appSettings();
        Set<String> used = new HashSet<>(read("configmap.yaml", ConfigMap.class).getData().keySet());
        used.addAll(read("secret.example.yaml", Secret.class).getStringData().keySet());
        read("deployment.yaml", Deployment.class).getSpec().getTemplate().getSpec().getContainers().get(0).getEnv()
                .forEach(e -> used.add(e.getName()));
        assertThat(known).as("settings k8s sets that the app does not declare").containsAll(used);
        assertThat(used).contains("TELEGRAM_BOT_TOKEN", "DATABASE_URL", "WEBHOOK_URL", "WEBHOOK_SECRET");
        assertThat(known).as("settings the image sets that the app does not declare")
                .containsAll(Dockerfile.read().finalStage("ENV").stream().flatMap(e -> Dockerfile.envNames(e).stream()).toList());
    }

    /**
     * The image and the Deployment agree: the port the image exposes and listens on is the container's port (and the
     * ConfigMap's HTTP_PORT); the HEALTHCHECK asks a probe path; the image's user is the pod's runAsUser/runAsGroup and
     * not root; the image keeps its temporary files in /tmp, which is the one writable mount of the read-only root;
     * it runs the command the Deployment gives it; and the Deployment's image tag is the project's version.
     */
    @Test
    void theImageAgreesWithTheDeployment() throws IOException {
        Dockerfile image = Dockerfile.read();
        Deployment d = read("deployment.yaml", Deployment.class);
        var pod = d.getSpec().getTemplate().getSpec();
        Container c = pod.getContainers().get(0);
        int port = c.getPorts().get(0).getContainerPort();

        assertThat(image.finalStage("EXPOSE")).containsExactly(Integer.toString(port));
        Map<String, String> env = new java.util.HashMap<>();
        image.finalStage("ENV").forEach(e -> env.putAll(Dockerfile.env(e)));
        assertThat(env).containsEntry("HTTP_PORT", Integer.toString(port));
        assertThat(read("configmap.yaml", ConfigMap.class).getData()).containsEntry("HTTP_PORT", Integer.toString(port));

        assertThat(image.finalStage("HEALTHCHECK")).singleElement().satisfies(h -> {
            assertThat(h).contains("GET /healthz ").contains("${HTTP_PORT");
            assertThat(c.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/healthz");
        });

        String[] user = image.finalStage("USER").get(image.finalStage("USER").size() - 1).split(":");
        assertThat(Long.parseLong(user[0])).isPositive().isEqualTo(pod.getSecurityContext().getRunAsUser());
        assertThat(Long.parseLong(user[1])).isEqualTo(pod.getSecurityContext().getRunAsGroup());
        assertThat(image.finalStage("RUN")).anySatisfy(r -> assertThat(r).contains(":x:" + user[0] + ":" + user[1] + ":"));

        // read-only root: the JVM's temporary files (native libraries unpacked by ONNX Runtime and Netty) go to /tmp,
        // the mount the Deployment gives the container
        assertThat(c.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        assertThat(env.get("JAVA_TOOL_OPTIONS")).contains("-Djava.io.tmpdir=/tmp");
        assertThat(c.getVolumeMounts()).extracting(m -> m.getMountPath()).containsExactly("/tmp");

        assertThat(image.finalStage("CMD")).singleElement().isEqualTo("[\"" + String.join("\", \"", c.getArgs()) + "\"]");
        assertThat(image.finalStage("ENTRYPOINT")).singleElement().asString().contains("/app/tidings.jar");
        String version = Files.readString(Path.of("pom.xml")).replaceFirst("(?s).*?<artifactId>tidings</artifactId>\\s*<version>([^<-]+).*", "$1");
        assertThat(c.getImage()).isEqualTo("tidings:" + version);
        assertThat(image.finalStage("ARG")).contains("VERSION=" + version);
        assertThat(image.finalStage("LABEL")).singleElement().asString()
                .contains("org.opencontainers.image.version", "org.opencontainers.image.revision", "org.opencontainers.image.source");
    }

    /** The top-level Dockerfile, instruction by instruction (continuation lines joined, comments dropped). */
    record Dockerfile(List<String[]> instructions) {

        static Dockerfile read() throws IOException {
            List<String[]> out = new java.util.ArrayList<>();
            StringBuilder line = new StringBuilder();
            for (String raw : Files.readAllLines(Path.of("Dockerfile"))) {
                String t = raw.strip();
                if (t.startsWith("#") || (t.isEmpty() && line.length() == 0)) continue;
                boolean more = t.endsWith("\\");
                line.append(more ? t.substring(0, t.length() - 1) : t).append(' ');
                if (more) continue;
                String[] parts = line.toString().strip().split("\\s+", 2);
                out.add(new String[] {parts[0].toUpperCase(java.util.Locale.ROOT), parts.length > 1 ? parts[1] : ""});
                line.setLength(0);
            }
            return new Dockerfile(out);
        }

        /** The arguments of every {@code instruction} in the image's last stage (ARGs before the first FROM too). */
        List<String> finalStage(String instruction) {
            int from = 0;
            for (int i = 0; i < instructions.size(); i++) if (instructions.get(i)[0].equals("FROM")) from = i;
            List<String> found = new java.util.ArrayList<>();
            for (int i = 0; i < instructions.size(); i++) {
                String[] in = instructions.get(i);
                if (in[0].equals(instruction) && (i > from || (instruction.equals("ARG") && i < from))) found.add(in[1]);
            }
            return found;
        }

        /** {@code ENV A=1 B="x y"} as a map. */
        static Map<String, String> env(String args) {
            Map<String, String> env = new java.util.LinkedHashMap<>();
            Matcher m = Pattern.compile("([A-Za-z_][A-Za-z0-9_]*)=(\"[^\"]*\"|\\S+)").matcher(args);
            while (m.find()) env.put(m.group(1), m.group(2).replaceAll("^\"|\"$", ""));
            return env;
        }

        static Set<String> envNames(String args) {
            return env(args).keySet();
        }
    }

    @Test
    void theServiceHpaPdbAndNetworkPolicySelectTheDeployment() throws IOException {
        Deployment d = read("deployment.yaml", Deployment.class);
        Map<String, String> podLabels = d.getSpec().getTemplate().getMetadata().getLabels();
        assertThat(podLabels).containsAllEntriesOf(d.getSpec().getSelector().getMatchLabels());
        Service svc = read("service.yaml", Service.class);
        assertThat(podLabels).containsAllEntriesOf(svc.getSpec().getSelector());
        assertThat(svc.getSpec().getPorts().get(0).getTargetPort().getStrVal())
                .isEqualTo(d.getSpec().getTemplate().getSpec().getContainers().get(0).getPorts().get(0).getName());
        PodDisruptionBudget pdb = read("pdb.yaml", PodDisruptionBudget.class);
        assertThat(podLabels).containsAllEntriesOf(pdb.getSpec().getSelector().getMatchLabels());
        NetworkPolicy np = read("networkpolicy.yaml", NetworkPolicy.class);
        assertThat(podLabels).containsAllEntriesOf(np.getSpec().getPodSelector().getMatchLabels());
        HorizontalPodAutoscaler hpa = read("hpa.yaml", HorizontalPodAutoscaler.class);
        assertThat(hpa.getSpec().getScaleTargetRef().getKind()).isEqualTo("Deployment");
        assertThat(hpa.getSpec().getScaleTargetRef().getName()).isEqualTo(d.getMetadata().getName());
        assertThat(hpa.getSpec().getMinReplicas()).isGreaterThanOrEqualTo(2); // webhook mode: several replicas
        assertThat(pdb.getSpec().getMinAvailable().getIntVal()).isLessThan(hpa.getSpec().getMinReplicas());
    }

    /**
     * Each overlay rendered by real kustomize ({@code kubectl kustomize}; .ci/run fetches kubectl and sets KUBECTL)
     * parses object by object, lives in one namespace, and keeps the guarantees: the PDB always lets one pod go,
     * replicas sit inside the HPA's range, and every setting is one the app reads.
     */
    @Test
    void everyOverlayRendersWithKustomizeIntoConsistentObjects() throws Exception {
        String kubectl = System.getenv("KUBECTL");
        if (System.getenv("TIDINGS_REQUIRE_KUBECTL") == null) {
            Assumptions.assumeTrue(kubectl != null && !kubectl.isBlank(), "KUBECTL is not set (see .ci/install-kubectl)");
        }
        assertThat(kubectl).as("KUBECTL").isNotBlank();
        for (String overlay : List.of("dev", "prod")) {
            Process p = new ProcessBuilder(kubectl, "kustomize", Path.of("k8s", "overlays", overlay).toString())
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertThat(p.waitFor()).as("kubectl kustomize %s: %s", overlay, out).isZero();
            Map<String, JsonNode> byKind = new java.util.HashMap<>();
            Set<String> namespaces = new HashSet<>();
            try (com.fasterxml.jackson.databind.MappingIterator<JsonNode> docs = YAML.readerFor(JsonNode.class).readValues(out)) {
                while (docs.hasNext()) {
                    JsonNode doc = docs.next();
                    // the service's objects are named tidings; others (the prod trainer) are keyed kind/name
                    String name = doc.path("metadata").path("name").asText();
                    String key = name.equals("tidings") ? doc.path("kind").asText() : doc.path("kind").asText() + "/" + name;
                    assertThat(byKind.put(key, doc)).as("one %s", key).isNull();
                    namespaces.add(doc.path("metadata").path("namespace").asText());
                }
            }
            assertThat(namespaces).as(overlay + " namespaces").hasSize(1).doesNotContain("");
            Deployment d = YAML.treeToValue(byKind.get("Deployment"), Deployment.class);
            if (overlay.equals("prod")) {
                // serving and training apart: one trainer replica with ROLE=train, the served pods ROLE=serve
                Deployment trainer = YAML.treeToValue(byKind.get("Deployment/tidings-trainer"), Deployment.class);
                assertThat(trainer.getSpec().getReplicas()).isEqualTo(1);
                assertThat(trainer.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv())
                        .anySatisfy(e -> assertThat(e.getName() + "=" + e.getValue()).isEqualTo("ROLE=train"));
                assertThat(d.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv())
                        .anySatisfy(e -> assertThat(e.getName() + "=" + e.getValue()).isEqualTo("ROLE=serve"));
                servingMemoryFollowsTheMeasuredPeak(d);
            }
            HorizontalPodAutoscaler hpa = YAML.treeToValue(byKind.get("HorizontalPodAutoscaler"), HorizontalPodAutoscaler.class);
            PodDisruptionBudget pdb = YAML.treeToValue(byKind.get("PodDisruptionBudget"), PodDisruptionBudget.class);
            ConfigMap cm = YAML.treeToValue(byKind.get("ConfigMap"), ConfigMap.class);
            YAML.treeToValue(byKind.get("Service"), Service.class);
            YAML.treeToValue(byKind.get("NetworkPolicy"), NetworkPolicy.class);
            assertThat(d.getSpec().getReplicas()).as(overlay + " replicas")
                    .isBetween(hpa.getSpec().getMinReplicas(), hpa.getSpec().getMaxReplicas());
            assertThat(pdb.getSpec().getMinAvailable().getIntVal()).as(overlay + ": a drain can always evict one pod")
                    .isLessThan(hpa.getSpec().getMinReplicas());
            assertThat(appSettings()).as(overlay + " settings").containsAll(cm.getData().keySet());
            assertThat(cm.getData()).as(overlay + " keeps the base settings")
                    .containsKeys(read("configmap.yaml", ConfigMap.class).getData().keySet().toArray(String[]::new));
        }
    }

    /**
     * The serving pods' memory follows {@code bench scale}'s measured peak heap for the reader count the overlay
     * states: the heap the JVM takes from the limit (the image's MaxRAMPercentage) keeps 15% above the peak, and the
     * request is at least the memory at which the JVM's heap reaches the peak, so the scheduler places a pod where it fits.
     */
    private static void servingMemoryFollowsTheMeasuredPeak(Deployment d) throws IOException {
        Map<String, String> notes = d.getMetadata().getAnnotations();
        assertThat(notes).containsKeys("tidings.io/sized-for-readers", "tidings.io/measured-peak-heap-mb");
        assertThat(Long.parseLong(notes.get("tidings.io/sized-for-readers"))).isPositive();
        double peak = Double.parseDouble(notes.get("tidings.io/measured-peak-heap-mb"));
        Matcher m = Pattern.compile("MaxRAMPercentage=(\\d+)").matcher(Files.readString(Path.of("Dockerfile")));
        assertThat(m.find()).as("MaxRAMPercentage in the Dockerfile").isTrue();
        double share = Integer.parseInt(m.group(1)) / 100.0;
        var resources = d.getSpec().getTemplate().getSpec().getContainers().get(0).getResources();
        double limit = io.fabric8.kubernetes.api.model.Quantity.getAmountInBytes(resources.getLimits().get("memory")).doubleValue() / (1 << 20);
        double request = io.fabric8.kubernetes.api.model.Quantity.getAmountInBytes(resources.getRequests().get("memory")).doubleValue() / (1 << 20);
        assertThat(limit * share).as("heap under the memory limit (MB) vs 1.15 x the measured peak %.0f MB", peak)
                .isGreaterThanOrEqualTo(peak * 1.15);
        assertThat(request).as("memory request (MB) vs the measured peak %.0f MB over the heap share", peak)
                .isGreaterThanOrEqualTo(peak / share);
    }

    /**
     * Names the app declares: Config's {@code get.apply("NAME")}, logback's {@code ${NAME}}, and the JVM's own. The one
     * place to change when the settings get a declaration table: read the names from it here.
     */
    private static Set<String> appSettings() {
        Set<String> names = new HashSet<>(Set.of("JAVA_TOOL_OPTIONS"));
        try {
            io.tidings.app.Settings.ALL.forEach(setting -> names.add(setting.name()));
            Matcher l = Pattern.compile("\\$\\{([A-Z_]+)").matcher(Files.readString(Path.of("src/main/resources/logback.xml")));
            while (l.find()) names.add(l.group(1));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return names;
    }
}
