package io.tidings.store;

import io.netty.handler.ssl.SslContextBuilder;
import io.r2dbc.postgresql.client.SSLMode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import javax.net.ssl.TrustManagerFactory;

/**
 * What a TLS connection to the database needs that would block if made on an event loop, made once at start-up:
 * the trusted certificates (the {@code sslrootcert} file, or the JDK's default store for {@code verify-*} without one)
 * and a random source seeded now. r2dbc-postgresql builds a Netty SSL context for every new connection, in the channel
 * initializer on an event loop: left to itself it reads {@code /dev/urandom} (the JDK's default random) and, without a
 * root certificate, the JDK's trust store there, each time. {@link #customize} hands it these instead, so building
 * the context is computation only; {@link #of} also builds one context up front, so a bad file fails start-up.
 */
final class TlsMaterial {

    private final TrustManagerFactory trust; // null: the driver's own choice (trust anything, for prefer/require)
    private final SecureRandom random;

    private TlsMaterial(TrustManagerFactory trust, SecureRandom random) {
        this.trust = trust;
        this.random = random;
    }

    /** Reads and checks everything now (blocking: call at start-up). */
    static TlsMaterial of(SSLMode mode, String rootCert) {
        try {
            TrustManagerFactory trust = null;
            if (mode.verifyCertificate()) {
                trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                if (rootCert == null) {
                    trust.init((KeyStore) null); // the JDK's default trust store, read now
                } else {
                    KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
                    store.load(null, null);
                    int i = 0;
                    try (InputStream in = Files.newInputStream(Path.of(rootCert))) {
                        for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                            store.setCertificateEntry("ca-" + i++, c);
                        }
                    }
                    if (i == 0) throw new IllegalArgumentException("sslrootcert " + rootCert + " holds no certificate");
                    trust.init(store);
                }
            }
            // a deterministic generator seeded once from the system: drawing from it reads no file
            SecureRandom random = SecureRandom.getInstance("DRBG");
            random.nextBytes(new byte[32]);
            TlsMaterial m = new TlsMaterial(trust, random);
            m.customize(SslContextBuilder.forClient()).build(); // the JDK's TLS classes loaded here, not on an event loop
            return m;
        } catch (IOException e) {
            throw new IllegalArgumentException("sslrootcert " + rootCert + " cannot be read: " + e.getMessage(), e);
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("TLS to the database cannot be set up (sslrootcert " + rootCert + "): "
                    + e.getMessage(), e);
        }
    }

    /** The driver's context builder, given what was made up front. */
    SslContextBuilder customize(SslContextBuilder b) {
        b.secureRandom(random);
        return trust == null ? b : b.trustManager(trust);
    }
}
