package io.tidings;

import io.tidings.store.Database;
import io.tidings.store.DatabaseConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One migrated PostgreSQL data directory per build, copied into every test server instead of an initdb
 * and all the migrations in each (Flyway's first run in a JVM: about 1.5 s of CPU with C1). The first JVM to need it
 * makes it under a file lock in {@code target/} (the others that start meanwhile do not wait but start as before):
 * initdb, the migrations by the production code ({@link Database#start}), a clean stop. Its name carries a digest of the
 * migration files and of the binaries' jar, so a changed or added migration or another PostgreSQL makes a new one;
 * {@code mvn clean} removes them. A server started on a copy still runs Flyway at start, which finds nothing to do.
 */
final class PgTemplate {

    private static final Logger log = LoggerFactory.getLogger(PgTemplate.class);
    private static final String MIGRATIONS = "db/migration";

    private PgTemplate() {}

    /**
     * Fills {@code dataDir} (absent or empty) with a copy of the template, so an embedded server started on it skips
     * initdb and finds the schema migrated. Returns false, leaving {@code dataDir} alone, when the migrations are not
     * plain files to digest (run from a jar) or another JVM is making the template right now (the first JVMs of a build
     * start together: they do not wait for it): the server then starts as in production.
     */
    static synchronized boolean copyTo(Path dataDir) {
        try {
            Path template = template();
            if (template == null) return false;
            Files.createDirectories(dataDir);
            Files.setPosixFilePermissions(dataDir, PosixFilePermissions.fromString("rwx------")); // as PostgreSQL wants
            try (Stream<Path> files = Files.walk(template)) {
                for (Path from : (Iterable<Path>) files::iterator) {
                    Path to = dataDir.resolve(template.relativize(from).toString());
                    if (from.equals(template)) continue;
                    Files.copy(from, to, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
            return true;
        } catch (IOException e) {
            throw new UncheckedIOException("could not copy the PostgreSQL template to " + dataDir, e);
        }
    }

    /**
     * The template's data directory, made now under the build-wide lock if no JVM has made it yet; null from a jar or
     * while another JVM is making it.
     */
    private static Path template() throws IOException {
        Path migrations = migrationsDir();
        if (migrations == null) return null;
        Path target = Path.of(System.getProperty("basedir", "."), "target").toAbsolutePath();
        Files.createDirectories(target);
        Path home = target.resolve("pg-template-" + digest(migrations));
        Path data = home.resolve("pg");
        if (Files.isRegularFile(home.resolve("ready"))) return data;
        try (FileChannel lockFile = FileChannel.open(target.resolve("pg-template.lock"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE); FileLock lock = lockFile.tryLock()) {
            // another JVM is making it: rather than wait, this one starts its server as before (initdb and migrations)
            if (lock == null) return null;
            if (Files.isRegularFile(home.resolve("ready"))) return data; // made between the look above and the lock
            long t0 = System.nanoTime();
            Path work = Files.createTempDirectory(target, "pg-template-making");
            Path workData = work.resolve("pg");
            try (Database db = Database.start(DatabaseConfig.custom().embeddedDataDir(workData).poolMaxSize(1).build())) {
                db.sql().one("SELECT count(*) AS n FROM pg_tables", r -> r.get("n", Long.class)).block(Duration.ofSeconds(30));
            }
            // the server's own lock file (the server is stopped): a copy starts as a server of its own
            Files.deleteIfExists(workData.resolve("epg-lock"));
            Files.writeString(work.resolve("ready"), "migrated and stopped cleanly\n");
            try {
                Files.move(work, home, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileSystemException e) { // a leftover in the way (a template is moved in whole): made again
                deleteTree(home);
                Files.move(work, home, StandardCopyOption.ATOMIC_MOVE);
            }
            log.info("PostgreSQL template made in {} ms: {}", (System.nanoTime() - t0) / 1_000_000, home);
            return data;
        }
    }

    private static Path migrationsDir() {
        URL url = PgTemplate.class.getClassLoader().getResource(MIGRATIONS);
        if (url == null || !"file".equals(url.getProtocol())) return null;
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            return null;
        }
    }

    /**
     * SHA-256 over where the PostgreSQL binaries come from (their jar, which names their version) and every migration's
     * name and content, in name order.
     */
    private static String digest(Path migrations) throws IOException {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (String binaries : List.of("postgres-linux-x86_64.txz", "postgres-linux-arm_64.txz")) {
                var urls = PgTemplate.class.getClassLoader().getResources(binaries);
                while (urls.hasMoreElements()) sha.update(urls.nextElement().toString().getBytes(StandardCharsets.UTF_8));
            }
            List<Path> files;
            try (Stream<Path> s = Files.list(migrations)) {
                files = s.filter(Files::isRegularFile).sorted(Comparator.comparing(Path::toString)).toList();
            }
            for (Path f : files) {
                sha.update(f.getFileName().toString().getBytes(StandardCharsets.UTF_8));
                sha.update((byte) 0);
                sha.update(Files.readAllBytes(f));
                sha.update((byte) 0);
            }
            return HexFormat.of().formatHex(sha.digest(), 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }
}
