package io.tidings.cli;

import io.tidings.model.ModelCodec;
import io.tidings.model.ModelStore;
import io.tidings.model.offline.ModelFiles;
import io.tidings.store.Database;
import io.tidings.store.ModelRepository;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import reactor.core.scheduler.Schedulers;

/** {@code tidings model export|import|score}: the whole model as one ONNX file (contract: onnx/README.md). */
@Command(name = "model", description = "The whole model as one ONNX file (onnx/README.md).",
        subcommands = {ModelCommand.Export.class, ModelCommand.Import.class, ModelCommand.Score.class})
final class ModelCommand extends Subcommand {

    @Override
    public Integer call() {
        throw usage("name what to do: export, import or score");
    }

    /** Runs {@code work} against the configured database's model store (blocking: a command, not the service). */
    static Long withStore(io.tidings.app.Config config,
                          java.util.function.BiFunction<ModelStore, ModelRepository, reactor.core.publisher.Mono<Long>> work) {
        try (Database db = Database.start(config.database())) {
            ModelRepository models = new ModelRepository(db);
            ModelStore store = new ModelStore(models, ModelCodec.DEFAULT_CHUNK_BYTES, Schedulers.boundedElastic());
            return work.apply(store, models).block(Duration.ofMinutes(30));
        }
    }

    /** Writes the newest stored version (from the configured database) as one ONNX file. */
    @Command(name = "export", description = "Writes the newest stored model version as one ONNX file: embedding "
            + "tables, network and the id → row map, so ONNX Runtime alone scores raw ids.")
    static final class Export extends Subcommand {
        @Parameters(paramLabel = "FILE.onnx")
        Path file;

        @Override
        public Integer call() {
            Long id = withStore(config(), (store, models) -> ModelFiles.exportLatest(store, models, file));
            if (id == null) {
                err().println("tidings: no model version stored yet");
                return 1;
            }
            out().println("wrote model version " + id + " to " + file);
            return 0;
        }
    }

    /** Checks a file against the contract and ONNX Runtime against the fast path, then stores it as a new version. */
    @Command(name = "import", description = "Checks an ONNX file against the contract (names, shapes, dtypes, opset), "
            + "compares ONNX Runtime with the fast path on a sample (within 1e-5), and stores it as a new model "
            + "version that every replica swaps in.")
    static final class Import extends Subcommand {
        @Parameters(paramLabel = "FILE.onnx")
        Path file;

        @Override
        public Integer call() {
            Long id = withStore(config(), (store, models) -> ModelFiles.importFile(file, store, models));
            out().println("stored " + file + " as model version " + id + "; replicas swap it in");
            return 0;
        }
    }

    /** One probability per pair through the fast path. */
    @Command(name = "score", description = "Prints one probability per (reader, channel, post) line of PAIRS.csv "
            + "(header reader,channel,post), scored through the fast path with the file's weights.")
    static final class Score extends Subcommand {
        @Parameters(paramLabel = "FILE.onnx")
        Path file;
        @Option(names = "--pairs", paramLabel = "PAIRS.csv", required = true, description = "reader,channel,post lines")
        Path pairs;

        @Override
        public Integer call() {
            return ModelFiles.score(file, pairs, out());
        }
    }
}
