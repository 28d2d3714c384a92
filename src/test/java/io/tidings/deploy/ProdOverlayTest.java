package io.tidings.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The prod overlay: serving pods with ROLE=serve, one trainer with ROLE=train that the Service never selects. */
class ProdOverlayTest {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Path PROD = Path.of("k8s", "overlays", "prod");

    @Test
    void oneTrainerTrainsAndTheServingPodsOnlyServe() throws IOException {
        JsonNode k = YAML.readTree(PROD.resolve("kustomization.yaml").toFile());
        assertThat(k.path("resources").toString()).contains("trainer-deployment.yaml");
        Deployment trainer = YAML.readValue(PROD.resolve("trainer-deployment.yaml").toFile(), Deployment.class);
        assertThat(trainer.getSpec().getReplicas()).isEqualTo(1);
        var c = trainer.getSpec().getTemplate().getSpec().getContainers().get(0);
        assertThat(c.getEnv()).extracting(EnvVar::getName, EnvVar::getValue).contains(org.assertj.core.groups.Tuple.tuple("ROLE", "train"));
        assertThat(c.getResources().getLimits()).containsKey("memory");

        // webhook traffic goes to serving pods only
        Service service = YAML.readValue(Path.of("k8s", "base", "service.yaml").toFile(), Service.class);
        var labels = trainer.getSpec().getTemplate().getMetadata().getLabels();
        assertThat(service.getSpec().getSelector().entrySet()).isNotEmpty()
                .anyMatch(e -> !e.getValue().equals(labels.get(e.getKey())));

        String patches = k.path("patches").toString();
        assertThat(patches).contains("name: ROLE, value: serve").contains("limits: {memory:");
    }
}
