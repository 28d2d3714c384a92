# tidings: the Maven-built application on a JRE, as a non-root user, on a read-only root file system.
# Build the jar and its dependencies first (target/tidings.jar, target/lib), then the image:
#   mvn -B -DskipTests package
#   docker build -t tidings:0.1.0 --build-arg REVISION="$(git rev-parse HEAD)" .
# Any JRE 17+ image with bash works as the base (BASE_IMAGE); this offline machine uses one made from Debian's
# packages (README, "Deploy": mmdebstrap + podman import, then podman build --build-arg BASE_IMAGE=...).
ARG BASE_IMAGE=docker.io/library/eclipse-temurin:17-jre

# Only what runs on Linux: the embedded PostgreSQL's macOS, Windows and Alpine binaries, Netty's QUIC natives
# (HTTP/3 is not used) and its macOS DNS natives stay out of the image.
FROM ${BASE_IMAGE} AS lib
COPY target/lib/ /app/lib/
RUN cd /app/lib && rm -f ./*-darwin-* ./*-windows-* ./*-alpine-* ./*-osx-* ./netty-codec-native-quic-* \
        ./netty-resolver-dns-native-macos-* ./netty-resolver-dns-classes-macos-*

FROM ${BASE_IMAGE}
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG SOURCE=https://github.com/tidings-bot/tidings
LABEL org.opencontainers.image.title="tidings" \
      org.opencontainers.image.description="A Telegram bot that learns what each reader likes and sends them the best posts of public channels" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.source="${SOURCE}"
# the user is written into /etc/passwd directly: not every base image has useradd
RUN echo 'tidings:x:10001:10001:tidings:/app:/usr/sbin/nologin' >> /etc/passwd \
 && echo 'tidings:x:10001:' >> /etc/group \
 && mkdir -p /app
WORKDIR /app
# dependencies first: a new build of the application alone reuses this layer
COPY --from=lib /app/lib/ /app/lib/
# jdk.incubator.vector: the fast path's SIMD kernel, added when this JRE has it (else the scalar kernel runs)
RUN if java --list-modules | grep -q '^jdk\.incubator\.vector@'; then \
      echo '--add-modules=jdk.incubator.vector' > /app/jvm.options; else : > /app/jvm.options; fi
COPY target/tidings.jar /app/tidings.jar
USER 10001:10001
# The root file system may be read-only: temporary files (the natives of ONNX Runtime and Netty) go to /tmp, a
# tmpfs or emptyDir. DATA_DIR is only for the embedded PostgreSQL (no DATABASE_URL): mount a volume there.
ENV JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75 -Djava.io.tmpdir=/tmp" HTTP_PORT=8080 DATA_DIR=/app/data
EXPOSE 8080
# GET /healthz over bash's /dev/tcp: no curl needed in the image (podman keeps HEALTHCHECK with --format docker)
HEALTHCHECK --interval=20s --timeout=5s --start-period=60s --retries=3 \
    CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${HTTP_PORT:-8080} && printf 'GET /healthz HTTP/1.0\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]
ENTRYPOINT ["java", "@/app/jvm.options", "-jar", "/app/tidings.jar"]
CMD ["run"]
